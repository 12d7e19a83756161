/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A host environment for the guest driver (flat RAM, pthread locks) and a
 * small scripted fake OP-TEE answering its SMCs. The fake reads guest RAM
 * directly (IPA == base + offset), keeps registered SHM by cookie, runs one
 * "thread" per yielding call, and plays RPC scripts set by the tests.
 */
#ifndef TEEMED_TESTS_GUEST_FAKE_H
#define TEEMED_TESTS_GUEST_FAKE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "guest/guest_env.h"
#include "teemed/optee_msg.h"

#define FAKE_RAM_BASE  UINT64_C(0x40000000)
#define FAKE_RAM_PAGES 2048u
#define FAKE_MAX_THREADS 8
#define FAKE_MAX_REGS 64
#define FAKE_MAX_SMCS 8192
#define FAKE_MAX_STEPS 16

/* Test TA commands. */
#define F_ECHO    0 /* values a+1/b+2; memrefs: record input, fill output */
#define F_SCRIPT  1 /* play f->script, then complete */
#define F_EBADCMD 2 /* answer the SMC with EBADCMD */
#define F_SHORT   3 /* p0 memref: SHORT_BUFFER, size 77 */
#define F_SCRIPT2 4 /* play f->scripts[1] */

enum fake_step_kind { FS_ALLOC, FS_FREE, FS_FINTR, FS_CMD };

struct fake;

struct fake_step {
	enum fake_step_kind kind;
	uint32_t size;       /* FS_ALLOC: a1 */
	uint64_t cookie;     /* FS_FREE: a1:a2 (0: the previous FS_ALLOC's) */
	uint32_t cmd;        /* FS_CMD */
	uint32_t nparams;
	struct optee_msg_param params[4];
	/* Optional: adjust the RPC arg just before the exit. */
	void (*prep)(struct fake *f, int step, struct optee_msg_arg *rpc);
};

struct fake_step_log {
	uint64_t exit[8];   /* registers of the RPC exit */
	uint64_t resume[8]; /* registers of the RETURN_FROM_RPC */
	_Alignas(8) uint8_t arg[OPTEE_MSG_GET_ARG_SIZE(4)]; /* RPC arg after the resume */
};

/* A memory view the fake resolved from a memref or page list. */
struct fake_buf {
	uint64_t pages[1200];
	size_t npages;
	uint32_t offset;
	uint64_t size;
	bool null;
};

struct fake_reg {
	bool used;
	uint64_t cookie;
	uint64_t size;
	uint32_t offset;
	uint64_t *pages;
	size_t npages;
	uint64_t list_buf_ptr; /* as registered */
};

struct fake_thread {
	bool busy;
	uint64_t arg_ipa;
	uint64_t rpc_ipa;      /* in-band RPC arg, 0 if none */
	uint64_t cache_ipa;    /* ALLOC'd RPC arg (kept: the shm cache) */
	uint64_t cache_cookie;
	struct fake_script *script;
	int step;
	bool in_flight;        /* script step's RPC is out */
	bool awaiting_alloc;   /* ALLOC issued for the RPC arg */
	uint64_t step_alloc_cookie;
};

struct fake {
	struct guest_env env;
	uint8_t *ram;
	pthread_mutex_t mu;
	long allocs, frees;
	long long unmapped_page; /* index of a page map() refuses, or -1 */

	/* Secure-world configuration. */
	uint32_t caps;
	uint32_t rpc_params;     /* EXCHANGE_CAPABILITIES a3 */
	int thread_count;        /* GET_THREAD_COUNT answer, -1 = unknown */
	bool bad_uid;
	uint32_t api_major;
	uint32_t exch_status;
	uint32_t nthreads;       /* threads the fake runs at once */
	uint64_t disable_cookies[8];
	int ndisable;
	int disable_busy;        /* EBUSY answers before the first real one */

	/* What the driver did. */
	uint32_t fids[FAKE_MAX_SMCS];
	int nsmc;
	int nonzero_a7;
	int nonzero_a4_a7_first; /* first SMCs of calls with a4..a7 != 0 */
	struct fake_reg regs[FAKE_MAX_REGS];
	int register_attr_bad;
	int ethread_answers;
	uint64_t ethread_regs[8];  /* first SMC answered ETHREAD_LIMIT */
	uint64_t reissued_regs[8]; /* the next identical first SMC */
	bool reissued_same;
	int enable_calls, disable_calls;
	uint64_t exch_a1;          /* a1 of the last EXCHANGE_CAPABILITIES */
	int close_count;           /* CLOSE_SESSION messages */

	/* The last message at entry (copy) and its memrefs. */
	_Alignas(8) uint8_t last_arg[OPTEE_MSG_GET_ARG_SIZE(6)];
	uint32_t last_fid;
	struct fake_buf last_bufs[4];
	uint8_t last_in[4][256];   /* first bytes of each input memref */
	uint32_t echo_out_size;    /* F_ECHO: size to report, 0 = as given */
	uint32_t devenum_session;  /* session of the enumeration PTA */
	uint32_t next_session;

	/* F_SCRIPT plays scripts[0], F_SCRIPT2 scripts[1]. */
	struct fake_script {
		struct fake_step steps[FAKE_MAX_STEPS];
		int n;
		struct fake_step_log log[FAKE_MAX_STEPS];
		uint32_t ret;
	} scripts[2];

	struct fake_thread thr[FAKE_MAX_THREADS];
};

/*
 * A fresh env + fake with OP-TEE 4.x-like defaults: caps DYNAMIC_SHM |
 * MEMREF_NULL | RPC_ARG (4 RPC params), 2 threads, thread count known.
 */
struct fake *fake_create(void);
void fake_destroy(struct fake *f);

/* Resolve a memref param of the message as OP-TEE would. */
bool fake_resolve(struct fake *f, const struct optee_msg_param *p,
		  struct fake_buf *b);
uint8_t *fake_mem(struct fake *f, uint64_t ipa);
bool fake_buf_read(struct fake *f, const struct fake_buf *b, size_t off,
		   void *dst, size_t len);
bool fake_buf_write(struct fake *f, const struct fake_buf *b, size_t off,
		    const void *src, size_t len);
struct fake_reg *fake_find_reg(struct fake *f, uint64_t cookie);
/* The secure world's SMC entry (env.smc). */
void fake_smc(void *ctx, uint64_t r[8]);
int fake_count_fid(const struct fake *f, uint32_t fid);

#endif /* TEEMED_TESTS_GUEST_FAKE_H */
