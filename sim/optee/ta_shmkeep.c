// SPDX-License-Identifier: BSD-2-Clause
/*
 * A TA that keeps an RPC SHM_ALLOC buffer in its session across invokes
 * and gives it back (SHM_FREE) on FREE or when the session closes.
 * Pattern of FILL/CHECK over the size asked for: byte i = seed + 7 * i.
 */
#include "model_priv.h"

static uint8_t pattern(uint64_t seed, uint64_t i)
{
	return (uint8_t)(seed + i * 7);
}

/* FILL (check = false) or CHECK the kept buffer; sets *intact for CHECK. */
static uint32_t walk(struct ta_call *c, uint64_t seed, bool check, bool *intact)
{
	const struct rpc_shm *shm = c->s->kept;
	uint8_t *b = c->t->bounce;
	uint64_t off = 0;

	*intact = true;
	while (off < shm->req_size) {
		uint64_t left = shm->req_size - off;
		size_t n = left < MODEL_BOUNCE_SIZE ? (size_t)left : MODEL_BOUNCE_SIZE;
		size_t i = 0;

		if (check) {
			if (ta_shm_read(c, shm, off, b, n))
				return TEEC_ERROR_GENERIC;
			for (i = 0; i < n; i++)
				if (b[i] != pattern(seed, off + i))
					*intact = false;
		} else {
			for (i = 0; i < n; i++)
				b[i] = pattern(seed, off + i);
			if (ta_shm_write(c, shm, off, b, n))
				return TEEC_ERROR_GENERIC;
		}
		off += n;
	}
	return TEEC_SUCCESS;
}

static enum step shmkeep_invoke(struct ta_call *c)
{
	struct rpc_engine *e = &c->t->rpc;
	const uint32_t in1 = TA_PT(TA_PT_VALUE_IN, TA_PT_NONE, TA_PT_NONE, TA_PT_NONE);
	bool intact = false;
	uint32_t res = 0;

	if (c->state == 1) {
		if (c->cmd == TA_SHMKEEP_CMD_ALLOC) {
			c->s->kept = e->shm;
			e->shm = NULL;
			return ta_done(c, c->s->kept ? TEEC_SUCCESS : e->ret);
		}
		return ta_done(c, TEEC_SUCCESS); /* FREE: the answer is ignored */
	}
	switch (c->cmd) {
	case TA_SHMKEEP_CMD_ALLOC:
		if (c->types != in1)
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		if (c->s->kept)
			return ta_done(c, TEEC_ERROR_BAD_STATE);
		/* Kernel payloads are one page at most with dynamic SHM. */
		if (c->p[0].b == OPTEE_RPC_SHM_TYPE_KERNEL && c->p[0].a > MODEL_PAGE_SIZE)
			return ta_done(c, TEEC_ERROR_OUT_OF_MEMORY);
		c->state = 1;
		return rpc_shm_alloc(c->t, (uint32_t)c->p[0].b, c->p[0].a);
	case TA_SHMKEEP_CMD_FILL:
		if (c->types != in1)
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		if (!c->s->kept)
			return ta_done(c, TEEC_ERROR_BAD_STATE);
		return ta_done(c, walk(c, c->p[0].a, false, &intact));
	case TA_SHMKEEP_CMD_CHECK:
		if (c->types != TA_PT(TA_PT_VALUE_IN, TA_PT_VALUE_OUT, TA_PT_NONE, TA_PT_NONE))
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		if (!c->s->kept)
			return ta_done(c, TEEC_ERROR_BAD_STATE);
		res = walk(c, c->p[0].a, true, &intact);
		c->p[1].a = res == TEEC_SUCCESS && intact;
		c->p[1].b = 0;
		return ta_done(c, res);
	case TA_SHMKEEP_CMD_FREE: {
		struct rpc_shm *shm = c->s->kept;

		if (!shm)
			return ta_done(c, TEEC_ERROR_BAD_STATE);
		c->s->kept = NULL;
		c->state = 1;
		return rpc_shm_free(c->m, c->t, shm);
	}
	default:
		return ta_done(c, TEEC_ERROR_NOT_SUPPORTED);
	}
}

static enum step shmkeep_close(struct ta_call *c)
{
	struct rpc_shm *shm = c->s->kept;

	if (c->state == 1 || !shm)
		return ta_done(c, TEEC_SUCCESS);
	c->s->kept = NULL;
	c->state = 1;
	return rpc_shm_free(c->m, c->t, shm);
}

const struct ta_ops ta_shmkeep = {
	.uuid = TA_SHMKEEP_UUID,
	.name = "shmkeep",
	.invoke = shmkeep_invoke,
	.close = shmkeep_close,
	.enum_cmd = TA_DEVENUM_CMD_GET_DEVICES,
};
