/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --trace: every SMC decoded, like strace. Guest SMCs (the machine's
 * guest_trace, after each one) are printed as "gG.vV", the mediator's SMCs
 * to the secure world (the port's secure_trace) as "  sec cC" with the
 * client ID of a7. For standard calls the argument is read back from
 * memory (the guest's by IPA, the mediator's shadow by PA) to show the
 * command, its parameters and the result.
 */
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include "teemed/optee_msg.h"
#include "teemed/optee_smc.h"
#include "tools/sim_run.h"

/* Parameters shown per argument; the rest are counted. */
#define TRACE_PARAMS_SHOWN 6u

static struct machine *trace_machine;
static struct stage2 *trace_s2[MACHINE_MAX_GUESTS];
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;

void sim_trace_add_guest(struct machine_guest *g)
{
	trace_s2[machine_guest_id(g)] = machine_guest_stage2(g);
}

void sim_trace_remove_guest(struct machine_guest *g)
{
	trace_s2[machine_guest_id(g)] = NULL;
}

static const uint8_t *guest_page(uint16_t guest, uint64_t ipa)
{
	struct stage2 *s2 = guest < MACHINE_MAX_GUESTS ? trace_s2[guest] : NULL;

	return s2 ? stage2_guest_ptr(s2, ipa) : NULL;
}

static const char *fid_name(uint32_t fid)
{
	switch (fid) {
	case OPTEE_SMC_CALLS_COUNT: return "CALLS_COUNT";
	case OPTEE_SMC_CALLS_UID: return "CALLS_UID";
	case OPTEE_SMC_CALLS_REVISION: return "CALLS_REVISION";
	case OPTEE_SMC_CALL_LOAD_IMAGE: return "CALL_LOAD_IMAGE";
	case OPTEE_SMC_CALL_GET_OS_UUID: return "GET_OS_UUID";
	case OPTEE_SMC_CALL_GET_OS_REVISION: return "GET_OS_REVISION";
	case OPTEE_SMC_CALL_RETURN_FROM_RPC: return "RETURN_FROM_RPC";
	case OPTEE_SMC_CALL_WITH_ARG: return "CALL_WITH_ARG";
	case OPTEE_SMC_GET_SHM_CONFIG: return "GET_SHM_CONFIG";
	case OPTEE_SMC_L2CC_MUTEX: return "L2CC_MUTEX";
	case OPTEE_SMC_EXCHANGE_CAPABILITIES: return "EXCHANGE_CAPABILITIES";
	case OPTEE_SMC_DISABLE_SHM_CACHE: return "DISABLE_SHM_CACHE";
	case OPTEE_SMC_ENABLE_SHM_CACHE: return "ENABLE_SHM_CACHE";
	case OPTEE_SMC_BOOT_SECONDARY: return "BOOT_SECONDARY";
	case OPTEE_SMC_VM_CREATED: return "VM_CREATED";
	case OPTEE_SMC_VM_DESTROYED: return "VM_DESTROYED";
	case OPTEE_SMC_GET_THREAD_COUNT: return "GET_THREAD_COUNT";
	case OPTEE_SMC_ENABLE_ASYNC_NOTIF: return "ENABLE_ASYNC_NOTIF";
	case OPTEE_SMC_GET_ASYNC_NOTIF_VALUE: return "GET_ASYNC_NOTIF_VALUE";
	case OPTEE_SMC_CALL_WITH_RPC_ARG: return "CALL_WITH_RPC_ARG";
	case OPTEE_SMC_CALL_WITH_REGD_ARG: return "CALL_WITH_REGD_ARG";
	case OPTEE_SMC_GET_PROTMEM_CONFIG: return "GET_PROTMEM_CONFIG";
	default: return NULL;
	}
}

static const char *cmd_name(uint32_t cmd)
{
	static const char *const n[] = {
		"OPEN_SESSION", "INVOKE_COMMAND", "CLOSE_SESSION", "CANCEL", "REGISTER_SHM",
		"UNREGISTER_SHM", "DO_BOTTOM_HALF", "STOP_ASYNC_NOTIF", "LEND_PROTMEM",
		"RECLAIM_PROTMEM", "GET_PROTMEM_CONFIG", "ASSIGN_PROTMEM",
	};

	return cmd < sizeof(n) / sizeof(n[0]) ? n[cmd] : NULL;
}

static const char *attr_name(uint64_t attr)
{
	static const char *const n[] = {
		"NONE", "VALUE_INPUT", "VALUE_OUTPUT", "VALUE_INOUT", "?4", "RMEM_INPUT",
		"RMEM_OUTPUT", "RMEM_INOUT", "?8", "TMEM_INPUT", "TMEM_OUTPUT", "TMEM_INOUT",
	};
	uint64_t t = attr & OPTEE_MSG_ATTR_TYPE_MASK;

	return t < sizeof(n) / sizeof(n[0]) ? n[t] : "?";
}

static void print_param(FILE *f, const struct optee_msg_param *p)
{
	uint64_t t = p->attr & OPTEE_MSG_ATTR_TYPE_MASK;

	fprintf(f, "%s%s%s", attr_name(p->attr), p->attr & OPTEE_MSG_ATTR_META ? "|META" : "",
		p->attr & OPTEE_MSG_ATTR_NONCONTIG ? "|NONCONTIG" : "");
	if (t >= OPTEE_MSG_ATTR_TYPE_VALUE_INPUT && t <= OPTEE_MSG_ATTR_TYPE_VALUE_INOUT)
		fprintf(f, " a=%#" PRIx64 " b=%#" PRIx64, p->u.value.a, p->u.value.b);
	else if (t >= OPTEE_MSG_ATTR_TYPE_RMEM_INPUT && t <= OPTEE_MSG_ATTR_TYPE_RMEM_INOUT)
		fprintf(f, " cookie=%#" PRIx64 " offs=%#" PRIx64 " size=%#" PRIx64,
			p->u.rmem.shm_ref, p->u.rmem.offs, p->u.rmem.size);
	else if (t >= OPTEE_MSG_ATTR_TYPE_TMEM_INPUT && t <= OPTEE_MSG_ATTR_TYPE_TMEM_INOUT)
		fprintf(f, " buf=%#" PRIx64 " size=%#" PRIx64, p->u.tmem.buf_ptr,
			p->u.tmem.size);
}

/* The argument page at `page` (a host pointer), `off` bytes in. */
static void print_arg(FILE *f, const uint8_t *page, uint64_t off, bool done)
{
	const struct optee_msg_arg *a;
	uint32_t i, n, room;

	if (!page || off > TEEMED_PAGE_SIZE - sizeof(*a)) {
		fprintf(f, " <unreadable>");
		return;
	}
	a = (const void *)(page + off);
	n = a->num_params;
	room = (uint32_t)((TEEMED_PAGE_SIZE - off - sizeof(*a)) / sizeof(a->params[0]));
	if (cmd_name(a->cmd))
		fprintf(f, " %s", cmd_name(a->cmd));
	else
		fprintf(f, " cmd=%#x", a->cmd);
	fprintf(f, " session=%u func=%u num_params=%u [", a->session, a->func, n);
	for (i = 0; i < n && i < room && i < TRACE_PARAMS_SHOWN; i++) {
		fprintf(f, "%s", i ? ", " : "");
		print_param(f, &a->params[i]);
	}
	if (i < n)
		fprintf(f, "%s...", i ? ", " : "");
	fprintf(f, "]");
	if (done) {
		const char *rn = wl_ret_name(a->ret);

		fprintf(f, " -> ret=%s", rn ? rn : "");
		if (!rn)
			fprintf(f, "%#x", a->ret);
		fprintf(f, " origin=%u", a->ret_origin);
	}
}

/* Fast calls whose a0 is data (UIDs, revisions, counts), not a status. */
static bool returns_data(uint32_t fid)
{
	return fid == OPTEE_SMC_CALLS_COUNT || fid == OPTEE_SMC_CALLS_UID ||
	       fid == OPTEE_SMC_CALLS_REVISION || fid == OPTEE_SMC_CALL_GET_OS_UUID ||
	       fid == OPTEE_SMC_CALL_GET_OS_REVISION;
}

static bool yielding(uint32_t fid)
{
	return !optee_smc_is_fast(fid);
}

static void print_result(FILE *f, uint32_t fid, const uint64_t out[8])
{
	uint32_t a0 = (uint32_t)out[0];
	const char *n = returns_data(fid) ? NULL : wl_smc_ret_name(a0);

	if (returns_data(fid)) {
		fprintf(f, " = %#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", %#" PRIx64, out[0],
			out[1], out[2], out[3]);
		return;
	}
	if (!yielding(fid) || !optee_smc_return_is_rpc(a0)) {
		fprintf(f, " = %s", n ? n : "");
		if (!n)
			fprintf(f, "%#x", a0);
		fprintf(f, " (%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ")", out[1], out[2], out[3]);
		return;
	}
	fprintf(f, " = %s", n ? n : "RPC?");
	switch (a0 & OPTEE_SMC_RPC_FUNC_MASK) {
	case OPTEE_SMC_RPC_FUNC_ALLOC:
		fprintf(f, "(size=%" PRIu64 ", thread=%" PRIu64 ")", out[1] & 0xffffffffu, out[3]);
		break;
	case OPTEE_SMC_RPC_FUNC_FREE:
	case OPTEE_SMC_RPC_FUNC_CMD:
		fprintf(f, "(cookie=%#" PRIx64 ", thread=%" PRIu64 ")",
			((out[1] & 0xffffffffu) << 32) | (out[2] & 0xffffffffu), out[3]);
		break;
	default:
		fprintf(f, "(thread=%" PRIu64 ")", out[3]);
		break;
	}
}

static uint64_t pair(uint64_t hi, uint64_t lo)
{
	return ((hi & 0xffffffffu) << 32) | (lo & 0xffffffffu);
}

static void print_call(FILE *f, const uint64_t in[8], const uint64_t out[8],
		       const uint8_t *arg_page)
{
	uint32_t fid = (uint32_t)in[0];
	const char *n = fid_name(fid);

	if (n)
		fprintf(f, "%s(", n);
	else
		fprintf(f, "%#x(", fid);
	switch (fid) {
	case OPTEE_SMC_CALL_WITH_ARG:
	case OPTEE_SMC_CALL_WITH_RPC_ARG:
		fprintf(f, "arg=%#" PRIx64 ":", pair(in[1], in[2]));
		print_arg(f, arg_page, pair(in[1], in[2]) & TEEMED_PAGE_MASK,
			  (uint32_t)out[0] == OPTEE_SMC_RETURN_OK);
		break;
	case OPTEE_SMC_CALL_WITH_REGD_ARG:
		/* The argument is in a registered buffer: cookie a1:a2, offset a3. */
		fprintf(f, "cookie=%#" PRIx64 ", offset=%#" PRIx64, pair(in[1], in[2]), in[3]);
		break;
	case OPTEE_SMC_CALL_RETURN_FROM_RPC:
		fprintf(f, "thread=%" PRIu64 ", a1=%#" PRIx64 ", a2=%#" PRIx64, in[3], in[1],
			in[2]);
		break;
	default:
		fprintf(f, "%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64, in[1], in[2], in[3]);
		break;
	}
	fprintf(f, ")");
	print_result(f, fid, out);
}

static void guest_trace(void *arg, uint16_t guest, uint32_t vcpu, const uint64_t in[8],
			const uint64_t out[8])
{
	const uint8_t *page = NULL;
	FILE *f = arg;

	if (((uint32_t)in[0] == OPTEE_SMC_CALL_WITH_ARG ||
	     (uint32_t)in[0] == OPTEE_SMC_CALL_WITH_RPC_ARG) && trace_machine) {
		uint64_t ipa = pair(in[1], in[2]) & ~TEEMED_PAGE_MASK;

		/* Direct mode: the guest hands PAs (IPA = PA). */
		if (machine_mode(trace_machine) == MACHINE_DIRECT)
			page = phys_ptr(machine_phys(trace_machine), ipa);
		else
			page = guest_page(guest, ipa);
	}
	pthread_mutex_lock(&trace_lock);
	fprintf(f, "g%u.v%u ", guest, vcpu);
	print_call(f, in, out, page);
	fputc('\n', f);
	pthread_mutex_unlock(&trace_lock);
}

static void secure_trace(void *arg, const struct teemed_regs *in, const struct teemed_regs *out)
{
	const uint8_t *page = NULL;
	FILE *f = arg;

	if (((uint32_t)in->a[0] == OPTEE_SMC_CALL_WITH_ARG ||
	     (uint32_t)in->a[0] == OPTEE_SMC_CALL_WITH_RPC_ARG) && trace_machine)
		page = phys_ptr(machine_phys(trace_machine),
				pair(in->a[1], in->a[2]) & ~TEEMED_PAGE_MASK);
	pthread_mutex_lock(&trace_lock);
	fprintf(f, "  sec c%" PRIu64 " ", in->a[7] & 0xffffu);
	print_call(f, in->a, out->a, page);
	fputc('\n', f);
	pthread_mutex_unlock(&trace_lock);
}

void sim_trace_install(struct machine_config *cfg, FILE *out)
{
	cfg->guest_trace = guest_trace;
	cfg->secure_trace = secure_trace;
	cfg->trace_arg = out;
}

void sim_trace_set_machine(struct machine *m)
{
	trace_machine = m;
}
