/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * End-to-end integration tests: guest driver and client API, mediator on
 * the sim port, OP-TEE model, isolation oracle, all on one simulated
 * machine per test. A test fails if any CHECK in it fails; every test ends
 * by tearing its machine down and checking that nothing leaked and that
 * the oracle saw no violation. main() prints "N passed, M failed" last.
 */
#ifndef TEEMED_TESTS_INTEGRATION_ITEST_H
#define TEEMED_TESTS_INTEGRATION_ITEST_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/guest/raw.h"
#include "sim/guest/teec.h"
#include "sim/machine/machine.h"
#include "sim/optee/ta_api.h"
#include "sim/workload/wl.h"
#include "sim/workload/wl_env.h"

void it_fail(const char *file, int line, const char *expr);
void it_fail_eq(const char *file, int line, const char *expr, unsigned long long a,
		unsigned long long b);
void it_run(const char *name, void (*fn)(void));

#define CHECK(cond)                                              \
	do {                                                     \
		if (!(cond))                                     \
			it_fail(__FILE__, __LINE__, #cond);      \
	} while (0)

#define CHECK_EQ(a, b)                                                              \
	do {                                                                        \
		unsigned long long it_a_ = (unsigned long long)(a);                 \
		unsigned long long it_b_ = (unsigned long long)(b);                 \
		if (it_a_ != it_b_)                                                 \
			it_fail_eq(__FILE__, __LINE__, #a " == " #b, it_a_, it_b_); \
	} while (0)

#define RUN(fn) it_run(#fn, fn)

/* One machine with one guest whose driver is probed and a client context. */
struct it {
	struct machine *m;
	struct machine_guest *g;
	struct wl_env wenv;
	struct gdrv *drv;
	TEEC_Context ctx;
	bool ctx_open;
};

struct it_config {
	enum machine_mode mode;
	uint32_t vcpus;
	uint64_t ram;            /* guest RAM */
	bool legacy;             /* older driver: no GET_THREAD_COUNT */
	uint32_t threads;        /* OP-TEE threads per guest (0: model default) */
};

void it_config_default(struct it_config *c, enum machine_mode mode);
/* Build it all; false (and a failed check) if anything could not be set up. */
bool it_setup(struct it *t, const struct it_config *c);
/* Close the context, remove the driver, tear the machine down, check it clean. */
void it_teardown(struct it *t);
/* Check a teardown report: no violation, nothing held, no error. */
void it_check_clean(const struct machine_report *rep);

extern const TEEC_UUID it_uuid_arith, it_uuid_buf, it_uuid_storage, it_uuid_shmkeep,
	it_uuid_sleep, it_uuid_devenum;

/* The groups, one per file. */
void basic_tests(void);
void shm_tests(void);
void rpc_tests(void);
void flight_tests(void);
void diff_tests(void);
void newcalls_tests(void);

#endif /* TEEMED_TESTS_INTEGRATION_ITEST_H */
