/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Asynchronous notifications (ABI 3.2, 7).
 *
 * OP-TEE keeps pending values per guest but raises one interrupt for all of
 * them. On that interrupt the mediator asks OP-TEE, under each enabled
 * domain's client ID, for that domain's values, keeps them in the domain's
 * own bitmap and interrupts that guest. A guest's GET_ASYNC_NOTIF_VALUE is
 * served from its bitmap (then from OP-TEE under its own client ID), so no
 * guest can read, consume or crowd out another's values: each has its own
 * bitmap of bounded size, and what it makes OP-TEE send only fills its own.
 */
#include "internal.h"

/* Values fetched for one domain in one interrupt: at most its bitmap. */
#define TM_NOTIF_POLL_MAX (TM_NOTIF_MAX_VALUE + 1u)

void tm_notif_enable(struct teemed *tm, struct teemed_domain *d, struct teemed_regs *g)
{
	struct teemed_regs r = { { OPTEE_SMC_ENABLE_ASYNC_NOTIF, 0, 0, 0, 0, 0, 0, d->client_id } };

	tm_smc(tm, &r);
	g->a[0] = r.a[0];
	if (r.a[0] != OPTEE_SMC_RETURN_OK)
		return;
	tm_dom_lock(d);
	d->notif_enabled = true;
	tm_dom_unlock(d);
}

/* Take the lowest pending value; returns false if there is none. */
static bool pop_value(struct teemed_domain *d, uint64_t *value, bool *more)
{
	uint32_t w;
	bool found = false;

	tm_dom_lock(d);
	for (w = 0; w < TM_NOTIF_WORDS && !found; w++) {
		if (!d->notif_pending[w])
			continue;
		*value = (uint64_t)w * 64u + (uint64_t)__builtin_ctzll(d->notif_pending[w]);
		d->notif_pending[w] &= d->notif_pending[w] - 1;
		found = true;
	}
	*more = false;
	for (w = 0; w < TM_NOTIF_WORDS; w++)
		*more |= d->notif_pending[w] != 0;
	tm_dom_unlock(d);
	return found;
}

void tm_notif_get_value(struct teemed *tm, struct teemed_domain *d, struct teemed_regs *g)
{
	struct teemed_regs r = { { OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, 0, 0, 0, 0, 0, 0,
				   d->client_id } };
	uint64_t value;
	bool more;

	if (pop_value(d, &value, &more)) {
		g->a[0] = OPTEE_SMC_RETURN_OK;
		g->a[1] = value;
		g->a[2] = OPTEE_SMC_ASYNC_NOTIF_VALID | (more ? OPTEE_SMC_ASYNC_NOTIF_PENDING : 0);
		g->a[3] = 0;
		return;
	}
	/* Nothing fetched yet: OP-TEE answers for this guest alone. */
	tm_smc(tm, &r);
	g->a[0] = r.a[0];
	g->a[1] = r.a[1];
	g->a[2] = r.a[2];
	g->a[3] = r.a[3];
}

/* Fetch one domain's values from OP-TEE; true if any arrived. */
static bool poll_domain(struct teemed *tm, struct teemed_domain *d)
{
	struct teemed_regs r;
	uint32_t i;
	bool got = false;

	for (i = 0; i < TM_NOTIF_POLL_MAX; i++) {
		memset(&r, 0, sizeof(r));
		r.a[0] = OPTEE_SMC_GET_ASYNC_NOTIF_VALUE;
		r.a[7] = d->client_id;
		tm_smc(tm, &r);
		if (r.a[0] != OPTEE_SMC_RETURN_OK || !(r.a[2] & OPTEE_SMC_ASYNC_NOTIF_VALID))
			break;
		if (r.a[1] <= TM_NOTIF_MAX_VALUE) {
			tm_dom_lock(d);
			d->notif_pending[r.a[1] / 64u] |= UINT64_C(1) << (r.a[1] % 64u);
			tm_dom_unlock(d);
			got = true;
		} else {
			tm_log(tm, TEEMED_LOG_WARN, d->client_id, "notification value too large",
			       r.a[1], 0);
		}
		if (!(r.a[2] & OPTEE_SMC_ASYNC_NOTIF_PENDING))
			break;
	}
	return got;
}

void teemed_notif_irq(struct teemed *tm)
{
	struct teemed_domain *d, *next;
	bool poll;

	tm->port.lock(tm->port.ctx, tm->lock);
	for (d = tm->domains; d; d = next) {
		/* A trap count keeps the domain alive while no lock is held. */
		tm_dom_lock(d);
		poll = d->notif_enabled;
		tm_dom_unlock(d);
		if (poll && tm_trap_get(d)) {
			tm->port.unlock(tm->port.ctx, tm->lock);
			if (poll_domain(tm, d) && tm->port.notify)
				tm->port.notify(tm->port.ctx, d->host_dom);
			tm->port.lock(tm->port.ctx, tm->lock);
			/* Still listed: destroy unlinks under the global lock after the trap ends. */
			next = d->next;
			tm_trap_put(d);
			continue;
		}
		next = d->next;
	}
	tm->port.unlock(tm->port.ctx, tm->lock);
}
