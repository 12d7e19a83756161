// SPDX-License-Identifier: BSD-2-Clause
/*
 * The registry of built-in TAs and the helpers they share: UUID octets,
 * access to their memref params and RPC buffers (always through the
 * guest-tagged env->read/write of msg.c).
 */
#include "model_priv.h"

static const struct ta_ops *const tas[] = {
	&ta_devenum, &ta_arith, &ta_buf, &ta_storage, &ta_shmkeep, &ta_sleep, &ta_panic,
};

size_t ta_count(void)
{
	return sizeof(tas) / sizeof(tas[0]);
}

const struct ta_ops *ta_at(size_t i)
{
	return i < ta_count() ? tas[i] : NULL;
}

/* RFC 4122 octets: the fields big-endian, then the 8 node bytes. */
void ta_uuid_octets(const struct ta_uuid *u, uint8_t out[16])
{
	out[0] = (uint8_t)(u->time_low >> 24);
	out[1] = (uint8_t)(u->time_low >> 16);
	out[2] = (uint8_t)(u->time_low >> 8);
	out[3] = (uint8_t)u->time_low;
	out[4] = (uint8_t)(u->time_mid >> 8);
	out[5] = (uint8_t)u->time_mid;
	out[6] = (uint8_t)(u->time_hi_and_version >> 8);
	out[7] = (uint8_t)u->time_hi_and_version;
	memcpy(out + 8, u->clock_seq_and_node, 8);
}

const struct ta_ops *ta_find(const uint8_t octets[16])
{
	size_t i = 0;

	for (i = 0; i < ta_count(); i++) {
		uint8_t o[16];

		ta_uuid_octets(&tas[i]->uuid, o);
		if (!memcmp(o, octets, sizeof(o)))
			return tas[i];
	}
	return NULL;
}

/* Reads of a memref param, bounded by the size the client gave. */
int ta_read(const struct ta_call *c, const struct ta_param *p, uint64_t off, void *dst,
	    size_t len)
{
	return mref_read(c->m, c->part, &p->mem, off, dst, len);
}

int ta_write(const struct ta_call *c, const struct ta_param *p, uint64_t off, const void *src,
	     size_t len)
{
	return mref_write(c->m, c->part, &p->mem, off, src, len);
}

int ta_shm_read(const struct ta_call *c, const struct rpc_shm *shm, uint64_t off, void *dst,
		size_t len)
{
	struct model_mref r;

	rpc_shm_mref(shm, 0, shm->size, &r);
	return mref_read(c->m, c->part, &r, off, dst, len);
}

int ta_shm_write(const struct ta_call *c, const struct rpc_shm *shm, uint64_t off,
		 const void *src, size_t len)
{
	struct model_mref r;

	rpc_shm_mref(shm, 0, shm->size, &r);
	return mref_write(c->m, c->part, &r, off, src, len);
}

/* The TA's answer, origin TRUSTED_APP. */
enum step ta_done(struct ta_call *c, uint32_t ret)
{
	c->ret = ret;
	c->origin = TEEC_ORIGIN_TRUSTED_APP;
	return STEP_DONE;
}
