// SPDX-License-Identifier: BSD-2-Clause
/*
 * Storage TA: objects kept by the guest's supplicant through FS RPCs. The
 * protocol and the exchange per command are documented at the end of
 * ta_api.h. Each command is a state machine; the states say which RPC
 * answer the TA is about to take.
 */
#include "model_priv.h"

/* Room for the object path at the start of the RPC buffer. */
#define STORAGE_PATH_AREA 64u
/* Object header: its length, 8 bytes little-endian. */
#define STORAGE_HDR 8u
#define STORAGE_DATA (STORAGE_PATH_AREA + STORAGE_HDR)

enum storage_state {
	ST_START,
	ST_ALLOCATED, /* SHM_ALLOC answered */
	ST_OPENED,    /* OPEN / CREATE answered */
	ST_HDR_READ,  /* READ of the header answered */
	ST_DATA_DONE, /* READ / WRITE of the data answered */
	ST_CLOSED,    /* CLOSE answered */
	ST_FREED,     /* SHM_FREE answered */
};

static const char path_prefix[] = "teemed/storage/";

/* "teemed/storage/<16 hex>" with its NUL; returns the size. */
static size_t object_path(uint64_t id, char out[STORAGE_PATH_AREA])
{
	static const char hex[] = "0123456789abcdef";
	size_t n = sizeof(path_prefix) - 1;
	int i = 0;

	memcpy(out, path_prefix, n);
	for (i = 15; i >= 0; i--)
		out[n++] = hex[(id >> (4 * i)) & 0xF];
	out[n++] = '\0';
	return n;
}

static enum step fs_rpc(struct ta_call *c, enum storage_state next, uint32_t n,
			const struct rpc_param *p)
{
	c->state = next;
	return rpc_cmd(c->t, OPTEE_RPC_CMD_FS, n, p);
}

static enum step fs_path_op(struct ta_call *c, uint32_t op, enum storage_state next)
{
	char path[STORAGE_PATH_AREA];
	size_t len = object_path(c->p[0].a, path);
	struct rpc_param p[3] = {
		{ .attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, .a = op },
		{ .attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT, .shm = c->shm, .offs = 0, .size = len },
		{ .attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT },
	};

	if (ta_shm_write(c, c->shm, 0, path, len)) {
		c->n = TEEC_ERROR_GENERIC;
		return STEP_DONE;
	}
	return fs_rpc(c, next, op == OPTEE_RPC_FS_REMOVE ? 2 : 3, p);
}

static enum step fs_rw(struct ta_call *c, uint32_t op, uint64_t file_off, uint64_t shm_off,
		       uint64_t len, enum storage_state next)
{
	struct rpc_param p[2] = {
		{ .attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, .a = op, .b = c->fd, .c = file_off },
		{ .attr = op == OPTEE_RPC_FS_READ ? OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT :
						    OPTEE_MSG_ATTR_TYPE_RMEM_INPUT,
		  .shm = c->shm, .offs = shm_off, .size = len },
	};

	return fs_rpc(c, next, 2, p);
}

/* Result in c->n; close the file, then give the buffer back. */
static enum step finish(struct ta_call *c, uint32_t res, bool opened)
{
	c->n = res;
	if (opened) {
		struct rpc_param p = { .attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT,
				       .a = OPTEE_RPC_FS_CLOSE, .b = c->fd };

		return fs_rpc(c, ST_CLOSED, 1, &p);
	}
	{
		struct rpc_shm *shm = c->shm;

		c->shm = NULL;
		c->state = ST_FREED;
		return rpc_shm_free(c->m, c->t, shm);
	}
}

/* Copies between the client's memref and the RPC buffer. */
static uint32_t copy_data(struct ta_call *c, uint64_t len, bool to_shm)
{
	uint8_t *b = c->t->bounce;
	uint64_t off = 0;

	while (off < len) {
		size_t n = len - off < MODEL_BOUNCE_SIZE ? (size_t)(len - off) : MODEL_BOUNCE_SIZE;

		if (to_shm) {
			if (ta_read(c, &c->p[1], off, b, n) ||
			    ta_shm_write(c, c->shm, STORAGE_DATA + off, b, n))
				return TEEC_ERROR_BAD_PARAMETERS;
		} else {
			if (ta_shm_read(c, c->shm, STORAGE_DATA + off, b, n) ||
			    ta_write(c, &c->p[1], off, b, n))
				return TEEC_ERROR_BAD_PARAMETERS;
		}
		off += n;
	}
	return TEEC_SUCCESS;
}

static void put_le64(uint8_t *b, uint64_t v)
{
	int i = 0;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *b)
{
	uint64_t v = 0;
	int i = 0;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

static enum step storage_write(struct ta_call *c, struct rpc_engine *e)
{
	uint8_t hdr[STORAGE_HDR];
	uint32_t res = 0;

	switch (c->state) {
	case ST_START:
		c->len = c->p[1].size;
		if (c->len > TA_STORAGE_MAX_OBJECT_SIZE)
			return ta_done(c, TEEC_ERROR_STORAGE_NO_SPACE);
		c->state = ST_ALLOCATED;
		return rpc_shm_alloc(c->t, OPTEE_RPC_SHM_TYPE_APPL, STORAGE_DATA + c->len);
	case ST_ALLOCATED:
		if (!e->shm)
			return ta_done(c, e->ret);
		c->shm = e->shm; /* the call owns it from now on */
		e->shm = NULL;
		if (fs_path_op(c, OPTEE_RPC_FS_CREATE, ST_OPENED) == STEP_RPC)
			return STEP_RPC;
		return finish(c, (uint32_t)c->n, false);
	case ST_OPENED:
		if (e->ret)
			return finish(c, e->ret, false);
		c->fd = e->p[2].a;
		put_le64(hdr, c->len);
		res = ta_shm_write(c, c->shm, STORAGE_PATH_AREA, hdr, sizeof(hdr)) ?
			      TEEC_ERROR_GENERIC : copy_data(c, c->len, true);
		if (res)
			return finish(c, res, true);
		return fs_rw(c, OPTEE_RPC_FS_WRITE, 0, STORAGE_PATH_AREA, STORAGE_HDR + c->len,
			     ST_DATA_DONE);
	case ST_DATA_DONE:
		return finish(c, e->ret, true);
	default:
		return STEP_DONE;
	}
}

static enum step storage_read(struct ta_call *c, struct rpc_engine *e)
{
	uint8_t hdr[STORAGE_HDR];

	switch (c->state) {
	case ST_START: {
		uint64_t cap = c->p[1].size;

		if (cap > TA_STORAGE_MAX_OBJECT_SIZE)
			cap = TA_STORAGE_MAX_OBJECT_SIZE;
		c->state = ST_ALLOCATED;
		return rpc_shm_alloc(c->t, OPTEE_RPC_SHM_TYPE_APPL, STORAGE_DATA + cap);
	}
	case ST_ALLOCATED:
		if (!e->shm)
			return ta_done(c, e->ret);
		c->shm = e->shm; /* the call owns it from now on */
		e->shm = NULL;
		if (fs_path_op(c, OPTEE_RPC_FS_OPEN, ST_OPENED) == STEP_RPC)
			return STEP_RPC;
		return finish(c, (uint32_t)c->n, false);
	case ST_OPENED:
		if (e->ret)
			return finish(c, e->ret, false);
		c->fd = e->p[2].a;
		return fs_rw(c, OPTEE_RPC_FS_READ, 0, STORAGE_PATH_AREA, STORAGE_HDR, ST_HDR_READ);
	case ST_HDR_READ:
		if (e->ret)
			return finish(c, e->ret, true);
		if (e->p[1].size != STORAGE_HDR ||
		    ta_shm_read(c, c->shm, STORAGE_PATH_AREA, hdr, sizeof(hdr)))
			return finish(c, TEE_ERROR_CORRUPT_OBJECT, true);
		c->len = get_le64(hdr);
		if (c->len > c->p[1].size) {
			c->p[1].size = c->len;
			return finish(c, TEEC_ERROR_SHORT_BUFFER, true);
		}
		if (c->len > TA_STORAGE_MAX_OBJECT_SIZE)
			return finish(c, TEE_ERROR_CORRUPT_OBJECT, true);
		return fs_rw(c, OPTEE_RPC_FS_READ, STORAGE_HDR, STORAGE_DATA, c->len, ST_DATA_DONE);
	case ST_DATA_DONE:
		if (e->ret)
			return finish(c, e->ret, true);
		if (e->p[1].size != c->len)
			return finish(c, TEE_ERROR_CORRUPT_OBJECT, true);
		c->p[1].size = c->len;
		return finish(c, copy_data(c, c->len, false), true);
	default:
		return STEP_DONE;
	}
}

static enum step storage_delete(struct ta_call *c, struct rpc_engine *e)
{
	switch (c->state) {
	case ST_START:
		c->state = ST_ALLOCATED;
		return rpc_shm_alloc(c->t, OPTEE_RPC_SHM_TYPE_APPL, STORAGE_PATH_AREA);
	case ST_ALLOCATED:
		if (!e->shm)
			return ta_done(c, e->ret);
		c->shm = e->shm; /* the call owns it from now on */
		e->shm = NULL;
		if (fs_path_op(c, OPTEE_RPC_FS_REMOVE, ST_DATA_DONE) == STEP_RPC)
			return STEP_RPC;
		return finish(c, (uint32_t)c->n, false);
	case ST_DATA_DONE:
		return finish(c, e->ret, false);
	default:
		return STEP_DONE;
	}
}

static enum step storage_invoke(struct ta_call *c)
{
	struct rpc_engine *e = &c->t->rpc;
	const uint32_t mem = c->cmd == TA_STORAGE_CMD_READ ? TA_PT_MEMREF_OUT : TA_PT_MEMREF_IN;
	enum step s = STEP_DONE;

	/* The common tail: CLOSE answered -> free; SHM_FREE answered -> done. */
	if (c->state == ST_CLOSED)
		return finish(c, (uint32_t)c->n, false);
	if (c->state == ST_FREED)
		return ta_done(c, (uint32_t)c->n);
	switch (c->cmd) {
	case TA_STORAGE_CMD_WRITE:
	case TA_STORAGE_CMD_READ:
		if (c->state == ST_START &&
		    c->types != TA_PT(TA_PT_VALUE_IN, mem, TA_PT_NONE, TA_PT_NONE))
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		break;
	case TA_STORAGE_CMD_DELETE:
		if (c->state == ST_START &&
		    c->types != TA_PT(TA_PT_VALUE_IN, TA_PT_NONE, TA_PT_NONE, TA_PT_NONE))
			return ta_done(c, TEEC_ERROR_BAD_PARAMETERS);
		break;
	default:
		return ta_done(c, TEEC_ERROR_NOT_SUPPORTED);
	}
	if (c->cmd == TA_STORAGE_CMD_WRITE)
		s = storage_write(c, e);
	else if (c->cmd == TA_STORAGE_CMD_READ)
		s = storage_read(c, e);
	else
		s = storage_delete(c, e);
	return s;
}

const struct ta_ops ta_storage = {
	.uuid = TA_STORAGE_UUID,
	.name = "storage",
	.invoke = storage_invoke,
	.enum_cmd = TA_DEVENUM_CMD_GET_DEVICES_SUPP,
};
