// SPDX-License-Identifier: BSD-2-Clause
/* Fast calls and client IDs (ABI 1.3, 3, 7). */
#include "tenv.h"

static void fast(struct tenv *e, uint64_t r[8], uint32_t fid, uint64_t a1, uint64_t a7)
{
	uint64_t in[8] = { fid, a1, 0x1111, 0x2222, 0x4444, 0x5555, 0x6666, a7 };

	memcpy(r, in, sizeof(in));
	smc(e, r);
	/* a4..a6 (and a7) come back as they went. */
	CHECK(r[4] == 0x4444 && r[5] == 0x5555 && r[6] == 0x6666 && r[7] == a7);
}

static void direct_mode(void)
{
	struct optee_model_config cfg;
	struct tenv e;
	uint64_t r[8];

	optee_model_config_default(&cfg);
	tenv_init(&e, &cfg);

	fast(&e, r, OPTEE_SMC_CALLS_COUNT, 0, 0);
	CHECK_EQ(r[0], 12);
	fast(&e, r, OPTEE_SMC_CALLS_UID, 0, 0);
	CHECK(r[0] == 0x384fb3e0 && r[1] == 0xe7f811e3 && r[2] == 0xaf630002 && r[3] == 0xa5d5c51b);
	fast(&e, r, OPTEE_SMC_CALLS_REVISION, 0, 0);
	CHECK(r[0] == 2 && r[1] == 0);
	fast(&e, r, OPTEE_SMC_CALL_GET_OS_UUID, 0, 0);
	CHECK(r[0] == 0x486178e0 && r[1] == 0xe7f811e3 && r[2] == 0xbc5e0002 && r[3] == 0xa5d5c51b);
	fast(&e, r, OPTEE_SMC_CALL_GET_OS_REVISION, 0, 0);
	CHECK(r[0] == 4 && r[1] == 10 && r[2] == 0);

	/* EXCHANGE_CAPABILITIES; a1 is read as w1 (SMC32). */
	fast(&e, r, OPTEE_SMC_EXCHANGE_CAPABILITIES, UINT64_C(0xFFFFFFFF00000001), 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(r[1], cfg.sec_caps);
	CHECK_EQ(r[2], 64 + 2);
	CHECK_EQ(r[3], 4);
	fast(&e, r, OPTEE_SMC_EXCHANGE_CAPABILITIES, 2, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ENOTAVAIL);
	CHECK_EQ(r[1], 2); /* untouched */

	fast(&e, r, OPTEE_SMC_GET_SHM_CONFIG, 0, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	fast(&e, r, OPTEE_SMC_L2CC_MUTEX, 0, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	fast(&e, r, OPTEE_SMC_BOOT_SECONDARY, 1, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ENOTAVAIL);
	fast(&e, r, OPTEE_SMC_VM_CREATED, 1, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	fast(&e, r, OPTEE_SMC_VM_DESTROYED, 1, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	fast(&e, r, OPTEE_SMC_GET_PROTMEM_CONFIG, 0, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	fast(&e, r, OPTEE_SMC_CALL_LOAD_IMAGE, 0, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	fast(&e, r, 0xB2000099, 0, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	/* Upper bits of a0 are not part of an SMC32 function ID. */
	fast(&e, r, 0, 0, 0);
	r[0] = UINT64_C(0xABCD0000BF00FF00);
	smc(&e, r);
	CHECK_EQ(r[0], 12);

	/* Direct mode: a7 is ignored. */
	fast(&e, r, OPTEE_SMC_GET_THREAD_COUNT, 0, 5);
	CHECK(r[0] == OPTEE_SMC_RETURN_OK && r[1] == 2);
	fast(&e, r, OPTEE_SMC_ENABLE_ASYNC_NOTIF, 0, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_OK);
	fast(&e, r, OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, 0, 0);
	CHECK(r[0] == OPTEE_SMC_RETURN_OK && r[1] == 0 && r[2] == 0);

	fast(&e, r, OPTEE_SMC_DISABLE_SHM_CACHE, 0, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ENOTAVAIL);
	fast(&e, r, OPTEE_SMC_ENABLE_SHM_CACHE, 0, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_OK);
	fast(&e, r, OPTEE_SMC_DISABLE_SHM_CACHE, 0, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ENOTAVAIL);
	tenv_fini(&e);

	/* Options off: thread count, async notif. */
	cfg.implement_thread_count = 0;
	cfg.sec_caps &= ~OPTEE_SMC_SEC_CAP_ASYNC_NOTIF;
	tenv_init(&e, &cfg);
	fast(&e, r, OPTEE_SMC_GET_THREAD_COUNT, 0, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	fast(&e, r, OPTEE_SMC_ENABLE_ASYNC_NOTIF, 0, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	fast(&e, r, OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, 0, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	fast(&e, r, OPTEE_SMC_EXCHANGE_CAPABILITIES, 0, 0);
	CHECK(r[0] == 0 && r[2] == 0x1111); /* a2 not written without ASYNC_NOTIF */
	tenv_fini(&e);
}

static void virt_mode(void)
{
	struct optee_model_config cfg;
	struct optee_model_guest_stats st;
	struct tenv e;
	uint64_t r[8], argpa = 0;

	optee_model_config_default(&cfg);
	cfg.virtualization = 1;
	cfg.sec_caps |= OPTEE_SMC_SEC_CAP_VIRTUALIZATION;
	cfg.max_guests = 3;
	tenv_init(&e, &cfg);

	fast(&e, r, OPTEE_SMC_CALLS_COUNT, 0, 0);
	CHECK_EQ(r[0], 14);
	fast(&e, r, OPTEE_SMC_EXCHANGE_CAPABILITIES, 0, 0);
	CHECK(r[0] == 0 && (r[1] & OPTEE_SMC_SEC_CAP_VIRTUALIZATION));
	/* Unknown guest in a7. */
	fast(&e, r, OPTEE_SMC_CALLS_UID, 0, 1);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ENOTAVAIL);
	fast(&e, r, 0xB2000099, 0, 1);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ENOTAVAIL);
	/* VM_CREATED: a7 must be 0, ID must not be 0. */
	fast(&e, r, OPTEE_SMC_VM_CREATED, 0, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ENOTAVAIL);
	fast(&e, r, OPTEE_SMC_VM_CREATED, 1, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_OK);
	fast(&e, r, OPTEE_SMC_VM_CREATED, 2, 1);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ENOTAVAIL);
	/* a7 truncated to 16 bits: 0x10001 is guest 1. */
	fast(&e, r, OPTEE_SMC_GET_THREAD_COUNT, 0, 0x10001);
	CHECK(r[0] == 0 && r[1] == 2);
	fast(&e, r, OPTEE_SMC_CALLS_UID, 0, 0x10001);
	CHECK_EQ(r[0], 0x384fb3e0);
	/* VM_CREATED's a1: low 16 bits. */
	fast(&e, r, OPTEE_SMC_VM_CREATED, 0x20002, 0);
	CHECK_EQ(r[0], 0);
	fast(&e, r, OPTEE_SMC_GET_THREAD_COUNT, 0, 2);
	CHECK_EQ(r[0], 0);

	/* Yielding calls need a known guest; a7 = 0 included. */
	argpa = page_alloc(&e);
	arg_reset(&e, argpa, 99, 0);
	CHECK_EQ(nw_call(&e, 0, OPTEE_SMC_CALL_WITH_ARG, argpa, 0), OPTEE_SMC_RETURN_ENOTAVAIL);
	CHECK_EQ(nw_call(&e, 3, OPTEE_SMC_CALL_WITH_ARG, argpa, 0), OPTEE_SMC_RETURN_ENOTAVAIL);
	CHECK_EQ(nw_call(&e, 1, OPTEE_SMC_CALL_WITH_ARG, argpa, 0), OPTEE_SMC_RETURN_EBADCMD);
	CHECK_EQ(nw_call(&e, 0x10001, OPTEE_SMC_CALL_WITH_ARG, argpa, 0),
		 OPTEE_SMC_RETURN_EBADCMD);
	CHECK_EQ(e.clients_seen, 1u << 1); /* only guest 1's arg was touched, as guest 1 */

	/* Partitions exhausted: max_guests = 3. */
	fast(&e, r, OPTEE_SMC_VM_CREATED, 3, 0);
	CHECK_EQ(r[0], 0);
	fast(&e, r, OPTEE_SMC_VM_CREATED, 4, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ENOTAVAIL);

	/* VM_DESTROYED: a7 must be 0; unknown ID is OK. */
	fast(&e, r, OPTEE_SMC_VM_DESTROYED, 3, 1);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ENOTAVAIL);
	fast(&e, r, OPTEE_SMC_VM_DESTROYED, 77, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_OK);
	fast(&e, r, OPTEE_SMC_VM_DESTROYED, 3, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_OK);
	fast(&e, r, OPTEE_SMC_GET_THREAD_COUNT, 0, 3);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ENOTAVAIL);

	/* Duplicate VM_CREATED: the newest partition shadows the older. */
	fast(&e, r, OPTEE_SMC_VM_CREATED, 1, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_OK);
	{
		uint64_t pg = page_alloc(&e);
		uint64_t list = make_pagelist(&e, &pg, 1, 0);

		CHECK_EQ(register_shm(&e, 1, argpa, list, PAGE, 0xAB), TEEC_SUCCESS);
		CHECK(optee_model_guest_stats(e.m, 1, &st) == 0 && st.reg_shm == 1);
		fast(&e, r, OPTEE_SMC_VM_DESTROYED, 1, 0);
		CHECK_EQ(r[0], 0);
		/* The older guest-1 partition is visible again, without the buffer. */
		CHECK(optee_model_guest_stats(e.m, 1, &st) == 0 && st.reg_shm == 0);
		fast(&e, r, OPTEE_SMC_VM_DESTROYED, 1, 0);
		CHECK(optee_model_guest_stats(e.m, 1, &st) == -1);
	}
	fast(&e, r, OPTEE_SMC_GET_THREAD_COUNT, 0, 1);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ENOTAVAIL);

	/* Hypervisor context (a7 = 0): SHM cache calls see no threads. */
	fast(&e, r, OPTEE_SMC_ENABLE_SHM_CACHE, 0, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_OK);
	fast(&e, r, OPTEE_SMC_DISABLE_SHM_CACHE, 0, 0);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ENOTAVAIL);
	fast(&e, r, OPTEE_SMC_VM_DESTROYED, 2, 0);
	tenv_fini(&e);
}

void test_fast(void)
{
	direct_mode();
	virt_mode();
}
