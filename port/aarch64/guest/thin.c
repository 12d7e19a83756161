// SPDX-License-Identifier: BSD-2-Clause
/*
 * The thin path: probe OP-TEE through the mediator (UID, revisions,
 * capabilities, thread count, SHM cache, device enumeration), open a
 * session to the arithmetic TA, one INVOKE, close. Also the role of the
 * "faulting" guest, which touches memory that is not its own.
 */
#include "sys.h"

#include "guest/teec.h"
#include "optee/ta_api.h"

void role_thin(void)
{
	static const TEEC_UUID arith = TA_ARITH_UUID;
	struct guest_env env;
	struct gdrv *drv;
	TEEC_Context ctx;
	TEEC_Session sess;
	TEEC_Operation op;
	uint64_t base, size;
	uint32_t origin = 0;
	TEEC_Result res;

	guest_driver_ram(&base, &size);
	env_init(&env, ENV_SMC, base, size);
	drv = driver_start(&env, GDRV_MODE_MODERN, bi->nvcpus, 0x1000, true);
	if (!drv)
		return;
	res = TEEC_InitializeContext(drv, &ctx);
	check(res == TEEC_SUCCESS, "InitializeContext: 0x%x", res);
	res = TEEC_OpenSession(&ctx, &sess, &arith, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	if (check(res == TEEC_SUCCESS, "OpenSession(arith): 0x%x origin %u", res, origin)) {
		memset(&op, 0, sizeof(op));
		op.paramTypes =
		    TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
		op.params[0].value.a = 40;
		op.params[0].value.b = 2;
		res = TEEC_InvokeCommand(&sess, TA_ARITH_CMD_ADD, &op, &origin);
		check(res == TEEC_SUCCESS && op.params[1].value.a == 42,
		      "INVOKE ADD(40, 2): 0x%x -> %lu", res, (unsigned long)op.params[1].value.a);
		gprintf("INVOKE arith ADD(40, 2) = %lu through the mediator\n",
			(unsigned long)op.params[1].value.a);
		TEEC_CloseSession(&sess);
	}
	TEEC_FinalizeContext(&ctx);
	gdrv_destroy(drv);
}

/*
 * Against real OP-TEE (TF-A, BL33): the model's TAs are absent, so each
 * round opens OP-TEE's device-enumeration PTA, asks for the size with a
 * null memref (SHORT_BUFFER), gets the list into a temporary buffer and
 * closes; then opening a TA that is not there must fail after OP-TEE's
 * RPCs (TA store lookups) have gone through the mediator to this guest.
 */
void role_real(void)
{
	static const TEEC_UUID devenum = TA_DEVENUM_UUID, arith = TA_ARITH_UUID;
	struct guest_env env;
	struct gdrv_stats st0, st;
	struct gdrv *drv;
	TEEC_Context ctx;
	TEEC_Session sess;
	TEEC_Operation op;
	TEEC_TempMemoryReference buf;
	uint64_t base, size;
	uint32_t origin = 0, r;
	TEEC_Result res;

	guest_driver_ram(&base, &size);
	env_init(&env, (bi->flags & GUEST_F_HVC) ? ENV_HVC : ENV_SMC, base, size);
	drv = driver_start(&env, GDRV_MODE_MODERN, bi->nvcpus, 0x1000, true);
	if (!drv || !check(TEEC_InitializeContext(drv, &ctx) == TEEC_SUCCESS, "context"))
		return;
	for (r = 0; r < bi->iterations; r++) {
		res =
		    TEEC_OpenSession(&ctx, &sess, &devenum, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
		if (!check(res == TEEC_SUCCESS, "open the device-enumeration PTA: 0x%x", res))
			break;
		memset(&op, 0, sizeof(op));
		op.paramTypes =
		    TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
		res = TEEC_InvokeCommand(&sess, TA_DEVENUM_CMD_GET_DEVICES, &op, &origin);
		check(res == TEEC_ERROR_SHORT_BUFFER && op.params[0].tmpref.size % 16 == 0,
		      "GET_DEVICES size query: 0x%x, %zu bytes", res, op.params[0].tmpref.size);
		if (op.params[0].tmpref.size &&
		    teec_temp_alloc(&ctx, op.params[0].tmpref.size, GDRV_PAGES_ANY, &buf) ==
			TEEC_SUCCESS) {
			op.params[0].tmpref = buf;
			res = TEEC_InvokeCommand(&sess, TA_DEVENUM_CMD_GET_DEVICES, &op, &origin);
			check(res == TEEC_SUCCESS, "GET_DEVICES into a temporary buffer: 0x%x",
			      res);
			teec_temp_free(&ctx, &buf);
		}
		TEEC_CloseSession(&sess);
	}
	gdrv_get_stats(drv, &st0);
	res = TEEC_OpenSession(&ctx, &sess, &arith, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	gdrv_get_stats(drv, &st);
	for (r = 0; r < GDRV_STAT_RPC_CMDS; r++)
		if (st.rpc_cmd_by_id[r] != st0.rpc_cmd_by_id[r])
			gprintf("  TA load: %lu RPC command(s) %u served by this guest\n",
				(unsigned long)(st.rpc_cmd_by_id[r] - st0.rpc_cmd_by_id[r]), r);
	check(res != TEEC_SUCCESS && st.rpc_cmd > st0.rpc_cmd,
	      "a TA real OP-TEE lacks: 0x%x after %lu RPC command(s)", res,
	      (unsigned long)(st.rpc_cmd - st0.rpc_cmd));
	gprintf("real OP-TEE: %u rounds of PTA open, invoke x2, close; a missing TA refused (0x%x) "
		"after %lu RPC command(s)\n",
		bi->iterations, res, (unsigned long)(st.rpc_cmd - st0.rpc_cmd));
	TEEC_FinalizeContext(&ctx);
	gdrv_destroy(drv);
}

/* Read another slot's RAM through an IPA this guest does not have. */
void role_fault(void)
{
	volatile const uint64_t *p = (volatile const uint64_t *)(uintptr_t)bi->foreign_ipa;

	gprintf("reading IPA 0x%lx, outside this guest's RAM\n", (unsigned long)bi->foreign_ipa);
	(void)*p;
	check(false, "the read of a foreign IPA returned");
}
