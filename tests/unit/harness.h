/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A tiny unit-test harness: TEST() registers a test, CHECK* record a failure
 * (and go on), REQUIRE* record it and abandon the test. The runner prints
 * "N passed, M failed" as its last line and exits non-zero on any failure.
 */
#ifndef TEEMED_TESTS_UNIT_HARNESS_H
#define TEEMED_TESTS_UNIT_HARNESS_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef void (*test_fn)(void);

void test_register(const char *name, test_fn fn, const char *file);

#define TEST(name)                                                        \
	static void name(void);                                           \
	__attribute__((constructor)) static void name##_register(void)   \
	{                                                                 \
		test_register(#name, name, __FILE__);                     \
	}                                                                 \
	static void name(void)

/* Record a failure of the running test (thread safe). */
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Abandon the running test (main test thread only). */
_Noreturn void test_abort(void);
bool test_failed(void);
const char *test_name(void);
extern int test_verbose;

#define CHECK(c)                                                          \
	do {                                                              \
		if (!(c))                                                 \
			test_fail(__FILE__, __LINE__, "CHECK(%s)", #c);   \
	} while (0)

#define CHECK_MSG(c, ...)                                                 \
	do {                                                              \
		if (!(c))                                                 \
			test_fail(__FILE__, __LINE__, __VA_ARGS__);       \
	} while (0)

#define CHECK_OP(a, op, b)                                                \
	do {                                                              \
		uint64_t va_ = (uint64_t)(a), vb_ = (uint64_t)(b);        \
		if (!(va_ op vb_))                                        \
			test_fail(__FILE__, __LINE__,                     \
				  "CHECK(%s %s %s): 0x%" PRIx64 " vs 0x%" PRIx64, \
				  #a, #op, #b, va_, vb_);                 \
	} while (0)

#define CHECK_EQ(a, b) CHECK_OP(a, ==, b)
#define CHECK_NE(a, b) CHECK_OP(a, !=, b)

/* Signed comparison for API status codes. */
#define CHECK_RC(a, b)                                                    \
	do {                                                              \
		long long va_ = (long long)(a), vb_ = (long long)(b);     \
		if (va_ != vb_)                                           \
			test_fail(__FILE__, __LINE__,                     \
				  "CHECK_RC(%s == %s): %lld vs %lld", #a, #b, \
				  va_, vb_);                              \
	} while (0)

#define REQUIRE(c)                                                        \
	do {                                                              \
		if (!(c)) {                                               \
			test_fail(__FILE__, __LINE__, "REQUIRE(%s)", #c); \
			test_abort();                                     \
		}                                                         \
	} while (0)

#define REQUIRE_EQ(a, b)                                                  \
	do {                                                              \
		uint64_t va_ = (uint64_t)(a), vb_ = (uint64_t)(b);        \
		if (va_ != vb_) {                                         \
			test_fail(__FILE__, __LINE__,                     \
				  "REQUIRE(%s == %s): 0x%" PRIx64 " vs 0x%" PRIx64, \
				  #a, #b, va_, vb_);                      \
			test_abort();                                     \
		}                                                         \
	} while (0)

#define REQUIRE_RC(a, b)                                                  \
	do {                                                              \
		long long va_ = (long long)(a), vb_ = (long long)(b);     \
		if (va_ != vb_) {                                         \
			test_fail(__FILE__, __LINE__,                     \
				  "REQUIRE_RC(%s == %s): %lld vs %lld", #a, #b, \
				  va_, vb_);                              \
			test_abort();                                     \
		}                                                         \
	} while (0)

/*
 * Hooks the fixture layer installs: before each test, and after it (with
 * whether the test ran to its end, i.e. was not abandoned).
 */
void harness_set_hooks(void (*before)(void), void (*after)(bool completed));

#endif /* TEEMED_TESTS_UNIT_HARNESS_H */
