/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internals of the OP-TEE model, shared by its files:
 *   smc.c      SMC entry, fast calls, configuration
 *   virt.c     partitions (one per guest with virtualization)
 *   thread.c   threads, yielding-call life cycle, RPC engine, FOREIGN_INTR
 *   msg.c      guest memory references, the arg, page lists, param copy
 *   shm.c      registered SHM and RPC-allocated SHM objects
 *   entry.c    OPTEE_MSG_CMD_* (entry_std.c of OP-TEE), sessions
 *   ta_*.c     the built-in TAs, explicit state machines
 *
 * Concurrency: one lock (env->lock) is held around every SMC served, so
 * nothing here locks. Threads never run concurrently: a thread runs only
 * inside the SMC that started or resumed it, and at an RPC it leaves with
 * all its state in `struct model_thread` (no stack switching).
 */
#ifndef TEEMED_SIM_OPTEE_MODEL_PRIV_H
#define TEEMED_SIM_OPTEE_MODEL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "optee/model.h"
#include "optee/ta_api.h"
#include "teemed/optee_msg.h"
#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"

#define memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define memset(d, c, n) __builtin_memset((d), (c), (n))
#define memcmp(a, b, n) __builtin_memcmp((a), (b), (n))

/* OP-TEE OS revision the model claims (GET_OS_REVISION, ABI 1.3: 4.10). */
#define MODEL_OS_REVISION_MAJOR 4
#define MODEL_OS_REVISION_MINOR 10

/* CALLS_COUNT answer (ABI 1.3): 12, 14 with virtualization. */
#define MODEL_CALLS_COUNT      12
#define MODEL_CALLS_COUNT_VIRT 14

/* THREAD_RPC_MAX_NUM_PARAMS: params of an RPC arg (ABI 3.2, a3 = 4). */
#define MODEL_RPC_NUM_PARAMS 4
#define MODEL_RPC_ARG_SIZE   OPTEE_MSG_GET_ARG_SIZE(MODEL_RPC_NUM_PARAMS)

/* TEE_NUM_PARAMS: TA params of a call (ABI 4.4: > 4 is BAD_PARAMETERS). */
#define MODEL_TA_PARAMS 4
/* Open session: 2 meta params before the TA params (ABI 4.4). */
#define MODEL_META_PARAMS 2
/*
 * Params copied from the arg into the thread: no command accepts more than
 * 2 + 4, and OP-TEE rejects a larger count before reading any param.
 */
#define MODEL_SHADOW_PARAMS (MODEL_META_PARAMS + MODEL_TA_PARAMS)

/* NOTIF_ASYNC_VALUE_MAX: values 0..63 are asynchronous (ABI 3.2). */
#define MODEL_NOTIF_ASYNC_MAX 63
/* NOTIF_VALUE_MAX = 64 + CFG_NUM_THREADS (ABI 3.2). */
#define MODEL_NOTIF_SYNC_BASE 64

/*
 * Pages of one registered or RPC-allocated buffer: 1 GiB at any offset
 * within its first page (ABI 4.5: ceil((size + offset) / 4096)). OP-TEE's
 * own limit is its heap; the model's pages array is 8 bytes a page (2 MiB).
 */
#define MODEL_SHM_MAX_PAGES ((UINT64_C(1) << 30) / OPTEE_MSG_NONCONTIG_PAGE_SIZE + 1)

/* Sessions a partition may hold at once (OP-TEE: bounded by its heap). */
#define MODEL_MAX_SESSIONS 64

/* Threads per partition the configuration may ask for (a3 is a u32). */
#define MODEL_MAX_THREADS 64

/* Bounce buffer of a thread, for guest-to-guest-buffer copies by TAs. */
#define MODEL_BOUNCE_SIZE 4096u

/* Page size of the ABI's page lists and argument pages (ABI 4.5). */
#define MODEL_PAGE_SIZE OPTEE_MSG_NONCONTIG_PAGE_SIZE
#define MODEL_PAGE_MASK ((uint64_t)MODEL_PAGE_SIZE - 1u)

/* TEE_PARAM_TYPE_* as TAs see their params. */
#define TA_PT_NONE         0u
#define TA_PT_VALUE_IN     1u
#define TA_PT_VALUE_OUT    2u
#define TA_PT_VALUE_INOUT  3u
#define TA_PT_MEMREF_IN    5u
#define TA_PT_MEMREF_OUT   6u
#define TA_PT_MEMREF_INOUT 7u
#define TA_PT(p0, p1, p2, p3) \
	((uint32_t)(p0) | ((uint32_t)(p1) << 4) | ((uint32_t)(p2) << 8) | ((uint32_t)(p3) << 12))

struct model_part;
struct model_thread;

/*
 * The header of struct optee_msg_arg without the flexible params array, so
 * that a copy can be embedded in other structs (ISO C forbids embedding a
 * struct with a flexible array member).
 */
struct model_msg_hdr {
	uint32_t cmd;
	uint32_t func;
	uint32_t session;
	uint32_t cancel_id;
	uint32_t pad;
	uint32_t ret;
	uint32_t ret_origin;
	uint32_t num_params;
};

_Static_assert(sizeof(struct model_msg_hdr) == sizeof(struct optee_msg_arg), "ABI 4.1");
_Static_assert(offsetof(struct model_msg_hdr, session) ==
	       offsetof(struct optee_msg_arg, session), "ABI 4.1");
_Static_assert(offsetof(struct model_msg_hdr, ret) == offsetof(struct optee_msg_arg, ret),
	       "ABI 4.1");
_Static_assert(offsetof(struct model_msg_hdr, ret_origin) ==
	       offsetof(struct optee_msg_arg, ret_origin), "ABI 4.1");
_Static_assert(offsetof(struct model_msg_hdr, num_params) ==
	       offsetof(struct optee_msg_arg, num_params), "ABI 4.1");

/*
 * A window of guest physical memory made of 4 KiB pages: the arg page, a
 * registered buffer, a page list passed for one call, an RPC buffer. Every
 * access goes through env->read/write tagged with the partition's guest.
 */
struct model_mref {
	const uint64_t *pages; /* PAs of 4 KiB pages; NULL: null memref */
	uint64_t npages;
	uint64_t start;        /* offset of byte 0 from pages[0] */
	uint64_t size;         /* bytes reachable from byte 0 */
};

/* A registered buffer (REGISTER_SHM); listed per partition. */
struct reg_shm {
	struct reg_shm *next;
	uint64_t cookie;
	uint64_t page_offset;
	uint64_t size;      /* npages * 4096 - page_offset, as OP-TEE sizes it */
	uint64_t npages;
	uint32_t users;     /* in-flight calls holding it */
	uint64_t *pages;
};

/* A buffer the normal world gave for an OPTEE_RPC_CMD_SHM_ALLOC. */
struct rpc_shm {
	uint64_t cookie;
	uint32_t type;      /* OPTEE_RPC_SHM_TYPE_* */
	uint64_t page_offset;
	uint64_t size;      /* usable bytes */
	uint64_t req_size;  /* bytes asked for */
	uint64_t npages;
	uint64_t *pages;
};

/* One TA param as a TA sees it. */
struct ta_param {
	uint64_t a, b;            /* value */
	struct model_mref mem;    /* memref: where it is ... */
	uint64_t size;            /* ... and its size (in/out) */
};

/* One param of an RPC command the model sends to normal world. */
struct rpc_param {
	uint64_t attr;            /* OPTEE_MSG_ATTR_TYPE_* (RMEM for memrefs) */
	uint64_t a, b, c;         /* value */
	const struct rpc_shm *shm; /* memref: buffer from SHM_ALLOC */
	uint64_t offs, size;
};

struct ta_session;
struct ta_call;

/* Result of one step of a state machine: finished, or waiting for an RPC. */
enum step {
	STEP_DONE,
	STEP_RPC,
};

struct ta_ops {
	struct ta_uuid uuid;
	const char *name;
	/* Each is a state machine: call->state is 0 on the first step. */
	enum step (*open)(struct ta_call *c);
	enum step (*invoke)(struct ta_call *c);
	enum step (*close)(struct ta_call *c);
	uint32_t enum_cmd; /* devenum list: TA_DEVENUM_CMD_*, or UINT32_MAX */
};

/* TA state a session keeps across invokes. */
struct ta_session {
	bool used;
	bool dead;            /* panicked: every call answers TARGET_DEAD */
	bool cancelled;
	uint32_t id;
	const struct ta_ops *ta;
	struct model_thread *busy; /* thread serving it, or NULL */
	uint64_t invokes;     /* arith: invoke count */
	struct rpc_shm *kept; /* shmkeep: its RPC buffer */
};

/* The TA call a thread serves: the context a TA state machine sees. */
struct ta_call {
	struct optee_model *m;
	struct model_part *part;
	struct model_thread *t;
	struct ta_session *s;
	uint32_t cmd;         /* TA command (invoke) */
	uint32_t types;       /* TA_PT() of the params */
	struct ta_param p[MODEL_TA_PARAMS];
	uint32_t ret;         /* TA result */
	uint32_t origin;      /* TEEC_ORIGIN_* of ret */
	int state;            /* where the state machine is; 0 at start */
	/* TA scratch that survives RPCs. */
	uint64_t n, fd, len, done;
	struct rpc_shm *shm;
};

/* RPC engine of a thread (thread.c). */
enum rpc_op {
	RPC_OP_NONE,
	RPC_OP_CMD,       /* one RPC command */
	RPC_OP_SHM_ALLOC, /* SHM_ALLOC, checked; SHM_FREE when unusable */
	RPC_OP_FREE_ARG,  /* RPC FREE of the thread's RPC arg buffer */
};

enum rpc_state {
	RPC_IDLE,
	RPC_START,
	RPC_ALLOC_WAIT,     /* left with RPC ALLOC */
	RPC_ALLOC_BAD_WAIT, /* left with RPC FREE of a bad ALLOC answer */
	RPC_CMD_WAIT,       /* left with RPC CMD */
	RPC_SHM_FREE_WAIT,  /* left with CMD SHM_FREE of an unusable reply */
	RPC_FREE_WAIT,      /* left with RPC FREE */
	RPC_DONE,
};

struct rpc_engine {
	enum rpc_op op;
	enum rpc_state state;
	uint32_t cmd;
	uint32_t num_params;
	struct rpc_param p[MODEL_RPC_NUM_PARAMS];
	uint32_t ret;             /* result of the op (TEE result) */
	uint32_t shm_type;        /* SHM_ALLOC request */
	uint64_t shm_size;
	struct rpc_shm *shm;      /* SHM_ALLOC result */
	uint64_t free_cookie;
};

enum thread_state {
	THREAD_FREE,
	THREAD_RUNNING,   /* only inside the SMC that runs it */
	THREAD_SUSPENDED, /* left with an RPC; resumed by RETURN_FROM_RPC */
};

/* Where a yielding call is in its life cycle (thread.c). */
enum call_phase {
	PHASE_START,   /* read and check the arg */
	PHASE_CMD,     /* serve the command */
	PHASE_FINISH,  /* results written; maybe free the RPC arg */
	PHASE_END,     /* return to normal world */
};

/* A command's state while a thread serves it (entry.c). */
struct cmd_ctx {
	int state;
	uint64_t saved_attr[MODEL_TA_PARAMS];
	uint32_t num_ta_params;
	uint32_t first_ta_param;      /* 2 for open session, else 0 */
	uint64_t *tmem_pages[MODEL_TA_PARAMS]; /* page lists built per call */
	uint64_t tmem_npages[MODEL_TA_PARAMS];
	struct reg_shm *rmem[MODEL_TA_PARAMS]; /* held registered buffers */
	struct ta_call call;
	bool copy_out;                /* TA ran: write its outputs */
	bool write_ret, write_origin, write_session;
};

struct model_thread {
	uint32_t id;
	enum thread_state state;
	bool intr;                   /* suspended by FOREIGN_INTR */
	/* Registers of the call and of the last RETURN_FROM_RPC. */
	uint32_t fid, a1, a2, a3;
	uint32_t rs_a1, rs_a2, rs_a4, rs_a5;
	enum call_phase phase;
	uint32_t rv;                 /* SMC result when the call ends */

	/* The caller's arg: page (CALL_WITH_ARG/RPC_ARG) or registered SHM. */
	uint64_t arg_page;
	struct reg_shm *arg_shm;
	struct model_mref arg_mem;
	uint64_t arg_off;            /* of the arg inside arg_mem */
	bool inband;                 /* RPC arg follows the arg */
	uint64_t inband_off;
	/* The thread's copy of the arg, read once at entry. */
	struct model_msg_hdr hdr;
	struct optee_msg_param params[MODEL_SHADOW_PARAMS];

	/* RPC arg buffer from RPC ALLOC, kept while the SHM cache is on. */
	bool rpcbuf;
	uint64_t rpcbuf_page;
	uint64_t rpcbuf_cookie;

	struct cmd_ctx cmd;
	struct rpc_engine rpc;
	uint8_t *bounce;             /* MODEL_BOUNCE_SIZE bytes */
};

/* A partition: what OP-TEE keeps per guest (ABI 7). */
struct model_part {
	bool used;
	uint16_t guest;
	uint64_t seq;                /* creation order: newest shadows older */
	bool shm_cache;              /* thread_prealloc_rpc_cache */
	bool notif_started;
	uint64_t notif_pending;      /* async values 0..63 */
	uint32_t next_session;
	uint32_t nthreads;           /* cfg.num_threads */
	struct model_thread *threads;
	struct reg_shm *shms;
	struct ta_session sessions[MODEL_MAX_SESSIONS];
	uint64_t bottom_halves;      /* DO_BOTTOM_HALF served */
};

struct optee_model {
	struct optee_model_env env;
	struct optee_model_config cfg;
	struct model_part *parts;
	uint32_t nparts;
	uint64_t seq;
	uint64_t prng;
	uint32_t forced_intr;
};

/* smc.c */
bool model_has_cap(const struct optee_model *m, uint32_t cap);
void model_log(const struct optee_model *m, const char *msg);
void model_notif_set(struct optee_model *m, struct model_part *part, uint32_t value);

/* virt.c */
int part_init(struct optee_model *m, struct model_part *part, uint16_t guest);
void part_fini(struct optee_model *m, struct model_part *part);
struct model_part *part_find(struct optee_model *m, uint16_t guest);
uint32_t virt_vm_created(struct optee_model *m, uint16_t guest);
void virt_vm_destroyed(struct optee_model *m, uint16_t guest);

/* thread.c */
void thread_std_smc(struct optee_model *m, struct model_part *part, uint64_t regs[8]);
void thread_reset(struct optee_model *m, struct model_part *part, struct model_thread *t);
bool thread_all_free(const struct model_part *part);
enum step rpc_cmd(struct model_thread *t, uint32_t cmd, uint32_t num_params,
		  const struct rpc_param *p);
enum step rpc_shm_alloc(struct model_thread *t, uint32_t type, uint64_t size);
enum step rpc_shm_free(struct optee_model *m, struct model_thread *t, struct rpc_shm *shm);

/* msg.c */
int mref_read(const struct optee_model *m, const struct model_part *part,
	      const struct model_mref *r, uint64_t off, void *dst, size_t len);
int mref_write(const struct optee_model *m, const struct model_part *part,
	       const struct model_mref *r, uint64_t off, const void *src, size_t len);
uint64_t *pagelist_parse(struct optee_model *m, const struct model_part *part,
			 uint64_t buf_ptr, uint64_t size, uint64_t *npages);
void pages_free(struct optee_model *m, uint64_t *pages, uint64_t npages);
uint32_t msg_read_arg(struct optee_model *m, struct model_part *part, struct model_thread *t);
uint32_t msg_copy_in(struct optee_model *m, struct model_part *part, struct model_thread *t);
void msg_copy_out(struct optee_model *m, struct model_part *part, struct model_thread *t);
void msg_release(struct optee_model *m, struct model_part *part, struct model_thread *t);

/* shm.c */
struct reg_shm *shm_find(struct model_part *part, uint64_t cookie);
uint32_t shm_register(struct optee_model *m, struct model_part *part,
		      const struct optee_msg_param *p);
uint32_t shm_unregister(struct optee_model *m, struct model_part *part, uint64_t cookie);
void shm_free_all(struct optee_model *m, struct model_part *part);
struct rpc_shm *rpc_shm_new(struct optee_model *m, uint64_t *pages, uint64_t npages,
			    uint64_t page_offset, uint64_t cookie, uint32_t type);
void rpc_shm_delete(struct optee_model *m, struct rpc_shm *shm);
void rpc_shm_mref(const struct rpc_shm *shm, uint64_t offs, uint64_t size,
		  struct model_mref *out);

/* entry.c */
enum step entry_std(struct optee_model *m, struct model_part *part, struct model_thread *t);
void session_release_all(struct optee_model *m, struct model_part *part);

/* ta.c: the TA registry and helpers for TAs */
const struct ta_ops *ta_find(const uint8_t octets[16]);
size_t ta_count(void);
const struct ta_ops *ta_at(size_t i);
void ta_uuid_octets(const struct ta_uuid *u, uint8_t out[16]);
int ta_read(const struct ta_call *c, const struct ta_param *p, uint64_t off, void *dst, size_t len);
int ta_write(const struct ta_call *c, const struct ta_param *p, uint64_t off, const void *src,
	     size_t len);
int ta_shm_read(const struct ta_call *c, const struct rpc_shm *shm, uint64_t off, void *dst,
		size_t len);
int ta_shm_write(const struct ta_call *c, const struct rpc_shm *shm, uint64_t off,
		 const void *src, size_t len);
enum step ta_done(struct ta_call *c, uint32_t ret);

extern const struct ta_ops ta_devenum;
extern const struct ta_ops ta_arith;
extern const struct ta_ops ta_buf;
extern const struct ta_ops ta_storage;
extern const struct ta_ops ta_shmkeep;
extern const struct ta_ops ta_sleep;
extern const struct ta_ops ta_panic;

static inline uint64_t reg_pair(uint32_t hi, uint32_t lo)
{
	return ((uint64_t)hi << 32) | lo;
}

#endif /* TEEMED_SIM_OPTEE_MODEL_PRIV_H */
