/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Regression tests for the four bugs of Xen's mediator
 * (xen-optee-mediator.md 1.13). Each would fail on that bug.
 */
#include <pthread.h>

#include "fx.h"

/* ---------------------------------------------------------------------- */
/* Bug 1: the RPC restart passed the RPC code as the function ID, and a    */
/* call completing after it was never copied back nor released.            */

struct b1 {
	uint64_t shadow_pa;
};

static void h_b1_enter(struct sw_step *s, const struct teemed_regs *in, struct teemed_regs *out)
{
	struct b1 *b = s->arg;

	b->shadow_pa = reg_pair(in->a[1], in->a[2]);
	rpc_exit(out, OPTEE_SMC_RPC_FUNC_FOREIGN_INTR, 0, 0, 12);
}

static void h_b1_done(struct sw_step *s, const struct teemed_regs *in, struct teemed_regs *out)
{
	struct b1 *b = s->arg;
	struct optee_msg_arg *sh = pa_ptr(b->shadow_pa);

	CHECK_EQ(in->a[0], UINT64_C(0x32000003));
	CHECK_EQ(in->a[3], 12);
	REQUIRE(sh != NULL);
	sh->ret = 0x4321;
	sh->ret_origin = TEEC_ORIGIN_TRUSTED_APP;
	sh->params[0].u.value.a = 0xAAAA;
	sh->params[1].u.tmem.size = 100;
	out->a[0] = OPTEE_SMC_RETURN_OK;
	out->a[1] = out->a[2] = out->a[3] = 0;
}

TEST(xen_bug1_resume_is_return_from_rpc_and_completes)
{
	struct b1 b = { 0 };
	struct rpcbuf rb = { .cookie = 0x9 };
	uint64_t ipa, data;
	struct optee_msg_arg *a;
	struct teemed_regs r;
	struct sw_step *s;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 2, PG_RAM_RW);
	ipa = arg_new(0);
	a = garg(0, ipa);
	msg_init(a, OPTEE_MSG_CMD_INVOKE_COMMAND, 2);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	a->params[1].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INOUT | OPTEE_MSG_ATTR_NONCONTIG;
	a->params[1].u.tmem.buf_ptr = g_pagelist(0, data, 2, 0);
	a->params[1].u.tmem.size = 2 * PG;
	sw_expect_fn(OPTEE_SMC_CALL_WITH_ARG, 1, h_b1_enter, &b);
	r = std_regs(ipa);
	call(0, &r);
	REQUIRE_EQ(r.a[0], RPC_INTR);
	/* more RPCs of every kind: each restart must be 0x32000003 */
	rpc_alloc(0, r.a[3], 12, 160, &rb);
	{
		struct optee_msg_arg *o = pa_ptr(rb.shadow_pa);

		REQUIRE(o != NULL);
		memset(o, 0, 64);
		o->cmd = OPTEE_RPC_CMD_GET_TIME;
		o->num_params = 1;
		o->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
		r = rpc_cmd(0, r.a[3], 12, &rb);
		REQUIRE_EQ(r.a[0], RPC_CMD);
		garg(0, rb.guest_ipa)->ret = 0;
		s = rpc_cmd_reply(0, r.a[3], 12);
		CHECK_EQ(s->got.a[0], UINT64_C(0x32000003));
	}
	rpc_free(0, r.a[3], 12, &rb);
	sw_expect_fn(OPTEE_SMC_CALL_RETURN_FROM_RPC, 1, h_b1_done, &b)->a3 = 12;
	r = resume_regs(r.a[3]);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	/* completed properly: copied back and released */
	CHECK_EQ(a->ret, 0x4321);
	CHECK_EQ(a->ret_origin, TEEC_ORIGIN_TRUSTED_APP);
	CHECK_EQ(a->params[0].u.value.a, 0xAAAA);
	CHECK_EQ(a->params[1].u.tmem.size, 100);
	CHECK_EQ(live_pins(), 0);
	CHECK_EQ(dstats(0).calls_active, 0);
	CHECK_EQ(dstats(0).std_calls_done, 1);
}

/* ---------------------------------------------------------------------- */
/* Bug 2: a CMD with an unknown cookie left the call in flight forever.    */

static void h_b2_done(struct sw_step *s, const struct teemed_regs *in, struct teemed_regs *out)
{
	struct b1 *b = s->arg;
	struct optee_msg_arg *sh = pa_ptr(b->shadow_pa);

	(void)in;
	REQUIRE(sh != NULL);
	sh->ret = 0x77;
	out->a[0] = OPTEE_SMC_RETURN_OK;
	out->a[1] = out->a[2] = out->a[3] = 0;
}

TEST(xen_bug2_cmd_unknown_cookie_call_completes)
{
	struct b1 b = { 0 };
	uint64_t ipa, slot;
	struct teemed_regs r;
	struct sw_step *s;

	fx_up(NULL, 1);
	K.allow_error_log = true;
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	sw_expect_fn(OPTEE_SMC_CALL_WITH_ARG, 1, h_b1_enter, &b);
	r = std_regs(ipa);
	call(0, &r);
	REQUIRE_EQ(r.a[0], RPC_INTR);
	slot = r.a[3];
	sw_resume(0, 12, RPC_CMD, 0xDEAD, 0xBEEF, 12);
	r = resume_regs(slot);
	call(0, &r);
	/* not shown to the guest */
	CHECK_EQ(r.a[0], RPC_INTR);
	CHECK_EQ(r.a[1], 0);
	CHECK_EQ(r.a[2], 0);
	CHECK_EQ(r.a[3], slot);
	/* OP-TEE is resumed (with the RPC failed) and the call completes */
	s = sw_expect_fn(OPTEE_SMC_CALL_RETURN_FROM_RPC, 1, h_b2_done, &b);
	s->a3 = 12;
	r = resume_regs(slot);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(garg(0, ipa)->ret, 0x77);
	CHECK_EQ(dstats(0).calls_active, 0);
	/* the slot is free again */
	slot = start_suspended(0, 3, NULL);
	finish_call(0, slot, 3);
	fx_destroy(0);
}

TEST(xen_bug2_cmd_zero_cookie_then_destroy)
{
	uint64_t slot;
	struct teemed_regs r;

	fx_up(NULL, 1);
	K.allow_error_log = true;
	slot = start_suspended(0, 3, NULL);
	sw_resume(0, 3, RPC_CMD, 0, 0, 3); /* 0:0: in-band RPC arg, never ours */
	r = resume_regs(slot);
	call(0, &r);
	CHECK_EQ(r.a[0], RPC_INTR);
	fx_destroy(0); /* a call stuck mid-RPC is released cleanly */
}

/* ---------------------------------------------------------------------- */
/* Bug 3: the oversized num_params path never set a0.                      */

TEST(xen_bug3_num_params_oversized_sets_a0)
{
	uint64_t ipa;
	struct teemed_regs r;
	uint64_t n;

	fx_up(NULL, 1);
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	garg(0, ipa)->num_params = 128;
	n = sw_smc_count();
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_EBADADDR); /* not left as CALL_WITH_ARG */
	CHECK_EQ(sw_smc_count(), n);
	CHECK_EQ(dstats(0).calls_active, 0);
}

/* ---------------------------------------------------------------------- */
/* Bug 4: RPC buffers were used after dropping the lock without a          */
/* reference. Here one vCPU copies a CMD through buffer X while another    */
/* vCPU's call has OP-TEE FREE X (or DISABLE_SHM_CACHE return X). The map  */
/* hook stops the first vCPU in the middle of its copy. The fake port      */
/* fails the test on free_page/unpin of a mapped page and on writes to a   */
/* freed mediator page; ASan catches use of the freed bookkeeping.         */

struct b4 {
	uint64_t watch[2];
	pthread_t main;
	int triggered;
	int mode; /* 0: FREE from another call, 1: DISABLE_SHM_CACHE */
	uint64_t slot_b;
	struct teemed_regs rb;
	struct gate done;
	pthread_t th;
};

static void *b4_other(void *p)
{
	struct b4 *b = p;

	if (b->mode == 0)
		b->rb = resume_regs(b->slot_b);
	else
		b->rb = fast_regs(OPTEE_SMC_DISABLE_SHM_CACHE);
	teemed_handle_smc(X.tm, X.d[0], 1, &b->rb);
	gate_set(&b->done, 1);
	return NULL;
}

static void b4_hook(uint64_t pa, void *arg)
{
	struct b4 *b = arg;

	if (b->triggered || !pthread_equal(pthread_self(), b->main))
		return;
	if (pa != b->watch[0] && pa != b->watch[1])
		return;
	b->triggered = 1;
	if (pthread_create(&b->th, NULL, b4_other, b))
		return;
	/* the other vCPU may block on a lock we hold: wait a little only */
	gate_wait(&b->done, 1, 300);
}

static void b4_case(int mode)
{
	static struct b4 b;
	struct rpcbuf rb = { .cookie = 0x44 };
	struct optee_msg_arg *o;
	uint64_t sa, sb;
	struct teemed_regs r;

	memset(&b, 0, sizeof(b));
	b.mode = mode;
	fx_up(NULL, 1);
	K.allow_error_log = true;
	sa = start_suspended(0, 1, NULL);
	sb = start_suspended(0, 2, NULL);
	rpc_alloc(0, sa, 1, 160, &rb);
	REQUIRE(rb.shadow_pa != 0);
	o = pa_ptr(rb.shadow_pa);
	memset(o, 0, 96);
	o->cmd = OPTEE_RPC_CMD_GET_TIME;
	o->num_params = 1;
	o->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	b.watch[0] = rb.shadow_pa;
	b.watch[1] = g_pa(G(0), rb.guest_ipa);
	b.main = pthread_self();
	b.slot_b = sb;
	sw_group_begin();
	sw_resume(0, 1, RPC_CMD, rb.optee_cookie >> 32, rb.optee_cookie & 0xFFFFFFFFu, 1);
	if (mode == 0)
		sw_resume(0, 2, RPC_FREE, rb.optee_cookie >> 32, rb.optee_cookie & 0xFFFFFFFFu, 2);
	else
		sw_expect(OPTEE_SMC_DISABLE_SHM_CACHE, 1, OPTEE_SMC_RETURN_OK,
			  rb.optee_cookie >> 32, rb.optee_cookie & 0xFFFFFFFFu, 0);
	sw_group_end();
	K.map_hook = b4_hook;
	K.map_hook_arg = &b;
	r = resume_regs(sa);
	call(0, &r);
	if (b.triggered)
		pthread_join(b.th, NULL);
	K.map_hook = NULL;
	CHECK(b.triggered);
	CHECK(r.a[0] == RPC_CMD || r.a[0] == RPC_INTR);
	if (mode == 0)
		CHECK_EQ(b.rb.a[0], RPC_FREE);
	else
		CHECK_EQ(b.rb.a[0], OPTEE_SMC_RETURN_OK);
	/* the guest answers the CMD (if it saw it); OP-TEE goes on */
	if (r.a[0] == RPC_CMD)
		garg(0, rb.guest_ipa)->ret = 0;
	finish_call(0, sa, 1);
	if (mode == 0)
		finish_call(0, sb, 2);
	else
		finish_call(0, sb, 2);
	CHECK_EQ(dstats(0).rpc_args_held, 0);
	CHECK_EQ(live_pins(), 0);
	CHECK_EQ(live_maps(), 0);
	fx_destroy(0);
}

TEST(xen_bug4_free_races_cmd_on_other_call)
{
	b4_case(0);
}

TEST(xen_bug4_disable_shm_cache_races_cmd)
{
	b4_case(1);
}
