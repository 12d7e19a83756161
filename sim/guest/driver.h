/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest's OP-TEE driver, modelled on Linux drivers/tee/optee (SMC ABI).
 *
 * One `struct gdrv` serves a whole guest: every vCPU thread may call into it
 * concurrently. It reaches the machine only through `struct guest_env`, sees
 * only SMC results and its own RAM (by IPA), and never assumes that two guest
 * pages are adjacent in host memory.
 *
 * Behaviour follows ../shared/reference/optee-abi.md section 8:
 *   - probe (8.1): CALLS_UID, GET_OS_REVISION, CALLS_REVISION,
 *     GET_THREAD_COUNT, EXCHANGE_CAPABILITIES, DISABLE_SHM_CACHE loop,
 *     ENABLE_SHM_CACHE loop (without RPC_ARG), device enumeration;
 *   - yielding calls (8.2) with the call queue of 8.3 and the RPC loop of 8.4;
 *   - memrefs (8.5): registered SHM as RMEM, temporary buffers as
 *     TMEM|NONCONTIG with a page list built per call, null memrefs.
 *
 *   - asynchronous notifications (8.1 step 7, as Linux): when the secure
 *     world offers SEC_CAP_ASYNC_NOTIF and the env has an interrupt path
 *     (guest_env irq_register), probe registers the interrupt handler and
 *     issues ENABLE_ASYNC_NOTIF. The handler loops GET_ASYNC_NOTIF_VALUE
 *     while a value is VALID (and PENDING says more follow); value 0
 *     (DO_BOTTOM_HALF) makes it issue a DO_BOTTOM_HALF yielding call once
 *     the loop ends, other values wake the waiter of that value
 *     (gdrv_async_wait) or stay pending for it, sharing the key space of
 *     NOTIFICATION RPCs as in Linux. Removal sends STOP_ASYNC_NOTIF and
 *     removes the handler.
 *
 * Only dynamic shared memory is supported: a guest has no static carve-out
 * shared with the secure world, so probe fails without SEC_CAP_DYNAMIC_SHM.
 * NOTIFICATION RPCs (synchronous waits) are served.
 */
#ifndef TEEMED_SIM_GUEST_DRIVER_H
#define TEEMED_SIM_GUEST_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/guest_env.h"

struct gdrv;
struct gdrv_shm;

/* Driver return codes (0 or negative). */
#define GDRV_OK       0
#define GDRV_EINVAL  (-1) /* bad argument from the caller */
#define GDRV_ENOMEM  (-2) /* out of guest pages or private memory */
#define GDRV_ECOMM   (-3) /* the secure world answered with a non-OK a0 */
#define GDRV_EFAULT  (-4) /* a guest page the driver needs is not mapped */
#define GDRV_ENODEV  (-5) /* probe: not OP-TEE, or an incompatible one */
#define GDRV_ENOTSUP (-6) /* needs a capability the secure world lacks */
#define GDRV_ETIMEDOUT (-7) /* a wait ran out of time */

/* Which Linux generation to imitate (ABI 8.2). */
enum gdrv_mode {
	/*
	 * Newer kernels (about v6.12 on): GET_THREAD_COUNT in probe; when
	 * SEC_CAP_RPC_ARG is offered, arguments live in registered pages of
	 * 384-byte slots sent with CALL_WITH_REGD_ARG, with the RPC argument
	 * in-band after each; REGISTER/UNREGISTER_SHM use CALL_WITH_RPC_ARG.
	 */
	GDRV_MODE_MODERN = 0,
	/*
	 * Older kernels (before RPC_ARG and GET_THREAD_COUNT): one private
	 * page per argument sent with CALL_WITH_ARG; OP-TEE gets its RPC
	 * argument buffers through RPC ALLOC/FREE, cached after
	 * ENABLE_SHM_CACHE.
	 */
	GDRV_MODE_LEGACY = 1,
};

struct gdrv_config {
	enum gdrv_mode mode;
	/* vCPUs of the guest: 1 sets NSEC_CAP_UNIPROCESSOR (ABI 8.1 step 5). */
	unsigned int num_vcpus;
	/*
	 * Liveness guard for call-queue waits (ETHREAD_LIMIT, thread count
	 * exhausted, EBUSY on the SHM cache calls). Linux sleeps until another
	 * call of the same driver completes; that never happens when the
	 * thread is held by something this driver does not see (a stuck call
	 * of a crashed vCPU, a limit imposed by a mediator). After this many
	 * milliseconds a waiter retries anyway. 0 = strict Linux behaviour.
	 */
	uint32_t cq_retry_ms;
	/* First cookie handed to the secure world (any non-zero value). */
	uint64_t cookie_base;
	/* GDRV_PAGES_* policy for page-list pages and RPC allocations. */
	unsigned int page_policy;
	/* Run the device-enumeration PTA sequence in probe (Linux does). */
	bool enumerate_devices;
	/*
	 * Enable asynchronous notifications when offered and the env has an
	 * interrupt path (Linux does when its device tree names the
	 * interrupt). Off: the driver never issues the async-notif calls.
	 */
	bool async_notif;
};

/*
 * Fill `cfg` with defaults: modern mode, 1 vCPU, 100 ms queue guard,
 * cookies from 0x1000, GDRV_PAGES_ANY, device enumeration on,
 * asynchronous notifications on.
 */
void gdrv_config_default(struct gdrv_config *cfg);

/* Device UUIDs kept from enumeration; more are counted but not kept. */
#define GDRV_MAX_DEVICES 16

/* What probe learnt of the secure world. */
struct gdrv_info {
	uint32_t os_major, os_minor, os_build_id; /* GET_OS_REVISION */
	uint32_t api_major, api_minor;            /* CALLS_REVISION */
	uint32_t sec_caps;                        /* EXCHANGE_CAPABILITIES a1 */
	uint32_t thread_count;                    /* 0 = unknown, no client limit */
	uint32_t rpc_param_count;                 /* in-band RPC params, 0 = none */
	uint32_t max_notif_value;
	bool regd_arg;            /* arguments go with CALL_WITH_REGD_ARG */
	uint32_t stale_cache_cookies; /* cookies DISABLE_SHM_CACHE returned */
	uint32_t num_devices;     /* UUIDs the enumeration PTA reported */
	uint8_t devices[GDRV_MAX_DEVICES][16];
};

/* Statistics slots. */
#define GDRV_STAT_RPC_CMDS  26 /* OPTEE_RPC_CMD_* 0..24, slot 25 = other */
#define GDRV_STAT_SMC_ERRS  9  /* a0 1..7 by value, 8 = other; slot 0 unused */
#define GDRV_STAT_RET_CODES 16 /* distinct non-success TEE results kept */
#define GDRV_ASYNC_VALUES   64 /* OP-TEE's asynchronous values 0..63 (ABI 3.2) */

struct gdrv_stats {
	uint64_t smcs;          /* every SMC issued, fast and yielding */
	uint64_t fast_calls;
	uint64_t calls;         /* yielding calls (each counted once) */
	uint64_t rpc_alloc, rpc_free, rpc_foreign_intr, rpc_cmd, rpc_unknown;
	uint64_t rpc_cmd_by_id[GDRV_STAT_RPC_CMDS];
	uint64_t ethread_retries; /* SMCs reissued after ETHREAD_LIMIT */
	uint64_t cq_waits;      /* waits before issuing (all threads busy) */
	uint64_t cq_timeouts;   /* waits ended by cq_retry_ms */
	uint64_t smc_errors[GDRV_STAT_SMC_ERRS]; /* calls ended by a non-OK a0 */
	uint64_t shm_registered, shm_unregistered, shm_register_failed;
	uint64_t rpc_shm_allocs, rpc_shm_frees;
	uint64_t notif_waits, notif_timeouts, notif_sends;
	/*
	 * Asynchronous notifications: interrupts handled, values fetched
	 * (VALID answers of GET_ASYNC_NOTIF_VALUE) in all and per value (0..63;
	 * larger values count in async_values only), DO_BOTTOM_HALF calls made,
	 * GET_ASYNC_NOTIF_VALUE answers other than OK.
	 */
	uint64_t async_irqs, async_values, async_bottom_halves, async_errors;
	uint64_t async_by_value[GDRV_ASYNC_VALUES];
	/* Non-success `ret` of completed messages, by code. */
	struct {
		uint32_t code;
		uint64_t count;
	} ret_codes[GDRV_STAT_RET_CODES];
};

/* --- Life cycle ------------------------------------------------------- */

/*
 * Create a driver on `env` (kept by pointer; must outlive the driver). The
 * page allocator is usable at once; no SMC is issued before gdrv_probe().
 */
int gdrv_create(const struct guest_env *env, const struct gdrv_config *cfg,
		struct gdrv **out);
/* Probe the secure world (ABI 8.1). `info` may be NULL. */
int gdrv_probe(struct gdrv *drv, struct gdrv_info *info);
/*
 * Remove: DISABLE_SHM_CACHE loop without RPC_ARG (freeing the returned
 * buffers), unregister the argument pages, free every shm object and page
 * the driver still holds (clients' handles to them become invalid), then
 * the driver itself. No call may be in flight.
 */
void gdrv_destroy(struct gdrv *drv);

/* True between a successful gdrv_probe() and gdrv_destroy(). */
bool gdrv_is_probed(const struct gdrv *drv);
const struct gdrv_info *gdrv_get_info(const struct gdrv *drv);
void gdrv_get_stats(struct gdrv *drv, struct gdrv_stats *out);
const struct guest_env *gdrv_env(const struct gdrv *drv);

/* --- Guest pages ------------------------------------------------------ */

/* Page allocation policies. */
#define GDRV_PAGES_ANY     0u /* contiguous if possible, else any pages */
#define GDRV_PAGES_CONTIG  1u /* one contiguous run, or fail */
#define GDRV_PAGES_SCATTER 2u /* no two consecutive pages adjacent in IPA */

/*
 * Allocate `n` zeroed 4 KiB pages of guest RAM; their IPAs go to ipas[0..n).
 * Thread-safe.
 */
int gdrv_pages_alloc(struct gdrv *drv, size_t n, unsigned int policy,
		     uint64_t *ipas);
void gdrv_pages_free(struct gdrv *drv, const uint64_t *ipas, size_t n);
/* Take [ipa, ipa+size) out of the allocator (guest image, device memory). */
int gdrv_pages_reserve(struct gdrv *drv, uint64_t ipa, uint64_t size);
size_t gdrv_pages_free_count(struct gdrv *drv);

/* Copy to and from guest RAM by IPA, page by page (GDRV_EFAULT if unmapped). */
int gdrv_mem_read(const struct gdrv *drv, uint64_t ipa, void *dst, size_t len);
int gdrv_mem_write(const struct gdrv *drv, uint64_t ipa, const void *src,
		   size_t len);
int gdrv_mem_zero(const struct gdrv *drv, uint64_t ipa, size_t len);

/* --- Shared memory ---------------------------------------------------- */

/*
 * Allocate `size` bytes of fresh guest pages (policy GDRV_PAGES_*) as a
 * shm object. With `do_register` it is registered with OP-TEE
 * (REGISTER_SHM, attr 0x20A, page list, new cookie) and memrefs to it are
 * sent as RMEM; otherwise as TMEM|NONCONTIG.
 */
int gdrv_shm_alloc(struct gdrv *drv, size_t size, unsigned int policy,
		   bool do_register, struct gdrv_shm **out);
/* Register caller memory: the contiguous guest range [ipa, ipa+size). */
int gdrv_shm_register_range(struct gdrv *drv, uint64_t ipa, size_t size,
			    struct gdrv_shm **out);
/*
 * Register caller memory given as pages: the buffer starts `offset` bytes
 * into pages[0] and runs `size` bytes through pages[0..npages).
 */
int gdrv_shm_register_pages(struct gdrv *drv, const uint64_t *pages,
			    size_t npages, uint32_t offset, size_t size,
			    struct gdrv_shm **out);
/* Unregister (if registered), free owned pages, free the object. */
void gdrv_shm_free(struct gdrv *drv, struct gdrv_shm *shm);

uint64_t gdrv_shm_cookie(const struct gdrv_shm *shm);
size_t gdrv_shm_size(const struct gdrv_shm *shm);
bool gdrv_shm_registered(const struct gdrv_shm *shm);
/* IPA of byte 0, or 0 when the pages are not contiguous. */
uint64_t gdrv_shm_ipa(const struct gdrv_shm *shm);
/* Page IPAs and offset of byte 0 in the first page. */
const uint64_t *gdrv_shm_pages(const struct gdrv_shm *shm, size_t *npages,
			       uint32_t *offset);
/* Bounded copies inside the object (GDRV_EINVAL past its end). */
int gdrv_shm_read(const struct gdrv *drv, const struct gdrv_shm *shm,
		  size_t off, void *dst, size_t len);
int gdrv_shm_write(const struct gdrv *drv, const struct gdrv_shm *shm,
		   size_t off, const void *src, size_t len);

/* --- Messages --------------------------------------------------------- */

/* Parameter types: numbered like Linux's TEE_IOCTL_PARAM_ATTR_TYPE_*. */
#define GDRV_PARAM_NONE         0u
#define GDRV_PARAM_VALUE_IN     1u
#define GDRV_PARAM_VALUE_OUT    2u
#define GDRV_PARAM_VALUE_INOUT  3u
#define GDRV_PARAM_MEMREF_IN    5u
#define GDRV_PARAM_MEMREF_OUT   6u
#define GDRV_PARAM_MEMREF_INOUT 7u

/* Where a memref's bytes are. */
enum gdrv_mem_kind {
	GDRV_MEM_NULL = 0, /* null memref: TMEM buf_ptr 0 (needs MEMREF_NULL) */
	GDRV_MEM_RANGE,    /* temporary: contiguous guest range at `ipa` */
	GDRV_MEM_PAGES,    /* temporary: pages[0..npages), first at page_offset */
	GDRV_MEM_SHM,      /* shm object at `offs`: RMEM if registered, else TMEM */
};

struct gdrv_memref {
	enum gdrv_mem_kind kind;
	uint64_t ipa;
	const uint64_t *pages;
	size_t npages;
	uint32_t page_offset;
	struct gdrv_shm *shm;
	uint64_t offs;
	uint64_t size; /* in: bytes; out: the size the secure world reported */
};

struct gdrv_param {
	uint32_t type; /* GDRV_PARAM_* */
	union {
		struct {
			uint64_t a, b, c;
		} value;
		struct gdrv_memref mem;
	} u;
};

/* TA parameters per message: OP-TEE rejects more (ABI 8.5). */
#define GDRV_MAX_TA_PARAMS 4

/* Outcome of a message, filled by every message function. */
struct gdrv_result {
	uint32_t ret;     /* TEEC_* result */
	uint32_t origin;  /* TEEC_ORIGIN_* */
	uint32_t session; /* OPEN_SESSION: the new session */
};

/*
 * The message functions return GDRV_OK once the message reached the secure
 * world; `res` then holds its ret/origin, which is TEEC_ERROR_COMMUNICATION
 * with TEEC_ORIGIN_COMMS when the SMC itself failed (Linux, ABI 8.3). A
 * negative return means nothing was sent: res = BAD_PARAMETERS,
 * OUT_OF_MEMORY or NOT_SUPPORTED with TEEC_ORIGIN_API. Output values (a, b, c) and memref
 * sizes are copied back into `params`.
 */
int gdrv_open_session(struct gdrv *drv, const uint8_t uuid[16], uint32_t login,
		      const uint8_t client_uuid[16], uint32_t cancel_id,
		      struct gdrv_param *params, size_t nparams,
		      struct gdrv_result *res);
int gdrv_invoke(struct gdrv *drv, uint32_t session, uint32_t func,
		uint32_t cancel_id, struct gdrv_param *params, size_t nparams,
		struct gdrv_result *res);
int gdrv_close_session(struct gdrv *drv, uint32_t session,
		       struct gdrv_result *res);
int gdrv_cancel(struct gdrv *drv, uint32_t session, uint32_t cancel_id,
		struct gdrv_result *res);

/* --- Asynchronous notifications --------------------------------------- */

/* True once probe enabled asynchronous notifications (ENABLE answered OK). */
bool gdrv_async_enabled(const struct gdrv *drv);
/*
 * Wait until asynchronous value `value` (1..max_notif_value) arrives, or
 * return at once if it arrived since the last wait for it (each arrival is
 * consumed by one wait; arrivals before a wait coalesce). `timeout_ms` 0
 * waits forever. GDRV_OK, GDRV_ETIMEDOUT, GDRV_ENOTSUP (not enabled) or
 * GDRV_EINVAL (value 0, too large, or another thread waits for it).
 */
int gdrv_async_wait(struct gdrv *drv, uint32_t value, uint64_t timeout_ms);

/* The supplicant serving this driver's FS RPCs (see supp.h). */
struct gsupp *gdrv_supplicant(const struct gdrv *drv);

#endif /* TEEMED_SIM_GUEST_DRIVER_H */
