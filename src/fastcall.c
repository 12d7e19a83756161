/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fast (atomic) calls from guests: answered locally, forwarded, filtered or
 * refused (ABI 1.2, 1.3; docs/design.md "Fast calls").
 */
#include "internal.h"

/*
 * Functions a guest may call through the mediator: CALLS_COUNT, CALLS_UID,
 * CALLS_REVISION, GET_OS_UUID, GET_OS_REVISION, CALL_WITH_ARG,
 * RETURN_FROM_RPC, GET_SHM_CONFIG (answered ENOTAVAIL),
 * EXCHANGE_CAPABILITIES, DISABLE_SHM_CACHE, ENABLE_SHM_CACHE and
 * GET_THREAD_COUNT: the 12 of a non-virtualized OP-TEE.
 */
#define TM_GUEST_CALLS_COUNT 12

/* Normal-world capability bits OP-TEE knows (ABI 3.2). */
#define TM_KNOWN_NSEC_CAPS OPTEE_SMC_NSEC_CAP_UNIPROCESSOR

/*
 * Secure-world capabilities a guest may see: the ones whose protocol the
 * mediator implements. Reserved SHM is host-physical and cannot be shared
 * between guests (ABI 7); virtualization is the mediator's business; RPC_ARG,
 * ASYNC_NOTIF and the protected-memory calls are not mediated (yet).
 * RPMB_PROBE only adds RPC commands, which pass through the generic path.
 */
#define TM_GUEST_SEC_CAPS (OPTEE_SMC_SEC_CAP_DYNAMIC_SHM | OPTEE_SMC_SEC_CAP_MEMREF_NULL | \
			   OPTEE_SMC_SEC_CAP_RPMB_PROBE)

/* Forward `fid` for the guest with a7 = its client ID; a0..a3 come back. */
static void forward(struct teemed *tm, struct teemed_domain *d, uint32_t fid, uint64_t a1,
		    struct teemed_regs *g)
{
	struct teemed_regs r = { { fid, a1, 0, 0, 0, 0, 0, d->client_id } };

	tm_smc(tm, &r);
	g->a[0] = r.a[0];
	g->a[1] = r.a[1];
	g->a[2] = r.a[2];
	g->a[3] = r.a[3];
}

/*
 * Forward a call that takes no inputs on the guest's own registers (the
 * cheapest path): OP-TEE reads none of a1..a6 (ABI 1.3). Only a7 is
 * replaced; a4..a7 come back as the guest had them, whatever the secure
 * world leaves there, and results are zero-extended (ABI 1.1).
 */
static void forward_as_is(struct teemed *tm, struct teemed_domain *d, struct teemed_regs *g)
{
	uint64_t a4 = g->a[4], a5 = g->a[5], a6 = g->a[6], a7 = g->a[7];

	g->a[7] = d->client_id;
	tm->port.smc(tm->port.ctx, g, g);
	g->a[0] = (uint32_t)g->a[0];
	g->a[1] = (uint32_t)g->a[1];
	g->a[2] = (uint32_t)g->a[2];
	g->a[3] = (uint32_t)g->a[3];
	g->a[4] = a4;
	g->a[5] = a5;
	g->a[6] = a6;
	g->a[7] = a7;
}

__attribute__((noinline)) static void exchange_capabilities(struct teemed *tm, struct teemed_domain *d,
				  struct teemed_regs *g)
{
	uint64_t caps, rpc_arg, notif, max_value;

	/* Unknown normal-world bits would make OP-TEE refuse (ABI 1.3). */
	forward(tm, d, OPTEE_SMC_EXCHANGE_CAPABILITIES, g->a[1] & TM_KNOWN_NSEC_CAPS, g);
	if (g->a[0] != OPTEE_SMC_RETURN_OK)
		return;
	rpc_arg = g->a[1] & OPTEE_SMC_SEC_CAP_RPC_ARG;
	notif = g->a[1] & OPTEE_SMC_SEC_CAP_ASYNC_NOTIF;
	max_value = g->a[2] < TM_NOTIF_MAX_VALUE ? g->a[2] : TM_NOTIF_MAX_VALUE;
	caps = g->a[1] & TM_GUEST_SEC_CAPS;
	if (!(caps & OPTEE_SMC_SEC_CAP_DYNAMIC_SHM)) {
		g->a[0] = OPTEE_SMC_RETURN_ENOTAVAIL;
		return;
	}
	g->a[2] = 0; /* no async notification values */
	g->a[3] = 0; /* no in-band RPC arguments */
	if (rpc_arg && tm_offers(tm, OPTEE_SMC_SEC_CAP_RPC_ARG)) {
		caps |= OPTEE_SMC_SEC_CAP_RPC_ARG;
		g->a[3] = tm->info.rpc_param_count;
	}
	if (notif && tm_offers(tm, OPTEE_SMC_SEC_CAP_ASYNC_NOTIF)) {
		caps |= OPTEE_SMC_SEC_CAP_ASYNC_NOTIF;
		g->a[2] = max_value;
	}
	g->a[1] = caps;
}

static void disable_shm_cache(struct teemed *tm, struct teemed_domain *d,
			      struct teemed_regs *g)
{
	uint64_t cookie = 0;

	forward(tm, d, OPTEE_SMC_DISABLE_SHM_CACHE, 0, g);
	if (g->a[0] != OPTEE_SMC_RETURN_OK)
		return;
	/* OP-TEE gives back one cached RPC argument: the guest frees its buffer. */
	if (!tm_rpc_arg_release(d, tm_reg_pair(g->a[1], g->a[2]), &cookie))
		tm_log(tm, TEEMED_LOG_WARN, d->client_id, "DISABLE_SHM_CACHE: unknown cookie",
		       g->a[1], g->a[2]);
	g->a[1] = tm_hi32(cookie);
	g->a[2] = tm_lo32(cookie);
}

/*
 * The fast calls that need no lock: answered from constants or forwarded,
 * touching nothing of the domain but its immutable client ID and slot
 * count. Returns false for the others (tm_fast_call takes them).
 */
bool tm_fast_stateless(struct teemed *tm, struct teemed_domain *d, struct teemed_regs *g)
{
	uint32_t fid = (uint32_t)g->a[0];

	switch (fid) {
	case OPTEE_SMC_CALLS_COUNT:
		g->a[0] = TM_GUEST_CALLS_COUNT;
		break;
	case OPTEE_SMC_CALLS_UID:
	case OPTEE_SMC_CALLS_REVISION:
	case OPTEE_SMC_CALL_GET_OS_UUID:
	case OPTEE_SMC_CALL_GET_OS_REVISION:
	case OPTEE_SMC_ENABLE_SHM_CACHE:
		forward_as_is(tm, d, g);
		break;
	case OPTEE_SMC_EXCHANGE_CAPABILITIES:
		exchange_capabilities(tm, d, g);
		break;
	case OPTEE_SMC_GET_THREAD_COUNT:
		g->a[0] = OPTEE_SMC_RETURN_OK;
		g->a[1] = d->nslots;
		break;
	case OPTEE_SMC_GET_SHM_CONFIG:
		/* The reserved SHM is one host-physical window: not for guests. */
		g->a[0] = OPTEE_SMC_RETURN_ENOTAVAIL;
		break;
	default:
		return false;
	}
	__atomic_fetch_add(&d->fast_count, 1, __ATOMIC_RELAXED);
	return true;
}

/* The other fast calls, inside a trap (domain lock available). */
void tm_fast_call(struct teemed *tm, struct teemed_domain *d, struct teemed_regs *g,
		  struct tm_budget *b)
{
	uint32_t fid = (uint32_t)g->a[0];

	TM_EV(b, TM_EV_FAST_CALL);
	switch (fid) {
	case OPTEE_SMC_DISABLE_SHM_CACHE:
		disable_shm_cache(tm, d, g);
		return;
	case OPTEE_SMC_ENABLE_ASYNC_NOTIF:
		if (!tm_offers(tm, OPTEE_SMC_SEC_CAP_ASYNC_NOTIF))
			break;
		tm_notif_enable(tm, d, g);
		return;
	case OPTEE_SMC_GET_ASYNC_NOTIF_VALUE:
		if (!tm_offers(tm, OPTEE_SMC_SEC_CAP_ASYNC_NOTIF))
			break;
		tm_notif_get_value(tm, d, g);
		return;
	default:
		/*
		 * VM_CREATED, VM_DESTROYED, BOOT_SECONDARY, L2CC_MUTEX, the image
		 * loader, protected memory and anything unknown: never from a
		 * guest.
		 */
		break;
	}
	TM_EV(b, TM_EV_UNKNOWN_FUNCTION);
	g->a[0] = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
}
