/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Calls in flight: a call preempted on one vCPU and resumed on another,
 * and a guest destroyed while it holds a call waiting in an RPC, a
 * registered buffer and open sessions.
 */
#include <string.h>

#include "teemed/optee_smc.h"
#include "tests/integration/itest.h"

/* A raw INVOKE arith ADD 20 + 22 in a page of the guest. */
static uint64_t add_arg(struct it *t, uint32_t session)
{
	struct optee_msg_param p[2];
	struct optee_msg_arg a;
	uint64_t page = 0;

	CHECK_EQ(gdrv_pages_alloc(t->drv, 1, GDRV_PAGES_ANY, &page), GDRV_OK);
	memset(&a, 0, sizeof(a));
	memset(p, 0, sizeof(p));
	a.cmd = OPTEE_MSG_CMD_INVOKE_COMMAND;
	a.func = TA_ARITH_CMD_ADD;
	a.session = session;
	a.num_params = 2;
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = 20;
	p[0].u.value.b = 22;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	CHECK_EQ(graw_write_arg(&t->wenv.env, page, &a, p, 2), GDRV_OK);
	return page;
}

struct flight {
	struct it *t;
	uint64_t page;
	uint64_t exit[8];      /* vCPU 0's first exit */
	uint64_t final[8];     /* vCPU 1's answer */
	uint64_t again[8];     /* vCPU 0's resume after vCPU 1 finished */
};

static int vcpu0_start(const struct guest_env *env, void *arg)
{
	struct flight *f = arg;

	memset(f->exit, 0, sizeof(f->exit));
	f->exit[0] = OPTEE_SMC_CALL_WITH_ARG;
	f->exit[1] = f->page >> 32;
	f->exit[2] = f->page & 0xffffffffu;
	graw_smc(env, f->exit);
	return 0;
}

static int vcpu1_resume(const struct guest_env *env, void *arg)
{
	struct flight *f = arg;

	memset(f->final, 0, sizeof(f->final));
	f->final[0] = OPTEE_SMC_CALL_RETURN_FROM_RPC;
	f->final[3] = f->exit[3];
	graw_smc(env, f->final);
	return 0;
}

static int vcpu0_resume_again(const struct guest_env *env, void *arg)
{
	struct flight *f = arg;

	memset(f->again, 0, sizeof(f->again));
	f->again[0] = OPTEE_SMC_CALL_RETURN_FROM_RPC;
	f->again[3] = f->exit[3];
	graw_smc(env, f->again);
	return 0;
}

static void resume_on_another_vcpu(void)
{
	struct optee_msg_param p[2];
	struct optee_msg_arg a;
	struct flight f = { 0 };
	struct it_config c;
	TEEC_Session s;
	uint32_t origin;
	struct it t;

	it_config_default(&c, MACHINE_MEDIATED);
	c.vcpus = 2;
	if (!it_setup(&t, &c))
		goto out;
	CHECK_EQ(TEEC_OpenSession(&t.ctx, &s, &it_uuid_arith, TEEC_LOGIN_PUBLIC, NULL, NULL,
				  &origin), TEEC_SUCCESS);
	f.t = &t;
	f.page = add_arg(&t, s.session_id);
	/* OP-TEE is interrupted at the call's entry: the guest sees FOREIGN_INTR. */
	optee_model_force_foreign_intr(machine_model(t.m), 1);
	CHECK_EQ(machine_guest_start(t.g, 0, vcpu0_start, &f), 0);
	CHECK_EQ(machine_guest_join(t.g), 0);
	CHECK_EQ(f.exit[0], OPTEE_SMC_RETURN_RPC_FOREIGN_INTR);
	CHECK_EQ(machine_guest_start(t.g, 1, vcpu1_resume, &f), 0);
	CHECK_EQ(machine_guest_join(t.g), 0);
	CHECK_EQ(f.final[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(graw_read(&t.wenv.env, f.page, &a, sizeof(a)), GDRV_OK);
	CHECK_EQ(graw_read(&t.wenv.env, f.page + sizeof(a), p, sizeof(p)), GDRV_OK);
	CHECK_EQ(a.ret, TEEC_SUCCESS);
	CHECK_EQ(p[1].u.value.a, 42);
	/* The call is over: resuming it again is refused. */
	CHECK_EQ(machine_guest_start(t.g, 0, vcpu0_resume_again, &f), 0);
	CHECK_EQ(machine_guest_join(t.g), 0);
	CHECK_EQ(f.again[0], OPTEE_SMC_RETURN_ERESUME);
	gdrv_pages_free(t.drv, &f.page, 1);
	TEEC_CloseSession(&s);
out:
	it_teardown(&t);
}

/* Everything a guest can leave behind, then the guest is destroyed. */
static void destroy_with_calls_in_flight(void)
{
	struct machine_report rep;
	struct teemed_stats st;
	TEEC_SharedMemory sh;
	struct flight f = { 0 };
	struct it_config c;
	TEEC_Session s;
	uint32_t origin;
	struct it t;

	it_config_default(&c, MACHINE_MEDIATED);
	c.vcpus = 2;
	if (!it_setup(&t, &c))
		goto out;
	CHECK_EQ(TEEC_OpenSession(&t.ctx, &s, &it_uuid_arith, TEEC_LOGIN_PUBLIC, NULL, NULL,
				  &origin), TEEC_SUCCESS);
	memset(&sh, 0, sizeof(sh));
	sh.size = 8u << 20;
	sh.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	CHECK_EQ(TEEC_AllocateSharedMemory(&t.ctx, &sh), TEEC_SUCCESS);
	f.t = &t;
	f.page = add_arg(&t, s.session_id);
	optee_model_force_foreign_intr(machine_model(t.m), 1);
	CHECK_EQ(machine_guest_start(t.g, 0, vcpu0_start, &f), 0);
	CHECK_EQ(machine_guest_join(t.g), 0);
	CHECK_EQ(f.exit[0], OPTEE_SMC_RETURN_RPC_FOREIGN_INTR);
	teemed_domain_stats(machine_mediator(t.m), machine_guest_domain(t.g), &st);
	CHECK_EQ(st.calls_active, 1);
	CHECK(st.pages_held >= 2048);
	/*
	 * The guest goes away without cleaning anything up (its driver's
	 * private memory is abandoned with it).
	 */
	t.drv = NULL;
	t.ctx_open = false;
	CHECK_EQ(machine_guest_destroy(t.m, t.g), 0);
	machine_check(t.m, &rep);
	CHECK_EQ(rep.pins, 0);
	CHECK_EQ(rep.pages, 0);
	CHECK_EQ(rep.errors_total, 0);
out:
	it_teardown(&t);
}

void flight_tests(void)
{
	RUN(resume_on_another_vcpu);
	RUN(destroy_with_calls_in_flight);
}
