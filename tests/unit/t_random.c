/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Behaviour 9: no guest input may trigger an assert, crash or leak.
 * A seeded random guest against a sloppy random OP-TEE model; the fake
 * port checks every pin/map/alloc/lock contract on the way, the harness
 * checks for leaks after destroy, ASan/UBSan run the same test.
 */
#include <stdio.h>

#include "fx.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t rn(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* --- the OP-TEE model ---------------------------------------------------- */

#define NCOOK 16
struct model {
	uint64_t cookie[NCOOK]; /* RPC arguments OP-TEE holds (its cookie) */
	uint64_t pa[NCOOK];
	uint32_t last_alloc_tid;
};
static struct model M;

static void model_forget(int i)
{
	M.cookie[i] = 0;
	M.pa[i] = 0;
}

static int model_pick(void)
{
	int start = (int)rn(NCOOK);

	for (int k = 0; k < NCOOK; k++) {
		int i = (start + k) % NCOOK;

		if (M.cookie[i])
			return i;
	}
	return -1;
}

static void model_rpc_arg(uint64_t pa)
{
	struct optee_msg_arg *o = pa_ptr(pa);

	if (!o || !pa_is_med_page(pa))
		return;
	memset(o, 0, 160);
	o->ret = TEEC_ERROR_GENERIC;
	switch (rn(4)) {
	case 0:
		o->cmd = OPTEE_RPC_CMD_GET_TIME;
		o->num_params = 1;
		o->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
		break;
	case 1:
		o->cmd = OPTEE_RPC_CMD_SHM_ALLOC;
		o->num_params = 1;
		o->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
		o->params[0].u.value.a = rn(3);
		o->params[0].u.value.b = 1 + rn(3 * PG);
		break;
	case 2:
		o->cmd = OPTEE_RPC_CMD_SHM_FREE;
		o->num_params = 1;
		o->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
		o->params[0].u.value.a = rn(3);
		o->params[0].u.value.b = rn(8);
		break;
	default:
		o->cmd = (uint32_t)rn(25);
		o->num_params = (uint32_t)rn(5);
		for (uint32_t i = 0; i < o->num_params; i++) {
			o->params[i].attr = rn(12);
			o->params[i].u.tmem.buf_ptr = rn(2) ? 0 : PA_BASE + rn(100) * PG;
			o->params[i].u.tmem.size = rn(9000);
			o->params[i].u.tmem.shm_ref = rn(8);
		}
		break;
	}
}

static void model(struct sw_step *s, const struct teemed_regs *in, struct teemed_regs *out)
{
	uint32_t fid = (uint32_t)in->a[0];
	uint64_t tid = rn(8);
	int i;

	(void)s;
	out->a[1] = out->a[2] = out->a[3] = 0;
	if (fid == OPTEE_SMC_CALL_RETURN_FROM_RPC && (uint32_t)M.last_alloc_tid == in->a[3] &&
	    reg_pair(in->a[1], in->a[2])) {
		/* an ALLOC answer: remember the buffer */
		for (i = 0; i < NCOOK; i++) {
			if (!M.cookie[i]) {
				M.cookie[i] = reg_pair(in->a[4], in->a[5]) | (UINT64_C(1) << 63);
				M.pa[i] = reg_pair(in->a[1], in->a[2]);
				break;
			}
		}
	}
	M.last_alloc_tid = 0xFFFFFFFF;
	if (fid == OPTEE_SMC_DISABLE_SHM_CACHE) {
		i = model_pick();
		if (i < 0 || rn(3) == 0) {
			out->a[0] = OPTEE_SMC_RETURN_ENOTAVAIL;
			return;
		}
		out->a[0] = OPTEE_SMC_RETURN_OK;
		out->a[1] = (M.cookie[i] & ~(UINT64_C(1) << 63)) >> 32;
		out->a[2] = M.cookie[i] & 0xFFFFFFFFu;
		model_forget(i);
		return;
	}
	if (fid != OPTEE_SMC_CALL_WITH_ARG && fid != OPTEE_SMC_CALL_RETURN_FROM_RPC) {
		out->a[0] = OPTEE_SMC_RETURN_OK;
		return;
	}
	if (fid == OPTEE_SMC_CALL_WITH_ARG) {
		struct optee_msg_arg *sh = sw_arg(in);

		if (sh && rn(2))
			sh->ret = (uint32_t)rnd();
	}
	switch (rn(9)) {
	case 0:
	case 1:
		out->a[0] = OPTEE_SMC_RETURN_OK;
		break;
	case 2:
		rpc_exit(out, OPTEE_SMC_RPC_FUNC_FOREIGN_INTR, 0, 0, tid);
		break;
	case 3:
		rpc_exit(out, OPTEE_SMC_RPC_FUNC_ALLOC, rn(4) ? 160 : 5000, 0, tid);
		M.last_alloc_tid = (uint32_t)tid;
		break;
	case 4:
		i = model_pick();
		if (i >= 0 && rn(4)) {
			uint64_t c = M.cookie[i] & ~(UINT64_C(1) << 63);

			rpc_exit(out, OPTEE_SMC_RPC_FUNC_FREE, c >> 32, c & 0xFFFFFFFFu, tid);
			model_forget(i);
		} else {
			rpc_exit(out, OPTEE_SMC_RPC_FUNC_FREE, rn(3), rn(20), tid);
		}
		break;
	case 5:
	case 6:
		i = model_pick();
		if (i >= 0 && rn(6)) {
			uint64_t c = M.cookie[i] & ~(UINT64_C(1) << 63);

			model_rpc_arg(M.pa[i]);
			rpc_exit(out, OPTEE_SMC_RPC_FUNC_CMD, c >> 32, c & 0xFFFFFFFFu, tid);
		} else {
			rpc_exit(out, OPTEE_SMC_RPC_FUNC_CMD, rn(3), rn(20), tid);
		}
		break;
	case 7:
		out->a[0] = rn(2) ? OPTEE_SMC_RETURN_ETHREAD_LIMIT : OPTEE_SMC_RETURN_ERESUME;
		break;
	default:
		out->a[0] = OPTEE_SMC_RETURN_RPC(rn(16));
		out->a[3] = tid;
		break;
	}
}

/* --- the guest ----------------------------------------------------------- */

#define NPG 48
struct gmem {
	uint64_t page[NPG];  /* data pages of assorted types */
	uint64_t list[8];    /* page lists over them */
	uint64_t args[6];
	uint64_t rpc_ipa[NCOOK];
	uint64_t rpc_cookie[NCOOK];
};
static struct gmem GM[2];

static uint64_t any_page(int d)
{
	return GM[d].page[rn(NPG)];
}

static void guest_setup(int d)
{
	struct gmem *m = &GM[d];

	for (int i = 0; i < NPG; i++) {
		enum pg_type t = i < 36 ? PG_RAM_RW : i < 42 ? PG_RAM_RO : i < 45 ? PG_MMIO
										: PG_UNMAPPED;

		m->page[i] = g_alloc(G(d), 1, t == PG_UNMAPPED ? PG_RAM_RW : t);
		if (t == PG_UNMAPPED)
			g_set_type(G(d), m->page[i], PG_UNMAPPED);
	}
	for (int k = 0; k < 8; k++) {
		uint64_t ipas[40];
		uint64_t n = 1 + rn(k == 7 ? 40 : 6);

		for (uint64_t i = 0; i < n; i++)
			ipas[i] = rn(10) ? GM[d].page[rn(36)] : any_page(d) + (rn(8) ? 0 : 8);
		m->list[k] = g_pagelist_v(d, ipas, n, (unsigned)(rn(3) ? 0 : rn(PG)));
	}
	for (int k = 0; k < 6; k++)
		m->args[k] = arg_new(d);
	g_set_type(G(d), m->args[5], PG_RAM_RO);
}

static void random_param(int d, struct optee_msg_param *p)
{
	static const uint64_t types[] = { 0, 1, 2, 3, 5, 6, 7, 9, 0xA, 0xB, 0x209, 0x20A, 0x20B,
					  0x101, 0x4, 0x1000 };

	p->attr = types[rn(sizeof(types) / sizeof(types[0]))];
	p->u.value.a = rnd();
	p->u.value.b = rnd();
	p->u.value.c = rnd();
	if ((p->attr & 0xFF) >= 9) {
		p->u.tmem.buf_ptr = rn(4) ? GM[d].list[rn(8)] : rn(2) ? 0 : any_page(d) + rn(PG);
		p->u.tmem.size = rn(4) ? rn(40 * PG) : rnd();
		p->u.tmem.shm_ref = rn(8);
	} else if ((p->attr & 0xFF) >= 5) {
		p->u.rmem.offs = rn(3) ? rn(3 * PG) : rnd();
		p->u.rmem.size = rn(3) ? rn(3 * PG) : rnd();
		p->u.rmem.shm_ref = rn(8);
	}
}

static void guest_new_call(int d)
{
	uint64_t ipa = GM[d].args[rn(6)];
	struct optee_msg_arg *a = g_ptr(G(d), ipa);
	struct teemed_regs r;
	uint32_t n = (uint32_t)(rn(8) ? rn(7) : rn(2) ? 127 : 128 + rn(1000));

	if (!a)
		return;
	memset(a, 0, PG);
	a->cmd = (uint32_t)(rn(10) ? rn(7) : rnd());
	a->num_params = n;
	if (a->cmd == OPTEE_MSG_CMD_OPEN_SESSION && n >= 2) {
		a->params[0].attr = 0x101;
		a->params[1].attr = 0x101;
	}
	for (uint32_t i = (a->cmd == 0 ? 2 : 0); i < n && i < 8; i++)
		random_param(d, &a->params[i]);
	if (a->cmd == OPTEE_MSG_CMD_REGISTER_SHM && n == 1 && rn(2)) {
		a->params[0].attr = 0x20A;
		a->params[0].u.tmem.buf_ptr = GM[d].list[rn(8)];
	}
	r = std_regs(rn(12) ? ipa : ipa + 8);
	r.a[7] = rnd();
	call_v(d, (uint32_t)rn(4), &r);
}

static void guest_resume(int d)
{
	struct teemed_regs r = resume_regs(rn(X.threads + 1));
	int k = (int)rn(NCOOK);

	if (rn(2)) {
		/* as if answering an ALLOC */
		uint64_t ipa = rn(5) ? GM[d].page[rn(36)] : rn(2) ? any_page(d) : rnd();

		GM[d].rpc_ipa[k] = ipa;
		GM[d].rpc_cookie[k] = rn(6);
		r.a[1] = ipa >> 32;
		r.a[2] = ipa & 0xFFFFFFFFu;
		r.a[4] = 0;
		r.a[5] = GM[d].rpc_cookie[k];
	}
	if (rn(3) == 0) {
		/* as if answering a CMD: scribble an RPC page */
		struct optee_msg_arg *g = g_ptr(G(d), GM[d].page[rn(36)]);

		if (g) {
			g->ret = (uint32_t)rn(2);
			g->num_params = (uint32_t)rn(300);
			random_param(d, &g->params[0]);
			if (rn(2)) {
				g->params[0].attr = 0x20A;
				g->params[0].u.tmem.buf_ptr = GM[d].list[rn(8)];
				g->params[0].u.tmem.size = rn(4 * PG);
				g->params[0].u.tmem.shm_ref = rn(8);
			}
		}
	}
	r.a[7] = rnd();
	call_v(d, (uint32_t)rn(4), &r);
}

static void guest_fast(int d)
{
	static const uint64_t fids[] = {
		OPTEE_SMC_CALLS_COUNT, OPTEE_SMC_CALLS_UID, OPTEE_SMC_CALLS_REVISION,
		OPTEE_SMC_CALL_GET_OS_UUID, OPTEE_SMC_CALL_GET_OS_REVISION,
		OPTEE_SMC_EXCHANGE_CAPABILITIES, OPTEE_SMC_DISABLE_SHM_CACHE,
		OPTEE_SMC_ENABLE_SHM_CACHE, OPTEE_SMC_GET_THREAD_COUNT, OPTEE_SMC_VM_DESTROYED,
		OPTEE_SMC_GET_SHM_CONFIG, 0x32000012, 0xB2000099,
	};
	struct teemed_regs r = fast_regs(fids[rn(sizeof(fids) / sizeof(fids[0]))]);

	r.a[1] = rnd();
	r.a[7] = rnd();
	call_v(d, (uint32_t)rn(4), &r);
}

static void run_random(uint64_t seed, unsigned steps)
{
	struct teemed_config cfg;

	rng_state = seed;
	memset(&M, 0, sizeof(M));
	M.last_alloc_tid = 0xFFFFFFFF;
	fx_config(&cfg);
	cfg.work_budget_pages = 1 + (uint32_t)rn(16);
	cfg.max_domain_pages = 64;
	cfg.max_domain_buffers = 4;
	cfg.max_domain_rpc_args = 3;
	fx_up_threads(&cfg, 2, 3);
	K.allow_error_log = true; /* the OP-TEE model is out of step at will */
	K.allow_warn_log = true;
	sw_set_default(model, NULL);
	guest_setup(0);
	guest_setup(1);
	for (unsigned i = 0; i < steps; i++) {
		int d = (int)rn(2);

		switch (rn(6)) {
		case 0:
		case 1:
			guest_new_call(d);
			break;
		case 2:
		case 3:
		case 4:
			guest_resume(d);
			break;
		default:
			guest_fast(d);
			break;
		}
		if (live_maps() || fake_locks_held())
			break;
		if (test_failed())
			break;
	}
	sw_set_default(NULL, NULL);
	if (test_verbose) {
		struct teemed_stats st;

		teemed_stats(X.tm, &st);
		printf("    %llu SMCs; std %llu done %llu fast %llu alloc %llu free %llu cmd %llu "
		       "intr %llu preempt %llu eresume %llu badaddr %llu badparam %llu oom %llu "
		       "pins %lld bufs %llu\n",
		       (unsigned long long)sw_smc_count(), (unsigned long long)st.std_calls,
		       (unsigned long long)st.std_calls_done, (unsigned long long)st.fast_calls,
		       (unsigned long long)st.rpc_alloc, (unsigned long long)st.rpc_free,
		       (unsigned long long)st.rpc_cmd, (unsigned long long)st.rpc_foreign_intr,
		       (unsigned long long)st.preemptions, (unsigned long long)st.resume_refused,
		       (unsigned long long)st.bad_addr, (unsigned long long)st.bad_param,
		       (unsigned long long)st.out_of_memory, (long long)live_pins(),
		       (unsigned long long)st.buffers_registered);
	}
	/* the after-test hook destroys both domains and checks for leaks */
}

TEST(random_guest_and_optee_seed1)
{
	run_random(0x9E3779B97F4A7C15ull, 4000);
}

TEST(random_guest_and_optee_seed2)
{
	run_random(0x0123456789ABCDEFull, 4000);
}

TEST(random_guest_and_optee_seed3)
{
	run_random(0xDEADBEEFCAFEF00Dull, 4000);
}

TEST(random_destroy_midway)
{
	/* destroy domain 0 while whatever random state it is in */
	run_random(0x5555AAAA5555AAAAull, 1500);
	sw_set_default(model, NULL);
	fx_destroy(0);
	for (unsigned i = 0; i < 500; i++)
		guest_resume(1);
	sw_set_default(NULL, NULL);
}
