/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Standard calls: slots, copy-in of the guest's argument, the trip through
 * OP-TEE, completion and copy-back, and resumption by slot number.
 *
 * A slot belongs to exactly one vCPU while it is BUSY; its fields are touched
 * only by that vCPU, without the domain lock. The lock guards the slot state
 * and the free mask: a slot is published to other vCPUs (WAIT_GUEST) as the
 * last step of a trap, and taken back (BUSY) under the lock, so a call is
 * never resumed by two vCPUs at once.
 */
#include "internal.h"

static struct tm_call *call_new(struct teemed_domain *d, uint32_t idx)
{
	struct teemed *tm = d->tm;
	struct tm_call *c = tm->port.alloc(tm->port.ctx, sizeof(*c));

	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->idx = idx;
	c->shadow = tm->port.alloc_page(tm->port.ctx, d->host_dom, &c->shadow_pa);
	if (!c->shadow) {
		tm->port.free(tm->port.ctx, c, sizeof(*c));
		return NULL;
	}
	tm_dom_lock(d);
	d->calls[idx] = c;
	tm_dom_unlock(d);
	return c;
}

void tm_call_destroy(struct teemed_domain *d, struct tm_call *c)
{
	struct teemed *tm = d->tm;

	d->calls[c->idx] = NULL;
	tm->port.free_page(tm->port.ctx, d->host_dom, c->shadow, c->shadow_pa);
	tm->port.free(tm->port.ctx, c, sizeof(*c));
}

/*
 * Apply what the trap decided for its slot; called by trap exit with the
 * domain lock held, so a slot is freed or published as the trap ends.
 */
void tm_slot_settle(struct teemed_domain *d, const struct tm_budget *b)
{
	if (b->slot == TM_NO_SLOT)
		return;
	if (b->slot_exit == TM_EXIT_FREE) {
		if (d->calls[b->slot])
			d->calls[b->slot]->state = TM_SLOT_FREE;
		d->free_mask |= UINT64_C(1) << b->slot;
		d->busy_slots--;
	} else if (b->slot_exit == TM_EXIT_PUBLISH) {
		d->calls[b->slot]->state = TM_SLOT_WAIT_GUEST;
	}
}

/* Hand the guest `c->exit` once the call's buffers are released. */
void tm_call_deliver(struct teemed_domain *d, struct tm_call *c, struct teemed_regs *r,
		     struct tm_budget *b)
{
	if (tm_drain(d, &c->drain, b) == TM_STEP_PREEMPT) {
		c->phase = TM_PH_DRAIN;
		tm_call_yield(d, c, r, b);
		return;
	}
	r->a[0] = c->exit.a0;
	r->a[1] = c->exit.a1;
	r->a[2] = c->exit.a2;
	if (c->exit.done) {
		r->a[3] = 0;
		b->slot_exit = TM_EXIT_FREE;
	} else {
		r->a[3] = c->idx;
		c->phase = c->exit.phase;
		b->slot_exit = TM_EXIT_PUBLISH;
	}
}

/* Return to the guest as OP-TEE would for a foreign interrupt (ABI 2.2). */
void tm_call_yield(struct teemed_domain *d, struct tm_call *c, struct teemed_regs *r,
		   struct tm_budget *b)
{
	TM_UNUSED(d);
	TM_EV(b, TM_EV_PREEMPT);
	r->a[0] = OPTEE_SMC_RETURN_RPC_FOREIGN_INTR;
	r->a[1] = 0;
	r->a[2] = 0;
	r->a[3] = c->idx;
	b->slot_exit = TM_EXIT_PUBLISH;
}

static void complete(struct teemed_domain *d, struct tm_call *c, uint32_t a0,
		     struct teemed_regs *r, struct tm_budget *b)
{
	uint32_t final = a0;

	tm_params_complete(d, c, a0, b);
	if (a0 == OPTEE_SMC_RETURN_OK && !tm_arg_copy_back(d, c)) {
		TM_EV(b, TM_EV_BAD_ADDR);
		final = OPTEE_SMC_RETURN_EBADADDR;
	}
	tm_arg_release(d, c);
	TM_EV(b, TM_EV_STD_DONE);
	c->exit.a0 = final;
	c->exit.a1 = 0;
	c->exit.a2 = 0;
	c->exit.done = true;
	tm_call_deliver(d, c, r, b);
}

/* Run `o` in OP-TEE for the call and handle how OP-TEE comes back. */
void tm_call_enter(struct teemed_domain *d, struct tm_call *c, struct teemed_regs *o,
		   struct teemed_regs *r, struct tm_budget *b)
{
	/* Whatever the guest put in a7, OP-TEE sees this domain (ABI 7). */
	o->a[7] = d->client_id;
	tm_smc(d->tm, o);
	if (optee_smc_return_is_rpc((uint32_t)o->a[0])) {
		c->optee_tid = (uint32_t)o->a[3];
		tm_rpc_exit(d, c, o, r, b);
		return;
	}
	complete(d, c, (uint32_t)o->a[0], r, b);
}

/* Resume OP-TEE's thread with no RPC result (ABI 2.3: FOREIGN_INTR). */
void tm_call_resume_optee(struct teemed_domain *d, struct tm_call *c,
			  struct teemed_regs *r, struct tm_budget *b)
{
	struct teemed_regs o = { { OPTEE_SMC_CALL_RETURN_FROM_RPC, 0, 0, c->optee_tid, 0, 0, 0, 0 } };

	tm_call_enter(d, c, &o, r, b);
}

static void run_prepare(struct teemed_domain *d, struct tm_call *c, struct teemed_regs *r,
			struct tm_budget *b)
{
	struct teemed_regs o;
	enum tm_step step = tm_params_prepare(d, c, b);

	if (step == TM_STEP_PREEMPT) {
		c->phase = TM_PH_PREPARE;
		tm_call_yield(d, c, r, b);
		return;
	}
	if (step == TM_STEP_FAIL) {
		complete(d, c, c->local_a0, r, b);
		return;
	}
	memset(&o, 0, sizeof(o));
	/* A REGD_ARG call reaches OP-TEE as RPC_ARG on the mediator's copy. */
	o.a[0] = c->inband ? OPTEE_SMC_CALL_WITH_RPC_ARG : OPTEE_SMC_CALL_WITH_ARG;
	o.a[1] = tm_hi32(teemed_pa_val(c->shadow_pa));
	o.a[2] = tm_lo32(teemed_pa_val(c->shadow_pa));
	o.a[3] = OPTEE_SMC_SHM_CACHED;
	tm_call_enter(d, c, &o, r, b);
}

void tm_std_call(struct teemed_domain *d, uint32_t fid, struct teemed_regs *r,
		 struct tm_budget *b)
{
	struct tm_call *c = b->call;
	uint32_t a0;

	if (b->slot == TM_NO_SLOT) {
		TM_EV(b, TM_EV_THREAD_LIMIT);
		/* a1..a3 stay as the guest gave them (ABI 1.3). */
		r->a[0] = OPTEE_SMC_RETURN_ETHREAD_LIMIT;
		return;
	}
	if (!c)
		c = call_new(d, b->slot);
	if (!c) {
		b->slot_exit = TM_EXIT_FREE;
		TM_EV(b, TM_EV_OOM);
		r->a[0] = OPTEE_SMC_RETURN_ENOMEM;
		return;
	}
	b->call = c;
	TM_EV(b, TM_EV_STD_CALL);
	/* The slot stays FREE in state (not resumable) until published. */
	c->local = false;
	c->validated = false;
	c->xlat = 0;
	c->nbufs = 0;
	c->shm = NULL;
	c->drain = NULL;
	c->rpc = NULL;
	c->rpc_inband = false;
	a0 = tm_arg_locate(d, c, fid, r);
	if (a0 == OPTEE_SMC_RETURN_OK)
		a0 = tm_arg_copy_in(d, c);
	if (a0 != OPTEE_SMC_RETURN_OK) {
		tm_arg_release(d, c);
		TM_EV(b, TM_EV_BAD_ADDR);
		TM_EV(b, TM_EV_STD_DONE);
		b->slot_exit = TM_EXIT_FREE;
		r->a[0] = a0;
		r->a[1] = 0;
		r->a[2] = 0;
		r->a[3] = 0;
		return;
	}
	run_prepare(d, c, r, b);
}

void tm_resume_call(struct teemed_domain *d, struct teemed_regs *r, struct tm_budget *b)
{
	/* Trap entry claimed the slot named in a3 if it was waiting. */
	struct tm_call *c = b->call;

	if (!c) {
		TM_EV(b, TM_EV_RESUME_REFUSED);
		r->a[0] = OPTEE_SMC_RETURN_ERESUME;
		return;
	}
	switch (c->phase) {
	case TM_PH_PREPARE:
		run_prepare(d, c, r, b);
		break;
	case TM_PH_DRAIN:
		tm_call_deliver(d, c, r, b);
		break;
	case TM_PH_RESUME_OPTEE:
		tm_call_resume_optee(d, c, r, b);
		break;
	default:
		tm_rpc_resume(d, c, r, b);
		break;
	}
}
