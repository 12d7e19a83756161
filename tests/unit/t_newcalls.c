/* SPDX-License-Identifier: BSD-2-Clause */
/* The newer standard calls: CALL_WITH_RPC_ARG and CALL_WITH_REGD_ARG. */
#include "fx.h"

#define RPC_SIZE OPTEE_MSG_GET_ARG_SIZE(4) /* OP-TEE's in-band RPC arg: 160 bytes */

/* UNREGISTER_SHM that the mediator must answer itself: returns ret. */
static uint32_t unregister_shm_local(int d, uint64_t cookie)
{
	uint64_t ipa = arg_new(d);
	struct optee_msg_arg *a = garg(d, ipa);
	uint64_t n = sw_smc_count();
	struct teemed_regs r;

	msg_init(a, OPTEE_MSG_CMD_UNREGISTER_SHM, 1);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	a->params[0].u.rmem.shm_ref = cookie;
	r = std_regs(ipa);
	call(d, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(sw_smc_count(), n);
	return a->ret;
}

static struct teemed_regs regs3(uint64_t fid, uint64_t a12, uint64_t a3)
{
	struct teemed_regs r = fast_regs(fid);

	r.a[1] = a12 >> 32;
	r.a[2] = a12 & 0xFFFFFFFFu;
	r.a[3] = a3;
	return r;
}

/* OP-TEE: the first entry exits with an in-band GET_TIME RPC. */
static void h_rpc_arg_enter(struct sw_step *s, const struct teemed_regs *in,
			    struct teemed_regs *out)
{
	struct optee_msg_arg *sh = sw_arg(in);
	struct optee_msg_arg *rpc;

	*(uint64_t *)s->arg = reg_pair(in->a[1], in->a[2]);
	REQUIRE(sh);
	rpc = (struct optee_msg_arg *)((uint8_t *)sh + OPTEE_MSG_GET_ARG_SIZE(sh->num_params));
	memset(rpc, 0, RPC_SIZE);
	rpc->cmd = OPTEE_RPC_CMD_GET_TIME;
	rpc->ret = TEEC_ERROR_GENERIC;
	rpc->num_params = 1;
	rpc->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	rpc->params[0].u.value.a = 0xDEAD; /* OP-TEE's junk: shown, then replaced */
	rpc_exit(out, OPTEE_SMC_RPC_FUNC_CMD, 0, 0, 3);
}

/* OP-TEE: the resume finds the guest's answer in its own in-band copy. */
static void h_rpc_arg_resume(struct sw_step *s, const struct teemed_regs *in,
			     struct teemed_regs *out)
{
	uint64_t shadow_pa = *(uint64_t *)s->arg;
	struct optee_msg_arg *sh = pa_ptr(shadow_pa);
	struct optee_msg_arg *rpc =
		(struct optee_msg_arg *)((uint8_t *)sh + OPTEE_MSG_GET_ARG_SIZE(sh->num_params));

	(void)in;
	CHECK_EQ(rpc->ret, 0);
	CHECK_EQ(rpc->params[0].u.value.a, 1234);
	CHECK_EQ(rpc->params[0].u.value.b, 5678);
	sh->ret = 0;
	sh->ret_origin = TEEC_ORIGIN_TRUSTED_APP;
	sh->params[0].u.value.a = 42;
	out->a[0] = OPTEE_SMC_RETURN_OK;
	out->a[1] = out->a[2] = out->a[3] = 0;
}

/* The guest's in-band RPC argument: at the argument + 32 + 32 n. */
static struct optee_msg_arg *guest_rpc(struct optee_msg_arg *a)
{
	return (struct optee_msg_arg *)((uint8_t *)a + OPTEE_MSG_GET_ARG_SIZE(a->num_params));
}

/* Run an INVOKE through an in-band GET_TIME RPC; `a` is where the guest put it. */
static void inband_round_trip(int d, struct teemed_regs r, struct optee_msg_arg *a)
{
	static uint64_t shadow_pa;
	struct optee_msg_arg *rpc;

	sw_expect_fn(OPTEE_SMC_CALL_WITH_RPC_ARG, CID(d), h_rpc_arg_enter, &shadow_pa);
	call(d, &r);
	CHECK_EQ(r.a[0], RPC_CMD);
	CHECK_EQ(r.a[1], 0);
	CHECK_EQ(r.a[2], 0);
	rpc = guest_rpc(a);
	CHECK_EQ(rpc->cmd, OPTEE_RPC_CMD_GET_TIME);
	CHECK_EQ(rpc->num_params, 1);
	rpc->ret = 0;
	rpc->params[0].u.value.a = 1234;
	rpc->params[0].u.value.b = 5678;
	sw_resume_fn(d, 3, h_rpc_arg_resume, &shadow_pa);
	r = resume_regs(r.a[3]);
	call(d, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(a->ret, 0);
	CHECK_EQ(a->ret_origin, TEEC_ORIGIN_TRUSTED_APP);
	CHECK_EQ(a->params[0].u.value.a, 42);
}

TEST(rpc_arg_inband_round_trip)
{
	uint64_t ipa;
	struct optee_msg_arg *a;

	fx_up(NULL, 1);
	ipa = arg_new(0);
	a = garg(0, ipa);
	msg_init(a, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	inband_round_trip(0, regs3(OPTEE_SMC_CALL_WITH_RPC_ARG, ipa, 0), a);
}

TEST(rpc_arg_straddling_page_ebadaddr)
{
	uint64_t ipa;
	struct optee_msg_arg *a;
	struct teemed_regs r;
	uint64_t n;

	fx_up(NULL, 1);
	n = sw_smc_count();
	ipa = arg_new(0);
	a = garg(0, ipa);
	/* 32 + 32 * 123 + 160 = 4128: the RPC argument would leave the page. */
	msg_init(a, OPTEE_MSG_CMD_INVOKE_COMMAND, 123);
	r = regs3(OPTEE_SMC_CALL_WITH_RPC_ARG, ipa, 0);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_EBADADDR);
	CHECK_EQ(sw_smc_count(), n);
	CHECK_EQ(dstats(0).calls_active, 0);
}

TEST(regd_arg_round_trip_and_unregister_busy)
{
	uint64_t data, cookie = 0xC0FFEE;
	struct optee_msg_arg *a;

	fx_up(NULL, 1);
	data = register_shm(0, 2, 0, cookie, NULL);
	/* Linux-like: a 384-byte slot at a non-zero offset of the second page. */
	a = (struct optee_msg_arg *)((uint8_t *)garg(0, data + PG) + 384);
	msg_init(a, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	{
		static uint64_t shadow_pa;
		struct teemed_regs r = regs3(OPTEE_SMC_CALL_WITH_REGD_ARG, cookie, PG + 384);

		sw_expect_fn(OPTEE_SMC_CALL_WITH_RPC_ARG, CID(0), h_rpc_arg_enter, &shadow_pa);
		call(0, &r);
		REQUIRE(r.a[0] == RPC_CMD);
		CHECK_EQ(r.a[1], 0);
		CHECK(shadow_pa != g_pa(G(0), data + PG));
		/* The buffer holds a suspended call's argument: not released. */
		CHECK_EQ(unregister_shm_local(0, cookie), TEEC_ERROR_BUSY);
		guest_rpc(a)->ret = 0;
		guest_rpc(a)->params[0].u.value.a = 1234;
		guest_rpc(a)->params[0].u.value.b = 5678;
		sw_resume_fn(0, 3, h_rpc_arg_resume, &shadow_pa);
		r = resume_regs(r.a[3]);
		call(0, &r);
		CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
		CHECK_EQ(a->params[0].u.value.a, 42);
	}
	CHECK_EQ(unregister_shm(0, cookie, 0), OPTEE_SMC_RETURN_OK);
	CHECK_EQ(dstats(0).pages_held, 0);
}

TEST(regd_arg_refused_ebadaddr)
{
	uint64_t cookie = 0xC0FFEE, other = 0xBEEF;
	uint64_t n;
	struct teemed_regs r;
	const struct {
		uint64_t cookie, offset;
	} bad[] = {
		{ 0x1234, 0 },            /* unknown cookie */
		{ 0xBEEF, 0 },            /* another guest's cookie */
		{ 0xC0FFEE, 4 },          /* misaligned */
		{ 0xC0FFEE, 2 * PG },     /* past the buffer */
		{ 0xC0FFEE, 2 * PG - 8 }, /* header leaves the buffer */
		{ 0xC0FFEE, PG - 64 },    /* argument + RPC argument straddle a page */
		{ 0xC0FFEE, 0xFFFFFFF8 }, /* far past the end */
	};

	fx_up(NULL, 2);
	register_shm(0, 2, 0, cookie, NULL);
	register_shm(1, 1, 0, other, NULL);
	n = sw_smc_count();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = regs3(OPTEE_SMC_CALL_WITH_REGD_ARG, bad[i].cookie, bad[i].offset);
		call(0, &r);
		CHECK_MSG(r.a[0] == OPTEE_SMC_RETURN_EBADADDR, "case %zu: a0 = 0x%llx", i,
			  (unsigned long long)r.a[0]);
	}
	CHECK_EQ(sw_smc_count(), n);
	CHECK_EQ(dstats(0).calls_active, 0);
	CHECK_EQ(unregister_shm(0, cookie, 0), OPTEE_SMC_RETURN_OK);
	CHECK_EQ(unregister_shm(1, other, 0), OPTEE_SMC_RETURN_OK);
}

TEST(regd_arg_alignment_counts_the_buffer_offset)
{
	/*
	 * A buffer registered 4 bytes into its first page: offset 8 is 8-byte
	 * aligned from the buffer's start but not where it lies (found by
	 * fuzz_machine: the copy-back then wrote through a misaligned pointer).
	 */
	uint64_t cookie = 0xA11, data, ipa;
	struct optee_msg_arg *a;
	struct callctx c = { 0 };
	struct teemed_regs r;
	uint64_t n;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 2, PG_RAM_RW);
	ipa = arg_new(0);
	a = garg(0, ipa);
	msg_init(a, OPTEE_MSG_CMD_REGISTER_SHM, 1);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	a->params[0].u.tmem.buf_ptr = g_pagelist(0, data, 2, 4);
	a->params[0].u.tmem.size = 2 * PG - 4;
	a->params[0].u.tmem.shm_ref = cookie;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	REQUIRE_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	REQUIRE_EQ(a->ret, 0);
	n = sw_smc_count();
	r = regs3(OPTEE_SMC_CALL_WITH_REGD_ARG, cookie, 8);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_EBADADDR);
	/* 4 + 4 = 8: aligned where it lies, accepted up to OP-TEE. */
	msg_init((struct optee_msg_arg *)((uint8_t *)g_ptr(G(0), data) + 8),
		 OPTEE_MSG_CMD_CANCEL, 0);
	{
		struct callctx c2 = { 0 };

		sw_expect_fn(OPTEE_SMC_CALL_WITH_RPC_ARG, CID(0), h_std, &c2);
		r = regs3(OPTEE_SMC_CALL_WITH_REGD_ARG, cookie, 4);
		call(0, &r);
		CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
		CHECK_EQ(c2.calls, 1);
	}
	CHECK_EQ(sw_smc_count(), n + 1);
	CHECK_EQ(unregister_shm(0, cookie, 0), OPTEE_SMC_RETURN_OK);
}
