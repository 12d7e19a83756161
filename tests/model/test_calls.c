// SPDX-License-Identifier: BSD-2-Clause
/*
 * Yielding calls: arg checks, threads, ETHREAD_LIMIT, ERESUME, the
 * commands of entry_std.c and their exact copy-in/copy-out (ABI 1.3, 4, 11).
 */
#include "tenv.h"

static const struct ta_uuid devenum_uuid = TA_DEVENUM_UUID;
static const struct ta_uuid arith_uuid = TA_ARITH_UUID;
static const struct ta_uuid sleep_uuid = TA_SLEEP_UUID;

static void default_env(struct tenv *e)
{
	struct optee_model_config cfg;

	optee_model_config_default(&cfg);
	tenv_init(e, &cfg);
}

static void arg_checks(void)
{
	struct tenv e;
	struct optee_model_guest_stats st;
	uint64_t argpa = 0;
	struct optee_msg_arg *a = NULL;
	uint64_t r[8] = { 0 };

	default_env(&e);
	argpa = page_alloc(&e);
	a = arg_at(&e, argpa);

	/* Unknown yielding function: a thread, then EBADCMD. */
	CHECK_EQ(nw_call(&e, 0, 0x32000099, argpa, 0), OPTEE_SMC_RETURN_EBADCMD);
	CHECK(optee_model_guest_stats(e.m, 0, &st) == 0 && st.threads_busy == 0);
	/* Unknown cmd: EBADCMD, arg.ret untouched. */
	arg_reset(&e, argpa, 77, 0);
	a->ret = 0x12345678;
	CHECK_EQ(call_arg(&e, 0, argpa), OPTEE_SMC_RETURN_EBADCMD);
	CHECK_EQ(a->ret, 0x12345678);
	/* Not 4 KiB aligned, secure, too many params. */
	CHECK_EQ(call_arg(&e, 0, argpa + 8), OPTEE_SMC_RETURN_EBADADDR);
	CHECK_EQ(call_arg(&e, 0, SEC_BASE), OPTEE_SMC_RETURN_EBADADDR);
	arg_reset(&e, argpa, OPTEE_MSG_CMD_CLOSE_SESSION, 128);
	CHECK_EQ(call_arg(&e, 0, argpa), OPTEE_SMC_RETURN_EBADADDR);
	/* 127 params fit the page exactly: the command then rejects them. */
	arg_reset(&e, argpa, OPTEE_MSG_CMD_CLOSE_SESSION, 127);
	CHECK_EQ(call_arg(&e, 0, argpa), OPTEE_SMC_RETURN_OK);
	CHECK_EQ(a->ret, TEEC_ERROR_BAD_PARAMETERS);
	/* RPC_ARG: 127 params leave no room for the RPC arg. */
	CHECK_EQ(nw_call(&e, 0, OPTEE_SMC_CALL_WITH_RPC_ARG, argpa, 0), OPTEE_SMC_RETURN_EBADADDR);
	/* 32 + 32 * 122 + 160 = 4096: the largest that fits. */
	arg_reset(&e, argpa, OPTEE_MSG_CMD_CLOSE_SESSION, 122);
	CHECK_EQ(nw_call(&e, 0, OPTEE_SMC_CALL_WITH_RPC_ARG, argpa, 0), OPTEE_SMC_RETURN_OK);
	arg_reset(&e, argpa, OPTEE_MSG_CMD_CLOSE_SESSION, 123);
	CHECK_EQ(nw_call(&e, 0, OPTEE_SMC_CALL_WITH_RPC_ARG, argpa, 0), OPTEE_SMC_RETURN_EBADADDR);
	/* ERESUME: not a suspended thread. */
	r[0] = OPTEE_SMC_CALL_RETURN_FROM_RPC;
	r[3] = 0;
	smc(&e, r);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ERESUME);
	r[0] = OPTEE_SMC_CALL_RETURN_FROM_RPC;
	r[3] = 5;
	smc(&e, r);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ERESUME);
	tenv_fini(&e);

	/* Without RPC_ARG, CALL_WITH_RPC_ARG is an unknown function. */
	{
		struct optee_model_config cfg;

		optee_model_config_default(&cfg);
		cfg.sec_caps &= ~OPTEE_SMC_SEC_CAP_RPC_ARG;
		tenv_init(&e, &cfg);
		argpa = page_alloc(&e);
		arg_reset(&e, argpa, OPTEE_MSG_CMD_CLOSE_SESSION, 0);
		CHECK_EQ(nw_call(&e, 0, OPTEE_SMC_CALL_WITH_RPC_ARG, argpa, 0),
			 OPTEE_SMC_RETURN_EBADCMD);
		CHECK_EQ(nw_call(&e, 0, OPTEE_SMC_CALL_WITH_REGD_ARG, 1, 0),
			 OPTEE_SMC_RETURN_EBADCMD);
		tenv_fini(&e);
	}
}

/* Starts an INVOKE of sleep GET_TIME and leaves it suspended in RPC ALLOC. */
static void start_suspended(struct tenv *e, uint64_t client, uint64_t argpa, uint32_t sess,
			    uint64_t r[8])
{
	struct optee_msg_arg *a = arg_at(e, argpa);

	arg_reset(e, argpa, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	a->session = sess;
	a->func = TA_SLEEP_CMD_GET_TIME;
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	memset(r, 0, 8 * sizeof(uint64_t));
	r[0] = OPTEE_SMC_CALL_WITH_ARG;
	r[1] = argpa >> 32;
	r[2] = (uint32_t)argpa;
	r[7] = client;
	smc(e, r);
}

static void thread_limits(void)
{
	struct tenv e;
	struct optee_model_config cfg;
	uint64_t args[4], r1[8], r2[8], r3[8];
	uint32_t s1 = 0, s2 = 0, i = 0;

	optee_model_config_default(&cfg);
	cfg.virtualization = 1;
	cfg.max_guests = 2;
	tenv_init(&e, &cfg);
	for (i = 0; i < 4; i++)
		args[i] = page_alloc(&e);
	r1[0] = OPTEE_SMC_VM_CREATED;
	r1[1] = 1;
	r1[7] = 0;
	smc(&e, r1);
	r1[0] = OPTEE_SMC_VM_CREATED;
	r1[1] = 2;
	r1[7] = 0;
	smc(&e, r1);

	CHECK_EQ(open_session(&e, 1, args[0], &sleep_uuid, &s1), 0);
	CHECK_EQ(open_session(&e, 1, args[1], &sleep_uuid, &s2), 0);
	start_suspended(&e, 1, args[0], s1, r1);
	CHECK_EQ(r1[0], OPTEE_SMC_RETURN_RPC_ALLOC);
	CHECK_EQ(r1[1], 160); /* size in a1 alone (ABI 2.3) */
	CHECK_EQ(r1[2], 0);
	start_suspended(&e, 1, args[1], s2, r2);
	CHECK_EQ(r2[0], OPTEE_SMC_RETURN_RPC_ALLOC);
	CHECK(r1[3] != r2[3] && r1[3] < 2 && r2[3] < 2);
	/* Guest 1 has no thread left: ETHREAD_LIMIT, a1..a3 as they came. */
	start_suspended(&e, 1, args[2], s1, r3);
	CHECK_EQ(r3[0], OPTEE_SMC_RETURN_ETHREAD_LIMIT);
	CHECK(r3[1] == args[2] >> 32 && r3[2] == (uint32_t)args[2]);
	/* Guest 2's pool is its own; its thread IDs start at 0 too. */
	{
		uint64_t r4[8];
		struct optee_msg_arg *a = arg_at(&e, args[3]);

		arg_reset(&e, args[3], 77, 0);
		r4[0] = OPTEE_SMC_CALL_WITH_ARG;
		r4[1] = args[3] >> 32;
		r4[2] = (uint32_t)args[3];
		r4[3] = 0;
		r4[7] = 2;
		smc(&e, r4);
		CHECK_EQ(r4[0], OPTEE_SMC_RETURN_EBADCMD);
		(void)a;
	}
	/* Resuming guest 1's thread as guest 2: not its thread. */
	{
		uint64_t rr[8] = { OPTEE_SMC_CALL_RETURN_FROM_RPC, 0, 0, r1[3], 0, 0, 0, 2 };

		smc(&e, rr);
		CHECK_EQ(rr[0], OPTEE_SMC_RETURN_ERESUME);
	}
	/* Complete both. */
	CHECK_EQ(nw_loop(&e, 1, r1), 0);
	CHECK_EQ(arg_at(&e, args[0])->ret, 0);
	CHECK_EQ(arg_at(&e, args[0])->params[0].u.value.a, 1234);
	CHECK_EQ(nw_loop(&e, 1, r2), 0);
	CHECK_EQ(nw_call(&e, 1, OPTEE_SMC_CALL_WITH_ARG, args[2], 0), 0);
	CHECK_EQ(e.rpc_arg_live, 0);
	/* A finished thread is no longer resumable. */
	{
		uint64_t rr[8] = { OPTEE_SMC_CALL_RETURN_FROM_RPC, 0, 0, r1[3], 0, 0, 0, 1 };

		smc(&e, rr);
		CHECK_EQ(rr[0], OPTEE_SMC_RETURN_ERESUME);
	}
	CHECK_EQ(close_session(&e, 1, args[0], s1), 0);
	CHECK_EQ(close_session(&e, 1, args[0], s2), 0);
	/* VM_DESTROYED drops a guest's suspended thread without RPCs. */
	CHECK_EQ(open_session(&e, 1, args[0], &sleep_uuid, &s1), 0);
	start_suspended(&e, 1, args[0], s1, r1);
	CHECK_EQ(r1[0], OPTEE_SMC_RETURN_RPC_ALLOC);
	r2[0] = OPTEE_SMC_VM_DESTROYED;
	r2[1] = 1;
	r2[7] = 0;
	smc(&e, r2);
	CHECK_EQ(r2[0], 0);
	r2[0] = OPTEE_SMC_VM_DESTROYED;
	r2[1] = 2;
	r2[7] = 0;
	smc(&e, r2);
	tenv_fini(&e);
}

/* The worked example of ABI 11: device enumeration. */
static void devenum_example(void)
{
	struct tenv e;
	uint64_t argpa = 0, buf = 0, list = 0;
	struct optee_msg_arg *a = NULL;
	struct optee_msg_param p[1];
	uint32_t sess = 0;
	uint8_t expect[16] = { 0x7e, 0x3d, 0x00, 0x01, 0x00, 0x00, 0x40, 0x00,
			       0x80, 0x00, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 };

	default_env(&e);
	argpa = page_alloc(&e);
	a = arg_at(&e, argpa);
	arg_reset(&e, argpa, OPTEE_MSG_CMD_OPEN_SESSION, 2);
	set_uuid_meta(&a->params[0], &devenum_uuid);
	CHECK_EQ(a->params[0].attr, 0x101);
	CHECK_EQ(a->params[0].u.value.a, UINT64_C(0x5340dedd88a61170));
	CHECK_EQ(a->params[0].u.value.b, UINT64_C(0xb813df4d3c7ba9a5));
	a->params[1].attr = 0x101;
	a->session = 0xFFFF;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK_EQ(a->ret, 0);
	CHECK_EQ(a->ret_origin, TEEC_ORIGIN_TEE);
	sess = a->session;
	CHECK(sess != 0);

	/* Null memref: SHORT_BUFFER with 16 bytes per TA listed. */
	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
	p[0].u.tmem.size = 0;
	CHECK_EQ(invoke(&e, 0, argpa, sess, TA_DEVENUM_CMD_GET_DEVICES, 1, p),
		 TEEC_ERROR_SHORT_BUFFER);
	CHECK_EQ(e.last_origin, TEEC_ORIGIN_TRUSTED_APP);
	CHECK_EQ(p[0].u.tmem.size, 16 * 5);
	/* The supplicant list: the storage TA. */
	p[0].u.tmem.size = 0;
	CHECK_EQ(invoke(&e, 0, argpa, sess, TA_DEVENUM_CMD_GET_DEVICES_SUPP, 1, p),
		 TEEC_ERROR_SHORT_BUFFER);
	CHECK_EQ(p[0].u.tmem.size, 16);
	p[0].u.tmem.size = 0;
	CHECK_EQ(invoke(&e, 0, argpa, sess, TA_DEVENUM_CMD_GET_DEVICES_RPMB, 1, p), 0);
	CHECK_EQ(p[0].u.tmem.size, 0);

	/* Into a page-list buffer: the UUIDs, first arith. */
	buf = page_alloc(&e);
	list = make_pagelist(&e, &buf, 1, 0);
	p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	p[0].u.tmem.buf_ptr = list;
	p[0].u.tmem.size = 100;
	CHECK_EQ(invoke(&e, 0, argpa, sess, TA_DEVENUM_CMD_GET_DEVICES, 1, p), 0);
	CHECK_EQ(p[0].u.tmem.size, 80);
	CHECK(!memcmp(pa_ptr(&e, buf), expect, 16));
	/* Wrong param types. */
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	CHECK_EQ(invoke(&e, 0, argpa, sess, TA_DEVENUM_CMD_GET_DEVICES, 1, p),
		 TEEC_ERROR_BAD_PARAMETERS);

	CHECK_EQ(close_session(&e, 0, argpa, sess), 0);
	CHECK_EQ(a->ret_origin, TEEC_ORIGIN_TEE);
	/* The session is gone. */
	CHECK_EQ(close_session(&e, 0, argpa, sess), TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(e.clients_seen, 1u); /* direct mode: everything as client 0 */
	tenv_fini(&e);
}

static void open_checks(void)
{
	struct tenv e;
	uint64_t argpa = 0;
	struct optee_msg_arg *a = NULL;
	const struct ta_uuid nouuid = { 1, 2, 3, { 4, 5, 6, 7, 8, 9, 10, 11 } };
	uint32_t sess = 0;
	uint64_t logins[] = { 0, 1, 2, 4, 5, 6, 0x80000000 };
	size_t i = 0;

	default_env(&e);
	argpa = page_alloc(&e);
	a = arg_at(&e, argpa);

	/* Meta params must be exactly 0x101. */
	arg_reset(&e, argpa, OPTEE_MSG_CMD_OPEN_SESSION, 2);
	set_uuid_meta(&a->params[0], &arith_uuid);
	a->params[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	a->session = 0x77;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK(a->ret == TEEC_ERROR_BAD_PARAMETERS && a->ret_origin == TEEC_ORIGIN_TEE &&
	      a->session == 0);
	arg_reset(&e, argpa, OPTEE_MSG_CMD_OPEN_SESSION, 1);
	set_uuid_meta(&a->params[0], &arith_uuid);
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK_EQ(a->ret, TEEC_ERROR_BAD_PARAMETERS);
	/* Logins. */
	for (i = 0; i < sizeof(logins) / sizeof(logins[0]); i++) {
		arg_reset(&e, argpa, OPTEE_MSG_CMD_OPEN_SESSION, 2);
		set_uuid_meta(&a->params[0], &arith_uuid);
		a->params[1].attr = 0x101;
		a->params[1].u.value.c = logins[i];
		CHECK_EQ(call_arg(&e, 0, argpa), 0);
		CHECK_EQ(a->ret, 0);
		CHECK_EQ(close_session(&e, 0, argpa, a->session), 0);
	}
	arg_reset(&e, argpa, OPTEE_MSG_CMD_OPEN_SESSION, 2);
	set_uuid_meta(&a->params[0], &arith_uuid);
	a->params[1].attr = 0x101;
	a->params[1].u.value.c = 3;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK_EQ(a->ret, TEEC_ERROR_BAD_PARAMETERS);
	a->params[1].u.value.c = TEEC_LOGIN_TRUSTED_APP;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK_EQ(a->ret, TEEC_ERROR_BAD_PARAMETERS);
	/* Unknown TA. */
	CHECK_EQ(open_session(&e, 0, argpa, &nouuid, &sess), TEEC_ERROR_ITEM_NOT_FOUND);
	CHECK_EQ(a->ret_origin, TEEC_ORIGIN_TEE);
	/* 2 metas + 5 TA params: BAD_PARAMETERS. */
	arg_reset(&e, argpa, OPTEE_MSG_CMD_OPEN_SESSION, 7);
	set_uuid_meta(&a->params[0], &arith_uuid);
	a->params[1].attr = 0x101;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK_EQ(a->ret, TEEC_ERROR_BAD_PARAMETERS);
	/* 2 metas + 4 TA params are fine, a value out is copied back. */
	arg_reset(&e, argpa, OPTEE_MSG_CMD_OPEN_SESSION, 6);
	set_uuid_meta(&a->params[0], &arith_uuid);
	a->params[1].attr = 0x101;
	a->params[2].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	a->params[2].u.value.a = 5;
	a->params[2].u.value.c = 9;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK_EQ(a->ret, 0);
	CHECK(a->params[2].u.value.a == 5 && a->params[2].u.value.c == 9);
	CHECK_EQ(close_session(&e, 0, argpa, a->session), 0);
	/* A META param among the TA params. */
	arg_reset(&e, argpa, OPTEE_MSG_CMD_OPEN_SESSION, 3);
	set_uuid_meta(&a->params[0], &arith_uuid);
	a->params[1].attr = 0x101;
	a->params[2].attr = 0x101;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK_EQ(a->ret, TEEC_ERROR_BAD_PARAMETERS);
	tenv_fini(&e);
}

static void invoke_checks(void)
{
	struct tenv e;
	uint64_t argpa = 0, pg = 0;
	struct optee_msg_arg *a = NULL;
	struct optee_msg_param p[5];
	uint32_t sess = 0;

	default_env(&e);
	argpa = page_alloc(&e);
	a = arg_at(&e, argpa);
	CHECK_EQ(open_session(&e, 0, argpa, &arith_uuid, &sess), 0);

	/* Copy-out: only value a/b of outputs; c and inputs untouched. */
	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = UINT64_MAX;
	p[0].u.value.b = 2;
	p[0].u.value.c = 0xC0C0;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	p[1].u.value.c = 0xCCCC;
	CHECK_EQ(invoke(&e, 0, argpa, sess, TA_ARITH_CMD_ADD, 2, p), 0);
	CHECK_EQ(e.last_origin, TEEC_ORIGIN_TRUSTED_APP);
	CHECK(p[1].u.value.a == 1 && p[1].u.value.b == 1 && p[1].u.value.c == 0xCCCC);
	CHECK(p[0].u.value.a == UINT64_MAX && p[0].u.value.c == 0xC0C0);

	/* Five params. */
	memset(p, 0, sizeof(p));
	CHECK_EQ(invoke(&e, 0, argpa, sess, TA_ARITH_CMD_ADD, 5, p), TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(e.last_origin, TEEC_ORIGIN_TEE);
	/* META outside open session. */
	p[0].attr = 0x101;
	CHECK_EQ(invoke(&e, 0, argpa, sess, TA_ARITH_CMD_ADD, 1, p), TEEC_ERROR_BAD_PARAMETERS);
	/* Unknown attr types. */
	p[0].attr = 4;
	CHECK_EQ(invoke(&e, 0, argpa, sess, TA_ARITH_CMD_ADD, 1, p), TEEC_ERROR_BAD_PARAMETERS);
	p[0].attr = 0xC;
	CHECK_EQ(invoke(&e, 0, argpa, sess, TA_ARITH_CMD_ADD, 1, p), TEEC_ERROR_BAD_PARAMETERS);
	/* Contiguous non-null TMEM: no reserved SHM. */
	pg = page_alloc(&e);
	p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	p[0].u.tmem.buf_ptr = pg;
	p[0].u.tmem.size = 16;
	CHECK_EQ(invoke(&e, 0, argpa, sess, TA_ARITH_CMD_ADD, 1, p), TEEC_ERROR_BAD_PARAMETERS);
	/* RMEM of an unknown cookie; out of bounds; overflowing. */
	CHECK_EQ(register_shm(&e, 0, argpa, make_pagelist(&e, &pg, 1, 0x100), 0x200, 0x42), 0);
	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	p[0].u.rmem.shm_ref = 0x43;
	CHECK_EQ(invoke(&e, 0, argpa, sess, TA_ARITH_CMD_ADD, 1, p), TEEC_ERROR_BAD_PARAMETERS);
	p[0].u.rmem.shm_ref = 0x42;
	/* OP-TEE bounds an RMEM by the pages: 4096 - 0x100 bytes. */
	p[0].u.rmem.offs = 0xF00;
	p[0].u.rmem.size = 0;
	CHECK_EQ(invoke(&e, 0, argpa, sess, TA_ARITH_CMD_ADD, 1, p), TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(e.last_origin, TEEC_ORIGIN_TRUSTED_APP); /* reached the TA: wrong types */
	p[0].u.rmem.size = 1;
	CHECK_EQ(invoke(&e, 0, argpa, sess, TA_ARITH_CMD_ADD, 1, p), TEEC_ERROR_SECURITY);
	CHECK_EQ(e.last_origin, TEEC_ORIGIN_TEE);
	p[0].u.rmem.offs = 8;
	p[0].u.rmem.size = UINT64_MAX - 4;
	CHECK_EQ(invoke(&e, 0, argpa, sess, TA_ARITH_CMD_ADD, 1, p), TEEC_ERROR_SECURITY);
	/* Unknown session. */
	memset(p, 0, sizeof(p));
	CHECK_EQ(invoke(&e, 0, argpa, sess + 100, TA_ARITH_CMD_ADD, 0, p),
		 TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(e.last_origin, TEEC_ORIGIN_TEE);

	/* CLOSE and CANCEL: num_params must be 0. */
	arg_reset(&e, argpa, OPTEE_MSG_CMD_CLOSE_SESSION, 1);
	a->session = sess;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK(a->ret == TEEC_ERROR_BAD_PARAMETERS && a->ret_origin == TEEC_ORIGIN_TEE);
	arg_reset(&e, argpa, OPTEE_MSG_CMD_CANCEL, 1);
	a->session = sess;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK(a->ret == TEEC_ERROR_BAD_PARAMETERS && a->ret_origin == TEEC_ORIGIN_TEE);
	arg_reset(&e, argpa, OPTEE_MSG_CMD_CANCEL, 0);
	a->session = sess;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK(a->ret == 0 && a->ret_origin == TEEC_ORIGIN_TEE);
	arg_reset(&e, argpa, OPTEE_MSG_CMD_CANCEL, 0);
	a->session = sess + 1;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK_EQ(a->ret, TEEC_ERROR_BAD_PARAMETERS);

	/* UNREGISTER: unknown cookie; wrong num_params; then the real one. */
	arg_reset(&e, argpa, OPTEE_MSG_CMD_UNREGISTER_SHM, 1);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	a->params[0].u.rmem.shm_ref = 0x99;
	a->ret_origin = 0x55;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK(a->ret == TEEC_ERROR_BAD_PARAMETERS && a->ret_origin == 0x55);
	arg_reset(&e, argpa, OPTEE_MSG_CMD_UNREGISTER_SHM, 0);
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK(a->ret == TEEC_ERROR_BAD_PARAMETERS && a->ret_origin == TEEC_ORIGIN_TEE);
	arg_reset(&e, argpa, OPTEE_MSG_CMD_UNREGISTER_SHM, 1);
	a->params[0].u.rmem.shm_ref = 0x42;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK_EQ(a->ret, 0);
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK_EQ(a->ret, TEEC_ERROR_BAD_PARAMETERS);
	/* REGISTER_SHM shape: one param, attr exactly 0x20A; ret only. */
	arg_reset(&e, argpa, OPTEE_MSG_CMD_REGISTER_SHM, 1);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT | OPTEE_MSG_ATTR_NONCONTIG;
	a->params[0].u.tmem.buf_ptr = make_pagelist(&e, &pg, 1, 0);
	a->params[0].u.tmem.size = 16;
	a->ret_origin = 0x55;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK(a->ret == TEEC_ERROR_BAD_PARAMETERS && a->ret_origin == 0x55);
	a->num_params = 2;
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK_EQ(a->ret, TEEC_ERROR_BAD_PARAMETERS);

	CHECK_EQ(close_session(&e, 0, argpa, sess), 0);
	tenv_fini(&e);
}

/* CALL_WITH_REGD_ARG: the arg inside registered memory. */
static void regd_arg(void)
{
	struct tenv e;
	uint64_t argpa = 0, pages[2], list = 0, argat = 0;
	struct optee_msg_arg *a = NULL;
	uint32_t sess = 0;
	uint64_t r[8], r2[8];

	default_env(&e);
	argpa = page_alloc(&e);
	pages[0] = page_alloc(&e);
	pages[1] = page_alloc(&e);
	list = make_pagelist(&e, pages, 2, 0x80);
	CHECK_EQ(register_shm(&e, 0, argpa, list, 2 * PAGE - 0x80, 0x1000), 0);
	CHECK_EQ(open_session(&e, 0, argpa, &sleep_uuid, &sess), 0);
	/* Arg at offset 0xF00 of the buffer; its RPC arg straddles the pages. */
	CHECK_EQ(pages[1], pages[0] + PAGE); /* so the test NW can read it flat */
	argat = pages[0] + 0x80 + 0xF00;
	a = pa_ptr(&e, argat);
	memset(a, 0, 0x80);
	a->cmd = OPTEE_MSG_CMD_INVOKE_COMMAND;
	a->session = sess;
	a->func = TA_SLEEP_CMD_GET_TIME;
	a->num_params = 1;
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	/* The RPC arg lands at 0xF00 + 64 = 0xF40 in the buffer. */
	e.inband_pa = pages[0] + 0x80 + 0xF40;
	CHECK_EQ(nw_call(&e, 0, OPTEE_SMC_CALL_WITH_REGD_ARG, 0x1000, 0xF00), 0);
	CHECK_EQ(a->ret, 0);
	CHECK_EQ(a->params[0].u.value.a, 1234);
	CHECK_EQ(e.rpc_alloc, 0);      /* in-band RPC arg: no ALLOC */
	CHECK_EQ(e.last_cmd_a1a2, 0);  /* and CMD's a1:a2 = 0:0 */
	/* Bad cookie, misaligned, past the end. */
	CHECK_EQ(nw_call(&e, 0, OPTEE_SMC_CALL_WITH_REGD_ARG, 0x1001, 0), OPTEE_SMC_RETURN_EBADADDR);
	CHECK_EQ(nw_call(&e, 0, OPTEE_SMC_CALL_WITH_REGD_ARG, 0x1000, 4), OPTEE_SMC_RETURN_EBADADDR);
	CHECK_EQ(nw_call(&e, 0, OPTEE_SMC_CALL_WITH_REGD_ARG, 0x1000, 2 * PAGE - 0x80 - 160),
		 OPTEE_SMC_RETURN_EBADADDR);

	/* UNREGISTER while a call holds the buffer: BUSY; then OK. */
	memset(r, 0, sizeof(r));
	r[0] = OPTEE_SMC_CALL_WITH_REGD_ARG;
	r[2] = 0x1000;
	r[3] = 0xF00;
	smc(&e, r);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_RPC_CMD);
	arg_reset(&e, argpa, OPTEE_MSG_CMD_UNREGISTER_SHM, 1);
	arg_at(&e, argpa)->params[0].u.rmem.shm_ref = 0x1000;
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK_EQ(arg_at(&e, argpa)->ret, TEEC_ERROR_BUSY);
	memcpy(r2, r, sizeof(r));
	CHECK_EQ(nw_loop(&e, 0, r2), 0);
	CHECK_EQ(call_arg(&e, 0, argpa), 0);
	CHECK_EQ(arg_at(&e, argpa)->ret, 0);
	CHECK_EQ(close_session(&e, 0, argpa, sess), 0);
	tenv_fini(&e);
}

/* CALL_WITH_RPC_ARG: in-band RPC arg after the arg. */
static void rpc_arg_inband(void)
{
	struct tenv e;
	uint64_t argpa = 0;
	struct optee_msg_param p[1];
	uint32_t sess = 0;

	default_env(&e);
	argpa = page_alloc(&e);
	CHECK_EQ(open_session(&e, 0, argpa, &sleep_uuid, &sess), 0);
	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	CHECK_EQ(invoke_fid(&e, 0, OPTEE_SMC_CALL_WITH_RPC_ARG, argpa, sess,
			    TA_SLEEP_CMD_GET_TIME, 1, p), 0);
	CHECK(p[0].u.value.a == 1234 && p[0].u.value.b == 5678);
	CHECK_EQ(e.rpc_alloc, 0);
	CHECK_EQ(e.rpc_cmd, 1);
	CHECK_EQ(e.last_cmd_a1a2, 0);
	CHECK_EQ(close_session(&e, 0, argpa, sess), 0);
	tenv_fini(&e);
}

void test_calls(void)
{
	arg_checks();
	thread_limits();
	devenum_example();
	open_checks();
	invoke_checks();
	regd_arg();
	rpc_arg_inband();
}
