// SPDX-License-Identifier: BSD-2-Clause
/* The built-in TAs of ta_api.h. */
#include "tenv.h"

static const struct ta_uuid arith_uuid = TA_ARITH_UUID;
static const struct ta_uuid buf_uuid = TA_BUF_UUID;
static const struct ta_uuid storage_uuid = TA_STORAGE_UUID;
static const struct ta_uuid shmkeep_uuid = TA_SHMKEEP_UUID;
static const struct ta_uuid panic_uuid = TA_PANIC_UUID;

struct ctx {
	struct tenv e;
	uint64_t argpa;
	uint32_t sess;
};

static void setup(struct ctx *c, const struct ta_uuid *u)
{
	struct optee_model_config cfg;

	optee_model_config_default(&cfg);
	tenv_init(&c->e, &cfg);
	c->argpa = page_alloc(&c->e);
	CHECK_EQ(open_session(&c->e, 0, c->argpa, u, &c->sess), 0);
}

static void teardown(struct ctx *c)
{
	CHECK_EQ(close_session(&c->e, 0, c->argpa, c->sess), 0);
	tenv_fini(&c->e);
}

static void val(struct optee_msg_param *p, uint64_t attr, uint64_t a, uint64_t b)
{
	memset(p, 0, sizeof(*p));
	p->attr = attr;
	p->u.value.a = a;
	p->u.value.b = b;
}

/* A TMEM|NONCONTIG memref over fresh pages; returns the first page. */
static uint64_t mem(struct tenv *e, struct optee_msg_param *p, uint64_t attr, size_t npages,
		    uint32_t off, uint64_t size)
{
	uint64_t pages[8], first = pages_alloc_contig(e, npages);
	size_t i = 0;

	for (i = 0; i < npages; i++)
		pages[i] = first + i * PAGE;
	memset(p, 0, sizeof(*p));
	p->attr = attr | OPTEE_MSG_ATTR_NONCONTIG;
	p->u.tmem.buf_ptr = make_pagelist(e, pages, npages, off);
	p->u.tmem.size = size;
	return pages[0];
}

static void arith(void)
{
	struct ctx c;
	struct optee_msg_param p[4];
	int i = 0;

	setup(&c, &arith_uuid);
	val(&p[0], OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 40, 2);
	val(&p[1], OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT, 0, 0);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_ARITH_CMD_ADD, 2, p), 0);
	CHECK(p[1].u.value.a == 42 && p[1].u.value.b == 0);
	val(&p[0], OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, UINT64_C(0xFFFFFFFFFFFFFFFF),
	    UINT64_C(0xFFFFFFFFFFFFFFFF));
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_ARITH_CMD_MUL, 2, p), 0);
	CHECK(p[1].u.value.a == 1 && p[1].u.value.b == UINT64_C(0xFFFFFFFFFFFFFFFE));
	val(&p[0], OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, UINT64_C(0x123456789), UINT64_C(0x987654321));
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_ARITH_CMD_MUL, 2, p), 0);
	CHECK(p[1].u.value.a == UINT64_C(0xd77d742cce1833a9) && p[1].u.value.b == 0xa);
	for (i = 0; i < 4; i++)
		val(&p[i], OPTEE_MSG_ATTR_TYPE_VALUE_INOUT, (uint64_t)i * 10, (uint64_t)i);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_ARITH_CMD_INC4, 4, p), 0);
	CHECK(p[3].u.value.a == 31 && p[3].u.value.b == 5 && p[0].u.value.a == 1);
	val(&p[0], OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT, 0, 0);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_ARITH_CMD_COUNT, 1, p), 0);
	CHECK_EQ(p[0].u.value.a, 5); /* this invoke included */
	/* Wrong types: the TA says BAD_PARAMETERS. */
	val(&p[0], OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT, 0, 0);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_ARITH_CMD_ADD, 1, p),
		 TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(c.e.last_origin, TEEC_ORIGIN_TRUSTED_APP);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, 99, 0, p), TEEC_ERROR_NOT_SUPPORTED);
	teardown(&c);
}

static void buffer(void)
{
	struct ctx c;
	struct optee_msg_param p[2];
	uint64_t pg = 0, pg2 = 0;
	uint8_t *b = NULL, exp[5000];
	size_t i = 0;

	setup(&c, &buf_uuid);
	/* FILL over 2 pages from offset 0x800. */
	val(&p[0], OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 0xAB, 0);
	pg = mem(&c.e, &p[1], OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT, 2, 0x800, 5000);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_BUF_CMD_FILL, 2, p), 0);
	b = pa_ptr(&c.e, pg);
	CHECK(b[0x7FF] == 0 && b[0x800] == 0xAB && b[0x800 + 4999] == 0xAB && b[0x800 + 5000] == 0);

	/* REVERSE an odd size across pages, then CHECKSUM. */
	for (i = 0; i < 5000; i++)
		b[0x800 + i] = (uint8_t)(i * 7);
	for (i = 0; i < 4999; i++)
		exp[i] = (uint8_t)((4998 - i) * 7);
	p[0] = p[1];
	p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INOUT | OPTEE_MSG_ATTR_NONCONTIG;
	p[0].u.tmem.size = 4999;
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_BUF_CMD_REVERSE, 1, p), 0);
	CHECK(!memcmp(b + 0x800, exp, 4999));
	CHECK_EQ(b[0x800 + 4999], (uint8_t)(4999 * 7));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT | OPTEE_MSG_ATTR_NONCONTIG;
	val(&p[1], OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT, 0, 0);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_BUF_CMD_CHECKSUM, 2, p), 0);
	CHECK_EQ(p[1].u.value.a, fnv1a(exp, 4999));

	/* COPY: too small a destination, then enough. */
	pg2 = mem(&c.e, &p[1], OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT, 2, 0, 100);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_BUF_CMD_COPY, 2, p), TEEC_ERROR_SHORT_BUFFER);
	CHECK_EQ(p[1].u.tmem.size, 4999);
	CHECK_EQ(c.e.last_origin, TEEC_ORIGIN_TRUSTED_APP);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_BUF_CMD_COPY, 2, p), 0);
	CHECK(!memcmp(pa_ptr(&c.e, pg2), exp, 4999));
	/* Null memrefs: CHECKSUM of nothing. */
	memset(&p[0], 0, sizeof(p[0]));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	p[0].u.tmem.size = 77; /* a null memref has size 0 for the TA */
	val(&p[1], OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT, 0, 0);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_BUF_CMD_CHECKSUM, 2, p), 0);
	CHECK_EQ(p[1].u.value.a, fnv1a(exp, 0));
	teardown(&c);
}

static uint32_t storage_op(struct ctx *c, uint32_t cmd, uint64_t id, const char *data,
			   uint64_t size, uint64_t *out_size, char *out)
{
	struct optee_msg_param p[2];
	uint64_t pg = 0;
	uint32_t ret = 0;
	size_t npages = (size_t)((0x10 + size + PAGE - 1) / PAGE);

	val(&p[0], OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, id, 0);
	if (cmd == TA_STORAGE_CMD_DELETE)
		return invoke(&c->e, 0, c->argpa, c->sess, cmd, 1, p);
	pg = mem(&c->e, &p[1], cmd == TA_STORAGE_CMD_WRITE ? OPTEE_MSG_ATTR_TYPE_TMEM_INPUT :
							      OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT,
		 npages ? npages : 1, 0x10, size);
	if (data)
		memcpy((uint8_t *)pa_ptr(&c->e, pg) + 0x10, data, size);
	ret = invoke(&c->e, 0, c->argpa, c->sess, cmd, 2, p);
	if (out_size)
		*out_size = p[1].u.tmem.size;
	if (out && ret == 0)
		memcpy(out, (uint8_t *)pa_ptr(&c->e, pg) + 0x10, p[1].u.tmem.size);
	return ret;
}

static void storage(void)
{
	struct ctx c;
	char out[64];
	uint64_t sz = 0;
	const struct tfile *f = NULL;

	setup(&c, &storage_uuid);
	CHECK_EQ(storage_op(&c, TA_STORAGE_CMD_WRITE, 0x1234, "hello world", 11, NULL, NULL), 0);
	f = &c.e.files[0];
	CHECK(f->used && !strcmp(f->path, "teemed/storage/0000000000001234"));
	CHECK(f->len == 19 && f->data[0] == 11 && !memcmp(f->data + 8, "hello world", 11));
	CHECK_EQ(c.e.shm_live, 0);
	CHECK_EQ(c.e.fds[0], -1);
	/* READ into a short buffer, then a big enough one. */
	CHECK_EQ(storage_op(&c, TA_STORAGE_CMD_READ, 0x1234, NULL, 4, &sz, NULL),
		 TEEC_ERROR_SHORT_BUFFER);
	CHECK_EQ(sz, 11);
	memset(out, 0, sizeof(out));
	CHECK_EQ(storage_op(&c, TA_STORAGE_CMD_READ, 0x1234, NULL, 32, &sz, out), 0);
	CHECK(sz == 11 && !memcmp(out, "hello world", 11));
	/* Overwrite with something shorter. */
	CHECK_EQ(storage_op(&c, TA_STORAGE_CMD_WRITE, 0x1234, "bye", 3, NULL, NULL), 0);
	CHECK_EQ(storage_op(&c, TA_STORAGE_CMD_READ, 0x1234, NULL, 32, &sz, out), 0);
	CHECK(sz == 3 && !memcmp(out, "bye", 3));
	/* Missing objects. */
	CHECK_EQ(storage_op(&c, TA_STORAGE_CMD_READ, 0x99, NULL, 32, &sz, NULL),
		 TEEC_ERROR_ITEM_NOT_FOUND);
	CHECK_EQ(storage_op(&c, TA_STORAGE_CMD_DELETE, 0x1234, NULL, 0, NULL, NULL), 0);
	CHECK_EQ(storage_op(&c, TA_STORAGE_CMD_DELETE, 0x1234, NULL, 0, NULL, NULL),
		 TEEC_ERROR_ITEM_NOT_FOUND);
	CHECK_EQ(storage_op(&c, TA_STORAGE_CMD_READ, 0x1234, NULL, 32, &sz, NULL),
		 TEEC_ERROR_ITEM_NOT_FOUND);
	CHECK_EQ(c.e.shm_live, 0);
	CHECK_EQ(c.e.rpc_arg_live, 0);
	/* Supplicant out of space: its error comes back, file closed, buffer freed. */
	{
		static char big[9000];

		memset(big, 'x', sizeof(big));
		c.e.rpc_cmd = 0;
		CHECK_EQ(storage_op(&c, TA_STORAGE_CMD_WRITE, 1, big, sizeof(big), NULL, NULL),
			 TEEC_ERROR_STORAGE_NO_SPACE);
		/* SHM_ALLOC, CREATE, WRITE, CLOSE, SHM_FREE */
		CHECK_EQ(c.e.rpc_cmd, 5);
		CHECK_EQ(c.e.fds[0], -1);
	}
	CHECK_EQ(c.e.shm_live, 0);
	teardown(&c);
}

static void shmkeep(void)
{
	struct ctx c;
	struct optee_msg_param p[2];
	struct optee_model_guest_stats st;

	setup(&c, &shmkeep_uuid);
	val(&p[0], OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 3, 0);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_SHMKEEP_CMD_FILL, 1, p), TEEC_ERROR_BAD_STATE);
	val(&p[0], OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 10000, OPTEE_RPC_SHM_TYPE_APPL);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_SHMKEEP_CMD_ALLOC, 1, p), 0);
	CHECK_EQ(c.e.shm_live, 1);
	CHECK(optee_model_guest_stats(c.e.m, 0, &st) == 0 && st.rpc_shm == 1);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_SHMKEEP_CMD_ALLOC, 1, p), TEEC_ERROR_BAD_STATE);
	val(&p[0], OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 3, 0);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_SHMKEEP_CMD_FILL, 1, p), 0);
	val(&p[1], OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT, 0, 0);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_SHMKEEP_CMD_CHECK, 2, p), 0);
	CHECK_EQ(p[1].u.value.a, 1);
	val(&p[0], OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 4, 0);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_SHMKEEP_CMD_CHECK, 2, p), 0);
	CHECK_EQ(p[1].u.value.a, 0);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_SHMKEEP_CMD_FREE, 0, p), 0);
	CHECK_EQ(c.e.shm_live, 0);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_SHMKEEP_CMD_FREE, 0, p), TEEC_ERROR_BAD_STATE);
	/* Closing the session gives a kept buffer back. */
	val(&p[0], OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 100, OPTEE_RPC_SHM_TYPE_KERNEL);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_SHMKEEP_CMD_ALLOC, 1, p), 0);
	CHECK_EQ(c.e.shm_live, 1);
	CHECK_EQ(close_session(&c.e, 0, c.argpa, c.sess), 0);
	CHECK_EQ(c.e.shm_live, 0);
	CHECK_EQ(c.e.rpc_arg_live, 0);
	tenv_fini(&c.e);
}

static void panic_ta(void)
{
	struct ctx c;
	struct optee_msg_param p[1];

	setup(&c, &panic_uuid);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_PANIC_CMD_PANIC, 0, p), TEEC_ERROR_TARGET_DEAD);
	CHECK_EQ(c.e.last_origin, TEEC_ORIGIN_TEE);
	val(&p[0], OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 1, 0);
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, 5, 1, p), TEEC_ERROR_TARGET_DEAD);
	CHECK_EQ(c.e.last_origin, TEEC_ORIGIN_TEE);
	teardown(&c);
}

void test_tas(void)
{
	arith();
	buffer();
	storage();
	shmkeep();
	panic_ta();
}
