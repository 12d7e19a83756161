/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Domains: creation (VM_CREATED) and preemptible destruction (VM_DESTROYED,
 * then every pin and allocation released).
 *
 * Lock order: the mediator's global lock (client IDs, domain list) is taken
 * before a domain's lock; no two domain locks are ever held together. No
 * lock is held across an SMC to the secure world.
 */
#include "internal.h"

static bool client_id_test_and_set(struct teemed *tm, uint16_t id)
{
	uint64_t bit = UINT64_C(1) << (id % 64);

	if (tm->client_ids[id / 64] & bit)
		return false;
	tm->client_ids[id / 64] |= bit;
	return true;
}

static void client_id_clear(struct teemed *tm, uint16_t id)
{
	tm->client_ids[id / 64] &= ~(UINT64_C(1) << (id % 64));
}

static void domain_free(struct teemed *tm, struct teemed_domain *d)
{
	if (d->calls)
		tm->port.free(tm->port.ctx, d->calls, d->nslots * sizeof(struct tm_call *));
	if (d->lock)
		tm->port.lock_destroy(tm->port.ctx, d->lock);
	tm->port.free(tm->port.ctx, d, sizeof(*d));
}

int teemed_domain_create(struct teemed *tm, uint16_t client_id, void *host_dom,
			 struct teemed_domain **out)
{
	struct teemed_domain *d;
	struct teemed_regs r;
	bool fresh;

	if (!tm || !out || client_id == OPTEE_HYP_CLIENT_ID)
		return TEEMED_EINVAL;
	*out = NULL;
	tm->port.lock(tm->port.ctx, tm->lock);
	fresh = client_id_test_and_set(tm, client_id);
	tm->port.unlock(tm->port.ctx, tm->lock);
	/* OP-TEE does not check IDs for duplicates (ABI 7): we must. */
	if (!fresh)
		return TEEMED_EEXIST;

	d = tm->port.alloc(tm->port.ctx, sizeof(*d));
	if (!d)
		goto err_id;
	memset(d, 0, sizeof(*d));
	d->tm = tm;
	d->host_dom = host_dom;
	d->client_id = client_id;
	d->nslots = tm->info.thread_count;
	d->free_mask = d->nslots == 64 ? ~UINT64_C(0) : (UINT64_C(1) << d->nslots) - 1;
	d->lock = tm->port.lock_create(tm->port.ctx);
	d->calls = tm->port.alloc(tm->port.ctx, d->nslots * sizeof(struct tm_call *));
	if (!d->lock || !d->calls)
		goto err_free;
	memset(d->calls, 0, d->nslots * sizeof(struct tm_call *));

	memset(&r, 0, sizeof(r));
	r.a[0] = OPTEE_SMC_VM_CREATED;
	r.a[1] = client_id;
	r.a[7] = OPTEE_HYP_CLIENT_ID;
	tm_smc(tm, &r);
	if (r.a[0] != OPTEE_SMC_RETURN_OK) {
		tm_log(tm, TEEMED_LOG_WARN, client_id, "VM_CREATED refused", r.a[0], 0);
		domain_free(tm, d);
		tm->port.lock(tm->port.ctx, tm->lock);
		client_id_clear(tm, client_id);
		tm->port.unlock(tm->port.ctx, tm->lock);
		return TEEMED_EIO;
	}

	tm->port.lock(tm->port.ctx, tm->lock);
	d->next = tm->domains;
	if (tm->domains)
		tm->domains->prev = d;
	tm->domains = d;
	tm->ndomains++;
	tm->port.unlock(tm->port.ctx, tm->lock);
	*out = d;
	return TEEMED_OK;

err_free:
	domain_free(tm, d);
err_id:
	tm->port.lock(tm->port.ctx, tm->lock);
	client_id_clear(tm, client_id);
	tm->port.unlock(tm->port.ctx, tm->lock);
	return TEEMED_ENOMEM;
}

static void push_drain(struct teemed_domain *d, struct tm_buf *buf)
{
	buf->next = d->drain;
	d->drain = buf;
}

/*
 * Hand everything the domain holds to its release list, once no trap is
 * running. Pure bookkeeping: pages are released by tm_drain().
 */
static void collect(struct teemed_domain *d)
{
	struct tm_buf *buf;
	struct tm_call *c;
	uint32_t i;

	for (i = 0; i < d->nslots; i++) {
		c = d->calls[i];
		if (!c)
			continue;
		while (c->nbufs)
			push_drain(d, c->bufs[--c->nbufs]);
		/* A registered buffer is released through the table below. */
		if (c->shm && !c->shm->in_table)
			push_drain(d, c->shm);
		c->shm = NULL;
		while ((buf = c->drain) != NULL) {
			c->drain = buf->next;
			push_drain(d, buf);
		}
		if (c->rpc)
			tm_rpc_arg_put(d, c->rpc);
		c->rpc = NULL;
		c->arg_buf = NULL; /* released with the table below */
	}
	while ((buf = tm_table_pop(&d->bufs)) != NULL) {
		buf->in_table = false;
		push_drain(d, buf);
	}
	tm_rpc_args_destroy(d);
}

static void retire(struct teemed *tm, struct teemed_domain *d)
{
	const uint64_t *s = (const uint64_t *)&d->stats;
	uint64_t *t = (uint64_t *)&tm->retired;
	size_t i;

	for (i = 0; i < offsetof(struct teemed_stats, pages_held) / sizeof(uint64_t); i++)
		t[i] += s[i];
	tm->retired.fast_calls += __atomic_load_n(&d->fast_count, __ATOMIC_RELAXED);
}

int teemed_domain_destroy(struct teemed *tm, struct teemed_domain *d)
{
	struct tm_budget b;
	struct teemed_regs r;
	uint32_t i;

	if (!tm || !d)
		return TEEMED_EINVAL;
	/* See tm_trap_get(): new traps now fail, running ones are seen. */
	__atomic_store_n(&d->dying, true, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&d->active_traps, __ATOMIC_SEQ_CST)) {
		/* A vCPU is still in a trap (maybe inside OP-TEE): wait for it. */
		return TEEMED_AGAIN;
	}

	if (!d->vm_destroyed) {
		/*
		 * OP-TEE forgets the guest's threads and buffers first, so no
		 * page is unpinned while OP-TEE could still reach it.
		 */
		memset(&r, 0, sizeof(r));
		r.a[0] = OPTEE_SMC_VM_DESTROYED;
		r.a[1] = d->client_id;
		r.a[7] = OPTEE_HYP_CLIENT_ID;
		tm_smc(tm, &r);
		if (r.a[0] != OPTEE_SMC_RETURN_OK)
			tm_log(tm, TEEMED_LOG_WARN, d->client_id, "VM_DESTROYED refused", r.a[0], 0);
		d->vm_destroyed = true;
		collect(d);
	}

	tm_budget_init(tm, &b);
	if (tm_drain(d, &d->drain, &b) == TM_STEP_PREEMPT)
		return TEEMED_AGAIN;

	for (i = 0; i < d->nslots; i++)
		if (d->calls[i])
			tm_call_destroy(d, d->calls[i]);
	tm_table_free(tm, &d->bufs);
	tm_table_free(tm, &d->rpc_args);

	tm->port.lock(tm->port.ctx, tm->lock);
	if (d->prev)
		d->prev->next = d->next;
	else
		tm->domains = d->next;
	if (d->next)
		d->next->prev = d->prev;
	tm->ndomains--;
	client_id_clear(tm, d->client_id);
	retire(tm, d);
	tm->port.unlock(tm->port.ctx, tm->lock);
	domain_free(tm, d);
	return TEEMED_OK;
}
