/* SPDX-License-Identifier: BSD-2-Clause */
/* Behaviour 5: registered shared memory. */
#include <stdlib.h>

#include "fx.h"

struct reg_check {
	int d;
	uint64_t data;      /* IPA of the first data page */
	uint64_t n;
	unsigned off;
	uint64_t size;
	uint64_t cookie;
	unsigned bad;
	bool seen;
};

/* OP-TEE's view of REGISTER_SHM: attr 0x20A, a translated page list. */
static void edit_reg(struct optee_msg_arg *sh, struct callctx *c)
{
	struct reg_check *t = c->user;
	struct optee_msg_param *p = &sh->params[0];
	uint64_t *got = malloc(sizeof(uint64_t) * t->n);

	REQUIRE(got != NULL);
	t->seen = true;
	CHECK_EQ(sh->cmd, OPTEE_MSG_CMD_REGISTER_SHM);
	CHECK_EQ(sh->num_params, 1);
	CHECK_EQ(p->attr, OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG);
	CHECK_EQ(p->u.tmem.buf_ptr & (PG - 1), t->off);
	CHECK_EQ(p->u.tmem.size, t->size);
	CHECK_EQ(p->u.tmem.shm_ref, t->cookie);
	t->bad = sw_walk_pagelist(p->u.tmem.buf_ptr, t->n, got, TEEMED_PIN_WRITE, __FILE__,
				  __LINE__);
	for (uint64_t i = 0; i < t->n && !t->bad; i++) {
		uint64_t want = g_pa(G(t->d), t->data + i * PG);

		if (got[i] != want) {
			test_fail(__FILE__, __LINE__, "entry %llu = 0x%llx, expected 0x%llx",
				  (unsigned long long)i, (unsigned long long)got[i],
				  (unsigned long long)want);
			t->bad++;
			break;
		}
	}
	free(got);
}

/* Register with a full check of OP-TEE's view; OP-TEE answers a0/ret. */
static struct teemed_regs reg_checked(int d, uint64_t data, uint64_t n, unsigned off,
				      uint64_t size, uint64_t cookie, uint64_t a0, uint32_t ret,
				      unsigned *preempt, uint64_t *arg_ipa)
{
	static struct reg_check t;
	static struct callctx c;
	uint64_t ipa = arg_new(d);
	struct optee_msg_arg *a = garg(d, ipa);
	struct teemed_regs r;
	unsigned np;

	memset(&t, 0, sizeof(t));
	memset(&c, 0, sizeof(c));
	t.d = d;
	t.data = data;
	t.n = n;
	t.off = off;
	t.size = size;
	t.cookie = cookie;
	c.user = &t;
	c.edit = edit_reg;
	c.a0 = a0;
	c.ret = ret;
	msg_init(a, OPTEE_MSG_CMD_REGISTER_SHM, 1);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	a->params[0].u.tmem.buf_ptr = g_pagelist(d, data, n, off);
	a->params[0].u.tmem.size = size;
	a->params[0].u.tmem.shm_ref = cookie;
	sw_call(d, &c);
	r = std_regs(ipa);
	call(d, &r);
	np = run_through_preemption(d, &r);
	if (preempt)
		*preempt = np;
	CHECK(t.seen);
	CHECK_EQ(t.bad, 0);
	if (arg_ipa)
		*arg_ipa = ipa;
	return r;
}

TEST(shm_register_pins_until_unregister)
{
	uint64_t data, ipa;
	struct teemed_regs r;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 5, PG_RAM_RW);
	r = reg_checked(0, data, 5, 0x80, 5 * PG - 0x100, 0xC00C1E, 0, 0, NULL, &ipa);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(garg(0, ipa)->ret, 0);
	CHECK_EQ(live_pins(), 5);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(pa_pins(g_pa(G(0), data + (uint64_t)i * PG), TEEMED_PIN_WRITE), 1);
	/* the mediator's own list pages are not kept beyond what it needs */
	CHECK(live_pages() >= 1);
	CHECK_EQ(unregister_shm(0, 0xC00C1E, 0), OPTEE_SMC_RETURN_OK);
	CHECK_EQ(live_pins(), 0);
}

TEST(shm_register_refused_by_optee_unpins)
{
	uint64_t data;
	struct teemed_regs r;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 3, PG_RAM_RW);
	r = reg_checked(0, data, 3, 0, 3 * PG, 0x77, 0, TEEC_ERROR_OUT_OF_MEMORY, NULL, NULL);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(live_pins(), 0);
	CHECK_EQ(dstats(0).buffers_held, 0);
	/* the cookie is free again */
	r = reg_checked(0, data, 3, 0, 3 * PG, 0x77, 0, 0, NULL, NULL);
	CHECK_EQ(live_pins(), 3);
}

TEST(shm_register_optee_smc_error_unpins)
{
	uint64_t data;
	struct teemed_regs r;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 3, PG_RAM_RW);
	r = reg_checked(0, data, 3, 0, 3 * PG, 0x77, OPTEE_SMC_RETURN_ENOMEM, 0, NULL, NULL);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ENOMEM);
	CHECK_EQ(live_pins(), 0);
}

TEST(shm_register_duplicate_cookie_refused)
{
	uint64_t ipa, data;
	struct teemed_regs r;
	uint64_t n;

	fx_up(NULL, 1);
	register_shm(0, 2, 0, 0x55, NULL);
	data = g_alloc(G(0), 3, PG_RAM_RW);
	ipa = reg_shm_arg(0, data, 3, 0x55, 3 * PG);
	n = sw_smc_count();
	r = std_regs(ipa);
	call(0, &r);
	run_through_preemption(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK(garg(0, ipa)->ret != TEEC_SUCCESS);
	CHECK_EQ(sw_smc_count(), n);
	CHECK_EQ(live_pins(), 2);
	CHECK_EQ(pa_pins_all(g_pa(G(0), data)), 0);
}

TEST(shm_register_duplicate_while_first_pending)
{
	struct teemed_config cfg;
	uint64_t d1, d2, ipa1, ipa2;
	struct teemed_regs r1, r2;
	struct callctx c = { 0 };

	fx_config(&cfg);
	cfg.work_budget_pages = 4;
	fx_up(&cfg, 1);
	d1 = g_alloc(G(0), 20, PG_RAM_RW);
	d2 = g_alloc(G(0), 2, PG_RAM_RW);
	ipa1 = reg_shm_arg(0, d1, 20, 0x66, 20 * PG);
	ipa2 = reg_shm_arg(0, d2, 2, 0x66, 2 * PG);
	r1 = std_regs(ipa1);
	call(0, &r1);
	REQUIRE_EQ(r1.a[0], RPC_INTR); /* first one still translating */
	r2 = std_regs(ipa2);
	call(0, &r2);
	run_through_preemption(0, &r2);
	CHECK_EQ(r2.a[0], OPTEE_SMC_RETURN_OK);
	CHECK(garg(0, ipa2)->ret != TEEC_SUCCESS);
	sw_call(0, &c);
	run_through_preemption(0, &r1);
	CHECK_EQ(r1.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(garg(0, ipa1)->ret, 0);
	CHECK_EQ(live_pins(), 20);
}

TEST(shm_same_cookie_in_two_domains)
{
	fx_up(NULL, 2);
	register_shm(0, 2, 0, 0x1, NULL);
	register_shm(1, 3, 0, 0x1, NULL);
	CHECK_EQ(live_pins(), 5);
	CHECK_EQ(unregister_shm(1, 0x1, 0), OPTEE_SMC_RETURN_OK);
	CHECK_EQ(live_pins(), 2);
}

TEST(shm_unregister_failure_keeps_pins)
{
	uint64_t ipa;
	struct callctx c = { 0 };
	struct teemed_regs r;

	fx_up(NULL, 1);
	register_shm(0, 4, 0, 0x99, NULL);
	CHECK_EQ(unregister_shm(0, 0x99, TEEC_ERROR_BAD_PARAMETERS), OPTEE_SMC_RETURN_OK);
	CHECK_EQ(live_pins(), 4);
	/* still usable */
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	garg(0, ipa)->params[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	garg(0, ipa)->params[0].u.rmem.shm_ref = 0x99;
	garg(0, ipa)->params[0].u.rmem.size = 4 * PG;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(c.calls, 1);
	CHECK_EQ(unregister_shm(0, 0x99, 0), OPTEE_SMC_RETURN_OK);
	CHECK_EQ(live_pins(), 0);
}

TEST(shm_unregister_optee_smc_error_keeps_pins)
{
	uint64_t ipa;
	struct callctx c = { .a0 = OPTEE_SMC_RETURN_ENOMEM };
	struct teemed_regs r;

	fx_up(NULL, 1);
	register_shm(0, 4, 0, 0x99, NULL);
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_UNREGISTER_SHM, 1);
	garg(0, ipa)->params[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	garg(0, ipa)->params[0].u.rmem.shm_ref = 0x99;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ENOMEM);
	CHECK_EQ(live_pins(), 4);
}

TEST(shm_unregister_twice_and_rmem_after)
{
	uint64_t ipa, n;
	struct teemed_regs r;

	fx_up(NULL, 1);
	register_shm(0, 1, 0, 0x99, NULL);
	CHECK_EQ(unregister_shm(0, 0x99, 0), OPTEE_SMC_RETURN_OK);
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	garg(0, ipa)->params[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	garg(0, ipa)->params[0].u.rmem.shm_ref = 0x99;
	n = sw_smc_count();
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(garg(0, ipa)->ret, TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(sw_smc_count(), n);
}

TEST(shm_register_bad_page_nothing_held)
{
	uint64_t data, ipa;
	struct teemed_regs r;
	uint64_t n;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 8, PG_RAM_RW);
	g_set_type(G(0), data + 6 * PG, PG_RAM_RO); /* REGISTER_SHM is output */
	ipa = reg_shm_arg(0, data, 8, 0x31, 8 * PG);
	n = sw_smc_count();
	r = std_regs(ipa);
	call(0, &r);
	run_through_preemption(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(garg(0, ipa)->ret, TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(sw_smc_count(), n);
	CHECK_EQ(live_pins(), 0);
	CHECK_EQ(dstats(0).buffers_held, 0);
}

TEST(shm_register_bad_page_after_preemption_nothing_held)
{
	struct teemed_config cfg;
	uint64_t data, ipa;
	struct teemed_regs r;
	unsigned n;

	fx_config(&cfg);
	cfg.work_budget_pages = 8;
	fx_up(&cfg, 1);
	data = g_alloc(G(0), 60, PG_RAM_RW);
	g_set_type(G(0), data + 50 * PG, PG_MMIO);
	ipa = reg_shm_arg(0, data, 60, 0x31, 60 * PG);
	r = std_regs(ipa);
	call(0, &r);
	n = run_through_preemption(0, &r);
	CHECK(n >= 5);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(garg(0, ipa)->ret, TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(live_pins(), 0);
}

TEST(shm_register_1gib_preemptible)
{
	const uint64_t n = 262144; /* 1 GiB */
	struct teemed_config cfg;
	uint64_t data, rmem;
	struct teemed_regs r;
	unsigned np;
	struct callctx c = { 0 };

	fx_config(&cfg);
	cfg.max_domain_pages = 300000;
	fx_up(&cfg, 1);
	REQUIRE(cfg.max_buffer_pages >= n + 1);
	/* many IPAs onto few PAs: pins nest */
	data = g_alloc_alias(G(0), n, 16);
	r = reg_checked(0, data, n, 0, n * PG, 0x1C, 0, 0, &np, NULL);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(live_pins(), (int64_t)n);
	CHECK_MSG(np >= n / cfg.work_budget_pages / 2,
		  "1 GiB registered with %u preemptions (budget %u)", np, cfg.work_budget_pages);
	CHECK_EQ(dstats(0).pages_held, n);
	/* an RMEM reaching the last byte is fine */
	rmem = arg_new(0);
	msg_init(garg(0, rmem), OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	garg(0, rmem)->params[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INOUT;
	garg(0, rmem)->params[0].u.rmem.shm_ref = 0x1C;
	garg(0, rmem)->params[0].u.rmem.offs = n * PG - 16;
	garg(0, rmem)->params[0].u.rmem.size = 16;
	sw_call(0, &c);
	r = std_regs(rmem);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(c.calls, 1);
	/* unregistering releases it, preemptibly too */
	CHECK_EQ(unregister_shm(0, 0x1C, 0), OPTEE_SMC_RETURN_OK);
	CHECK_EQ(live_pins(), 0);
}

TEST(shm_register_1gib_plus_offset_and_limit)
{
	const uint64_t n = 262145; /* 1 GiB not starting on a page boundary */
	struct teemed_config cfg;
	uint64_t data, ipa;
	struct teemed_regs r;

	fx_config(&cfg);
	cfg.max_domain_pages = 600000;
	cfg.work_budget_pages = 65536;
	fx_up(&cfg, 1);
	data = g_alloc_alias(G(0), n + 1, 8);
	r = reg_checked(0, data, n, 0x800, (n - 1) * PG, 0x1D, 0, 0, NULL, NULL);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(live_pins(), (int64_t)n);
	/* one page more than max_buffer_pages: OUT_OF_MEMORY, nothing held */
	ipa = reg_shm_arg(0, data, n + 1, 0x1E, (n + 1) * PG);
	r = std_regs(ipa);
	call(0, &r);
	run_through_preemption(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(garg(0, ipa)->ret, TEEC_ERROR_OUT_OF_MEMORY);
	CHECK_EQ(live_pins(), (int64_t)n);
}

TEST(shm_limit_domain_pages)
{
	struct teemed_config cfg;
	uint64_t data, ipa;
	struct teemed_regs r;

	fx_config(&cfg);
	cfg.max_domain_pages = 8;
	fx_up(&cfg, 1);
	register_shm(0, 5, 0, 0x1, NULL);
	data = g_alloc(G(0), 5, PG_RAM_RW);
	ipa = reg_shm_arg(0, data, 5, 0x2, 5 * PG);
	r = std_regs(ipa);
	call(0, &r);
	run_through_preemption(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(garg(0, ipa)->ret, TEEC_ERROR_OUT_OF_MEMORY);
	CHECK_EQ(live_pins(), 5);
	CHECK_EQ(dstats(0).pages_held, 5);
	CHECK_EQ(dstats(0).out_of_memory, 1);
	/* room again after an unregister */
	CHECK_EQ(unregister_shm(0, 0x1, 0), OPTEE_SMC_RETURN_OK);
	register_shm(0, 8, 0, 0x3, NULL);
	CHECK_EQ(live_pins(), 8);
}

TEST(shm_limit_domain_pages_counts_temp_memrefs)
{
	struct teemed_config cfg;
	uint64_t data, ipa;
	struct optee_msg_param *p;
	struct teemed_regs r;

	fx_config(&cfg);
	cfg.max_domain_pages = 8;
	fx_up(&cfg, 1);
	register_shm(0, 6, 0, 0x1, NULL);
	data = g_alloc(G(0), 3, PG_RAM_RW);
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	p = &garg(0, ipa)->params[0];
	p->attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT | OPTEE_MSG_ATTR_NONCONTIG;
	p->u.tmem.buf_ptr = g_pagelist(0, data, 3, 0);
	p->u.tmem.size = 3 * PG;
	r = std_regs(ipa);
	call(0, &r);
	run_through_preemption(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(garg(0, ipa)->ret, TEEC_ERROR_OUT_OF_MEMORY);
	CHECK_EQ(live_pins(), 6);
}

TEST(shm_limit_domain_buffers)
{
	struct teemed_config cfg;
	uint64_t data, ipa;
	struct teemed_regs r;

	fx_config(&cfg);
	cfg.max_domain_buffers = 2;
	fx_up(&cfg, 1);
	register_shm(0, 1, 0, 0x1, NULL);
	register_shm(0, 1, 0, 0x2, NULL);
	data = g_alloc(G(0), 1, PG_RAM_RW);
	ipa = reg_shm_arg(0, data, 1, 0x3, PG);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(garg(0, ipa)->ret, TEEC_ERROR_OUT_OF_MEMORY);
	CHECK_EQ(live_pins(), 2);
	CHECK_EQ(dstats(0).buffers_held, 2);
	CHECK_EQ(unregister_shm(0, 0x2, 0), OPTEE_SMC_RETURN_OK);
	register_shm(0, 1, 0, 0x3, NULL);
}

TEST(shm_limit_per_domain_not_global)
{
	struct teemed_config cfg;

	fx_config(&cfg);
	cfg.max_domain_pages = 4;
	fx_up(&cfg, 2);
	register_shm(0, 4, 0, 0x1, NULL);
	register_shm(1, 4, 0, 0x1, NULL);
	CHECK_EQ(live_pins(), 8);
}

TEST(shm_register_pin_failure_sweep)
{
	fx_up(NULL, 1);
	K.allow_error_log = true;
	for (uint64_t n = 1; n <= 8; n++) {
		uint64_t data = g_alloc(G(0), 4, PG_RAM_RW);
		uint64_t ipa = reg_shm_arg(0, data, 4, 0x100 + n, 4 * PG);
		struct callctx c = { 0 };
		struct sw_step *s = sw_call(0, &c);
		struct teemed_regs r;

		s->optional = true;
		K.fail_pin_at = fake_counts()->pins + n;
		r = std_regs(ipa);
		call(0, &r);
		run_through_preemption(0, &r);
		K.fail_pin_at = 0;
		sw_check_done(__FILE__, __LINE__);
		if (c.calls)
			CHECK_EQ(unregister_shm(0, 0x100 + n, 0), OPTEE_SMC_RETURN_OK);
		CHECK_EQ(live_pins(), 0);
		CHECK_EQ(dstats(0).buffers_held, 0);
	}
}

TEST(shm_unregister_release_preemptible_then_rmem_unknown)
{
	struct teemed_config cfg;
	uint64_t ipa, rm;
	struct callctx c = { 0 };
	struct teemed_regs r;
	unsigned n;

	fx_config(&cfg);
	cfg.work_budget_pages = 16;
	fx_up(&cfg, 1);
	register_shm(0, 300, 4, 0x7, NULL);
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_UNREGISTER_SHM, 1);
	garg(0, ipa)->params[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	garg(0, ipa)->params[0].u.rmem.shm_ref = 0x7;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	if (r.a[0] == RPC_INTR) {
		/* mid-release: the buffer is not usable any more */
		rm = arg_new(0);
		msg_init(garg(0, rm), OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
		garg(0, rm)->params[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
		garg(0, rm)->params[0].u.rmem.shm_ref = 0x7;
		{
			struct teemed_regs r2 = std_regs(rm);
			uint64_t k = sw_smc_count();

			call(0, &r2);
			CHECK_EQ(r2.a[0], OPTEE_SMC_RETURN_OK);
			CHECK_EQ(garg(0, rm)->ret, TEEC_ERROR_BAD_PARAMETERS);
			CHECK_EQ(sw_smc_count(), k);
		}
	}
	n = run_through_preemption(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_MSG(n >= 300 / 16 / 2, "releasing 300 pages at 16 a trap: %u preemptions", n);
	CHECK_EQ(live_pins(), 0);
}

TEST(shm_rmem_and_unregister_on_pending_buffer_refused)
{
	struct teemed_config cfg;
	uint64_t data, ipa, rm, un;
	struct teemed_regs r, r2;
	struct callctx c = { 0 };

	fx_config(&cfg);
	cfg.work_budget_pages = 4;
	fx_up_threads(&cfg, 1, 3);
	data = g_alloc(G(0), 20, PG_RAM_RW);
	ipa = reg_shm_arg(0, data, 20, 0x8, 20 * PG);
	r = std_regs(ipa);
	call(0, &r);
	REQUIRE_EQ(r.a[0], RPC_INTR);
	rm = arg_new(0);
	msg_init(garg(0, rm), OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	garg(0, rm)->params[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	garg(0, rm)->params[0].u.rmem.shm_ref = 0x8;
	r2 = std_regs(rm);
	call(0, &r2);
	CHECK_EQ(r2.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(garg(0, rm)->ret, TEEC_ERROR_BAD_PARAMETERS);
	un = arg_new(0);
	msg_init(garg(0, un), OPTEE_MSG_CMD_UNREGISTER_SHM, 1);
	garg(0, un)->params[0].u.rmem.shm_ref = 0x8;
	r2 = std_regs(un);
	call(0, &r2);
	CHECK_EQ(r2.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(garg(0, un)->ret, TEEC_ERROR_BAD_PARAMETERS);
	sw_call(0, &c);
	run_through_preemption(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(live_pins(), 20);
}
