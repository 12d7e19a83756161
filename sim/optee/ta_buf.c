// SPDX-License-Identifier: BSD-2-Clause
/*
 * Buffer TA: works on memref params of any size (a registered 1 GiB buffer
 * included) through the thread's bounce buffer, MODEL_BOUNCE_SIZE bytes at
 * a time.
 */
#include "model_priv.h"

#define FNV1A64_BASIS UINT64_C(0xcbf29ce484222325)
#define FNV1A64_PRIME UINT64_C(0x100000001b3)

static enum step buf_fill(struct ta_call *c)
{
	uint8_t *b = c->t->bounce;
	uint64_t off = 0, size = c->p[1].size;

	if (c->types != TA_PT(TA_PT_VALUE_IN, TA_PT_MEMREF_OUT, TA_PT_NONE, TA_PT_NONE))
		return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
	memset(b, (int)(uint8_t)c->p[0].a, MODEL_BOUNCE_SIZE);
	while (off < size) {
		size_t n = size - off < MODEL_BOUNCE_SIZE ? (size_t)(size - off) : MODEL_BOUNCE_SIZE;

		if (ta_write(c, &c->p[1], off, b, n))
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		off += n;
	}
	return ta_done(c, TEEC_SUCCESS);
}

static enum step buf_checksum(struct ta_call *c)
{
	uint8_t *b = c->t->bounce;
	uint64_t off = 0, size = c->p[0].size, h = FNV1A64_BASIS;

	if (c->types != TA_PT(TA_PT_MEMREF_IN, TA_PT_VALUE_OUT, TA_PT_NONE, TA_PT_NONE))
		return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
	while (off < size) {
		size_t n = size - off < MODEL_BOUNCE_SIZE ? (size_t)(size - off) : MODEL_BOUNCE_SIZE;
		size_t i = 0;

		if (ta_read(c, &c->p[0], off, b, n))
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		for (i = 0; i < n; i++)
			h = (h ^ b[i]) * FNV1A64_PRIME;
		off += n;
	}
	c->p[1].a = h;
	c->p[1].b = 0;
	return ta_done(c, TEEC_SUCCESS);
}

static void reverse_bytes(uint8_t *b, size_t n)
{
	size_t i = 0;

	for (i = 0; i < n / 2; i++) {
		uint8_t x = b[i];

		b[i] = b[n - 1 - i];
		b[n - 1 - i] = x;
	}
}

static enum step buf_reverse(struct ta_call *c)
{
	const size_t half = MODEL_BOUNCE_SIZE / 2;
	uint8_t *front = c->t->bounce, *back = c->t->bounce + half;
	uint64_t i = 0, j = c->p[0].size;

	if (c->types != TA_PT(TA_PT_MEMREF_INOUT, TA_PT_NONE, TA_PT_NONE, TA_PT_NONE))
		return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
	while (j - i >= 2) {
		size_t k = (j - i) / 2 < half ? (size_t)((j - i) / 2) : half;

		if (ta_read(c, &c->p[0], i, front, k) || ta_read(c, &c->p[0], j - k, back, k))
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		reverse_bytes(front, k);
		reverse_bytes(back, k);
		if (ta_write(c, &c->p[0], i, back, k) || ta_write(c, &c->p[0], j - k, front, k))
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		i += k;
		j -= k;
	}
	return ta_done(c, TEEC_SUCCESS);
}

static enum step buf_copy(struct ta_call *c)
{
	uint8_t *b = c->t->bounce;
	uint64_t off = 0, size = c->p[0].size;

	if (c->types != TA_PT(TA_PT_MEMREF_IN, TA_PT_MEMREF_OUT, TA_PT_NONE, TA_PT_NONE))
		return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
	if (c->p[1].size < size) {
		c->p[1].size = size;
		return ta_done(c, TEEC_ERROR_SHORT_BUFFER);
	}
	while (off < size) {
		size_t n = size - off < MODEL_BOUNCE_SIZE ? (size_t)(size - off) : MODEL_BOUNCE_SIZE;

		if (ta_read(c, &c->p[0], off, b, n) || ta_write(c, &c->p[1], off, b, n))
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		off += n;
	}
	c->p[1].size = size;
	return ta_done(c, TEEC_SUCCESS);
}

static enum step buf_invoke(struct ta_call *c)
{
	switch (c->cmd) {
	case TA_BUF_CMD_FILL:
		return buf_fill(c);
	case TA_BUF_CMD_CHECKSUM:
		return buf_checksum(c);
	case TA_BUF_CMD_REVERSE:
		return buf_reverse(c);
	case TA_BUF_CMD_COPY:
		return buf_copy(c);
	default:
		return ta_done(c, TEEC_ERROR_NOT_SUPPORTED);
	}
}

const struct ta_ops ta_buf = {
	.uuid = TA_BUF_UUID,
	.name = "buffer",
	.invoke = buf_invoke,
	.enum_cmd = TA_DEVENUM_CMD_GET_DEVICES,
};
