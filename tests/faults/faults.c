/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fault-injection sweep of the mediator through the whole simulated machine
 * (MACHINE_MEDIATED: OP-TEE model, sim port, guest driver and client API).
 *
 * For each representative operation and each injectable kind of port call
 * (PORT_FAULT_ALLOC, PIN, MAP, ALLOC_PAGE), the operation is first run
 * without faults to count how many calls of that kind it makes (its
 * injection points, port_sim_stats). Then, for every N in 1..count and for
 * both a one-shot fault (only call N fails) and a sticky one (N and every
 * later call fail), a fresh guest runs the same operation with the fault
 * set. Each run must:
 *   - reach the fault (the runs are deterministic: single thread);
 *   - return to the guest: no crash, no hang (an alarm guards each run);
 *   - give the guest only documented answers: every a0 the mediator returns
 *     is one of docs/errors.md's (checked on every guest SMC by the
 *     machine's guest trace), and every client-API result is SUCCESS or an
 *     error with a sensible origin (COMMS errors only COMMUNICATION,
 *     BAD_PARAMETERS, OUT_OF_MEMORY or GENERIC);
 *   - never report success with wrong data (results are checked);
 *   - leave no call slot busy (calls_active == 0 once the guest is idle),
 *     and leave the mediator usable: with faults off, a new session and
 *     call on the same guest succeed;
 *   - after the guest is torn down (teemed_domain_destroy until OK), leave
 *     nothing held (pins, mediator allocations and pages, model
 *     allocations) and no error (isolation violations, bad frees/unpins).
 * Every run is one check of the final "N passed, M failed".
 *
 * Operations: domain create; OPEN/INVOKE/CLOSE with values; INVOKE with a
 * temporary memref of four pages (scattered; the mediator's budget is two
 * pages so translation is preempted and resumed); REGISTER_SHM, an RMEM
 * call, UNREGISTER_SHM; the shmkeep TA's RPC ALLOC + CMD SHM_ALLOC +
 * SHM_FREE; and domain destroy with a registered buffer, an RPC SHM buffer
 * and two calls left suspended (one preempted by the mediator mid-
 * translation, one in OP-TEE's FOREIGN_INTR), whose points are expected to
 * be zero (destroy must not need memory, pins or maps).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/guest/driver.h"
#include "sim/guest/raw.h"
#include "sim/guest/teec.h"
#include "sim/machine/machine.h"
#include "sim/optee/ta_api.h"
#include "teemed/optee_msg.h"
#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"

#define PAGE 4096u
#define GUEST_RAM (8ull << 20)
#define RUN_TIMEOUT_S 20

static const TEEC_UUID uuid_arith = { 0x7e3d0001, 0x0000, 0x4000,
	{ 0x80, 0x00, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 } };
static const TEEC_UUID uuid_buf = { 0x7e3d0002, 0x0000, 0x4000,
	{ 0x80, 0x00, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 } };
static const TEEC_UUID uuid_shmkeep = { 0x7e3d0004, 0x0000, 0x4000,
	{ 0x80, 0x00, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 } };

static const char *const kind_name[PORT_FAULT_COUNT] = { "alloc", "pin", "map", "alloc_page" };

/* --- what the guest is told ------------------------------------------- */

/* Written by the guest trace (one thread here). */
static struct {
	uint64_t smcs;
	uint64_t bad_a0;        /* undocumented a0 or a0 with high bits */
	uint64_t last_bad_fid, last_bad_a0;
	uint64_t a0_hist[8];    /* std-call a0 0..7 */
} trace;

static bool documented_std_a0(uint64_t a0)
{
	switch (a0) {
	case OPTEE_SMC_RETURN_OK:
	case OPTEE_SMC_RETURN_ETHREAD_LIMIT:
	case OPTEE_SMC_RETURN_EBUSY:      /* OP-TEE's own, passed through */
	case OPTEE_SMC_RETURN_ERESUME:
	case OPTEE_SMC_RETURN_EBADADDR:
	case OPTEE_SMC_RETURN_EBADCMD:
	case OPTEE_SMC_RETURN_ENOMEM:
	case OPTEE_SMC_RETURN_ENOTAVAIL:
	case OPTEE_SMC_RETURN_RPC_ALLOC:
	case OPTEE_SMC_RETURN_RPC_FREE:
	case OPTEE_SMC_RETURN_RPC_FOREIGN_INTR:
	case OPTEE_SMC_RETURN_RPC_CMD:
		return true;
	default:
		return false;
	}
}

static void guest_trace(void *arg, uint16_t guest, uint32_t vcpu, const uint64_t in[8],
			const uint64_t out[8])
{
	uint32_t fid = (uint32_t)in[0];
	bool ok;

	(void)arg;
	(void)guest;
	(void)vcpu;
	trace.smcs++;
	if (fid == OPTEE_SMC_CALL_WITH_ARG || fid == OPTEE_SMC_CALL_RETURN_FROM_RPC) {
		ok = documented_std_a0(out[0]);
		if (out[0] < 8)
			trace.a0_hist[out[0]]++;
	} else {
		/* Fast calls: OP-TEE's answer or the mediator's, zero-extended. */
		ok = (out[0] >> 32) == 0;
	}
	if (!ok) {
		trace.bad_a0++;
		trace.last_bad_fid = fid;
		trace.last_bad_a0 = out[0];
	}
}

/* --- test bookkeeping --------------------------------------------------- */

static unsigned passed, failed;
static const char *cur_op;
static int cur_kind = -1;
static uint64_t cur_n;
static int cur_sticky;
static unsigned run_failures;

#define FAIL(...)                                                                     \
	do {                                                                          \
		run_failures++;                                                       \
		printf("  FAIL %s %s N=%llu%s: ", cur_op,                             \
		       cur_kind >= 0 ? kind_name[cur_kind] : "none",                  \
		       (unsigned long long)cur_n, cur_sticky ? " sticky" : "");        \
		printf(__VA_ARGS__);                                                  \
		printf(" (%s:%d)\n", __FILE__, __LINE__);                             \
	} while (0)

#define CHECK(c)                                  \
	do {                                      \
		if (!(c))                         \
			FAIL("%s", #c);           \
	} while (0)

static void on_alarm(int sig)
{
	char msg[200];
	int n = snprintf(msg, sizeof(msg), "  FAIL %s %s N=%llu%s: hung for %ds\n0 passed, 1 failed\n",
			 cur_op ? cur_op : "?", cur_kind >= 0 ? kind_name[cur_kind] : "none",
			 (unsigned long long)cur_n, cur_sticky ? " sticky" : "", RUN_TIMEOUT_S);

	(void)sig;
	if (n > 0 && write(1, msg, (size_t)n) < 0)
		_exit(2);
	_exit(1);
}

/* --- the fixture: one guest with a probed driver and an open context ---- */

struct fx {
	struct machine *m;
	struct port_sim *ps;
	struct machine_guest *g;
	const struct guest_env *env;
	struct gdrv *drv;
	TEEC_Context ctx;
	bool ctx_open;
	TEEC_Session sess;
	bool sess_open;
	TEEC_SharedMemory shm;
	bool shm_live;
	TEEC_TempMemoryReference tmp;
	bool tmp_live;
	/* the last client-API outcome */
	unsigned results;
};

static struct machine *new_machine(void)
{
	struct machine_config cfg;
	struct machine *m = NULL;

	machine_config_default(&cfg, MACHINE_MEDIATED);
	cfg.phys.region_bytes[PHYS_REGION_GUEST] = 64ull << 20;
	cfg.phys.region_bytes[PHYS_REGION_MEDIATOR] = 8ull << 20;
	/* Two pages per trap: a four-page buffer is translated over three traps. */
	cfg.mediator.work_budget_pages = 2;
	cfg.port.log_level = TEEMED_LOG_ERROR;
	cfg.guest_trace = guest_trace;
	cfg.quiet_violations = 0;
	if (machine_create(&cfg, &m)) {
		printf("machine_create failed\n");
		exit(1);
	}
	return m;
}

static int guest_up(struct fx *f)
{
	struct machine_guest_config gc;

	machine_guest_config_default(&gc);
	gc.vcpus = 1;
	gc.ram_size = GUEST_RAM;
	if (machine_guest_create(f->m, &gc, &f->g))
		return -1;
	f->env = machine_guest_env(f->g, 0);
	return 0;
}

static bool cur_legacy, cur_fresh;

static int driver_up(struct fx *f)
{
	struct gdrv_config dc;

	gdrv_config_default(&dc);
	dc.mode = cur_legacy ? GDRV_MODE_LEGACY : GDRV_MODE_MODERN;
	dc.enumerate_devices = !cur_fresh;
	dc.num_vcpus = 1;
	dc.cq_retry_ms = 20;
	if (gdrv_create(f->env, &dc, &f->drv) != GDRV_OK)
		return -1;
	if (gdrv_probe(f->drv, NULL) != GDRV_OK)
		return -1;
	if (TEEC_InitializeContext(f->drv, &f->ctx) != TEEC_SUCCESS)
		return -1;
	f->ctx_open = true;
	return 0;
}

/* A client-API outcome is clean: success, or an error from a sensible origin. */
static bool clean_result(TEEC_Result res, uint32_t origin)
{
	if (res == TEEC_SUCCESS)
		return true;
	switch (origin) {
	case TEEC_ORIGIN_COMMS:
		return res == TEEC_ERROR_COMMUNICATION || res == TEEC_ERROR_BAD_PARAMETERS ||
		       res == TEEC_ERROR_OUT_OF_MEMORY || res == TEEC_ERROR_GENERIC;
	case TEEC_ORIGIN_API:
		return res == TEEC_ERROR_OUT_OF_MEMORY || res == TEEC_ERROR_BAD_PARAMETERS ||
		       res == TEEC_ERROR_COMMUNICATION || res == TEEC_ERROR_NOT_SUPPORTED;
	case TEEC_ORIGIN_TEE:
	case TEEC_ORIGIN_TRUSTED_APP:
		return (res & 0xFFFF0000u) == 0xFFFF0000u || res == TEEC_ERROR_STORAGE_NOT_AVAILABLE;
	default:
		return false;
	}
}

/* Outcome statistics over the whole sweep, for the summary. */
static unsigned long long n_success, n_error;

static bool outcome(const char *what, TEEC_Result res, uint32_t origin)
{
	if (!clean_result(res, origin))
		FAIL("%s: unclean result 0x%x origin %u", what, res, origin);
	if (res == TEEC_SUCCESS)
		n_success++;
	else
		n_error++;
	return res == TEEC_SUCCESS;
}

static void value_op(TEEC_Operation *op, uint32_t t0, uint32_t t1)
{
	memset(op, 0, sizeof(*op));
	op->paramTypes = TEEC_PARAM_TYPES(t0, t1, TEEC_NONE, TEEC_NONE);
}

/* With faults off: the guest can still open a session and call. */
static void check_usable(struct fx *f)
{
	TEEC_Session s;
	TEEC_Operation op;
	uint32_t origin = 0;
	TEEC_Result res;

	res = TEEC_OpenSession(&f->ctx, &s, &uuid_arith, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	if (res != TEEC_SUCCESS) {
		FAIL("mediator unusable after the fault: open 0x%x origin %u", res, origin);
		return;
	}
	value_op(&op, TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT);
	op.params[0].value.a = 40;
	op.params[0].value.b = 2;
	res = TEEC_InvokeCommand(&s, TA_ARITH_CMD_ADD, &op, &origin);
	if (res != TEEC_SUCCESS || op.params[1].value.a != 42)
		FAIL("mediator unusable after the fault: invoke 0x%x origin %u", res, origin);
	TEEC_CloseSession(&s);
}

/* --- the operations ------------------------------------------------------ */

struct op {
	const char *name;
	/* Before the fault is set: the guest is up, its driver probed. */
	int (*setup)(struct fx *f);
	/* Under the fault. */
	void (*run)(struct fx *f);
	/* After the fault is cleared (optional): what the run left open. */
	void (*cleanup)(struct fx *f);
	bool guest_create;   /* the run is the guest's creation */
	bool guest_destroy;  /* the run is the guest's destruction */
	/*
	 * The guest driver imitates older Linux: CALL_WITH_ARG, and RPC
	 * arguments from RPC ALLOC (else CALL_WITH_REGD_ARG, in-band RPC args).
	 */
	bool legacy;
	/*
	 * No std call before the run (legacy driver, no device enumeration):
	 * the run's first call creates its slot (call object, shadow page).
	 */
	bool fresh;
};

/* Domain create: the run creates the guest (teemed_domain_create). */
static void run_create(struct fx *f)
{
	struct machine_guest_config gc;
	int rc;

	machine_guest_config_default(&gc);
	gc.vcpus = 1;
	gc.ram_size = GUEST_RAM;
	rc = machine_guest_create(f->m, &gc, &f->g);
	if (!rc)
		f->env = machine_guest_env(f->g, 0);
	if (rc) {
		CHECK(rc == -EIO);
		f->g = NULL;
		n_error++;
	} else {
		n_success++;
	}
}

static void run_values(struct fx *f)
{
	TEEC_Session s;
	TEEC_Operation op;
	uint32_t origin = 0;
	TEEC_Result res;

	res = TEEC_OpenSession(&f->ctx, &s, &uuid_arith, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	if (!outcome("open", res, origin))
		return;
	value_op(&op, TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT);
	op.params[0].value.a = 0x1234;
	op.params[0].value.b = 0x4321;
	res = TEEC_InvokeCommand(&s, TA_ARITH_CMD_ADD, &op, &origin);
	if (outcome("invoke add", res, origin))
		CHECK(op.params[1].value.a == 0x5555);
	value_op(&op, TEEC_VALUE_INOUT, TEEC_VALUE_INOUT);
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INOUT, TEEC_VALUE_INOUT, TEEC_VALUE_INOUT,
					 TEEC_VALUE_INOUT);
	op.params[2].value.a = 7;
	op.params[2].value.b = 9;
	res = TEEC_InvokeCommand(&s, TA_ARITH_CMD_INC4, &op, &origin);
	if (outcome("invoke inc4", res, origin))
		CHECK(op.params[2].value.a == 8 && op.params[2].value.b == 11);
	TEEC_CloseSession(&s);
}

static int setup_buf_session(struct fx *f)
{
	uint32_t origin;

	if (TEEC_OpenSession(&f->ctx, &f->sess, &uuid_buf, TEEC_LOGIN_PUBLIC, NULL, NULL,
			     &origin) != TEEC_SUCCESS)
		return -1;
	f->sess_open = true;
	return 0;
}

static int setup_temp(struct fx *f)
{
	if (setup_buf_session(f))
		return -1;
	/* Four pages, scattered, starting 100 bytes into the first. */
	if (teec_temp_alloc(&f->ctx, 3 * PAGE + 200, GDRV_PAGES_SCATTER, &f->tmp) != TEEC_SUCCESS)
		return -1;
	f->tmp_live = true;
	return 0;
}

static void run_temp(struct fx *f)
{
	TEEC_Operation op;
	uint32_t origin = 0;
	TEEC_Result res;
	uint8_t b[64];
	size_t i;

	value_op(&op, TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_OUTPUT);
	op.params[0].value.a = 0x5a;
	op.params[1].tmpref = f->tmp;
	res = TEEC_InvokeCommand(&f->sess, TA_BUF_CMD_FILL, &op, &origin);
	if (outcome("invoke fill", res, origin)) {
		/* The last bytes: on the fourth page. */
		if (teec_temp_read(&f->ctx, &f->tmp, f->tmp.size - sizeof(b), b, sizeof(b)) !=
		    TEEC_SUCCESS) {
			FAIL("temp read");
		} else {
			for (i = 0; i < sizeof(b); i++)
				if (b[i] != 0x5a)
					break;
			if (i != sizeof(b))
				FAIL("fill reported success, byte %zu is 0x%x", i, b[i]);
		}
	}
	value_op(&op, TEEC_MEMREF_TEMP_INOUT, TEEC_NONE);
	op.params[0].tmpref = f->tmp;
	res = TEEC_InvokeCommand(&f->sess, TA_BUF_CMD_REVERSE, &op, &origin);
	outcome("invoke reverse", res, origin);
}

static void cleanup_session(struct fx *f)
{
	if (f->tmp_live)
		teec_temp_free(&f->ctx, &f->tmp);
	f->tmp_live = false;
	if (f->shm_live)
		TEEC_ReleaseSharedMemory(&f->shm);
	f->shm_live = false;
	if (f->sess_open)
		TEEC_CloseSession(&f->sess);
	f->sess_open = false;
}

static void run_register(struct fx *f)
{
	TEEC_SharedMemory shm;
	TEEC_Operation op;
	uint32_t origin = 0;
	TEEC_Result res;
	uint8_t pattern[3 * PAGE];
	size_t i;

	memset(&shm, 0, sizeof(shm));
	shm.size = sizeof(pattern);
	shm.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	res = TEEC_AllocateSharedMemory(&f->ctx, &shm);
	if (!outcome("register", res, TEEC_ORIGIN_API))
		return;
	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 13 + 1);
	if (teec_shm_write(&shm, 0, pattern, sizeof(pattern)) != TEEC_SUCCESS)
		FAIL("shm write");
	value_op(&op, TEEC_MEMREF_PARTIAL_INPUT, TEEC_VALUE_OUTPUT);
	op.params[0].memref.parent = &shm;
	op.params[0].memref.size = sizeof(pattern);
	res = TEEC_InvokeCommand(&f->sess, TA_BUF_CMD_CHECKSUM, &op, &origin);
	if (outcome("invoke rmem", res, origin)) {
		uint64_t h = 0xcbf29ce484222325ull;

		for (i = 0; i < sizeof(pattern); i++) {
			h ^= pattern[i];
			h *= 0x100000001b3ull;
		}
		if (op.params[1].value.a != h)
			FAIL("checksum reported success with a wrong value");
	}
	TEEC_ReleaseSharedMemory(&shm);
}

static void run_shmkeep(struct fx *f)
{
	TEEC_Session s;
	TEEC_Operation op;
	uint32_t origin = 0;
	TEEC_Result res;
	bool kept, filled = false;

	res = TEEC_OpenSession(&f->ctx, &s, &uuid_shmkeep, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	if (!outcome("open shmkeep", res, origin))
		return;
	value_op(&op, TEEC_VALUE_INPUT, TEEC_NONE);
	op.params[0].value.a = 2 * PAGE + 64;
	op.params[0].value.b = OPTEE_RPC_SHM_TYPE_APPL;
	res = TEEC_InvokeCommand(&s, TA_SHMKEEP_CMD_ALLOC, &op, &origin);
	kept = outcome("shm alloc", res, origin);
	value_op(&op, TEEC_VALUE_INPUT, TEEC_NONE);
	op.params[0].value.a = 77;
	res = TEEC_InvokeCommand(&s, TA_SHMKEEP_CMD_FILL, &op, &origin);
	if (kept)
		filled = outcome("shm fill", res, origin);
	value_op(&op, TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT);
	op.params[0].value.a = 77;
	res = TEEC_InvokeCommand(&s, TA_SHMKEEP_CMD_CHECK, &op, &origin);
	if (kept && outcome("shm check", res, origin) && filled && op.params[1].value.a != 1)
		FAIL("shmkeep check reported success, buffer not intact");
	value_op(&op, TEEC_NONE, TEEC_NONE);
	res = TEEC_InvokeCommand(&s, TA_SHMKEEP_CMD_FREE, &op, &origin);
	if (kept)
		outcome("shm free", res, origin);
	TEEC_CloseSession(&s);
}

/*
 * Leave a call suspended with raw SMCs: INVOKE buf CHECKSUM of `pages`
 * scattered pages. Returns the a0 of the first exit.
 */
static uint64_t raw_suspended_call(struct fx *f, size_t pages)
{
	struct optee_msg_param p[2];
	struct optee_msg_arg hdr;
	struct graw_pagelist pl;
	uint64_t ipas[8], arg_ipa, regs[8];

	if (pages > 8 || gdrv_pages_alloc(f->drv, pages, GDRV_PAGES_SCATTER, ipas) ||
	    gdrv_pages_alloc(f->drv, 1, GDRV_PAGES_ANY, &arg_ipa) ||
	    graw_pagelist_build(f->drv, ipas, pages, 0, &pl))
		return ~0ull;
	memset(&hdr, 0, sizeof(hdr));
	memset(p, 0, sizeof(p));
	hdr.cmd = OPTEE_MSG_CMD_INVOKE_COMMAND;
	hdr.func = TA_BUF_CMD_CHECKSUM;
	hdr.session = f->sess.session_id;
	hdr.num_params = 2;
	p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT | OPTEE_MSG_ATTR_NONCONTIG;
	p[0].u.tmem.buf_ptr = pl.buf_ptr;
	p[0].u.tmem.size = pages * PAGE;
	p[0].u.tmem.shm_ref = 0xabc000 + pages;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	if (graw_write_arg(f->env, arg_ipa, &hdr, p, 2))
		return ~0ull;
	memset(regs, 0, sizeof(regs));
	regs[0] = OPTEE_SMC_CALL_WITH_ARG;
	regs[1] = arg_ipa >> 32;
	regs[2] = arg_ipa & 0xFFFFFFFFu;
	graw_smc(f->env, regs);
	return regs[0];
}

/*
 * Destroy with what a guest can leave behind: a registered buffer, an RPC
 * SHM buffer kept by a session, a call preempted by the mediator in the
 * middle of translating four pages (budget two), and a call whose buffer is
 * translated, suspended in OP-TEE's FOREIGN_INTR.
 */
static int setup_destroy(struct fx *f)
{
	TEEC_Session ks;
	TEEC_Operation op;
	uint32_t origin;

	if (setup_buf_session(f))
		return -1;
	memset(&f->shm, 0, sizeof(f->shm));
	f->shm.size = 5 * PAGE;
	f->shm.flags = TEEC_MEM_INPUT;
	if (TEEC_AllocateSharedMemory(&f->ctx, &f->shm) != TEEC_SUCCESS)
		return -1;
	if (TEEC_OpenSession(&f->ctx, &ks, &uuid_shmkeep, TEEC_LOGIN_PUBLIC, NULL, NULL,
			     &origin) != TEEC_SUCCESS)
		return -1;
	value_op(&op, TEEC_VALUE_INPUT, TEEC_NONE);
	op.params[0].value.a = 3 * PAGE;
	op.params[0].value.b = OPTEE_RPC_SHM_TYPE_APPL;
	if (TEEC_InvokeCommand(&ks, TA_SHMKEEP_CMD_ALLOC, &op, &origin) != TEEC_SUCCESS)
		return -1;
	if (raw_suspended_call(f, 4) != OPTEE_SMC_RETURN_RPC_FOREIGN_INTR)
		return -1;
	optee_model_force_foreign_intr(machine_model(f->m), 1);
	if (raw_suspended_call(f, 2) != OPTEE_SMC_RETURN_RPC_FOREIGN_INTR)
		return -1;
	/* Both slots are now held by suspended calls. */
	return 0;
}

static const struct op ops[] = {
	{ "domain-create", NULL, run_create, NULL, true, false, false, false },
	{ "values", NULL, run_values, NULL, false, false, false, false },
	{ "values-legacy", NULL, run_values, NULL, false, false, true, false },
	{ "first-calls", NULL, run_values, NULL, false, false, true, true },
	{ "temp-memref", setup_temp, run_temp, cleanup_session, false, false, false, false },
	{ "temp-legacy", setup_temp, run_temp, cleanup_session, false, false, true, false },
	{ "register-shm", setup_buf_session, run_register, cleanup_session, false, false, false, false },
	{ "register-legacy", setup_buf_session, run_register, cleanup_session, false, false, true, false },
	/* RPC ALLOC (legacy), then CMD SHM_ALLOC, SHM_FREE, RPC FREE at teardown */
	{ "rpc-shm-alloc", NULL, run_shmkeep, NULL, false, false, true, false },
	{ "rpc-shm-inband", NULL, run_shmkeep, NULL, false, false, false, false },
	{ "destroy", setup_destroy, NULL, NULL, false, true, true, false },
	{ "destroy-modern", setup_destroy, NULL, NULL, false, true, false, false },
};

/* --- one run --------------------------------------------------------------- */

struct run_counts {
	uint64_t calls[PORT_FAULT_COUNT];
	uint64_t injected[PORT_FAULT_COUNT];
};

static void clear_faults(struct port_sim *ps)
{
	int k;

	for (k = 0; k < PORT_FAULT_COUNT; k++)
		port_sim_set_fault(ps, (enum port_sim_fault_kind)k, 0, 0);
}

/*
 * Run `o` on a fresh guest with fault (kind, n, sticky) armed around its run
 * (kind < 0: none). Fills *rc with the port calls the run made. Returns the
 * number of failed checks.
 */
static unsigned one_run(struct machine *m, const struct machine_report *base,
			const struct op *o, int kind, uint64_t n, int sticky,
			struct run_counts *rc)
{
	struct fx f;
	struct port_sim_stats st;
	struct machine_report rep;
	struct teemed_stats ds;
	uint64_t bad_before = trace.bad_a0;
	bool abrupt = (n & 1) != 0;
	int k;

	memset(&f, 0, sizeof(f));
	f.m = m;
	f.ps = machine_port(m);
	cur_op = o->name;
	cur_kind = kind;
	cur_n = n;
	cur_sticky = sticky;
	cur_legacy = o->legacy;
	cur_fresh = o->fresh;
	run_failures = 0;
	alarm(RUN_TIMEOUT_S);

	if (!o->guest_create && (guest_up(&f) || driver_up(&f) || (o->setup && o->setup(&f)))) {
		FAIL("setup failed");
		goto teardown;
	}
	clear_faults(f.ps);
	if (kind >= 0)
		port_sim_set_fault(f.ps, (enum port_sim_fault_kind)kind, n, sticky);

	if (o->guest_create) {
		o->run(&f);
	} else if (o->guest_destroy) {
		int drc = machine_guest_destroy(m, f.g);

		if (drc)
			FAIL("guest destroy failed: %d", drc);
		f.g = NULL;
	} else {
		o->run(&f);
	}

	port_sim_stats(f.ps, &st);
	clear_faults(f.ps);
	for (k = 0; k < PORT_FAULT_COUNT; k++) {
		rc->calls[k] = st.calls[k];
		rc->injected[k] = st.injected[k];
	}
	if (kind >= 0 && st.injected[kind] == 0)
		FAIL("the fault was not reached (%llu calls)", (unsigned long long)st.calls[kind]);

	if (o->guest_create && f.g && !o->guest_destroy) {
		if (driver_up(&f))
			FAIL("driver probe after creation failed");
	}
	if (f.g && f.ctx_open) {
		/* The guest is idle: no slot may stay taken. */
		teemed_domain_stats(machine_mediator(m), machine_guest_domain(f.g), &ds);
		if (ds.calls_active)
			FAIL("%llu call slots still busy", (unsigned long long)ds.calls_active);
		check_usable(&f);
		if (o->cleanup)
			o->cleanup(&f);
		if (!abrupt) {
			/* A guest that shuts its driver down first (odd N: killed as is). */
			TEEC_FinalizeContext(&f.ctx);
			gdrv_destroy(f.drv);
			f.ctx_open = false;
		}
	}
teardown:
	if (f.g && machine_guest_destroy(m, f.g))
		FAIL("guest destroy failed");
	f.g = NULL;
	machine_check(m, &rep);
	if (rep.held_total != base->held_total)
		FAIL("leak after teardown: pins %llu, allocs %llu (%llu bytes), pages %llu, "
		     "locks %llu, maps %llu, model allocs %llu (base: allocs %llu, locks %llu)",
		     (unsigned long long)rep.pins, (unsigned long long)rep.allocs,
		     (unsigned long long)rep.alloc_bytes, (unsigned long long)rep.pages,
		     (unsigned long long)rep.locks, (unsigned long long)rep.maps,
		     (unsigned long long)rep.model_allocs, (unsigned long long)base->allocs,
		     (unsigned long long)base->locks);
	if (rep.errors_total != base->errors_total)
		FAIL("errors: violations %llu, map violations %llu, phys %llu, port %llu, "
		     "model %llu, teardown %llu",
		     (unsigned long long)rep.violations, (unsigned long long)rep.map_violations,
		     (unsigned long long)rep.phys_errors, (unsigned long long)rep.port_errors,
		     (unsigned long long)rep.model_errors, (unsigned long long)rep.teardown_errors);
	if (trace.bad_a0 != bad_before)
		FAIL("undocumented a0 0x%llx for function 0x%llx",
		     (unsigned long long)trace.last_bad_a0, (unsigned long long)trace.last_bad_fid);
	alarm(0);
	return run_failures;
}

static void record(unsigned fails)
{
	if (fails)
		failed++;
	else
		passed++;
}

int main(int argc, char **argv)
{
	struct machine_report base, rep;
	struct machine *m;
	size_t i;
	int k, sticky;
	unsigned long long points_total = 0;
	const char *only = argc > 1 ? argv[1] : NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	m = new_machine();
	machine_check(m, &base);

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const struct op *o = &ops[i];
		struct run_counts counts, rc;
		unsigned before_fail = failed, before_pass = passed;

		if (only && strcmp(only, o->name))
			continue;
		/* The points: the operation without faults. */
		record(one_run(m, &base, o, -1, 0, 0, &counts));
		printf("%-14s points:", o->name);
		for (k = 0; k < PORT_FAULT_COUNT; k++)
			printf(" %s %llu", kind_name[k], (unsigned long long)counts.calls[k]);
		printf("\n");
		if (o->guest_destroy) {
			/* Destruction must not depend on memory, pins or maps. */
			cur_op = o->name;
			cur_kind = -1;
			run_failures = 0;
			for (k = 0; k < PORT_FAULT_COUNT; k++)
				if (counts.calls[k])
					FAIL("destroy makes %llu %s calls, expected none",
					     (unsigned long long)counts.calls[k], kind_name[k]);
			record(run_failures);
		}
		for (k = 0; k < PORT_FAULT_COUNT; k++) {
			uint64_t n;

			points_total += counts.calls[k];
			for (sticky = 0; sticky <= 1; sticky++)
				for (n = 1; n <= counts.calls[k]; n++)
					record(one_run(m, &base, o, k, n, sticky, &rc));
		}
		printf("%-14s %u runs passed, %u failed\n", o->name, passed - before_pass,
		       failed - before_fail);
	}
	printf("injection points: %llu (each failed once and sticky); client results: "
	       "%llu success, %llu error; guest SMCs %llu; std a0: OK %llu, ETHREAD_LIMIT %llu, "
	       "EBADADDR %llu, ENOMEM %llu, ERESUME %llu\n",
	       points_total, n_success, n_error, (unsigned long long)trace.smcs,
	       (unsigned long long)trace.a0_hist[0], (unsigned long long)trace.a0_hist[1],
	       (unsigned long long)trace.a0_hist[4], (unsigned long long)trace.a0_hist[6],
	       (unsigned long long)trace.a0_hist[3]);
	if (machine_destroy(m, &rep) != 0) {
		printf("  FAIL machine teardown not clean\n");
		failed++;
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
