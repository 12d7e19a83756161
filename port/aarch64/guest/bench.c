// SPDX-License-Identifier: BSD-2-Clause
/*
 * Round trips through the mediator against a bare forward of the same SMCs,
 * in the same run, on the same vCPU. The bench guest's RAM is identity
 * mapped (IPA == PA) so that its OP-TEE calls can be forwarded untouched:
 * its SMCs go through teemed (client 1), its HVCs with an OP-TEE function
 * ID are forwarded by the hypervisor with only a7 set (a second partition,
 * PLAT_BYPASS_CLIENT_ID). Two drivers, each on half of the guest's RAM,
 * both imitating older Linux (CALL_WITH_ARG) so both paths carry the same
 * SMC sequence. Figures are wall-clock under TCG (or guest instructions
 * with -icount shift=0): compare them, don't quote them as hardware's.
 */
#include "work.h"

#include "teemed/optee_smc.h"

#define RPC_LOOP_N 10u
#define TEMP_BYTES (16u << 10)

struct side {
	const char *name;
	struct guest_env env;
	struct gdrv *drv;
	TEEC_Context ctx;
	TEEC_Session arith, buf, sleep;
	TEEC_TempMemoryReference temp;
	void (*call)(uint64_t r[8]);
};

static struct side med = {.name = "mediated", .call = smc_call};
static struct side byp = {.name = "bare forward", .call = hvc_call};

static bool side_start(struct side *s, enum env_conduit c, uint64_t base, uint64_t size,
		       uint64_t cookie_base)
{
	static const TEEC_UUID arith = TA_ARITH_UUID, buf = TA_BUF_UUID, sleep = TA_SLEEP_UUID;

	env_init(&s->env, c, base, size);
	s->drv = driver_start(&s->env, GDRV_MODE_LEGACY, 1, cookie_base, false);
	return s->drv && check(TEEC_InitializeContext(s->drv, &s->ctx) == TEEC_SUCCESS, "ctx") &&
	       check(open_ta(&s->ctx, &s->arith, &arith) == TEEC_SUCCESS, "%s open arith",
		     s->name) &&
	       check(open_ta(&s->ctx, &s->buf, &buf) == TEEC_SUCCESS, "%s open buf", s->name) &&
	       check(open_ta(&s->ctx, &s->sleep, &sleep) == TEEC_SUCCESS, "%s open sleep",
		     s->name) &&
	       check(teec_temp_alloc(&s->ctx, TEMP_BYTES, GDRV_PAGES_SCATTER, &s->temp) ==
			 TEEC_SUCCESS,
		     "%s temp", s->name);
}

static void side_stop(struct side *s)
{
	teec_temp_free(&s->ctx, &s->temp);
	TEEC_FinalizeContext(&s->ctx); /* closes the sessions */
	gdrv_destroy(s->drv);
}

enum op { OP_FAST, OP_ADD, OP_CHECKSUM, OP_RPC };

static bool run_op(struct side *s, enum op o)
{
	TEEC_Operation op;
	uint64_t r[8] = {OPTEE_SMC_CALL_GET_OS_REVISION};

	memset(&op, 0, sizeof(op));
	switch (o) {
	case OP_FAST:
		s->call(r);
		return r[0] == 4;
	case OP_ADD:
		op.paramTypes =
		    TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
		op.params[0].value.a = 1;
		op.params[0].value.b = 2;
		return TEEC_InvokeCommand(&s->arith, TA_ARITH_CMD_ADD, &op, NULL) == TEEC_SUCCESS &&
		       op.params[1].value.a == 3;
	case OP_CHECKSUM:
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_OUTPUT,
						 TEEC_NONE, TEEC_NONE);
		op.params[0].tmpref = s->temp;
		return TEEC_InvokeCommand(&s->buf, TA_BUF_CMD_CHECKSUM, &op, NULL) == TEEC_SUCCESS;
	case OP_RPC:
		op.paramTypes =
		    TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
		op.params[0].value.a = RPC_LOOP_N;
		return TEEC_InvokeCommand(&s->sleep, TA_SLEEP_CMD_RPC_LOOP, &op, NULL) ==
			   TEEC_SUCCESS &&
		       op.params[1].value.a == RPC_LOOP_N;
	}
	return false;
}

/*
 * Timing under TCG is at the host's mercy (other processes, host cores
 * shared by the vCPUs), so both sides run in alternating blocks and the
 * figure kept is the best block: the least disturbed run of each path.
 */
#define BLOCKS 16u

static uint64_t block(struct side *s, enum op o, unsigned n, unsigned *bad)
{
	uint64_t t0 = now_ns();
	unsigned i;

	for (i = 0; i < n; i++)
		*bad += !run_op(s, o);
	return (now_ns() - t0) / n;
}

static void line(const char *what, enum op o, unsigned n)
{
	uint64_t m = UINT64_MAX, b = UINT64_MAX, t;
	unsigned i, bad_m = 0, bad_b = 0, per = n / BLOCKS ? n / BLOCKS : 1;

	block(&med, o, per, &bad_m); /* warm up: first-use allocations, translations */
	block(&byp, o, per, &bad_b);
	for (i = 0; i < BLOCKS; i++) {
		t = block(&med, o, per, &bad_m);
		m = t < m ? t : m;
		t = block(&byp, o, per, &bad_b);
		b = t < b ? t : b;
	}
	check(bad_m == 0 && bad_b == 0, "%s: %u + %u operations failed", what, bad_m, bad_b);
	gprintf("BENCH %-38s mediated %7lu ns  bare %7lu ns  overhead %7ld ns (x%lu.%02lu)\n", what,
		(unsigned long)m, (unsigned long)b, (long)(m - b), (unsigned long)(m / (b ? b : 1)),
		(unsigned long)((m * 100 / (b ? b : 1)) % 100));
}

void role_bench(void)
{
	uint64_t base, size, t0, best;
	unsigned n = bi->iterations, i, j;

	guest_driver_ram(&base, &size);
	size = (size / 2) & ~(uint64_t)PLAT_PAGE_MASK;
	if (!side_start(&med, ENV_SMC, base, size, 0x1000) ||
	    !side_start(&byp, ENV_HVC, base + size, size, 0x800000))
		return;
	best = UINT64_MAX;
	for (j = 0; j < BLOCKS; j++) {
		t0 = now_ns();
		for (i = 0; i < n / BLOCKS; i++)
			hyp_null();
		t0 = (now_ns() - t0) / (n / BLOCKS);
		best = t0 < best ? t0 : best;
	}
	gprintf("BENCH %-38s %lu ns (EL1 -> EL2 -> EL1)\n", "null hypercall", (unsigned long)best);
	line("fast call GET_OS_REVISION", OP_FAST, n);
	line("INVOKE arith ADD (values)", OP_ADD, n / 4);
	line("INVOKE checksum 16 KiB temp (4 pages)", OP_CHECKSUM, n / 8);
	line("INVOKE with 10 RPC round trips", OP_RPC, n / 20);
	side_stop(&med);
	side_stop(&byp);
}
