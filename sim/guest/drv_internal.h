/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internals shared by the driver's files (not for workloads).
 *
 * Lock order: drv->lock, then drv->pages.lock. The supplicant's lock is
 * taken with neither held. No lock is held across an SMC, a sleep or a
 * supplicant request; waits on drv->cq_cond / drv->notif_cond release
 * drv->lock while sleeping.
 */
#ifndef TEEMED_SIM_GUEST_DRV_INTERNAL_H
#define TEEMED_SIM_GUEST_DRV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/driver.h"
#include "guest/gutil.h"
#include "teemed/optee_msg.h"

struct gsupp;

#define GDRV_PAGE_SIZE 4096u
#define GDRV_PAGE_MASK ((uint64_t)GDRV_PAGE_SIZE - 1u)

/* --- page allocator (gmem.c) ---------------------------------------- */

struct gdrv_pages {
	void *lock;
	uint64_t base;    /* ram_base, page aligned */
	size_t npages;    /* pages managed */
	size_t nfree;
	uint64_t *bitmap; /* bit set = page in use */
	size_t hint;      /* where the next contiguous search starts */
};

int gpages_init(struct gdrv *drv);
void gpages_fini(struct gdrv *drv);
void *gmem_map_page(const struct gdrv *drv, uint64_t ipa);
bool gmem_in_ram(const struct gdrv *drv, uint64_t ipa, uint64_t len);

/* --- shm objects (shm.c) ----------------------------------------------- */

/* Why a shm object exists; decides how it is freed and which RPC may free it. */
enum gshm_kind {
	GSHM_CLIENT = 0,  /* gdrv_shm_alloc/register by a client */
	GSHM_ARG_PAGE,    /* a page of the argument cache */
	GSHM_RPC_ARG,     /* RPC ALLOC buffer (a4:a5 cookie) */
	GSHM_RPC_KERNEL,  /* SHM_ALLOC type KERNEL */
	GSHM_RPC_APPL,    /* SHM_ALLOC type APPL (supplicant's) */
};

struct gdrv_shm {
	struct gdrv_shm *next;
	enum gshm_kind kind;
	uint64_t cookie;
	bool registered;   /* REGISTER_SHM succeeded */
	bool owns_pages;   /* pages came from the driver's allocator */
	uint32_t offset;   /* byte 0 inside pages[0] */
	size_t size;
	size_t npages;
	uint64_t *pages;   /* private memory: npages IPAs */
};

int gshm_create(struct gdrv *drv, enum gshm_kind kind, size_t size,
		unsigned int policy, struct gdrv_shm **out);
int gshm_wrap(struct gdrv *drv, enum gshm_kind kind, const uint64_t *pages,
	      size_t npages, uint32_t offset, size_t size, struct gdrv_shm **out);
void gshm_destroy(struct gdrv *drv, struct gdrv_shm *shm);
int gshm_register(struct gdrv *drv, struct gdrv_shm *shm);
int gshm_unregister(struct gdrv *drv, struct gdrv_shm *shm);
/* Find and optionally unlink by cookie (NULL if unknown). */
struct gdrv_shm *gshm_lookup(struct gdrv *drv, uint64_t cookie, bool unlink);
/* Byte offset in `shm` of guest address `ipa`, or -1 if not inside. */
int64_t gshm_offset_of(const struct gdrv_shm *shm, uint64_t ipa);
bool gshm_contiguous(const struct gdrv_shm *shm);

/* --- page lists (pagelist.c) ------------------------------------------ */

/* Data pages of a buffer: explicit IPAs, or consecutive from `first`. */
struct gpagesrc {
	const uint64_t *pages; /* NULL: pages are first + i * 4 KiB */
	uint64_t first;
	size_t npages;
	uint32_t offset;       /* byte 0 inside the first page */
};

/* A built page list (ABI 4.5): nlist list pages held until freed. */
struct gpagelist {
	uint64_t *list;  /* private memory: IPAs of the list pages */
	size_t nlist;
	uint64_t buf_ptr; /* IPA of list page 0 | offset */
};

size_t gpagelist_list_pages(size_t entries);
int gpagelist_build(struct gdrv *drv, const struct gpagesrc *src,
		    struct gpagelist *pl);
void gpagelist_free(struct gdrv *drv, struct gpagelist *pl);

/* --- call queue (callq.c) ---------------------------------------------- */

struct gcq_waiter {
	struct gcq_waiter *next;
	bool done; /* the completion (set by a finishing call) */
};

void gcq_init(struct gdrv *drv, uint32_t thread_count);
void gcq_wait_init(struct gdrv *drv, struct gcq_waiter *w);
void gcq_wait_for_completion(struct gdrv *drv, struct gcq_waiter *w);
void gcq_wait_final(struct gdrv *drv, struct gcq_waiter *w);

/* --- calls (call.c) ----------------------------------------------------- */

/* State of one yielding call, alive from the first SMC to the last. */
struct gcall {
	uint64_t regs[8];      /* next SMC to issue */
	uint64_t last[8];      /* answer to the last SMC issued */
	uint64_t arg_ipa;      /* the optee_msg_arg (0 for raw calls) */
	uint64_t rpc_arg_ipa;  /* in-band RPC arg, 0 if none */
	/* SHM_ALLOC page list: kept until the next SHM_ALLOC or call end (ABI 6). */
	struct gpagelist shm_alloc_list;
};

/* Run one yielding call: queue, SMC, RPC loop. 0 or GDRV_ECOMM. */
int gcall_run(struct gdrv *drv, struct gcall *call);
/* Map an argument (it never crosses a page: slots are inside one page). */
struct optee_msg_arg *gcall_map_arg(const struct gdrv *drv, uint64_t ipa);
void gdrv_smc(struct gdrv *drv, uint64_t regs[8]);
/* One fast call with a1 as given: fills regs; counts it. */
void gdrv_fast_call(struct gdrv *drv, uint32_t fid, uint64_t a1,
		    uint64_t regs[8]);
/*
 * Private-page call used for REGISTER/UNREGISTER_SHM (ABI 8.2), and with
 * p0 NULL (no parameter) for DO_BOTTOM_HALF and STOP_ASYNC_NOTIF.
 */
int gcall_private(struct gdrv *drv, uint32_t cmd,
		  const struct optee_msg_param *p0, uint32_t *ret);

/* INVOKE_COMMAND; `kernel` lifts the MEMREF_NULL check as for Linux's own. */
int gmsg_invoke(struct gdrv *drv, uint32_t session, uint32_t func,
		uint32_t cancel_id, struct gdrv_param *params, size_t nparams,
		bool kernel, struct gdrv_result *res);

/* --- RPC (rpc.c) --------------------------------------------------------- */

void grpc_handle(struct gdrv *drv, struct gcall *call, uint64_t regs[8]);
void grpc_finalize(struct gdrv *drv, struct gcall *call);
int gnotif_init(struct gdrv *drv, uint32_t max_value);
void gnotif_fini(struct gdrv *drv);
/* Linux optee_notif_wait/send: TEEC_SUCCESS, TEE_ERROR_TIMEOUT or BAD_PARAMETERS. */
uint32_t gnotif_wait(struct gdrv *drv, uint64_t key, uint64_t timeout_ms);
uint32_t gnotif_send(struct gdrv *drv, uint64_t key);

/* --- asynchronous notifications (async.c) --------------------------- */

/* Probe step 7 (ABI 8.1): interrupt handler, then ENABLE_ASYNC_NOTIF. */
void gasync_start(struct gdrv *drv);
/* Removal: STOP_ASYNC_NOTIF (if probed), then the handler is removed. */
void gasync_stop(struct gdrv *drv);

/* A notification waiter (rpc.c). */
struct gnotif_waiter {
	struct gnotif_waiter *next;
	uint32_t key;
	bool done;
};

/* --- argument cache (argcache.c) ------------------------------------ */

/* Largest slot bitmap: 4096 / GET_ARG_SIZE(6) = 18 slots per page. */
#define GARG_MAX_SLOTS 32u

struct garg_page {
	struct garg_page *next;
	struct gdrv_shm *shm; /* one page; registered when slots are shared */
	uint32_t used;        /* bit per slot */
};

struct garg_slot {
	struct garg_page *page;
	uint32_t offs;
};

int garg_get(struct gdrv *drv, size_t num_params, struct garg_slot *slot,
	     struct optee_msg_arg **arg);
void garg_put(struct gdrv *drv, const struct garg_slot *slot);
void garg_fini(struct gdrv *drv);
/* Registers for the first SMC of a call on `slot`; sets call->*_ipa. */
void garg_prepare_call(struct gdrv *drv, const struct garg_slot *slot,
		       uint32_t num_params, struct gcall *call);
uint64_t garg_slot_ipa(const struct garg_slot *slot);

/* --- statistics --------------------------------------------------------- */

void gstat_smc_error(struct gdrv *drv, uint32_t a0);
void gstat_ret(struct gdrv *drv, uint32_t ret);

/* --- the driver ---------------------------------------------------------- */

struct gdrv {
	const struct guest_env *env;
	struct gdrv_config cfg;
	struct gdrv_info info;
	bool probed;

	void *lock;          /* everything below except pages */
	struct gdrv_pages pages;

	/* Call queue (ABI 8.3). */
	void *cq_cond;
	struct gcq_waiter *cq_head;
	uint32_t cq_total;   /* thread count, 0 = unknown */
	uint32_t cq_free;

	/* Argument cache (ABI 8.2). */
	struct garg_page *arg_pages;
	size_t arg_slot_size;
	size_t arg_slots_per_page;
	bool arg_shared;     /* several slots a page, registered: REGD_ARG */

	/* Shm objects by cookie. */
	struct gdrv_shm *shm_head;
	uint64_t next_cookie;

	/* Notifications (ABI 6, NOTIFICATION). */
	void *notif_cond;
	struct gnotif_waiter *notif_head;
	uint64_t *notif_pending; /* bit per key sent before its wait */
	uint32_t notif_max;

	/* Asynchronous notifications (async.c). */
	bool async_irq;      /* handler registered with env->irq_register */
	bool async_enabled;  /* ENABLE_ASYNC_NOTIF answered OK */

	struct gsupp *supp;
	struct gdrv_stats stats;
};

static inline void gdrv_lock(const struct gdrv *drv)
{
	drv->env->lock(drv->env->ctx, drv->lock);
}

static inline void gdrv_unlock(const struct gdrv *drv)
{
	drv->env->unlock(drv->env->ctx, drv->lock);
}

static inline void *gdrv_zalloc(const struct gdrv *drv, size_t size)
{
	return drv->env->alloc(drv->env->ctx, size);
}

static inline void gdrv_free(const struct gdrv *drv, void *p, size_t size)
{
	if (p)
		drv->env->free(drv->env->ctx, p, size);
}

void gdrv_log(const struct gdrv *drv, const char *msg, uint64_t value);

static inline uint64_t greg_pair(uint64_t hi, uint64_t lo)
{
	return ((hi & 0xFFFFFFFFu) << 32) | (lo & 0xFFFFFFFFu);
}

static inline void greg_split(uint64_t v, uint64_t *hi, uint64_t *lo)
{
	*hi = v >> 32;
	*lo = v & 0xFFFFFFFFu;
}

#endif /* TEEMED_SIM_GUEST_DRV_INTERNAL_H */
