/* SPDX-License-Identifier: BSD-2-Clause */
/* Behaviour 6: RPCs from OP-TEE. */
#include "fx.h"

/* --- ALLOC --------------------------------------------------------------- */

TEST(rpc_alloc_good)
{
	struct rpcbuf rb = { .cookie = UINT64_C(0xAABBCCDD11223344) };
	uint64_t slot, gpa;

	fx_up(NULL, 1);
	slot = start_suspended(0, 6, NULL);
	rpc_alloc(0, slot, 6, 160, &rb);
	REQUIRE(rb.shadow_pa != 0);
	gpa = g_pa(G(0), rb.guest_ipa);
	CHECK(rb.shadow_pa != gpa);
	CHECK(pa_is_med_page(rb.shadow_pa));
	CHECK_EQ(pa_pins(gpa, TEEMED_PIN_WRITE), 1);
	CHECK_EQ(dstats(0).rpc_args_held, 1);
	CHECK_EQ(dstats(0).rpc_alloc, 1);
	finish_call(0, slot, 6);
	/* kept after the call: OP-TEE caches RPC arguments */
	CHECK_EQ(pa_pins(gpa, TEEMED_PIN_WRITE), 1);
}

TEST(rpc_alloc_optee_gets_mediator_cookie)
{
	/*
	 * docs/design.md: OP-TEE gets a cookie the mediator chose, unique and
	 * never 0, whatever the guest answered; the guest sees its own again.
	 */
	struct rpcbuf rb1 = { .cookie = UINT64_C(0xAABBCCDD11223344) };
	struct rpcbuf rb2 = { .cookie = 0 };
	uint64_t slot;

	fx_up(NULL, 1);
	slot = start_suspended(0, 6, NULL);
	rpc_alloc(0, slot, 6, 160, &rb1);
	rpc_alloc(0, slot, 6, 160, &rb2);
	CHECK(rb1.optee_cookie != 0);
	CHECK(rb2.optee_cookie != 0);
	CHECK(rb1.optee_cookie != rb2.optee_cookie);
	rpc_free(0, slot, 6, &rb1);
	rpc_free(0, slot, 6, &rb2);
	finish_call(0, slot, 6);
}

static void alloc_refused(uint64_t size, uint64_t guest_ipa, uint64_t cookie)
{
	struct rpcbuf rb = { .cookie = cookie, .guest_ipa = guest_ipa, .fixed_ipa = true };
	uint64_t slot = start_suspended(0, 6, NULL);
	int64_t pins = live_pins();

	rpc_alloc(0, slot, 6, size, &rb);
	CHECK_EQ(rb.shadow_pa, 0);
	CHECK_EQ(live_pins(), pins);
	finish_call(0, slot, 6);
}

TEST(rpc_alloc_size_over_page_refused)
{
	fx_up(NULL, 1);
	alloc_refused(4097, 0, 0x1);
	alloc_refused(8192, 0, 0x2);
	alloc_refused(UINT64_C(0xFFFFFFFF), 0, 0x3);
}

TEST(rpc_alloc_ipa_zero_refused)
{
	fx_up(NULL, 1);
	g_map_at(G(0), 0, PG_RAM_RW); /* even if IPA 0 is RAM: 0:0 means failure */
	alloc_refused(160, 0, 0x1);
}

TEST(rpc_alloc_bad_ipa_refused)
{
	uint64_t ro, mmio, unm, ok;

	fx_up(NULL, 1);
	ok = g_alloc(G(0), 1, PG_RAM_RW);
	ro = g_alloc(G(0), 1, PG_RAM_RO);
	mmio = g_alloc(G(0), 1, PG_MMIO);
	unm = g_alloc(G(0), 1, PG_RAM_RW);
	g_set_type(G(0), unm, PG_UNMAPPED);
	alloc_refused(160, ok + 0x10, 0x1); /* unaligned */
	alloc_refused(160, ro, 0x2);
	alloc_refused(160, mmio, 0x3);
	alloc_refused(160, unm, 0x4);
}

TEST(rpc_alloc_duplicate_guest_cookie_stays_apart)
{
	/*
	 * A guest reusing its own cookie only confuses itself: OP-TEE gets two
	 * distinct buffers and cookies, and freeing one leaves the other.
	 */
	struct rpcbuf rb1 = { .cookie = 0x42 }, rb2 = { .cookie = 0x42 };
	uint64_t slot, gpa1, gpa2;

	fx_up(NULL, 1);
	slot = start_suspended(0, 6, NULL);
	rpc_alloc(0, slot, 6, 160, &rb1);
	rpc_alloc(0, slot, 6, 160, &rb2);
	REQUIRE(rb1.shadow_pa != 0);
	REQUIRE(rb2.shadow_pa != 0);
	CHECK(rb1.shadow_pa != rb2.shadow_pa);
	CHECK(rb1.optee_cookie != rb2.optee_cookie);
	gpa1 = g_pa(G(0), rb1.guest_ipa);
	gpa2 = g_pa(G(0), rb2.guest_ipa);
	rpc_free(0, slot, 6, &rb1);
	CHECK_EQ(pa_pins(gpa1, TEEMED_PIN_WRITE), 0);
	CHECK_EQ(pa_pins(gpa2, TEEMED_PIN_WRITE), 1);
	CHECK_EQ(dstats(0).rpc_args_held, 1);
	finish_call(0, slot, 6);
}

TEST(rpc_alloc_limit)
{
	struct teemed_config cfg;
	struct rpcbuf rb1 = { .cookie = 0x1 }, rb2 = { .cookie = 0x2 };
	uint64_t slot;

	fx_config(&cfg);
	cfg.max_domain_rpc_args = 1;
	fx_up(&cfg, 1);
	slot = start_suspended(0, 6, NULL);
	rpc_alloc(0, slot, 6, 160, &rb1);
	CHECK(rb1.shadow_pa != 0);
	rpc_alloc(0, slot, 6, 160, &rb2);
	CHECK_EQ(rb2.shadow_pa, 0);
	CHECK_EQ(pa_pins_all(g_pa(G(0), rb2.guest_ipa)), 0);
	rpc_free(0, slot, 6, &rb1);
	rpc_alloc(0, slot, 6, 160, &rb2);
	CHECK(rb2.shadow_pa != 0);
}

TEST(rpc_alloc_failure_sweep)
{
	fx_up(NULL, 1);
	K.allow_error_log = true;
	for (int kind = 0; kind < 3; kind++) {
		for (uint64_t n = 1; n <= 3; n++) {
			struct rpcbuf rb = { .cookie = 0x10 + n };
			uint64_t slot = start_suspended(0, 6, NULL);

			if (kind == 0)
				K.fail_pin_at = fake_counts()->pins + n;
			if (kind == 1)
				K.fail_page_at = fake_counts()->pages + n;
			if (kind == 2)
				K.fail_alloc_at = fake_counts()->allocs + n;
			rpc_alloc(0, slot, 6, 160, &rb);
			K.fail_pin_at = K.fail_page_at = K.fail_alloc_at = 0;
			if (rb.shadow_pa)
				rpc_free(0, slot, 6, &rb);
			finish_call(0, slot, 6);
			CHECK_EQ(live_pins(), 0);
		}
	}
}

/* --- FREE ---------------------------------------------------------------- */

TEST(rpc_free_releases_at_once)
{
	struct rpcbuf rb = { .cookie = 0x42 };
	struct teemed_regs r;
	uint64_t slot, gpa;

	fx_up(NULL, 1);
	slot = start_suspended(0, 6, NULL);
	rpc_alloc(0, slot, 6, 160, &rb);
	gpa = g_pa(G(0), rb.guest_ipa);
	sw_resume(0, 6, RPC_FREE, rb.optee_cookie >> 32, rb.optee_cookie & 0xFFFFFFFFu, 6);
	r = resume_regs(slot);
	call(0, &r);
	CHECK_EQ(r.a[0], RPC_FREE);
	CHECK_EQ(reg_pair(r.a[1], r.a[2]), 0x42);
	CHECK_EQ(r.a[3], slot);
	/* before the guest even resumes */
	CHECK_EQ(pa_pins_all(gpa), 0);
	CHECK(!pa_is_med_page(rb.shadow_pa));
	CHECK_EQ(dstats(0).rpc_args_held, 0);
	CHECK_EQ(dstats(0).rpc_free, 1);
	finish_call(0, slot, 6);
}

TEST(rpc_free_unknown_cookie)
{
	struct teemed_regs r;
	uint64_t slot;

	fx_up(NULL, 1);
	K.allow_error_log = true;
	slot = start_suspended(0, 6, NULL);
	sw_resume(0, 6, RPC_FREE, 0x1234, 0x5678, 6);
	r = resume_regs(slot);
	call(0, &r);
	/* design.md: an RPC naming a cookie the mediator does not know is hidden */
	CHECK_EQ(r.a[0], RPC_INTR);
	CHECK_EQ(r.a[1], 0);
	CHECK_EQ(r.a[2], 0);
	CHECK_EQ(r.a[3], slot);
	finish_call(0, slot, 6);
}

/* --- FOREIGN_INTR -------------------------------------------------------- */

TEST(rpc_foreign_intr_passthrough)
{
	struct teemed_regs r;
	uint64_t slot;
	struct sw_step *s;

	fx_up(NULL, 1);
	slot = start_suspended(0, 0x1F, NULL);
	CHECK_EQ(dstats(0).rpc_foreign_intr, 1);
	s = sw_resume(0, 0x1F, RPC_INTR, 0, 0, 0x1F);
	r = resume_regs(slot);
	r.a[1] = 0x1234; /* ignored for FOREIGN_INTR */
	call(0, &r);
	CHECK_EQ(r.a[0], RPC_INTR);
	CHECK_EQ(r.a[1], 0);
	CHECK_EQ(r.a[2], 0);
	CHECK_EQ(r.a[3], slot);
	CHECK_EQ(s->got.a[0], OPTEE_SMC_CALL_RETURN_FROM_RPC);
	CHECK_EQ(s->got.a[3], 0x1F);
	finish_call(0, slot, 0x1F);
	CHECK_EQ(dstats(0).rpc_foreign_intr, 2);
}

/* --- CMD ----------------------------------------------------------------- */

static struct optee_msg_arg *optee_rpc_arg(struct rpcbuf *rb, uint32_t cmd, uint32_t n)
{
	struct optee_msg_arg *o = pa_ptr(rb->shadow_pa);

	REQUIRE(o != NULL);
	memset(o, 0, OPTEE_MSG_GET_ARG_SIZE(n));
	o->cmd = cmd;
	o->num_params = n;
	o->ret = TEEC_ERROR_GENERIC;
	return o;
}

static uint64_t cmd_setup(struct rpcbuf *rb, uint64_t tid)
{
	uint64_t slot = start_suspended(0, tid, NULL);

	rpc_alloc(0, slot, tid, 160, rb);
	REQUIRE(rb->shadow_pa != 0);
	return slot;
}

TEST(rpc_cmd_arg_copied_to_guest)
{
	struct rpcbuf rb = { .cookie = 0x42 };
	struct optee_msg_arg *o, *g;
	struct teemed_regs r;
	uint64_t slot;
	uint8_t *gb;
	size_t sz = OPTEE_MSG_GET_ARG_SIZE(2);

	fx_up(NULL, 1);
	slot = cmd_setup(&rb, 8);
	gb = g_ptr(G(0), rb.guest_ipa);
	memset(gb, 0xC3, PG);
	o = optee_rpc_arg(&rb, OPTEE_RPC_CMD_FS, 2);
	o->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	o->params[0].u.value.a = OPTEE_RPC_FS_OPEN;
	o->params[0].u.value.b = 0x1234;
	o->params[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	r = rpc_cmd(0, slot, 8, &rb);
	REQUIRE_EQ(r.a[0], RPC_CMD);
	g = (struct optee_msg_arg *)gb;
	CHECK(!memcmp(g, o, sz));
	/* nothing beyond the argument was written */
	CHECK_EQ(gb[sz], 0xC3);
	CHECK_EQ(gb[PG - 1], 0xC3);
	CHECK_EQ(dstats(0).rpc_cmd, 1);
	g->ret = 0;
	rpc_cmd_reply(0, slot, 8);
	finish_call(0, slot, 8);
}

TEST(rpc_cmd_reply_copied_back_validated)
{
	struct rpcbuf rb = { .cookie = 0x42 };
	struct optee_msg_arg *o, *g;
	struct teemed_regs r;
	uint64_t slot;
	struct optee_msg_param p3;

	fx_up(NULL, 1);
	slot = cmd_setup(&rb, 8);
	o = optee_rpc_arg(&rb, OPTEE_RPC_CMD_GET_TIME, 3);
	memcpy(&p3, &o->params[3], sizeof(p3));
	o->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	o->params[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	o->params[1].u.value.a = 0x11;
	o->params[2].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	o->params[2].u.value.a = 0x22;
	r = rpc_cmd(0, slot, 8, &rb);
	REQUIRE_EQ(r.a[0], RPC_CMD);
	g = garg(0, rb.guest_ipa);
	/* the guest answers and scribbles over everything else */
	g->ret = 0;
	g->ret_origin = TEEC_ORIGIN_COMMS;
	g->cmd = 0x99;
	g->func = 0x99;
	g->session = 0x99;
	g->num_params = 127;
	for (int i = 0; i < 3; i++) {
		g->params[i].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
		g->params[i].u.value.a = 0xA0u + (unsigned)i;
		g->params[i].u.value.b = 0xB0u + (unsigned)i;
		g->params[i].u.value.c = 0xC0u + (unsigned)i;
	}
	g->params[3].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	g->params[3].u.value.a = 0xDD;
	rpc_cmd_reply(0, slot, 8);
	/* OP-TEE's view */
	CHECK_EQ(o->ret, 0);
	CHECK_EQ(o->ret_origin, TEEC_ORIGIN_COMMS);
	CHECK_EQ(o->cmd, OPTEE_RPC_CMD_GET_TIME);
	CHECK_EQ(o->func, 0);
	CHECK_EQ(o->session, 0);
	CHECK_EQ(o->num_params, 3);
	CHECK_EQ(o->params[0].attr, OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT);
	CHECK_EQ(o->params[0].u.value.a, 0xA0);
	CHECK_EQ(o->params[0].u.value.b, 0xB0);
	CHECK_EQ(o->params[1].attr, OPTEE_MSG_ATTR_TYPE_VALUE_INPUT);
	CHECK_EQ(o->params[1].u.value.a, 0x11);
	CHECK_EQ(o->params[1].u.value.b, 0);
	CHECK_EQ(o->params[2].u.value.a, 0xA2);
	CHECK_EQ(o->params[2].u.value.c, 0xC2);
	/* nothing past num_params */
	CHECK(!memcmp(&o->params[3], &p3, sizeof(p3)));
	finish_call(0, slot, 8);
}

TEST(rpc_cmd_tmem_address_hidden_size_back)
{
	struct rpcbuf rb = { .cookie = 0x42 };
	struct optee_msg_arg *o, *g;
	struct teemed_regs r;
	uint64_t slot;

	fx_up(NULL, 1);
	slot = cmd_setup(&rb, 8);
	o = optee_rpc_arg(&rb, OPTEE_RPC_CMD_LOAD_TA, 2);
	o->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	o->params[1].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
	o->params[1].u.tmem.buf_ptr = UINT64_C(0x880123000);
	o->params[1].u.tmem.size = 0x2000;
	o->params[1].u.tmem.shm_ref = 0x5150;
	r = rpc_cmd(0, slot, 8, &rb);
	REQUIRE_EQ(r.a[0], RPC_CMD);
	g = garg(0, rb.guest_ipa);
	CHECK_EQ(g->params[1].u.tmem.buf_ptr, 0);
	CHECK_EQ(g->params[1].u.tmem.size, 0x2000);
	CHECK_EQ(g->params[1].u.tmem.shm_ref, 0x5150);
	g->ret = 0;
	g->params[1].u.tmem.size = 0x1800;
	g->params[1].u.tmem.buf_ptr = 0xBAD000;
	g->params[1].u.tmem.shm_ref = 0xBAD;
	rpc_cmd_reply(0, slot, 8);
	CHECK_EQ(o->params[1].u.tmem.size, 0x1800);
	CHECK_EQ(o->params[1].u.tmem.buf_ptr, UINT64_C(0x880123000));
	CHECK_EQ(o->params[1].u.tmem.shm_ref, 0x5150);
	finish_call(0, slot, 8);
}

TEST(rpc_cmd_rmem_input_size_not_back)
{
	struct rpcbuf rb = { .cookie = 0x42 };
	struct optee_msg_arg *o, *g;
	struct teemed_regs r;
	uint64_t slot;

	fx_up(NULL, 1);
	slot = cmd_setup(&rb, 8);
	o = optee_rpc_arg(&rb, OPTEE_RPC_CMD_RPMB, 2);
	o->params[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	o->params[0].u.rmem.size = 0x100;
	o->params[0].u.rmem.shm_ref = 0x77;
	o->params[1].attr = OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
	o->params[1].u.rmem.size = 0x200;
	o->params[1].u.rmem.shm_ref = 0x78;
	r = rpc_cmd(0, slot, 8, &rb);
	REQUIRE_EQ(r.a[0], RPC_CMD);
	g = garg(0, rb.guest_ipa);
	g->ret = 0;
	g->params[0].u.rmem.size = 0x10;
	g->params[1].u.rmem.size = 0x20;
	g->params[1].u.rmem.offs = 0x999;
	rpc_cmd_reply(0, slot, 8);
	CHECK_EQ(o->params[0].u.rmem.size, 0x100);
	CHECK_EQ(o->params[1].u.rmem.size, 0x20);
	CHECK_EQ(o->params[1].u.rmem.offs, 0);
	finish_call(0, slot, 8);
}

TEST(rpc_cmd_oversized_num_params)
{
	struct rpcbuf rb = { .cookie = 0x42 };
	struct optee_msg_arg *o;
	struct teemed_regs r;
	uint64_t slot;

	fx_up(NULL, 1);
	K.allow_error_log = true;
	slot = cmd_setup(&rb, 8);
	o = optee_rpc_arg(&rb, OPTEE_RPC_CMD_FS, 0);
	o->num_params = 5000; /* OP-TEE out of step: never past one page */
	r = rpc_cmd(0, slot, 8, &rb);
	if (r.a[0] == RPC_CMD) {
		r = resume_regs(slot);
		sw_resume(0, 8, RPC_INTR, 0, 0, 8);
		call(0, &r);
	}
	CHECK_EQ(r.a[0], RPC_INTR);
	finish_call(0, slot, 8);
}

/* --- SHM_ALLOC / SHM_FREE ------------------------------------------------ */

static uint64_t shm_alloc_request(struct rpcbuf *rb, uint64_t slot, uint64_t tid,
				  uint64_t bytes)
{
	struct optee_msg_arg *o = optee_rpc_arg(rb, OPTEE_RPC_CMD_SHM_ALLOC, 1);
	struct teemed_regs r;
	struct optee_msg_arg *g;

	o->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	o->params[0].u.value.a = OPTEE_RPC_SHM_TYPE_KERNEL;
	o->params[0].u.value.b = bytes;
	o->params[0].u.value.c = 8;
	r = rpc_cmd(0, slot, tid, rb);
	REQUIRE_EQ(r.a[0], RPC_CMD);
	g = garg(0, rb->guest_ipa);
	CHECK_EQ(g->cmd, OPTEE_RPC_CMD_SHM_ALLOC);
	CHECK_EQ(g->params[0].u.value.b, bytes);
	return slot;
}

static void shm_alloc_reply(struct rpcbuf *rb, uint64_t data, uint64_t n, uint64_t cookie)
{
	struct optee_msg_arg *g = garg(0, rb->guest_ipa);

	g->ret = 0;
	g->ret_origin = 0;
	g->params[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	g->params[0].u.tmem.buf_ptr = g_pagelist(0, data, n, 0);
	g->params[0].u.tmem.size = n * PG;
	g->params[0].u.tmem.shm_ref = cookie;
}

TEST(rpc_shm_alloc_translated_pinned_until_shm_free)
{
	struct rpcbuf rb = { .cookie = 0x42 };
	struct optee_msg_arg *o, *g;
	struct teemed_regs r;
	uint64_t slot, data, got[3];

	fx_up(NULL, 1);
	slot = cmd_setup(&rb, 8);
	o = pa_ptr(rb.shadow_pa);
	shm_alloc_request(&rb, slot, 8, 3 * PG);
	data = g_alloc(G(0), 3, PG_RAM_RW);
	shm_alloc_reply(&rb, data, 3, 0x5A5A);
	rpc_cmd_reply(0, slot, 8);
	CHECK_EQ(o->ret, 0);
	CHECK_EQ(o->num_params, 1);
	CHECK_EQ(o->params[0].attr, OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG);
	CHECK_EQ(o->params[0].u.tmem.size, 3 * PG);
	CHECK_EQ(o->params[0].u.tmem.shm_ref, 0x5A5A);
	CHECK_EQ(sw_walk_pagelist(o->params[0].u.tmem.buf_ptr, 3, got, TEEMED_PIN_WRITE,
				  __FILE__, __LINE__), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(got[i], g_pa(G(0), data + (uint64_t)i * PG));
	CHECK_EQ(dstats(0).buffers_held, 1);
	finish_call(0, slot, 8);
	CHECK_EQ(live_pins() - 1, 3); /* + the RPC argument page */

	/* a later call: OP-TEE frees it with SHM_FREE: released at once */
	slot = start_suspended(0, 9, NULL);
	o = optee_rpc_arg(&rb, OPTEE_RPC_CMD_SHM_FREE, 1);
	o->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	o->params[0].u.value.a = OPTEE_RPC_SHM_TYPE_KERNEL;
	o->params[0].u.value.b = 0x5A5A;
	r = rpc_cmd(0, slot, 9, &rb);
	REQUIRE_EQ(r.a[0], RPC_CMD);
	g = garg(0, rb.guest_ipa);
	CHECK_EQ(g->cmd, OPTEE_RPC_CMD_SHM_FREE);
	CHECK_EQ(g->params[0].u.value.b, 0x5A5A);
	CHECK_EQ(pa_pins_all(g_pa(G(0), data)), 0);
	CHECK_EQ(dstats(0).buffers_held, 0);
	g->ret = 0;
	rpc_cmd_reply(0, slot, 9);
	finish_call(0, slot, 9);
}

static void undo_case(uint64_t data, uint64_t n, uint64_t cookie, uint64_t bytes)
{
	struct rpcbuf rb = { .cookie = 0x42 };
	struct optee_msg_arg *o, *g;
	struct teemed_regs r;
	uint64_t slot;
	struct sw_step *s;
	int64_t pins;

	slot = cmd_setup(&rb, 8);
	pins = live_pins();
	o = pa_ptr(rb.shadow_pa);
	shm_alloc_request(&rb, slot, 8, bytes);
	shm_alloc_reply(&rb, data, n, cookie);
	/* the guest is asked to free what it gave, OP-TEE not resumed yet */
	r = resume_regs(slot);
	call(0, &r);
	CHECK_EQ(r.a[0], RPC_CMD);
	CHECK_EQ(reg_pair(r.a[1], r.a[2]), 0x42);
	CHECK_EQ(r.a[3], slot);
	g = garg(0, rb.guest_ipa);
	CHECK_EQ(g->cmd, OPTEE_RPC_CMD_SHM_FREE);
	CHECK_EQ(g->num_params, 1);
	CHECK_EQ(g->params[0].attr, OPTEE_MSG_ATTR_TYPE_VALUE_INPUT);
	CHECK_EQ(g->params[0].u.value.a, OPTEE_RPC_SHM_TYPE_KERNEL);
	CHECK_EQ(g->params[0].u.value.b, cookie);
	CHECK_EQ(live_pins(), pins);
	g->ret = 0;
	/* then OP-TEE learns of the failure */
	s = rpc_cmd_reply(0, slot, 8);
	CHECK(s->hit);
	CHECK_EQ(o->ret, TEEC_ERROR_GENERIC);
	CHECK_EQ(live_pins(), pins);
	finish_call(0, slot, 8);
}

TEST(rpc_shm_alloc_contiguous_reply_translated)
{
	/*
	 * Linux answers a kernel-type SHM_ALLOC with plain TMEM_OUTPUT and an
	 * address (its private buffers are not page-listed): the mediator pins
	 * the range and OP-TEE gets its own page list (0x20A), never the IPA.
	 */
	struct rpcbuf rb = { .cookie = 0x42 };
	struct optee_msg_arg *o, *g;
	uint64_t slot, data, got[2];

	fx_up(NULL, 1);
	slot = cmd_setup(&rb, 8);
	o = pa_ptr(rb.shadow_pa);
	shm_alloc_request(&rb, slot, 8, 2 * PG);
	data = g_alloc(G(0), 2, PG_RAM_RW);
	g = garg(0, rb.guest_ipa);
	g->ret = 0;
	g->params[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
	g->params[0].u.tmem.buf_ptr = data;
	g->params[0].u.tmem.size = 2 * PG;
	g->params[0].u.tmem.shm_ref = 0x6B6B;
	rpc_cmd_reply(0, slot, 8);
	CHECK_EQ(o->ret, 0);
	CHECK_EQ(o->params[0].attr, OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG);
	CHECK_EQ(o->params[0].u.tmem.size, 2 * PG);
	CHECK_EQ(sw_walk_pagelist(o->params[0].u.tmem.buf_ptr, 2, got, TEEMED_PIN_WRITE,
				  __FILE__, __LINE__), 0);
	CHECK_EQ(got[0], g_pa(G(0), data));
	CHECK_EQ(got[1], g_pa(G(0), data + PG));
	CHECK_EQ(dstats(0).buffers_held, 1);
	finish_call(0, slot, 8);
	/* A contiguous range over an MMIO page is refused (undone) like a list. */
	data = g_alloc(G(0), 2, PG_RAM_RW);
	g_set_type(G(0), data + PG, PG_MMIO);
	slot = start_suspended(0, 9, NULL);
	shm_alloc_request(&rb, slot, 9, 2 * PG);
	g = garg(0, rb.guest_ipa);
	g->ret = 0;
	g->params[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
	g->params[0].u.tmem.buf_ptr = data;
	g->params[0].u.tmem.size = 2 * PG;
	g->params[0].u.tmem.shm_ref = 0x6B6C;
	{
		struct teemed_regs r = resume_regs(slot);

		call(0, &r);
		REQUIRE_EQ(r.a[0], RPC_CMD);
		CHECK_EQ(g->cmd, OPTEE_RPC_CMD_SHM_FREE);
		CHECK_EQ(g->params[0].u.value.b, 0x6B6C);
		g->ret = 0;
		rpc_cmd_reply(0, slot, 9);
		CHECK_EQ(o->ret, TEEC_ERROR_GENERIC);
	}
	CHECK_EQ(pa_pins_all(g_pa(G(0), data)), 0);
	finish_call(0, slot, 9);
}

TEST(rpc_shm_alloc_untranslatable_reply_undone)
{
	uint64_t data;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 3, PG_RAM_RW);
	g_set_type(G(0), data + PG, PG_MMIO);
	undo_case(data, 3, 0x5A5A, 3 * PG);
	data = g_alloc(G(0), 3, PG_RAM_RW);
	g_set_type(G(0), data + 2 * PG, PG_RAM_RO);
	undo_case(data, 3, 0x5A5B, 3 * PG);
}

TEST(rpc_shm_alloc_duplicate_cookie_undone)
{
	uint64_t data;

	fx_up(NULL, 1);
	register_shm(0, 1, 0, 0x5A5A, NULL);
	data = g_alloc(G(0), 2, PG_RAM_RW);
	undo_case(data, 2, 0x5A5A, 2 * PG);
	CHECK_EQ(dstats(0).buffers_held, 1);
}

TEST(rpc_shm_alloc_too_small_undone)
{
	uint64_t data;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 1, PG_RAM_RW);
	/* a reply smaller than asked cannot serve OP-TEE */
	{
		struct rpcbuf rb = { .cookie = 0x42 };
		struct optee_msg_arg *o;
		struct teemed_regs r;
		uint64_t slot = cmd_setup(&rb, 8);

		o = pa_ptr(rb.shadow_pa);
		shm_alloc_request(&rb, slot, 8, 3 * PG);
		shm_alloc_reply(&rb, data, 1, 0x77);
		r = resume_regs(slot);
		sw_resume(0, 8, RPC_INTR, 0, 0, 8)->optional = true;
		call(0, &r);
		if (r.a[0] == RPC_CMD) {
			/* undone: the guest frees it, OP-TEE gets GENERIC */
			garg(0, rb.guest_ipa)->ret = 0;
			rpc_cmd_reply(0, slot, 8);
			CHECK_EQ(o->ret, TEEC_ERROR_GENERIC);
		} else {
			/* or passed to OP-TEE, which checks size >= requested itself */
			CHECK_EQ(r.a[0], RPC_INTR);
		}
		finish_call(0, slot, 8);
	}
}

TEST(rpc_shm_alloc_guest_failure)
{
	struct rpcbuf rb = { .cookie = 0x42 };
	struct optee_msg_arg *o, *g;
	uint64_t slot;
	int64_t pins;

	fx_up(NULL, 1);
	slot = cmd_setup(&rb, 8);
	pins = live_pins();
	o = pa_ptr(rb.shadow_pa);
	shm_alloc_request(&rb, slot, 8, 3 * PG);
	g = garg(0, rb.guest_ipa);
	g->ret = TEEC_ERROR_OUT_OF_MEMORY;
	g->ret_origin = TEEC_ORIGIN_COMMS;
	rpc_cmd_reply(0, slot, 8);
	CHECK_EQ(o->ret, TEEC_ERROR_OUT_OF_MEMORY);
	CHECK_EQ(live_pins(), pins);
	finish_call(0, slot, 8);
}

TEST(rpc_shm_alloc_buffer_limit_undone)
{
	struct teemed_config cfg;
	uint64_t data;

	fx_config(&cfg);
	cfg.max_domain_buffers = 1;
	fx_up(&cfg, 1);
	register_shm(0, 1, 0, 0x1, NULL);
	data = g_alloc(G(0), 2, PG_RAM_RW);
	undo_case(data, 2, 0x5A5A, 2 * PG);
}

/* --- RPCs the mediator cannot place ------------------------------------ */

TEST(rpc_unknown_function_hidden)
{
	struct teemed_regs r;
	uint64_t slot;
	struct sw_step *s;

	fx_up(NULL, 1);
	K.allow_error_log = true;
	slot = start_suspended(0, 6, NULL);
	sw_resume(0, 6, OPTEE_SMC_RETURN_RPC(9), 0x1, 0x2, 6);
	r = resume_regs(slot);
	call(0, &r);
	CHECK_EQ(r.a[0], RPC_INTR);
	CHECK_EQ(r.a[3], slot);
	s = sw_resume(0, 6, OPTEE_SMC_RETURN_OK, 0, 0, 0);
	r = resume_regs(slot);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(s->got.a[0], OPTEE_SMC_CALL_RETURN_FROM_RPC);
}
