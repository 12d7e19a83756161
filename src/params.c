/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A standard call's command and parameters: validated on the mediator's copy
 * as OP-TEE's entry_std would (ABI 4.4), memory parameters translated, and
 * the results applied once OP-TEE has answered.
 */
#include "internal.h"

#define ATTR_TYPE(a) ((a) & OPTEE_MSG_ATTR_TYPE_MASK)
/* Attribute bits a TA parameter may carry besides its type (ABI 4.3). */
#define ATTR_CACHE_BITS (OPTEE_MSG_ATTR_CACHE_MASK << OPTEE_MSG_ATTR_CACHE_SHIFT)
#define OPEN_META_ATTR  (OPTEE_MSG_ATTR_META | OPTEE_MSG_ATTR_TYPE_VALUE_INPUT)
#define REGISTER_ATTR   (OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG)

void tm_push(struct tm_buf **list, struct tm_buf *buf)
{
	buf->next = *list;
	*list = buf;
}

/* Finish the call in the mediator with `ret` in the argument (a0 = OK). */
static enum tm_step refuse(struct tm_call *c, uint32_t ret, int origin)
{
	c->shadow->ret = ret;
	if (origin)
		c->shadow->ret_origin = (uint32_t)origin;
	if (c->cmd == OPTEE_MSG_CMD_OPEN_SESSION)
		c->shadow->session = 0;
	c->local = true;
	c->local_a0 = OPTEE_SMC_RETURN_OK;
	return TM_STEP_FAIL;
}

static bool is_tmem(uint64_t type)
{
	return type >= OPTEE_MSG_ATTR_TYPE_TMEM_INPUT && type <= OPTEE_MSG_ATTR_TYPE_TMEM_INOUT;
}

static bool is_rmem(uint64_t type)
{
	return type >= OPTEE_MSG_ATTR_TYPE_RMEM_INPUT && type <= OPTEE_MSG_ATTR_TYPE_RMEM_INOUT;
}

static bool is_value(uint64_t type)
{
	return type >= OPTEE_MSG_ATTR_TYPE_VALUE_INPUT && type <= OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
}

/*
 * RMEM must name memory this domain registered; offs + size must lie in the
 * registered object, which OP-TEE sizes to the end of its last page.
 */
static enum tm_step check_rmem(struct teemed_domain *d, struct tm_call *c,
			       const struct optee_msg_param_rmem *p)
{
	struct tm_buf *buf;
	uint64_t limit = 0, end;
	bool known;

	tm_dom_lock(d);
	buf = tm_table_find(&d->bufs, p->shm_ref);
	known = buf && buf->kind == TM_BUF_REGISTERED && buf->state == TM_BUF_ACTIVE;
	if (known)
		limit = (uint64_t)buf->npages * TEEMED_PAGE_SIZE - buf->offset;
	tm_dom_unlock(d);
	if (!known) {
		return refuse(c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	}
	if (__builtin_add_overflow(p->offs, p->size, &end) || end > limit) {
		return refuse(c, TEEC_ERROR_SECURITY, TEEC_ORIGIN_TEE);
	}
	return TM_STEP_DONE;
}

/* Check one TA parameter; queue a temporary memref for translation. */
static enum tm_step check_param(struct teemed_domain *d, struct tm_call *c, uint32_t i)
{
	struct optee_msg_param *p = &c->shadow->params[i];
	uint64_t attr = p->attr;
	uint64_t type = ATTR_TYPE(attr);
	uint64_t flags = attr & ~OPTEE_MSG_ATTR_TYPE_MASK & ~ATTR_CACHE_BITS;
	struct tm_buf *buf;
	uint32_t err;

	/* Outputs: memref sizes and value a/b/c are copied back (ABI 4.4). */
	if (type == OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT || type == OPTEE_MSG_ATTR_TYPE_TMEM_INOUT ||
	    type == OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT || type == OPTEE_MSG_ATTR_TYPE_RMEM_INOUT)
		c->out_sizes |= 1u << i;
	else if (type == OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT || type == OPTEE_MSG_ATTR_TYPE_VALUE_INOUT)
		c->out_values |= 1u << i;
	/* META is for OPEN_SESSION's first two; NONCONTIG only for TMEM. */
	if (flags & ~OPTEE_MSG_ATTR_NONCONTIG)
		goto bad;
	if (is_tmem(type)) {
		/* A null memref passes; a contiguous one would be a PA. */
		if (!p->u.tmem.buf_ptr)
			return TM_STEP_DONE;
		if (!flags)
			goto bad;
		/*
		 * Pinned for write whatever the direction: OP-TEE maps every
		 * memref parameter read-write for the TA.
		 */
		err = tm_buf_create(d, TM_BUF_TEMP, p->u.tmem.shm_ref, p->u.tmem.buf_ptr,
				    p->u.tmem.size, TEEMED_PIN_WRITE, &buf);
		if (err) {
			return refuse(c, err, TEEC_ORIGIN_COMMS);
		}
		c->buf_param[c->nbufs] = (uint8_t)i;
		c->bufs[c->nbufs++] = buf;
		return TM_STEP_DONE;
	}
	if (flags)
		goto bad;
	if (type == OPTEE_MSG_ATTR_TYPE_NONE || is_value(type))
		return TM_STEP_DONE;
	if (is_rmem(type))
		return check_rmem(d, c, &p->u.rmem);
bad:
	return refuse(c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
}

static enum tm_step check_ta_params(struct teemed_domain *d, struct tm_call *c, uint32_t first)
{
	enum tm_step step;
	uint64_t attr;
	uint32_t i;

	/* OP-TEE takes at most four TA parameters (TEE_NUM_PARAMS, ABI 8.5). */
	if (c->num_params - first > TM_TA_PARAMS)
		goto bad;
	c->out_values = 0;
	c->out_sizes = 0;
	for (i = 0; i < c->num_params; i++) {
		attr = c->shadow->params[i].attr;
		if (i < first) {
			if (attr != OPEN_META_ATTR)
				goto bad;
			continue;
		}
		/* Values and NONE, the common case, need no more than this. */
		if (attr <= OPTEE_MSG_ATTR_TYPE_VALUE_INOUT) {
			if (attr >= OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT)
				c->out_values |= 1u << i;
			continue;
		}
		step = check_param(d, c, i);
		if (step != TM_STEP_DONE)
			return step;
	}
	return TM_STEP_DONE;
bad:
	return refuse(c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
}

static enum tm_step check_register(struct teemed_domain *d, struct tm_call *c)
{
	struct optee_msg_param_tmem *t = &c->shadow->params[0].u.tmem;
	struct tm_buf *buf;
	uint32_t err;
	int rc;

	/* Exactly TMEM_OUTPUT | NONCONTIG (ABI 4.4, 10); OP-TEE sets no origin. */
	if (c->num_params != 1 || c->shadow->params[0].attr != REGISTER_ATTR) {
		return refuse(c, TEEC_ERROR_BAD_PARAMETERS, 0);
	}
	err = tm_buf_create(d, TM_BUF_REGISTERED, t->shm_ref, t->buf_ptr, t->size,
			    TEEMED_PIN_WRITE, &buf);
	if (err) {
		return refuse(c, err, TEEC_ORIGIN_COMMS);
	}
	tm_dom_lock(d);
	rc = TEEMED_EEXIST;
	if (!tm_table_find(&d->bufs, t->shm_ref))
		rc = tm_table_insert(d->tm, &d->bufs, buf);
	buf->in_table = rc == TEEMED_OK;
	tm_dom_unlock(d);
	if (rc != TEEMED_OK) {
		tm_buf_free(d, buf);
		/* A cookie the domain already uses would make two buffers one. */
		return refuse(c, rc == TEEMED_EEXIST ? TEEC_ERROR_BAD_PARAMETERS
						     : TEEC_ERROR_OUT_OF_MEMORY,
			      TEEC_ORIGIN_COMMS);
	}
	c->shm = buf;
	return TM_STEP_DONE;
}

static enum tm_step check_unregister(struct teemed_domain *d, struct tm_call *c)
{
	struct tm_buf *buf;
	bool busy = false;

	if (c->num_params != 1)
		return refuse(c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);

	tm_dom_lock(d);
	buf = tm_table_find(&d->bufs, c->shadow->params[0].u.rmem.shm_ref);
	if (buf && buf->kind == TM_BUF_REGISTERED && buf->state == TM_BUF_ACTIVE) {
		busy = buf->users != 0;
		if (!busy)
			buf->state = TM_BUF_RELEASING;
	} else {
		buf = NULL;
	}
	tm_dom_unlock(d);
	/*
	 * A call's argument lives in it (REGD_ARG): OP-TEE would wait for
	 * that call; the mediator, which must keep the pages, says busy.
	 */
	if (busy)
		return refuse(c, TEEC_ERROR_BUSY, TEEC_ORIGIN_TEE);
	/*
	 * Unknown, still registering or already unregistering: OP-TEE answers
	 * BAD_PARAMETERS without an origin for each of these.
	 */
	if (!buf) {
		return refuse(c, TEEC_ERROR_BAD_PARAMETERS, 0);
	}
	c->shm = buf;
	return TM_STEP_DONE;
}

/* First pass over the copied argument: nothing is pinned yet. */
static enum tm_step validate(struct teemed_domain *d, struct tm_call *c)
{
	switch (c->cmd) {
	case OPTEE_MSG_CMD_OPEN_SESSION:
		if (c->num_params < TM_OPEN_META_PARAMS)
			return refuse(c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
		return check_ta_params(d, c, TM_OPEN_META_PARAMS);
	case OPTEE_MSG_CMD_INVOKE_COMMAND:
		return check_ta_params(d, c, 0);
	case OPTEE_MSG_CMD_CLOSE_SESSION:
	case OPTEE_MSG_CMD_CANCEL:
		if (c->num_params)
			return refuse(c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
		return TM_STEP_DONE;
	case OPTEE_MSG_CMD_DO_BOTTOM_HALF:
	case OPTEE_MSG_CMD_STOP_ASYNC_NOTIF:
		/* Offered with async notification; they carry no parameters. */
		if (!tm_offers(d->tm, OPTEE_SMC_SEC_CAP_ASYNC_NOTIF))
			break;
		if (c->num_params)
			return refuse(c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
		return TM_STEP_DONE;
	case OPTEE_MSG_CMD_REGISTER_SHM:
		return check_register(d, c);
	case OPTEE_MSG_CMD_UNREGISTER_SHM:
		return check_unregister(d, c);
	default:
		break;
	}
	/*
	 * Unknown, async-notification (when not offered) and protected-memory
	 * commands: OP-TEE answers EBADCMD and leaves ret alone.
	 */
	c->local = true;
	c->local_a0 = OPTEE_SMC_RETURN_EBADCMD;
	return TM_STEP_FAIL;
}

/*
 * Validate (first time) and translate the call's memory, as far as the
 * budget goes. FAIL means the call is complete locally (c->local_a0).
 */
enum tm_step tm_params_prepare(struct teemed_domain *d, struct tm_call *c,
			       struct tm_budget *b)
{
	struct tm_buf *buf;
	enum tm_step step;

	if (!c->validated) {
		c->validated = true;
		step = validate(d, c);
		if (step != TM_STEP_DONE) {
			TM_EV(b, c->local_a0 == OPTEE_SMC_RETURN_OK &&
					 c->shadow->ret == TEEC_ERROR_OUT_OF_MEMORY
				 ? TM_EV_OOM : TM_EV_BAD_PARAM);
			return step;
		}
	}
	for (; c->xlat < c->nbufs; c->xlat++) {
		buf = c->bufs[c->xlat];
		step = tm_buf_translate(d, buf, b);
		if (step == TM_STEP_PREEMPT)
			return step;
		if (step == TM_STEP_FAIL) {
			TM_EV(b, TM_EV_BAD_PARAM);
			return refuse(c, buf->error, TEEC_ORIGIN_COMMS);
		}
		buf->state = TM_BUF_ACTIVE;
		c->shadow->params[c->buf_param[c->xlat]].u.tmem.buf_ptr = tm_buf_shadow_ptr(buf);
	}
	if (c->cmd == OPTEE_MSG_CMD_REGISTER_SHM) {
		step = tm_buf_translate(d, c->shm, b);
		if (step == TM_STEP_PREEMPT)
			return step;
		if (step == TM_STEP_FAIL) {
			TM_EV(b, TM_EV_BAD_PARAM);
			return refuse(c, c->shm->error, TEEC_ORIGIN_COMMS);
		}
		c->shadow->params[0].u.tmem.buf_ptr = tm_buf_shadow_ptr(c->shm);
	}
	return TM_STEP_DONE;
}

/*
 * Write back what OP-TEE may change for the guest (ABI 4.4): value outputs
 * and memref sizes, of the parameters validated as such on the way in.
 */
void tm_params_copy_back(const struct tm_call *c, struct optee_msg_arg *guest)
{
	const struct optee_msg_param *s = c->shadow->params;
	struct optee_msg_param *g = guest->params;
	uint32_t mask, i;

	/* Only a TA call that reached OP-TEE has outputs. */
	if (c->local ||
	    (c->cmd != OPTEE_MSG_CMD_OPEN_SESSION && c->cmd != OPTEE_MSG_CMD_INVOKE_COMMAND))
		return;
	for (mask = c->out_values; mask; mask &= mask - 1) {
		i = (uint32_t)__builtin_ctz(mask);
		g[i].u.value = s[i].u.value;
	}
	/* tmem.size and rmem.size share an offset (ABI 4.2). */
	for (mask = c->out_sizes; mask; mask &= mask - 1) {
		i = (uint32_t)__builtin_ctz(mask);
		g[i].u.rmem.size = s[i].u.rmem.size;
	}
}

/*
 * OP-TEE (or the mediator) has answered `a0`: queue the temporary memrefs
 * for release and settle a registration or unregistration.
 */
void tm_params_complete(struct teemed_domain *d, struct tm_call *c, uint32_t a0,
			struct tm_budget *b)
{
	struct tm_buf *buf = c->shm;
	bool ok = !c->local && a0 == OPTEE_SMC_RETURN_OK && c->shadow->ret == TEEC_SUCCESS;

	while (c->nbufs)
		tm_push(&c->drain, c->bufs[--c->nbufs]);
	c->xlat = 0;
	c->validated = false;
	c->shm = NULL;
	if (!buf)
		return;
	tm_dom_lock(d);
	if (c->cmd == OPTEE_MSG_CMD_REGISTER_SHM && ok) {
		buf->state = TM_BUF_ACTIVE;
		TM_EV(b, TM_EV_REGISTERED);
	} else if (c->cmd == OPTEE_MSG_CMD_UNREGISTER_SHM && !ok) {
		buf->state = TM_BUF_ACTIVE;
	} else {
		/* A refused registration, or a confirmed unregistration. */
		if (buf->in_table)
			tm_table_remove(&d->bufs, buf->cookie);
		buf->in_table = false;
		buf->state = TM_BUF_RELEASING;
		tm_push(&c->drain, buf);
	}
	tm_dom_unlock(d);
}
