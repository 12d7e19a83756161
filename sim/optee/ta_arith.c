// SPDX-License-Identifier: BSD-2-Clause
/* Value/arithmetic TA: value params only, no RPC. */
#include "model_priv.h"

/* 64 x 64 -> 128-bit product from 32-bit halves (no libgcc helpers). */
static void mul_64x64(uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
	uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;

	*lo = (mid << 32) | (uint32_t)ll;
	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

static enum step arith_invoke(struct ta_call *c)
{
	struct ta_param *p = c->p;
	uint32_t i = 0;

	c->s->invokes++;
	switch (c->cmd) {
	case TA_ARITH_CMD_ADD:
		if (c->types != TA_PT(TA_PT_VALUE_IN, TA_PT_VALUE_OUT, TA_PT_NONE, TA_PT_NONE))
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		p[1].a = p[0].a + p[0].b;
		p[1].b = p[1].a < p[0].a;
		return ta_done(c, TEEC_SUCCESS);
	case TA_ARITH_CMD_MUL:
		if (c->types != TA_PT(TA_PT_VALUE_IN, TA_PT_VALUE_OUT, TA_PT_NONE, TA_PT_NONE))
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		mul_64x64(p[0].a, p[0].b, &p[1].a, &p[1].b);
		return ta_done(c, TEEC_SUCCESS);
	case TA_ARITH_CMD_INC4:
		if (c->types != TA_PT(TA_PT_VALUE_INOUT, TA_PT_VALUE_INOUT, TA_PT_VALUE_INOUT,
				      TA_PT_VALUE_INOUT))
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		for (i = 0; i < MODEL_TA_PARAMS; i++) {
			p[i].a += 1;
			p[i].b += 2;
		}
		return ta_done(c, TEEC_SUCCESS);
	case TA_ARITH_CMD_COUNT:
		if (c->types != TA_PT(TA_PT_VALUE_OUT, TA_PT_NONE, TA_PT_NONE, TA_PT_NONE))
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		p[0].a = c->s->invokes;
		p[0].b = 0;
		return ta_done(c, TEEC_SUCCESS);
	default:
		return ta_done(c, TEEC_ERROR_NOT_SUPPORTED);
	}
}

const struct ta_ops ta_arith = {
	.uuid = TA_ARITH_UUID,
	.name = "arith",
	.invoke = arith_invoke,
	.enum_cmd = TA_DEVENUM_CMD_GET_DEVICES,
};
