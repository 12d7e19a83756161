/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What tests/unit/fake_port.c needs from the unit-test harness, for the
 * fuzz harnesses that reuse it: any failure the fake port detects (a pin of
 * something that is not guest RAM, an unpin matching no pin, a map of an
 * unpinned page, a lock held across an SMC, a WARN log where only the guest
 * misbehaved, ...) is a finding, so it aborts at once.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

int test_verbose;

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FINDING: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

_Noreturn void test_abort(void)
{
	abort();
}

bool test_failed(void)
{
	return false;
}

const char *test_name(void)
{
	return "fuzz";
}
