/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: the whole simulated machine, through the mediator.
 *
 * Each input builds a small machine (phys arena of a few MiB, the real
 * OP-TEE model with virtualization, the mediator on the sim port, the
 * isolation oracle) with two guests:
 *
 *  - guest H (hostile), several vCPUs, 64 pages of RAM, driven entirely by
 *    the input: raw SMCs with chosen registers (biased towards OP-TEE
 *    function IDs, slot numbers, its own argument, list and RPC pages),
 *    writes of arguments, parameters and page lists into its RAM, stage-2
 *    changes of its pages (unmap, read-only, remap, MMIO), vCPU switches
 *    (the next SMC comes from another vCPU's env: all on this one thread),
 *    and an "auto" responder that serves OP-TEE's RPCs sensibly so that
 *    sequences get deep into TA calls;
 *  - guest G (good), one vCPU, running a fixed workload through the guest
 *    driver (ARITH adds, BUF checksums over registered shared memory, BUF
 *    fills into temporary memrefs, reversals) whose results are checked.
 *
 * Abort (a libFuzzer crash) when:
 *  - the oracle records an isolation violation, or the port/phys count an
 *    error (a map of an unpinned page, a bad unpin, a frame freed while
 *    pinned...), or the mediator logs at ERROR or WARN level (nothing but a
 *    broken secure world may cause those, and the model is not broken);
 *  - a register a guest gets back (a0..a7, or the pairs a1:a2, a4:a5) holds
 *    a PA of a frame that guest does not own, and the guest did not pass
 *    that value in itself;
 *  - an 8-byte word of one of H's argument or RPC pages changes across an
 *    SMC into such a foreign PA;
 *  - G's workload gets a wrong answer (or, with no fault injected, any
 *    failure: H must not be able to disturb it);
 *  - after the machine is torn down, anything is still held (pins, mediator
 *    allocations, pages, locks, mappings, model allocations) or any error
 *    was counted (machine_destroy's report).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_input.h"
#include "guest/driver.h"
#include "sim/machine/machine.h"
#include "sim/optee/ta_api.h"
#include "teemed/optee_msg.h"
#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PG 4096ull

/* Guest H's RAM layout (page indices). */
#define H_BASE      S2_DEFAULT_RAM_BASE
#define H_PAGES     64u
#define ARG_FIRST   0u  /* 4 argument pages */
#define NARG        4u
#define LIST_FIRST  4u  /* 4 page-list pages */
#define NLIST       4u
#define RPC_FIRST   8u  /* 8 pages for RPC arguments */
#define NRPC        8u
#define DATA_FIRST  16u /* the rest: data */
#define H_VCPUS_MAX 3u

#define G_PAGES     512u

#define MAX_SLOTS   8u
#define MAX_SMCS    3000u
#define MAX_WATCH   (NARG + NRPC)

static int verbose = -1;

static void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void vlog(const char *fmt, ...)
{
	va_list ap;

	if (verbose <= 0)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static _Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_machine: FINDING: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

struct slot_state {
	bool waiting;     /* the last exit on this slot was an RPC */
	uint64_t arg;     /* the call's argument IPA, if known */
	uint32_t a0;
	uint64_t a1, a2;
};

struct rpcbuf {
	bool live;
	uint64_t cookie;  /* the guest's */
	uint64_t ipa;
};

struct good {
	struct gdrv *drv;
	bool have_arith, have_buf;
	uint32_t s_arith, s_buf;
	struct gdrv_shm *shm;
	unsigned step;
	uint64_t ctr;
};

struct hs {
	struct fin in;
	struct machine *m;
	struct phys *phys;
	struct oracle *oracle;
	struct port_sim *port;
	struct machine_guest *hg, *gg;
	struct stage2 *hs2;
	uint16_t hid;
	uint32_t nvcpus, vcpu;
	unsigned smcs;
	bool faults;             /* a port fault was injected */
	struct slot_state slot[MAX_SLOTS];
	uint32_t last_slot;
	struct rpcbuf rpc[NRPC];
	uint64_t next_cookie;
	uint64_t cookies[8];     /* cookies H used for its shared memory */
	uint32_t ncookies;
	uint32_t sessions[4];
	uint32_t nsessions;
	struct {
		uint64_t cookie;
		uint64_t ipa;    /* IPA of the buffer's first byte */
	} regd[8];
	uint32_t nregd;
	uint64_t watch_ipa[MAX_WATCH];
	uint8_t snap[MAX_WATCH][PG];
	bool snap_ok[MAX_WATCH];
	struct good good;
};

static struct hs S;

static const struct ta_uuid ta_uuids[] = {
	TA_DEVENUM_UUID, TA_ARITH_UUID, TA_BUF_UUID, TA_STORAGE_UUID,
	TA_SHMKEEP_UUID, TA_SLEEP_UUID, TA_PANIC_UUID,
};
#define NTAS (sizeof(ta_uuids) / sizeof(ta_uuids[0]))

static void uuid_octets(const struct ta_uuid *u, uint8_t out[16])
{
	out[0] = (uint8_t)(u->time_low >> 24);
	out[1] = (uint8_t)(u->time_low >> 16);
	out[2] = (uint8_t)(u->time_low >> 8);
	out[3] = (uint8_t)u->time_low;
	out[4] = (uint8_t)(u->time_mid >> 8);
	out[5] = (uint8_t)u->time_mid;
	out[6] = (uint8_t)(u->time_hi_and_version >> 8);
	out[7] = (uint8_t)u->time_hi_and_version;
	memcpy(out + 8, u->clock_seq_and_node, 8);
}

/* ------------------------------------------------------------------------ */
/* Checks                                                                    */

static uint64_t pair(uint64_t hi, uint64_t lo)
{
	return (hi << 32) | (lo & 0xFFFFFFFFu);
}

static bool in_regs(const uint64_t in[8], uint64_t v)
{
	for (int i = 0; i < 8; i++)
		if (in[i] == v)
			return true;
	return false;
}

/* Every SMC of either guest: no foreign PA may come back in a register. */
static void trace_regs(void *arg, uint16_t guest, uint32_t vcpu, const uint64_t in[8],
		       const uint64_t out[8])
{
	struct hs *s = arg;
	static const int pairs[][2] = { { 1, 2 }, { 2, 3 }, { 4, 5 } };

	for (int i = 0; i < 8; i++)
		if (!in_regs(in, out[i]) && phys_pa_is_foreign_to(s->phys, guest, out[i]))
			die("guest %u vcpu %u: SMC 0x%llx returned a%d = 0x%llx, a foreign PA",
			    guest, vcpu, (unsigned long long)in[0], i, (unsigned long long)out[i]);
	for (size_t k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++) {
		uint64_t v = pair(out[pairs[k][0]], out[pairs[k][1]]);
		uint64_t w = pair(in[pairs[k][0]], in[pairs[k][1]]);

		if (v != w && phys_pa_is_foreign_to(s->phys, guest, v))
			die("guest %u vcpu %u: SMC 0x%llx returned a%d:a%d = 0x%llx, a foreign PA",
			    guest, vcpu, (unsigned long long)in[0], pairs[k][0], pairs[k][1],
			    (unsigned long long)v);
	}
}

static void check_machine(const char *when)
{
	struct port_sim_stats ps;
	struct machine_report rep;

	machine_check(S.m, &rep);
	port_sim_stats(S.port, &ps);
	if (rep.errors_total) {
		oracle_print_records(S.oracle);
		machine_report_print(&rep, stderr);
		die("%s: machine errors (violations %llu)", when,
		    (unsigned long long)rep.violations);
	}
	if (ps.log_lines[TEEMED_LOG_ERROR] || ps.log_lines[TEEMED_LOG_WARN])
		die("%s: mediator logged %llu ERROR and %llu WARN line(s)", when,
		    (unsigned long long)ps.log_lines[TEEMED_LOG_ERROR],
		    (unsigned long long)ps.log_lines[TEEMED_LOG_WARN]);
}

/* Snapshot H's argument and RPC pages before an SMC. */
static unsigned watch_set(void)
{
	unsigned n = 0, i;

	for (i = 0; i < NARG; i++)
		S.watch_ipa[n++] = H_BASE + (ARG_FIRST + i) * PG;
	for (i = 0; i < NRPC; i++)
		S.watch_ipa[n++] = H_BASE + (RPC_FIRST + i) * PG;
	return n;
}

static void watch_before(void)
{
	unsigned n = watch_set();

	for (unsigned i = 0; i < n; i++) {
		const void *p = stage2_guest_ptr(S.hs2, S.watch_ipa[i]);

		S.snap_ok[i] = p != NULL;
		if (p)
			memcpy(S.snap[i], p, PG);
	}
}

static void watch_after(uint64_t fid)
{
	unsigned n = watch_set();

	for (unsigned i = 0; i < n; i++) {
		const uint64_t *p = stage2_guest_ptr(S.hs2, S.watch_ipa[i]);
		const uint64_t *o = (const uint64_t *)S.snap[i];

		if (!p || !S.snap_ok[i])
			continue;
		for (unsigned w = 0; w < PG / 8; w++)
			if (p[w] != o[w] && phys_pa_is_foreign_to(S.phys, S.hid, p[w]))
				die("SMC 0x%llx wrote foreign PA 0x%llx into H's page 0x%llx +0x%x",
				    (unsigned long long)fid, (unsigned long long)p[w],
				    (unsigned long long)S.watch_ipa[i], w * 8);
	}
}

/* ------------------------------------------------------------------------ */
/* Guest H: memory                                                           */

static uint64_t h_page(uint32_t idx)
{
	return H_BASE + (uint64_t)idx * PG;
}

/* Write as the guest would: only into its read-write RAM. */
static void h_write(uint64_t ipa, const void *src, size_t len)
{
	const uint8_t *b = src;

	while (len) {
		uint64_t pa = 0, off = ipa & (PG - 1);
		size_t n = (size_t)(PG - off) < len ? (size_t)(PG - off) : len;
		uint8_t *p;

		if (stage2_lookup(S.hs2, ipa, &pa) == S2_RAM_RW) {
			p = stage2_guest_ptr(S.hs2, ipa & ~(PG - 1));
			if (p)
				memcpy(p + off, b, n);
		}
		ipa += n;
		b += n;
		len -= n;
	}
}

static bool h_read(uint64_t ipa, void *dst, size_t len)
{
	uint64_t pa = 0;
	const uint8_t *p;
	enum s2_type t = stage2_lookup(S.hs2, ipa, &pa);

	if ((t != S2_RAM_RW && t != S2_RAM_RO) || (ipa & (PG - 1)) + len > PG)
		return false;
	p = stage2_guest_ptr(S.hs2, ipa & ~(PG - 1));
	if (!p)
		return false;
	memcpy(dst, p + (ipa & (PG - 1)), len);
	return true;
}

/* An IPA as the hostile guest would pick it. */
static uint64_t pick_ipa(uint32_t first, uint32_t count)
{
	switch (fin_u8(&S.in) % 16) {
	case 0:
		return h_page(fin_below(&S.in, H_PAGES));
	case 1: {
		uint64_t ipa = h_page(fin_below(&S.in, H_PAGES));

		return ipa + (fin_u16(&S.in) & (PG - 1));
	}
	case 2:
		return H_BASE + H_PAGES * PG + (uint64_t)fin_u8(&S.in) * PG; /* past RAM */
	case 3:
		return H_BASE - PG * (1 + fin_u8(&S.in) % 4);
	case 4:
		return 0;
	case 5:
		return fin_val(&S.in);
	default:
		return h_page(first + fin_below(&S.in, count));
	}
}

static uint64_t pick_arg(void)
{
	return pick_ipa(ARG_FIRST, NARG);
}

static uint64_t pick_list(void)
{
	return pick_ipa(LIST_FIRST, NLIST);
}

static uint64_t pick_data(void)
{
	return pick_ipa(DATA_FIRST, H_PAGES - DATA_FIRST);
}

/* A cookie: mostly one of a few; never a value that could pass for a PA. */
static uint64_t pick_cookie(void)
{
	uint64_t c;

	if (fin_u8(&S.in) % 4 && S.ncookies)
		return S.cookies[fin_below(&S.in, S.ncookies)];
	c = fin_u8(&S.in) % 4 ? 0x1000u + (uint64_t)(fin_u8(&S.in) % 16) : fin_val(&S.in);
	if (phys_contains(S.phys, c, 0))
		c ^= 1ull << 63;
	return c;
}

static void note_cookie(uint64_t c)
{
	for (uint32_t i = 0; i < S.ncookies; i++)
		if (S.cookies[i] == c)
			return;
	if (S.ncookies < 8)
		S.cookies[S.ncookies++] = c;
	else
		S.cookies[c % 8] = c;
}

/* ------------------------------------------------------------------------ */
/* Guest H: SMCs                                                             */

static bool budget_left(void)
{
	return S.smcs < MAX_SMCS;
}

/* One SMC from H's current vCPU; returns the slot of an RPC exit, or -1. */
static int h_smc(uint64_t r[8])
{
	const struct guest_env *env = machine_guest_env(S.hg, S.vcpu);
	uint64_t fid = r[0];
	int ret = -1;

	if (!budget_left())
		return -1;
	S.smcs++;
	vlog("H%u smc %08llx %llx %llx %llx a4 %llx a5 %llx", S.vcpu, (unsigned long long)r[0],
	     (unsigned long long)r[1], (unsigned long long)r[2], (unsigned long long)r[3],
	     (unsigned long long)r[4], (unsigned long long)r[5]);
	watch_before();
	env->smc(env->ctx, r);
	watch_after(fid);
	vlog(" -> %llx %llx %llx %llx\n", (unsigned long long)r[0], (unsigned long long)r[1],
	     (unsigned long long)r[2], (unsigned long long)r[3]);
	if (optee_smc_return_is_rpc((uint32_t)r[0])) {
		uint32_t sl = (uint32_t)r[3];

		if (sl >= MAX_SLOTS)
			die("RPC exit 0x%llx with slot a3 = 0x%llx", (unsigned long long)r[0],
			    (unsigned long long)r[3]);
		S.slot[sl].waiting = true;
		S.slot[sl].a0 = (uint32_t)r[0];
		S.slot[sl].a1 = r[1];
		S.slot[sl].a2 = r[2];
		S.last_slot = sl;
		ret = (int)sl;
	}
	if (oracle_violations(S.oracle))
		check_machine("after H's SMC");
	return ret;
}

static uint32_t pick_slot(void)
{
	switch (fin_u8(&S.in) % 8) {
	case 0:
		return fin_u8(&S.in) % MAX_SLOTS;
	case 1:
		return (uint32_t)fin_val(&S.in);
	default:
		for (uint32_t i = 0; i < MAX_SLOTS; i++) {
			uint32_t k = (S.last_slot + i) % MAX_SLOTS;

			if (S.slot[k].waiting)
				return k;
		}
		return S.last_slot;
	}
}

/* An OPEN_SESSION that completed: remember its session for INVOKEs. */
static void note_session(uint64_t arg_ipa)
{
	struct optee_msg_arg a;

	if (!arg_ipa || !h_read(arg_ipa, &a, sizeof(a)))
		return;
	vlog("  call at 0x%llx done: cmd %u ret 0x%x origin %u session %u\n",
	     (unsigned long long)arg_ipa, a.cmd, a.ret, a.ret_origin, a.session);
	if (a.cmd == OPTEE_MSG_CMD_OPEN_SESSION && a.ret == 0 && S.nsessions < 4)
		S.sessions[S.nsessions++] = a.session;
}

static void resume_slot(uint32_t sl, uint64_t r[8])
{
	uint64_t arg = sl < MAX_SLOTS ? S.slot[sl].arg : 0;

	r[0] = OPTEE_SMC_CALL_RETURN_FROM_RPC;
	r[3] = sl;
	if (sl < MAX_SLOTS)
		S.slot[sl].waiting = false;
	if (h_smc(r) < 0 && r[0] == OPTEE_SMC_RETURN_OK && arg) {
		note_session(arg);
		S.slot[sl].arg = 0;
	}
}

static int op_std_call(uint64_t arg_ipa)
{
	uint64_t r[8] = { OPTEE_SMC_CALL_WITH_ARG, arg_ipa >> 32, arg_ipa & 0xFFFFFFFFu,
			  OPTEE_SMC_SHM_CACHED, 0, 0, 0, 0 };
	int sl;

	if (fin_u8(&S.in) % 8 == 0) {
		r[1] = fin_val(&S.in);
		r[3] = fin_val(&S.in);
		r[7] = fin_val(&S.in);
	}
	if (fin_u8(&S.in) % 16 == 0)
		r[0] |= (uint64_t)fin_u32(&S.in) << 32; /* SMC32: upper half ignored */
	sl = h_smc(r);
	if (sl >= 0)
		S.slot[sl].arg = arg_ipa & ~(PG - 1);
	else if (r[0] == OPTEE_SMC_RETURN_OK)
		note_session(arg_ipa & ~(PG - 1));
	return sl;
}

static const uint32_t fast_fids[] = {
	OPTEE_SMC_CALLS_COUNT, OPTEE_SMC_CALLS_UID, OPTEE_SMC_CALLS_REVISION,
	OPTEE_SMC_CALL_GET_OS_UUID, OPTEE_SMC_CALL_GET_OS_REVISION, OPTEE_SMC_GET_SHM_CONFIG,
	OPTEE_SMC_L2CC_MUTEX, OPTEE_SMC_EXCHANGE_CAPABILITIES, OPTEE_SMC_DISABLE_SHM_CACHE,
	OPTEE_SMC_ENABLE_SHM_CACHE, OPTEE_SMC_BOOT_SECONDARY, OPTEE_SMC_VM_CREATED,
	OPTEE_SMC_VM_DESTROYED, OPTEE_SMC_GET_THREAD_COUNT, OPTEE_SMC_ENABLE_ASYNC_NOTIF,
	OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, OPTEE_SMC_GET_PROTMEM_CONFIG, OPTEE_SMC_CALL_LOAD_IMAGE,
	OPTEE_SMC_CALL_WITH_RPC_ARG, OPTEE_SMC_CALL_WITH_REGD_ARG,
};

static void op_fast(void)
{
	uint64_t r[8];

	for (int i = 1; i < 8; i++)
		r[i] = fin_u8(&S.in) % 2 ? fin_val(&S.in) : 0;
	r[0] = fast_fids[fin_below(&S.in, sizeof(fast_fids) / sizeof(fast_fids[0]))];
	h_smc(r);
}

static void op_raw_smc(void)
{
	uint64_t r[8];

	switch (fin_u8(&S.in) % 4) {
	case 0:
		r[0] = fin_u32(&S.in);
		break;
	case 1:
		r[0] = 0xB2000000u | (fin_u8(&S.in) % 0x20);
		break;
	case 2:
		r[0] = 0x32000000u | (fin_u8(&S.in) % 0x20);
		break;
	default:
		r[0] = fin_u64(&S.in);
		break;
	}
	r[1] = fin_u8(&S.in) % 2 ? pick_arg() >> 32 : fin_val(&S.in);
	r[2] = fin_u8(&S.in) % 2 ? pick_arg() & 0xFFFFFFFFu : fin_val(&S.in);
	r[3] = fin_u8(&S.in) % 2 ? pick_slot() : fin_val(&S.in);
	for (int i = 4; i < 8; i++)
		r[i] = fin_val(&S.in);
	h_smc(r);
}

/* RETURN_FROM_RPC with chosen registers (an ALLOC answer, garbage, ...). */
static void op_resume(void)
{
	uint64_t r[8] = { 0 };
	uint32_t sl = pick_slot();
	uint64_t ipa;

	switch (fin_u8(&S.in) % 4) {
	case 0: /* an RPC argument page: maybe unaligned, foreign, MMIO... */
		ipa = pick_ipa(RPC_FIRST, NRPC);
		r[1] = ipa >> 32;
		r[2] = ipa & 0xFFFFFFFFu;
		break;
	case 1:
		r[1] = fin_val(&S.in);
		r[2] = fin_val(&S.in);
		break;
	default:
		break;
	}
	if (fin_u8(&S.in) % 2) {
		uint64_t c = pick_cookie();

		r[4] = c >> 32;
		r[5] = c & 0xFFFFFFFFu;
	}
	if (fin_u8(&S.in) % 8 == 0) {
		r[6] = fin_val(&S.in);
		r[7] = fin_val(&S.in);
	}
	resume_slot(sl, r);
}

/* ------------------------------------------------------------------------ */
/* Guest H: arguments, parameters, page lists                               */

static const uint64_t attrs[] = {
	OPTEE_MSG_ATTR_TYPE_NONE,
	OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT,
	OPTEE_MSG_ATTR_TYPE_VALUE_INOUT,
	OPTEE_MSG_ATTR_TYPE_RMEM_INPUT, OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT,
	OPTEE_MSG_ATTR_TYPE_RMEM_INOUT,
	OPTEE_MSG_ATTR_TYPE_TMEM_INPUT | OPTEE_MSG_ATTR_NONCONTIG,
	OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG,
	OPTEE_MSG_ATTR_TYPE_TMEM_INOUT | OPTEE_MSG_ATTR_NONCONTIG,
	OPTEE_MSG_ATTR_TYPE_TMEM_INPUT, OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT,
	OPTEE_MSG_ATTR_META | OPTEE_MSG_ATTR_TYPE_VALUE_INPUT,
	OPTEE_MSG_ATTR_TYPE_RMEM_INPUT | OPTEE_MSG_ATTR_NONCONTIG,
};

static uint64_t pick_size(void)
{
	switch (fin_u8(&S.in) % 8) {
	case 0:
		return 0;
	case 1:
		return fin_u8(&S.in) + 1;
	case 2:
		return (uint64_t)(1 + fin_u8(&S.in) % 8) * PG;
	case 3:
		return (uint64_t)(1 + fin_u8(&S.in) % 8) * PG - fin_u8(&S.in);
	case 4:
		return fin_val(&S.in);
	case 5:
		return (uint64_t)(1 + fin_u16(&S.in) % 2100) * PG; /* around the limits */
	default:
		return fin_u16(&S.in);
	}
}

/*
 * A value H writes into memory that OP-TEE may echo (TA parameters come back
 * in RPC arguments): never one that passes for a PA of the arena, which the
 * fuzzer can learn from the model's comparisons.
 */
static uint64_t clean(uint64_t v)
{
	return phys_contains(S.phys, v, 0) ? v ^ (1ull << 63) : v;
}

static void gen_param(struct optee_msg_param *p)
{
	uint64_t attr;

	if (fin_u8(&S.in) % 16 == 0)
		attr = fin_val(&S.in);
	else
		attr = attrs[fin_below(&S.in, sizeof(attrs) / sizeof(attrs[0]))];
	if (fin_u8(&S.in) % 16 == 0)
		attr |= (uint64_t)(fin_u8(&S.in) % 8) << OPTEE_MSG_ATTR_CACHE_SHIFT;
	memset(p, 0, sizeof(*p));
	p->attr = attr;
	switch (attr & OPTEE_MSG_ATTR_TYPE_MASK) {
	case OPTEE_MSG_ATTR_TYPE_TMEM_INPUT:
	case OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT:
	case OPTEE_MSG_ATTR_TYPE_TMEM_INOUT:
		if (fin_u8(&S.in) % 8) {
			p->u.tmem.buf_ptr = pick_list();
			if (fin_u8(&S.in) % 2)
				p->u.tmem.buf_ptr &= ~(PG - 1);
		}
		p->u.tmem.size = pick_size();
		p->u.tmem.shm_ref = pick_cookie();
		break;
	case OPTEE_MSG_ATTR_TYPE_RMEM_INPUT:
	case OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT:
	case OPTEE_MSG_ATTR_TYPE_RMEM_INOUT:
		p->u.rmem.offs = fin_u8(&S.in) % 2 ? fin_u16(&S.in) : fin_val(&S.in);
		p->u.rmem.size = pick_size();
		p->u.rmem.shm_ref = pick_cookie();
		break;
	default:
		p->u.value.a = fin_val(&S.in);
		p->u.value.b = fin_val(&S.in);
		p->u.value.c = fin_u8(&S.in) % 4 ? 0 : fin_val(&S.in);
		break;
	}
	p->u.value.a = clean(p->u.value.a);
	p->u.value.b = clean(p->u.value.b);
	p->u.value.c = clean(p->u.value.c);
}

static uint32_t pick_num_params(void)
{
	switch (fin_u8(&S.in) % 8) {
	case 0:
		return 127 + fin_u8(&S.in) % 4;
	case 1:
		return fin_u32(&S.in);
	default:
		return fin_u8(&S.in) % 7;
	}
}

static void write_arg(uint64_t ipa, const struct optee_msg_arg *hdr,
		      const struct optee_msg_param *p, uint32_t n)
{
	h_write(ipa, hdr, sizeof(*hdr));
	h_write(ipa + sizeof(*hdr), p, n * sizeof(*p));
}

static void op_write_arg(void)
{
	struct optee_msg_param p[7];
	struct optee_msg_arg a;
	uint64_t ipa = pick_arg();
	uint32_t n, i, np;

	memset(&a, 0, sizeof(a));
	a.cmd = fin_u8(&S.in) % 8 ? fin_u8(&S.in) % 12 : fin_u32(&S.in);
	a.func = fin_u8(&S.in) % 8;
	a.session = S.nsessions && fin_u8(&S.in) % 4 ? S.sessions[fin_below(&S.in, S.nsessions)]
						    : fin_u32(&S.in);
	a.cancel_id = fin_u8(&S.in) % 4 ? 0 : fin_u32(&S.in);
	n = pick_num_params();
	a.num_params = n;
	np = n < 7 ? n : 7;
	for (i = 0; i < np; i++)
		gen_param(&p[i]);
	if (a.cmd == OPTEE_MSG_CMD_REGISTER_SHM && np >= 1 && fin_u8(&S.in) % 4) {
		p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
		p[0].u.tmem.buf_ptr = pick_list() & ~(PG - 1);
		if (fin_u8(&S.in) % 2 == 0)
			p[0].u.tmem.buf_ptr |= fin_u16(&S.in) & (PG - 1);
		note_cookie(p[0].u.tmem.shm_ref);
	}
	write_arg(ipa & ~(PG - 1), &a, p, np);
}

/* OPEN_SESSION to one of the model's TAs, with TA parameters. */
static void op_write_open(void)
{
	struct optee_msg_param p[7];
	struct optee_msg_arg a;
	uint64_t ipa = pick_arg();
	uint32_t nta = fin_u8(&S.in) % 6, i;
	uint8_t oct[16];

	memset(&a, 0, sizeof(a));
	memset(p, 0, sizeof(p));
	a.cmd = OPTEE_MSG_CMD_OPEN_SESSION;
	a.num_params = 2 + (nta > 4 ? 4 : nta);
	p[0].attr = OPTEE_MSG_ATTR_META | OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p[1].attr = OPTEE_MSG_ATTR_META | OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	uuid_octets(&ta_uuids[fin_below(&S.in, NTAS)], oct);
	if (fin_u8(&S.in) % 16 == 0)
		oct[fin_u8(&S.in) % 16] ^= fin_u8(&S.in);
	memcpy(p[0].u.octets, oct, 16);
	p[1].u.value.c = fin_u8(&S.in) % 8 ? TEEC_LOGIN_PUBLIC : fin_u32(&S.in);
	for (i = 2; i < a.num_params; i++)
		gen_param(&p[i]);
	write_arg(ipa & ~(PG - 1), &a, p, a.num_params);
}

/* INVOKE_COMMAND on a known session with TA-shaped parameters. */
static void op_write_invoke(void)
{
	struct optee_msg_param p[4];
	struct optee_msg_arg a;
	uint64_t ipa = pick_arg();
	uint32_t i;

	memset(&a, 0, sizeof(a));
	a.cmd = OPTEE_MSG_CMD_INVOKE_COMMAND;
	a.func = fin_u8(&S.in) % 6;
	a.session = S.nsessions ? S.sessions[fin_below(&S.in, S.nsessions)] : fin_u8(&S.in);
	a.num_params = 4;
	for (i = 0; i < 4; i++)
		gen_param(&p[i]);
	write_arg(ipa & ~(PG - 1), &a, p, 4);
}

/* One page of a page list: entries mostly data pages, the next pointer. */
static void op_write_list(void)
{
	uint64_t list = pick_list() & ~(PG - 1);
	uint64_t e[512];
	uint32_t n, i, base, stride;

	memset(e, 0, sizeof(e));
	switch (fin_u8(&S.in) % 4) {
	case 0:
		n = 511;
		break;
	case 1:
		n = fin_below(&S.in, 512);
		break;
	default:
		n = 1 + fin_u8(&S.in) % 16;
		break;
	}
	base = DATA_FIRST + fin_below(&S.in, H_PAGES - DATA_FIRST);
	stride = fin_u8(&S.in) % 3;
	for (i = 0; i < n; i++) {
		if (fin_left(&S.in) && fin_u8(&S.in) % 4 == 0)
			e[i] = pick_data();
		else
			e[i] = h_page(DATA_FIRST + (base - DATA_FIRST + i * stride) %
						     (H_PAGES - DATA_FIRST));
	}
	if (fin_u8(&S.in) % 2) {
		e[511] = pick_list();
		if (fin_u8(&S.in) % 4)
			e[511] &= ~(PG - 1);
	}
	h_write(list, e, sizeof(e));
}

/* A few raw bytes anywhere in H's pages (headers, fields, replies). */
static void op_write_raw(void)
{
	uint64_t ipa = h_page(fin_below(&S.in, H_PAGES));
	uint64_t v;

	ipa += fin_u16(&S.in) & (PG - 1) & ~7ull;
	v = fin_u8(&S.in) % 2 ? fin_val(&S.in) : pick_ipa(0, H_PAGES);

	if (phys_contains(S.phys, v, 0))
		v ^= 1ull << 63;
	h_write(ipa, &v, fin_u8(&S.in) % 2 ? 8 : 4);
}

/* ------------------------------------------------------------------------ */
/* Guest H: RPC answers                                                      */

static struct rpcbuf *rpc_by_cookie(uint64_t c)
{
	for (unsigned i = 0; i < NRPC; i++)
		if (S.rpc[i].live && S.rpc[i].cookie == c)
			return &S.rpc[i];
	return NULL;
}

/* Page list of `npages` data pages at list page `lp` (plus following). */
static uint64_t build_list(uint32_t lp, uint32_t npages, uint32_t first_data)
{
	uint64_t e[512];
	uint32_t k = 0, i;

	while (npages && k < NLIST) {
		uint32_t n = npages < 511 ? npages : 511;

		memset(e, 0, sizeof(e));
		for (i = 0; i < n; i++)
			e[i] = h_page(DATA_FIRST + (first_data + i) % (H_PAGES - DATA_FIRST));
		first_data += n;
		npages -= n;
		if (npages)
			e[511] = h_page(LIST_FIRST + (lp + k + 1) % NLIST);
		h_write(h_page(LIST_FIRST + (lp + k) % NLIST), e, sizeof(e));
		k++;
	}
	return h_page(LIST_FIRST + lp % NLIST);
}

/* Answer an RPC CMD in the page behind guest cookie `c`. */
static void answer_cmd(uint64_t c, bool sensible)
{
	struct rpcbuf *rb = rpc_by_cookie(c);
	struct optee_msg_arg a;
	struct optee_msg_param p[4];
	uint64_t ipa;

	if (!rb)
		return;
	ipa = rb->ipa;
	if (!h_read(ipa, &a, sizeof(a)) || !h_read(ipa + sizeof(a), p, sizeof(p)))
		return;
	a.ret = TEEC_SUCCESS;
	a.ret_origin = 0;
	switch (a.cmd) {
	case OPTEE_RPC_CMD_SHM_ALLOC: {
		uint64_t size = p[0].u.value.b, np = (size + PG - 1) / PG;
		uint64_t cookie = 0x5000 + S.next_cookie++;

		if (!sensible) {
			gen_param(&p[0]);
			if (fin_u8(&S.in) % 2) {
				p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
				p[0].u.tmem.size = fin_u8(&S.in) % 2 ? size : pick_size();
			}
			if (fin_u8(&S.in) % 4 == 0)
				a.num_params = fin_u8(&S.in) % 3;
			if (fin_u8(&S.in) % 8 == 0)
				a.ret = (uint32_t)fin_val(&S.in);
			note_cookie(p[0].u.tmem.shm_ref);
			break;
		}
		if (!np)
			np = 1;
		p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
		p[0].u.tmem.buf_ptr = build_list((uint32_t)(cookie % NLIST),
						 np > 4 * 511 ? 4 * 511 : (uint32_t)np,
						 (uint32_t)(cookie * 5));
		p[0].u.tmem.size = size;
		p[0].u.tmem.shm_ref = cookie;
		note_cookie(cookie);
		break;
	}
	case OPTEE_RPC_CMD_FS:
		a.ret = p[0].u.value.a == OPTEE_RPC_FS_OPEN ? TEEC_ERROR_ITEM_NOT_FOUND
							    : TEEC_SUCCESS;
		if (p[0].u.value.a == OPTEE_RPC_FS_CREATE)
			p[2].u.value.a = 3;
		break;
	case OPTEE_RPC_CMD_GET_TIME:
		p[0].u.value.a = 1;
		p[0].u.value.b = 2;
		break;
	default:
		break;
	}
	if (!sensible) {
		for (int i = 1; i < 4; i++)
			if (fin_u8(&S.in) % 4 == 0)
				gen_param(&p[i]);
		if (fin_u8(&S.in) % 8 == 0)
			a.ret = (uint32_t)fin_val(&S.in);
	}
	h_write(ipa, &a, sizeof(a));
	h_write(ipa + sizeof(a), p, sizeof(p));
}

/* Serve slot `sl` as a reasonable driver would, for up to `steps` exits. */
static void auto_drive(uint32_t sl, unsigned steps, bool sensible)
{
	while (steps-- && sl < MAX_SLOTS && S.slot[sl].waiting && budget_left()) {
		struct slot_state st = S.slot[sl];
		uint64_t r[8] = { 0 };

		switch (st.a0) {
		case OPTEE_SMC_RETURN_RPC_ALLOC: {
			unsigned k;
			uint64_t c = 0x100 + S.next_cookie++, ipa;

			for (k = 0; k < NRPC && S.rpc[k].live; k++)
				;
			if (k == NRPC)
				k = (unsigned)(c % NRPC);
			ipa = h_page(RPC_FIRST + k);
			if (!sensible && fin_u8(&S.in) % 4 == 0)
				ipa = pick_ipa(RPC_FIRST, NRPC);
			S.rpc[k].live = true;
			S.rpc[k].cookie = c;
			S.rpc[k].ipa = ipa & ~(PG - 1);
			r[1] = ipa >> 32;
			r[2] = ipa & 0xFFFFFFFFu;
			r[4] = c >> 32;
			r[5] = c & 0xFFFFFFFFu;
			break;
		}
		case OPTEE_SMC_RETURN_RPC_FREE: {
			struct rpcbuf *rb = rpc_by_cookie(pair(st.a1, st.a2));

			if (rb)
				rb->live = false;
			break;
		}
		case OPTEE_SMC_RETURN_RPC_CMD:
			answer_cmd(pair(st.a1, st.a2), sensible);
			break;
		default:
			break;
		}
		resume_slot(sl, r);
	}
}

static void op_auto(void)
{
	uint32_t sl = pick_slot();
	bool sensible = fin_u8(&S.in) % 4 != 0;

	auto_drive(sl, 1 + fin_u8(&S.in) % 64, sensible);
}

/* A call made and driven to completion (or the step limit). */
static void op_call_auto_at(uint64_t ipa)
{
	int sl = op_std_call(ipa);

	if (sl >= 0)
		auto_drive((uint32_t)sl, 64, true);
}

static void op_call_auto(void)
{
	op_call_auto_at(h_page(ARG_FIRST + fin_below(&S.in, NARG)));
}

/* REGISTER_SHM of a well-formed list, then driven. */
static void op_register(void)
{
	struct optee_msg_param p;
	struct optee_msg_arg a;
	uint64_t ipa = h_page(ARG_FIRST + fin_below(&S.in, NARG));
	uint32_t np = fin_u8(&S.in) % 4 ? 1 + fin_u8(&S.in) % 8 : 1 + fin_u16(&S.in) % 2044;
	uint32_t off = fin_u8(&S.in) % 2 ? 0 : fin_u16(&S.in) & (PG - 1);
	uint32_t lp, first;

	memset(&a, 0, sizeof(a));
	memset(&p, 0, sizeof(p));
	a.cmd = OPTEE_MSG_CMD_REGISTER_SHM;
	a.num_params = 1;
	p.attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	lp = fin_u8(&S.in) % NLIST;
	first = fin_u8(&S.in);
	p.u.tmem.buf_ptr = build_list(lp, np, first) | off;
	p.u.tmem.size = (uint64_t)np * PG - off - (off ? 0 : fin_u8(&S.in) % 2 * 100);
	p.u.tmem.shm_ref = pick_cookie();
	note_cookie(p.u.tmem.shm_ref);
	write_arg(ipa, &a, &p, 1);
	op_call_auto_at(ipa);
	S.regd[S.nregd % 8].cookie = p.u.tmem.shm_ref;
	S.regd[S.nregd % 8].ipa = h_page(DATA_FIRST + first % (H_PAGES - DATA_FIRST)) + off;
	S.nregd++;
}

/*
 * CALL_WITH_REGD_ARG: the argument lives in a registered buffer, named by
 * cookie and offset. One of the argument pages is copied there first.
 */
static void op_regd_call(void)
{
	uint64_t r[8] = { OPTEE_SMC_CALL_WITH_REGD_ARG, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t k = fin_u8(&S.in), src = fin_u8(&S.in) % NARG;
	uint64_t cookie, off;
	uint8_t page[512];

	if (S.nregd && k % 4) {
		cookie = S.regd[k % (S.nregd < 8 ? S.nregd : 8)].cookie;
		off = fin_u8(&S.in) % 4 ? (fin_u16(&S.in) & 0xFF8) : fin_u32(&S.in);
		if (h_read(h_page(ARG_FIRST + src), page, sizeof(page)))
			h_write(S.regd[k % (S.nregd < 8 ? S.nregd : 8)].ipa + off, page, sizeof(page));
	} else {
		cookie = pick_cookie();
		off = fin_val(&S.in);
	}
	r[1] = cookie >> 32;
	r[2] = cookie & 0xFFFFFFFFu;
	r[3] = off;
	h_smc(r);
}

/* CALL_WITH_RPC_ARG: an argument page with the RPC argument in-band after it. */
static void op_rpc_arg_call(void)
{
	uint64_t ipa = pick_arg();
	uint64_t r[8] = { OPTEE_SMC_CALL_WITH_RPC_ARG, ipa >> 32, ipa & 0xFFFFFFFFu, 0, 0, 0, 0, 0 };
	int sl = h_smc(r);

	if (sl >= 0 && fin_u8(&S.in) % 2)
		auto_drive((uint32_t)sl, 64, true);
}

/* ------------------------------------------------------------------------ */
/* Stage 2 and vCPUs                                                         */

static void op_s2(void)
{
	uint64_t ipa = fin_u8(&S.in) % 4 ? h_page(fin_below(&S.in, H_PAGES)) : pick_ipa(0, H_PAGES);

	ipa &= ~(PG - 1);
	switch (fin_u8(&S.in) % 6) {
	case 0:
		stage2_unmap(S.hs2, ipa);
		break;
	case 1:
		stage2_set_ro(S.hs2, ipa, 1);
		break;
	case 2:
		stage2_set_ro(S.hs2, ipa, 0);
		break;
	case 3:
	case 4:
		stage2_remap(S.hs2, ipa, NULL);
		break;
	default:
		stage2_map_mmio(S.hs2, ipa, S2_DEFAULT_MMIO_PA);
		break;
	}
}

static void op_vcpu(void)
{
	S.vcpu = fin_below(&S.in, S.nvcpus);
}

/* ------------------------------------------------------------------------ */
/* Guest G: a fixed, checked workload through the driver                     */

static void good_bad(const char *what, int rc, const struct gdrv_result *res)
{
	if (S.faults)
		return;
	die("good guest: %s: rc %d ret 0x%x origin %u", what, rc, res ? res->ret : 0,
	    res ? res->origin : 0);
}

static uint64_t fnv1a(const uint8_t *b, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static bool good_open(const struct ta_uuid *u, uint32_t *sess)
{
	struct gdrv_result res;
	uint8_t oct[16];
	int rc;

	uuid_octets(u, oct);
	rc = gdrv_open_session(S.good.drv, oct, TEEC_LOGIN_PUBLIC, NULL, 0, NULL, 0, &res);
	if (rc || res.ret) {
		good_bad("open session", rc, &res);
		return false;
	}
	*sess = res.session;
	return true;
}

static void good_close(void)
{
	struct gdrv_result res;
	struct good *g = &S.good;

	if (g->have_arith)
		gdrv_close_session(g->drv, g->s_arith, &res);
	if (g->have_buf)
		gdrv_close_session(g->drv, g->s_buf, &res);
	g->have_arith = g->have_buf = false;
	if (g->shm)
		gdrv_shm_free(g->drv, g->shm);
	g->shm = NULL;
}

static void good_add(void)
{
	static const struct ta_uuid arith = TA_ARITH_UUID;
	struct good *g = &S.good;
	struct gdrv_param p[2];
	struct gdrv_result res;
	uint64_t x = 0x123456789ull * ++g->ctr, y = ~0ull - g->ctr;
	int rc;

	if (!g->have_arith && !(g->have_arith = good_open(&arith, &g->s_arith)))
		return;
	memset(p, 0, sizeof(p));
	p[0].type = GDRV_PARAM_VALUE_IN;
	p[0].u.value.a = x;
	p[0].u.value.b = y;
	p[1].type = GDRV_PARAM_VALUE_OUT;
	rc = gdrv_invoke(g->drv, g->s_arith, TA_ARITH_CMD_ADD, 0, p, 2, &res);
	if (rc || res.ret) {
		good_bad("ARITH ADD", rc, &res);
		return;
	}
	if (p[1].u.value.a != x + y || p[1].u.value.b != (x + y < x))
		die("good guest: ARITH ADD 0x%llx + 0x%llx = 0x%llx carry %llu",
		    (unsigned long long)x, (unsigned long long)y,
		    (unsigned long long)p[1].u.value.a, (unsigned long long)p[1].u.value.b);
}

static bool good_buf_session(void)
{
	static const struct ta_uuid buf = TA_BUF_UUID;
	struct good *g = &S.good;

	if (!g->have_buf)
		g->have_buf = good_open(&buf, &g->s_buf);
	return g->have_buf;
}

#define GOOD_SHM_SIZE (2 * PG + 123)

static void good_checksum(bool reverse)
{
	struct good *g = &S.good;
	struct gdrv_param p[2];
	struct gdrv_result res;
	static uint8_t b[GOOD_SHM_SIZE], c[GOOD_SHM_SIZE];
	int rc;

	if (!good_buf_session())
		return;
	if (!g->shm) {
		rc = gdrv_shm_alloc(g->drv, GOOD_SHM_SIZE, GDRV_PAGES_SCATTER, true, &g->shm);
		if (rc) {
			g->shm = NULL;
			good_bad("shm alloc", rc, NULL);
			return;
		}
	}
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 31 + g->ctr);
	g->ctr++;
	if (gdrv_shm_write(g->drv, g->shm, 0, b, sizeof(b)))
		die("good guest: shm write");
	memset(p, 0, sizeof(p));
	p[0].type = reverse ? GDRV_PARAM_MEMREF_INOUT : GDRV_PARAM_MEMREF_IN;
	p[0].u.mem.kind = GDRV_MEM_SHM;
	p[0].u.mem.shm = g->shm;
	p[0].u.mem.offs = 0;
	p[0].u.mem.size = sizeof(b);
	p[1].type = reverse ? GDRV_PARAM_NONE : GDRV_PARAM_VALUE_OUT;
	rc = gdrv_invoke(g->drv, g->s_buf, reverse ? TA_BUF_CMD_REVERSE : TA_BUF_CMD_CHECKSUM, 0,
			 p, 2, &res);
	if (rc || res.ret) {
		good_bad(reverse ? "BUF REVERSE" : "BUF CHECKSUM", rc, &res);
		return;
	}
	if (!reverse) {
		if (p[1].u.value.a != fnv1a(b, sizeof(b)))
			die("good guest: BUF CHECKSUM mismatch");
		return;
	}
	if (gdrv_shm_read(g->drv, g->shm, 0, c, sizeof(c)))
		die("good guest: shm read");
	for (size_t i = 0; i < sizeof(b); i++)
		if (c[i] != b[sizeof(b) - 1 - i])
			die("good guest: BUF REVERSE wrong at %zu", i);
}

static void good_fill(void)
{
	struct good *g = &S.good;
	struct gdrv_param p[2];
	struct gdrv_result res;
	uint64_t pages[3];
	uint8_t buf[512];
	uint8_t val = (uint8_t)(0x40 + g->ctr++);
	uint32_t off = 100;
	uint64_t size = 2 * PG + 7;
	int rc;

	if (!good_buf_session())
		return;
	if (gdrv_pages_alloc(g->drv, 3, GDRV_PAGES_SCATTER, pages)) {
		good_bad("pages alloc", -1, NULL);
		return;
	}
	memset(p, 0, sizeof(p));
	p[0].type = GDRV_PARAM_VALUE_IN;
	p[0].u.value.a = val;
	p[1].type = GDRV_PARAM_MEMREF_OUT;
	p[1].u.mem.kind = GDRV_MEM_PAGES;
	p[1].u.mem.pages = pages;
	p[1].u.mem.npages = 3;
	p[1].u.mem.page_offset = off;
	p[1].u.mem.size = size;
	rc = gdrv_invoke(g->drv, g->s_buf, TA_BUF_CMD_FILL, 0, p, 2, &res);
	if (rc || res.ret) {
		good_bad("BUF FILL", rc, &res);
	} else {
		/* Bytes [off, off + size) over the three pages are `val`. */
		uint64_t done = 0;

		for (unsigned k = 0; k < 3 && done < size; k++) {
			uint64_t start = k ? 0 : off;

			for (uint64_t o = start; o < PG && done < size; o += sizeof(buf)) {
				uint64_t n = PG - o < sizeof(buf) ? PG - o : sizeof(buf);

				if (n > size - done)
					n = size - done;
				if (gdrv_mem_read(g->drv, pages[k] + o, buf, (size_t)n))
					die("good guest: read back");
				for (uint64_t i = 0; i < n; i++)
					if (buf[i] != val)
						die("good guest: BUF FILL byte %llu is 0x%x, not 0x%x",
						    (unsigned long long)(done + i), buf[i], val);
				done += n;
			}
		}
	}
	gdrv_pages_free(g->drv, pages, 3);
}

static void good_step(void)
{
	switch (S.good.step++ % 6) {
	case 0:
		good_add();
		break;
	case 1:
		good_checksum(false);
		break;
	case 2:
		good_fill();
		break;
	case 3:
		good_checksum(true);
		break;
	case 4:
		good_add();
		break;
	default:
		good_close();
		break;
	}
}

/* ------------------------------------------------------------------------ */
/* The machine                                                               */

static void setup(void)
{
	struct machine_config mc;
	struct machine_guest_config gc;
	struct gdrv_config dc;
	uint8_t flags = fin_u8(&S.in), knobs = fin_u8(&S.in);
	static const uint32_t budgets[] = { 4096, 1, 3, 17, 511, 512, 64, 2 };
	int rc;

	machine_config_default(&mc, MACHINE_MEDIATED);
	mc.seed = 1 + (flags >> 6);
	mc.phys.region_bytes[PHYS_REGION_GUEST] = 8ull << 20;
	mc.phys.region_bytes[PHYS_REGION_MEDIATOR] = 4ull << 20;
	mc.phys.region_bytes[PHYS_REGION_SECURE] = 64ull << 10;
	mc.phys.region_bytes[PHYS_REGION_HYP] = 64ull << 10;
	mc.mediator.max_buffer_pages = 2048;
	mc.mediator.max_domain_pages = 4096;
	mc.mediator.max_domain_buffers = 16;
	mc.mediator.max_domain_rpc_args = 8;
	mc.mediator.work_budget_pages = budgets[flags & 7];
	if (flags & 8)
		mc.model.foreign_intr_one_in = 2 + (knobs & 7);
	mc.model.num_threads = 1 + ((knobs >> 3) & 3);
	if (flags & 16)
		mc.port.yield_every = 1 + ((knobs >> 5) & 7);
	mc.port.log_level = TEEMED_LOG_WARN;
	mc.guest_trace = trace_regs;
	mc.trace_arg = &S;
	mc.quiet_violations = 0;
	rc = machine_create(&mc, &S.m);
	if (rc)
		die("machine_create: %d", rc);
	S.phys = machine_phys(S.m);
	S.oracle = machine_oracle(S.m);
	S.port = machine_port(S.m);

	machine_guest_config_default(&gc);
	gc.vcpus = 1 + (flags >> 5) % H_VCPUS_MAX;
	gc.ram_size = H_PAGES * PG;
	rc = machine_guest_create(S.m, &gc, &S.hg);
	if (rc)
		die("guest H: %d", rc);
	S.hs2 = machine_guest_stage2(S.hg);
	S.hid = machine_guest_id(S.hg);
	S.nvcpus = gc.vcpus;

	machine_guest_config_default(&gc);
	gc.ram_size = G_PAGES * PG;
	rc = machine_guest_create(S.m, &gc, &S.gg);
	if (rc)
		die("guest G: %d", rc);
	gdrv_config_default(&dc);
	dc.enumerate_devices = false;
	dc.cq_retry_ms = 1;
	rc = gdrv_create(machine_guest_env(S.gg, 0), &dc, &S.good.drv);
	if (rc)
		die("gdrv_create: %d", rc);
	rc = gdrv_probe(S.good.drv, NULL);
	if (rc)
		die("good guest: probe: %d", rc);
}

static void inject_fault(void)
{
	uint8_t k = fin_u8(&S.in);
	enum port_sim_fault_kind kind = (enum port_sim_fault_kind)(k % PORT_FAULT_COUNT);

	port_sim_set_fault(S.port, kind, 1 + fin_u8(&S.in), (k >> 4) & 1);
	S.faults = true;
}

static void teardown(void)
{
	struct machine_report rep;
	int rc;

	for (int k = 0; k < PORT_FAULT_COUNT; k++)
		port_sim_set_fault(S.port, (enum port_sim_fault_kind)k, 0, 0);
	check_machine("before teardown");
	/* The good guest must still work, whatever H did (no faults now). */
	if (S.good.drv) {
		bool f = S.faults;

		S.faults = false;
		if (f) {
			/* A fault may have left a session half-open: start afresh. */
			good_close();
		}
		good_add();
		good_close();
		S.faults = f;
		gdrv_destroy(S.good.drv);
		S.good.drv = NULL;
	}
	check_machine("after the good guest");
	rc = machine_destroy(S.m, &rep);
	S.m = NULL;
	if (rc)
		die("teardown: the machine is not clean (held %llu, errors %llu)",
		    (unsigned long long)rep.held_total, (unsigned long long)rep.errors_total);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") ? atoi(getenv("FUZZ_VERBOSE")) : 0;
	memset(&S, 0, sizeof(S));
	S.in.p = data;
	S.in.n = size;
	setup();
	while (fin_left(&S.in) && budget_left()) {
		uint8_t op = fin_u8(&S.in);

		vlog("op %u\n", op % 22);
		switch (op % 22) {
		case 0:
		case 1:
			op_std_call(pick_arg());
			break;
		case 2:
			op_resume();
			break;
		case 3:
			op_fast();
			break;
		case 4:
			op_raw_smc();
			break;
		case 5:
			op_write_arg();
			break;
		case 6:
			op_write_open();
			break;
		case 7:
			op_write_invoke();
			break;
		case 8:
			op_write_list();
			break;
		case 9:
			op_write_raw();
			break;
		case 10:
			op_s2();
			break;
		case 11:
			op_vcpu();
			break;
		case 12:
			good_step();
			break;
		case 13:
		case 14:
			op_auto();
			break;
		case 15:
		case 16:
			op_call_auto();
			break;
		case 17:
			op_register();
			break;
		case 18:
			if (!S.faults && fin_u8(&S.in) % 4 == 0)
				inject_fault();
			break;
		case 20:
			op_regd_call();
			break;
		case 21:
			op_rpc_arg_call();
			break;
		default: {
			/* RPC answer written by hand into a known RPC page. */
			unsigned k = fin_below(&S.in, NRPC);

			if (S.rpc[k].live)
				answer_cmd(S.rpc[k].cookie, false);
			break;
		}
		}
	}
	check_machine("end of input");
	teardown();
	return 0;
}
