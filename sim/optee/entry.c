// SPDX-License-Identifier: BSD-2-Clause
/*
 * OPTEE_MSG_CMD_* served on a thread, as OP-TEE's core/tee/entry_std.c
 * does them, and the sessions of a partition.
 *
 * Each command is a state machine over thread->cmd.state so that a TA may
 * leave with RPCs and continue. Results go to thread->hdr and are written
 * back by msg_copy_out() when the command ends.
 *
 * Where OP-TEE would block a thread (a session another thread is using;
 * see also shm_unregister()), the model answers TEEC_ERROR_BUSY with
 * origin TEE instead of waiting: it has no wait queues.
 */
#include "model_priv.h"

static const uint64_t META_ATTR = OPTEE_MSG_ATTR_META | OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;

static struct ta_session *session_find(struct model_part *part, uint32_t id)
{
	uint32_t n = 0;

	for (n = 0; n < MODEL_MAX_SESSIONS; n++)
		if (part->sessions[n].used && part->sessions[n].id == id)
			return &part->sessions[n];
	return NULL;
}

static struct ta_session *session_new(struct model_part *part, const struct ta_ops *ta)
{
	struct ta_session *s = NULL;
	uint32_t n = 0;

	for (n = 0; n < MODEL_MAX_SESSIONS && !s; n++)
		if (!part->sessions[n].used)
			s = &part->sessions[n];
	if (!s)
		return NULL;
	/* IDs are never 0 and never those of a live session. */
	do {
		s->id = part->next_session++;
	} while (!s->id || session_find(part, s->id));
	s->used = true;
	s->ta = ta;
	return s;
}

static void session_free(struct optee_model *m, struct ta_session *s)
{
	rpc_shm_delete(m, s->kept);
	memset(s, 0, sizeof(*s));
}

void session_release_all(struct optee_model *m, struct model_part *part)
{
	uint32_t n = 0;

	for (n = 0; n < MODEL_MAX_SESSIONS; n++)
		if (part->sessions[n].used)
			session_free(m, &part->sessions[n]);
}

static enum step cmd_result(struct model_thread *t, uint32_t ret, uint32_t origin)
{
	t->hdr.ret = ret;
	t->hdr.ret_origin = origin;
	t->cmd.write_ret = true;
	t->cmd.write_origin = true;
	return STEP_DONE;
}

static void call_setup(struct optee_model *m, struct model_part *part, struct model_thread *t,
		       struct ta_session *s)
{
	struct ta_call *c = &t->cmd.call;

	c->m = m;
	c->part = part;
	c->t = t;
	c->s = s;
	c->cmd = t->hdr.func;
	c->ret = TEEC_SUCCESS;
	c->origin = TEEC_ORIGIN_TRUSTED_APP;
	c->state = 0;
	s->busy = t;
}

/* UUID octets as laid in value.a/b of the meta param (ABI 11). */
static void meta_octets(const struct optee_msg_param *p, uint8_t out[16])
{
	uint32_t i = 0;

	for (i = 0; i < 8; i++) {
		out[i] = (uint8_t)(p->u.value.a >> (8 * i));
		out[8 + i] = (uint8_t)(p->u.value.b >> (8 * i));
	}
}

static bool login_ok(uint32_t login)
{
	switch (login) {
	case TEEC_LOGIN_PUBLIC:
	case TEEC_LOGIN_REE_KERNEL:
	case TEEC_LOGIN_USER:
	case TEEC_LOGIN_GROUP:
	case TEEC_LOGIN_APPLICATION:
	case TEEC_LOGIN_APPLICATION_USER:
	case TEEC_LOGIN_APPLICATION_GROUP:
		return true;
	default:
		return false;
	}
}

/* entry_open_session() */
static enum step open_session(struct optee_model *m, struct model_part *part,
			      struct model_thread *t)
{
	struct cmd_ctx *c = &t->cmd;
	struct ta_session *s = c->call.s;
	uint8_t uuid[16];
	const struct ta_ops *ta = NULL;
	uint32_t res = 0;

	if (c->state == 1)
		goto run;
	t->hdr.session = 0;
	c->write_session = true;
	if (t->hdr.num_params < MODEL_META_PARAMS || t->params[0].attr != META_ATTR ||
	    t->params[1].attr != META_ATTR || !login_ok((uint32_t)t->params[1].u.value.c))
		return cmd_result(t, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	c->first_ta_param = MODEL_META_PARAMS;
	c->num_ta_params = t->hdr.num_params - MODEL_META_PARAMS;
	res = msg_copy_in(m, part, t);
	if (res)
		return cmd_result(t, res, TEEC_ORIGIN_TEE);
	c->copy_out = true;
	meta_octets(&t->params[0], uuid);
	/* Only built-in TAs: no LOAD_TA RPC to the supplicant. */
	ta = ta_find(uuid);
	if (!ta)
		return cmd_result(t, TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ORIGIN_TEE);
	s = session_new(part, ta);
	if (!s)
		return cmd_result(t, TEEC_ERROR_OUT_OF_MEMORY, TEEC_ORIGIN_TEE);
	call_setup(m, part, t, s);
	c->state = 1;
run:
	if (s->ta->open && s->ta->open(&c->call) == STEP_RPC)
		return STEP_RPC;
	s->busy = NULL;
	if (c->call.ret != TEEC_SUCCESS) {
		session_free(m, s);
		return cmd_result(t, c->call.ret, c->call.origin);
	}
	t->hdr.session = s->id;
	return cmd_result(t, TEEC_SUCCESS, TEEC_ORIGIN_TEE);
}

/* entry_invoke_command() */
static enum step invoke_command(struct optee_model *m, struct model_part *part,
				struct model_thread *t)
{
	struct cmd_ctx *c = &t->cmd;
	struct ta_session *s = c->call.s;
	uint32_t res = 0;

	if (c->state == 1)
		goto run;
	c->num_ta_params = t->hdr.num_params;
	res = msg_copy_in(m, part, t);
	if (res)
		return cmd_result(t, res, TEEC_ORIGIN_TEE);
	s = session_find(part, t->hdr.session);
	if (!s)
		return cmd_result(t, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	if (s->busy)
		return cmd_result(t, TEEC_ERROR_BUSY, TEEC_ORIGIN_TEE);
	c->copy_out = true;
	if (s->dead)
		return cmd_result(t, TEEC_ERROR_TARGET_DEAD, TEEC_ORIGIN_TEE);
	call_setup(m, part, t, s);
	c->state = 1;
run:
	if (s->ta->invoke(&c->call) == STEP_RPC)
		return STEP_RPC;
	s->busy = NULL;
	s->cancelled = false;
	if (s->dead)
		return cmd_result(t, TEEC_ERROR_TARGET_DEAD, TEEC_ORIGIN_TEE);
	return cmd_result(t, c->call.ret, c->call.origin);
}

/* entry_close_session() */
static enum step close_session(struct optee_model *m, struct model_part *part,
			       struct model_thread *t)
{
	struct cmd_ctx *c = &t->cmd;
	struct ta_session *s = c->call.s;

	if (c->state == 1)
		goto run;
	if (t->hdr.num_params)
		return cmd_result(t, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	s = session_find(part, t->hdr.session);
	if (!s)
		return cmd_result(t, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	if (s->busy)
		return cmd_result(t, TEEC_ERROR_BUSY, TEEC_ORIGIN_TEE);
	call_setup(m, part, t, s);
	c->state = 1;
run:
	/* A panicked TA runs no more code. */
	if (!s->dead && s->ta->close && s->ta->close(&c->call) == STEP_RPC)
		return STEP_RPC;
	session_free(m, s);
	c->call.s = NULL;
	return cmd_result(t, TEEC_SUCCESS, TEEC_ORIGIN_TEE);
}

/* entry_cancel(): marks the session; the built-in TAs never block. */
static enum step cancel(struct model_part *part, struct model_thread *t)
{
	struct ta_session *s = NULL;

	if (t->hdr.num_params)
		return cmd_result(t, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	s = session_find(part, t->hdr.session);
	if (!s)
		return cmd_result(t, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	s->cancelled = s->busy != NULL;
	return cmd_result(t, TEEC_SUCCESS, TEEC_ORIGIN_TEE);
}

/* register_shm(): only ret is written. */
static enum step register_shm(struct optee_model *m, struct model_part *part,
			      struct model_thread *t)
{
	t->hdr.ret = TEEC_ERROR_BAD_PARAMETERS;
	if (t->hdr.num_params == 1)
		t->hdr.ret = shm_register(m, part, &t->params[0]);
	t->cmd.write_ret = true;
	return STEP_DONE;
}

/* unregister_shm(): ret; ret_origin too when num_params is wrong. */
static enum step unregister_shm(struct optee_model *m, struct model_part *part,
				struct model_thread *t)
{
	if (t->hdr.num_params != 1)
		return cmd_result(t, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	t->hdr.ret = shm_unregister(m, part, t->params[0].u.rmem.shm_ref);
	t->cmd.write_ret = true;
	return STEP_DONE;
}

/*
 * __tee_entry_std(): sets t->rv to OK, or EBADCMD for a command OP-TEE
 * does not know or was built without (arg.ret then untouched).
 */
enum step entry_std(struct optee_model *m, struct model_part *part, struct model_thread *t)
{
	bool dyn = model_has_cap(m, OPTEE_SMC_SEC_CAP_DYNAMIC_SHM);
	bool async = model_has_cap(m, OPTEE_SMC_SEC_CAP_ASYNC_NOTIF);

	t->rv = OPTEE_SMC_RETURN_OK;
	switch (t->hdr.cmd) {
	case OPTEE_MSG_CMD_OPEN_SESSION:
		return open_session(m, part, t);
	case OPTEE_MSG_CMD_INVOKE_COMMAND:
		return invoke_command(m, part, t);
	case OPTEE_MSG_CMD_CLOSE_SESSION:
		return close_session(m, part, t);
	case OPTEE_MSG_CMD_CANCEL:
		return cancel(part, t);
	case OPTEE_MSG_CMD_REGISTER_SHM:
		if (dyn)
			return register_shm(m, part, t);
		break;
	case OPTEE_MSG_CMD_UNREGISTER_SHM:
		if (dyn)
			return unregister_shm(m, part, t);
		break;
	case OPTEE_MSG_CMD_DO_BOTTOM_HALF:
		if (async) {
			part->bottom_halves++;
			return STEP_DONE;
		}
		break;
	case OPTEE_MSG_CMD_STOP_ASYNC_NOTIF:
		if (async) {
			part->notif_started = false;
			return STEP_DONE;
		}
		break;
	default:
		break;
	}
	t->rv = OPTEE_SMC_RETURN_EBADCMD;
	return STEP_DONE;
}
