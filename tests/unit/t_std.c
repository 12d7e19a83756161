/* SPDX-License-Identifier: BSD-2-Clause */
/* Behaviour 4: standard calls (CALL_WITH_ARG). */
#include "fx.h"

#define ATTR_TMEM_NC(t) (OPTEE_MSG_ATTR_TYPE_TMEM_##t | OPTEE_MSG_ATTR_NONCONTIG)
#define META_VALUE (OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | OPTEE_MSG_ATTR_META)

static uint64_t mk(int d, uint32_t cmd, uint32_t n)
{
	uint64_t ipa = arg_new(d);

	msg_init(garg(d, ipa), cmd, n);
	return ipa;
}

/* A well-formed OPEN_SESSION with `ta` TA params (the caller fills them). */
static uint64_t mk_open(int d, uint32_t ta)
{
	uint64_t ipa = mk(d, OPTEE_MSG_CMD_OPEN_SESSION, 2 + ta);
	struct optee_msg_arg *a = garg(d, ipa);

	a->params[0].attr = META_VALUE;
	a->params[0].u.value.a = 0x5340dedd88a61170ull;
	a->params[0].u.value.b = 0xb813df4d3c7ba9a5ull;
	a->params[1].attr = META_VALUE;
	return ipa;
}

/* The call must be refused by the mediator: a0 OK, ret, no SMC, no pin left. */
static void refused_at(const char *file, int line, int d, uint64_t ipa, uint32_t ret,
		       bool origin_tee)
{
	uint64_t n = sw_smc_count();
	int64_t pins = live_pins();
	struct teemed_regs r = std_regs(ipa);
	struct optee_msg_arg *a = garg(d, ipa);

	call(d, &r);
	run_through_preemption(d, &r);
	if (r.a[0] != OPTEE_SMC_RETURN_OK)
		test_fail(file, line, "a0 = 0x%llx, expected OK", (unsigned long long)r.a[0]);
	else if (a->ret != ret)
		test_fail(file, line, "ret = 0x%x, expected 0x%x", a->ret, ret);
	else if (origin_tee && a->ret_origin != TEEC_ORIGIN_TEE)
		test_fail(file, line, "ret_origin = %u, expected TEE", a->ret_origin);
	if (sw_smc_count() != n)
		test_fail(file, line, "the refused call reached OP-TEE");
	if (live_pins() != pins)
		test_fail(file, line, "%lld pin(s) left by a refused call",
			  (long long)(live_pins() - pins));
}
#define REFUSED(d, ipa, ret) refused_at(__FILE__, __LINE__, (d), (ipa), (ret), false)
#define REFUSED_SHAPE(d, ipa) \
	refused_at(__FILE__, __LINE__, (d), (ipa), TEEC_ERROR_BAD_PARAMETERS, true)

/* The call must be refused with a0 = `a0` and no SMC. */
static void a0_at(const char *file, int line, int d, struct teemed_regs r, uint64_t a0)
{
	uint64_t n = sw_smc_count();
	int64_t pins = live_pins();

	call(d, &r);
	if (r.a[0] != a0)
		test_fail(file, line, "a0 = 0x%llx, expected 0x%llx", (unsigned long long)r.a[0],
			  (unsigned long long)a0);
	if (sw_smc_count() != n)
		test_fail(file, line, "the refused call reached OP-TEE");
	if (live_pins() != pins)
		test_fail(file, line, "pins left by a refused call");
}
#define A0(d, r, a0) a0_at(__FILE__, __LINE__, (d), (r), (a0))

/* ---------------------------------------------------------------------- */

TEST(std_shadow_is_private_copy)
{
	uint64_t ipa = 0;
	struct optee_msg_arg *a;
	struct callctx c = { 0 };
	struct teemed_regs r;
	size_t sz = OPTEE_MSG_GET_ARG_SIZE(4);

	fx_up(NULL, 1);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 4);
	a = garg(0, ipa);
	a->func = 0x1234;
	a->session = 0x55;
	a->cancel_id = 7;
	for (int i = 0; i < 4; i++) {
		a->params[i].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
		a->params[i].u.value.a = 0x1000u + (unsigned)i;
		a->params[i].u.value.b = 0x2000u + (unsigned)i;
		a->params[i].u.value.c = 0x3000u + (unsigned)i;
	}
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	REQUIRE_EQ(c.calls, 1);
	CHECK(c.shadow_pa != g_pa(G(0), ipa));
	CHECK(pa_is_med_page(c.shadow_pa));
	CHECK(!memcmp(c.snap, a, sz));
}

TEST(std_only_arg_size_bytes_read)
{
	uint64_t ipa;
	struct optee_msg_arg *a;
	struct callctx c = { 0 };
	struct teemed_regs r;
	size_t sz = OPTEE_MSG_GET_ARG_SIZE(2);
	int run = 0, maxrun = 0;

	fx_up(NULL, 1);
	ipa = arg_new(0);
	a = garg(0, ipa);
	memset(a, 0xC3, PG); /* a marker after the params */
	msg_init(a, OPTEE_MSG_CMD_INVOKE_COMMAND, 2);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	a->params[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	REQUIRE_EQ(c.calls, 1);
	for (size_t i = sz; i < PG; i++) {
		run = c.snap[i] == 0xC3 ? run + 1 : 0;
		if (run > maxrun)
			maxrun = run;
	}
	CHECK_MSG(maxrun < 16, "guest bytes after the params reached the shadow (%d-byte run)",
		  maxrun);
}

TEST(std_arg_read_once)
{
	uint64_t ipa, gpa;
	struct callctx c = { 0 };
	struct teemed_regs r;
	uint64_t maps0;

	fx_up(NULL, 1);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	garg(0, ipa)->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	gpa = g_pa(G(0), ipa);
	maps0 = fake_counts()->maps;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	/* one map to copy in, one to copy back: no re-reading */
	CHECK(fake_counts()->maps - maps0 <= 2);
	CHECK_EQ(pa_pins_all(gpa), 0);
}

TEST(std_arg_unaligned_ebadaddr)
{
	uint64_t ipa;

	fx_up(NULL, 1);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	A0(0, std_regs(ipa + 8), OPTEE_SMC_RETURN_EBADADDR);
	A0(0, std_regs(ipa + 0x800), OPTEE_SMC_RETURN_EBADADDR);
	A0(0, std_regs(ipa + 1), OPTEE_SMC_RETURN_EBADADDR);
	CHECK_EQ(dstats(0).bad_addr, 3);
}

TEST(std_arg_not_ram_ebadaddr)
{
	uint64_t ipa;

	fx_up(NULL, 1);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	g_set_type(G(0), ipa, PG_UNMAPPED);
	A0(0, std_regs(ipa), OPTEE_SMC_RETURN_EBADADDR);
	A0(0, std_regs(0), OPTEE_SMC_RETURN_EBADADDR);
	A0(0, std_regs(UINT64_C(0xFFFFFFFFFFFFF000)), OPTEE_SMC_RETURN_EBADADDR);
}

TEST(std_arg_mmio_ebadaddr)
{
	uint64_t ipa;

	fx_up(NULL, 1);
	ipa = g_alloc(G(0), 1, PG_MMIO);
	A0(0, std_regs(ipa), OPTEE_SMC_RETURN_EBADADDR);
}

TEST(std_arg_read_only_ebadaddr)
{
	uint64_t ipa;
	struct callctx c = { 0 };
	struct sw_step *s;
	struct teemed_regs r;

	fx_up(NULL, 1);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	g_set_type(G(0), ipa, PG_RAM_RO);
	s = sw_call(0, &c);
	s->optional = true; /* refused at once or at completion */
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_EBADADDR);
}

TEST(std_num_params_128_ebadaddr)
{
	/* Xen bug 3: the oversized num_params path never set a0. */
	static const uint32_t bad[] = { 128, 129, 0x08000001, 0x80000000, 0xFFFFFFFF };

	fx_up(NULL, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
		struct teemed_regs r = std_regs(ipa);

		garg(0, ipa)->num_params = bad[i];
		A0(0, r, OPTEE_SMC_RETURN_EBADADDR);
	}
}

TEST(std_num_params_127_passes_header_check)
{
	uint64_t ipa;
	struct optee_msg_arg *a;

	fx_up(NULL, 1);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 127);
	a = garg(0, ipa);
	for (int i = 0; i < 127; i++)
		a->params[i].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	/* fits the page exactly; INVOKE with 127 params is a bad shape */
	REFUSED_SHAPE(0, ipa);
}

TEST(std_unknown_command_ebadcmd)
{
	static const uint32_t cmds[] = { 6, 7, 8, 9, 10, 11, 12, 0x100, 0xFFFFFFFF };

	fx_up(NULL, 1);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		uint64_t ipa = mk(0, cmds[i], 0);

		garg(0, ipa)->ret = 0x5A5A5A5A;
		A0(0, std_regs(ipa), OPTEE_SMC_RETURN_EBADCMD);
		CHECK_EQ(garg(0, ipa)->ret, 0x5A5A5A5A);
	}
}

TEST(std_unknown_command_frees_slot)
{
	fx_up(NULL, 1);
	for (unsigned i = 0; i < X.threads + 2; i++)
		A0(0, std_regs(mk(0, 99, 0)), OPTEE_SMC_RETURN_EBADCMD);
	for (unsigned i = 0; i < X.threads + 2; i++)
		REFUSED_SHAPE(0, mk(0, OPTEE_MSG_CMD_CLOSE_SESSION, 1));
}

/* --- command shapes ---------------------------------------------------- */

TEST(std_open_session_shapes)
{
	uint64_t ipa;

	fx_up(NULL, 1);
	REFUSED_SHAPE(0, mk(0, OPTEE_MSG_CMD_OPEN_SESSION, 0));
	ipa = mk(0, OPTEE_MSG_CMD_OPEN_SESSION, 1);
	garg(0, ipa)->params[0].attr = META_VALUE;
	REFUSED_SHAPE(0, ipa);
	ipa = mk_open(0, 0);
	garg(0, ipa)->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT; /* no META */
	REFUSED_SHAPE(0, ipa);
	ipa = mk_open(0, 0);
	garg(0, ipa)->params[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INOUT | OPTEE_MSG_ATTR_META;
	REFUSED_SHAPE(0, ipa);
	ipa = mk_open(0, 5); /* 2 + 5 */
	for (int i = 2; i < 7; i++)
		garg(0, ipa)->params[i].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	REFUSED_SHAPE(0, ipa);
	ipa = mk_open(0, 1);
	garg(0, ipa)->params[2].attr = META_VALUE; /* META after the metas */
	REFUSED_SHAPE(0, ipa);
}

TEST(std_open_session_ok_session_copied_back)
{
	uint64_t ipa;
	struct optee_msg_arg *a;
	struct callctx c = { .ret = 0, .origin = TEEC_ORIGIN_TRUSTED_APP, .set_session = true,
			     .session = 0xABCD };
	struct teemed_regs r;

	fx_up(NULL, 1);
	ipa = mk_open(0, 4);
	a = garg(0, ipa);
	for (int i = 2; i < 6; i++)
		a->params[i].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	a->session = 0xFFFF;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(c.calls, 1);
	CHECK_EQ(a->session, 0xABCD);
	CHECK_EQ(a->ret, 0);
	CHECK_EQ(a->ret_origin, TEEC_ORIGIN_TRUSTED_APP);
}

TEST(std_invoke_shapes)
{
	uint64_t ipa;

	fx_up(NULL, 1);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 5);
	for (int i = 0; i < 5; i++)
		garg(0, ipa)->params[i].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	REFUSED_SHAPE(0, ipa);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	garg(0, ipa)->params[0].attr = META_VALUE;
	REFUSED_SHAPE(0, ipa);
}

TEST(std_close_cancel_shapes)
{
	struct callctx c = { 0 };
	struct teemed_regs r;
	uint64_t ipa;

	fx_up(NULL, 1);
	REFUSED_SHAPE(0, mk(0, OPTEE_MSG_CMD_CLOSE_SESSION, 1));
	REFUSED_SHAPE(0, mk(0, OPTEE_MSG_CMD_CANCEL, 1));
	ipa = mk(0, OPTEE_MSG_CMD_CLOSE_SESSION, 0);
	garg(0, ipa)->session = 9;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(c.calls, 1);
	ipa = mk(0, OPTEE_MSG_CMD_CANCEL, 0);
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(c.calls, 2);
}

TEST(std_register_shm_shapes)
{
	/* OP-TEE's register_shm sets no ret_origin: only ret is checked */
	uint64_t ipa, data;
	struct optee_msg_arg *a;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 2, PG_RAM_RW);
	REFUSED(0, mk(0, OPTEE_MSG_CMD_REGISTER_SHM, 0), TEEC_ERROR_BAD_PARAMETERS);
	ipa = reg_shm_arg(0, data, 2, 1, 2 * PG);
	garg(0, ipa)->num_params = 2;
	garg(0, ipa)->params[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	REFUSED(0, ipa, TEEC_ERROR_BAD_PARAMETERS);
	static const uint64_t attrs[] = { OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT, ATTR_TMEM_NC(INPUT),
					  ATTR_TMEM_NC(INOUT), OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT,
					  OPTEE_MSG_ATTR_TYPE_VALUE_INPUT };
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		ipa = reg_shm_arg(0, data, 2, 1, 2 * PG);
		garg(0, ipa)->params[0].attr = attrs[i];
		REFUSED(0, ipa, TEEC_ERROR_BAD_PARAMETERS);
	}
	/* a null page list cannot be registered */
	ipa = reg_shm_arg(0, data, 2, 1, 2 * PG);
	a = garg(0, ipa);
	a->params[0].u.tmem.buf_ptr = 0;
	REFUSED(0, ipa, TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(live_pins(), 0);
}

TEST(std_unregister_shm_shapes)
{
	fx_up(NULL, 1);
	REFUSED(0, mk(0, OPTEE_MSG_CMD_UNREGISTER_SHM, 0), TEEC_ERROR_BAD_PARAMETERS);
	REFUSED(0, mk(0, OPTEE_MSG_CMD_UNREGISTER_SHM, 2), TEEC_ERROR_BAD_PARAMETERS);
	/* unknown cookie */
	REFUSED(0, mk(0, OPTEE_MSG_CMD_UNREGISTER_SHM, 1), TEEC_ERROR_BAD_PARAMETERS);
}

TEST(std_bad_attributes_refused)
{
	static const uint64_t attrs[] = {
		0x4, 0x8, 0xC, 0xD, 0xFF,
		OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | 0x400,
		OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | (UINT64_C(1) << 19), /* above the cache field */
		OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | (UINT64_C(1) << 63),
		OPTEE_MSG_ATTR_TYPE_RMEM_INPUT | (UINT64_C(1) << 40),
	};

	fx_up(NULL, 1);
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		uint64_t ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);

		garg(0, ipa)->params[0].attr = attrs[i];
		REFUSED(0, ipa, TEEC_ERROR_BAD_PARAMETERS);
	}
}

TEST(std_none_param_passes)
{
	struct callctx c = { 0 };
	struct teemed_regs r;
	uint64_t ipa;

	fx_up(NULL, 1);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 4);
	garg(0, ipa)->params[2].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(c.calls, 1);
}

/* --- RMEM ---------------------------------------------------------------- */

static uint64_t rmem_call(int d, uint64_t attr, uint64_t cookie, uint64_t offs, uint64_t size)
{
	uint64_t ipa = mk(d, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	struct optee_msg_param *p = &garg(d, ipa)->params[0];

	p->attr = attr;
	p->u.rmem.offs = offs;
	p->u.rmem.size = size;
	p->u.rmem.shm_ref = cookie;
	return ipa;
}

TEST(std_rmem_unknown_cookie_bad_parameters)
{
	fx_up(NULL, 2);
	REFUSED(0, rmem_call(0, OPTEE_MSG_ATTR_TYPE_RMEM_INPUT, 0x42, 0, 16),
		TEEC_ERROR_BAD_PARAMETERS);
	/* another domain's cookie is unknown too */
	register_shm(1, 2, 0, 0x42, NULL);
	REFUSED(0, rmem_call(0, OPTEE_MSG_ATTR_TYPE_RMEM_INPUT, 0x42, 0, 16),
		TEEC_ERROR_BAD_PARAMETERS);
}

TEST(std_rmem_bounds_security)
{
	uint64_t ipa;
	struct callctx c = { 0 };
	struct teemed_regs r;

	fx_up(NULL, 1);
	register_shm(0, 2, 0, 0x42, NULL); /* 8192 bytes */
	REFUSED(0, rmem_call(0, OPTEE_MSG_ATTR_TYPE_RMEM_INPUT, 0x42, 8192 - 10, 11),
		TEEC_ERROR_SECURITY);
	REFUSED(0, rmem_call(0, OPTEE_MSG_ATTR_TYPE_RMEM_INOUT, 0x42, 8193, 0),
		TEEC_ERROR_SECURITY);
	REFUSED(0, rmem_call(0, OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT, 0x42,
			     UINT64_C(0xFFFFFFFFFFFFFFF0), 0x20), TEEC_ERROR_SECURITY);
	REFUSED(0, rmem_call(0, OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT, 0x42, 0x10,
			     UINT64_C(0xFFFFFFFFFFFFFFF8)), TEEC_ERROR_SECURITY);
	/* up to the end exactly is fine */
	ipa = rmem_call(0, OPTEE_MSG_ATTR_TYPE_RMEM_INPUT, 0x42, 100, 8192 - 100);
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	REQUIRE_EQ(c.calls, 1);
	/* forwarded untranslated */
	CHECK(!memcmp(c.snap + 32, &garg(0, ipa)->params[0], 32));
}

static void edit_out_size(struct optee_msg_arg *sh, struct callctx *c)
{
	(void)c;
	sh->params[0].u.rmem.size = 77;
	sh->params[0].u.rmem.offs = 0xBAD;
	sh->params[0].u.rmem.shm_ref = 0xBAD;
}

TEST(std_rmem_output_size_copied_back)
{
	uint64_t ipa;
	struct callctx c = { .edit = edit_out_size };
	struct teemed_regs r;
	struct optee_msg_param *p;

	fx_up(NULL, 1);
	register_shm(0, 2, 0, 0x42, NULL);
	ipa = rmem_call(0, OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT, 0x42, 16, 4096);
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	p = &garg(0, ipa)->params[0];
	CHECK_EQ(p->u.rmem.size, 77);
	CHECK_EQ(p->u.rmem.offs, 16);
	CHECK_EQ(p->u.rmem.shm_ref, 0x42);
}

TEST(std_rmem_input_size_not_copied_back)
{
	uint64_t ipa;
	struct callctx c = { .edit = edit_out_size };
	struct teemed_regs r;

	fx_up(NULL, 1);
	register_shm(0, 2, 0, 0x42, NULL);
	ipa = rmem_call(0, OPTEE_MSG_ATTR_TYPE_RMEM_INPUT, 0x42, 16, 4096);
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(garg(0, ipa)->params[0].u.rmem.size, 4096);
}

/* --- TMEM ---------------------------------------------------------------- */

TEST(std_tmem_contiguous_refused)
{
	uint64_t ipa, data;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 1, PG_RAM_RW);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	garg(0, ipa)->params[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	garg(0, ipa)->params[0].u.tmem.buf_ptr = data;
	garg(0, ipa)->params[0].u.tmem.size = 16;
	REFUSED(0, ipa, TEEC_ERROR_BAD_PARAMETERS);
}

static void edit_null_size(struct optee_msg_arg *sh, struct callctx *c)
{
	(void)c;
	sh->params[0].u.tmem.size = 32; /* e.g. the bytes needed (ABI 11) */
}

TEST(std_tmem_null_passes)
{
	static const uint64_t attrs[] = { OPTEE_MSG_ATTR_TYPE_TMEM_INPUT,
					  OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT,
					  OPTEE_MSG_ATTR_TYPE_TMEM_INOUT };

	fx_up(NULL, 1);
	for (size_t i = 0; i < 3; i++) {
		struct callctx c = { .edit = edit_null_size, .ret = TEEC_ERROR_SHORT_BUFFER };
		struct teemed_regs r;
		uint64_t ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
		struct optee_msg_param *p = &garg(0, ipa)->params[0];
		const struct optee_msg_arg *sh = (const void *)c.snap;

		p->attr = attrs[i];
		p->u.tmem.size = 0;
		sw_call(0, &c);
		r = std_regs(ipa);
		call(0, &r);
		CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
		REQUIRE_EQ(c.calls, 1);
		CHECK_EQ(sh->params[0].attr, attrs[i]);
		CHECK_EQ(sh->params[0].u.tmem.buf_ptr, 0);
		CHECK_EQ(garg(0, ipa)->ret, TEEC_ERROR_SHORT_BUFFER);
		CHECK_EQ(p->u.tmem.size, attrs[i] == OPTEE_MSG_ATTR_TYPE_TMEM_INPUT ? 0 : 32);
	}
}

struct tmem_check {
	uint64_t want[700];
	uint64_t n;
	unsigned access;
	unsigned off;
	uint64_t size, shm_ref;
	unsigned bad;
	bool seen;
};

static void edit_tmem(struct optee_msg_arg *sh, struct callctx *c)
{
	struct tmem_check *t = c->user;
	uint64_t got[700];
	struct optee_msg_param *p = &sh->params[0];

	t->seen = true;
	if ((p->u.tmem.buf_ptr & (PG - 1)) != t->off)
		test_fail(__FILE__, __LINE__, "buf_ptr 0x%llx: offset bits lost",
			  (unsigned long long)p->u.tmem.buf_ptr);
	CHECK_EQ(p->u.tmem.size, t->size);
	CHECK_EQ(p->u.tmem.shm_ref, t->shm_ref);
	t->bad = sw_walk_pagelist(p->u.tmem.buf_ptr, t->n, got, t->access, __FILE__, __LINE__);
	for (uint64_t i = 0; i < t->n && !t->bad; i++)
		if (got[i] != t->want[i]) {
			test_fail(__FILE__, __LINE__, "entry %llu = 0x%llx, expected 0x%llx",
				  (unsigned long long)i, (unsigned long long)got[i],
				  (unsigned long long)t->want[i]);
			break;
		}
	p->u.tmem.size = 0x1111;
	p->u.tmem.buf_ptr = 0xBAD000;
	p->u.tmem.shm_ref = 0xBAD;
}

static void tmem_case(uint64_t npages, unsigned off, uint64_t size, uint64_t attr,
		      unsigned access)
{
	static struct tmem_check t;
	struct callctx c = { .edit = edit_tmem };
	uint64_t ipa, data, bp;
	struct teemed_regs r;
	struct optee_msg_param *p;

	memset(&t, 0, sizeof(t));
	c.user = &t;
	data = g_alloc(G(0), npages, PG_RAM_RW);
	for (uint64_t i = 0; i < npages; i++)
		t.want[i] = g_pa(G(0), data + i * PG);
	t.n = npages;
	t.access = access;
	t.off = off;
	t.size = size;
	t.shm_ref = 0xFEED;
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	p = &garg(0, ipa)->params[0];
	p->attr = attr;
	bp = g_pagelist(0, data, npages, off);
	p->u.tmem.buf_ptr = bp;
	p->u.tmem.size = size;
	p->u.tmem.shm_ref = 0xFEED;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	run_through_preemption(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK(t.seen);
	CHECK_EQ(t.bad, 0);
	/* unpinned after the call */
	CHECK_EQ(live_pins(), 0);
	/* copy-back: size for outputs only, never the address or cookie */
	CHECK_EQ(p->u.tmem.buf_ptr, bp);
	CHECK_EQ(p->u.tmem.shm_ref, 0xFEED);
	if ((attr & 0xFF) == OPTEE_MSG_ATTR_TYPE_TMEM_INPUT)
		CHECK_EQ(p->u.tmem.size, size);
	else
		CHECK_EQ(p->u.tmem.size, 0x1111);
}

TEST(std_tmem_noncontig_translated_input)
{
	fx_up(NULL, 1);
	/* 3 entries: ceil((size + off) / 4096), as ABI 11's example */
	tmem_case(3, 0x234, 2 * PG + 100, ATTR_TMEM_NC(INPUT), 0);
}

TEST(std_tmem_noncontig_translated_output_write_pins)
{
	fx_up(NULL, 1);
	tmem_case(2, 0, 2 * PG, ATTR_TMEM_NC(OUTPUT), TEEMED_PIN_WRITE);
	tmem_case(4, 0xFF8, 3 * PG + 8, ATTR_TMEM_NC(INOUT), TEEMED_PIN_WRITE);
}

TEST(std_tmem_noncontig_one_page)
{
	fx_up(NULL, 1);
	tmem_case(1, 0x10, 0x20, ATTR_TMEM_NC(INOUT), TEEMED_PIN_WRITE);
}

TEST(std_tmem_noncontig_two_list_pages)
{
	fx_up(NULL, 1);
	tmem_case(600, 0x100, 599 * PG, ATTR_TMEM_NC(INPUT), 0);
}

TEST(std_tmem_noncontig_511_and_512_entries)
{
	fx_up(NULL, 1);
	tmem_case(511, 0, 511 * PG, ATTR_TMEM_NC(INPUT), 0);
	tmem_case(512, 0, 512 * PG, ATTR_TMEM_NC(INPUT), 0);
}

static void set_a_42(struct optee_msg_arg *sh, struct callctx *c)
{
	(void)c;
	sh->params[0].u.value.a = 42;
}

TEST(std_tmem_noncontig_input_ro_page_refused)
{
	/* OP-TEE maps every memref read-write for the TA: inputs too. */
	fx_up(NULL, 1);
	{
		uint64_t data = g_alloc(G(0), 2, PG_RAM_RW);
		uint64_t ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
		struct optee_msg_param *p = &garg(0, ipa)->params[0];

		g_set_type(G(0), data + PG, PG_RAM_RO);
		p->attr = ATTR_TMEM_NC(INPUT);
		p->u.tmem.buf_ptr = g_pagelist(0, data, 2, 0);
		p->u.tmem.size = 2 * PG;
		REFUSED(0, ipa, TEEC_ERROR_BAD_PARAMETERS);
	}
}

TEST(std_value_output_with_cache_bits_copied_back)
{
	/* Cache bits (16..18) on a value: accepted, and its outputs still return. */
	struct callctx c = { 0 };
	struct teemed_regs r;
	uint64_t ipa;
	struct optee_msg_arg *a;

	fx_up(NULL, 1);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	a = garg(0, ipa);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT | (UINT64_C(1) << 16);
	a->params[0].u.value.a = 7;
	c.edit = set_a_42; /* OP-TEE writes 42 into a */
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(c.calls, 1);
	CHECK_EQ(a->params[0].u.value.a, 42);
}

TEST(std_tmem_noncontig_list_page_ro_ok)
{
	struct callctx c = { 0 };
	struct teemed_regs r;
	uint64_t data, ipa;
	struct optee_msg_param *p;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 2, PG_RAM_RW);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	p = &garg(0, ipa)->params[0];
	p->attr = ATTR_TMEM_NC(OUTPUT);
	p->u.tmem.buf_ptr = g_pagelist_t(0, data, 2, 0, PG_RAM_RO);
	p->u.tmem.size = 2 * PG;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(c.calls, 1);
}

/* A page list with one bad entry: refused, nothing left pinned. */
static void bad_entry_case(int which, enum pg_type t, uint64_t attr, uint64_t npages)
{
	uint64_t data = g_alloc(G(0), npages, PG_RAM_RW);
	uint64_t ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 2);
	struct optee_msg_arg *a = garg(0, ipa);
	struct optee_msg_param *p = &a->params[1];

	/* a good memref first, so the failure comes after some pins */
	uint64_t good = g_alloc(G(0), 2, PG_RAM_RW);

	a->params[0].attr = ATTR_TMEM_NC(INOUT);
	a->params[0].u.tmem.buf_ptr = g_pagelist(0, good, 2, 0);
	a->params[0].u.tmem.size = 2 * PG;
	g_set_type(G(0), data + (uint64_t)which * PG, t);
	p->attr = attr;
	p->u.tmem.buf_ptr = g_pagelist(0, data, npages, 0);
	p->u.tmem.size = npages * PG;
	REFUSED(0, ipa, TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(live_pins(), 0);
}

TEST(std_tmem_entry_mmio_refused)
{
	fx_up(NULL, 1);
	bad_entry_case(2, PG_MMIO, ATTR_TMEM_NC(INPUT), 4);
	bad_entry_case(0, PG_MMIO, ATTR_TMEM_NC(INOUT), 1);
}

TEST(std_tmem_entry_unmapped_refused)
{
	fx_up(NULL, 1);
	bad_entry_case(3, PG_UNMAPPED, ATTR_TMEM_NC(INPUT), 4);
	bad_entry_case(520, PG_UNMAPPED, ATTR_TMEM_NC(INPUT), 530); /* on list page 2 */
}

TEST(std_tmem_entry_ro_for_output_refused)
{
	fx_up(NULL, 1);
	bad_entry_case(1, PG_RAM_RO, ATTR_TMEM_NC(OUTPUT), 3);
	bad_entry_case(1, PG_RAM_RO, ATTR_TMEM_NC(INOUT), 3);
}

TEST(std_tmem_entry_unaligned_refused)
{
	uint64_t data, ipa, ipas[3];
	struct optee_msg_param *p;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 3, PG_RAM_RW);
	for (int i = 0; i < 3; i++)
		ipas[i] = data + (uint64_t)i * PG;
	ipas[1] += 8;
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	p = &garg(0, ipa)->params[0];
	p->attr = ATTR_TMEM_NC(INPUT);
	p->u.tmem.buf_ptr = g_pagelist_v(0, ipas, 3, 0);
	p->u.tmem.size = 3 * PG;
	REFUSED(0, ipa, TEEC_ERROR_BAD_PARAMETERS);
}

TEST(std_tmem_entry_zero_refused)
{
	uint64_t data, ipa, ipas[2];
	struct optee_msg_param *p;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 2, PG_RAM_RW);
	ipas[0] = data;
	ipas[1] = 0; /* IPA 0 mapped as RAM below: still not a page to share */
	g_map_at(G(0), 0, PG_RAM_RW);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	p = &garg(0, ipa)->params[0];
	p->attr = ATTR_TMEM_NC(INPUT);
	p->u.tmem.buf_ptr = g_pagelist_v(0, ipas, 2, 0);
	p->u.tmem.size = 2 * PG;
	{
		/* accepted (IPA 0 is RAM here) or refused: never left pinned */
		struct callctx c = { 0 };
		struct sw_step *s = sw_call(0, &c);
		struct teemed_regs r = std_regs(ipa);

		s->optional = true;
		call(0, &r);
		CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
		CHECK_EQ(live_pins(), 0);
	}
}

TEST(std_tmem_list_page_bad_refused)
{
	static const enum pg_type types[] = { PG_MMIO, PG_UNMAPPED };

	fx_up(NULL, 1);
	for (int i = 0; i < 2; i++) {
		uint64_t data = g_alloc(G(0), 2, PG_RAM_RW);
		uint64_t ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
		struct optee_msg_param *p = &garg(0, ipa)->params[0];

		p->attr = ATTR_TMEM_NC(INPUT);
		p->u.tmem.buf_ptr = g_pagelist_t(0, data, 2, 0x40, types[i]);
		p->u.tmem.size = 2 * PG - 0x40;
		REFUSED(0, ipa, TEEC_ERROR_BAD_PARAMETERS);
	}
}

TEST(std_tmem_next_pointer_bad_refused)
{
	static const int kinds[] = { 0, 1, 2 };

	fx_up(NULL, 1);
	for (int i = 0; i < 3; i++) {
		uint64_t data = g_alloc(G(0), 600, PG_RAM_RW);
		uint64_t ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
		struct optee_msg_param *p = &garg(0, ipa)->params[0];
		uint64_t bp = g_pagelist(0, data, 600, 0);
		uint64_t *l = g_ptr(G(0), bp);

		switch (kinds[i]) {
		case 0:
			l[511] += 8; /* unaligned next */
			break;
		case 1:
			l[511] = g_alloc(G(0), 1, PG_MMIO);
			break;
		default:
			l[511] = 0;
			break;
		}
		p->attr = ATTR_TMEM_NC(INPUT);
		p->u.tmem.buf_ptr = bp;
		p->u.tmem.size = 600 * PG;
		REFUSED(0, ipa, TEEC_ERROR_BAD_PARAMETERS);
	}
}

TEST(std_tmem_size_overflow_refused)
{
	uint64_t data, ipa;
	struct optee_msg_param *p;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 2, PG_RAM_RW);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	p = &garg(0, ipa)->params[0];
	p->attr = ATTR_TMEM_NC(INPUT);
	p->u.tmem.buf_ptr = g_pagelist(0, data, 2, 0x10);
	p->u.tmem.size = UINT64_C(0xFFFFFFFFFFFFFFF8); /* + offset wraps */
	{
		uint64_t n = sw_smc_count();
		struct teemed_regs r = std_regs(ipa);

		call(0, &r);
		run_through_preemption(0, &r);
		CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
		CHECK(garg(0, ipa)->ret == TEEC_ERROR_BAD_PARAMETERS ||
		      garg(0, ipa)->ret == TEEC_ERROR_OUT_OF_MEMORY);
		CHECK_EQ(sw_smc_count(), n);
	}
}

TEST(std_tmem_over_buffer_limit_out_of_memory)
{
	struct teemed_config cfg;
	uint64_t data, ipa;
	struct optee_msg_param *p;

	fx_config(&cfg);
	cfg.max_buffer_pages = 4;
	fx_up(&cfg, 1);
	data = g_alloc(G(0), 5, PG_RAM_RW);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	p = &garg(0, ipa)->params[0];
	p->attr = ATTR_TMEM_NC(INPUT);
	p->u.tmem.buf_ptr = g_pagelist(0, data, 5, 0);
	p->u.tmem.size = 5 * PG;
	REFUSED(0, ipa, TEEC_ERROR_OUT_OF_MEMORY);
	/* 4 pages (or 3 and an offset) fit */
	p->u.tmem.size = 3 * PG + 2; /* 5 pages from offset 0xFFF */
	p->u.tmem.buf_ptr |= 0xFFF;
	REFUSED(0, ipa, TEEC_ERROR_OUT_OF_MEMORY);
}

TEST(std_tmem_translation_preempted)
{
	struct teemed_config cfg;
	uint64_t data, ipa;
	struct optee_msg_param *p;
	static struct tmem_check t;
	struct callctx c = { .edit = edit_tmem };
	struct teemed_regs r;
	unsigned n;

	fx_config(&cfg);
	cfg.work_budget_pages = 4;
	fx_up(&cfg, 1);
	memset(&t, 0, sizeof(t));
	c.user = &t;
	data = g_alloc(G(0), 20, PG_RAM_RW);
	for (int i = 0; i < 20; i++)
		t.want[i] = g_pa(G(0), data + (uint64_t)i * PG);
	t.n = 20;
	t.size = 20 * PG;
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	p = &garg(0, ipa)->params[0];
	p->attr = ATTR_TMEM_NC(INPUT);
	p->u.tmem.buf_ptr = g_pagelist(0, data, 20, 0);
	p->u.tmem.size = 20 * PG;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	REQUIRE_EQ(r.a[0], RPC_INTR);
	CHECK(r.a[3] < X.threads);
	n = run_through_preemption(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_MSG(n >= 3 && n <= 10, "%u preemptions for 20 pages at 4 a trap", n);
	CHECK(t.seen);
	CHECK_EQ(dstats(0).preemptions, n);
}

TEST(std_should_yield_preempts_and_progresses)
{
	uint64_t data, ipa;
	struct optee_msg_param *p;
	struct callctx c = { 0 };
	struct teemed_regs r;
	unsigned n;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 400, PG_RAM_RW);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	p = &garg(0, ipa)->params[0];
	p->attr = ATTR_TMEM_NC(INPUT);
	p->u.tmem.buf_ptr = g_pagelist(0, data, 400, 0);
	p->u.tmem.size = 400 * PG;
	K.yield_every = 2;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	n = run_through_preemption(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(c.calls, 1);
	CHECK_MSG(n >= 1 && n <= 400, "%u preemptions", n);
	CHECK(fake_counts()->yields_asked > 0);
}

TEST(std_should_yield_always_still_progresses)
{
	uint64_t data, ipa;
	struct optee_msg_param *p;
	struct callctx c = { 0 };
	struct teemed_regs r;
	unsigned n;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 200, PG_RAM_RW);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	p = &garg(0, ipa)->params[0];
	p->attr = ATTR_TMEM_NC(INPUT);
	p->u.tmem.buf_ptr = g_pagelist(0, data, 200, 0);
	p->u.tmem.size = 200 * PG;
	K.yield_every = 1;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	n = run_through_preemption(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_MSG(n <= 200, "%u preemptions for 200 pages", n);
}

/* --- copy-back ---------------------------------------------------------- */

static void edit_scribble(struct optee_msg_arg *sh, struct callctx *c)
{
	(void)c;
	sh->cmd = 0xEEEE;
	sh->func = 0xEEEE;
	sh->cancel_id = 0xEEEE;
	sh->pad = 0xEEEE;
	sh->session = 0xEEEE;
	for (unsigned i = 0; i < 4; i++) {
		sh->params[i].u.value.a = 0xA0 + i;
		sh->params[i].u.value.b = 0xB0 + i;
		sh->params[i].u.value.c = 0xC0 + i;
	}
}

TEST(std_copy_back_only_outputs)
{
	uint64_t ipa;
	struct optee_msg_arg *a;
	struct callctx c = { .edit = edit_scribble, .ret = 0x1234, .origin = 4 };
	struct teemed_regs r;
	uint64_t memo[4][3];

	fx_up(NULL, 1);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 4);
	a = garg(0, ipa);
	a->func = 1;
	a->session = 2;
	a->cancel_id = 3;
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	a->params[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	a->params[2].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	a->params[3].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT; /* null */
	for (int i = 0; i < 4; i++) {
		a->params[i].u.value.a = memo[i][0] = 0x10u + (unsigned)i;
		a->params[i].u.value.b = memo[i][1] = 0x20u + (unsigned)i;
		a->params[i].u.value.c = memo[i][2] = 0x30u + (unsigned)i;
	}
	a->params[3].u.tmem.buf_ptr = memo[3][0] = 0;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(a->ret, 0x1234);
	CHECK_EQ(a->ret_origin, 4);
	CHECK_EQ(a->cmd, OPTEE_MSG_CMD_INVOKE_COMMAND);
	CHECK_EQ(a->func, 1);
	CHECK_EQ(a->session, 2); /* only OPEN_SESSION returns a session */
	CHECK_EQ(a->cancel_id, 3);
	CHECK_EQ(a->pad, 0);
	CHECK_EQ(a->num_params, 4);
	/* input unchanged */
	CHECK_EQ(a->params[0].u.value.a, memo[0][0]);
	CHECK_EQ(a->params[0].u.value.b, memo[0][1]);
	CHECK_EQ(a->params[0].u.value.c, memo[0][2]);
	/* outputs a/b/c */
	for (int i = 1; i < 3; i++) {
		CHECK_EQ(a->params[i].u.value.a, 0xA0u + (unsigned)i);
		CHECK_EQ(a->params[i].u.value.b, 0xB0u + (unsigned)i);
		CHECK_EQ(a->params[i].u.value.c, 0xC0u + (unsigned)i);
	}
	/* null input memref: nothing back */
	CHECK_EQ(a->params[3].u.tmem.buf_ptr, 0);
	CHECK_EQ(a->params[3].u.tmem.size, memo[3][1]);
	CHECK_EQ(a->params[3].u.tmem.shm_ref, memo[3][2]);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(a->params[i].attr, i == 0 ? 1u : i == 1 ? 2u : i == 2 ? 3u : 9u);
}

TEST(std_copy_back_not_beyond_num_params)
{
	uint64_t ipa;
	struct optee_msg_arg *a;
	struct callctx c = { .edit = edit_scribble };
	struct teemed_regs r;

	fx_up(NULL, 1);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	a = garg(0, ipa);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	a->params[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT; /* beyond num_params */
	a->params[1].u.value.a = 0x77;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(a->params[0].u.value.a, 0xA0);
	CHECK_EQ(a->params[1].u.value.a, 0x77);
}

static void scribble_guest_during(struct optee_msg_arg *sh, struct callctx *c)
{
	/* The guest rewrites its page while the call is in OP-TEE ... */
	struct optee_msg_arg *g = c->user;

	g->cmd = OPTEE_MSG_CMD_OPEN_SESSION;
	g->num_params = 4;
	g->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	g->params[0].u.value.a = 0x600D;
	g->params[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	g->params[1].u.value.a = 0x600D;
	g->params[0].u.tmem.buf_ptr = 0x600D;
	/* ... OP-TEE's view is unchanged */
	CHECK_EQ(sh->cmd, OPTEE_MSG_CMD_INVOKE_COMMAND);
	CHECK_EQ(sh->num_params, 2);
	CHECK_EQ(sh->params[0].attr, OPTEE_MSG_ATTR_TYPE_VALUE_INPUT);
	CHECK_EQ(sh->params[0].u.value.a, 0x1111);
	sh->params[0].u.value.a = 0xBAD;
	sh->params[1].u.value.a = 0x2222;
	sh->session = 0xBAD;
}

TEST(std_toctou_guest_rewrites_arg_during_call)
{
	uint64_t ipa;
	struct optee_msg_arg *a;
	struct callctx c = { .edit = scribble_guest_during };
	struct teemed_regs r;

	fx_up(NULL, 1);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 2);
	a = garg(0, ipa);
	c.user = a;
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	a->params[0].u.value.a = 0x1111;
	a->params[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	/* copy-back follows the shapes validated at the start */
	CHECK_EQ(a->params[0].u.value.a, 0x600D); /* was an input: not written */
	CHECK_EQ(a->params[1].u.value.a, 0x2222);
	CHECK_EQ(a->session, 0); /* INVOKE: no session written even if cmd now says OPEN */
}

static void make_arg_bad(struct optee_msg_arg *sh, struct callctx *c)
{
	(void)sh;
	g_set_type(G(0), (uint64_t)(uintptr_t)c->user, (enum pg_type)c->session);
}

TEST(std_arg_page_gone_during_call_ebadaddr)
{
	static const enum pg_type types[] = { PG_RAM_RO, PG_UNMAPPED, PG_MMIO };

	fx_up(NULL, 1);
	for (int i = 0; i < 3; i++) {
		uint64_t ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
		uint64_t data = g_alloc(G(0), 2, PG_RAM_RW);
		struct callctx c = { .edit = make_arg_bad };
		struct teemed_regs r;
		struct optee_msg_param *p = &garg(0, ipa)->params[0];

		p->attr = ATTR_TMEM_NC(INOUT);
		p->u.tmem.buf_ptr = g_pagelist(0, data, 2, 0);
		p->u.tmem.size = 2 * PG;
		c.user = (void *)(uintptr_t)ipa;
		c.session = (uint32_t)types[i]; /* not written back: set_session false */
		sw_call(0, &c);
		r = std_regs(ipa);
		call(0, &r);
		CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_EBADADDR);
		CHECK_EQ(live_pins(), 0);
	}
	/* the slots were freed */
	for (unsigned i = 0; i < X.threads + 1; i++) {
		struct callctx c = { 0 };
		struct teemed_regs r = std_regs(mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 0));

		sw_call(0, &c);
		call(0, &r);
		CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	}
}

TEST(std_optee_errors_passed_to_guest)
{
	static const uint32_t errs[] = { OPTEE_SMC_RETURN_ETHREAD_LIMIT, OPTEE_SMC_RETURN_EBADCMD,
					 OPTEE_SMC_RETURN_ENOTAVAIL, OPTEE_SMC_RETURN_ENOMEM,
					 OPTEE_SMC_RETURN_EBADADDR };

	fx_up(NULL, 1);
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		uint64_t ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
		uint64_t data = g_alloc(G(0), 1, PG_RAM_RW);
		struct callctx c = { .a0 = errs[i] };
		struct teemed_regs r;
		struct optee_msg_param *p = &garg(0, ipa)->params[0];

		p->attr = ATTR_TMEM_NC(INPUT);
		p->u.tmem.buf_ptr = g_pagelist(0, data, 1, 0);
		p->u.tmem.size = 8;
		sw_call(0, &c);
		r = std_regs(ipa);
		call(0, &r);
		CHECK_EQ(r.a[0], errs[i]);
		CHECK_EQ(live_pins(), 0);
		CHECK_EQ(dstats(0).calls_active, 0);
	}
}

TEST(std_result_zero_extended)
{
	uint64_t ipa;
	struct callctx c = { .a0 = UINT64_C(0xFFFFFFFF00000000) };
	struct teemed_regs r;

	fx_up(NULL, 1);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], 0);
}

TEST(std_call_upper_a0_bits_ignored)
{
	uint64_t ipa;
	struct callctx c = { 0 };
	struct teemed_regs r;

	fx_up(NULL, 1);
	ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	sw_call(0, &c);
	r = std_regs(ipa);
	r.a[0] |= UINT64_C(0xABCD000000000000);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(c.calls, 1);
}

TEST(std_fault_injection_sweep)
{
	/* Fail each pin / map / alloc / page in turn: never a leak or crash. */
	fx_up(NULL, 1);
	K.allow_error_log = true;
	for (int kind = 0; kind < 4; kind++) {
		for (uint64_t n = 1; n <= 14; n++) {
			uint64_t ipa = mk(0, OPTEE_MSG_CMD_INVOKE_COMMAND, 2);
			uint64_t data = g_alloc(G(0), 3, PG_RAM_RW);
			struct optee_msg_arg *a = garg(0, ipa);
			struct callctx c = { 0 };
			struct sw_step *s;
			struct teemed_regs r;

			a->params[0].attr = ATTR_TMEM_NC(INOUT);
			a->params[0].u.tmem.buf_ptr = g_pagelist(0, data, 3, 0);
			a->params[0].u.tmem.size = 3 * PG;
			a->params[1].attr = ATTR_TMEM_NC(INPUT);
			a->params[1].u.tmem.buf_ptr = g_pagelist(0, data, 2, 0x10);
			a->params[1].u.tmem.size = PG;
			K.fail_pin_at = K.fail_map_at = K.fail_alloc_at = K.fail_page_at = 0;
			if (kind == 0)
				K.fail_pin_at = fake_counts()->pins + n;
			if (kind == 1)
				K.fail_map_at = fake_counts()->maps + n;
			if (kind == 2)
				K.fail_alloc_at = fake_counts()->allocs + n;
			if (kind == 3)
				K.fail_page_at = fake_counts()->pages + n;
			s = sw_call(0, &c);
			s->optional = true;
			r = std_regs(ipa);
			call(0, &r);
			run_through_preemption(0, &r);
			K.fail_pin_at = K.fail_map_at = K.fail_alloc_at = K.fail_page_at = 0;
			sw_check_done(__FILE__, __LINE__);
			CHECK_MSG(live_pins() == 0, "kind %d n %llu: %lld pins left", kind,
				  (unsigned long long)n, (long long)live_pins());
			CHECK_EQ(dstats(0).calls_active, 0);
		}
	}
}
