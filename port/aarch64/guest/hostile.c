// SPDX-License-Identifier: BSD-2-Clause
/*
 * The hostile guest: the attacks that make sense on hardware, each checked
 * against the answer docs/errors.md documents. It runs while the other
 * guests work, so a mistake of the mediator would let the secure world
 * touch their memory, which the EL3 oracle reports (the run then fails
 * whatever this guest sees).
 *
 *   arguments   foreign, device, unaligned, unmapped, null, read-only,
 *               oversized; RPC_ARG and REGD_ARG variants
 *   memrefs     page lists (the list itself, entries, the next pointer)
 *               pointing at other guests, the device, unaligned or
 *               unmapped pages, read-only pages for outputs; contiguous
 *               TMEM with a guessed PA; guessed and overrun RMEM cookies
 *   identity    resuming calls that are not waiting, with a7 forged;
 *               a7 forged on a new call; RPC ALLOC answered with another
 *               guest's address
 *   fast calls  the hypervisor's own (VM_CREATED, ...)
 *   pinning     remapping pages that are shared with OP-TEE
 *   teardown    powering off with a call suspended in an RPC
 */
#include "work.h"

#include "guest/raw.h"
#include "smccc.h"
#include "teemed/optee_msg.h"
#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"

/* Own cookies start far from other drivers' (0x1000 up): guesses are guesses. */
#define HOSTILE_COOKIE_BASE  0x900000ull
#define GUESSED_COOKIE	     0x1000ull /* another guest driver's first cookie */
#define ALLOC_COOKIE	     0xBAD1ull
#define STEPS_MAX	     64u  /* SMCs of a raw call before giving up */
#define HOSTILE_ROUND_GAP_MS 100u /* between attack rounds */

static struct gdrv *drv;
static const struct guest_env *genv;
static TEEC_Context ctx;
static TEEC_Session s_arith, s_buf, s_sleep;
static uint64_t argp, list, d1, ro_page, hole;

static void regs_call(uint64_t r[8], uint32_t fid, uint64_t a1a2, uint64_t a3, uint64_t a7)
{
	memset(r, 0, 8 * sizeof(*r));
	r[0] = fid;
	r[1] = a1a2 >> 32;
	r[2] = (uint32_t)a1a2;
	r[3] = a3;
	r[7] = a7;
}

/* A whole standard call with the driver's RPC service; the final a0. */
static uint32_t std_call(uint32_t fid, uint64_t a1a2, uint64_t a3, uint64_t a7)
{
	uint64_t r[8];

	regs_call(r, fid, a1a2, a3, a7);
	graw_std_call(drv, r, 0);
	return (uint32_t)r[0];
}

static uint32_t fast_call(uint32_t fid, uint64_t a1, uint64_t a7)
{
	uint64_t r[8] = {fid, a1, 0, 0, 0, 0, 0, a7};

	smc_call(r);
	return (uint32_t)r[0];
}

static void write_arg(uint64_t ipa, uint32_t cmd, uint32_t func, uint32_t session,
		      uint32_t num_params, const struct optee_msg_param *p, size_t n)
{
	struct optee_msg_arg hdr = {.cmd = cmd,
				    .func = func,
				    .session = session,
				    .ret = 0x77,
				    .ret_origin = 0x77,
				    .num_params = num_params};

	graw_write_arg(genv, ipa, &hdr, p, n);
}

static void read_ret(uint64_t ipa, uint32_t *ret, uint32_t *origin)
{
	struct optee_msg_arg hdr;

	graw_read(genv, ipa, &hdr, sizeof(hdr));
	*ret = hdr.ret;
	*origin = hdr.ret_origin;
}

/* An ADD invoke at `ipa` (values only). */
static void write_add(uint64_t ipa)
{
	struct optee_msg_param p[2] = {
	    {.attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, .u.value = {1, 2, 0}},
	    {.attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT},
	};

	write_arg(ipa, OPTEE_MSG_CMD_INVOKE_COMMAND, TA_ARITH_CMD_ADD, s_arith.session_id, 2, p, 2);
}

static void expect_a0(const char *what, uint32_t a0, uint32_t want)
{
	check(a0 == want, "%-52s a0 0x%x (want 0x%x)", what, a0, want);
}

/* CHECKSUM of a memref param `m` on the buf TA: expect ret/origin. */
static void memref_attack(const char *what, const struct optee_msg_param *m, uint32_t func,
			  uint32_t want_ret, uint32_t want_origin)
{
	struct optee_msg_param p[2] = {*m, {.attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT}};
	uint32_t a0, ret, origin;

	if (func == TA_BUF_CMD_FILL) {
		p[1] = *m;
		p[0] = (struct optee_msg_param){.attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT};
	}
	write_arg(argp, OPTEE_MSG_CMD_INVOKE_COMMAND, func, s_buf.session_id, 2, p, 2);
	a0 = std_call(OPTEE_SMC_CALL_WITH_ARG, argp, 0, 0);
	read_ret(argp, &ret, &origin);
	check(a0 == OPTEE_SMC_RETURN_OK && ret == want_ret && origin == want_origin,
	      "%-52s a0 0x%x ret 0x%x origin %u", what, a0, ret, origin);
}

static struct optee_msg_param tmem_list(uint64_t attr, uint64_t buf_ptr, uint64_t size)
{
	return (struct optee_msg_param){.attr = attr | OPTEE_MSG_ATTR_NONCONTIG,
					.u.tmem = {buf_ptr, size, HOSTILE_COOKIE_BASE + 0x777}};
}

static void list_with(uint64_t entry)
{
	graw_write_pagelist_page(genv, list, &entry, 1, 0);
}

static void attack_arguments(void)
{
	uint64_t r[8];

	expect_a0("arg at another guest's PA",
		  std_call(OPTEE_SMC_CALL_WITH_ARG, bi->foreign_ipa, 0, 0),
		  OPTEE_SMC_RETURN_EBADADDR);
	expect_a0("arg on the device page", std_call(OPTEE_SMC_CALL_WITH_ARG, bi->uart_ipa, 0, 0),
		  OPTEE_SMC_RETURN_EBADADDR);
	expect_a0("arg unaligned", std_call(OPTEE_SMC_CALL_WITH_ARG, argp + 8, 0, 0),
		  OPTEE_SMC_RETURN_EBADADDR);
	expect_a0("arg on an unmapped RAM page", std_call(OPTEE_SMC_CALL_WITH_ARG, hole, 0, 0),
		  OPTEE_SMC_RETURN_EBADADDR);
	expect_a0("arg at 0", std_call(OPTEE_SMC_CALL_WITH_ARG, 0, 0, 0),
		  OPTEE_SMC_RETURN_EBADADDR);
	write_arg(argp, OPTEE_MSG_CMD_INVOKE_COMMAND, 0, s_arith.session_id, 200, NULL, 0);
	expect_a0("arg with 200 params", std_call(OPTEE_SMC_CALL_WITH_ARG, argp, 0, 0),
		  OPTEE_SMC_RETURN_EBADADDR);
	expect_a0("RPC_ARG arg at another guest's PA",
		  std_call(OPTEE_SMC_CALL_WITH_RPC_ARG, bi->foreign_ipa, 0, 0),
		  OPTEE_SMC_RETURN_EBADADDR);
	expect_a0("REGD_ARG with another guest's cookie",
		  std_call(OPTEE_SMC_CALL_WITH_REGD_ARG, GUESSED_COOKIE, 0, 0),
		  OPTEE_SMC_RETURN_EBADADDR);
	/* Read-only argument: the call runs, results cannot be written back. */
	write_add(ro_page);
	if (check(hyp_s2_set(ro_page, HYP_S2_RO) == 0, "make a page read-only")) {
		uint32_t ret, origin;

		regs_call(r, OPTEE_SMC_CALL_WITH_ARG, ro_page, 0, 0);
		graw_std_call(drv, r, 0);
		read_ret(ro_page, &ret, &origin);
		check((uint32_t)r[0] == OPTEE_SMC_RETURN_EBADADDR && ret == 0x77,
		      "%-52s a0 0x%x ret 0x%x", "arg on a read-only page", (uint32_t)r[0], ret);
		hyp_s2_set(ro_page, HYP_S2_RW);
	}
	/* a7 is the mediator's: a forged a7 still reaches this guest's own session. */
	write_add(argp);
	expect_a0("new call with a7 = another guest's ID",
		  std_call(OPTEE_SMC_CALL_WITH_ARG, argp, 0, PLAT_CLIENT_ID(0)),
		  OPTEE_SMC_RETURN_OK);
}

static void attack_memrefs(void)
{
	const uint64_t in = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT, out = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
	const uint32_t bp = TEEC_ERROR_BAD_PARAMETERS;
	struct optee_msg_param m;
	uint64_t entries[OPTEE_MSG_PAGELIST_ENTRIES], i;
	TEEC_SharedMemory shm = {.size = 2 * 4096, .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT};
	uint32_t a0, ret, origin;

	m = tmem_list(in, bi->foreign_ipa, 4096);
	memref_attack("page list itself in another guest", &m, TA_BUF_CMD_CHECKSUM, bp,
		      TEEC_ORIGIN_COMMS);
	list_with(bi->foreign_ipa);
	m = tmem_list(in, list, 4096);
	memref_attack("page-list entry in another guest", &m, TA_BUF_CMD_CHECKSUM, bp,
		      TEEC_ORIGIN_COMMS);
	list_with(bi->uart_ipa);
	memref_attack("page-list entry on the device page", &m, TA_BUF_CMD_CHECKSUM, bp,
		      TEEC_ORIGIN_COMMS);
	list_with(d1 + 8);
	memref_attack("page-list entry unaligned", &m, TA_BUF_CMD_CHECKSUM, bp, TEEC_ORIGIN_COMMS);
	list_with(hole);
	memref_attack("page-list entry unmapped", &m, TA_BUF_CMD_CHECKSUM, bp, TEEC_ORIGIN_COMMS);
	for (i = 0; i < OPTEE_MSG_PAGELIST_ENTRIES; i++)
		entries[i] = d1;
	graw_write_pagelist_page(genv, list, entries, OPTEE_MSG_PAGELIST_ENTRIES, bi->foreign_ipa);
	m = tmem_list(in, list, 512 * 4096);
	memref_attack("next list page in another guest", &m, TA_BUF_CMD_CHECKSUM, bp,
		      TEEC_ORIGIN_COMMS);
	if (check(hyp_s2_set(ro_page, HYP_S2_RO) == 0, "make a page read-only")) {
		list_with(ro_page);
		m = tmem_list(out, list, 4096);
		memref_attack("output buffer on a read-only page", &m, TA_BUF_CMD_FILL, bp,
			      TEEC_ORIGIN_COMMS);
		hyp_s2_set(ro_page, HYP_S2_RW);
	}
	/* REGISTER_SHM of another guest's page. */
	list_with(bi->foreign_ipa);
	m = (struct optee_msg_param){.attr =
					 OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG,
				     .u.tmem = {list, 4096, HOSTILE_COOKIE_BASE + 0x555}};
	write_arg(argp, OPTEE_MSG_CMD_REGISTER_SHM, 0, 0, 1, &m, 1);
	a0 = std_call(OPTEE_SMC_CALL_WITH_ARG, argp, 0, 0);
	read_ret(argp, &ret, &origin);
	check(a0 == 0 && ret == bp && origin == TEEC_ORIGIN_COMMS,
	      "%-52s a0 0x%x ret 0x%x origin %u", "REGISTER_SHM of another guest's page", a0, ret,
	      origin);
	/* Contiguous TMEM: a physical address guess. OP-TEE's own answer. */
	m = (struct optee_msg_param){.attr = in, .u.tmem = {PLAT_GUEST_RAM_BASE(0), 4096, 0}};
	memref_attack("contiguous TMEM at a guessed PA", &m, TA_BUF_CMD_CHECKSUM, bp,
		      TEEC_ORIGIN_TEE);
	m = (struct optee_msg_param){.attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT,
				     .u.rmem = {0, 4096, GUESSED_COOKIE}};
	memref_attack("RMEM with another guest's cookie", &m, TA_BUF_CMD_CHECKSUM, bp,
		      TEEC_ORIGIN_TEE);
	if (check(TEEC_AllocateSharedMemory(&ctx, &shm) == TEEC_SUCCESS, "register 2 pages")) {
		m = (struct optee_msg_param){.attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT,
					     .u.rmem = {4096, 2 * 4096, gdrv_shm_cookie(shm.imp)}};
		memref_attack("RMEM past the end of an own buffer", &m, TA_BUF_CMD_CHECKSUM,
			      TEEC_ERROR_SECURITY, TEEC_ORIGIN_TEE);
		/* Pins hold: a page shared with OP-TEE cannot be unmapped or made read-only. */
		{
			size_t np;
			uint32_t off;
			const uint64_t *pages = gdrv_shm_pages(shm.imp, &np, &off);

			check(hyp_s2_set(pages[0], HYP_S2_UNMAPPED) == HYP_BUSY,
			      "unmapping a registered page is refused");
			check(hyp_s2_set(pages[1], HYP_S2_RO) == HYP_BUSY,
			      "write-protecting a registered page is refused");
			TEEC_ReleaseSharedMemory(&shm);
			check(hyp_s2_set(d1, HYP_S2_UNMAPPED) == 0 &&
				  hyp_s2_set(d1, HYP_S2_RW) == 0,
			      "an unshared page can be unmapped and mapped back");
		}
	}
}

/* Run SMCs until something other than FOREIGN_INTR comes back. */
static void skip_intr(uint64_t r[8])
{
	unsigned n = 0;

	while ((uint32_t)r[0] == OPTEE_SMC_RETURN_RPC_FOREIGN_INTR && n++ < STEPS_MAX) {
		uint64_t a3 = r[3];

		regs_call(r, OPTEE_SMC_CALL_RETURN_FROM_RPC, 0, a3, 0);
		smc_call(r);
	}
}

static void attack_identity(void)
{
	uint64_t r[8], a3;
	unsigned n;

	for (n = 0; n < 4; n++) {
		regs_call(r, OPTEE_SMC_CALL_RETURN_FROM_RPC, 0, n, 0);
		smc_call(r);
		expect_a0("resume a call that is not waiting", (uint32_t)r[0],
			  OPTEE_SMC_RETURN_ERESUME);
	}
	regs_call(r, OPTEE_SMC_CALL_RETURN_FROM_RPC, 0, 0, PLAT_CLIENT_ID(0));
	smc_call(r);
	expect_a0("resume with a7 = another guest's ID", (uint32_t)r[0], OPTEE_SMC_RETURN_ERESUME);

	/* A call of our own waits in an RPC: answer its ALLOC with a foreign address. */
	{
		struct optee_msg_param p = {.attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT};

		write_arg(argp, OPTEE_MSG_CMD_INVOKE_COMMAND, TA_SLEEP_CMD_GET_TIME,
			  s_sleep.session_id, 1, &p, 1);
	}
	regs_call(r, OPTEE_SMC_CALL_WITH_ARG, argp, 0, 0);
	smc_call(r);
	skip_intr(r);
	if (!check((uint32_t)r[0] == OPTEE_SMC_RETURN_RPC_ALLOC, "call waits in RPC ALLOC: 0x%x",
		   (uint32_t)r[0]))
		return;
	a3 = r[3];
	regs_call(r, OPTEE_SMC_CALL_RETURN_FROM_RPC, 0, a3 ^ 1, 0);
	smc_call(r);
	expect_a0("resume the other slot while one waits", (uint32_t)r[0],
		  OPTEE_SMC_RETURN_ERESUME);
	regs_call(r, OPTEE_SMC_CALL_RETURN_FROM_RPC, bi->foreign_ipa, a3, 0);
	r[4] = 0;
	r[5] = ALLOC_COOKIE;
	smc_call(r);
	skip_intr(r);
	check((uint32_t)r[0] == OPTEE_SMC_RETURN_RPC_FREE && r[1] == 0 && r[2] == ALLOC_COOKIE,
	      "%-52s a0 0x%x cookie 0x%lx", "RPC ALLOC answered with another guest's PA",
	      (uint32_t)r[0], (unsigned long)r[2]);
	/* Let the call finish: OP-TEE's RPC failed, so does the TA's command. */
	for (n = 0; n < STEPS_MAX &&
		    ((uint32_t)r[0] & OPTEE_SMC_RPC_PREFIX_MASK) == OPTEE_SMC_RPC_PREFIX &&
		    (uint32_t)r[0] != OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
	     n++) {
		a3 = r[3];
		regs_call(r, OPTEE_SMC_CALL_RETURN_FROM_RPC, 0, a3, 0);
		smc_call(r);
	}
	{
		uint32_t ret, origin;

		read_ret(argp, &ret, &origin);
		check((uint32_t)r[0] == OPTEE_SMC_RETURN_OK && ret != TEEC_SUCCESS,
		      "call without an RPC buffer ends: a0 0x%x ret 0x%x", (uint32_t)r[0], ret);
	}
}

static void attack_fast_calls(void)
{
	expect_a0("VM_CREATED from a guest", fast_call(OPTEE_SMC_VM_CREATED, 9, 0),
		  OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	expect_a0("VM_DESTROYED of another guest", fast_call(OPTEE_SMC_VM_DESTROYED, 1, 0),
		  OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	expect_a0("BOOT_SECONDARY", fast_call(OPTEE_SMC_BOOT_SECONDARY, 1, 0),
		  OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	expect_a0("CALL_LOAD_IMAGE", fast_call(OPTEE_SMC_CALL_LOAD_IMAGE, 0, 0),
		  OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	expect_a0("GET_SHM_CONFIG (reserved SHM)", fast_call(OPTEE_SMC_GET_SHM_CONFIG, 0, 0),
		  OPTEE_SMC_RETURN_ENOTAVAIL);
}

/* Leave a call suspended in an RPC, holding pinned pages, and power off. */
static void leave_call_suspended(void)
{
	struct optee_msg_param p = {.attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT};
	uint64_t r[8], a3;

	write_arg(argp, OPTEE_MSG_CMD_INVOKE_COMMAND, TA_SLEEP_CMD_GET_TIME, s_sleep.session_id, 1,
		  &p, 1);
	regs_call(r, OPTEE_SMC_CALL_WITH_ARG, argp, 0, 0);
	smc_call(r);
	skip_intr(r);
	if ((uint32_t)r[0] != OPTEE_SMC_RETURN_RPC_ALLOC)
		return (void)check(false, "suspend a call: 0x%x", (uint32_t)r[0]);
	a3 = r[3];
	regs_call(r, OPTEE_SMC_CALL_RETURN_FROM_RPC, list, a3, 0);
	r[5] = ALLOC_COOKIE + 1;
	smc_call(r);
	skip_intr(r);
	check((uint32_t)r[0] == OPTEE_SMC_RETURN_RPC_CMD,
	      "call left waiting in RPC CMD at power-off: 0x%x", (uint32_t)r[0]);
}

void role_hostile(void)
{
	static const TEEC_UUID arith = TA_ARITH_UUID, buf = TA_BUF_UUID, sleep = TA_SLEEP_UUID;
	struct guest_env env;
	uint64_t base, size, pages[5];
	TEEC_Operation op;
	uint64_t before = checks_failed();
	unsigned round;

	guest_driver_ram(&base, &size);
	env_init(&env, ENV_SMC, base, size);
	drv = driver_start(&env, GDRV_MODE_MODERN, 1, HOSTILE_COOKIE_BASE, false);
	if (!drv)
		return;
	genv = gdrv_env(drv);
	if (!check(TEEC_InitializeContext(drv, &ctx) == TEEC_SUCCESS, "context") ||
	    !check(open_ta(&ctx, &s_arith, &arith) == TEEC_SUCCESS, "open arith") ||
	    !check(open_ta(&ctx, &s_buf, &buf) == TEEC_SUCCESS, "open buf") ||
	    !check(open_ta(&ctx, &s_sleep, &sleep) == TEEC_SUCCESS, "open sleep") ||
	    !check(gdrv_pages_alloc(drv, 5, GDRV_PAGES_ANY, pages) == GDRV_OK, "pages"))
		return;
	argp = pages[0];
	list = pages[1];
	d1 = pages[2];
	ro_page = pages[3];
	hole = pages[4];
	if (check(hyp_s2_set(hole, HYP_S2_UNMAPPED) == 0, "unmap a page of own RAM"))
		env_mark_unmapped(hole, true);
	/* Several rounds, spread out, so the attacks overlap the other guests' work. */
	for (round = 0; round < bi->iterations; round++) {
		attack_arguments();
		attack_memrefs();
		attack_identity();
		attack_fast_calls();
		delay_ms(HOSTILE_ROUND_GAP_MS);
	}
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = 20;
	op.params[0].value.b = 22;
	check(TEEC_InvokeCommand(&s_arith, TA_ARITH_CMD_ADD, &op, NULL) == TEEC_SUCCESS &&
		  op.params[1].value.a == 42,
	      "after all that, a plain INVOKE still works");
	gprintf("%u rounds of attacks done: %lu unexpected answers; now powering off with a call "
		"suspended\n",
		bi->iterations, (unsigned long)(checks_failed() - before));
	leave_call_suspended();
}
