/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Mediator set-up (probing OP-TEE), the trap entry point and statistics.
 */
#include "internal.h"

void teemed_config_default(struct teemed_config *cfg)
{
	cfg->threads_per_domain = 0;
	/* OP-TEE's CFG_NUM_THREADS default (ABI 1.3, GET_THREAD_COUNT). */
	cfg->fallback_threads = 2;
	/* 1 GiB plus a page for a buffer that starts inside a page. */
	cfg->max_buffer_pages = (1u << 18) + 1u;
	/* 2 GiB pinned per guest: two maximal buffers, or many smaller ones. */
	cfg->max_domain_pages = 1u << 19;
	/* Linux registers one buffer per tee_shm; thousands is plenty. */
	cfg->max_domain_buffers = 8192;
	/*
	 * OP-TEE allocates one RPC argument per thread, cached while the SHM
	 * cache is on; a few per thread leaves room and still bounds memory.
	 */
	cfg->max_domain_rpc_args = 256;
	/* 4096 pages (16 MiB of buffer) is well under a millisecond of pins. */
	cfg->work_budget_pages = 4096;
	cfg->features = TEEMED_FEATURE_RPC_ARG;
}

void tm_log(struct teemed *tm, enum teemed_log_level lvl, uint16_t client,
	    const char *msg, uint64_t v1, uint64_t v2)
{
	if (tm->port.log)
		tm->port.log(tm->port.ctx, lvl, client, msg, v1, v2);
}

/* Every SMC OP-TEE sees leaves through here: results are 32-bit (ABI 1.1). */
void tm_smc(struct teemed *tm, struct teemed_regs *regs)
{
	tm->port.smc(tm->port.ctx, regs, regs);
	regs->a[0] = tm_lo32(regs->a[0]);
	regs->a[1] = tm_lo32(regs->a[1]);
	regs->a[2] = tm_lo32(regs->a[2]);
	regs->a[3] = tm_lo32(regs->a[3]);
}

/* Is `cap` offered to guests: OP-TEE has it and the mediator mediates it? */
bool tm_offers(const struct teemed *tm, uint32_t cap)
{
	uint32_t features = 0;

	if (tm->cfg.features & TEEMED_FEATURE_RPC_ARG)
		features |= OPTEE_SMC_SEC_CAP_RPC_ARG;
	if (tm->cfg.features & TEEMED_FEATURE_ASYNC_NOTIF)
		features |= OPTEE_SMC_SEC_CAP_ASYNC_NOTIF;
	return (tm->info.secure_caps & features & cap) == cap;
}

void tm_budget_init(struct teemed *tm, struct tm_budget *b)
{
	b->left = tm->cfg.work_budget_pages ? tm->cfg.work_budget_pages : 1;
	b->since_check = 0;
	b->events = 0;
	b->pages = 0;
	b->bytes = 0;
	b->call = NULL;
	b->slot = TM_NO_SLOT;
	b->slot_exit = TM_EXIT_KEEP;
}

/*
 * Take up to `want` pages of work from the trap's budget, at most 64 at a
 * time so that the host is asked (should_yield) every 64 pages. Returns
 * the pages granted; 0 means the trap should end now.
 */
uint32_t tm_budget_take(struct teemed *tm, struct tm_budget *b, uint32_t want)
{
	uint32_t n;

	if (b->since_check >= 64) {
		b->since_check = 0;
		if (tm->port.should_yield && tm->port.should_yield(tm->port.ctx))
			b->left = 0;
	}
	n = want < b->left ? want : b->left;
	if (n > 64)
		n = 64;
	b->left -= n;
	b->since_check += n;
	return n;
}

static void hyp_call(struct teemed *tm, uint32_t fid, uint64_t a1, struct teemed_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->a[0] = fid;
	r->a[1] = a1;
	r->a[7] = OPTEE_HYP_CLIENT_ID;
	tm_smc(tm, r);
}

static bool port_complete(const struct teemed_port *p)
{
	return p && p->smc && p->pin && p->unpin && p->map && p->unmap && p->alloc &&
	       p->free && p->alloc_page && p->free_page && p->lock_create &&
	       p->lock_destroy && p->lock && p->unlock;
}

/* Probe OP-TEE as the hypervisor (a7 = 0). */
static int probe(struct teemed *tm)
{
	struct teemed_regs r;

	hyp_call(tm, OPTEE_SMC_CALLS_UID, 0, &r);
	if (r.a[0] != OPTEE_MSG_UID_0 || r.a[1] != OPTEE_MSG_UID_1 ||
	    r.a[2] != OPTEE_MSG_UID_2 || r.a[3] != OPTEE_MSG_UID_3) {
		tm_log(tm, TEEMED_LOG_ERROR, 0, "secure world is not OP-TEE (UID)", r.a[0], r.a[1]);
		return TEEMED_ENODEV;
	}
	hyp_call(tm, OPTEE_SMC_CALLS_REVISION, 0, &r);
	if (r.a[0] != OPTEE_MSG_REVISION_MAJOR) {
		tm_log(tm, TEEMED_LOG_ERROR, 0, "OP-TEE API revision unsupported", r.a[0], r.a[1]);
		return TEEMED_ENODEV;
	}
	hyp_call(tm, OPTEE_SMC_CALL_GET_OS_REVISION, 0, &r);
	tm->info.os_revision_major = (uint32_t)r.a[0];
	tm->info.os_revision_minor = (uint32_t)r.a[1];

	hyp_call(tm, OPTEE_SMC_EXCHANGE_CAPABILITIES, 0, &r);
	if (r.a[0] != OPTEE_SMC_RETURN_OK) {
		tm_log(tm, TEEMED_LOG_ERROR, 0, "EXCHANGE_CAPABILITIES failed", r.a[0], 0);
		return TEEMED_ENOTSUP;
	}
	tm->info.secure_caps = (uint32_t)r.a[1];
	tm->info.rpc_param_count = (uint32_t)(r.a[3] & OPTEE_SMC_CAP_RPC_PARAMS_MASK);
	/* Guests can only share memory dynamically, and OP-TEE must keep them apart. */
	if (!(r.a[1] & OPTEE_SMC_SEC_CAP_DYNAMIC_SHM) ||
	    !(r.a[1] & OPTEE_SMC_SEC_CAP_VIRTUALIZATION)) {
		tm_log(tm, TEEMED_LOG_ERROR, 0,
		       "OP-TEE lacks dynamic shared memory or virtualization", r.a[1], 0);
		return TEEMED_ENOTSUP;
	}

	hyp_call(tm, OPTEE_SMC_GET_THREAD_COUNT, 0, &r);
	if (tm->cfg.threads_per_domain)
		tm->info.thread_count = tm->cfg.threads_per_domain;
	else if (r.a[0] == OPTEE_SMC_RETURN_OK && r.a[1] != 0)
		tm->info.thread_count = (uint32_t)r.a[1];
	else
		tm->info.thread_count = tm->cfg.fallback_threads;
	if (tm->info.thread_count == 0)
		tm->info.thread_count = 1;
	if (tm->info.thread_count > TM_MAX_SLOTS)
		tm->info.thread_count = TM_MAX_SLOTS;
	tm_log(tm, TEEMED_LOG_INFO, 0, "OP-TEE found: revision, threads per guest",
	       (uint64_t)tm->info.os_revision_major << 16 | tm->info.os_revision_minor,
	       tm->info.thread_count);
	return TEEMED_OK;
}

int teemed_init(const struct teemed_port *port, const struct teemed_config *cfg,
		struct teemed **out)
{
	struct teemed *tm;
	int rc;

	if (!out || !port_complete(port))
		return TEEMED_EINVAL;
	*out = NULL;
	tm = port->alloc(port->ctx, sizeof(*tm));
	if (!tm)
		return TEEMED_ENOMEM;
	memset(tm, 0, sizeof(*tm));
	tm->port = *port;
	if (cfg)
		tm->cfg = *cfg;
	else
		teemed_config_default(&tm->cfg);
	if (!tm->cfg.max_buffer_pages || !tm->cfg.max_domain_pages ||
	    !tm->cfg.work_budget_pages) {
		port->free(port->ctx, tm, sizeof(*tm));
		return TEEMED_EINVAL;
	}
	rc = probe(tm);
	if (rc == TEEMED_OK) {
		tm->lock = port->lock_create(port->ctx);
		if (!tm->lock)
			rc = TEEMED_ENOMEM;
	}
	if (rc != TEEMED_OK) {
		port->free(port->ctx, tm, sizeof(*tm));
		return rc;
	}
	/* Client ID 0 is the hypervisor's own (ABI 7). */
	tm->client_ids[0] = 1;
	*out = tm;
	return TEEMED_OK;
}

int teemed_fini(struct teemed *tm)
{
	if (!tm)
		return TEEMED_EINVAL;
	if (tm->ndomains)
		return TEEMED_EINVAL;
	tm->port.lock_destroy(tm->port.ctx, tm->lock);
	tm->port.free(tm->port.ctx, tm, sizeof(*tm));
	return TEEMED_OK;
}

void teemed_get_info(const struct teemed *tm, struct teemed_info *info)
{
	*info = tm->info;
}

int teemed_is_optee_fid(uint32_t fid)
{
	uint32_t owner = optee_smc_owner(fid);

	return owner == OPTEE_SMC_OWNER_TRUSTED_OS ||
	       owner == OPTEE_SMC_OWNER_TRUSTED_OS_END;
}

/*
 * Enter a trap: false if the domain is being destroyed. Claims the trap's
 * call slot under the same lock (see struct tm_budget).
 */
static bool trap_enter(struct teemed_domain *d, struct tm_budget *b, enum tm_slot_claim claim,
		       uint32_t idx)
{
	struct tm_call *c;

	if (!tm_trap_get(d))
		return false;
	if (claim == TM_CLAIM_NONE)
		return true;
	tm_dom_lock(d);
	if (claim == TM_CLAIM_FREE && d->free_mask) {
		idx = (uint32_t)__builtin_ctzll(d->free_mask);
		d->free_mask &= ~(UINT64_C(1) << idx);
		d->busy_slots++;
		b->slot = idx;
		b->call = d->calls[idx];
	} else if (claim == TM_CLAIM_WAITING && idx < d->nslots) {
		c = d->calls[idx];
		if (c && c->state == TM_SLOT_WAIT_GUEST) {
			c->state = TM_SLOT_BUSY;
			b->slot = idx;
			b->call = c;
		}
	}
	tm_dom_unlock(d);
	return true;
}

/* Where each event is counted in struct teemed_stats (in uint64_t units). */
#define TM_STAT_SLOT(field) (offsetof(struct teemed_stats, field) / sizeof(uint64_t))
static const uint8_t event_slot[TM_EV_COUNT] = {
	[TM_EV_FAST_CALL] = TM_STAT_SLOT(fast_calls),
	[TM_EV_STD_CALL] = TM_STAT_SLOT(std_calls),
	[TM_EV_STD_DONE] = TM_STAT_SLOT(std_calls_done),
	[TM_EV_RPC_ALLOC] = TM_STAT_SLOT(rpc_alloc),
	[TM_EV_RPC_FREE] = TM_STAT_SLOT(rpc_free),
	[TM_EV_RPC_FOREIGN] = TM_STAT_SLOT(rpc_foreign_intr),
	[TM_EV_RPC_CMD] = TM_STAT_SLOT(rpc_cmd),
	[TM_EV_PREEMPT] = TM_STAT_SLOT(preemptions),
	[TM_EV_THREAD_LIMIT] = TM_STAT_SLOT(thread_limit),
	[TM_EV_RESUME_REFUSED] = TM_STAT_SLOT(resume_refused),
	[TM_EV_BAD_ADDR] = TM_STAT_SLOT(bad_addr),
	[TM_EV_BAD_PARAM] = TM_STAT_SLOT(bad_param),
	[TM_EV_OOM] = TM_STAT_SLOT(out_of_memory),
	[TM_EV_UNKNOWN_FUNCTION] = TM_STAT_SLOT(unknown_function),
	[TM_EV_REGISTERED] = TM_STAT_SLOT(buffers_registered),
};

/* Leave a trap, adding what it did to the domain's statistics. */
static void trap_exit(struct teemed_domain *d, const struct tm_budget *b)
{
	uint64_t *counters = (uint64_t *)&d->stats;
	uint32_t ev = b->events;

	tm_dom_lock(d);
	tm_slot_settle(d, b);
	for (; ev; ev &= ev - 1)
		counters[event_slot[__builtin_ctz(ev)]]++;
	if (b->pages) {
		d->stats.pages_pinned += b->pages;
		d->stats.bytes_shared += b->bytes;
	}
	tm_dom_unlock(d);
	tm_trap_put(d);
}

/* Everything but the lock-free fast calls: inside a trap. */
__attribute__((noinline)) static void handle_trap(struct teemed *tm, struct teemed_domain *d,
						  struct teemed_regs *r)
{
	uint32_t fid = (uint32_t)r->a[0];
	bool start = fid == OPTEE_SMC_CALL_WITH_ARG ||
		     ((fid == OPTEE_SMC_CALL_WITH_RPC_ARG || fid == OPTEE_SMC_CALL_WITH_REGD_ARG) &&
		      tm_offers(tm, OPTEE_SMC_SEC_CAP_RPC_ARG));
	bool resume = fid == OPTEE_SMC_CALL_RETURN_FROM_RPC;
	struct tm_budget b;

	tm_budget_init(tm, &b);
	/* The guest names a call it resumes by the slot it was given in a3. */
	if (!trap_enter(d, &b, start ? TM_CLAIM_FREE : resume ? TM_CLAIM_WAITING : TM_CLAIM_NONE,
			(uint32_t)r->a[3])) {
		r->a[0] = OPTEE_SMC_RETURN_ENOTAVAIL;
		return;
	}
	if (optee_smc_is_fast(fid)) {
		tm_fast_call(tm, d, r, &b);
	} else if (start) {
		tm_std_call(d, fid, r, &b);
	} else if (resume) {
		tm_resume_call(d, r, &b);
	} else {
		/* Unknown, or a call whose capability guests are not offered. */
		TM_EV(&b, TM_EV_UNKNOWN_FUNCTION);
		r->a[0] = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
	}
	trap_exit(d, &b);
}

void teemed_handle_smc(struct teemed *tm, struct teemed_domain *d, uint32_t vcpu,
		       struct teemed_regs *r)
{
	bool done;

	TM_UNUSED(vcpu);
	/*
	 * SMC32: only the low 32 bits of a0 name the function (ABI 1.1).
	 * Fast calls that touch no domain state (forwarded or answered from
	 * constants) take no lock; they count as a trap (atomically) so that
	 * destroy waits for them.
	 */
	if (optee_smc_is_fast((uint32_t)r->a[0])) {
		if (!tm_trap_get(d)) {
			r->a[0] = OPTEE_SMC_RETURN_ENOTAVAIL;
			return;
		}
		done = tm_fast_stateless(tm, d, r);
		tm_trap_put(d);
		if (done)
			return;
	}
	handle_trap(tm, d, r);
}

uint16_t teemed_domain_client_id(const struct teemed_domain *d)
{
	return d->client_id;
}

static void stats_add(struct teemed_stats *to, const struct teemed_stats *from)
{
	const uint64_t *s = (const uint64_t *)from;
	uint64_t *t = (uint64_t *)to;
	size_t i;

	for (i = 0; i < sizeof(*from) / sizeof(uint64_t); i++)
		t[i] += s[i];
}

void teemed_domain_stats(struct teemed *tm, struct teemed_domain *d,
			 struct teemed_stats *out)
{
	TM_UNUSED(tm);
	memset(out, 0, sizeof(*out));
	tm_dom_lock(d);
	stats_add(out, &d->stats);
	out->fast_calls += __atomic_load_n(&d->fast_count, __ATOMIC_RELAXED);
	out->pages_held = d->pages_held;
	out->buffers_held = d->buffers_held;
	out->rpc_args_held = d->rpc_args.count;
	out->calls_active = d->busy_slots;
	tm_dom_unlock(d);
}

void teemed_stats(struct teemed *tm, struct teemed_stats *out)
{
	struct teemed_stats one;
	struct teemed_domain *d;

	memset(out, 0, sizeof(*out));
	tm->port.lock(tm->port.ctx, tm->lock);
	stats_add(out, &tm->retired);
	for (d = tm->domains; d; d = d->next) {
		teemed_domain_stats(tm, d, &one);
		stats_add(out, &one);
	}
	tm->port.unlock(tm->port.ctx, tm->lock);
}
