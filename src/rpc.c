/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * OP-TEE's RPC exits and the guest's answers (ABI 2.2, 2.3, 6).
 *
 * On the way out the mediator prepares what the guest must see (copies an
 * RPC command argument into the guest's buffer, releases what OP-TEE frees);
 * on the way back it takes only the fields OP-TEE reads from the guest's
 * answer, checks them, and resumes OP-TEE's thread with RETURN_FROM_RPC.
 */
#include "internal.h"

#define RPC_ARG_MAX_PARAMS ((TEEMED_PAGE_SIZE - sizeof(struct optee_msg_arg)) / \
			    sizeof(struct optee_msg_param))
#define SHM_REPLY_ATTR (OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG)

static void rpc_arg_free(struct teemed_domain *d, struct tm_rpc_arg *ra)
{
	struct teemed *tm = d->tm;

	if (!ra->failed) {
		tm->port.unpin(tm->port.ctx, d->host_dom, ra->guest_pa, TEEMED_PIN_WRITE);
		tm->port.free_page(tm->port.ctx, d->host_dom, ra->shadow_va, ra->shadow_pa);
	}
	tm->port.free(tm->port.ctx, ra, sizeof(*ra));
}

/* Drop a reference taken by a lookup. */
void tm_rpc_arg_put(struct teemed_domain *d, struct tm_rpc_arg *ra)
{
	uint32_t refs;

	tm_dom_lock(d);
	refs = --ra->refs;
	tm_dom_unlock(d);
	if (!refs)
		rpc_arg_free(d, ra);
}

/*
 * OP-TEE freed the RPC argument it knows as `cookie` (RPC FREE,
 * DISABLE_SHM_CACHE). Returns false if there is none; else the guest's name
 * for it, which the guest frees.
 */
bool tm_rpc_arg_release(struct teemed_domain *d, uint64_t cookie, uint64_t *guest_cookie)
{
	struct tm_rpc_arg *ra;
	uint32_t refs = 1;

	tm_dom_lock(d);
	ra = tm_table_remove(&d->rpc_args, cookie);
	if (ra) {
		refs = --ra->refs;
		*guest_cookie = ra->guest_cookie;
	}
	tm_dom_unlock(d);
	if (ra && !refs)
		rpc_arg_free(d, ra);
	return ra != NULL;
}

void tm_rpc_args_destroy(struct teemed_domain *d)
{
	struct tm_rpc_arg *ra;

	while ((ra = tm_table_pop(&d->rpc_args)) != NULL)
		if (!--ra->refs)
			rpc_arg_free(d, ra);
	tm_table_free(d->tm, &d->rpc_args);
}

/* Show the guest RPC `a0` with a1/a2 and make its resume go to `phase`. */
static void show(struct teemed_domain *d, struct tm_call *c, uint32_t a0, uint64_t a1,
		 uint64_t a2, struct teemed_regs *r, struct tm_budget *b)
{
	c->exit.a0 = a0;
	c->exit.a1 = a1;
	c->exit.a2 = a2;
	c->exit.done = false;
	c->exit.phase = TM_PH_RPC;
	tm_call_deliver(d, c, r, b);
}

/* Keep an RPC from the guest: OP-TEE resumes when the guest next comes back. */
static void hide(struct teemed_domain *d, struct tm_call *c, struct teemed_regs *r,
		 struct tm_budget *b)
{
	c->phase = TM_PH_RESUME_OPTEE;
	tm_call_yield(d, c, r, b);
}

/*
 * The RPC command argument being served: OP-TEE's copy, and the guest's. It
 * is either a buffer from RPC ALLOC (c->rpc) or the in-band one that follows
 * the call's argument (c->rpc_inband: CALL_WITH_RPC_ARG, REGD_ARG).
 */
static struct optee_msg_arg *rpc_shadow(const struct tm_call *c)
{
	if (c->rpc_inband)
		return (struct optee_msg_arg *)((uint8_t *)c->shadow + c->rpc_off);
	return (struct optee_msg_arg *)c->rpc->shadow_va;
}

static struct optee_msg_arg *rpc_guest_map(struct teemed_domain *d, struct tm_call *c,
					   unsigned access, teemed_pa_t *pinned)
{
	uint8_t *arg;

	if (!c->rpc_inband)
		return d->tm->port.map(d->tm->port.ctx, c->rpc->guest_pa);
	arg = tm_arg_map(d, c, access, pinned);
	return arg ? (struct optee_msg_arg *)(arg + c->rpc_off) : NULL;
}

static void rpc_guest_unmap(struct teemed_domain *d, struct tm_call *c,
			    const struct optee_msg_arg *guest, teemed_pa_t pinned,
			    unsigned access)
{
	if (!c->rpc_inband)
		d->tm->port.unmap(d->tm->port.ctx, (void *)(uintptr_t)guest);
	else
		tm_arg_unmap(d, c, (uint8_t *)(uintptr_t)guest - c->rpc_off, pinned, access);
}

/* The guest's name for the RPC argument in a1:a2 (0:0 when in-band). */
static uint64_t rpc_guest_cookie(const struct tm_call *c)
{
	return c->rpc_inband ? 0 : c->rpc->guest_cookie;
}

/*
 * Copy OP-TEE's RPC command argument to the guest's buffer. OP-TEE writes
 * only OP-TEE memory references in it as RMEM (cookies); a TMEM address
 * would be physical and is never shown. SHM_FREE releases its buffer now:
 * OP-TEE stopped using it when it asked.
 */
static bool cmd_out(struct teemed_domain *d, struct tm_call *c)
{
	const struct optee_msg_arg *shadow = rpc_shadow(c);
	struct optee_msg_arg *guest;
	struct tm_buf *buf = NULL;
	teemed_pa_t pinned = teemed_pa(0);
	uint32_t i, n = shadow->num_params;
	uint64_t type;

	/* In-band, the RPC argument has room for OP-TEE's announced count. */
	if (n > (c->rpc_inband ? d->tm->info.rpc_param_count : RPC_ARG_MAX_PARAMS))
		return false;
	guest = rpc_guest_map(d, c, TEEMED_PIN_WRITE, &pinned);
	if (!guest)
		return false;
	c->rpc_cmd = shadow->cmd;
	c->rpc_params = n;
	memcpy(guest, shadow, OPTEE_MSG_GET_ARG_SIZE(n));
	for (i = 0; i < n; i++) {
		type = shadow->params[i].attr & OPTEE_MSG_ATTR_TYPE_MASK;
		if (type >= OPTEE_MSG_ATTR_TYPE_TMEM_INPUT && type <= OPTEE_MSG_ATTR_TYPE_TMEM_INOUT)
			guest->params[i].u.tmem.buf_ptr = 0;
	}
	rpc_guest_unmap(d, c, guest, pinned, TEEMED_PIN_WRITE);

	if (c->rpc_cmd == OPTEE_RPC_CMD_SHM_ALLOC && n >= 1)
		c->rpc_shm_type = shadow->params[0].u.value.a;
	if (c->rpc_cmd == OPTEE_RPC_CMD_SHM_FREE && n >= 1) {
		tm_dom_lock(d);
		buf = tm_table_find(&d->bufs, shadow->params[0].u.value.b);
		if (buf && buf->kind == TM_BUF_RPC_SHM && buf->state == TM_BUF_ACTIVE) {
			tm_table_remove(&d->bufs, buf->cookie);
			buf->in_table = false;
			buf->state = TM_BUF_RELEASING;
			tm_push(&c->drain, buf);
		}
		tm_dom_unlock(d);
	}
	return true;
}

void tm_rpc_exit(struct teemed_domain *d, struct tm_call *c, struct teemed_regs *o,
		 struct teemed_regs *r, struct tm_budget *b)
{
	uint32_t func = (uint32_t)o->a[0] & OPTEE_SMC_RPC_FUNC_MASK;
	struct tm_rpc_arg *ra;
	uint64_t cookie;

	c->rpc_func = func;
	switch (func) {
	case OPTEE_SMC_RPC_FUNC_ALLOC:
		TM_EV(b, TM_EV_RPC_ALLOC);
		show(d, c, OPTEE_SMC_RETURN_RPC_ALLOC, o->a[1], 0, r, b);
		return;
	case OPTEE_SMC_RPC_FUNC_FREE:
		TM_EV(b, TM_EV_RPC_FREE);
		if (!tm_rpc_arg_release(d, tm_reg_pair(o->a[1], o->a[2]), &cookie)) {
			hide(d, c, r, b);
			return;
		}
		show(d, c, OPTEE_SMC_RETURN_RPC_FREE, tm_hi32(cookie), tm_lo32(cookie), r, b);
		return;
	case OPTEE_SMC_RPC_FUNC_FOREIGN_INTR:
		TM_EV(b, TM_EV_RPC_FOREIGN);
		show(d, c, OPTEE_SMC_RETURN_RPC_FOREIGN_INTR, 0, 0, r, b);
		return;
	case OPTEE_SMC_RPC_FUNC_CMD:
		TM_EV(b, TM_EV_RPC_CMD);
		cookie = tm_reg_pair(o->a[1], o->a[2]);
		ra = NULL;
		if (cookie || !c->inband) {
			tm_dom_lock(d);
			ra = tm_table_find(&d->rpc_args, cookie);
			if (ra && ra->failed)
				ra = NULL;
			if (ra)
				ra->refs++;
			tm_dom_unlock(d);
			if (!ra) {
				/* OP-TEE names no buffer we gave it: its preset ret fails it. */
				tm_log(d->tm, TEEMED_LOG_WARN, d->client_id,
				       "RPC CMD on unknown buffer", o->a[1], o->a[2]);
				hide(d, c, r, b);
				return;
			}
		}
		c->rpc = ra;
		c->rpc_inband = !ra;
		if (!cmd_out(d, c)) {
			if (ra)
				tm_rpc_arg_put(d, ra);
			c->rpc = NULL;
			c->rpc_inband = false;
			hide(d, c, r, b);
			return;
		}
		cookie = rpc_guest_cookie(c);
		show(d, c, OPTEE_SMC_RETURN_RPC_CMD, tm_hi32(cookie), tm_lo32(cookie), r, b);
		return;
	default:
		tm_log(d->tm, TEEMED_LOG_WARN, d->client_id, "unknown RPC from OP-TEE", o->a[0], 0);
		hide(d, c, r, b);
		return;
	}
}

/*
 * The guest's buffer for an RPC argument (ABI 2.3): OP-TEE gets a mediator
 * page and a cookie of ours. An unusable answer still gets a cookie (with no
 * page, a1:a2 = 0), so that OP-TEE's FREE of it reaches the guest under the
 * guest's own cookie.
 */
static void alloc_reply(struct teemed_domain *d, struct tm_call *c, struct teemed_regs *r,
			struct teemed_regs *o)
{
	struct teemed *tm = d->tm;
	teemed_ipa_t ipa = teemed_ipa(tm_reg_pair(r->a[1], r->a[2]));
	struct tm_rpc_arg *ra = tm->port.alloc(tm->port.ctx, sizeof(*ra));
	int rc = TEEMED_ENOMEM;

	o->a[1] = o->a[2] = o->a[4] = o->a[5] = 0;
	if (!ra)
		return;
	memset(ra, 0, sizeof(*ra));
	ra->guest_cookie = tm_reg_pair(r->a[4], r->a[5]);
	ra->refs = 1;
	ra->failed = true;
	if (c->exit.a1 <= TM_RPC_ARG_MAX_SIZE && teemed_ipa_val(ipa) &&
	    teemed_ipa_page_aligned(ipa) &&
	    !tm->port.pin(tm->port.ctx, d->host_dom, ipa, TEEMED_PIN_WRITE, &ra->guest_pa)) {
		ra->shadow_va = tm->port.alloc_page(tm->port.ctx, d->host_dom, &ra->shadow_pa);
		if (ra->shadow_va)
			ra->failed = false;
		else
			tm->port.unpin(tm->port.ctx, d->host_dom, ra->guest_pa, TEEMED_PIN_WRITE);
	}
	tm_dom_lock(d);
	if (d->rpc_args.count < tm->cfg.max_domain_rpc_args) {
		ra->cookie = ++d->rpc_cookies;
		rc = tm_table_insert(tm, &d->rpc_args, ra);
	}
	tm_dom_unlock(d);
	if (rc != TEEMED_OK) {
		/* Over the limit: OP-TEE's FREE of cookie 0 will find nothing. */
		rpc_arg_free(d, ra);
		return;
	}
	o->a[4] = tm_hi32(ra->cookie);
	o->a[5] = tm_lo32(ra->cookie);
	if (!ra->failed) {
		o->a[1] = tm_hi32(teemed_pa_val(ra->shadow_pa));
		o->a[2] = tm_lo32(teemed_pa_val(ra->shadow_pa));
	}
}

/* Resume OP-TEE after the RPC command: its argument is settled. */
static void cmd_done(struct teemed_domain *d, struct tm_call *c, struct teemed_regs *r,
		     struct tm_budget *b)
{
	if (c->rpc)
		tm_rpc_arg_put(d, c->rpc);
	c->rpc = NULL;
	c->rpc_inband = false;
	tm_call_resume_optee(d, c, r, b);
}

/*
 * Refuse the guest's SHM_ALLOC answer: ask the guest, in the same RPC
 * buffer, to free what it allocated; OP-TEE learns of the failure after.
 */
static void shm_undo(struct teemed_domain *d, struct tm_call *c, uint64_t cookie,
		     struct teemed_regs *r, struct tm_budget *b)
{
	teemed_pa_t pinned = teemed_pa(0);
	struct optee_msg_arg *guest = rpc_guest_map(d, c, TEEMED_PIN_WRITE, &pinned);
	uint64_t arg_cookie = rpc_guest_cookie(c);

	if (!guest) {
		rpc_shadow(c)->ret = TEEC_ERROR_GENERIC;
		cmd_done(d, c, r, b);
		return;
	}
	memset(guest, 0, OPTEE_MSG_GET_ARG_SIZE(1));
	guest->cmd = OPTEE_RPC_CMD_SHM_FREE;
	guest->ret = TEEC_ERROR_GENERIC;
	guest->num_params = 1;
	guest->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	guest->params[0].u.value.a = c->rpc_shm_type;
	guest->params[0].u.value.b = cookie;
	rpc_guest_unmap(d, c, guest, pinned, TEEMED_PIN_WRITE);
	c->exit.a0 = OPTEE_SMC_RETURN_RPC_CMD;
	c->exit.a1 = tm_hi32(arg_cookie);
	c->exit.a2 = tm_lo32(arg_cookie);
	c->exit.done = false;
	c->exit.phase = TM_PH_SHM_UNDO;
	tm_call_deliver(d, c, r, b);
}

/* Carry on translating an accepted SHM_ALLOC answer. */
static void shm_reply_continue(struct teemed_domain *d, struct tm_call *c,
			       struct teemed_regs *r, struct tm_budget *b)
{
	struct optee_msg_arg *shadow = rpc_shadow(c);
	struct tm_buf *buf = c->shm;
	enum tm_step step = tm_buf_translate(d, buf, b);

	if (step == TM_STEP_PREEMPT) {
		c->phase = TM_PH_SHM_REPLY;
		tm_call_yield(d, c, r, b);
		return;
	}
	c->shm = NULL;
	if (step == TM_STEP_FAIL) {
		tm_dom_lock(d);
		tm_table_remove(&d->bufs, buf->cookie);
		buf->in_table = false;
		tm_dom_unlock(d);
		tm_push(&c->drain, buf);
		shm_undo(d, c, buf->cookie, r, b);
		return;
	}
	tm_dom_lock(d);
	buf->state = TM_BUF_ACTIVE;
	tm_dom_unlock(d);
	shadow->ret = TEEC_SUCCESS;
	shadow->ret_origin = 0;
	shadow->params[0].attr = SHM_REPLY_ATTR;
	shadow->params[0].u.tmem.buf_ptr = tm_buf_shadow_ptr(buf);
	shadow->params[0].u.tmem.size = buf->size;
	shadow->params[0].u.tmem.shm_ref = buf->cookie;
	cmd_done(d, c, r, b);
}

/* The guest answered SHM_ALLOC (ABI 6): a page list to translate and keep. */
static void shm_alloc_reply(struct teemed_domain *d, struct tm_call *c,
			    const struct optee_msg_param *p0, uint32_t ret,
			    struct teemed_regs *r, struct tm_budget *b)
{
	uint64_t attr = p0->attr;
	uint64_t buf_ptr = p0->u.tmem.buf_ptr;
	uint64_t size = p0->u.tmem.size;
	uint64_t cookie = p0->u.tmem.shm_ref;
	struct tm_buf *buf;
	int rc = TEEMED_EEXIST;

	if (ret != TEEC_SUCCESS) {
		rpc_shadow(c)->ret = ret;
		cmd_done(d, c, r, b);
		return;
	}
	/*
	 * A page list (0x20A), or one range of guest RAM (TMEM_OUTPUT, as Linux
	 * answers for its kernel-private buffers, ABI 6): either way OP-TEE
	 * gets a mediator page list (0x20A), which it accepts for both.
	 */
	if (c->rpc_params != 1 ||
	    (attr != SHM_REPLY_ATTR && attr != OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT) || !buf_ptr ||
	    tm_buf_create(d, TM_BUF_RPC_SHM, cookie, buf_ptr, size, TEEMED_PIN_WRITE, &buf)) {
		TM_EV(b, TM_EV_BAD_PARAM);
		shm_undo(d, c, cookie, r, b);
		return;
	}
	buf->contig = attr == OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
	tm_dom_lock(d);
	if (!tm_table_find(&d->bufs, cookie))
		rc = tm_table_insert(d->tm, &d->bufs, buf);
	buf->in_table = rc == TEEMED_OK;
	tm_dom_unlock(d);
	if (rc != TEEMED_OK) {
		tm_buf_free(d, buf);
		shm_undo(d, c, cookie, r, b);
		return;
	}
	c->shm = buf;
	shm_reply_continue(d, c, r, b);
}

/*
 * The guest answered an RPC command: take back only what OP-TEE reads
 * (ABI 2.3): ret, ret_origin, value outputs and memref sizes.
 */
static void cmd_reply(struct teemed_domain *d, struct tm_call *c, struct teemed_regs *r,
		      struct tm_budget *b)
{
	struct optee_msg_arg *shadow = rpc_shadow(c);
	teemed_pa_t pinned = teemed_pa(0);
	const struct optee_msg_arg *guest = rpc_guest_map(d, c, TEEMED_PIN_READ, &pinned);
	struct optee_msg_param p0;
	uint64_t type;
	uint32_t i, ret;

	if (!guest) {
		shadow->ret = TEEC_ERROR_GENERIC;
		cmd_done(d, c, r, b);
		return;
	}
	ret = guest->ret;
	if (c->rpc_cmd == OPTEE_RPC_CMD_SHM_ALLOC) {
		p0 = guest->params[0];
		rpc_guest_unmap(d, c, guest, pinned, TEEMED_PIN_READ);
		shm_alloc_reply(d, c, &p0, ret, r, b);
		return;
	}
	shadow->ret = ret;
	shadow->ret_origin = guest->ret_origin;
	for (i = 0; i < c->rpc_params; i++) {
		type = shadow->params[i].attr & OPTEE_MSG_ATTR_TYPE_MASK;
		switch (type) {
		case OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT:
		case OPTEE_MSG_ATTR_TYPE_VALUE_INOUT:
			shadow->params[i].u.value.a = guest->params[i].u.value.a;
			shadow->params[i].u.value.b = guest->params[i].u.value.b;
			shadow->params[i].u.value.c = guest->params[i].u.value.c;
			break;
		case OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT:
		case OPTEE_MSG_ATTR_TYPE_TMEM_INOUT:
		case OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT:
		case OPTEE_MSG_ATTR_TYPE_RMEM_INOUT:
			/* tmem.size and rmem.size share an offset (ABI 4.2). */
			shadow->params[i].u.rmem.size = guest->params[i].u.rmem.size;
			break;
		default:
			break;
		}
	}
	rpc_guest_unmap(d, c, guest, pinned, TEEMED_PIN_READ);
	cmd_done(d, c, r, b);
}

void tm_rpc_resume(struct teemed_domain *d, struct tm_call *c, struct teemed_regs *r,
		   struct tm_budget *b)
{
	struct teemed_regs o;

	if (c->phase == TM_PH_SHM_REPLY) {
		shm_reply_continue(d, c, r, b);
		return;
	}
	if (c->phase == TM_PH_SHM_UNDO) {
		rpc_shadow(c)->ret = TEEC_ERROR_GENERIC;
		rpc_shadow(c)->ret_origin = TEEC_ORIGIN_COMMS;
		cmd_done(d, c, r, b);
		return;
	}
	switch (c->rpc_func) {
	case OPTEE_SMC_RPC_FUNC_ALLOC:
		memset(&o, 0, sizeof(o));
		o.a[0] = OPTEE_SMC_CALL_RETURN_FROM_RPC;
		o.a[3] = c->optee_tid;
		alloc_reply(d, c, r, &o);
		tm_call_enter(d, c, &o, r, b);
		return;
	case OPTEE_SMC_RPC_FUNC_CMD:
		cmd_reply(d, c, r, b);
		return;
	default:
		/* FREE, FOREIGN_INTR: OP-TEE reads no result (ABI 2.3). */
		tm_call_resume_optee(d, c, r, b);
		return;
	}
}
