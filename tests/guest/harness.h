/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A tiny test harness: CHECK() counts a failed expectation and goes on;
 * each test function is listed in main.c. The run ends with the line
 * "N passed, M failed" (a test passes when none of its checks failed).
 */
#ifndef TEEMED_TESTS_GUEST_HARNESS_H
#define TEEMED_TESTS_GUEST_HARNESS_H

#include <stdio.h>

extern int harness_failures; /* checks failed in the running test */

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			harness_failures++;                                \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n",     \
				__FILE__, __LINE__, #cond);                \
		}                                                          \
	} while (0)

#define CHECK_EQ(a, b)                                                     \
	do {                                                               \
		unsigned long long va_ = (unsigned long long)(a);          \
		unsigned long long vb_ = (unsigned long long)(b);          \
		if (va_ != vb_) {                                          \
			harness_failures++;                                \
			fprintf(stderr, "  %s:%d: %s == %s: 0x%llx != 0x%llx\n", \
				__FILE__, __LINE__, #a, #b, va_, vb_);     \
		}                                                          \
	} while (0)

typedef void (*test_fn)(void);

struct test_case {
	const char *name;
	test_fn fn;
};

#endif /* TEEMED_TESTS_GUEST_HARNESS_H */
