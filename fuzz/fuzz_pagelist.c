/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: page-list translation (src/pagelist.c, shm.c, the
 * memref paths of params.c) alone, over the unit tests' fake port
 * (tests/unit/fake_port.c, reused unmodified) and a minimal secure world of
 * this file's own.
 *
 * The input lays out one guest's pages (48 pages whose types it picks:
 * read-write, read-only, MMIO, unmapped), writes page-list pages (entries,
 * next pointers, misaligned values, pointers anywhere) and makes calls:
 * REGISTER_SHM, INVOKE with up to four TMEM|NONCONTIG parameters, INVOKE
 * with RMEM parameters, UNREGISTER_SHM, with the mediator's limits, work
 * budget, yields and injected allocation/pin/map failures chosen by the
 * input, and page types and list entries changed between preemptions.
 *
 * The harness keeps its own model of what the mediator must do (docs/
 * design.md, docs/errors.md): which calls reach OP-TEE, with exactly which
 * page list (every entry the PA the fake port gave for that guest IPA, the
 * count ceil((offset + size) / 4096), the offset and size preserved, every
 * page pinned with the right access, and nothing else pinned), and which
 * ret/origin the guest gets otherwise. Any difference, any failure the fake
 * port detects (tests/unit/fake_port.c: bad pins, unpins, maps, locks, WARN
 * logs for guest misbehaviour, pages written after free), or anything left
 * pinned or allocated after UNREGISTER and domain teardown aborts.
 * With an injected fault or a mid-call change, only the invariants are
 * checked (not which result).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_port.h"
#include "fuzz/fuzz_input.h"
#include "teemed/optee_msg.h"
#include "teemed/optee_smc.h"
#include "teemed/teemed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NPAGES     48u   /* the guest's fuzzed pages */
#define NLISTPG    8u    /* pages 0..7 are meant as list pages */
#define MAXBUFS    16u
#define ENTRIES    OPTEE_MSG_PAGELIST_ENTRIES
#define NEXT       OPTEE_MSG_PAGELIST_NEXT_SLOT
#define ORIGIN_MARK 0xA5A5u
#define MAX_EXPECT 4

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

	fprintf(stderr, "fuzz_pagelist: FINDING: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/* A buffer the harness expects the mediator to hold (registered). */
struct rbuf {
	bool live;
	uint64_t cookie;
	uint64_t npages;
	uint64_t offset;
};

/* What OP-TEE must receive for one memref, computed before the call. */
struct expect {
	int param;           /* index in the shadow */
	uint64_t attr;
	uint64_t offset, size, shm_ref, npages;
	unsigned access;
	uint64_t pa[4096];   /* expected PAs (when exact) */
	uint64_t new_size;   /* OP-TEE's answer for OUTPUT memrefs */
};

static struct {
	struct fin in;
	struct teemed *tm;
	struct teemed_domain *d;
	struct fguest *g;
	struct teemed_config cfg;
	uint64_t base;       /* IPA of page 0 */
	uint64_t arg;        /* IPA of the argument page */
	uint16_t cid;
	bool inexact;        /* a fault was injected or a page changed mid-call */
	bool mutate;         /* this call may see changes between preemptions */
	bool abandon;        /* leave this call preempted and tear the domain down */
	bool abandoned;      /* a call was left preempted: the input ends */
	uint32_t vcpu;       /* the vCPU the call's traps come from */
	struct rbuf bufs[MAXBUFS];
	uint64_t held;       /* pages the registered buffers pin */
	/* The call in flight. */
	uint32_t cmd;
	int nexp;
	struct expect exp[MAX_EXPECT];
	bool forward;        /* the harness expects OP-TEE to see the call */
	bool rmem_ok;
	struct optee_msg_param rmem[4];
	uint32_t nrmem;
	uint64_t unreg_cookie;
	uint32_t sw_ret;     /* what OP-TEE answers in ret */
	int optee_calls;
	uint64_t destroy_unpins;
	bool destroying;
} F;

static unsigned uses;

/* ------------------------------------------------------------------------ */
/* The secure world                                                          */

static bool guest_pa_ok(uint64_t pa, unsigned access)
{
	return pa_is_guest_page(pa) && pa_guest(pa) == F.g && pa_pins(pa, access) > 0;
}

static void check_memref(const struct optee_msg_param *p, const struct expect *e)
{
	uint64_t lpa, i = 0;

	if (p->attr != e->attr)
		die("param %d: OP-TEE got attr 0x%llx, sent 0x%llx", e->param,
		    (unsigned long long)p->attr, (unsigned long long)e->attr);
	if (p->u.tmem.size != e->size || p->u.tmem.shm_ref != e->shm_ref)
		die("param %d: size/shm_ref changed (0x%llx/0x%llx)", e->param,
		    (unsigned long long)p->u.tmem.size, (unsigned long long)p->u.tmem.shm_ref);
	if ((p->u.tmem.buf_ptr & (PG - 1)) != e->offset)
		die("param %d: offset 0x%llx, guest gave 0x%llx", e->param,
		    (unsigned long long)(p->u.tmem.buf_ptr & (PG - 1)),
		    (unsigned long long)e->offset);
	lpa = p->u.tmem.buf_ptr & ~(PG - 1);
	while (i < e->npages) {
		const uint64_t *l;

		if (!pa_is_med_page(lpa))
			die("param %d: list page 0x%llx (entry %llu) is not a mediator page",
			    e->param, (unsigned long long)lpa, (unsigned long long)i);
		l = pa_ptr(lpa);
		for (unsigned k = 0; k < ENTRIES && i < e->npages; k++, i++) {
			if (!guest_pa_ok(l[k], e->access))
				die("param %d: entry %llu = 0x%llx is not this guest's page pinned "
				    "for access %u", e->param, (unsigned long long)i,
				    (unsigned long long)l[k], e->access);
			if (!F.inexact && l[k] != e->pa[i])
				die("param %d: entry %llu = 0x%llx, expected 0x%llx", e->param,
				    (unsigned long long)i, (unsigned long long)l[k],
				    (unsigned long long)e->pa[i]);
		}
		if (i < e->npages)
			lpa = l[NEXT];
	}
}

static void sw_std(struct optee_msg_arg *sh, struct teemed_regs *out)
{
	uint64_t pins = 0;

	F.optee_calls++;
	if (!F.forward && !F.inexact)
		die("OP-TEE got cmd %u that the mediator should have refused", sh->cmd);
	if (sh->cmd != F.cmd)
		die("OP-TEE got cmd %u, guest sent %u", sh->cmd, F.cmd);
	for (int i = 0; i < F.nexp; i++) {
		check_memref(&sh->params[F.exp[i].param], &F.exp[i]);
		pins += F.exp[i].npages;
	}
	if (!F.inexact && live_pins() != (int64_t)(F.held + pins))
		die("OP-TEE called with %lld pins live, expected %llu", (long long)live_pins(),
		    (unsigned long long)(F.held + pins));
	for (uint32_t i = 0; i < F.nrmem; i++)
		if (memcmp(&sh->params[i], &F.rmem[i], sizeof(F.rmem[i])))
			die("RMEM param %u changed on its way to OP-TEE", i);
	if (F.cmd == OPTEE_MSG_CMD_UNREGISTER_SHM &&
	    sh->params[0].u.rmem.shm_ref != F.unreg_cookie)
		die("UNREGISTER_SHM of 0x%llx reached OP-TEE as 0x%llx",
		    (unsigned long long)F.unreg_cookie,
		    (unsigned long long)sh->params[0].u.rmem.shm_ref);
	for (int i = 0; i < F.nexp; i++)
		if (F.exp[i].attr != (OPTEE_MSG_ATTR_TYPE_TMEM_INPUT | OPTEE_MSG_ATTR_NONCONTIG))
			sh->params[F.exp[i].param].u.tmem.size = F.exp[i].new_size;
	sh->ret = F.sw_ret;
	sh->ret_origin = F.sw_ret ? TEEC_ORIGIN_TEE : 0;
	out->a[0] = OPTEE_SMC_RETURN_OK;
}

static void sw(struct sw_step *s, const struct teemed_regs *in, struct teemed_regs *out)
{
	uint32_t fid = (uint32_t)in->a[0];
	uint64_t pa;

	(void)s;
	out->a[1] = out->a[2] = out->a[3] = 0;
	switch (fid) {
	case OPTEE_SMC_CALLS_UID:
		out->a[0] = OPTEE_MSG_UID_0;
		out->a[1] = OPTEE_MSG_UID_1;
		out->a[2] = OPTEE_MSG_UID_2;
		out->a[3] = OPTEE_MSG_UID_3;
		return;
	case OPTEE_SMC_CALLS_REVISION:
		out->a[0] = OPTEE_MSG_REVISION_MAJOR;
		return;
	case OPTEE_SMC_CALL_GET_OS_REVISION:
		out->a[0] = 4;
		out->a[1] = 10;
		return;
	case OPTEE_SMC_EXCHANGE_CAPABILITIES:
		out->a[0] = OPTEE_SMC_RETURN_OK;
		out->a[1] = 0xfd;
		return;
	case OPTEE_SMC_GET_THREAD_COUNT:
		out->a[0] = OPTEE_SMC_RETURN_OK;
		out->a[1] = 2;
		return;
	case OPTEE_SMC_VM_CREATED:
		out->a[0] = OPTEE_SMC_RETURN_OK;
		return;
	case OPTEE_SMC_VM_DESTROYED:
		if (fake_counts()->unpins != F.destroy_unpins)
			die("pages unpinned by destroy before VM_DESTROYED");
		out->a[0] = OPTEE_SMC_RETURN_OK;
		return;
	case OPTEE_SMC_CALL_WITH_ARG:
		if (in->a[7] != F.cid)
			die("CALL_WITH_ARG with a7 = 0x%llx", (unsigned long long)in->a[7]);
		pa = reg_pair(in->a[1], in->a[2]);
		if ((pa & (PG - 1)) || !pa_is_med_page(pa))
			die("CALL_WITH_ARG arg PA 0x%llx is not a mediator page",
			    (unsigned long long)pa);
		sw_std(pa_ptr(pa), out);
		return;
	default:
		die("unexpected SMC 0x%llx", (unsigned long long)in->a[0]);
	}
}

/* ------------------------------------------------------------------------ */
/* The guest                                                                 */

static uint64_t page_ipa(uint32_t i)
{
	return F.base + (uint64_t)i * PG;
}

static uint64_t *gpage(uint64_t ipa)
{
	return g_ptr(F.g, ipa & ~(PG - 1));
}

/* An IPA as a list entry or list pointer: mostly the guest's own pages. */
static uint64_t pick_ipa(bool list)
{
	switch (fin_u8(&F.in) % 16) {
	case 0: { /* misaligned */
		uint64_t ipa = page_ipa(fin_below(&F.in, NPAGES));

		return ipa | (fin_u16(&F.in) & (PG - 1));
	}
	case 1:
		return F.base + (uint64_t)(NPAGES + fin_u8(&F.in) % 3) * PG; /* guard, beyond */
	case 2:
		return F.arg;
	case 3:
		return fin_val(&F.in) & ~(PG - 1);
	case 4:
		return 0;
	case 5:
		return fin_val(&F.in);
	default:
		return page_ipa(list ? fin_below(&F.in, NLISTPG) : fin_below(&F.in, NPAGES));
	}
}

static void set_type(uint32_t i, uint32_t t);

/* Page index, then type, from the input (in that order). */
static void set_type_in(void)
{
	uint32_t i = fin_below(&F.in, NPAGES);

	set_type(i, fin_u8(&F.in));
}

static void set_type(uint32_t i, uint32_t t)
{
	static const enum pg_type types[] = { PG_RAM_RW, PG_RAM_RO, PG_MMIO, PG_UNMAPPED };

	g_set_type(F.g, page_ipa(i), types[t % 4]);
}

static void op_list(void)
{
	uint64_t ipa = page_ipa(fin_u8(&F.in) % 4 ? fin_below(&F.in, NLISTPG)
						   : fin_below(&F.in, NPAGES));
	uint64_t *l = gpage(ipa);
	uint32_t n, first, stride, i;

	if (!l)
		return;
	n = fin_u8(&F.in) % 4 ? 1u + fin_u8(&F.in) % 40u : ENTRIES;
	first = NLISTPG + fin_below(&F.in, NPAGES - NLISTPG);
	stride = fin_u8(&F.in) % 3;
	for (i = 0; i < n; i++) {
		if (fin_left(&F.in) && fin_u8(&F.in) % 8 == 0)
			l[i] = pick_ipa(false);
		else
			l[i] = page_ipa(NLISTPG + (first - NLISTPG + i * stride) % (NPAGES - NLISTPG));
	}
	if (fin_u8(&F.in) % 2)
		l[NEXT] = pick_ipa(true);
}

static void op_entry(void)
{
	uint64_t *l = gpage(page_ipa(fin_below(&F.in, NPAGES)));
	uint32_t slot = fin_u8(&F.in) % 3 == 0 ? NEXT : fin_below(&F.in, 512);

	if (l)
		l[slot] = pick_ipa(slot == NEXT);
}

/* Between preemptions: change a page's type or an entry (TOCTOU). */
static void mid_call_change(void)
{
	if (!F.mutate || !fin_left(&F.in) || fin_u8(&F.in) % 4)
		return;
	F.inexact = true;
	if (fin_u8(&F.in) % 2)
		set_type_in();
	else
		op_entry();
}

static bool pinnable(uint64_t ipa, unsigned access)
{
	enum pg_type t;

	if (ipa & (PG - 1))
		return false;
	t = g_type(F.g, ipa);
	return t == PG_RAM_RW || (t == PG_RAM_RO && access == TEEMED_PIN_READ);
}

/*
 * Walk the guest's list as the mediator must: returns TEEC_SUCCESS and the
 * PAs, or the error the guest must get.
 */
static uint32_t walk(uint64_t buf_ptr, uint64_t npages, unsigned access, uint64_t *pa)
{
	uint64_t list = buf_ptr & ~(PG - 1);
	const uint64_t *l = NULL;

	for (uint64_t i = 0; i < npages; i++) {
		uint64_t e;

		if (i % ENTRIES == 0) {
			if (i) {
				uint64_t next = l[NEXT];

				if (next & (PG - 1))
					return TEEC_ERROR_BAD_PARAMETERS;
				list = next;
			}
			if (!pinnable(list, TEEMED_PIN_READ))
				return TEEC_ERROR_BAD_PARAMETERS;
			l = gpage(list);
		}
		e = l[i % ENTRIES];
		if (!pinnable(e, access))
			return TEEC_ERROR_BAD_PARAMETERS;
		pa[i] = g_pa(F.g, e);
	}
	return TEEC_SUCCESS;
}

static struct rbuf *find_buf(uint64_t cookie)
{
	for (unsigned i = 0; i < MAXBUFS; i++)
		if (F.bufs[i].live && F.bufs[i].cookie == cookie)
			return &F.bufs[i];
	return NULL;
}

static unsigned nbufs(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MAXBUFS; i++)
		n += F.bufs[i].live;
	return n;
}

static uint64_t pick_cookie(void)
{
	if (fin_u8(&F.in) % 4 == 0)
		return fin_val(&F.in);
	return 0x100 + fin_u8(&F.in) % 8;
}

static uint64_t pick_size(uint64_t off)
{
	switch (fin_u8(&F.in) % 8) {
	case 0:
		return 0;
	case 1:
		return fin_val(&F.in);
	case 2:
		return UINT64_MAX - PG - off + 1 - fin_u8(&F.in) % 2; /* the overflow edge */
	case 3:
		return (uint64_t)(1 + fin_u16(&F.in) % 2100) * PG - off;
	case 4: {
		uint64_t s = (uint64_t)ENTRIES * PG * (1 + fin_u8(&F.in) % 3) - off;

		return s + fin_u8(&F.in) % 2;
	}
	default:
		return 1 + fin_u16(&F.in) % (12 * PG);
	}
}

/*
 * Expectation for a memref of `size` bytes at buf_ptr: TEEC_SUCCESS, or
 * the ret the guest must get (origin COMMS). `temp` buffers do not count
 * against max_domain_buffers. `pending` pages are held by earlier memrefs
 * of the same call.
 */
static uint32_t expect_buf(struct expect *e, uint64_t buf_ptr, uint64_t size, unsigned access,
			   bool temp, uint64_t pending)
{
	uint64_t off = buf_ptr & (PG - 1), pages;

	e->offset = off;
	e->size = size;
	e->access = access;
	e->npages = 0;
	if (size == 0 || size > UINT64_MAX - PG - off)
		return TEEC_ERROR_BAD_PARAMETERS;
	pages = (size + off + PG - 1) / PG;
	if (pages > F.cfg.max_buffer_pages)
		return TEEC_ERROR_OUT_OF_MEMORY;
	if (pages > F.cfg.max_domain_pages - F.held - pending ||
	    (!temp && nbufs() >= F.cfg.max_domain_buffers))
		return TEEC_ERROR_OUT_OF_MEMORY;
	e->npages = pages;
	return TEEC_SUCCESS;
}

/* Issue the call in the argument page and see it through preemptions. */
static struct teemed_regs run_call(void)
{
	struct teemed_regs r = { { OPTEE_SMC_CALL_WITH_ARG, F.arg >> 32, F.arg & 0xFFFFFFFFu,
				   OPTEE_SMC_SHM_CACHED, 0, 0, 0, 0x10001 } };
	unsigned n = 0;

	F.optee_calls = 0;
	for (;;) {
		teemed_handle_smc(F.tm, F.d, F.vcpu, &r);
		if (fake_locks_held())
			die("teemed_handle_smc returned with a lock held");
		if (live_maps())
			die("teemed_handle_smc returned with %lld mapping(s)", (long long)live_maps());
		for (int i = 0; i < 8; i++)
			if (pa_in_pool(r.a[i]) || pa_in_pool(reg_pair(r.a[1], r.a[2])))
				die("a PA reached the guest in a%d: 0x%llx", i,
				    (unsigned long long)r.a[i]);
		if ((uint32_t)r.a[0] != OPTEE_SMC_RETURN_RPC_FOREIGN_INTR)
			break;
		if (r.a[1] || r.a[2] || r.a[3] >= 2)
			die("preemption exit a1 0x%llx a2 0x%llx a3 0x%llx", (unsigned long long)r.a[1],
			    (unsigned long long)r.a[2], (unsigned long long)r.a[3]);
		if (++n > 100000)
			die("call never completes");
		if (F.abandon) {
			/* The guest never resumes: teardown must release it all. */
			F.abandoned = true;
			F.inexact = true;
			return r;
		}
		mid_call_change();
		r = (struct teemed_regs){ { OPTEE_SMC_CALL_RETURN_FROM_RPC, 0, 0, r.a[3], 0, 0, 0, 0 } };
	}
	if (F.optee_calls > 1)
		die("OP-TEE called %d times for one call", F.optee_calls);
	if (verbose > 0) {
		struct teemed_stats st;

		teemed_domain_stats(F.tm, F.d, &st);
		vlog("  mediator: pages_held %llu buffers_held %llu, %u preemptions, pins %lld\n",
		     (unsigned long long)st.pages_held, (unsigned long long)st.buffers_held, n,
		     (long long)live_pins());
	}
	return r;
}

/*
 * The call's control byte: bit 4 allows changes between preemptions, bits
 * 5-6 the vCPU, and a value 0 mod 16 injects one port failure.
 */
static void call_ctl(void)
{
	const struct fake_counts *c = fake_counts();
	uint8_t ctl = fin_u8(&F.in);

	F.mutate = (ctl & 0x10) != 0;
	F.vcpu = (ctl >> 5) & 3;
	F.abandon = (ctl & 0x80) && (ctl & 0x0F) == 0x0F;
	if (ctl % 16)
		return;
	F.inexact = true;
	switch (fin_u8(&F.in) % 4) {
	case 0:
		K.fail_alloc_at = c->allocs + 1 + fin_u8(&F.in) % 8;
		break;
	case 1:
		K.fail_pin_at = c->pins + 1 + fin_u16(&F.in) % 600;
		break;
	case 2:
		K.fail_map_at = c->maps + 1 + fin_u8(&F.in) % 16;
		break;
	default:
		K.fail_page_at = c->pages + 1 + fin_u8(&F.in) % 8;
		break;
	}
}

static void clear_faults(void)
{
	K.fail_alloc_at = K.fail_pin_at = K.fail_map_at = K.fail_page_at = 0;
}

static struct optee_msg_arg *arg_page(void)
{
	struct optee_msg_arg *a = (struct optee_msg_arg *)gpage(F.arg);

	if (!a)
		die("argument page gone");
	return a;
}

/* Result checks common to every call. */
static void check_result(const struct teemed_regs *r, uint32_t want_ret, int want_origin)
{
	const struct optee_msg_arg *a = arg_page();

	if (F.inexact)
		return;
	if (r->a[0] != OPTEE_SMC_RETURN_OK)
		die("cmd %u: a0 = 0x%llx", F.cmd, (unsigned long long)r->a[0]);
	if (a->ret != want_ret)
		die("cmd %u: ret 0x%x, expected 0x%x", F.cmd, a->ret, want_ret);
	if (want_origin >= 0 && a->ret_origin != (uint32_t)want_origin)
		die("cmd %u: origin %u, expected %d", F.cmd, a->ret_origin, want_origin);
}

static void check_pins(const char *when)
{
	if (!F.inexact && live_pins() != (int64_t)F.held)
		die("%s: %lld pins live, registered buffers hold %llu", when,
		    (long long)live_pins(), (unsigned long long)F.held);
}

static void begin_call(uint32_t cmd)
{
	struct optee_msg_arg *a = arg_page();

	F.cmd = cmd;
	F.nexp = 0;
	F.nrmem = 0;
	F.forward = false;
	F.sw_ret = fin_u8(&F.in) % 8 == 0 ? TEEC_ERROR_BUSY : TEEC_SUCCESS;
	memset(a, 0, PG);
	a->cmd = cmd;
	a->ret_origin = ORIGIN_MARK;
}

static void op_register(void)
{
	struct optee_msg_arg *a;
	struct expect *e = &F.exp[0];
	uint64_t buf_ptr, cookie = pick_cookie();
	uint32_t want;
	int origin = TEEC_ORIGIN_COMMS;
	struct teemed_regs r;
	bool shape_ok = fin_u8(&F.in) % 16 != 0;

	begin_call(OPTEE_MSG_CMD_REGISTER_SHM);
	a = arg_page();
	buf_ptr = pick_ipa(true) & ~(PG - 1);
	buf_ptr |= fin_u8(&F.in) % 2 ? 0 : fin_u16(&F.in) & (PG - 1);
	a->num_params = shape_ok ? 1 : fin_u8(&F.in) % 3;
	a->params[0].attr = shape_ok ? OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG
				     : OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
	a->params[0].u.tmem.buf_ptr = buf_ptr;
	a->params[0].u.tmem.size = pick_size(buf_ptr & (PG - 1));
	a->params[0].u.tmem.shm_ref = cookie;
	e->param = 0;
	e->attr = a->params[0].attr;
	e->shm_ref = cookie;
	e->new_size = a->params[0].u.tmem.size;
	if (!shape_ok) {
		want = TEEC_ERROR_BAD_PARAMETERS;
		origin = ORIGIN_MARK;
	} else {
		want = expect_buf(e, buf_ptr, a->params[0].u.tmem.size, TEEMED_PIN_WRITE, false, 0);
		if (want == TEEC_SUCCESS && find_buf(cookie))
			want = TEEC_ERROR_BAD_PARAMETERS;
		if (want == TEEC_SUCCESS)
			want = walk(buf_ptr, e->npages, TEEMED_PIN_WRITE, e->pa);
		if (want == TEEC_SUCCESS) {
			F.nexp = 1;
			F.forward = true;
			want = F.sw_ret;
			origin = F.sw_ret ? TEEC_ORIGIN_TEE : 0;
		}
	}
	call_ctl();
	vlog("REGISTER cookie 0x%llx buf_ptr 0x%llx size 0x%llx npages %llu: expect ret 0x%x "
	     "origin %d fwd %d inexact %d held %llu bufs %u\n", (unsigned long long)cookie,
	     (unsigned long long)buf_ptr, (unsigned long long)e->size,
	     (unsigned long long)e->npages, want, origin, F.forward, F.inexact,
	     (unsigned long long)F.held, nbufs());
	r = run_call();
	vlog("  -> a0 0x%llx ret 0x%x origin 0x%x optee %d\n", (unsigned long long)r.a[0],
	     arg_page()->ret, arg_page()->ret_origin, F.optee_calls);
	check_result(&r, want, origin);
	a = arg_page();
	/*
	 * The mediator keeps the buffer once OP-TEE accepted it, even if the
	 * results could not be written back (a0 = EBADADDR).
	 */
	if (F.optee_calls && F.sw_ret == TEEC_SUCCESS) {
		for (unsigned i = 0; i < MAXBUFS; i++) {
			if (!F.bufs[i].live) {
				F.bufs[i] = (struct rbuf){ true, cookie, e->npages, e->offset };
				F.held += e->npages;
				break;
			}
		}
	}
	clear_faults();
	check_pins("after REGISTER_SHM");
}

static void op_unregister(void)
{
	struct optee_msg_arg *a;
	uint64_t cookie = 0;
	struct rbuf *b;
	struct teemed_regs r;
	uint32_t want;
	int origin;

	begin_call(OPTEE_MSG_CMD_UNREGISTER_SHM);
	a = arg_page();
	if (fin_u8(&F.in) % 4 && nbufs()) {
		unsigned k = fin_below(&F.in, MAXBUFS);

		for (unsigned j = 0; j < MAXBUFS; j++)
			if (F.bufs[(k + j) % MAXBUFS].live) {
				cookie = F.bufs[(k + j) % MAXBUFS].cookie;
				break;
			}
	} else {
		cookie = pick_cookie();
	}
	a->num_params = fin_u8(&F.in) % 16 ? 1 : 2;
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	a->params[0].u.rmem.shm_ref = cookie;
	F.unreg_cookie = cookie;
	b = find_buf(cookie);
	if (a->num_params != 1) {
		want = TEEC_ERROR_BAD_PARAMETERS;
		origin = TEEC_ORIGIN_TEE;
	} else if (!b) {
		want = TEEC_ERROR_BAD_PARAMETERS;
		origin = ORIGIN_MARK;
	} else {
		F.forward = true;
		want = F.sw_ret;
		origin = F.sw_ret ? TEEC_ORIGIN_TEE : 0;
	}
	call_ctl();
	r = run_call();
	check_result(&r, want, origin);
	a = arg_page();
	if (b && F.optee_calls && F.sw_ret == TEEC_SUCCESS) {
		F.held -= b->npages;
		b->live = false;
	}
	clear_faults();
	check_pins("after UNREGISTER_SHM");
}

/* INVOKE with TMEM|NONCONTIG (and some VALUE/NONE/null) parameters. */
static void op_tmem(void)
{
	static const uint64_t types[] = {
		OPTEE_MSG_ATTR_TYPE_TMEM_INPUT, OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT,
		OPTEE_MSG_ATTR_TYPE_TMEM_INOUT,
	};
	struct optee_msg_arg *a;
	struct teemed_regs r;
	uint32_t n = 1 + fin_u8(&F.in) % 4, want = TEEC_SUCCESS;
	uint64_t pending = 0;
	int origin = TEEC_ORIGIN_COMMS;

	begin_call(OPTEE_MSG_CMD_INVOKE_COMMAND);
	a = arg_page();
	a->num_params = n;
	for (uint32_t i = 0; i < n; i++) {
		struct optee_msg_param *p = &a->params[i];
		uint8_t k = fin_u8(&F.in);

		if (k % 8 == 0) {
			p->attr = OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
			p->u.value.a = fin_val(&F.in);
			continue;
		}
		p->attr = types[k % 3] | OPTEE_MSG_ATTR_NONCONTIG;
		p->u.tmem.buf_ptr = pick_ipa(true) & ~(PG - 1);
		p->u.tmem.buf_ptr |= fin_u8(&F.in) % 2 ? 0 : fin_u16(&F.in) & (PG - 1);
		if (k % 8 == 1)
			p->u.tmem.buf_ptr = 0; /* a null memref */
		p->u.tmem.size = pick_size(p->u.tmem.buf_ptr & (PG - 1));
		p->u.tmem.shm_ref = fin_u64(&F.in);
	}
	/* The mediator creates every buffer first, then translates in order. */
	for (uint32_t i = 0; i < n && want == TEEC_SUCCESS; i++) {
		struct optee_msg_param *p = &a->params[i];
		struct expect *e = &F.exp[F.nexp];

		if ((p->attr & OPTEE_MSG_ATTR_TYPE_MASK) < OPTEE_MSG_ATTR_TYPE_TMEM_INPUT ||
		    !p->u.tmem.buf_ptr)
			continue;
		e->param = (int)i;
		e->attr = p->attr;
		e->shm_ref = p->u.tmem.shm_ref;
		e->new_size = fin_u8(&F.in) % 2 ? p->u.tmem.size : fin_val(&F.in);
		/* Every memref is pinned for write: OP-TEE maps them read-write. */
		want = expect_buf(e, p->u.tmem.buf_ptr, p->u.tmem.size, TEEMED_PIN_WRITE, true,
				  pending);
		pending += e->npages;
		F.nexp++;
	}
	for (int i = 0; i < F.nexp && want == TEEC_SUCCESS; i++) {
		struct expect *e = &F.exp[i];

		want = walk(a->params[e->param].u.tmem.buf_ptr, e->npages, e->access, e->pa);
	}
	if (want == TEEC_SUCCESS) {
		F.forward = true;
		want = F.sw_ret;
		origin = F.sw_ret ? TEEC_ORIGIN_TEE : 0;
	}
	call_ctl();
	vlog("TMEM n %u nexp %d: expect ret 0x%x origin %d fwd %d inexact %d held %llu\n", n,
	     F.nexp, want, origin, F.forward, F.inexact, (unsigned long long)F.held);
	for (int i = 0; i < F.nexp; i++)
		vlog("  param %d attr 0x%llx off 0x%llx size 0x%llx npages %llu\n", F.exp[i].param,
		     (unsigned long long)F.exp[i].attr, (unsigned long long)F.exp[i].offset,
		     (unsigned long long)F.exp[i].size, (unsigned long long)F.exp[i].npages);
	r = run_call();
	vlog("  -> a0 0x%llx ret 0x%x origin 0x%x optee %d\n", (unsigned long long)r.a[0],
	     arg_page()->ret, arg_page()->ret_origin, F.optee_calls);
	check_result(&r, want, origin);
	a = arg_page();
	if (!F.inexact && F.forward) {
		/* Sizes of OUTPUT/INOUT memrefs come back; addresses never do. */
		for (int i = 0; i < F.nexp; i++) {
			const struct expect *e = &F.exp[i];
			const struct optee_msg_param *p = &a->params[e->param];
			uint64_t sz = e->attr == (OPTEE_MSG_ATTR_TYPE_TMEM_INPUT |
						   OPTEE_MSG_ATTR_NONCONTIG) ? e->size : e->new_size;

			if (p->u.tmem.size != sz)
				die("param %d: guest sees size 0x%llx, expected 0x%llx", e->param,
				    (unsigned long long)p->u.tmem.size, (unsigned long long)sz);
			if (p->attr != e->attr || (p->u.tmem.buf_ptr & (PG - 1)) != e->offset)
				die("param %d: attr or buf_ptr changed in the guest's argument",
				    e->param);
		}
	}
	clear_faults();
	check_pins("after INVOKE with temporary memrefs");
}

/* INVOKE with RMEM parameters on registered (or unknown) cookies. */
static void op_rmem(void)
{
	static const uint64_t types[] = {
		OPTEE_MSG_ATTR_TYPE_RMEM_INPUT, OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT,
		OPTEE_MSG_ATTR_TYPE_RMEM_INOUT,
	};
	struct optee_msg_arg *a;
	struct teemed_regs r;
	uint32_t n = 1 + fin_u8(&F.in) % 4, want = TEEC_SUCCESS;
	int origin = TEEC_ORIGIN_TEE;

	begin_call(OPTEE_MSG_CMD_INVOKE_COMMAND);
	a = arg_page();
	a->num_params = n;
	for (uint32_t i = 0; i < n; i++) {
		struct optee_msg_param *p = &a->params[i];
		struct rbuf *b = NULL;
		uint64_t limit, end;

		p->attr = types[fin_u8(&F.in) % 3];
		if (fin_u8(&F.in) % 4 && nbufs()) {
			for (unsigned k = fin_below(&F.in, MAXBUFS), j = 0; j < MAXBUFS; j++)
				if (F.bufs[(k + j) % MAXBUFS].live) {
					b = &F.bufs[(k + j) % MAXBUFS];
					break;
				}
			p->u.rmem.shm_ref = b->cookie;
		} else {
			p->u.rmem.shm_ref = pick_cookie();
			b = find_buf(p->u.rmem.shm_ref);
		}
		if (b) {
			limit = b->npages * PG - b->offset;
			switch (fin_u8(&F.in) % 4) {
			case 0:
				p->u.rmem.offs = fin_val(&F.in);
				p->u.rmem.size = fin_val(&F.in);
				break;
			case 1:
				p->u.rmem.offs = 0;
				p->u.rmem.size = limit + fin_u8(&F.in) % 2;
				break;
			default: {
				uint64_t room;

				p->u.rmem.offs = fin_u16(&F.in) % (limit < 65536 ? limit : 65536);
				room = limit - p->u.rmem.offs + 1;
				p->u.rmem.size = fin_u16(&F.in) % (room < 65536 ? room : 65536);
				break;
			}
			}
		} else {
			p->u.rmem.offs = fin_u16(&F.in);
			p->u.rmem.size = fin_u16(&F.in);
		}
		if (want != TEEC_SUCCESS)
			continue;
		if (!b)
			want = TEEC_ERROR_BAD_PARAMETERS;
		else if (__builtin_add_overflow(p->u.rmem.offs, p->u.rmem.size, &end) ||
			 end > b->npages * PG - b->offset)
			want = TEEC_ERROR_SECURITY;
	}
	memcpy(F.rmem, a->params, n * sizeof(a->params[0]));
	F.nrmem = n;
	if (want == TEEC_SUCCESS) {
		F.forward = true;
		want = F.sw_ret;
		origin = F.sw_ret ? TEEC_ORIGIN_TEE : 0;
	}
	call_ctl();
	r = run_call();
	check_result(&r, want, origin);
	check_pins("after INVOKE with RMEM");
}

/* ------------------------------------------------------------------------ */

static void setup(void)
{
	static const uint32_t budgets[] = { 4096, 1, 2, 3, 64, 510, 511, 512 };
	static const uint32_t maxbuf[] = { 2048, 1, 2, 511, 512, 1023, 2048, 2048 };
	static const uint32_t maxdom[] = { 8192, 3, 600, 1200 };
	static const uint32_t maxbufs[] = { 16, 1, 2, 16 };
	struct teemed_port port;
	uint8_t c0 = fin_u8(&F.in), c1 = fin_u8(&F.in);
	int rc;

	if (uses++ % 8 == 0)
		fake_reset();
	clear_faults();
	K.yield_every = (c1 & 3) == 3 ? 1 + ((c1 >> 2) & 7) : 0;
	teemed_config_default(&F.cfg);
	F.cfg.work_budget_pages = budgets[c0 & 7];
	F.cfg.max_buffer_pages = maxbuf[(c0 >> 3) & 7];
	F.cfg.max_domain_pages = maxdom[(c0 >> 6) & 3];
	F.cfg.max_domain_buffers = maxbufs[(c1 >> 5) & 3];
	sw_set_default(sw, NULL);
	vlog("config: budget %u max_buffer_pages %u max_domain_pages %u max_domain_buffers %u "
	     "yield_every %u\n", F.cfg.work_budget_pages, F.cfg.max_buffer_pages,
	     F.cfg.max_domain_pages, F.cfg.max_domain_buffers, K.yield_every);
	fake_port_get(&port);
	rc = teemed_init(&port, &F.cfg, &F.tm);
	if (rc)
		die("teemed_init: %d", rc);
	F.g = guest_new();
	F.cid = 1;
	rc = teemed_domain_create(F.tm, F.cid, F.g, &F.d);
	if (rc)
		die("domain_create: %d", rc);
	F.arg = g_alloc(F.g, 1, PG_RAM_RW);
	F.base = g_alloc(F.g, NPAGES, PG_RAM_RW);
	/* Some pages of other types. */
	for (unsigned k = fin_u8(&F.in) % 6; k; k--)
		set_type_in();
}

static void teardown(void)
{
	int rc, n = 0;

	clear_faults();
	F.destroy_unpins = fake_counts()->unpins;
	while ((rc = teemed_domain_destroy(F.tm, F.d)) == TEEMED_AGAIN)
		if (++n > 10000000)
			die("domain destroy never finishes");
	if (rc)
		die("domain destroy: %d", rc);
	rc = teemed_fini(F.tm);
	if (rc)
		die("fini: %d", rc);
	if (live_pins() || live_allocs() || live_pages() || live_maps() || live_locks())
		die("leak after teardown: pins %lld allocs %lld pages %lld maps %lld locks %lld",
		    (long long)live_pins(), (long long)live_allocs(), (long long)live_pages(),
		    (long long)live_maps(), (long long)live_locks());
	/* Mediator pages written after free_page (the fake port poisons them). */
	fake_check_clean(__FILE__, __LINE__);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") ? atoi(getenv("FUZZ_VERBOSE")) : 0;
	memset(&F, 0, sizeof(F));
	F.in.p = data;
	F.in.n = size;
	setup();
	for (int ops = 0; fin_left(&F.in) && ops < 64 && !F.abandoned; ops++) {
		uint8_t op = fin_u8(&F.in);

		F.inexact = false;
		clear_faults();
		vlog("op %u\n", op % 8);
		switch (op % 8) {
		case 0:
			op_list();
			break;
		case 1:
			op_entry();
			break;
		case 2:
			set_type_in();
			break;
		case 3:
		case 4:
			op_register();
			break;
		case 5:
			op_tmem();
			break;
		case 6:
			op_unregister();
			break;
		default:
			op_rmem();
			break;
		}
	}
	teardown();
	return 0;
}
