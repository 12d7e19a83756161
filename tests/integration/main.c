/* SPDX-License-Identifier: BSD-2-Clause */
/* The integration suite: every group, then "N passed, M failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/itest.h"

static unsigned passed, failed, current_failures;

void it_fail(const char *file, int line, const char *expr)
{
	current_failures++;
	printf("  FAIL %s:%d: %s\n", file, line, expr);
}

void it_fail_eq(const char *file, int line, const char *expr, unsigned long long a,
		unsigned long long b)
{
	current_failures++;
	printf("  FAIL %s:%d: %s (0x%llx != 0x%llx)\n", file, line, expr, a, b);
}

void it_run(const char *name, void (*fn)(void))
{
	uint64_t t0 = wl_now_ns();

	current_failures = 0;
	fn();
	if (current_failures) {
		failed++;
		printf("FAIL %s (%.2f s)\n", name, (double)(wl_now_ns() - t0) / 1e9);
	} else {
		passed++;
		printf("ok   %s (%.2f s)\n", name, (double)(wl_now_ns() - t0) / 1e9);
	}
	fflush(stdout);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	basic_tests();
	shm_tests();
	rpc_tests();
	flight_tests();
	diff_tests();
	newcalls_tests();
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
