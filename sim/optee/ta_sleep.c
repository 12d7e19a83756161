// SPDX-License-Identifier: BSD-2-Clause
/*
 * Time, sleeping and notifications: each command is one or more RPCs to
 * the normal-world kernel (GET_TIME, SUSPEND, NOTIFICATION), written as a
 * state machine: state 0 sends, state 1 takes the answer.
 */
#include "model_priv.h"

static enum step one_value_rpc(struct ta_call *c, uint32_t cmd, uint64_t attr, uint64_t a,
			       uint64_t b, uint64_t cc)
{
	struct rpc_param p = { .attr = attr, .a = a, .b = b, .c = cc };

	c->state = 1;
	return rpc_cmd(c->t, cmd, 1, &p);
}

static enum step sleep_invoke(struct ta_call *c)
{
	const struct rpc_engine *e = &c->t->rpc;
	const uint32_t in1 = TA_PT(TA_PT_VALUE_IN, TA_PT_NONE, TA_PT_NONE, TA_PT_NONE);

	if (c->state == 1 && c->cmd != TA_SLEEP_CMD_RPC_LOOP) {
		if (e->ret == TEEC_SUCCESS && c->cmd == TA_SLEEP_CMD_GET_TIME) {
			c->p[0].a = e->p[0].a;
			c->p[0].b = e->p[0].b;
		}
		return ta_done(c, e->ret);
	}
	switch (c->cmd) {
	case TA_SLEEP_CMD_SUSPEND:
		if (c->types != in1)
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		return one_value_rpc(c, OPTEE_RPC_CMD_SUSPEND, OPTEE_MSG_ATTR_TYPE_VALUE_INPUT,
				     c->p[0].a, 0, 0);
	case TA_SLEEP_CMD_GET_TIME:
		if (c->types != TA_PT(TA_PT_VALUE_OUT, TA_PT_NONE, TA_PT_NONE, TA_PT_NONE))
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		return one_value_rpc(c, OPTEE_RPC_CMD_GET_TIME, OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT,
				     0, 0, 0);
	case TA_SLEEP_CMD_WAIT:
		if (c->types != in1)
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		return one_value_rpc(c, OPTEE_RPC_CMD_NOTIFICATION, OPTEE_MSG_ATTR_TYPE_VALUE_INPUT,
				     OPTEE_RPC_NOTIFICATION_WAIT, c->p[0].a, c->p[0].b);
	case TA_SLEEP_CMD_SEND:
		if (c->types != in1)
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		return one_value_rpc(c, OPTEE_RPC_CMD_NOTIFICATION, OPTEE_MSG_ATTR_TYPE_VALUE_INPUT,
				     OPTEE_RPC_NOTIFICATION_SEND, c->p[0].a, 0);
	case TA_SLEEP_CMD_RPC_LOOP:
		if (c->types != TA_PT(TA_PT_VALUE_IN, TA_PT_VALUE_OUT, TA_PT_NONE, TA_PT_NONE))
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		if (c->state == 1) {
			if (e->ret != TEEC_SUCCESS) {
				c->p[1].a = c->done;
				return ta_done(c, e->ret);
			}
			c->done++;
		}
		if (c->done == c->p[0].a) {
			c->p[1].a = c->done;
			c->p[1].b = 0;
			return ta_done(c, TEEC_SUCCESS);
		}
		return one_value_rpc(c, OPTEE_RPC_CMD_GET_TIME, OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT,
				     0, 0, 0);
	case TA_SLEEP_CMD_ASYNC_NOTIF:
		if (c->types != in1)
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		if (!model_has_cap(c->m, OPTEE_SMC_SEC_CAP_ASYNC_NOTIF))
			return ta_done(c, TEEC_ERROR_NOT_SUPPORTED);
		if (c->p[0].a > MODEL_NOTIF_ASYNC_MAX)
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		model_notif_set(c->m, c->part, (uint32_t)c->p[0].a);
		return ta_done(c, TEEC_SUCCESS);
	default:
		return ta_done(c, TEEC_ERROR_NOT_SUPPORTED);
	}
}

const struct ta_ops ta_sleep = {
	.uuid = TA_SLEEP_UUID,
	.name = "sleep",
	.invoke = sleep_invoke,
	.enum_cmd = TA_DEVENUM_CMD_GET_DEVICES,
};
