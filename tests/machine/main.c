/* SPDX-License-Identifier: BSD-2-Clause */
/* The machine's test suite: runs every group, ends with "N passed, M failed". */
#include <stdio.h>
#include <stdlib.h>

#include "tests/machine/harness.h"

static unsigned passed, failed, current_failures;

void h_fail(const char *file, int line, const char *expr)
{
	current_failures++;
	printf("  FAIL %s:%d: %s\n", file, line, expr);
}

void h_fail_eq(const char *file, int line, const char *expr, unsigned long long a,
	       unsigned long long b)
{
	current_failures++;
	printf("  FAIL %s:%d: %s (0x%llx != 0x%llx)\n", file, line, expr, a, b);
}

void h_run(const char *name, void (*fn)(void))
{
	current_failures = 0;
	fn();
	if (current_failures) {
		failed++;
		printf("FAIL %s\n", name);
	} else {
		passed++;
		printf("ok   %s\n", name);
	}
	fflush(stdout);
}

int main(void)
{
	/* Tests provoke errors on purpose: keep their stderr apart from results. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	phys_tests();
	stage2_tests();
	port_tests();
	oracle_tests();
	vcpu_tests();
	machine_tests();
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
