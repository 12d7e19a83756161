// SPDX-License-Identifier: BSD-2-Clause
/*
 * Device enumeration pseudo-TA (OP-TEE's pta/device.c): lists the UUIDs of
 * the TAs that Linux should create TEE-bus devices for, 16 octets each.
 *   GET_DEVICES       TAs usable without the supplicant;
 *   GET_DEVICES_SUPP  TAs that need it (storage);
 *   GET_DEVICES_RPMB  none: the model has no RPMB.
 * p0 is a memref output; a null or too small one gets SHORT_BUFFER with
 * the size needed (ABI 11).
 */
#include "model_priv.h"

#define UUID_OCTETS 16u

static enum step devenum_invoke(struct ta_call *c)
{
	struct ta_param *p = &c->p[0];
	uint64_t need = 0;
	size_t i = 0;

	if (c->cmd > TA_DEVENUM_CMD_GET_DEVICES_RPMB)
		return ta_done(c, TEEC_ERROR_NOT_SUPPORTED);
	if (c->types != TA_PT(TA_PT_MEMREF_OUT, TA_PT_NONE, TA_PT_NONE, TA_PT_NONE))
		return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
	for (i = 0; i < ta_count(); i++)
		if (ta_at(i)->enum_cmd == c->cmd)
			need += UUID_OCTETS;
	if (p->size < need || !p->mem.pages) {
		p->size = need;
		return ta_done(c, need ? TEEC_ERROR_SHORT_BUFFER : TEEC_SUCCESS);
	}
	need = 0;
	for (i = 0; i < ta_count(); i++) {
		uint8_t o[UUID_OCTETS];

		if (ta_at(i)->enum_cmd != c->cmd)
			continue;
		ta_uuid_octets(&ta_at(i)->uuid, o);
		if (ta_write(c, p, need, o, sizeof(o)))
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		need += UUID_OCTETS;
	}
	p->size = need;
	return ta_done(c, TEEC_SUCCESS);
}

const struct ta_ops ta_devenum = {
	.uuid = TA_DEVENUM_UUID,
	.name = "devenum",
	.invoke = devenum_invoke,
	.enum_cmd = UINT32_MAX,
};
