// SPDX-License-Identifier: BSD-2-Clause
/*
 * A TA that panics on every invoke: the session is dead from then on and
 * every call answers TARGET_DEAD with origin TEE, as OP-TEE answers for a
 * panicked TA. Closing it still succeeds.
 */
#include "model_priv.h"

static enum step panic_invoke(struct ta_call *c)
{
	c->s->dead = true;
	c->ret = TEEC_ERROR_TARGET_DEAD;
	c->origin = TEEC_ORIGIN_TEE;
	return STEP_DONE;
}

const struct ta_ops ta_panic = {
	.uuid = TA_PANIC_UUID,
	.name = "panic",
	.invoke = panic_invoke,
	.enum_cmd = TA_DEVENUM_CMD_GET_DEVICES,
};
