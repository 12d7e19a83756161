/* SPDX-License-Identifier: BSD-2-Clause */
/* Counters (struct teemed_stats). */
#include "fx.h"

TEST(stats_start_at_zero)
{
	struct teemed_stats st;
	static const struct teemed_stats zero;

	fx_up(NULL, 1);
	st = dstats(0);
	CHECK(!memcmp(&st, &zero, sizeof(st)));
	memset(&st, 0xEE, sizeof(st));
	teemed_stats(X.tm, &st);
	CHECK(!memcmp(&st, &zero, sizeof(st)));
}

TEST(stats_fast_and_refusals)
{
	struct teemed_regs r;
	uint64_t ipa;

	fx_up(NULL, 1);
	sw_expect(OPTEE_SMC_CALLS_UID, 1, 1, 2, 3, 4);
	r = fast_regs(OPTEE_SMC_CALLS_UID);
	call(0, &r);
	r = fast_regs(OPTEE_SMC_GET_THREAD_COUNT);
	call(0, &r);
	CHECK_EQ(dstats(0).fast_calls, 2);
	r = fast_regs(0xB2000099);
	call(0, &r);
	CHECK_EQ(dstats(0).unknown_function, 1);
	r = std_regs(arg_new(0) + 8);
	call(0, &r);
	CHECK_EQ(dstats(0).bad_addr, 1);
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_CLOSE_SESSION, 1);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(dstats(0).bad_param, 1);
	r = resume_regs(1);
	call(0, &r);
	CHECK_EQ(dstats(0).resume_refused, 1);
	CHECK_EQ(dstats(0).calls_active, 0);
}

TEST(stats_std_and_rpc)
{
	struct rpcbuf rb = { .cookie = 0x1 };
	struct teemed_stats st;
	struct teemed_regs r;
	uint64_t s0, s1, ipa;

	fx_up_threads(NULL, 1, 2);
	s0 = start_suspended(0, 1, NULL);
	s1 = start_suspended(0, 2, NULL);
	st = dstats(0);
	CHECK_EQ(st.std_calls, 2);
	CHECK_EQ(st.calls_active, 2);
	CHECK_EQ(st.rpc_foreign_intr, 2);
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(dstats(0).thread_limit, 1);
	rpc_alloc(0, s0, 1, 160, &rb);
	CHECK_EQ(dstats(0).rpc_alloc, 1);
	CHECK_EQ(dstats(0).rpc_args_held, 1);
	{
		struct optee_msg_arg *o = pa_ptr(rb.shadow_pa);

		memset(o, 0, 64);
		o->cmd = OPTEE_RPC_CMD_GET_TIME;
		o->num_params = 1;
		o->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
		r = rpc_cmd(0, s0, 1, &rb);
		CHECK_EQ(r.a[0], RPC_CMD);
		rpc_cmd_reply(0, s0, 1);
	}
	CHECK_EQ(dstats(0).rpc_cmd, 1);
	rpc_free(0, s0, 1, &rb);
	CHECK_EQ(dstats(0).rpc_free, 1);
	CHECK_EQ(dstats(0).rpc_args_held, 0);
	finish_call(0, s0, 1);
	finish_call(0, s1, 2);
	st = dstats(0);
	CHECK_EQ(st.std_calls_done, 2);
	CHECK_EQ(st.calls_active, 0);
	CHECK_EQ(st.rpc_foreign_intr, 2 + 3); /* + the ones rpc_alloc/cmd/free waited on */
}

TEST(stats_shared_memory)
{
	struct teemed_config cfg;
	struct teemed_stats st;
	unsigned np;

	fx_config(&cfg);
	cfg.work_budget_pages = 4;
	fx_up(&cfg, 1);
	register_shm(0, 10, 0, 0x1, &np);
	st = dstats(0);
	CHECK_EQ(st.buffers_registered, 1);
	CHECK_EQ(st.pages_pinned, 10);
	CHECK_EQ(st.pages_held, 10);
	CHECK_EQ(st.buffers_held, 1);
	CHECK_EQ(st.bytes_shared, 10 * PG);
	CHECK_EQ(st.preemptions, np);
	CHECK(np >= 2);
	CHECK_EQ(unregister_shm(0, 0x1, 0), OPTEE_SMC_RETURN_OK);
	st = dstats(0);
	CHECK_EQ(st.pages_held, 0);
	CHECK_EQ(st.buffers_held, 0);
	CHECK_EQ(st.pages_pinned, 10);
	CHECK_EQ(st.buffers_registered, 1);
}

TEST(stats_out_of_memory)
{
	struct teemed_config cfg;
	uint64_t data, ipa;
	struct teemed_regs r;

	fx_config(&cfg);
	cfg.max_domain_buffers = 1;
	fx_up(&cfg, 1);
	register_shm(0, 1, 0, 0x1, NULL);
	data = g_alloc(G(0), 1, PG_RAM_RW);
	ipa = reg_shm_arg(0, data, 1, 0x2, PG);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(garg(0, ipa)->ret, TEEC_ERROR_OUT_OF_MEMORY);
	CHECK_EQ(dstats(0).out_of_memory, 1);
}

TEST(stats_sum_includes_destroyed_domains)
{
	struct teemed_stats st;
	struct teemed_regs r;

	fx_up(NULL, 2);
	for (int i = 0; i < 3; i++) {
		r = fast_regs(OPTEE_SMC_CALLS_COUNT);
		call(0, &r);
	}
	for (int i = 0; i < 2; i++) {
		r = fast_regs(OPTEE_SMC_CALLS_COUNT);
		call(1, &r);
	}
	register_shm(1, 2, 0, 0x1, NULL);
	teemed_stats(X.tm, &st);
	CHECK_EQ(st.fast_calls, 5);
	CHECK_EQ(st.pages_held, 2);
	fx_destroy(0);
	teemed_stats(X.tm, &st);
	CHECK_EQ(st.fast_calls, 5);
	fx_destroy(1);
	teemed_stats(X.tm, &st);
	CHECK_EQ(st.fast_calls, 5);
	CHECK_EQ(st.buffers_registered, 1);
	CHECK_EQ(st.pages_pinned, 2);
	/* gauges of destroyed domains are back to zero */
	CHECK_EQ(st.pages_held, 0);
	CHECK_EQ(st.buffers_held, 0);
	CHECK_EQ(st.calls_active, 0);
}
