/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A tiny test harness: each group runs its tests with RUN(); a test fails
 * if any CHECK in it fails. main() prints "N passed, M failed" last.
 */
#ifndef TEEMED_TESTS_MACHINE_HARNESS_H
#define TEEMED_TESTS_MACHINE_HARNESS_H

#include <stdint.h>

void h_fail(const char *file, int line, const char *expr);
void h_fail_eq(const char *file, int line, const char *expr, unsigned long long a,
	       unsigned long long b);
void h_run(const char *name, void (*fn)(void));

#define CHECK(cond)                                              \
	do {                                                     \
		if (!(cond))                                     \
			h_fail(__FILE__, __LINE__, #cond);       \
	} while (0)

#define CHECK_EQ(a, b)                                                              \
	do {                                                                        \
		unsigned long long h_a_ = (unsigned long long)(a);                  \
		unsigned long long h_b_ = (unsigned long long)(b);                  \
		if (h_a_ != h_b_)                                                   \
			h_fail_eq(__FILE__, __LINE__, #a " == " #b, h_a_, h_b_);    \
	} while (0)

#define RUN(fn) h_run(#fn, fn)

/* The groups, one per file. */
void phys_tests(void);
void stage2_tests(void);
void port_tests(void);
void oracle_tests(void);
void vcpu_tests(void);
void machine_tests(void);

#endif /* TEEMED_TESTS_MACHINE_HARNESS_H */
