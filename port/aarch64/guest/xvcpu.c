// SPDX-License-Identifier: BSD-2-Clause
/*
 * One standard call, resumed on the other vCPU at every RPC: vCPU 0 starts
 * an INVOKE of the sleep TA's RPC loop (CALL_WITH_ARG), and from then on
 * each RPC exit is served by the vCPU that took it and the RETURN_FROM_RPC
 * is issued by the other one. On hardware this is a guest kernel thread
 * migrating between CPUs in the middle of a call; the mediator must follow
 * the call by its slot (a3), not by the vCPU.
 *
 * RPCs are served here without the driver: ALLOC gets a fresh guest page
 * (cookie XV_COOKIE + n), CMD answers GET_TIME in that page, FREE returns
 * it, FOREIGN_INTR just resumes.
 */
#include "work.h"

#include "teemed/optee_msg.h"
#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"

#define XV_LOOPS   8u /* GET_TIME RPCs of the call */
#define XV_COOKIE  0x7e570000ull
#define XV_BUFS	   4u	 /* RPC argument pages at once (OP-TEE asks for one) */
#define XV_SMC_MAX 1000u /* a call that takes more SMCs is broken */

static struct {
	volatile uint64_t arrived;
	volatile unsigned turn; /* vCPU that issues the next SMC */
	volatile int phase;	/* 0 setup, 1 running, 2 done */
	uint64_t regs[8];
	uint64_t bufs[XV_BUFS]; /* IPA of the page with cookie XV_COOKIE + i */
	uint64_t resumes[2], smcs;
	uint64_t final_a0;
} xs;

static uint64_t reg_pair(uint64_t hi, uint64_t lo)
{
	return ((hi & 0xFFFFFFFFull) << 32) | (lo & 0xFFFFFFFFull);
}

/* Serve the RPC in xs.regs; leave the RETURN_FROM_RPC to issue in xs.regs. */
static void serve_rpc(struct gdrv *drv)
{
	uint64_t *r = xs.regs, a3 = r[3], cookie = reg_pair(r[1], r[2]), ipa;
	struct optee_msg_arg *arg;
	unsigned i;

	switch ((uint32_t)r[0]) {
	case OPTEE_SMC_RETURN_RPC_ALLOC:
		memset(r, 0, 8 * sizeof(*r));
		for (i = 0; i < XV_BUFS && xs.bufs[i]; i++)
			;
		if (i < XV_BUFS && gdrv_pages_alloc(drv, 1, GDRV_PAGES_ANY, &ipa) == GDRV_OK) {
			xs.bufs[i] = ipa;
			r[1] = ipa >> 32;
			r[2] = (uint32_t)ipa;
			r[4] = (XV_COOKIE + i) >> 32;
			r[5] = (uint32_t)(XV_COOKIE + i);
		}
		break;
	case OPTEE_SMC_RETURN_RPC_FREE:
		i = (unsigned)(cookie - XV_COOKIE);
		if (i < XV_BUFS && xs.bufs[i]) {
			gdrv_pages_free(drv, &xs.bufs[i], 1);
			xs.bufs[i] = 0;
		}
		memset(r, 0, 8 * sizeof(*r));
		break;
	case OPTEE_SMC_RETURN_RPC_CMD:
		i = (unsigned)(cookie - XV_COOKIE);
		if (i < XV_BUFS && xs.bufs[i]) {
			uint64_t t = now_ns();

			arg = (struct optee_msg_arg *)(uintptr_t)xs.bufs[i];
			if (arg->cmd == OPTEE_RPC_CMD_GET_TIME && arg->num_params == 1) {
				arg->params[0].u.value.a = t / 1000000000ull;
				arg->params[0].u.value.b = t % 1000000000ull;
				arg->ret = TEEC_SUCCESS;
			} else {
				arg->ret = TEEC_ERROR_NOT_SUPPORTED;
			}
		}
		memset(r, 0, 8 * sizeof(*r));
		break;
	default: /* FOREIGN_INTR */
		memset(r, 0, 8 * sizeof(*r));
		break;
	}
	r[0] = OPTEE_SMC_CALL_RETURN_FROM_RPC;
	r[3] = a3;
}

static void run_steps(struct gdrv *drv, unsigned v)
{
	while (xs.phase == 1) {
		uint32_t a0;

		if (xs.turn != v) {
			cpu_relax();
			continue;
		}
		smc_call(xs.regs);
		xs.smcs++;
		if (v < 2 && xs.smcs > 1)
			xs.resumes[v]++;
		a0 = (uint32_t)xs.regs[0];
		if (a0 != OPTEE_SMC_RETURN_UNKNOWN_FUNCTION &&
		    (a0 & OPTEE_SMC_RPC_PREFIX_MASK) == OPTEE_SMC_RPC_PREFIX &&
		    xs.smcs < XV_SMC_MAX) {
			serve_rpc(drv);
			dsb(sy);
			xs.turn = 1 - v; /* the other vCPU resumes */
		} else {
			xs.final_a0 = a0;
			dsb(sy);
			xs.phase = 2;
		}
		sev();
	}
}

void xvcpu_run(struct gdrv *drv, TEEC_Context *ctx, unsigned v)
{
	static const TEEC_UUID uuid_sleep = TA_SLEEP_UUID;
	static TEEC_Session s;
	static uint64_t page;
	struct optee_msg_arg *arg;
	bool ok = false;

	atomic_add64(&xs.arrived, 1);
	while (xs.arrived < 2)
		cpu_relax();
	if (v == 0) {
		if (open_ta(ctx, &s, &uuid_sleep) == TEEC_SUCCESS &&
		    gdrv_pages_alloc(drv, 1, GDRV_PAGES_ANY, &page) == GDRV_OK) {
			arg = (struct optee_msg_arg *)(uintptr_t)page;
			memset(arg, 0, OPTEE_MSG_GET_ARG_SIZE(2));
			arg->cmd = OPTEE_MSG_CMD_INVOKE_COMMAND;
			arg->func = TA_SLEEP_CMD_RPC_LOOP;
			arg->session = s.session_id;
			arg->num_params = 2;
			arg->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
			arg->params[0].u.value.a = XV_LOOPS;
			arg->params[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
			memset(xs.regs, 0, sizeof(xs.regs));
			xs.regs[0] = OPTEE_SMC_CALL_WITH_ARG;
			xs.regs[1] = page >> 32;
			xs.regs[2] = (uint32_t)page;
			xs.turn = 0;
			dsb(sy);
			xs.phase = 1;
		} else {
			xs.phase = 2;
		}
		sev();
	}
	while (xs.phase == 0)
		cpu_relax();
	run_steps(drv, v);
	if (v != 0)
		return;
	if (page) {
		arg = (struct optee_msg_arg *)(uintptr_t)page;
		ok = xs.final_a0 == OPTEE_SMC_RETURN_OK && arg->ret == TEEC_SUCCESS &&
		     arg->params[1].u.value.a == XV_LOOPS;
		check(ok && xs.resumes[0] > 0 && xs.resumes[1] > 0,
		      "one call resumed on both vCPUs: a0 0x%lx ret 0x%x, %lu SMCs, resumes %lu on "
		      "vCPU0 + %lu on vCPU1",
		      (unsigned long)xs.final_a0, arg->ret, (unsigned long)xs.smcs,
		      (unsigned long)xs.resumes[0], (unsigned long)xs.resumes[1]);
		gprintf("cross-vCPU call: %lu SMCs, %lu resumed on vCPU 0, %lu on vCPU 1: %s\n",
			(unsigned long)xs.smcs, (unsigned long)xs.resumes[0],
			(unsigned long)xs.resumes[1], ok ? "ok" : "FAILED");
		gdrv_pages_free(drv, &page, 1);
		TEEC_CloseSession(&s);
	} else {
		check(false, "cross-vCPU call setup");
	}
}
