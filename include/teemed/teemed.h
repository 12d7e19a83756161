/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teemed: an OP-TEE mediator for hypervisors.
 *
 * A host hypervisor links libteemed.a, fills a struct teemed_port
 * (port.h), calls teemed_init() once, teemed_domain_create() for each guest
 * that may use OP-TEE, hands every SMC a guest traps to teemed_handle_smc(),
 * and calls teemed_domain_destroy() until it returns TEEMED_OK when the guest
 * goes away. See docs/porting.md.
 */
#ifndef TEEMED_TEEMED_H
#define TEEMED_TEEMED_H

#include <stdint.h>

#include "teemed/port.h"
#include "teemed/types.h"

/* Results of the API calls (guests never see these). */
enum teemed_status {
	TEEMED_OK = 0,
	TEEMED_AGAIN = 1,        /* preempted: call again to carry on */
	TEEMED_EINVAL = -1,      /* bad argument from the host */
	TEEMED_ENOMEM = -2,      /* the port's allocator failed */
	TEEMED_EEXIST = -3,      /* client ID already in use */
	TEEMED_ENODEV = -4,      /* the secure world is not OP-TEE (UID/revision) */
	TEEMED_ENOTSUP = -5,     /* OP-TEE lacks dynamic SHM or virtualization */
	TEEMED_EIO = -6,         /* OP-TEE refused (e.g. VM_CREATED failed) */
};

struct teemed_config {
	/*
	 * Concurrent standard calls per domain. 0: use OP-TEE's
	 * GET_THREAD_COUNT (each guest has a thread pool of that size, ABI 7),
	 * or fallback_threads when OP-TEE does not implement it.
	 */
	uint32_t threads_per_domain;
	/* OP-TEE's CFG_NUM_THREADS default (ABI 1.3). */
	uint32_t fallback_threads;
	/*
	 * Pages of one shared buffer. Default 262145: 1 GiB plus one page for
	 * a buffer that does not start on a page boundary.
	 */
	uint32_t max_buffer_pages;
	/* Guest pages pinned at once by one domain, all buffers together. */
	uint32_t max_domain_pages;
	/* Registered and RPC-allocated buffers held at once by one domain. */
	uint32_t max_domain_buffers;
	/* RPC argument buffers (RPC ALLOC) held at once by one domain. */
	uint32_t max_domain_rpc_args;
	/*
	 * Pages translated, pinned or unpinned in one trap before the mediator
	 * returns to the guest (as a FOREIGN_INTR RPC) to bound trap latency.
	 */
	uint32_t work_budget_pages;
	/*
	 * Newer OP-TEE calls offered to guests when OP-TEE has them
	 * (TEEMED_FEATURE_*). Default: all.
	 */
	uint32_t features;
};

/* CALL_WITH_RPC_ARG and CALL_WITH_REGD_ARG (SEC_CAP_RPC_ARG). */
#define TEEMED_FEATURE_RPC_ARG     0x1u
/* Asynchronous notifications (SEC_CAP_ASYNC_NOTIF). */
#define TEEMED_FEATURE_ASYNC_NOTIF 0x2u

/* Fill `cfg` with the defaults documented above. */
void teemed_config_default(struct teemed_config *cfg);

struct teemed;
struct teemed_domain;

/* What the probe learned from OP-TEE. */
struct teemed_info {
	uint32_t os_revision_major;
	uint32_t os_revision_minor;
	uint32_t secure_caps;      /* as answered to the hypervisor (a7 = 0) */
	uint32_t thread_count;     /* per-domain concurrent-call limit in force */
	uint32_t rpc_param_count;  /* EXCHANGE_CAPABILITIES a3[7:0] */
};

/* Counters, per domain (teemed_domain_stats) or summed (teemed_stats). */
struct teemed_stats {
	uint64_t fast_calls;
	uint64_t std_calls;          /* standard calls that took a slot */
	uint64_t std_calls_done;     /* of those, completed (any result); the
				      * rest are in flight or were abandoned by
				      * their guest and released at destroy */
	uint64_t rpc_alloc;
	uint64_t rpc_free;
	uint64_t rpc_foreign_intr;   /* passed on from OP-TEE */
	uint64_t rpc_cmd;
	uint64_t preemptions;        /* mediator's own FOREIGN_INTR exits */
	uint64_t thread_limit;       /* ETHREAD_LIMIT answered */
	uint64_t resume_refused;     /* ERESUME answered */
	uint64_t bad_addr;           /* EBADADDR answered */
	uint64_t bad_param;          /* calls refused with TEEC_ERROR_BAD_PARAMETERS */
	uint64_t out_of_memory;      /* calls refused for a limit or allocation */
	uint64_t unknown_function;   /* UNKNOWN_FUNCTION answered */
	uint64_t pages_pinned;       /* pins taken for the secure world, total */
	uint64_t bytes_shared;       /* bytes of buffers handed to OP-TEE */
	uint64_t buffers_registered; /* REGISTER_SHM successes */
	/* Gauges (current values, not totals). */
	uint64_t pages_held;
	uint64_t buffers_held;
	uint64_t rpc_args_held;
	uint64_t calls_active;
};

/*
 * Probe OP-TEE through port->smc (CALLS_UID, CALLS_REVISION, GET_OS_REVISION,
 * EXCHANGE_CAPABILITIES, GET_THREAD_COUNT, all with a7 = 0) and build the
 * mediator. `cfg` may be NULL for the defaults. The port table is copied.
 */
int teemed_init(const struct teemed_port *port, const struct teemed_config *cfg,
		struct teemed **out);
/* Release the mediator. Every domain must have been destroyed. */
int teemed_fini(struct teemed *tm);
void teemed_get_info(const struct teemed *tm, struct teemed_info *info);

/*
 * Create the mediator state of a guest with OP-TEE client ID `client_id`
 * (non-zero, unique; Xen's convention is domid + 1) and tell OP-TEE with
 * VM_CREATED. `host_dom` is passed back to the port's pin/alloc_page calls.
 */
int teemed_domain_create(struct teemed *tm, uint16_t client_id, void *host_dom,
			 struct teemed_domain **out);

/*
 * Tear a domain down. The host must have stopped the domain's vCPUs, or at
 * least stopped calling teemed_handle_smc for it (later calls get ENOTAVAIL).
 * Returns TEEMED_AGAIN while work remains (a call still inside OP-TEE on
 * another CPU, or more pages to release than one budget): call it again.
 * Returns TEEMED_OK when everything the domain held is released and OP-TEE
 * has been told with VM_DESTROYED; the domain pointer is then invalid.
 */
int teemed_domain_destroy(struct teemed *tm, struct teemed_domain *dom);

/*
 * Handle one SMC (or HVC) trapped from a guest vCPU: regs->a[0..7] hold the
 * guest's x0..x7 on entry and the values to return in x0..x7 on exit. Any
 * function ID may be passed; those that are not OP-TEE's get
 * UNKNOWN_FUNCTION. `vcpu` is informational (calls may resume on any vCPU).
 */
void teemed_handle_smc(struct teemed *tm, struct teemed_domain *dom, uint32_t vcpu,
		       struct teemed_regs *regs);

/*
 * OP-TEE's asynchronous-notification interrupt fired (one interrupt for all
 * guests, ABI 7). Fetches the pending values of every domain that enabled
 * notifications (SMCs, no lock held) and raises port->notify for each that
 * has new ones. Call it from a context that may issue SMCs (not with the
 * secure world's lock held); calls may overlap.
 */
void teemed_notif_irq(struct teemed *tm);

/* True if `fid` is in the SMCCC owner ranges OP-TEE serves (trusted OS). */
int teemed_is_optee_fid(uint32_t fid);

uint16_t teemed_domain_client_id(const struct teemed_domain *dom);
void teemed_domain_stats(struct teemed *tm, struct teemed_domain *dom,
			 struct teemed_stats *out);
/* Sum over live domains plus those already destroyed. */
void teemed_stats(struct teemed *tm, struct teemed_stats *out);

#endif /* TEEMED_TEEMED_H */
