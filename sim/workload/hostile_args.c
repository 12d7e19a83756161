/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Attacks with registers and argument headers: forbidden fast calls,
 * capabilities, argument addresses, num_params, read-only arguments,
 * unknown commands, malformed parameters, resumes of threads that are not
 * waiting. Expected answers: docs/errors.md.
 */
#include <string.h>

#include "sim/workload/hostile_int.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A fast call with a1..a3 as given: the whole a0 comes back. */
static uint64_t fast(struct hostile *h, uint64_t fid, uint64_t a1, uint64_t r[8])
{
	memset(r, 0, 8 * sizeof(uint64_t));
	r[0] = fid;
	r[1] = a1;
	r[2] = hx_rand(h);
	r[3] = hx_rand(h);
	r[7] = 1; /* a client ID of another guest: the mediator overwrites a7 */
	hx_smc(h, r);
	return r[0];
}

/* Calls that exist only with a capability the guest was not offered. */
static bool offered(const struct hostile *h, uint32_t fid)
{
	switch (fid) {
	case OPTEE_SMC_CALL_WITH_RPC_ARG:
	case OPTEE_SMC_CALL_WITH_REGD_ARG:
		return h->caps & OPTEE_SMC_SEC_CAP_RPC_ARG;
	case OPTEE_SMC_ENABLE_ASYNC_NOTIF:
	case OPTEE_SMC_GET_ASYNC_NOTIF_VALUE:
		return h->caps & OPTEE_SMC_SEC_CAP_ASYNC_NOTIF;
	default:
		return false;
	}
}

void hx_attack_fast(struct hostile *h)
{
	static const uint32_t forbidden[] = {
		OPTEE_SMC_VM_CREATED, OPTEE_SMC_VM_DESTROYED, OPTEE_SMC_BOOT_SECONDARY,
		OPTEE_SMC_L2CC_MUTEX, OPTEE_SMC_CALL_LOAD_IMAGE, OPTEE_SMC_ENABLE_ASYNC_NOTIF,
		OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, OPTEE_SMC_GET_PROTMEM_CONFIG,
		OPTEE_SMC_CALL_WITH_RPC_ARG, OPTEE_SMC_CALL_WITH_REGD_ARG,
		UINT32_C(0xB20000FF), UINT32_C(0x32000099), UINT32_C(0xBF00FF7F),
	};
	uint64_t r[8];
	size_t i;

	hx_try(h, HA_FAST_FORBIDDEN);
	for (i = 0; i < ARRAY_LEN(forbidden); i++) {
		/* Only the low 32 bits of a0 count; 32-bit results are zero-extended. */
		uint64_t hi = (hx_rand(h) & 1) ? 0xdead000000000000ull : 0;

		if (offered(h, forbidden[i]))
			continue;
		hx_check(h, HA_FAST_FORBIDDEN, "forbidden function",
			 fast(h, hi | forbidden[i], h->next_cookie, r),
			 OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	}
	hx_check(h, HA_FAST_FORBIDDEN, "GET_SHM_CONFIG",
		 fast(h, OPTEE_SMC_GET_SHM_CONFIG, 0, r), OPTEE_SMC_RETURN_ENOTAVAIL);

	hx_try(h, HA_FAST_CAPS);
	/*
	 * Every normal-world capability claimed: only UNIPROCESSOR passes in;
	 * out, the answer is the one of set-up, a subset of what a guest may be
	 * offered (hx_caps_allowed).
	 */
	if (hx_check(h, HA_FAST_CAPS, "EXCHANGE_CAPABILITIES",
		     fast(h, OPTEE_SMC_EXCHANGE_CAPABILITIES, 0xffffffffu, r),
		     OPTEE_SMC_RETURN_OK)) {
		hx_check(h, HA_FAST_CAPS, "caps stable", r[1], h->caps);
		hx_check(h, HA_FAST_CAPS, "caps a2 (async values)", r[2], h->caps_a2);
		hx_check(h, HA_FAST_CAPS, "caps a3 (RPC params)", r[3], h->caps_a3);
	}
	if (hx_check(h, HA_FAST_CAPS, "GET_THREAD_COUNT",
		     fast(h, OPTEE_SMC_GET_THREAD_COUNT, 0, r), OPTEE_SMC_RETURN_OK))
		hx_check(h, HA_FAST_CAPS, "thread count stable", r[1], h->threads);
	fast(h, OPTEE_SMC_CALLS_UID, 0, r);
	hx_check(h, HA_FAST_CAPS, "CALLS_UID", r[0] == OPTEE_MSG_UID_0 &&
		 r[1] == OPTEE_MSG_UID_1 && r[2] == OPTEE_MSG_UID_2 && r[3] == OPTEE_MSG_UID_3, 1);
}

/* A valid INVOKE arith ADD at `ipa`: if it ever runs, it succeeds. */
static void valid_add(struct hostile *h, uint64_t ipa, uint32_t num_params)
{
	struct optee_msg_param p[2];

	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = 40;
	p[0].u.value.b = 2;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	hx_arg(h, ipa, OPTEE_MSG_CMD_INVOKE_COMMAND, h->sess_arith, TA_ARITH_CMD_ADD,
	       num_params, p, 2);
}

static uint32_t call_at(struct hostile *h, uint64_t addr)
{
	uint64_t r[8];

	return hx_start(h, addr, r) == OPTEE_SMC_RETURN_OK ? OPTEE_SMC_RETURN_OK
		: optee_smc_return_is_rpc((uint32_t)r[0]) ? hx_serve(h, r, NULL)
							   : (uint32_t)r[0];
}

void hx_attack_args(struct hostile *h)
{
	const uint64_t addrs[] = {
		h->beyond_ipa, h->hole_ipa, h->mmio_ipa, h->arg_page + 8, 0,
		hx_victim_pa(h), hx_victim_pa(h), hx_mediator_pa(h),
		phys_region_base(h->phys, PHYS_REGION_SECURE),
		phys_region_base(h->phys, PHYS_REGION_HYP),
	};
	static const uint32_t too_many[] = { 128, 200, 0xffffffffu };
	struct optee_msg_arg a;
	struct optee_msg_param p[2];
	size_t i;

	hx_try(h, HA_ARG_ADDR);
	valid_add(h, h->arg_page, 2);
	for (i = 0; i < ARRAY_LEN(addrs); i++)
		hx_check(h, HA_ARG_ADDR, "argument not in its RAM", call_at(h, addrs[i]),
			 OPTEE_SMC_RETURN_EBADADDR);
	/* And the same argument at a good address works. */
	if (hx_check(h, HA_ARG_ADDR, "valid argument", call_at(h, h->arg_page),
		     OPTEE_SMC_RETURN_OK)) {
		hx_arg_read(h, h->arg_page, &a, p, 2);
		hx_check(h, HA_ARG_ADDR, "valid argument ret", a.ret, TEEC_SUCCESS);
		hx_check(h, HA_ARG_ADDR, "valid argument sum", p[1].u.value.a, 42);
	}

	hx_try(h, HA_ARG_NUM_PARAMS);
	for (i = 0; i < ARRAY_LEN(too_many); i++) {
		valid_add(h, h->arg_page, too_many[i]);
		hx_check(h, HA_ARG_NUM_PARAMS, "num_params past the page",
			 call_at(h, h->arg_page), OPTEE_SMC_RETURN_EBADADDR);
	}
	/* 127 fills the page exactly: accepted, then refused as OP-TEE would. */
	valid_add(h, h->arg_page, 127);
	if (hx_check(h, HA_ARG_NUM_PARAMS, "127 params", call_at(h, h->arg_page),
		     OPTEE_SMC_RETURN_OK)) {
		hx_arg_read(h, h->arg_page, &a, NULL, 0);
		hx_check(h, HA_ARG_NUM_PARAMS, "127 params ret", a.ret, TEEC_ERROR_BAD_PARAMETERS);
		hx_check(h, HA_ARG_NUM_PARAMS, "127 params origin", a.ret_origin, TEEC_ORIGIN_TEE);
	}

	/* Read-only RAM: readable, but results cannot be written back. */
	hx_try(h, HA_ARG_READONLY);
	stage2_set_ro(h->s2, h->ro_page, 0);
	valid_add(h, h->ro_page, 2);
	stage2_set_ro(h->s2, h->ro_page, 1);
	hx_check(h, HA_ARG_READONLY, "read-only argument", call_at(h, h->ro_page),
		 OPTEE_SMC_RETURN_EBADADDR);
}

/* An argument with `n` params of `attr` (values) after header `cmd`. */
static uint32_t params_call(struct hostile *h, uint32_t cmd, uint32_t n,
			    const struct optee_msg_param *p, struct optee_msg_arg *out)
{
	uint32_t a0;

	hx_arg(h, h->arg_page, cmd, h->sess_arith, TA_ARITH_CMD_ADD, n, p, n);
	a0 = call_at(h, h->arg_page);
	hx_arg_read(h, h->arg_page, out, NULL, 0);
	return a0;
}

static void expect_refused(struct hostile *h, const char *what, uint32_t cmd, uint32_t n,
			   const struct optee_msg_param *p, uint32_t origin)
{
	struct optee_msg_arg a;

	if (!hx_check(h, HA_BAD_PARAMS, what, params_call(h, cmd, n, p, &a),
		      OPTEE_SMC_RETURN_OK))
		return;
	hx_check(h, HA_BAD_PARAMS, what, a.ret, TEEC_ERROR_BAD_PARAMETERS);
	hx_check(h, HA_BAD_PARAMS, what, a.ret_origin, origin);
	if (cmd == OPTEE_MSG_CMD_OPEN_SESSION)
		hx_check(h, HA_BAD_PARAMS, "refused open: session", a.session, 0);
}

void hx_attack_params(struct hostile *h)
{
	static const uint32_t bad_cmds[] = {
		0x1234, OPTEE_MSG_CMD_DO_BOTTOM_HALF, OPTEE_MSG_CMD_STOP_ASYNC_NOTIF,
		OPTEE_MSG_CMD_LEND_PROTMEM, OPTEE_MSG_CMD_RECLAIM_PROTMEM,
		OPTEE_MSG_CMD_GET_PROTMEM_CONFIG, OPTEE_MSG_CMD_ASSIGN_PROTMEM, 0xffffffffu,
	};
	static const uint64_t bad_attrs[] = {
		0x4, 0x8, 0xc, 0x7f, OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | OPTEE_MSG_ATTR_META,
		OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | 0x400,
		OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | (1ull << 40),
		OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | OPTEE_MSG_ATTR_NONCONTIG,
	};
	struct optee_msg_param p[8];
	struct optee_msg_arg a;
	size_t i;

	hx_try(h, HA_BAD_CMD);
	memset(p, 0, sizeof(p));
	for (i = 0; i < ARRAY_LEN(bad_cmds); i++) {
		/* With async notification offered, these two are real commands. */
		if ((bad_cmds[i] == OPTEE_MSG_CMD_DO_BOTTOM_HALF ||
		     bad_cmds[i] == OPTEE_MSG_CMD_STOP_ASYNC_NOTIF) &&
		    (h->caps & OPTEE_SMC_SEC_CAP_ASYNC_NOTIF))
			continue;
		hx_check(h, HA_BAD_CMD, "unknown command",
			 params_call(h, bad_cmds[i], 0, p, &a), OPTEE_SMC_RETURN_EBADCMD);
		hx_check(h, HA_BAD_CMD, "ret untouched", a.ret, HX_SENTINEL_RET);
	}

	hx_try(h, HA_BAD_PARAMS);
	/* OPEN_SESSION: one meta param, no meta, too many TA params. */
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | OPTEE_MSG_ATTR_META;
	expect_refused(h, "open with 1 param", OPTEE_MSG_CMD_OPEN_SESSION, 1, p, TEEC_ORIGIN_TEE);
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | OPTEE_MSG_ATTR_META;
	expect_refused(h, "open without meta", OPTEE_MSG_CMD_OPEN_SESSION, 2, p, TEEC_ORIGIN_TEE);
	for (i = 0; i < 7; i++)
		p[i].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | (i < 2 ? OPTEE_MSG_ATTR_META : 0);
	expect_refused(h, "open with 5 TA params", OPTEE_MSG_CMD_OPEN_SESSION, 7, p,
		       TEEC_ORIGIN_TEE);
	memset(p, 0, sizeof(p));
	for (i = 0; i < 5; i++)
		p[i].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	expect_refused(h, "invoke with 5 params", OPTEE_MSG_CMD_INVOKE_COMMAND, 5, p,
		       TEEC_ORIGIN_TEE);
	memset(p, 0, sizeof(p));
	for (i = 0; i < ARRAY_LEN(bad_attrs); i++) {
		p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
		p[1].attr = bad_attrs[i];
		expect_refused(h, "bad attribute", OPTEE_MSG_CMD_INVOKE_COMMAND, 2, p,
			       TEEC_ORIGIN_TEE);
	}
	/* A contiguous TMEM that is not null: a PA, which a guest cannot give. */
	p[1].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
	p[1].u.tmem.buf_ptr = hx_victim_pa(h);
	p[1].u.tmem.size = HX_PAGE;
	expect_refused(h, "contiguous TMEM", OPTEE_MSG_CMD_INVOKE_COMMAND, 2, p, TEEC_ORIGIN_TEE);
	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	expect_refused(h, "close with params", OPTEE_MSG_CMD_CLOSE_SESSION, 1, p,
		       TEEC_ORIGIN_TEE);
	expect_refused(h, "cancel with params", OPTEE_MSG_CMD_CANCEL, 1, p, TEEC_ORIGIN_TEE);
	p[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	p[0].u.rmem.shm_ref = h->shm_cookie;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	expect_refused(h, "unregister with 2 params", OPTEE_MSG_CMD_UNREGISTER_SHM, 2, p,
		       TEEC_ORIGIN_TEE);
}

void hx_attack_resume(struct hostile *h)
{
	uint64_t ids[6], r[8];
	size_t i;

	/* No call of ours waits: every thread ID, ours or not, is refused. */
	hx_try(h, HA_RESUME_FOREIGN);
	ids[0] = 0;
	ids[1] = h->threads - 1;
	ids[2] = h->threads;
	ids[3] = 0xffffffffu;
	ids[4] = 1ull << 32;
	ids[5] = hx_rand(h);
	for (i = 0; i < ARRAY_LEN(ids); i++) {
		memset(r, 0, sizeof(r));
		r[0] = OPTEE_SMC_CALL_RETURN_FROM_RPC;
		r[3] = ids[i];
		hx_smc(h, r);
		hx_check(h, HA_RESUME_FOREIGN, "resume of no waiting call", r[0],
			 OPTEE_SMC_RETURN_ERESUME);
	}
}
