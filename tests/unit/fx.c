/* SPDX-License-Identifier: BSD-2-Clause */
#include "fx.h"

#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct fx X;

static uint64_t destroy_unpins0, destroy_pagefrees0;

void probe_default(struct probe *p)
{
	memset(p, 0, sizeof(*p));
	p->uid[0] = OPTEE_MSG_UID_0;
	p->uid[1] = OPTEE_MSG_UID_1;
	p->uid[2] = OPTEE_MSG_UID_2;
	p->uid[3] = OPTEE_MSG_UID_3;
	p->rev_major = OPTEE_MSG_REVISION_MAJOR;
	p->rev_minor = OPTEE_MSG_REVISION_MINOR;
	p->caps_a0 = OPTEE_SMC_RETURN_OK;
	/* What OP-TEE 4.10 with virtualization answers (ABI 11). */
	p->caps = 0xfd;
	p->tc_a0 = OPTEE_SMC_RETURN_OK;
	p->threads = 2;
}

static void h_caps(struct sw_step *s, const struct teemed_regs *in, struct teemed_regs *out)
{
	/* OP-TEE refuses unknown normal-world bits (ABI 1.3). */
	if (in->a[1] & ~(uint64_t)OPTEE_SMC_NSEC_CAP_UNIPROCESSOR)
		test_fail(s->file, s->line, "probe EXCHANGE_CAPABILITIES a1 = 0x%llx",
			  (unsigned long long)in->a[1]);
	(void)out;
}

void sw_probe(const struct probe *p)
{
	struct sw_step *s;

	sw_group_begin();
	s = sw_expect(OPTEE_SMC_CALLS_UID, 0, p->uid[0], p->uid[1], p->uid[2], p->uid[3]);
	s->optional = p->may_stop;
	s = sw_expect(OPTEE_SMC_CALLS_REVISION, 0, p->rev_major, p->rev_minor, 0, 0);
	s->optional = p->may_stop;
	s = sw_expect(OPTEE_SMC_CALL_GET_OS_REVISION, 0, 4, 10, 0, 0);
	s->optional = p->may_stop;
	s = sw_expect(OPTEE_SMC_EXCHANGE_CAPABILITIES, 0, p->caps_a0, p->caps, 0, 4);
	s->fn = h_caps;
	s->optional = p->may_stop;
	s = sw_expect(OPTEE_SMC_GET_THREAD_COUNT, 0, p->tc_a0, p->threads, 0, 0);
	s->optional = p->may_stop;
	sw_group_end();
}

static void h_vm_created(struct sw_step *s, const struct teemed_regs *in, struct teemed_regs *out)
{
	(void)out;
	if ((in->a[1] & 0xFFFFFFFFu) != s->u[0])
		test_fail(s->file, s->line, "VM_CREATED a1 = 0x%llx, expected %llu",
			  (unsigned long long)in->a[1], (unsigned long long)s->u[0]);
}

struct sw_step *sw_vm_created(uint16_t cid, uint64_t a0)
{
	struct sw_step *s = sw_expect(OPTEE_SMC_VM_CREATED, 0, a0, 0, 0, 0);

	s->fn = h_vm_created;
	s->u[0] = cid;
	return s;
}

static void h_vm_destroyed(struct sw_step *s, const struct teemed_regs *in,
			   struct teemed_regs *out)
{
	(void)out;
	if ((in->a[1] & 0xFFFFFFFFu) != s->u[0])
		test_fail(s->file, s->line, "VM_DESTROYED a1 = 0x%llx, expected %llu",
			  (unsigned long long)in->a[1], (unsigned long long)s->u[0]);
	if (fake_counts()->unpins != destroy_unpins0)
		test_fail(s->file, s->line,
			  "%llu page(s) unpinned by destroy before VM_DESTROYED",
			  (unsigned long long)(fake_counts()->unpins - destroy_unpins0));
	if (fake_counts()->page_frees != destroy_pagefrees0)
		test_fail(s->file, s->line,
			  "%llu mediator page(s) freed by destroy before VM_DESTROYED",
			  (unsigned long long)(fake_counts()->page_frees - destroy_pagefrees0));
}

struct sw_step *sw_vm_destroyed(uint16_t cid)
{
	struct sw_step *s = sw_expect(OPTEE_SMC_VM_DESTROYED, 0, OPTEE_SMC_RETURN_OK, 0, 0, 0);

	/* scripted right before the destroy starts: nothing unpinned from here */
	destroy_unpins0 = fake_counts()->unpins;
	destroy_pagefrees0 = fake_counts()->page_frees;
	s->fn = h_vm_destroyed;
	s->u[0] = cid;
	return s;
}

void fx_config(struct teemed_config *cfg)
{
	teemed_config_default(cfg);
}

void fx_up_threads(const struct teemed_config *cfg, int ndom, unsigned threads)
{
	struct teemed_port port;
	struct teemed_info info;
	struct probe p;
	int rc;

	probe_default(&p);
	p.threads = threads;
	sw_probe(&p);
	if (cfg)
		X.cfg = *cfg;
	else
		fx_config(&X.cfg);
	fake_port_get(&port);
	rc = teemed_init(&port, &X.cfg, &X.tm);
	REQUIRE_RC(rc, TEEMED_OK);
	REQUIRE(X.tm != NULL);
	X.up = true;
	sw_check_done(__FILE__, __LINE__);
	teemed_get_info(X.tm, &info);
	X.threads = info.thread_count;
	for (int i = 0; i < ndom; i++) {
		X.g[i] = guest_new();
		X.cid[i] = (uint16_t)(i + 1);
		sw_vm_created(X.cid[i], OPTEE_SMC_RETURN_OK);
		rc = teemed_domain_create(X.tm, X.cid[i], X.g[i], &X.d[i]);
		REQUIRE_RC(rc, TEEMED_OK);
		REQUIRE(X.d[i] != NULL);
		X.ndom = i + 1;
	}
	sw_check_done(__FILE__, __LINE__);
}

void fx_up(const struct teemed_config *cfg, int ndom)
{
	fx_up_threads(cfg, ndom, 2);
}

unsigned fx_destroy(int d)
{
	unsigned again = 0;
	int rc;

	REQUIRE(X.d[d] != NULL);
	sw_vm_destroyed(X.cid[d]);
	while ((rc = teemed_domain_destroy(X.tm, X.d[d])) == TEEMED_AGAIN) {
		if (++again > 10000000) {
			test_fail(__FILE__, __LINE__, "domain destroy never finishes");
			test_abort();
		}
	}
	CHECK_RC(rc, TEEMED_OK);
	X.d[d] = NULL;
	sw_check_done(__FILE__, __LINE__);
	return again;
}

void fx_down(void)
{
	if (!X.up)
		return;
	for (int i = 0; i < X.ndom; i++)
		if (X.d[i])
			fx_destroy(i);
	CHECK_RC(teemed_fini(X.tm), TEEMED_OK);
	X.tm = NULL;
	X.up = false;
}

static void before_test(void)
{
	fake_reset();
	memset(&X, 0, sizeof(X));
}

static void after_test(bool completed)
{
	if (completed) {
		sw_check_done(__FILE__, __LINE__);
		fx_down();
		fake_check_clean(__FILE__, __LINE__);
	}
	memset(&X, 0, sizeof(X));
}

__attribute__((constructor)) static void fx_register_hooks(void)
{
	harness_set_hooks(before_test, after_test);
}

/* ---------------------------------------------------------------------- */
/* Guest side                                                              */

void call_v(int d, uint32_t vcpu, struct teemed_regs *r)
{
	teemed_handle_smc(X.tm, X.d[d], vcpu, r);
	if (fake_locks_held())
		test_fail(__FILE__, __LINE__, "teemed_handle_smc returned with %d lock(s) held",
			  fake_locks_held());
	if (live_maps())
		test_fail(__FILE__, __LINE__, "teemed_handle_smc returned with %lld mapping(s)",
			  (long long)live_maps());
}

void call(int d, struct teemed_regs *r)
{
	call_v(d, 0, r);
}

struct teemed_regs fast_regs(uint64_t fid)
{
	struct teemed_regs r = { { fid, 0x11111111, 0x22222222, 0x33333333, 0x44444444,
				   0x55555555, 0x66666666, 0x10001 } };
	return r;
}

struct teemed_regs std_regs(uint64_t ipa)
{
	struct teemed_regs r = { { OPTEE_SMC_CALL_WITH_ARG, ipa >> 32, ipa & 0xFFFFFFFFu,
				   OPTEE_SMC_SHM_CACHED, 0, 0, 0, 0x10001 } };
	return r;
}

struct teemed_regs resume_regs(uint64_t slot)
{
	struct teemed_regs r = { { OPTEE_SMC_CALL_RETURN_FROM_RPC, 0, 0, slot, 0, 0, 0, 0 } };
	return r;
}

uint64_t arg_new(int d)
{
	return g_alloc(G(d), 1, PG_RAM_RW);
}

struct optee_msg_arg *garg(int d, uint64_t ipa)
{
	struct optee_msg_arg *a = g_ptr(G(d), ipa);

	REQUIRE(a != NULL);
	return a;
}

void msg_init(struct optee_msg_arg *a, uint32_t cmd, uint32_t num_params)
{
	memset(a, 0, OPTEE_MSG_GET_ARG_SIZE(num_params > 127 ? 127 : num_params));
	a->cmd = cmd;
	a->num_params = num_params;
}

uint64_t g_pagelist_v(int d, const uint64_t *ipas, uint64_t n, unsigned off)
{
	uint64_t nlist = (n + OPTEE_MSG_PAGELIST_ENTRIES - 1) / OPTEE_MSG_PAGELIST_ENTRIES;
	uint64_t first = 0, prev = 0;

	if (!nlist)
		nlist = 1;
	for (uint64_t k = 0; k < nlist; k++) {
		uint64_t lp = g_alloc(G(d), 1, PG_RAM_RW);
		uint64_t *e = g_ptr(G(d), lp);

		if (!k)
			first = lp;
		else
			((uint64_t *)g_ptr(G(d), prev))[OPTEE_MSG_PAGELIST_NEXT_SLOT] = lp;
		for (uint64_t i = 0; i < OPTEE_MSG_PAGELIST_ENTRIES; i++) {
			uint64_t idx = k * OPTEE_MSG_PAGELIST_ENTRIES + i;

			e[i] = idx < n ? ipas[idx] : 0;
		}
		e[OPTEE_MSG_PAGELIST_NEXT_SLOT] = 0;
		prev = lp;
	}
	return first | off;
}

uint64_t g_pagelist_t(int d, uint64_t data_ipa, uint64_t n, unsigned off, enum pg_type list_type)
{
	uint64_t *ipas = malloc(sizeof(uint64_t) * (n ? n : 1));
	uint64_t bp;

	REQUIRE(ipas != NULL);
	for (uint64_t i = 0; i < n; i++)
		ipas[i] = data_ipa + i * PG;
	bp = g_pagelist_v(d, ipas, n, off);
	free(ipas);
	if (list_type != PG_RAM_RW)
		g_set_type(G(d), bp & ~(PG - 1), list_type);
	return bp;
}

uint64_t g_pagelist(int d, uint64_t data_ipa, uint64_t n, unsigned off)
{
	return g_pagelist_t(d, data_ipa, n, off, PG_RAM_RW);
}

uint64_t reg_shm_arg(int d, uint64_t data_ipa, uint64_t npages, uint64_t cookie, uint64_t size)
{
	uint64_t ipa = arg_new(d);
	struct optee_msg_arg *a = garg(d, ipa);

	msg_init(a, OPTEE_MSG_CMD_REGISTER_SHM, 1);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	a->params[0].u.tmem.buf_ptr = g_pagelist(d, data_ipa, npages, 0);
	a->params[0].u.tmem.size = size;
	a->params[0].u.tmem.shm_ref = cookie;
	return ipa;
}

/* ---------------------------------------------------------------------- */
/* Secure-world side                                                       */

struct optee_msg_arg *sw_arg(const struct teemed_regs *in)
{
	uint64_t pa = reg_pair(in->a[1], in->a[2]);

	if (pa & (PG - 1))
		test_fail(__FILE__, __LINE__, "OP-TEE got an unaligned arg PA 0x%llx",
			  (unsigned long long)pa);
	if (!pa_is_med_page(pa & ~(PG - 1))) {
		test_fail(__FILE__, __LINE__, "OP-TEE got arg PA 0x%llx: not a mediator page%s",
			  (unsigned long long)pa,
			  pa_is_guest_page(pa & ~(PG - 1)) ? " (a guest page!)" : "");
		return NULL;
	}
	return pa_ptr(pa & ~(PG - 1));
}

unsigned sw_walk_pagelist(uint64_t buf_ptr, uint64_t n, uint64_t *out, unsigned access,
			  const char *file, int line)
{
	uint64_t lpa = buf_ptr & ~(PG - 1);
	unsigned bad = 0;
	uint64_t i = 0;

	while (i < n) {
		const uint64_t *e;

		if (!pa_is_med_page(lpa)) {
			test_fail(file, line, "page list page 0x%llx (entry %llu) is not a mediator page",
				  (unsigned long long)lpa, (unsigned long long)i);
			return bad + 1;
		}
		e = pa_ptr(lpa);
		for (unsigned k = 0; k < OPTEE_MSG_PAGELIST_ENTRIES && i < n; k++, i++) {
			uint64_t pa = e[k];

			if (out)
				out[i] = pa;
			if (pa & (PG - 1)) {
				if (bad++ < 5)
					test_fail(file, line, "entry %llu = 0x%llx unaligned",
						  (unsigned long long)i, (unsigned long long)pa);
				continue;
			}
			if (!pa_is_guest_page(pa) ||
			    (access ? pa_pins(pa, access) : pa_pins_all(pa)) == 0) {
				if (bad++ < 5)
					test_fail(file, line,
						  "entry %llu = 0x%llx is not a guest page pinned (access %u)",
						  (unsigned long long)i, (unsigned long long)pa, access);
			}
		}
		if (i < n)
			lpa = e[OPTEE_MSG_PAGELIST_NEXT_SLOT];
	}
	return bad;
}

void h_std(struct sw_step *s, const struct teemed_regs *in, struct teemed_regs *out)
{
	struct callctx *c = s->arg;
	struct optee_msg_arg *sh = sw_arg(in);

	c->calls++;
	c->shadow_pa = reg_pair(in->a[1], in->a[2]);
	out->a[0] = c->a0;
	out->a[1] = out->a[2] = out->a[3] = 0;
	if (!sh)
		return;
	memcpy(c->snap, sh, sizeof(c->snap));
	if (c->edit)
		c->edit(sh, c);
	sh->ret = c->ret;
	sh->ret_origin = c->origin;
	if (c->set_session)
		sh->session = c->session;
}

struct sw_step *sw_call(int d, struct callctx *c)
{
	return sw_expect_fn(OPTEE_SMC_CALL_WITH_ARG, CID(d), h_std, c);
}

struct sw_step *sw_resume_fn(int d, uint64_t tid, sw_fn fn, void *arg)
{
	struct sw_step *s = sw_expect_fn(OPTEE_SMC_CALL_RETURN_FROM_RPC, CID(d), fn, arg);

	s->a3 = tid;
	return s;
}

struct sw_step *sw_resume(int d, uint64_t tid, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct sw_step *s = sw_expect(OPTEE_SMC_CALL_RETURN_FROM_RPC, CID(d), a0, a1, a2, a3);

	s->a3 = tid;
	return s;
}

void rpc_exit(struct teemed_regs *out, uint32_t func, uint64_t a1, uint64_t a2, uint64_t tid)
{
	out->a[0] = OPTEE_SMC_RETURN_RPC(func);
	out->a[1] = a1;
	out->a[2] = a2;
	out->a[3] = tid;
}

struct teemed_stats dstats(int d)
{
	struct teemed_stats st;

	memset(&st, 0xEE, sizeof(st));
	teemed_domain_stats(X.tm, X.d[d], &st);
	return st;
}

/* ---------------------------------------------------------------------- */
/* Call flows                                                              */

uint64_t start_suspended(int d, uint64_t tid, uint64_t *arg_ipa)
{
	uint64_t ipa = arg_new(d);
	struct teemed_regs r;

	msg_init(garg(d, ipa), OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	sw_expect(OPTEE_SMC_CALL_WITH_ARG, CID(d), RPC_INTR, 0, 0, tid);
	r = std_regs(ipa);
	call(d, &r);
	REQUIRE_EQ(r.a[0], RPC_INTR);
	CHECK_EQ(r.a[1], 0);
	CHECK_EQ(r.a[2], 0);
	CHECK(r.a[3] < X.threads);
	if (arg_ipa)
		*arg_ipa = ipa;
	return r.a[3];
}

void finish_call(int d, uint64_t slot, uint64_t tid)
{
	struct teemed_regs r;

	sw_resume(d, tid, OPTEE_SMC_RETURN_OK, 0, 0, 0);
	r = resume_regs(slot);
	call(d, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
}

void rpc_alloc(int d, uint64_t slot, uint64_t tid, uint64_t size, struct rpcbuf *rb)
{
	struct teemed_regs r;
	struct sw_step *s;

	sw_resume(d, tid, RPC_ALLOC, size, 0, tid);
	r = resume_regs(slot);
	call(d, &r);
	REQUIRE_EQ(r.a[0], RPC_ALLOC);
	CHECK_EQ(r.a[1], size);
	CHECK_EQ(r.a[3], slot);
	if (!rb->guest_ipa && !rb->fixed_ipa)
		rb->guest_ipa = g_alloc(G(d), 1, PG_RAM_RW);
	s = sw_resume(d, tid, RPC_INTR, 0, 0, tid);
	r = resume_regs(slot);
	r.a[1] = rb->guest_ipa >> 32;
	r.a[2] = rb->guest_ipa & 0xFFFFFFFFu;
	r.a[4] = rb->cookie >> 32;
	r.a[5] = rb->cookie & 0xFFFFFFFFu;
	call(d, &r);
	CHECK_EQ(r.a[0], RPC_INTR);
	CHECK_EQ(r.a[3], slot);
	REQUIRE(s->hit);
	rb->shadow_pa = reg_pair(s->got.a[1], s->got.a[2]);
	rb->optee_cookie = reg_pair(s->got.a[4], s->got.a[5]);
	if (rb->shadow_pa)
		CHECK(pa_is_med_page(rb->shadow_pa));
}

void rpc_free(int d, uint64_t slot, uint64_t tid, struct rpcbuf *rb)
{
	struct teemed_regs r;

	sw_resume(d, tid, RPC_FREE, rb->optee_cookie >> 32, rb->optee_cookie & 0xFFFFFFFFu, tid);
	r = resume_regs(slot);
	call(d, &r);
	CHECK_EQ(r.a[0], RPC_FREE);
	CHECK_EQ(reg_pair(r.a[1], r.a[2]), rb->cookie);
	CHECK_EQ(r.a[3], slot);
	sw_resume(d, tid, RPC_INTR, 0, 0, tid);
	r = resume_regs(slot);
	call(d, &r);
	CHECK_EQ(r.a[0], RPC_INTR);
}

struct teemed_regs rpc_cmd(int d, uint64_t slot, uint64_t tid, struct rpcbuf *rb)
{
	struct teemed_regs r;

	sw_resume(d, tid, RPC_CMD, rb->optee_cookie >> 32, rb->optee_cookie & 0xFFFFFFFFu, tid);
	r = resume_regs(slot);
	call(d, &r);
	if ((uint32_t)r.a[0] == RPC_CMD) {
		CHECK_EQ(reg_pair(r.a[1], r.a[2]), rb->cookie); /* the guest's own cookie */
		CHECK_EQ(r.a[3], slot);
	}
	return r;
}

struct sw_step *rpc_cmd_reply(int d, uint64_t slot, uint64_t tid)
{
	struct teemed_regs r;
	struct sw_step *s = sw_resume(d, tid, RPC_INTR, 0, 0, tid);

	r = resume_regs(slot);
	call(d, &r);
	CHECK_EQ(r.a[0], RPC_INTR);
	CHECK_EQ(r.a[3], slot);
	return s;
}

unsigned run_through_preemption(int d, struct teemed_regs *r)
{
	unsigned n = 0;

	while ((uint32_t)r->a[0] == RPC_INTR && n < 10000000u) {
		uint64_t slot = r->a[3];

		CHECK_EQ(r->a[1], 0);
		CHECK_EQ(r->a[2], 0);
		CHECK(slot < X.threads);
		*r = resume_regs(slot);
		call(d, r);
		n++;
	}
	return n;
}

uint64_t register_shm(int d, uint64_t npages, unsigned npa, uint64_t cookie, unsigned *preempt)
{
	uint64_t data = npa ? g_alloc_alias(G(d), npages, npa) : g_alloc(G(d), npages, PG_RAM_RW);
	uint64_t ipa = reg_shm_arg(d, data, npages, cookie, npages * PG);
	static struct callctx c;
	struct teemed_regs r;
	unsigned n;

	memset(&c, 0, sizeof(c));
	sw_call(d, &c);
	r = std_regs(ipa);
	call(d, &r);
	n = run_through_preemption(d, &r);
	if (preempt)
		*preempt = n;
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(garg(d, ipa)->ret, 0);
	CHECK_EQ(c.calls, 1);
	return data;
}

static void h_unreg(struct sw_step *s, const struct teemed_regs *in, struct teemed_regs *out)
{
	struct optee_msg_arg *sh = sw_arg(in);

	out->a[0] = OPTEE_SMC_RETURN_OK;
	out->a[1] = out->a[2] = out->a[3] = 0;
	if (!sh)
		return;
	if (sh->cmd != OPTEE_MSG_CMD_UNREGISTER_SHM || sh->num_params != 1 ||
	    sh->params[0].u.rmem.shm_ref != s->u[0])
		test_fail(s->file, s->line, "UNREGISTER_SHM shadow not as sent");
	sh->ret = (uint32_t)s->u[1];
	sh->ret_origin = TEEC_ORIGIN_TEE;
}

uint64_t unregister_shm(int d, uint64_t cookie, uint32_t ret)
{
	uint64_t ipa = arg_new(d);
	struct optee_msg_arg *a = garg(d, ipa);
	struct teemed_regs r;
	struct sw_step *s;

	msg_init(a, OPTEE_MSG_CMD_UNREGISTER_SHM, 1);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	a->params[0].u.rmem.shm_ref = cookie;
	s = sw_expect_fn(OPTEE_SMC_CALL_WITH_ARG, CID(d), h_unreg, NULL);
	s->u[0] = cookie;
	s->u[1] = ret;
	r = std_regs(ipa);
	call(d, &r);
	run_through_preemption(d, &r);
	if ((uint32_t)r.a[0] == OPTEE_SMC_RETURN_OK)
		CHECK_EQ(a->ret, ret);
	return r.a[0];
}

static pthread_mutex_t gate_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_c = PTHREAD_COND_INITIALIZER;

void gate_set(struct gate *g, int v)
{
	pthread_mutex_lock(&gate_m);
	g->state = v;
	pthread_cond_broadcast(&gate_c);
	pthread_mutex_unlock(&gate_m);
}

bool gate_wait(struct gate *g, int v, unsigned ms)
{
	struct timespec ts;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&gate_m);
	while (g->state < v)
		if (pthread_cond_timedwait(&gate_c, &gate_m, &ts))
			break;
	ok = g->state >= v;
	pthread_mutex_unlock(&gate_m);
	return ok;
}
