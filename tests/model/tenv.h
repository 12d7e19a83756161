/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test environment of the OP-TEE model tests: flat non-secure RAM behind
 * the model's env (recording which client each access was tagged with), a
 * small "normal world" that issues SMCs and answers RPCs, and the CHECK
 * harness.
 */
#ifndef TEEMED_TESTS_MODEL_TENV_H
#define TEEMED_TESTS_MODEL_TENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optee/model.h"
#include "optee/ta_api.h"
#include "teemed/optee_msg.h"
#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"

/* ---- harness ---- */
extern unsigned tests_passed, tests_failed;
#define CHECK(cond)                                                              \
	do {                                                                     \
		if (cond) {                                                      \
			tests_passed++;                                          \
		} else {                                                         \
			tests_failed++;                                          \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                \
	} while (0)
#define CHECK_EQ(a, b)                                                           \
	do {                                                                     \
		unsigned long long va_ = (unsigned long long)(a);                \
		unsigned long long vb_ = (unsigned long long)(b);                \
		if (va_ == vb_) {                                                \
			tests_passed++;                                          \
		} else {                                                         \
			tests_failed++;                                          \
			printf("FAIL %s:%d: %s == %s (0x%llx != 0x%llx)\n",     \
			       __FILE__, __LINE__, #a, #b, va_, vb_);            \
		}                                                                \
	} while (0)

/* ---- memory ---- */
#define RAM_BASE  UINT64_C(0x40000000)
#define RAM_SIZE  (UINT64_C(32) << 20)
#define SEC_BASE  UINT64_C(0x0E000000) /* secure RAM: not non-secure */
#define PAGE      4096u

#define MAX_FILES 16
#define MAX_FDS   16

struct tfile {
	bool used;
	char path[64];
	uint8_t data[8192];
	size_t len;
};

struct tenv {
	struct optee_model *m;
	struct optee_model_env env;
	uint8_t *ram;
	uint64_t next_page;             /* bump allocator */
	uint64_t free_pages[8192];
	size_t nfree;
	size_t live_allocs;             /* model allocations not freed */
	size_t live_bytes;
	uint32_t clients_seen;          /* bit (1 << client) per access, clients < 32 */
	uint32_t bad_accesses;          /* outside RAM */
	uint32_t notif_irqs;
	uint64_t time_ns;

	/* normal world state */
	uint64_t inband_pa;             /* RPC arg location for in-band mode */
	uint32_t rpc_alloc, rpc_free, rpc_intr, rpc_cmd;
	uint32_t cmd_count[32];
	uint64_t last_free_cookie;
	uint64_t suspend_ms;
	uint64_t notif_key, notif_op;
	uint32_t rpc_arg_live;          /* ALLOC'd RPC arg pages not freed */
	uint32_t shm_live;              /* SHM_ALLOC'd buffers not freed */
	uint64_t last_shm_free_cookie;
	int alloc_mode;                 /* ALLOC answer: 0 good, 1 unaligned, 2 secure, 3 zero */
	int shm_mode;                   /* SHM_ALLOC answer: 0 good, 1 bad attr, 2 small, 3 bad list, 4 contig */
	uint64_t last_cmd_a1a2;
	uint32_t last_origin;         /* CMD a1:a2 as received */
	struct tfile files[MAX_FILES];
	int fds[MAX_FDS];
};

void tenv_init(struct tenv *e, const struct optee_model_config *cfg);
void tenv_fini(struct tenv *e);
uint64_t page_alloc(struct tenv *e);
void page_free(struct tenv *e, uint64_t pa);
/* n physically consecutive pages (never reused). */
uint64_t pages_alloc_contig(struct tenv *e, size_t n);
void *pa_ptr(struct tenv *e, uint64_t pa);

void smc(struct tenv *e, uint64_t r[8]);
/* A yielding call with the RPC loop of a driver; returns the final a0. */
uint32_t nw_call(struct tenv *e, uint64_t client, uint32_t fid, uint64_t a1a2_or_cookie,
		 uint32_t a3);
/* Answers RPCs from the SMC result in r until the call ends; returns a0. */
uint32_t nw_loop(struct tenv *e, uint64_t client, uint64_t r[8]);
/* CALL_WITH_ARG of the arg at `pa` in guest `client`. */
uint32_t call_arg(struct tenv *e, uint16_t client, uint64_t pa);

/* Page list of `npages` data pages; returns the buf_ptr (list | offset). */
uint64_t make_pagelist(struct tenv *e, const uint64_t *pages, size_t npages, uint32_t offset);

/* Arg helpers on an arg page. */
struct optee_msg_arg *arg_at(struct tenv *e, uint64_t pa);
void arg_reset(struct tenv *e, uint64_t pa, uint32_t cmd, uint32_t num_params);
void set_uuid_meta(struct optee_msg_param *p, const struct ta_uuid *u);
/* OPEN_SESSION to `u`; returns ret, session in *sess. */
uint32_t open_session(struct tenv *e, uint16_t client, uint64_t argpa, const struct ta_uuid *u,
		      uint32_t *sess);
uint32_t close_session(struct tenv *e, uint16_t client, uint64_t argpa, uint32_t sess);
/* REGISTER_SHM of [pages] at offset with cookie; returns arg.ret. */
uint32_t register_shm(struct tenv *e, uint16_t client, uint64_t argpa, uint64_t buf_ptr,
		      uint64_t size, uint64_t cookie);

/*
 * INVOKE_COMMAND with params p[0..n) (copied in and back out) through
 * `fid` (CALL_WITH_ARG or CALL_WITH_RPC_ARG); returns arg.ret, or
 * 0xDEAD0000 | a0 when a0 is not OK. The origin goes to e->last_origin.
 */
uint32_t invoke_fid(struct tenv *e, uint64_t client, uint32_t fid, uint64_t argpa, uint32_t sess,
		    uint32_t func, uint32_t n, struct optee_msg_param *p);
uint32_t invoke(struct tenv *e, uint64_t client, uint64_t argpa, uint32_t sess, uint32_t func,
		uint32_t n, struct optee_msg_param *p);
uint64_t fnv1a(const uint8_t *b, size_t n);

/* Test groups. */
void test_fast(void);
void test_calls(void);
void test_pagelist(void);
void test_rpc(void);
void test_tas(void);

#endif
