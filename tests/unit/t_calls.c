/* SPDX-License-Identifier: BSD-2-Clause */
/* Behaviour 7 (calls in flight) and 8 (no lock across an SMC: checked by
 * the fake port on every SMC of every test). */
#include <pthread.h>

#include "fx.h"

TEST(calls_slot_ids_hide_optee_thread_ids)
{
	static const uint64_t tids[3] = { 9, 3, 200 };
	uint64_t slots[3];

	fx_up_threads(NULL, 1, 4);
	for (int i = 0; i < 3; i++) {
		slots[i] = start_suspended(0, tids[i], NULL);
		CHECK(slots[i] < 4);
		for (int j = 0; j < i; j++)
			CHECK(slots[i] != slots[j]);
	}
	/* resumed out of order, OP-TEE gets back its own thread IDs */
	finish_call(0, slots[1], tids[1]);
	finish_call(0, slots[2], tids[2]);
	finish_call(0, slots[0], tids[0]);
	CHECK_EQ(dstats(0).calls_active, 0);
}

TEST(calls_optee_thread_id_changes_between_exits)
{
	/* OP-TEE names the thread on every exit: the latest one counts */
	struct teemed_regs r;
	uint64_t slot;

	fx_up(NULL, 1);
	slot = start_suspended(0, 4, NULL);
	sw_resume(0, 4, RPC_INTR, 0, 0, 5);
	r = resume_regs(slot);
	call(0, &r);
	CHECK_EQ(r.a[0], RPC_INTR);
	CHECK_EQ(r.a[3], slot);
	finish_call(0, slot, 5);
}

TEST(calls_same_thread_ids_in_two_domains)
{
	uint64_t s0, s1;

	fx_up(NULL, 2);
	s0 = start_suspended(0, 1, NULL);
	s1 = start_suspended(1, 1, NULL);
	finish_call(1, s1, 1); /* a7 = 2 checked by the step */
	finish_call(0, s0, 1);
}

static void eresume(int d, struct teemed_regs r)
{
	uint64_t n = sw_smc_count();

	call(d, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ERESUME);
	CHECK_EQ(sw_smc_count(), n);
}

TEST(calls_eresume_unknown_slot)
{
	fx_up(NULL, 1);
	eresume(0, resume_regs(X.threads));
	eresume(0, resume_regs(99));
	eresume(0, resume_regs(UINT64_C(0xFFFFFFFF)));
	eresume(0, resume_regs(UINT64_C(0x100000000)));
	eresume(0, resume_regs(UINT64_C(0xFFFFFFFFFFFFFFFF)));
	CHECK_EQ(dstats(0).resume_refused, 5);
}

TEST(calls_eresume_idle_slot)
{
	fx_up(NULL, 1);
	for (unsigned i = 0; i < X.threads; i++)
		eresume(0, resume_regs(i));
}

TEST(calls_eresume_finished_slot)
{
	uint64_t slot;

	fx_up(NULL, 1);
	slot = start_suspended(0, 4, NULL);
	finish_call(0, slot, 4);
	eresume(0, resume_regs(slot));
}

TEST(calls_eresume_other_domains_slot)
{
	uint64_t slot;

	fx_up(NULL, 2);
	slot = start_suspended(0, 4, NULL);
	eresume(1, resume_regs(slot));
	finish_call(0, slot, 4);
}

static void h_resume_running(struct sw_step *s, const struct teemed_regs *in,
			     struct teemed_regs *out)
{
	struct teemed_regs r = resume_regs(s->u[0]);

	(void)in;
	/* another vCPU resumes the slot that is inside OP-TEE right now */
	teemed_handle_smc(X.tm, X.d[0], 1, &r);
	s->u[1] = r.a[0];
	out->a[0] = OPTEE_SMC_RETURN_OK;
}

TEST(calls_eresume_running_slot)
{
	struct teemed_regs r;
	struct sw_step *s;
	uint64_t slot;

	fx_up(NULL, 1);
	slot = start_suspended(0, 4, NULL);
	s = sw_resume_fn(0, 4, h_resume_running, NULL);
	s->u[0] = slot;
	r = resume_regs(slot);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(s->u[1], OPTEE_SMC_RETURN_ERESUME);
}

TEST(calls_eresume_while_first_call_inside_optee)
{
	/* a slot being entered for the first time is not resumable either */
	struct teemed_regs r;
	struct sw_step *s;
	uint64_t ipa;

	fx_up(NULL, 1);
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	s = sw_expect_fn(OPTEE_SMC_CALL_WITH_ARG, 1, h_resume_running, NULL);
	s->u[0] = 0;
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(s->u[1], OPTEE_SMC_RETURN_ERESUME);
}

TEST(calls_resume_from_another_vcpu)
{
	struct teemed_regs r;
	uint64_t slot;

	fx_up(NULL, 1);
	slot = start_suspended(0, 4, NULL);
	sw_resume(0, 4, RPC_INTR, 0, 0, 4);
	r = resume_regs(slot);
	call_v(0, 3, &r);
	CHECK_EQ(r.a[0], RPC_INTR);
	sw_resume(0, 4, OPTEE_SMC_RETURN_OK, 0, 0, 0);
	r = resume_regs(slot);
	call_v(0, 7, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
}

TEST(calls_resume_issues_return_from_rpc_exactly)
{
	/* Xen bug 1: the restart must be RETURN_FROM_RPC, not the RPC code */
	struct teemed_regs r;
	uint64_t slot;
	struct sw_step *s;

	fx_up(NULL, 1);
	slot = start_suspended(0, 4, NULL);
	s = sw_resume(0, 4, OPTEE_SMC_RETURN_OK, 0, 0, 0);
	r = resume_regs(slot);
	r.a[0] |= UINT64_C(0xFFFFFFFF00000000);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(s->got.a[0], UINT64_C(0x32000003));
	CHECK_EQ(s->got.a[3], 4);
	CHECK_EQ(s->got.a[7], 1);
}

struct race {
	struct gate entered, release;
};

static void h_block_resume(struct sw_step *s, const struct teemed_regs *in,
			   struct teemed_regs *out)
{
	struct race *rc = s->arg;

	(void)in;
	gate_set(&rc->entered, 1);
	if (!gate_wait(&rc->release, 1, 5000))
		test_fail(s->file, s->line, "never released");
	out->a[0] = OPTEE_SMC_RETURN_OK;
}

struct resumer {
	uint64_t slot;
	uint32_t vcpu;
	struct teemed_regs r;
	struct gate done;
};

static void *thr_resume(void *p)
{
	struct resumer *t = p;

	t->r = resume_regs(t->slot);
	teemed_handle_smc(X.tm, X.d[0], t->vcpu, &t->r);
	gate_set(&t->done, 1);
	return NULL;
}

TEST(calls_concurrent_resume_exactly_one_proceeds)
{
	struct race rc = { { 0 }, { 0 } };
	struct resumer a = { 0 }, b = { 0 };
	pthread_t ta, tb;
	uint64_t slot;
	int oks = 0, refused = 0;

	fx_up(NULL, 1);
	slot = start_suspended(0, 4, NULL);
	sw_resume_fn(0, 4, h_block_resume, &rc);
	a.slot = b.slot = slot;
	a.vcpu = 1;
	b.vcpu = 2;
	REQUIRE(pthread_create(&ta, NULL, thr_resume, &a) == 0);
	REQUIRE(pthread_create(&tb, NULL, thr_resume, &b) == 0);
	/* one is inside OP-TEE (blocked); the other must come back refused */
	CHECK(gate_wait(&rc.entered, 1, 5000));
	for (int i = 0; i < 500 && !a.done.state && !b.done.state; i++)
		gate_wait(&a.done, 1, 10);
	CHECK_MSG(a.done.state || b.done.state, "the second resume did not come back");
	gate_set(&rc.release, 1);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	oks = (a.r.a[0] == OPTEE_SMC_RETURN_OK) + (b.r.a[0] == OPTEE_SMC_RETURN_OK);
	refused = (a.r.a[0] == OPTEE_SMC_RETURN_ERESUME) + (b.r.a[0] == OPTEE_SMC_RETURN_ERESUME);
	CHECK_EQ(oks, 1);
	CHECK_EQ(refused, 1);
}

static void h_tid_from_func(struct sw_step *s, const struct teemed_regs *in,
			    struct teemed_regs *out)
{
	struct optee_msg_arg *sh = sw_arg(in);

	(void)s;
	out->a[0] = RPC_INTR;
	out->a[1] = out->a[2] = 0;
	out->a[3] = sh ? 10u + sh->func : 0;
}

struct starter {
	int i;
	struct teemed_regs r;
};

static void *thr_start(void *p)
{
	struct starter *t = p;

	teemed_handle_smc(X.tm, X.d[0], (uint32_t)t->i, &t->r);
	return NULL;
}

TEST(calls_concurrent_new_calls_threads)
{
	/* four vCPUs start calls at once: distinct slots, each its own thread ID */
	struct starter st[4];
	pthread_t th[4];

	fx_up_threads(NULL, 1, 4);
	sw_group_begin();
	for (int i = 0; i < 4; i++)
		sw_expect_fn(OPTEE_SMC_CALL_WITH_ARG, 1, h_tid_from_func, NULL);
	sw_group_end();
	for (int i = 0; i < 4; i++) {
		uint64_t ipa = arg_new(0);

		msg_init(garg(0, ipa), OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
		garg(0, ipa)->func = (uint32_t)i;
		st[i].i = i;
		st[i].r = std_regs(ipa);
	}
	for (int i = 0; i < 4; i++)
		REQUIRE(pthread_create(&th[i], NULL, thr_start, &st[i]) == 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(st[i].r.a[0], RPC_INTR);
		CHECK(st[i].r.a[3] < 4);
		for (int j = 0; j < i; j++)
			CHECK(st[i].r.a[3] != st[j].r.a[3]);
	}
	for (int i = 0; i < 4; i++)
		finish_call(0, st[i].r.a[3], 10 + (uint64_t)i);
}

TEST(calls_thread_limit)
{
	struct teemed_regs r;
	uint64_t s0, s1, ipa, n;

	fx_up_threads(NULL, 1, 2);
	s0 = start_suspended(0, 1, NULL);
	s1 = start_suspended(0, 2, NULL);
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	n = sw_smc_count();
	r = std_regs(ipa);
	r.a[3] = 0x3333;
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ETHREAD_LIMIT);
	CHECK_EQ(r.a[1], ipa >> 32);
	CHECK_EQ(r.a[2], ipa & 0xFFFFFFFFu);
	CHECK_EQ(r.a[3], 0x3333);
	CHECK_EQ(sw_smc_count(), n);
	CHECK_EQ(dstats(0).thread_limit, 1);
	CHECK_EQ(dstats(0).calls_active, 2);
	/* a slot frees: the same call goes through */
	finish_call(0, s1, 2);
	{
		struct callctx c = { 0 };

		sw_call(0, &c);
		r = std_regs(ipa);
		call(0, &r);
		CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	}
	finish_call(0, s0, 1);
}

TEST(calls_thread_limit_counts_preempted_translation)
{
	struct teemed_config cfg;
	uint64_t data, ipa;
	struct teemed_regs r, r2;

	fx_config(&cfg);
	cfg.work_budget_pages = 2;
	fx_up_threads(&cfg, 1, 1);
	data = g_alloc(G(0), 8, PG_RAM_RW);
	ipa = reg_shm_arg(0, data, 8, 0x1, 8 * PG);
	r = std_regs(ipa);
	call(0, &r);
	REQUIRE_EQ(r.a[0], RPC_INTR);
	r2 = std_regs(arg_new(0));
	msg_init(garg(0, (r2.a[1] << 32) | r2.a[2]), OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	call(0, &r2);
	CHECK_EQ(r2.a[0], OPTEE_SMC_RETURN_ETHREAD_LIMIT);
	{
		struct callctx c = { 0 };

		sw_call(0, &c);
		run_through_preemption(0, &r);
		CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	}
}

TEST(calls_fast_calls_while_calls_suspended)
{
	struct teemed_regs r;
	uint64_t slot;

	fx_up(NULL, 1);
	slot = start_suspended(0, 4, NULL);
	r = fast_regs(OPTEE_SMC_GET_THREAD_COUNT);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	finish_call(0, slot, 4);
}

TEST(calls_slot_map_many_rounds)
{
	/* slots are reused: many sequential and overlapping calls */
	uint64_t s[3];

	fx_up_threads(NULL, 1, 3);
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 3; i++)
			s[i] = start_suspended(0, (uint64_t)(round * 3 + i), NULL);
		for (int i = 2; i >= 0; i--)
			finish_call(0, s[i], (uint64_t)(round * 3 + i));
	}
	CHECK_EQ(dstats(0).calls_active, 0);
	CHECK_EQ(dstats(0).std_calls, 150);
	CHECK_EQ(dstats(0).std_calls_done, 150);
}
