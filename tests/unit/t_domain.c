/* SPDX-License-Identifier: BSD-2-Clause */
/* Behaviour 2: domains (create, client IDs, a7, destroy). */
#include <pthread.h>

#include "fx.h"

TEST(domain_create_issues_vm_created)
{
	fx_up(NULL, 2); /* VM_CREATED a7 = 0, a1 = 1 then 2: checked by the steps */
	CHECK_EQ(teemed_domain_client_id(X.d[0]), 1);
	CHECK_EQ(teemed_domain_client_id(X.d[1]), 2);
}

TEST(domain_create_max_client_id)
{
	struct teemed_domain *d = NULL;
	struct fguest *g;

	fx_up(NULL, 0);
	g = guest_new();
	sw_vm_created(0xFFFF, OPTEE_SMC_RETURN_OK);
	REQUIRE_RC(teemed_domain_create(X.tm, 0xFFFF, g, &d), TEEMED_OK);
	X.g[0] = g;
	X.d[0] = d;
	X.cid[0] = 0xFFFF;
	X.ndom = 1;
	CHECK_EQ(teemed_domain_client_id(d), 0xFFFF);
}

TEST(domain_create_zero_client_id_einval)
{
	struct teemed_domain *d = NULL;
	uint64_t n;

	fx_up(NULL, 0);
	n = sw_smc_count();
	CHECK_RC(teemed_domain_create(X.tm, 0, guest_new(), &d), TEEMED_EINVAL);
	CHECK_EQ(sw_smc_count(), n);
}

TEST(domain_create_duplicate_client_id_eexist)
{
	struct teemed_domain *d = NULL;
	uint64_t n;

	fx_up(NULL, 2);
	n = sw_smc_count();
	CHECK_RC(teemed_domain_create(X.tm, 2, guest_new(), &d), TEEMED_EEXIST);
	CHECK_RC(teemed_domain_create(X.tm, 1, guest_new(), &d), TEEMED_EEXIST);
	CHECK_EQ(sw_smc_count(), n);
}

TEST(domain_client_id_reusable_after_destroy)
{
	fx_up(NULL, 1);
	fx_destroy(0);
	sw_vm_created(1, OPTEE_SMC_RETURN_OK);
	REQUIRE_RC(teemed_domain_create(X.tm, 1, X.g[0], &X.d[0]), TEEMED_OK);
}

TEST(domain_vm_created_refused_eio)
{
	struct teemed_domain *d = NULL;
	struct fguest *g;

	fx_up(NULL, 0);
	g = guest_new();
	K.allow_error_log = true;
	sw_vm_created(3, OPTEE_SMC_RETURN_ENOTAVAIL);
	CHECK_RC(teemed_domain_create(X.tm, 3, g, &d), TEEMED_EIO);
	CHECK_EQ(live_pins(), 0);
	/* the client ID was not kept */
	sw_vm_created(3, OPTEE_SMC_RETURN_OK);
	REQUIRE_RC(teemed_domain_create(X.tm, 3, g, &d), TEEMED_OK);
	X.g[0] = g;
	X.d[0] = d;
	X.cid[0] = 3;
	X.ndom = 1;
}

TEST(domain_create_failure_sweep)
{
	struct fguest *g;

	fx_up(NULL, 0);
	g = guest_new();
	K.allow_error_log = true;
	for (int kind = 0; kind < 3; kind++) {
		for (uint64_t n = 1; n <= 6; n++) {
			struct teemed_domain *d = NULL;
			struct sw_step *c, *dd;
			int rc;

			K.fail_alloc_at = kind == 0 ? fake_counts()->allocs + n : 0;
			K.fail_lock_at = kind == 1 ? fake_counts()->locks_created + n : 0;
			K.fail_page_at = kind == 2 ? fake_counts()->pages + n : 0;
			c = sw_vm_created(9, OPTEE_SMC_RETURN_OK);
			c->optional = true;
			dd = sw_vm_destroyed(9);
			dd->optional = true;
			rc = teemed_domain_create(X.tm, 9, g, &d);
			K.fail_alloc_at = K.fail_lock_at = K.fail_page_at = 0;
			if (rc == TEEMED_OK) {
				CHECK(c->hit);
				CHECK(!dd->hit);
				dd->hit = true;
				X.g[0] = g;
				X.d[0] = d;
				X.cid[0] = 9;
				X.ndom = 1;
				fx_destroy(0);
				X.ndom = 0;
			} else {
				CHECK_RC(rc, TEEMED_ENOMEM);
				/* OP-TEE told of a guest must be told it is gone */
				CHECK_MSG(c->hit == dd->hit, "kind %d n %llu: VM_CREATED %d VM_DESTROYED %d",
					  kind, (unsigned long long)n, c->hit, dd->hit);
			}
			sw_check_done(__FILE__, __LINE__);
		}
	}
	/* nguests is bounded: the guests made above are not reused */
}

/* a7 is the client ID on every SMC forwarded for a guest, whatever it put there. */
static void a7_case(uint64_t guest_a7)
{
	struct teemed_regs r;
	struct callctx c;
	uint64_t ipa;

	for (int d = 0; d < 2; d++) {
		sw_expect(OPTEE_SMC_CALLS_UID, CID(d), OPTEE_MSG_UID_0, OPTEE_MSG_UID_1,
			  OPTEE_MSG_UID_2, OPTEE_MSG_UID_3);
		r = fast_regs(OPTEE_SMC_CALLS_UID);
		r.a[7] = guest_a7;
		call(d, &r);
		CHECK_EQ(r.a[0], OPTEE_MSG_UID_0);

		ipa = arg_new(d);
		msg_init(garg(d, ipa), OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
		memset(&c, 0, sizeof(c));
		sw_call(d, &c);
		r = std_regs(ipa);
		r.a[7] = guest_a7;
		call(d, &r);
		CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);

		/* and on a resume */
		sw_expect(OPTEE_SMC_CALL_WITH_ARG, CID(d), RPC_INTR, 0, 0, 1);
		r = std_regs(ipa);
		r.a[7] = guest_a7;
		call(d, &r);
		CHECK_EQ(r.a[0], RPC_INTR);
		sw_resume(d, 1, OPTEE_SMC_RETURN_OK, 0, 0, 0);
		r = resume_regs(r.a[3]);
		r.a[7] = guest_a7;
		call(d, &r);
		CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	}
}

TEST(domain_a7_overwritten_0x10001)
{
	fx_up(NULL, 2);
	a7_case(0x10001); /* OP-TEE would truncate to guest 1 */
}

TEST(domain_a7_overwritten_zero)
{
	fx_up(NULL, 2);
	a7_case(0); /* the hypervisor's own ID */
}

TEST(domain_a7_overwritten_other_guest)
{
	fx_up(NULL, 2);
	a7_case(2);
	a7_case(0xFFFFFFFFFFFF0001ull);
}

TEST(destroy_idle_domain)
{
	fx_up(NULL, 1);
	fx_destroy(0); /* VM_DESTROYED a7 = 0, a1 = 1 */
	CHECK_EQ(live_pages(), 0);
	CHECK_EQ(live_pins(), 0);
}

TEST(destroy_other_domain_unaffected)
{
	struct teemed_regs r;

	fx_up(NULL, 2);
	register_shm(1, 3, 0, 0x77, NULL);
	fx_destroy(0);
	sw_expect(OPTEE_SMC_CALLS_UID, 2, 1, 2, 3, 4);
	r = fast_regs(OPTEE_SMC_CALLS_UID);
	call(1, &r);
	CHECK_EQ(r.a[0], 1);
	CHECK_EQ(live_pins(), 3);
}

TEST(destroy_releases_registered_buffers)
{
	fx_up(NULL, 1);
	register_shm(0, 3, 0, 0x100, NULL);
	register_shm(0, 1, 0, 0x200, NULL);
	register_shm(0, 700, 0, 0x300, NULL); /* two list pages */
	CHECK_EQ(live_pins(), 704);
	fx_destroy(0); /* checks no unpin came before VM_DESTROYED */
	CHECK_EQ(live_pins(), 0);
	CHECK_EQ(live_pages(), 0);
}

TEST(destroy_call_suspended_in_rpc_with_rpc_buffers)
{
	struct rpcbuf rb1 = { .cookie = 0xC1 }, rb2 = { .cookie = 0xC2 };
	uint64_t slot;

	fx_up(NULL, 1);
	slot = start_suspended(0, 7, NULL);
	rpc_alloc(0, slot, 7, 160, &rb1);
	rpc_alloc(0, slot, 7, 160, &rb2);
	CHECK_EQ(pa_pins_all(g_pa(G(0), rb1.guest_ipa)), 1);
	CHECK(live_pins() >= 2);
	fx_destroy(0);
	CHECK_EQ(live_pins(), 0);
}

TEST(destroy_call_suspended_with_temp_memref)
{
	uint64_t ipa, data;
	struct optee_msg_arg *a;
	struct teemed_regs r;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 4, PG_RAM_RW);
	ipa = arg_new(0);
	a = garg(0, ipa);
	msg_init(a, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INOUT | OPTEE_MSG_ATTR_NONCONTIG;
	a->params[0].u.tmem.buf_ptr = g_pagelist(0, data, 4, 0);
	a->params[0].u.tmem.size = 4 * PG;
	sw_expect(OPTEE_SMC_CALL_WITH_ARG, CID(0), RPC_INTR, 0, 0, 3);
	r = std_regs(ipa);
	call(0, &r);
	REQUIRE_EQ(r.a[0], RPC_INTR);
	CHECK_EQ(live_pins(), 4);
	fx_destroy(0);
}

TEST(destroy_call_preempted_in_translation)
{
	struct teemed_config cfg;
	uint64_t data, ipa;
	struct teemed_regs r;

	fx_config(&cfg);
	cfg.work_budget_pages = 4;
	fx_up(&cfg, 1);
	data = g_alloc(G(0), 40, PG_RAM_RW);
	ipa = reg_shm_arg(0, data, 40, 0x55, 40 * PG);
	r = std_regs(ipa);
	call(0, &r);
	REQUIRE_EQ(r.a[0], RPC_INTR); /* the mediator's own preemption */
	CHECK(live_pins() > 0);
	CHECK(live_pins() < 40);
	r = resume_regs(r.a[3]);
	call(0, &r);
	CHECK_EQ(r.a[0], RPC_INTR);
	fx_destroy(0); /* never reached OP-TEE: VM_DESTROYED all the same */
}

TEST(destroy_with_rpc_shm_alloc_buffer)
{
	struct rpcbuf rb = { .cookie = 0xAB };
	struct optee_msg_arg *o, *ga;
	uint64_t slot, data;
	struct teemed_regs r;

	fx_up(NULL, 1);
	slot = start_suspended(0, 5, NULL);
	rpc_alloc(0, slot, 5, 160, &rb);
	o = pa_ptr(rb.shadow_pa);
	REQUIRE(o != NULL);
	memset(o, 0, 64);
	o->cmd = OPTEE_RPC_CMD_SHM_ALLOC;
	o->num_params = 1;
	o->ret = TEEC_ERROR_GENERIC;
	o->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	o->params[0].u.value.a = OPTEE_RPC_SHM_TYPE_KERNEL;
	o->params[0].u.value.b = 3 * PG;
	o->params[0].u.value.c = 8;
	r = rpc_cmd(0, slot, 5, &rb);
	REQUIRE_EQ(r.a[0], RPC_CMD);
	data = g_alloc(G(0), 3, PG_RAM_RW);
	ga = garg(0, rb.guest_ipa);
	ga->ret = 0;
	ga->params[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	ga->params[0].u.tmem.buf_ptr = g_pagelist(0, data, 3, 0);
	ga->params[0].u.tmem.size = 3 * PG;
	ga->params[0].u.tmem.shm_ref = 0xD00D;
	rpc_cmd_reply(0, slot, 5);
	CHECK_EQ(pa_pins_all(g_pa(G(0), data)), 1);
	finish_call(0, slot, 5);
	CHECK_EQ(pa_pins_all(g_pa(G(0), data + 2 * PG)), 1); /* kept after the call */
	fx_destroy(0);
}

/* Destroy while a call is inside OP-TEE: called from the SMC itself. */
static void h_destroy_inside(struct sw_step *s, const struct teemed_regs *in,
			     struct teemed_regs *out)
{
	struct teemed_regs r;

	(void)in;
	s->u[0] = (uint64_t)(int64_t)teemed_domain_destroy(X.tm, X.d[0]);
	s->u[1] = (uint64_t)(int64_t)teemed_domain_destroy(X.tm, X.d[0]);
	/* another vCPU of the dying guest */
	r = fast_regs(OPTEE_SMC_CALLS_UID);
	teemed_handle_smc(X.tm, X.d[0], 1, &r);
	s->u[2] = r.a[0];
	r = std_regs(s->u[3]);
	teemed_handle_smc(X.tm, X.d[0], 1, &r);
	s->u[3] = r.a[0];
	out->a[0] = OPTEE_SMC_RETURN_OK;
	out->a[1] = out->a[2] = out->a[3] = 0;
}

TEST(destroy_while_call_inside_optee_same_thread)
{
	uint64_t ipa, ipa2, data;
	struct optee_msg_arg *a;
	struct teemed_regs r;
	struct sw_step *s;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 2, PG_RAM_RW);
	ipa = arg_new(0);
	a = garg(0, ipa);
	msg_init(a, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT | OPTEE_MSG_ATTR_NONCONTIG;
	a->params[0].u.tmem.buf_ptr = g_pagelist(0, data, 2, 0);
	a->params[0].u.tmem.size = 2 * PG;
	ipa2 = arg_new(0);
	msg_init(garg(0, ipa2), OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	s = sw_expect_fn(OPTEE_SMC_CALL_WITH_ARG, CID(0), h_destroy_inside, NULL);
	s->u[3] = ipa2;
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ((int64_t)s->u[0], TEEMED_AGAIN);
	CHECK_EQ((int64_t)s->u[1], TEEMED_AGAIN);
	CHECK_EQ(s->u[2], OPTEE_SMC_RETURN_ENOTAVAIL);
	CHECK_EQ(s->u[3], OPTEE_SMC_RETURN_ENOTAVAIL);
	/* no VM_DESTROYED yet: the script would have caught it */
	fx_destroy(0);
}

struct inside_ctx {
	struct gate entered, release;
};

static void h_block(struct sw_step *s, const struct teemed_regs *in, struct teemed_regs *out)
{
	struct inside_ctx *ic = s->arg;

	(void)in;
	gate_set(&ic->entered, 1);
	if (!gate_wait(&ic->release, 1, 5000))
		test_fail(s->file, s->line, "never released");
	out->a[0] = (uint32_t)s->u[0];
	out->a[1] = s->u[1];
	out->a[2] = 0;
	out->a[3] = s->u[3];
}

struct thr_call {
	int d;
	struct teemed_regs r;
	uint32_t vcpu;
};

static void *thr_call(void *p)
{
	struct thr_call *t = p;

	teemed_handle_smc(X.tm, X.d[t->d], t->vcpu, &t->r);
	return NULL;
}

TEST(destroy_while_call_inside_optee_other_thread)
{
	struct inside_ctx ic = { { 0 }, { 0 } };
	struct thr_call t = { 0 };
	struct teemed_regs r;
	pthread_t th;
	uint64_t ipa;
	struct sw_step *s;

	fx_up(NULL, 1);
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	s = sw_expect_fn(OPTEE_SMC_CALL_WITH_ARG, CID(0), h_block, &ic);
	s->u[0] = OPTEE_SMC_RETURN_OK;
	t.d = 0;
	t.r = std_regs(ipa);
	t.vcpu = 1;
	REQUIRE(pthread_create(&th, NULL, thr_call, &t) == 0);
	REQUIRE(gate_wait(&ic.entered, 1, 5000));
	for (int i = 0; i < 3; i++)
		CHECK_RC(teemed_domain_destroy(X.tm, X.d[0]), TEEMED_AGAIN);
	r = fast_regs(OPTEE_SMC_GET_THREAD_COUNT);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ENOTAVAIL);
	gate_set(&ic.release, 1);
	pthread_join(th, NULL);
	fx_destroy(0);
}

TEST(destroy_while_call_inside_optee_returning_rpc)
{
	/* the call comes back from OP-TEE with an RPC after destroy began */
	struct inside_ctx ic = { { 0 }, { 0 } };
	struct thr_call t = { 0 };
	pthread_t th;
	uint64_t ipa;
	struct sw_step *s;

	fx_up(NULL, 1);
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	s = sw_expect_fn(OPTEE_SMC_CALL_WITH_ARG, CID(0), h_block, &ic);
	s->u[0] = RPC_ALLOC;
	s->u[1] = 160;
	s->u[3] = 4;
	t.r = std_regs(ipa);
	REQUIRE(pthread_create(&th, NULL, thr_call, &t) == 0);
	REQUIRE(gate_wait(&ic.entered, 1, 5000));
	CHECK_RC(teemed_domain_destroy(X.tm, X.d[0]), TEEMED_AGAIN);
	gate_set(&ic.release, 1);
	pthread_join(th, NULL);
	fx_destroy(0);
}

TEST(destroy_is_preemptible)
{
	struct teemed_config cfg;
	struct teemed_regs r;
	unsigned again = 0;
	int rc;

	fx_config(&cfg);
	cfg.work_budget_pages = 64;
	fx_up(&cfg, 1);
	register_shm(0, 4000, 8, 0x1, NULL);
	CHECK_EQ(live_pins(), 4000);
	sw_vm_destroyed(1);
	while ((rc = teemed_domain_destroy(X.tm, X.d[0])) == TEEMED_AGAIN) {
		again++;
		/* SMCs after destroy started get ENOTAVAIL */
		r = fast_regs(OPTEE_SMC_CALLS_COUNT);
		call(0, &r);
		CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ENOTAVAIL);
		if (again > 100000)
			break;
	}
	CHECK_RC(rc, TEEMED_OK);
	X.d[0] = NULL;
	CHECK_MSG(again >= 4000 / 64 / 2, "destroy of 4000 pages with budget 64: %u AGAIN", again);
	CHECK_EQ(live_pins(), 0);
}

TEST(destroy_smcs_after_start_get_enotavail)
{
	struct teemed_config cfg;
	struct teemed_regs r;
	uint64_t slot, ipa;
	int rc;

	fx_config(&cfg);
	cfg.work_budget_pages = 16;
	fx_up(&cfg, 1);
	register_shm(0, 200, 4, 0x1, NULL);
	slot = start_suspended(0, 2, NULL);
	sw_vm_destroyed(1);
	rc = teemed_domain_destroy(X.tm, X.d[0]);
	REQUIRE_RC(rc, TEEMED_AGAIN);
	r = fast_regs(OPTEE_SMC_CALLS_UID);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ENOTAVAIL);
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ENOTAVAIL);
	r = resume_regs(slot);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ENOTAVAIL);
	r = fast_regs(0x84000000); /* not OP-TEE's */
	call(0, &r);
	CHECK(r.a[0] == OPTEE_SMC_RETURN_ENOTAVAIL || r.a[0] == OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	while ((rc = teemed_domain_destroy(X.tm, X.d[0])) == TEEMED_AGAIN)
		;
	CHECK_RC(rc, TEEMED_OK);
	X.d[0] = NULL;
}

TEST(destroy_everything_at_once)
{
	/* calls in every state plus buffers of every kind, then destroy */
	struct teemed_config cfg;
	struct rpcbuf rb = { .cookie = 0x99 };
	uint64_t s0, data, ipa;
	struct teemed_regs r;

	fx_config(&cfg);
	cfg.work_budget_pages = 8;
	fx_up_threads(&cfg, 1, 4);
	register_shm(0, 30, 0, 0x500, NULL);
	s0 = start_suspended(0, 11, NULL);
	rpc_alloc(0, s0, 11, 160, &rb);
	(void)start_suspended(0, 12, NULL);
	data = g_alloc(G(0), 50, PG_RAM_RW);
	ipa = reg_shm_arg(0, data, 50, 0x501, 50 * PG);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], RPC_INTR); /* preempted mid-translation */
	fx_destroy(0);
	CHECK_EQ(live_pins(), 0);
}

TEST(destroy_twice_domains_then_fini)
{
	fx_up(NULL, 3);
	register_shm(2, 2, 0, 0x1, NULL);
	fx_destroy(1);
	fx_destroy(2);
	fx_destroy(0);
}

TEST(destroy_during_shm_free_undo)
{
	/* the mediator asked the guest to free a refused SHM_ALLOC reply */
	struct rpcbuf rb = { .cookie = 0x42 };
	struct optee_msg_arg *o, *g;
	struct teemed_regs r;
	uint64_t slot, data;

	fx_up(NULL, 1);
	slot = start_suspended(0, 5, NULL);
	rpc_alloc(0, slot, 5, 160, &rb);
	o = pa_ptr(rb.shadow_pa);
	memset(o, 0, 64);
	o->cmd = OPTEE_RPC_CMD_SHM_ALLOC;
	o->num_params = 1;
	o->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	o->params[0].u.value.b = 2 * PG;
	r = rpc_cmd(0, slot, 5, &rb);
	REQUIRE_EQ(r.a[0], RPC_CMD);
	data = g_alloc(G(0), 2, PG_RAM_RW);
	g_set_type(G(0), data + PG, PG_MMIO);
	g = garg(0, rb.guest_ipa);
	g->ret = 0;
	g->params[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	g->params[0].u.tmem.buf_ptr = g_pagelist(0, data, 2, 0);
	g->params[0].u.tmem.size = 2 * PG;
	g->params[0].u.tmem.shm_ref = 0x77;
	r = resume_regs(slot);
	call(0, &r);
	REQUIRE_EQ(r.a[0], RPC_CMD); /* the mediator's SHM_FREE */
	fx_destroy(0);
}

TEST(destroy_during_unregister_release)
{
	struct teemed_config cfg;
	uint64_t ipa;
	struct callctx c = { 0 };
	struct teemed_regs r;

	fx_config(&cfg);
	cfg.work_budget_pages = 16;
	fx_up(&cfg, 1);
	register_shm(0, 200, 4, 0x7, NULL);
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_UNREGISTER_SHM, 1);
	garg(0, ipa)->params[0].u.rmem.shm_ref = 0x7;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], RPC_INTR); /* releasing, preempted */
	CHECK(live_pins() > 0 && live_pins() < 200);
	fx_destroy(0);
}

TEST(destroy_with_thread_limited_call)
{
	/* OP-TEE itself answered ETHREAD_LIMIT: the slot is back, nothing held */
	uint64_t ipa, data;
	struct callctx c = { .a0 = OPTEE_SMC_RETURN_ETHREAD_LIMIT };
	struct teemed_regs r;
	struct optee_msg_param *p;

	fx_up(NULL, 1);
	data = g_alloc(G(0), 2, PG_RAM_RW);
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	p = &garg(0, ipa)->params[0];
	p->attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT | OPTEE_MSG_ATTR_NONCONTIG;
	p->u.tmem.buf_ptr = g_pagelist(0, data, 2, 0);
	p->u.tmem.size = 2 * PG;
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ETHREAD_LIMIT);
	CHECK_EQ(live_pins(), 0);
	CHECK_EQ(dstats(0).calls_active, 0);
	fx_destroy(0);
}
