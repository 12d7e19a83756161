/* SPDX-License-Identifier: BSD-2-Clause */
/* The client API (teec.h) and its parameter encoding (ABI 8.5, 11). */
#include <string.h>

#include "harness.h"
#include "teemed/optee_smc.h"
#include "tests.h"
#include "util.h"

#define PAGE 4096u

static const struct optee_msg_arg *last(struct fake *f)
{
	return (const struct optee_msg_arg *)(const void *)f->last_arg;
}

struct client {
	struct fake *f;
	struct gdrv *drv;
	TEEC_Context ctx;
	TEEC_Session sess;
};

static bool client_open(struct client *c, uint32_t caps_clear)
{
	static const TEEC_UUID ta = TEST_TA_UUID;
	uint32_t origin = 0;

	c->f = fake_create();
	c->f->caps &= ~caps_clear;
	c->drv = util_probe(c->f, GDRV_MODE_MODERN, 1, 100);
	if (!c->drv)
		return false;
	CHECK_EQ(TEEC_InitializeContext(c->drv, &c->ctx), TEEC_SUCCESS);
	CHECK_EQ(TEEC_OpenSession(&c->ctx, &c->sess, &ta, TEEC_LOGIN_PUBLIC, NULL,
				  NULL, &origin), TEEC_SUCCESS);
	CHECK_EQ(origin, TEEC_ORIGIN_TEE);
	return true;
}

static void client_close(struct client *c)
{
	TEEC_CloseSession(&c->sess);
	TEEC_FinalizeContext(&c->ctx);
	util_teardown(c->f, c->drv);
}

void test_client_uuid_octets(void)
{
	/* ABI 11: the device-enumeration PTA. */
	static const TEEC_UUID pta = { 0x7011a688, 0xddde, 0x4053,
		{ 0xa5, 0xa9, 0x7b, 0x3c, 0x4d, 0xdf, 0x13, 0xb8 } };
	static const uint8_t want[16] = { 0x70, 0x11, 0xa6, 0x88, 0xdd, 0xde, 0x40,
		0x53, 0xa5, 0xa9, 0x7b, 0x3c, 0x4d, 0xdf, 0x13, 0xb8 };
	struct client c;
	TEEC_Session s2;
	uint8_t oct[16];
	const struct optee_msg_arg *a;
	uint8_t client_uuid[16];

	teec_uuid_octets(&pta, oct);
	CHECK(memcmp(oct, want, 16) == 0);
	if (!client_open(&c, 0))
		return;
	CHECK_EQ(TEEC_OpenSession(&c.ctx, &s2, &pta, TEEC_LOGIN_PUBLIC, NULL, NULL,
				  NULL), TEEC_SUCCESS);
	a = last(c.f);
	CHECK_EQ(a->cmd, OPTEE_MSG_CMD_OPEN_SESSION);
	CHECK_EQ(a->num_params, 2); /* no operation: the two metas only */
	CHECK_EQ(a->params[0].attr, 0x101);
	CHECK_EQ(a->params[0].u.value.a, 0x5340dedd88a61170ull);
	CHECK_EQ(a->params[0].u.value.b, 0xb813df4d3c7ba9a5ull);
	CHECK_EQ(a->params[1].attr, 0x101);
	CHECK_EQ(a->params[1].u.value.a | a->params[1].u.value.b, 0);
	CHECK_EQ(a->params[1].u.value.c, TEEC_LOGIN_PUBLIC);
	CHECK_EQ(c.f->last_fid, OPTEE_SMC_CALL_WITH_REGD_ARG);
	TEEC_CloseSession(&s2);

	/* Another login: its client UUID octets and login go in meta p1. */
	memset(client_uuid, 0xab, sizeof(client_uuid));
	CHECK_EQ(TEEC_OpenSession(&c.ctx, &s2, &pta, TEEC_LOGIN_REE_KERNEL,
				  client_uuid, NULL, NULL), TEEC_SUCCESS);
	a = last(c.f);
	CHECK_EQ(a->params[1].u.value.a, 0xababababababababull);
	CHECK_EQ(a->params[1].u.value.c, TEEC_LOGIN_REE_KERNEL);
	TEEC_CloseSession(&s2);
	client_close(&c);
}

void test_client_values(void)
{
	struct client c;
	TEEC_Operation op;
	uint32_t origin;
	const struct optee_msg_arg *a;

	if (!client_open(&c, 0))
		return;
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT,
					 TEEC_VALUE_INOUT, TEEC_NONE);
	op.params[0].value.a = 5;
	op.params[0].value.b = 6;
	op.params[2].value.a = 0x100000000ull; /* 64-bit values pass whole */
	op.params[2].value.b = 7;
	CHECK_EQ(TEEC_InvokeCommand(&c.sess, F_ECHO, &op, &origin), TEEC_SUCCESS);
	CHECK_EQ(origin, TEEC_ORIGIN_TRUSTED_APP);
	a = last(c.f);
	CHECK_EQ(a->cmd, OPTEE_MSG_CMD_INVOKE_COMMAND);
	CHECK_EQ(a->func, F_ECHO);
	CHECK_EQ(a->session, c.sess.session_id);
	CHECK_EQ(a->num_params, 4); /* NONE included, as libteec */
	CHECK_EQ(a->params[3].attr, OPTEE_MSG_ATTR_TYPE_NONE);
	CHECK_EQ(a->params[0].attr, OPTEE_MSG_ATTR_TYPE_VALUE_INPUT);
	CHECK_EQ(a->params[0].u.value.a, 5);
	CHECK_EQ(a->params[1].attr, OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT);
	CHECK_EQ(a->params[2].attr, OPTEE_MSG_ATTR_TYPE_VALUE_INOUT);
	CHECK_EQ(op.params[0].value.a, 5);
	CHECK_EQ(op.params[1].value.a, 0x1111);
	CHECK_EQ(op.params[1].value.b, 0x2222);
	CHECK_EQ(op.params[2].value.a, 0x100000001ull);
	CHECK_EQ(op.params[2].value.b, 9);
	CHECK(op.started);

	/* Cancellation names the session and the operation's cancel id. */
	TEEC_RequestCancellation(&op);
	a = last(c.f);
	CHECK_EQ(a->cmd, OPTEE_MSG_CMD_CANCEL);
	CHECK_EQ(a->session, c.sess.session_id);
	CHECK(op.cancel_id != 0);
	CHECK_EQ(a->cancel_id, op.cancel_id);
	CHECK_EQ(a->num_params, 0);
	client_close(&c);
}

void test_client_temp_memref(void)
{
	struct client c;
	TEEC_TempMemoryReference buf;
	TEEC_Operation op;
	const struct optee_msg_arg *a;
	uint8_t in[256], out[64];
	size_t i;

	if (!client_open(&c, 0))
		return;
	CHECK_EQ(teec_temp_alloc(&c.ctx, 3 * PAGE, GDRV_PAGES_CONTIG, &buf),
		 TEEC_SUCCESS);
	CHECK(buf.buffer != 0 && buf.pages == NULL);
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7);
	CHECK_EQ(teec_temp_write(&c.ctx, &buf, 0x234, in, sizeof(in)), TEEC_SUCCESS);

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INOUT, TEEC_NONE,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].tmpref.buffer = buf.buffer + 0x234;
	op.params[0].tmpref.size = 2 * PAGE; /* spans 3 pages from 0x234 */
	c.f->echo_out_size = 100;
	CHECK_EQ(TEEC_InvokeCommand(&c.sess, F_ECHO, &op, NULL), TEEC_SUCCESS);
	a = last(c.f);
	CHECK_EQ(a->params[0].attr,
		 OPTEE_MSG_ATTR_TYPE_TMEM_INOUT | OPTEE_MSG_ATTR_NONCONTIG);
	CHECK_EQ(a->params[0].u.tmem.buf_ptr & (PAGE - 1), 0x234);
	CHECK_EQ(a->params[0].u.tmem.size, 2 * PAGE);
	CHECK_EQ(c.f->last_bufs[0].npages, 3);
	CHECK_EQ(c.f->last_bufs[0].pages[0], buf.buffer);
	CHECK_EQ(c.f->last_bufs[0].pages[2], buf.buffer + 2 * PAGE);
	CHECK(memcmp(c.f->last_in[0], in, sizeof(in)) == 0);
	CHECK_EQ(op.params[0].tmpref.size, 100);
	CHECK_EQ(teec_temp_read(&c.ctx, &buf, 0x234 + 4000, out, sizeof(out)),
		 TEEC_SUCCESS);
	for (i = 0; i < sizeof(out); i++)
		CHECK_EQ(out[i], (uint8_t)((4000 + i) ^ 0x5a));
	teec_temp_free(&c.ctx, &buf);
	client_close(&c);
}

void test_client_temp_scattered(void)
{
	struct client c;
	TEEC_TempMemoryReference buf;
	TEEC_Operation op;
	const char msg[] = "scattered across pages";
	size_t i;

	if (!client_open(&c, 0))
		return;
	CHECK_EQ(teec_temp_alloc(&c.ctx, 3 * PAGE, GDRV_PAGES_SCATTER, &buf),
		 TEEC_SUCCESS);
	CHECK(buf.pages != NULL && buf.npages == 3);
	if (!buf.pages) {
		client_close(&c);
		return;
	}
	for (i = 1; i < buf.npages; i++)
		CHECK(buf.pages[i] != buf.pages[i - 1] + PAGE);
	buf.page_offset = PAGE - 10; /* the message straddles pages 0 and 1 */
	buf.size = sizeof(msg);
	CHECK_EQ(teec_temp_write(&c.ctx, &buf, 0, msg, sizeof(msg)), TEEC_SUCCESS);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_NONE,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].tmpref = buf;
	CHECK_EQ(TEEC_InvokeCommand(&c.sess, F_ECHO, &op, NULL), TEEC_SUCCESS);
	CHECK_EQ(last(c.f)->params[0].attr,
		 OPTEE_MSG_ATTR_TYPE_TMEM_INPUT | OPTEE_MSG_ATTR_NONCONTIG);
	CHECK_EQ(c.f->last_bufs[0].npages, 2);
	CHECK_EQ(c.f->last_bufs[0].pages[0], buf.pages[0]);
	CHECK_EQ(c.f->last_bufs[0].pages[1], buf.pages[1]);
	CHECK(memcmp(c.f->last_in[0], msg, sizeof(msg)) == 0);
	buf.page_offset = 0;
	teec_temp_free(&c.ctx, &buf);
	client_close(&c);
}

void test_client_null_memref(void)
{
	struct client c;
	TEEC_Operation op;
	uint32_t origin, nsmc;

	if (!client_open(&c, 0))
		return;
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].tmpref.size = 42;
	CHECK_EQ(TEEC_InvokeCommand(&c.sess, F_SHORT, &op, &origin),
		 TEEC_ERROR_SHORT_BUFFER);
	CHECK_EQ(origin, TEEC_ORIGIN_TRUSTED_APP);
	CHECK_EQ(last(c.f)->params[0].attr, OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT);
	CHECK_EQ(last(c.f)->params[0].u.tmem.buf_ptr, 0);
	CHECK_EQ(last(c.f)->params[0].u.tmem.size, 42);
	CHECK_EQ(last(c.f)->params[0].u.tmem.shm_ref, 0);
	CHECK_EQ(op.params[0].tmpref.size, 77);
	client_close(&c);

	/* Without SEC_CAP_MEMREF_NULL the client is refused locally. */
	if (!client_open(&c, OPTEE_SMC_SEC_CAP_MEMREF_NULL))
		return;
	nsmc = (uint32_t)c.f->nsmc;
	op.params[0].tmpref.size = 42;
	CHECK_EQ(TEEC_InvokeCommand(&c.sess, F_SHORT, &op, &origin),
		 TEEC_ERROR_NOT_SUPPORTED);
	CHECK_EQ(origin, TEEC_ORIGIN_API);
	CHECK_EQ((uint32_t)c.f->nsmc, nsmc);
	client_close(&c);
}

void test_client_registered_shm(void)
{
	struct client c;
	TEEC_TempMemoryReference area;
	TEEC_SharedMemory shm, in_only;
	TEEC_Operation op;
	const struct optee_msg_arg *a;
	struct fake_reg *reg;
	uint32_t origin;
	uint8_t bytes[200];
	uint64_t cookies[2];
	size_t i;

	if (!client_open(&c, 0))
		return;
	CHECK_EQ(teec_temp_alloc(&c.ctx, 3 * PAGE, GDRV_PAGES_CONTIG, &area),
		 TEEC_SUCCESS);
	memset(&shm, 0, sizeof(shm));
	shm.buffer = area.buffer + 0x100;
	shm.size = 5000;
	shm.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	CHECK_EQ(TEEC_RegisterSharedMemory(&c.ctx, &shm), TEEC_SUCCESS);
	reg = fake_find_reg(c.f, gdrv_shm_cookie(shm.imp));
	CHECK(reg != NULL);
	if (reg) {
		CHECK_EQ(reg->size, 5000);
		CHECK_EQ(reg->offset, 0x100);
		CHECK_EQ(reg->npages, 2);
		CHECK_EQ(reg->pages[0], area.buffer);
		CHECK_EQ(reg->list_buf_ptr & (PAGE - 1), 0x100);
	}
	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(0xc0 + i);
	CHECK_EQ(teec_shm_write(&shm, 100, bytes, sizeof(bytes)), TEEC_SUCCESS);

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_WHOLE, TEEC_NONE, TEEC_NONE);
	op.params[0].memref.parent = &shm;
	op.params[0].memref.offset = 100;
	op.params[0].memref.size = 200;
	op.params[1].memref.parent = &shm;
	c.f->echo_out_size = 123;
	CHECK_EQ(TEEC_InvokeCommand(&c.sess, F_ECHO, &op, &origin), TEEC_SUCCESS);
	a = last(c.f);
	CHECK_EQ(a->params[0].attr, OPTEE_MSG_ATTR_TYPE_RMEM_INPUT);
	CHECK_EQ(a->params[0].u.rmem.offs, 100);
	CHECK_EQ(a->params[0].u.rmem.size, 200);
	CHECK_EQ(a->params[0].u.rmem.shm_ref, gdrv_shm_cookie(shm.imp));
	CHECK_EQ(a->params[1].attr, OPTEE_MSG_ATTR_TYPE_RMEM_INOUT);
	CHECK_EQ(a->params[1].u.rmem.offs, 0);
	CHECK_EQ(a->params[1].u.rmem.size, 5000);
	CHECK_EQ(a->params[1].u.rmem.shm_ref, gdrv_shm_cookie(shm.imp));
	CHECK(memcmp(c.f->last_in[0], bytes, sizeof(bytes)) == 0);
	CHECK_EQ(op.params[0].memref.size, 200); /* input: unchanged */
	CHECK_EQ(op.params[1].memref.size, 123); /* WHOLE reports a size */

	/* A partial memref must fit, and match the memory's direction. */
	memset(&in_only, 0, sizeof(in_only));
	in_only.buffer = area.buffer + 2 * PAGE;
	in_only.size = 64;
	in_only.flags = TEEC_MEM_INPUT;
	CHECK_EQ(TEEC_RegisterSharedMemory(&c.ctx, &in_only), TEEC_SUCCESS);
	CHECK(gdrv_shm_cookie(in_only.imp) != gdrv_shm_cookie(shm.imp));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_OUTPUT, TEEC_NONE,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].memref.parent = &in_only;
	op.params[0].memref.offset = 0;
	op.params[0].memref.size = 8;
	CHECK_EQ(TEEC_InvokeCommand(&c.sess, F_ECHO, &op, &origin),
		 TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(origin, TEEC_ORIGIN_API);
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, TEEC_NONE,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].memref.offset = 60;
	CHECK_EQ(TEEC_InvokeCommand(&c.sess, F_ECHO, &op, &origin),
		 TEEC_ERROR_BAD_PARAMETERS);
	op.params[0].memref.offset = 56;
	CHECK_EQ(TEEC_InvokeCommand(&c.sess, F_ECHO, &op, &origin), TEEC_SUCCESS);
	/* WHOLE of input-only memory goes as RMEM_INPUT. */
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_WHOLE, TEEC_NONE, TEEC_NONE,
					 TEEC_NONE);
	CHECK_EQ(TEEC_InvokeCommand(&c.sess, F_ECHO, &op, &origin), TEEC_SUCCESS);
	CHECK_EQ(last(c.f)->params[0].attr, OPTEE_MSG_ATTR_TYPE_RMEM_INPUT);

	cookies[0] = gdrv_shm_cookie(in_only.imp);
	cookies[1] = gdrv_shm_cookie(shm.imp);
	TEEC_ReleaseSharedMemory(&in_only);
	TEEC_ReleaseSharedMemory(&shm);
	CHECK(fake_find_reg(c.f, cookies[0]) == NULL);
	CHECK(fake_find_reg(c.f, cookies[1]) == NULL);
	teec_temp_free(&c.ctx, &area);
	client_close(&c);
}

void test_client_allocated_shm(void)
{
	struct client c;
	TEEC_SharedMemory shm, sc;
	TEEC_Operation op;
	uint8_t bytes[64], back[64];
	uint64_t cookie;
	size_t i, np;
	const uint64_t *pages;

	if (!client_open(&c, 0))
		return;
	memset(&shm, 0, sizeof(shm));
	shm.size = 10000;
	shm.flags = TEEC_MEM_INPUT;
	CHECK_EQ(TEEC_AllocateSharedMemory(&c.ctx, &shm), TEEC_SUCCESS);
	CHECK(shm.buffer != 0); /* contiguous by default */
	cookie = gdrv_shm_cookie(shm.imp);
	CHECK(fake_find_reg(c.f, cookie) != NULL);
	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(i + 1);
	CHECK_EQ(teec_shm_write(&shm, 0, bytes, sizeof(bytes)), TEEC_SUCCESS);
	CHECK_EQ(teec_shm_read(&shm, 0, back, sizeof(back)), TEEC_SUCCESS);
	CHECK(memcmp(bytes, back, sizeof(bytes)) == 0);
	CHECK_EQ(teec_shm_write(&shm, 10000 - 8, bytes, 16), TEEC_ERROR_BAD_PARAMETERS);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_WHOLE, TEEC_NONE, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref.parent = &shm;
	CHECK_EQ(TEEC_InvokeCommand(&c.sess, F_ECHO, &op, NULL), TEEC_SUCCESS);
	CHECK_EQ(last(c.f)->params[0].attr, OPTEE_MSG_ATTR_TYPE_RMEM_INPUT);
	CHECK(memcmp(c.f->last_in[0], bytes, sizeof(bytes)) == 0);

	/* Deliberately scattered allocation. */
	memset(&sc, 0, sizeof(sc));
	sc.size = 3 * PAGE;
	sc.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	CHECK_EQ(teec_allocate_shared_memory_policy(&c.ctx, &sc, GDRV_PAGES_SCATTER),
		 TEEC_SUCCESS);
	CHECK_EQ(sc.buffer, 0);
	pages = gdrv_shm_pages(sc.imp, &np, NULL);
	CHECK_EQ(np, 3);
	for (i = 1; i < np; i++)
		CHECK(pages[i] != pages[i - 1] + PAGE);
	CHECK(gdrv_shm_cookie(sc.imp) != cookie);
	if (fake_find_reg(c.f, gdrv_shm_cookie(sc.imp)))
		CHECK(memcmp(fake_find_reg(c.f, gdrv_shm_cookie(sc.imp))->pages,
			     pages, 3 * sizeof(uint64_t)) == 0);

	TEEC_ReleaseSharedMemory(&shm);
	TEEC_ReleaseSharedMemory(&sc);
	CHECK(fake_find_reg(c.f, cookie) == NULL);
	client_close(&c);
}

void test_client_comms_error(void)
{
	struct client c;
	struct gdrv_stats st;
	uint32_t origin;

	if (!client_open(&c, 0))
		return;
	CHECK_EQ(TEEC_InvokeCommand(&c.sess, F_EBADCMD, NULL, &origin),
		 TEEC_ERROR_COMMUNICATION);
	CHECK_EQ(origin, TEEC_ORIGIN_COMMS);
	gdrv_get_stats(c.drv, &st);
	CHECK_EQ(st.smc_errors[OPTEE_SMC_RETURN_EBADCMD], 1);
	client_close(&c);
}

void test_client_finalize(void)
{
	static const TEEC_UUID ta = TEST_TA_UUID;
	struct client c;
	TEEC_Session s2, s3;
	int closes;

	if (!client_open(&c, 0))
		return;
	CHECK_EQ(TEEC_OpenSession(&c.ctx, &s2, &ta, TEEC_LOGIN_PUBLIC, NULL, NULL,
				  NULL), TEEC_SUCCESS);
	CHECK_EQ(TEEC_OpenSession(&c.ctx, &s3, &ta, TEEC_LOGIN_PUBLIC, NULL, NULL,
				  NULL), TEEC_SUCCESS);
	CHECK(s2.session_id != s3.session_id);
	closes = c.f->close_count;
	TEEC_FinalizeContext(&c.ctx); /* closes the three open sessions */
	CHECK_EQ(c.f->close_count, closes + 3);
	util_teardown(c.f, c.drv);
}

void test_client_bad_params(void)
{
	struct client c;
	TEEC_Operation op;
	TEEC_SharedMemory shm;
	uint32_t origin;
	int nsmc;

	if (!client_open(&c, 0))
		return;
	nsmc = c.f->nsmc;
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(0x8, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	CHECK_EQ(TEEC_InvokeCommand(&c.sess, F_ECHO, &op, &origin),
		 TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(origin, TEEC_ORIGIN_API);
	/* A temporary buffer outside guest RAM. */
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_NONE,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].tmpref.buffer = 0x1000;
	op.params[0].tmpref.size = 16;
	CHECK_EQ(TEEC_InvokeCommand(&c.sess, F_ECHO, &op, &origin),
		 TEEC_ERROR_BAD_PARAMETERS);
	/* A whole memref without a parent. */
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_WHOLE, TEEC_NONE, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref.parent = NULL;
	CHECK_EQ(TEEC_InvokeCommand(&c.sess, F_ECHO, &op, &origin),
		 TEEC_ERROR_BAD_PARAMETERS);
	memset(&shm, 0, sizeof(shm));
	CHECK_EQ(TEEC_AllocateSharedMemory(&c.ctx, &shm), TEEC_ERROR_BAD_PARAMETERS);
	shm.size = 1u << 30; /* more than the guest has */
	CHECK_EQ(TEEC_AllocateSharedMemory(&c.ctx, &shm), TEEC_ERROR_OUT_OF_MEMORY);
	CHECK_EQ(c.f->nsmc, nsmc); /* nothing was sent */
	client_close(&c);
}
