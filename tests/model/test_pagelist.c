// SPDX-License-Identifier: BSD-2-Clause
/* Non-contiguous page lists (ABI 4.5, worked example of ABI 11). */
#include "tenv.h"

static const struct ta_uuid buf_uuid = TA_BUF_UUID;

struct ctx {
	struct tenv e;
	uint64_t argpa;
	uint32_t sess;
};

static void setup(struct ctx *c)
{
	struct optee_model_config cfg;

	optee_model_config_default(&cfg);
	tenv_init(&c->e, &cfg);
	c->argpa = page_alloc(&c->e);
	CHECK_EQ(open_session(&c->e, 0, c->argpa, &buf_uuid, &c->sess), 0);
}

static void teardown(struct ctx *c)
{
	CHECK_EQ(close_session(&c->e, 0, c->argpa, c->sess), 0);
	tenv_fini(&c->e);
}

/* CHECKSUM of RMEM [offs, offs + size) of `cookie`; returns ret, hash in *h. */
static uint32_t checksum_rmem(struct ctx *c, uint64_t cookie, uint64_t offs, uint64_t size,
			      uint64_t *h)
{
	struct optee_msg_param p[2];
	uint32_t ret = 0;

	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	p[0].u.rmem.offs = offs;
	p[0].u.rmem.size = size;
	p[0].u.rmem.shm_ref = cookie;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	ret = invoke(&c->e, 0, c->argpa, c->sess, TA_BUF_CMD_CHECKSUM, 2, p);
	*h = p[1].u.value.a;
	return ret;
}

static void worked_example(void)
{
	struct ctx c;
	uint64_t pages[3], list = 0, h = 0, size = 3 * PAGE - 0x234;
	uint8_t data[3 * PAGE];
	uint64_t *slots = NULL;
	size_t i = 0;

	setup(&c);
	for (i = 0; i < 3; i++) {
		pages[i] = page_alloc(&c.e);
		page_alloc(&c.e); /* keep the data pages apart */
	}
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	for (i = 0; i < 3; i++)
		memcpy(pa_ptr(&c.e, pages[i]), data + i * PAGE, PAGE);
	list = make_pagelist(&c.e, pages, 3, 0x234);
	slots = pa_ptr(&c.e, list & ~(uint64_t)0xFFF);
	CHECK(slots[0] == pages[0] && slots[1] == pages[1] && slots[2] == pages[2]);
	CHECK_EQ(slots[511], 0);
	CHECK_EQ(list & 0xFFF, 0x234);
	CHECK_EQ(register_shm(&c.e, 0, c.argpa, list, size, 0x77), 0);
	CHECK_EQ(checksum_rmem(&c, 0x77, 0, size, &h), 0);
	CHECK_EQ(h, fnv1a(data + 0x234, (size_t)size));
	CHECK_EQ(checksum_rmem(&c, 0x77, 100, 5000, &h), 0);
	CHECK_EQ(h, fnv1a(data + 0x234 + 100, 5000));
	/* One byte more than the registered pages hold. */
	CHECK_EQ(checksum_rmem(&c, 0x77, 0, size + 1, &h), TEEC_ERROR_SECURITY);
	/* A size one byte over 3 pages needs a 4th entry, which is 0 here. */
	CHECK_EQ(register_shm(&c.e, 0, c.argpa, list, size + 1, 0x78), TEEC_ERROR_BAD_PARAMETERS);
	teardown(&c);
}

static void bad_lists(void)
{
	struct ctx c;
	uint64_t pages[2], list = 0;
	uint64_t *slots = NULL;

	setup(&c);
	pages[0] = page_alloc(&c.e);
	pages[1] = page_alloc(&c.e);
	list = make_pagelist(&c.e, pages, 2, 0);
	slots = pa_ptr(&c.e, list);

	slots[1] = pages[1] + 0x800; /* misaligned entry */
	CHECK_EQ(register_shm(&c.e, 0, c.argpa, list, 2 * PAGE, 1), TEEC_ERROR_BAD_PARAMETERS);
	slots[1] = SEC_BASE;        /* secure data page */
	CHECK_EQ(register_shm(&c.e, 0, c.argpa, list, 2 * PAGE, 1), TEEC_ERROR_BAD_PARAMETERS);
	slots[1] = pages[1];
	/* The list page itself in secure memory. */
	CHECK_EQ(register_shm(&c.e, 0, c.argpa, SEC_BASE, PAGE, 1), TEEC_ERROR_BAD_PARAMETERS);
	/* Size 0 at offset 0: no pages. */
	CHECK_EQ(register_shm(&c.e, 0, c.argpa, list, 0, 1), TEEC_ERROR_BAD_PARAMETERS);
	/* Size 0 at an offset: one page (OP-TEE counts it). */
	CHECK_EQ(register_shm(&c.e, 0, c.argpa, list | 0x10, 0, 2), 0);
	/* Larger than 1 GiB: more pages than the model keeps. */
	CHECK_EQ(register_shm(&c.e, 0, c.argpa, list, (UINT64_C(1) << 30) + PAGE, 3),
		 TEEC_ERROR_BAD_PARAMETERS);
	/* Size overflowing with the offset. */
	CHECK_EQ(register_shm(&c.e, 0, c.argpa, list | 1, UINT64_MAX, 4), TEEC_ERROR_BAD_PARAMETERS);
	/* Good. */
	CHECK_EQ(register_shm(&c.e, 0, c.argpa, list, 2 * PAGE, 5), 0);
	teardown(&c);
}

static void multi_page_lists(void)
{
	struct ctx c;
	enum { N = 1200 };
	static uint64_t pages[N];
	uint64_t list = 0, h = 0, *slots = NULL, next = 0;
	size_t i = 0;

	setup(&c);
	for (i = 0; i < N; i++) {
		pages[i] = page_alloc(&c.e);
		memset(pa_ptr(&c.e, pages[i]), (int)(i & 0xFF), PAGE);
	}
	list = make_pagelist(&c.e, pages, N, 0);
	CHECK_EQ(register_shm(&c.e, 0, c.argpa, list, (uint64_t)N * PAGE, 0x500), 0);
	/* Pages 510, 511 (first of the 2nd list page), 1022 (first of the 3rd). */
	CHECK_EQ(checksum_rmem(&c, 0x500, 510 * PAGE, 2 * PAGE, &h), 0);
	{
		uint8_t exp[2 * PAGE];

		memset(exp, 510 & 0xFF, PAGE);
		memset(exp + PAGE, 511 & 0xFF, PAGE);
		CHECK_EQ(h, fnv1a(exp, sizeof(exp)));
		memset(exp, 1022 & 0xFF, PAGE);
		CHECK_EQ(checksum_rmem(&c, 0x500, 1022 * PAGE, PAGE, &h), 0);
		CHECK_EQ(h, fnv1a(exp, PAGE));
	}
	/* A misaligned next pointer. */
	slots = pa_ptr(&c.e, list);
	next = slots[511];
	slots[511] = next + 8;
	CHECK_EQ(register_shm(&c.e, 0, c.argpa, list, (uint64_t)N * PAGE, 0x501),
		 TEEC_ERROR_BAD_PARAMETERS);
	/* Exactly 511 entries never read slot 511. */
	CHECK_EQ(register_shm(&c.e, 0, c.argpa, list, 511 * PAGE, 0x502), 0);
	slots[511] = next;
	teardown(&c);
}

/* A 1 GiB registered buffer: 262144 entries over 514 list pages. */
static void one_gib(void)
{
	struct ctx c;
	enum { N = 262144 };
	uint64_t *pages = calloc(N, sizeof(uint64_t));
	uint64_t data[4], list = 0, h = 0;
	size_t i = 0;
	struct optee_model_guest_stats st;

	setup(&c);
	for (i = 0; i < 4; i++) {
		data[i] = page_alloc(&c.e);
		memset(pa_ptr(&c.e, data[i]), (int)(0xA0 + i), PAGE);
	}
	/* Entries may alias: four physical pages, repeated. */
	for (i = 0; i < N; i++)
		pages[i] = data[i % 4];
	list = make_pagelist(&c.e, pages, N, 0);
	CHECK_EQ(register_shm(&c.e, 0, c.argpa, list, UINT64_C(1) << 30, 0x6000), 0);
	CHECK(optee_model_guest_stats(c.e.m, 0, &st) == 0 && st.reg_shm == 1);
	{
		uint8_t exp[16];

		memset(exp, 0xA3, sizeof(exp));
		CHECK_EQ(checksum_rmem(&c, 0x6000, (UINT64_C(1) << 30) - 16, 16, &h), 0);
		CHECK_EQ(h, fnv1a(exp, sizeof(exp)));
		memset(exp, 0xA2, sizeof(exp));
		CHECK_EQ(checksum_rmem(&c, 0x6000, (UINT64_C(1) << 30) - PAGE - 16, 16, &h), 0);
		CHECK_EQ(h, fnv1a(exp, sizeof(exp)));
	}
	CHECK_EQ(checksum_rmem(&c, 0x6000, (UINT64_C(1) << 30) - 15, 16, &h), TEEC_ERROR_SECURITY);
	free(pages);
	teardown(&c);
}

/* TMEM|NONCONTIG: a page list parsed for one call. */
static void tmem_noncontig(void)
{
	struct ctx c;
	uint64_t pages[2];
	struct optee_msg_param p[2];
	uint8_t *p0 = NULL, *p1 = NULL;

	setup(&c);
	pages[0] = page_alloc(&c.e);
	pages[1] = page_alloc(&c.e);
	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = 0x5C;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	p[1].u.tmem.buf_ptr = make_pagelist(&c.e, pages, 2, 0xF00);
	p[1].u.tmem.size = 0x200;
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_BUF_CMD_FILL, 2, p), 0);
	p0 = pa_ptr(&c.e, pages[0]);
	p1 = pa_ptr(&c.e, pages[1]);
	CHECK(p0[0xEFF] == 0 && p0[0xF00] == 0x5C && p0[0xFFF] == 0x5C);
	CHECK(p1[0] == 0x5C && p1[0xFF] == 0x5C && p1[0x100] == 0);
	CHECK_EQ(p[1].u.tmem.size, 0x200);
	/* A bad list: BAD_PARAMETERS, origin TEE. */
	((uint64_t *)pa_ptr(&c.e, p[1].u.tmem.buf_ptr & ~(uint64_t)0xFFF))[1] = 3;
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_BUF_CMD_FILL, 2, p), TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(c.e.last_origin, TEEC_ORIGIN_TEE);
	teardown(&c);
}

void test_pagelist(void)
{
	worked_example();
	bad_lists();
	multi_page_lists();
	one_gib();
	tmem_noncontig();
}
