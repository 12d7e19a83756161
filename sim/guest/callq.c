/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The call queue (ABI 8.3), as Linux keeps it:
 *  - every yielding call (and the SHM cache loops) joins the waiter list
 *    before its first SMC, so a completion that arrives while the SMC is in
 *    flight is not lost;
 *  - with a known thread count a call first takes a free secure thread, and
 *    waits for a completion when there is none;
 *  - on ETHREAD_LIMIT the caller sleeps until completed, moves to the tail
 *    and reissues the same SMC;
 *  - a finishing call completes the first waiter not yet completed, and a
 *    second one if it had been completed itself (it passes the wake on).
 * System sessions (a reserved thread) are not modelled: guests of the
 * simulator have no in-kernel clients that register them.
 *
 * A completion is a flag per waiter; one condition variable is broadcast
 * and each waiter checks its own flag. cfg.cq_retry_ms bounds every wait
 * (see driver.h); on such a timeout the call proceeds, and the secure world
 * answers ETHREAD_LIMIT again if it is really full.
 */
#include "guest/drv_internal.h"

void gcq_init(struct gdrv *drv, uint32_t thread_count)
{
	gdrv_lock(drv);
	drv->cq_total = thread_count;
	drv->cq_free = thread_count;
	gdrv_unlock(drv);
}

static void cq_append(struct gdrv *drv, struct gcq_waiter *w)
{
	struct gcq_waiter **pp = &drv->cq_head;

	while (*pp)
		pp = &(*pp)->next;
	w->next = NULL;
	*pp = w;
}

static void cq_remove(struct gdrv *drv, struct gcq_waiter *w)
{
	struct gcq_waiter **pp = &drv->cq_head;

	while (*pp && *pp != w)
		pp = &(*pp)->next;
	if (*pp)
		*pp = w->next;
	w->next = NULL;
}

static void cq_complete_one(struct gdrv *drv)
{
	struct gcq_waiter *w;

	for (w = drv->cq_head; w; w = w->next) {
		if (!w->done) {
			w->done = true;
			return;
		}
	}
}

/* Sleep until `w` is completed, or the liveness guard expires. Lock held. */
static void cq_sleep(struct gdrv *drv, struct gcq_waiter *w)
{
	const struct guest_env *env = drv->env;

	while (!w->done) {
		if (!drv->cfg.cq_retry_ms) {
			env->cond_wait(env->ctx, drv->cq_cond, drv->lock);
			continue;
		}
		if (env->cond_timedwait(env->ctx, drv->cq_cond, drv->lock,
					drv->cfg.cq_retry_ms) && !w->done) {
			drv->stats.cq_timeouts++;
			return;
		}
	}
}

/* Wait for a completion, then requeue at the tail. Lock held. */
static void cq_wait_locked(struct gdrv *drv, struct gcq_waiter *w)
{
	cq_sleep(drv, w);
	cq_remove(drv, w);
	w->done = false;
	cq_append(drv, w);
}

void gcq_wait_init(struct gdrv *drv, struct gcq_waiter *w)
{
	gdrv_lock(drv);
	w->done = false;
	cq_append(drv, w);
	if (drv->cq_total) {
		while (drv->cq_free == 0) {
			uint64_t timeouts = drv->stats.cq_timeouts;

			drv->stats.cq_waits++;
			cq_wait_locked(drv, w);
			if (drv->stats.cq_timeouts != timeouts)
				break; /* proceed over the count: see above */
		}
		if (drv->cq_free)
			drv->cq_free--;
	}
	gdrv_unlock(drv);
}

void gcq_wait_for_completion(struct gdrv *drv, struct gcq_waiter *w)
{
	gdrv_lock(drv);
	cq_wait_locked(drv, w);
	gdrv_unlock(drv);
}

void gcq_wait_final(struct gdrv *drv, struct gcq_waiter *w)
{
	gdrv_lock(drv);
	cq_remove(drv, w);
	if (drv->cq_total && drv->cq_free < drv->cq_total)
		drv->cq_free++;
	cq_complete_one(drv);
	if (w->done)
		cq_complete_one(drv);
	drv->env->cond_broadcast(drv->env->ctx, drv->cq_cond);
	gdrv_unlock(drv);
}
