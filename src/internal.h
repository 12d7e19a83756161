/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal structures of the mediator core. See docs/design.md for the
 * behaviour and ../shared/reference/optee-abi.md for the ABI facts cited.
 *
 * Naming: guest_* is guest memory (untrusted, read once), shadow_* is the
 * mediator's private copy that OP-TEE is handed; names ending in _pa and _ipa
 * are addresses of the two distinct kinds (types.h).
 */
#ifndef TEEMED_INTERNAL_H
#define TEEMED_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "teemed/optee_msg.h"
#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"
#include "teemed/port.h"
#include "teemed/teemed.h"
#include "teemed/types.h"

/*
 * Atomics are compiler builtins, inline everywhere: on AArch64 GCC would
 * otherwise call libgcc's outline helpers (__aarch64_ldadd4_*), which a
 * freestanding core may not reference.
 */
#if defined(__aarch64__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("no-outline-atomics")
#endif

#define TM_UNUSED(x) ((void)(x))

/* memcpy and friends: the only library symbols the core may reference. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

/*
 * Slots are found with one bit scan of a 64-bit mask. OP-TEE's thread pools
 * are small (CFG_NUM_THREADS defaults to 2), so 64 concurrent calls per
 * guest is far above any real configuration.
 */
#define TM_MAX_SLOTS 64u

/*
 * Parameters a standard call may translate: OPEN_SESSION carries two meta
 * values and at most TEE_NUM_PARAMS (4) TA parameters (ABI 8.5); only TA
 * parameters can be memory, so at most four buffers per call.
 */
#define TM_TA_PARAMS        4u
#define TM_OPEN_META_PARAMS 2u

/* Largest num_params that keeps an optee_msg_arg inside one 4 KiB page. */
#define TM_ARG_MAX_PARAMS OPTEE_MSG_MAX_NUM_PARAMS

/* The RPC argument OP-TEE asks for (ABI 2.3) must fit one mediator page. */
#define TM_RPC_ARG_MAX_SIZE TEEMED_PAGE_SIZE

/* How the guest named its argument. */
enum tm_arg_kind {
	TM_ARG_IPA = 0,  /* CALL_WITH_ARG, CALL_WITH_RPC_ARG: a page by IPA */
	TM_ARG_REGD = 1, /* CALL_WITH_REGD_ARG: cookie and offset */
};

/* Kinds and states of a shared buffer. */
enum tm_buf_kind {
	TM_BUF_TEMP = 0,       /* a temporary memref: lives for one call */
	TM_BUF_REGISTERED = 1, /* REGISTER_SHM: until UNREGISTER_SHM */
	TM_BUF_RPC_SHM = 2,    /* RPC SHM_ALLOC reply: until RPC SHM_FREE */
};

enum tm_buf_state {
	TM_BUF_PENDING = 0,   /* being translated or registered */
	TM_BUF_ACTIVE = 1,    /* known to OP-TEE */
	TM_BUF_RELEASING = 2, /* unregistering in OP-TEE, or being unpinned */
};

/*
 * A guest buffer shared with OP-TEE. The mediator's page list (a chain of
 * mediator pages, 511 PAs each, ABI 4.5) is both what OP-TEE is given and
 * the record of every pinned page.
 */
struct tm_buf {
	uint64_t cookie;         /* first: the hash tables key on it */
	uint64_t size;           /* bytes, from the page offset */
	struct tm_buf *next;     /* on a call's or the domain's release list */
	teemed_pa_t list_pa;     /* first page of the mediator's page list */
	uint32_t npages;         /* data pages the buffer spans */
	uint32_t nlists;         /* mediator list pages it needs */
	uint32_t done;           /* pages pinned so far */
	uint32_t released;       /* pages unpinned so far (release) */
	uint16_t offset;         /* of the data in its first page */
	uint8_t kind;            /* enum tm_buf_kind */
	uint8_t state;           /* enum tm_buf_state */
	uint8_t access;          /* TEEMED_PIN_READ or TEEMED_PIN_WRITE */
	bool in_table;           /* owned by the domain's table, not a call */
	uint32_t users;          /* calls whose argument lives in it */
	bool counted;            /* counts against max_domain_buffers */
	bool contig;             /* one IPA range, no guest page list */
	uint32_t error;          /* TEE result when translation failed */
	/* Translation cursor: the guest list page holding entry `done`. */
	teemed_ipa_t guest_list;
	/* Mapped addresses of the mediator list pages (OP-TEE sees PAs). */
	uint64_t *list_va[];
};
/*
 * An RPC argument buffer from RPC ALLOC (ABI 2.3). OP-TEE knows it by a
 * cookie the mediator chose (unique, never 0), so no guest choice of cookies
 * can make OP-TEE free or use a buffer that is not the one it was given.
 */
struct tm_rpc_arg {
	uint64_t cookie;         /* first: the hash tables key on it (ours) */
	uint64_t guest_cookie;   /* what the guest calls it */
	bool failed;             /* the guest's answer was refused: no pages */
	teemed_pa_t guest_pa;    /* the guest's page, pinned for write */
	teemed_pa_t shadow_pa;   /* the mediator's page OP-TEE uses */
	void *shadow_va;
	uint32_t refs;           /* lookups in progress + 1 while in the table */
};

/*
 * Asynchronous notification values a domain can hold: OP-TEE's are 0..63
 * plus 64 + thread index (ABI 3.2), far below 256; Linux's default maximum
 * is 255.
 */
#define TM_NOTIF_MAX_VALUE 255u
#define TM_NOTIF_WORDS     ((TM_NOTIF_MAX_VALUE + 1u) / 64u)

/* Open-addressed hash table of objects whose first field is a cookie. */
struct tm_table {
	void **slots;
	uint32_t cap;            /* power of two, 0 before first use */
	uint32_t count;
};

/* What the guest's next RETURN_FROM_RPC on a waiting slot does. */
enum tm_phase {
	TM_PH_PREPARE = 0,   /* translating the call's parameters */
	TM_PH_DRAIN,         /* releasing buffers before delivering `exit` */
	TM_PH_RPC,           /* the guest is serving OP-TEE's RPC `rpc_func` */
	TM_PH_SHM_REPLY,     /* translating the guest's SHM_ALLOC reply */
	TM_PH_SHM_UNDO,      /* the guest frees an SHM_ALLOC reply we refused */
	TM_PH_RESUME_OPTEE,  /* an RPC hidden from the guest: resume OP-TEE */
};

enum tm_slot_state {
	TM_SLOT_FREE = 0,
	TM_SLOT_BUSY,        /* a vCPU works on it (maybe inside OP-TEE) */
	TM_SLOT_WAIT_GUEST,  /* back at the guest, waiting for its resume */
};

/* Registers to give the guest once the pending releases are done. */
struct tm_exit {
	uint32_t a0;
	uint64_t a1, a2;
	bool done;           /* the call completes with this exit */
	uint8_t phase;       /* else: what the guest's resume does */
};

/* One standard call. Kept, with its shadow page, for the domain's life. */
struct tm_call {
	uint32_t idx;            /* slot number = thread ID the guest sees */
	uint8_t state;           /* enum tm_slot_state */
	uint8_t phase;           /* enum tm_phase */
	bool local;              /* completed by the mediator, not OP-TEE */
	bool validated;          /* the command and parameters were checked */
	uint32_t local_a0;       /* a0 of a local completion */
	uint32_t optee_tid;      /* OP-TEE's thread ID of the last RPC exit */
	/* Where the guest's optee_msg_arg lives (arg.c). */
	uint8_t arg_kind;        /* enum tm_arg_kind */
	bool inband;             /* an RPC argument follows it (ABI 1.3) */
	bool rpc_inband;         /* the RPC being served uses it */
	teemed_ipa_t guest_arg;  /* TM_ARG_IPA: its page */
	struct tm_buf *arg_buf;  /* TM_ARG_REGD: the registered buffer, held */
	teemed_pa_t arg_pa;      /* TM_ARG_REGD: the pinned page holding it */
	uint32_t arg_off;        /* its offset in that page */
	uint32_t rpc_off;        /* the in-band RPC argument, from the argument */
	struct optee_msg_arg *shadow; /* the mediator's copy OP-TEE uses */
	teemed_pa_t shadow_pa;
	uint32_t cmd;            /* shadow->cmd as validated */
	uint32_t num_params;     /* shadow->num_params as validated */
	/* Parameters validated as outputs (bit i: params[i]), for copy-back. */
	uint32_t out_values;     /* VALUE_OUTPUT/INOUT: a, b, c */
	uint32_t out_sizes;      /* TMEM/RMEM OUTPUT/INOUT: size */
	/* Temporary memrefs and the parameter each one translates. */
	struct tm_buf *bufs[TM_TA_PARAMS];
	uint8_t buf_param[TM_TA_PARAMS];
	uint32_t nbufs;
	uint32_t xlat;           /* next of bufs[] to translate */
	struct tm_buf *shm;      /* REGISTER/UNREGISTER_SHM buffer, or SHM reply */
	struct tm_buf *drain;    /* buffers to release before `exit` */
	struct tm_exit exit;
	/* The RPC being served. */
	uint32_t rpc_func;       /* OP-TEE's RPC shown to the guest (TM_PH_RPC) */
	struct tm_rpc_arg *rpc;  /* RPC CMD argument, referenced meanwhile */
	uint32_t rpc_cmd;        /* its command, as OP-TEE wrote it */
	uint32_t rpc_params;     /* its num_params, as OP-TEE wrote it */
	uint64_t rpc_shm_type;   /* an SHM_ALLOC request's type */
};

struct teemed_domain {
	struct teemed *tm;
	void *host_dom;
	void *lock;
	uint16_t client_id;
	bool dying;              /* atomic: see tm_trap_get() */
	uint64_t fast_count;     /* atomic: lock-free fast calls */
	bool vm_destroyed;
	uint32_t active_traps;   /* atomic: traps running (tm_trap_get) */
	uint32_t nslots;
	uint64_t free_mask;      /* bit i set: slot i free */
	uint32_t busy_slots;     /* slots not free */
	struct teemed_domain *next; /* on the mediator's domain list */
	struct teemed_domain *prev;
	struct tm_call **calls;  /* nslots entries, created on first use */
	struct tm_table bufs;    /* registered and RPC SHM buffers */
	struct tm_table rpc_args;
	uint64_t rpc_cookies;    /* last cookie given to OP-TEE for an RPC arg */
	uint32_t pages_held;     /* pinned for OP-TEE, all buffers */
	uint32_t buffers_held;   /* registered + RPC SHM */
	struct tm_buf *drain;    /* destroy's release list */
	bool notif_enabled;      /* ENABLE_ASYNC_NOTIF succeeded */
	uint64_t notif_pending[TM_NOTIF_WORDS]; /* values fetched, not yet read */
	struct teemed_stats stats;
};

struct teemed {
	struct teemed_port port;
	struct teemed_config cfg;
	struct teemed_info info;
	void *lock;
	uint32_t ndomains;
	struct teemed_domain *domains;   /* live domains, for statistics */
	uint64_t client_ids[65536 / 64]; /* bit set: client ID in use */
	struct teemed_stats retired;     /* of destroyed domains */
};

/* Events counted in a domain's statistics, one bit each per trap. */
enum tm_event {
	TM_EV_FAST_CALL, TM_EV_STD_CALL, TM_EV_STD_DONE, TM_EV_RPC_ALLOC, TM_EV_RPC_FREE,
	TM_EV_RPC_FOREIGN, TM_EV_RPC_CMD, TM_EV_PREEMPT, TM_EV_THREAD_LIMIT,
	TM_EV_RESUME_REFUSED, TM_EV_BAD_ADDR, TM_EV_BAD_PARAM, TM_EV_OOM,
	TM_EV_UNKNOWN_FUNCTION, TM_EV_REGISTERED, TM_EV_COUNT
};

/*
 * One trap: its work allowance (pages pinned or unpinned) and what it did,
 * added to the domain's statistics under the lock the trap takes on exit
 * (so counters need no atomics).
 */
struct tm_budget {
	uint32_t left;
	uint32_t since_check;
	uint32_t events;         /* bit (1 << enum tm_event) */
	uint32_t pages;          /* pages pinned for OP-TEE */
	uint64_t bytes;          /* bytes of buffers shared */
	/*
	 * The call slot this trap works on, and what becomes of it when the
	 * trap ends: taken and settled under the lock the trap takes anyway
	 * on entry and exit (so a call costs two lock round trips).
	 */
	struct tm_call *call;    /* NULL: none (or not created yet) */
	uint32_t slot;           /* its index, TM_NO_SLOT if none */
	uint8_t slot_exit;       /* enum tm_slot_exit */
};

#define TM_NO_SLOT UINT32_MAX

/* What trap entry does with a slot. */
enum tm_slot_claim {
	TM_CLAIM_NONE,     /* fast calls */
	TM_CLAIM_FREE,     /* a new standard call takes any free slot */
	TM_CLAIM_WAITING,  /* RETURN_FROM_RPC takes slot a3 if it waits */
};

/* What trap exit does with the trap's slot. */
enum tm_slot_exit {
	TM_EXIT_KEEP,      /* nothing (stays BUSY only if never published) */
	TM_EXIT_FREE,      /* the call is over */
	TM_EXIT_PUBLISH,   /* the guest may resume it (WAIT_GUEST) */
};

#define TM_EV(b, ev) ((b)->events |= 1u << (ev))

/* Result of a resumable step. */
enum tm_step {
	TM_STEP_DONE = 0,
	TM_STEP_PREEMPT = 1,
	TM_STEP_FAIL = 2,
};

/* core.c */
bool tm_offers(const struct teemed *tm, uint32_t cap);
void tm_log(struct teemed *tm, enum teemed_log_level lvl, uint16_t client,
	    const char *msg, uint64_t v1, uint64_t v2);
void tm_smc(struct teemed *tm, struct teemed_regs *regs);
uint32_t tm_budget_take(struct teemed *tm, struct tm_budget *b, uint32_t want);
void tm_budget_init(struct teemed *tm, struct tm_budget *b);


static inline uint64_t tm_reg_pair(uint64_t hi, uint64_t lo)
{
	return (hi << 32) | (lo & 0xFFFFFFFFu);
}

static inline uint64_t tm_hi32(uint64_t v)
{
	return v >> 32;
}

static inline uint64_t tm_lo32(uint64_t v)
{
	return v & 0xFFFFFFFFu;
}

/*
 * Count a trap (or an interrupt poll) in the domain, unless it is dying.
 * With destroy's store of `dying` followed by its load of active_traps,
 * both sequentially consistent, either destroy sees this trap (and answers
 * TEEMED_AGAIN) or this trap sees `dying` (and does nothing).
 */
static inline bool tm_trap_get(struct teemed_domain *d)
{
	__atomic_fetch_add(&d->active_traps, 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&d->dying, __ATOMIC_SEQ_CST))
		return true;
	__atomic_fetch_sub(&d->active_traps, 1, __ATOMIC_RELEASE);
	return false;
}

/* Everything the trap did happens before destroy sees it gone. */
static inline void tm_trap_put(struct teemed_domain *d)
{
	__atomic_fetch_sub(&d->active_traps, 1, __ATOMIC_RELEASE);
}

static inline void tm_dom_lock(struct teemed_domain *d)
{
	d->tm->port.lock(d->tm->port.ctx, d->lock);
}

static inline void tm_dom_unlock(struct teemed_domain *d)
{
	d->tm->port.unlock(d->tm->port.ctx, d->lock);
}

/* fastcall.c */
void tm_fast_call(struct teemed *tm, struct teemed_domain *d, struct teemed_regs *r,
		  struct tm_budget *b);
bool tm_fast_stateless(struct teemed *tm, struct teemed_domain *d, struct teemed_regs *r);

/* notif.c */
void tm_notif_enable(struct teemed *tm, struct teemed_domain *d, struct teemed_regs *g);
void tm_notif_get_value(struct teemed *tm, struct teemed_domain *d, struct teemed_regs *g);

/* call.c */
void tm_std_call(struct teemed_domain *d, uint32_t fid, struct teemed_regs *r,
		 struct tm_budget *b);
void tm_resume_call(struct teemed_domain *d, struct teemed_regs *r, struct tm_budget *b);
void tm_slot_settle(struct teemed_domain *d, const struct tm_budget *b);
void tm_call_destroy(struct teemed_domain *d, struct tm_call *c);
void tm_call_enter(struct teemed_domain *d, struct tm_call *c, struct teemed_regs *o,
		   struct teemed_regs *r, struct tm_budget *b);
void tm_call_resume_optee(struct teemed_domain *d, struct tm_call *c,
			  struct teemed_regs *r, struct tm_budget *b);
void tm_call_deliver(struct teemed_domain *d, struct tm_call *c, struct teemed_regs *r,
		     struct tm_budget *b);
void tm_call_yield(struct teemed_domain *d, struct tm_call *c, struct teemed_regs *r,
		   struct tm_budget *b);

/* arg.c */
uint32_t tm_arg_locate(struct teemed_domain *d, struct tm_call *c, uint32_t fid,
		       const struct teemed_regs *r);
uint32_t tm_arg_copy_in(struct teemed_domain *d, struct tm_call *c);
bool tm_arg_copy_back(struct teemed_domain *d, struct tm_call *c);
void tm_arg_release(struct teemed_domain *d, struct tm_call *c);
void *tm_arg_map(struct teemed_domain *d, struct tm_call *c, unsigned access,
		 teemed_pa_t *pinned);
void tm_arg_unmap(struct teemed_domain *d, struct tm_call *c, void *arg, teemed_pa_t pinned,
		  unsigned access);
uint32_t tm_rpc_arg_size(const struct teemed *tm);

/* params.c */
enum tm_step tm_params_prepare(struct teemed_domain *d, struct tm_call *c,
			       struct tm_budget *b);
void tm_params_copy_back(const struct tm_call *c, struct optee_msg_arg *guest);
void tm_params_complete(struct teemed_domain *d, struct tm_call *c, uint32_t a0,
			struct tm_budget *b);
void tm_push(struct tm_buf **list, struct tm_buf *buf);

/* rpc.c */
void tm_rpc_exit(struct teemed_domain *d, struct tm_call *c, struct teemed_regs *o,
		 struct teemed_regs *r, struct tm_budget *b);
void tm_rpc_resume(struct teemed_domain *d, struct tm_call *c, struct teemed_regs *r,
		   struct tm_budget *b);
void tm_rpc_arg_put(struct teemed_domain *d, struct tm_rpc_arg *ra);
bool tm_rpc_arg_release(struct teemed_domain *d, uint64_t cookie, uint64_t *guest_cookie);
void tm_rpc_args_destroy(struct teemed_domain *d);

/* shm.c: cookie tables and buffer objects */
void *tm_table_find(const struct tm_table *t, uint64_t cookie);
int tm_table_insert(struct teemed *tm, struct tm_table *t, void *obj);
void *tm_table_remove(struct tm_table *t, uint64_t cookie);
void *tm_table_pop(struct tm_table *t);
void tm_table_free(struct teemed *tm, struct tm_table *t);
uint32_t tm_buf_create(struct teemed_domain *d, uint8_t kind, uint64_t cookie,
		       uint64_t buf_ptr, uint64_t size, unsigned access,
		       struct tm_buf **out);
void tm_buf_free(struct teemed_domain *d, struct tm_buf *buf);
uint64_t tm_buf_shadow_ptr(const struct tm_buf *buf);

/* pagelist.c */
enum tm_step tm_buf_translate(struct teemed_domain *d, struct tm_buf *buf,
			      struct tm_budget *b);
enum tm_step tm_buf_release(struct teemed_domain *d, struct tm_buf *buf,
			    struct tm_budget *b);
enum tm_step tm_drain(struct teemed_domain *d, struct tm_buf **list,
		      struct tm_budget *b);

#endif /* TEEMED_INTERNAL_H */
