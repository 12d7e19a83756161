/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: a malicious guest's answers to OP-TEE's RPCs
 * (src/rpc.c, the RPC side of call.c and pagelist.c), over the unit tests'
 * fake port (tests/unit/fake_port.c, unmodified) and a scripted OP-TEE of
 * this file's own.
 *
 * The input is a sequence of OP-TEE exits for up to two concurrent calls:
 * RPC ALLOC (of sizes in and out of bounds), FREE (of known, failed and
 * unknown cookies), CMD with parameters of every type (TMEM addresses
 * included), SHM_ALLOC, SHM_FREE, FOREIGN_INTR, completion, plus the
 * guest's DISABLE_SHM_CACHE and resumes of slots that are not waiting. For
 * each exit the guest answers as the input says: good or bad RPC argument
 * pages (unaligned, zero, read-only, MMIO, unmapped, shared), its own
 * cookies (duplicates welcome), CMD replies that are sensible, garbage or
 * full of physical addresses, and SHM_ALLOC replies that are good, offset,
 * of the wrong shape, unaligned, read-only, of a duplicate cookie, failed,
 * empty or huge.
 *
 * The scripted OP-TEE knows what the mediator must do (docs/design.md,
 * "RPCs") and checks it: which exits the guest sees (and with its own
 * cookies and its slot number), which it must not see, what the guest's
 * RPC buffer holds (OP-TEE's argument with TMEM addresses zeroed), what
 * OP-TEE gets back (a mediator page or 0:0, a unique mediator cookie; from a
 * CMD only ret, ret_origin, value outputs and memref sizes; from SHM_ALLOC
 * exactly the guest's page list pinned for write, or a refusal after the
 * guest was sent SHM_FREE), the exact number of pins held at every step,
 * that no physical address reaches a guest register, and that everything
 * is released when the domain goes.
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
#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"
#include "teemed/teemed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NRPCPG   8u
#define NLISTPG  4u
#define NDATA    24u
#define MAXOB    160u  /* OP-TEE's RPC argument buffers (>= ALLOCs per input) */
#define MAXSHM   16u
#define TID(c)   (0x40u + (c))
#define SHM_ATTR (OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG)

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

	fprintf(stderr, "fuzz_rpc: FINDING: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

enum exit_kind { EX_NONE, EX_ALLOC, EX_FREE, EX_CMD, EX_SHM_ALLOC, EX_SHM_FREE, EX_INTR,
		 EX_COMPLETE };

/* One RPC argument buffer as OP-TEE knows it. */
struct obuf {
	bool live;
	uint64_t cookie;       /* the mediator's, given to OP-TEE (0: over the limit) */
	uint64_t pa;           /* 0: the guest's answer was refused */
	uint64_t guest_cookie;
	uint64_t guest_ipa;
	bool aliased;          /* the guest's page is also a call's argument page */
};

struct kshm {
	bool live;
	uint64_t cookie;       /* the guest's shm_ref */
	uint64_t npages;
};

/* What the guest answered to its call's last exit, checked at OP-TEE's next entry. */
struct pend {
	enum exit_kind kind;
	/* ALLOC */
	bool alloc_good;
	uint64_t guest_cookie, guest_ipa;
	/* CMD / SHM_ALLOC / SHM_FREE: OP-TEE's buffer and what it must read back */
	int ob;
	_Alignas(8) uint8_t sent[4096]; /* OP-TEE's argument as written */
	_Alignas(8) uint8_t want[4096]; /* what OP-TEE must find on resume */
	bool undo;             /* SHM_ALLOC refused: the guest gets SHM_FREE first */
	bool undo_seen;
	uint64_t shm_cookie;
	bool accept;
	bool shm_static_err;   /* refused whatever else the domain holds */
	uint32_t shm_ret;      /* the guest's ret (non-zero: passed to OP-TEE) */
	uint64_t shm_off, shm_size, shm_npages;
	uint64_t shm_pa[64];
};

struct gcall {
	bool active;
	int slot;              /* what the guest sees in a3, -1 before the first exit */
	uint64_t reply[8];     /* the guest's registers for its next resume */
	struct pend p;
};

static struct {
	struct fin in;
	struct teemed *tm;
	struct teemed_domain *d;
	struct fguest *g;
	struct teemed_config cfg;
	uint16_t cid;
	uint64_t arg[2], rpcpg, listpg, data, ro, mmio, unmapped;
	struct gcall call[2];
	int cur;
	struct obuf ob[MAXOB];
	struct kshm shm[MAXSHM];
	uint64_t cookies_seen[256];
	unsigned ncookies_seen;
	uint64_t next_shm_cookie;
	/* The exit OP-TEE makes at its next entry. */
	enum exit_kind planned;
	int planned_call;
	bool consumed;
	unsigned unplanned;
	uint64_t ex_regs[4];   /* the exit's a0..a3 */
	bool destroying;
	bool abandon;          /* destroy the domain with its calls suspended */
	uint64_t destroy_unpins;
	/* What OP-TEE does as it makes the planned exit (not before: the
	 * result of the call's previous exit is checked first). */
	struct {
		bool active;
		int k;
		uint8_t hdr[sizeof(struct optee_msg_arg)];
		struct optee_msg_param p[8];
		uint32_t n;
		struct kshm *free_shm;
		struct pend *np;
	} wr;
	int resv;              /* OP-TEE buffer slot the current op names */
	struct obuf *free_ob;  /* freed by OP-TEE as it exits */
} R;

static bool optee_write_arg(int k, const struct optee_msg_arg *hdr,
			    const struct optee_msg_param *p, uint32_t n);
static void want_from_guest(struct pend *pd, const struct optee_msg_arg *g, uint32_t n);
static void shm_decide(struct pend *pd);

static unsigned uses;

/* ------------------------------------------------------------------------ */

static uint64_t pins_expected(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < MAXOB; i++)
		if (R.ob[i].live && R.ob[i].pa)
			n++;
	for (unsigned i = 0; i < MAXSHM; i++)
		if (R.shm[i].live)
			n += R.shm[i].npages;
	return n;
}

/*
 * Buffer k is the argument of an RPC command some call has not answered
 * yet: OP-TEE uses it, so it neither frees it nor uses it for another
 * thread (the mediator would keep it alive for the command anyway).
 */
static bool ob_busy(int k)
{
	uint64_t page = R.ob[k].guest_ipa & ~(PG - 1);

	for (int i = 0; i < 2; i++) {
		const struct pend *p = &R.call[i].p;

		if (!R.call[i].active ||
		    (p->kind != EX_CMD && p->kind != EX_SHM_ALLOC && p->kind != EX_SHM_FREE))
			continue;
		/* The same buffer, or another one in the same guest page. */
		if (p->ob == k || (R.ob[k].pa && (R.ob[p->ob].guest_ipa & ~(PG - 1)) == page))
			return true;
	}
	return false;
}

static unsigned ob_count(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MAXOB; i++)
		n += R.ob[i].live && R.ob[i].cookie;
	return n;
}

static unsigned shm_count(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MAXSHM; i++)
		n += R.shm[i].live;
	return n;
}

static uint64_t shm_pages(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < MAXSHM; i++)
		if (R.shm[i].live)
			n += R.shm[i].npages;
	return n;
}

static struct kshm *shm_find(uint64_t cookie)
{
	for (unsigned i = 0; i < MAXSHM; i++)
		if (R.shm[i].live && R.shm[i].cookie == cookie)
			return &R.shm[i];
	return NULL;
}

static bool pinnable(uint64_t ipa, unsigned access)
{
	enum pg_type t;

	if (ipa & (PG - 1))
		return false;
	t = g_type(R.g, ipa);
	return t == PG_RAM_RW || (t == PG_RAM_RO && access == TEEMED_PIN_READ);
}

static void *gp(uint64_t ipa)
{
	void *p = g_ptr(R.g, ipa & ~(PG - 1));

	if (!p)
		die("guest page 0x%llx has no RAM", (unsigned long long)ipa);
	return (uint8_t *)p + (ipa & (PG - 1));
}

/* ------------------------------------------------------------------------ */
/* OP-TEE                                                                    */

static void check_entry_alloc(struct gcall *c, const struct teemed_regs *in)
{
	uint64_t pa = reg_pair(in->a[1], in->a[2]), cookie = reg_pair(in->a[4], in->a[5]);
	bool over = ob_count() >= R.cfg.max_domain_rpc_args;
	unsigned k;

	if (over) {
		if (pa || cookie)
			die("RPC ALLOC past the limit: OP-TEE got 0x%llx cookie 0x%llx",
			    (unsigned long long)pa, (unsigned long long)cookie);
	} else {
		if (!cookie)
			die("RPC ALLOC: OP-TEE got cookie 0");
		for (unsigned i = 0; i < R.ncookies_seen; i++)
			if (R.cookies_seen[i] == cookie)
				die("RPC ALLOC: cookie 0x%llx given to OP-TEE twice",
				    (unsigned long long)cookie);
		if (R.ncookies_seen < 256)
			R.cookies_seen[R.ncookies_seen++] = cookie;
		if (c->p.alloc_good != (pa != 0))
			die("RPC ALLOC: guest answer 0x%llx is %s, OP-TEE got PA 0x%llx",
			    (unsigned long long)c->p.guest_ipa, c->p.alloc_good ? "good" : "bad",
			    (unsigned long long)pa);
		if (pa && ((pa & (PG - 1)) || !pa_is_med_page(pa)))
			die("RPC ALLOC: OP-TEE got 0x%llx, not a mediator page",
			    (unsigned long long)pa);
	}
	for (k = 0; k < MAXOB && (R.ob[k].live || (int)k == R.resv); k++)
		;
	vlog("  OP-TEE: ALLOC result for call %ld: pa 0x%llx cookie 0x%llx (guest 0x%llx at 0x%llx) "
	     "-> slot %u\n", (long)(c - R.call), (unsigned long long)pa, (unsigned long long)cookie,
	     (unsigned long long)c->p.guest_cookie, (unsigned long long)c->p.guest_ipa, k);
	if (k == MAXOB)
		die("harness: more RPC buffers than MAXOB");
	R.ob[k] = (struct obuf){ true, cookie, pa, c->p.guest_cookie, c->p.guest_ipa,
				 (c->p.guest_ipa & ~(PG - 1)) == R.arg[0] ||
					 (c->p.guest_ipa & ~(PG - 1)) == R.arg[1] };
	if (!cookie)
		R.ob[k].live = false; /* OP-TEE cannot free what it has no cookie for */
}

static void walk_shm(const struct pend *p, const struct optee_msg_param *q)
{
	uint64_t lpa = q->u.tmem.buf_ptr & ~(PG - 1), i = 0;

	if ((q->u.tmem.buf_ptr & (PG - 1)) != p->shm_off)
		die("SHM_ALLOC: offset 0x%llx, guest gave 0x%llx",
		    (unsigned long long)(q->u.tmem.buf_ptr & (PG - 1)),
		    (unsigned long long)p->shm_off);
	while (i < p->shm_npages) {
		const uint64_t *l;

		if (!pa_is_med_page(lpa))
			die("SHM_ALLOC: list page 0x%llx is not a mediator page",
			    (unsigned long long)lpa);
		l = pa_ptr(lpa);
		for (unsigned k = 0; k < OPTEE_MSG_PAGELIST_ENTRIES && i < p->shm_npages; k++, i++) {
			if (!pa_is_guest_page(l[k]) || pa_guest(l[k]) != R.g ||
			    !pa_pins(l[k], TEEMED_PIN_WRITE))
				die("SHM_ALLOC: entry %llu = 0x%llx is not a write-pinned page of the "
				    "guest", (unsigned long long)i, (unsigned long long)l[k]);
			if (l[k] != p->shm_pa[i])
				die("SHM_ALLOC: entry %llu = 0x%llx, expected 0x%llx",
				    (unsigned long long)i, (unsigned long long)l[k],
				    (unsigned long long)p->shm_pa[i]);
		}
		if (i < p->shm_npages)
			lpa = l[OPTEE_MSG_PAGELIST_NEXT_SLOT];
	}
}

static void check_entry_cmd(struct gcall *c)
{
	struct pend *p = &c->p;
	const struct obuf *b = &R.ob[p->ob];
	struct optee_msg_arg *sh;

	if (p->undo && !p->undo_seen) {
		if (b->pa) {
			const struct optee_msg_arg *x = pa_ptr(b->pa);

			vlog("  OP-TEE got ret 0x%x origin %u attr 0x%llx ref 0x%llx size 0x%llx\n",
			     x->ret, x->ret_origin, (unsigned long long)x->params[0].attr,
			     (unsigned long long)x->params[0].u.tmem.shm_ref,
			     (unsigned long long)x->params[0].u.tmem.size);
		}
		die("a refused SHM_ALLOC answer reached OP-TEE without SHM_FREE to the guest");
	}
	if (!b->pa)
		return;
	sh = pa_ptr(b->pa);
	if (p->kind == EX_SHM_ALLOC && p->accept) {
		const struct optee_msg_param *q = &sh->params[0];

		if (sh->ret || q->attr != SHM_ATTR || q->u.tmem.size != p->shm_size ||
		    q->u.tmem.shm_ref != p->shm_cookie)
			die("SHM_ALLOC accepted: OP-TEE got ret 0x%x attr 0x%llx size 0x%llx ref 0x%llx",
			    sh->ret, (unsigned long long)q->attr, (unsigned long long)q->u.tmem.size,
			    (unsigned long long)q->u.tmem.shm_ref);
		walk_shm(p, q);
		for (unsigned i = 0; i < MAXSHM; i++) {
			if (!R.shm[i].live) {
				R.shm[i] = (struct kshm){ true, p->shm_cookie, p->shm_npages };
				break;
			}
		}
		return;
	}
	/*
	 * What counts is the guest's page as the mediator read it, just now:
	 * a page that is also an argument page may have been rewritten by a
	 * call's completion since the guest answered.
	 */
	if (p->kind != EX_SHM_ALLOC)
		want_from_guest(p, gp(b->guest_ipa),
				((const struct optee_msg_arg *)(void *)p->sent)->num_params);
	vlog("  OP-TEE: CMD result on buffer %d (pa 0x%llx, guest 0x%llx): ret 0x%x, want 0x%x, "
	     "guest page ret 0x%x\n", p->ob, (unsigned long long)b->pa,
	     (unsigned long long)b->guest_ipa, sh->ret,
	     ((const struct optee_msg_arg *)(const void *)p->want)->ret,
	     ((const struct optee_msg_arg *)gp(b->guest_ipa))->ret);
	if (memcmp(sh, p->want, 4096)) {
		const uint8_t *x = (const uint8_t *)sh;
		unsigned i;

		for (i = 0; i < 4096 && x[i] == p->want[i]; i++)
			;
		die("RPC %s: OP-TEE's argument differs from what it must read back at +%u "
		    "(0x%02x, expected 0x%02x)", p->kind == EX_SHM_ALLOC ? "SHM_ALLOC" : "CMD", i,
		    x[i], p->want[i]);
	}
}

/* OP-TEE entered with the results of call `ci`'s last exit. */
static void check_entry(int ci, const struct teemed_regs *in)
{
	struct gcall *c = &R.call[ci];

	switch (c->p.kind) {
	case EX_ALLOC:
		check_entry_alloc(c, in);
		break;
	case EX_CMD:
	case EX_SHM_ALLOC:
	case EX_SHM_FREE:
		check_entry_cmd(c);
		break;
	default:
		break;
	}
	memset(&c->p, 0, sizeof(c->p));
}

static void make_exit(int ci, struct teemed_regs *out)
{
	if (!R.planned || R.planned_call != ci || R.consumed) {
		/* Not what this op is about: come back later. */
		R.unplanned++;
		out->a[0] = OPTEE_SMC_RETURN_RPC_FOREIGN_INTR;
		out->a[1] = out->a[2] = 0;
		out->a[3] = TID(ci);
		return;
	}
	R.consumed = true;
	vlog("  OP-TEE: call %d exits 0x%llx 0x%llx 0x%llx\n", ci, (unsigned long long)R.ex_regs[0],
	     (unsigned long long)R.ex_regs[1], (unsigned long long)R.ex_regs[2]);
	if (R.free_ob) {
		R.free_ob->live = false;
		R.free_ob = NULL;
	}
	if (R.wr.active) {
		if (optee_write_arg(R.wr.k, (const struct optee_msg_arg *)(void *)R.wr.hdr, R.wr.p,
				    R.wr.n)) {
			memcpy(R.wr.np->sent, pa_ptr(R.ob[R.wr.k].pa), PG);
			memcpy(R.wr.np->want, R.wr.np->sent, PG);
		}
		if (R.wr.free_shm)
			R.wr.free_shm->live = false;
		R.wr.active = false;
	}
	out->a[0] = R.ex_regs[0];
	out->a[1] = R.ex_regs[1];
	out->a[2] = R.ex_regs[2];
	out->a[3] = R.ex_regs[3];
}

static void sw(struct sw_step *s, const struct teemed_regs *in, struct teemed_regs *out)
{
	uint32_t fid = (uint32_t)in->a[0];
	uint64_t pa;
	int ci;

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
		if (fake_counts()->unpins != R.destroy_unpins)
			die("pages unpinned by destroy before VM_DESTROYED");
		out->a[0] = OPTEE_SMC_RETURN_OK;
		return;
	case OPTEE_SMC_DISABLE_SHM_CACHE:
		if (in->a[7] != R.cid)
			die("DISABLE_SHM_CACHE with a7 0x%llx", (unsigned long long)in->a[7]);
		for (unsigned i = 0; i < MAXOB; i++) {
			if (R.ob[i].live && R.ob[i].pa && !ob_busy((int)i)) {
				out->a[0] = OPTEE_SMC_RETURN_OK;
				out->a[1] = R.ob[i].cookie >> 32;
				out->a[2] = R.ob[i].cookie & 0xFFFFFFFFu;
				R.ob[i].live = false;
				R.ex_regs[1] = R.ob[i].guest_cookie;
				return;
			}
		}
		out->a[0] = OPTEE_SMC_RETURN_ENOTAVAIL;
		return;
	case OPTEE_SMC_CALL_WITH_ARG:
		if (in->a[7] != R.cid)
			die("CALL_WITH_ARG with a7 0x%llx", (unsigned long long)in->a[7]);
		pa = reg_pair(in->a[1], in->a[2]);
		if ((pa & (PG - 1)) || !pa_is_med_page(pa))
			die("CALL_WITH_ARG: 0x%llx is not a mediator page", (unsigned long long)pa);
		ci = R.cur;
		if (R.call[ci].p.kind != EX_NONE)
			die("CALL_WITH_ARG while call %d waits for an RPC result", ci);
		make_exit(ci, out);
		if (out->a[0] == OPTEE_SMC_RETURN_OK)
			((struct optee_msg_arg *)pa_ptr(pa))->ret = 0;
		return;
	case OPTEE_SMC_CALL_RETURN_FROM_RPC:
		if (in->a[7] != R.cid)
			die("RETURN_FROM_RPC with a7 0x%llx", (unsigned long long)in->a[7]);
		if (in->a[3] != TID(0) && in->a[3] != TID(1))
			die("RETURN_FROM_RPC for thread 0x%llx", (unsigned long long)in->a[3]);
		ci = (int)(in->a[3] - TID(0));
		if (!R.call[ci].active)
			die("RETURN_FROM_RPC for thread %d, which is not in a call", ci);
		check_entry(ci, in);
		make_exit(ci, out);
		return;
	default:
		die("unexpected SMC 0x%llx", (unsigned long long)in->a[0]);
	}
}

/* ------------------------------------------------------------------------ */
/* The guest                                                                 */

static void guest_smc(struct teemed_regs *r)
{
	uint64_t in[8];

	memcpy(in, r->a, sizeof(in));
	teemed_handle_smc(R.tm, R.d, 0, r);
	if (fake_locks_held())
		die("teemed_handle_smc returned with a lock held");
	if (live_maps())
		die("teemed_handle_smc returned with a mapping");
	/* A PA the guest did not pass in itself (registers it may leave as they are). */
	for (int i = 0; i < 8; i++) {
		bool own = false;

		for (int j = 0; j < 8; j++)
			own |= in[j] == r->a[i];
		if (!own && pa_in_pool(r->a[i]))
			die("a PA reached the guest in a%d: 0x%llx", i, (unsigned long long)r->a[i]);
	}
	if (reg_pair(r->a[1], r->a[2]) != reg_pair(in[1], in[2]) &&
	    pa_in_pool(reg_pair(r->a[1], r->a[2])))
		die("a PA reached the guest in a1:a2");
	vlog("  guest %08llx %llx %llx %llx -> %08llx %llx %llx %llx\n", (unsigned long long)in[0],
	     (unsigned long long)in[1], (unsigned long long)in[2], (unsigned long long)in[3],
	     (unsigned long long)r->a[0], (unsigned long long)r->a[1],
	     (unsigned long long)r->a[2], (unsigned long long)r->a[3]);
}

static void check_pins(const char *when)
{
	if (live_pins() != (int64_t)pins_expected())
		die("%s: %lld pins live, expected %llu", when, (long long)live_pins(),
		    (unsigned long long)pins_expected());
}

/* The mediator refused an SHM_ALLOC answer: the guest is asked to free it. */
static void check_undo(struct gcall *c, const struct teemed_regs *r)
{
	const struct obuf *b = &R.ob[c->p.ob];
	const struct optee_msg_arg *a = gp(b->guest_ipa);

	if (reg_pair(r->a[1], r->a[2]) != b->guest_cookie)
		die("SHM_FREE undo shown with cookie 0x%llx, not the guest's 0x%llx",
		    (unsigned long long)reg_pair(r->a[1], r->a[2]),
		    (unsigned long long)b->guest_cookie);
	if (a->cmd != OPTEE_RPC_CMD_SHM_FREE || a->num_params != 1 ||
	    a->params[0].attr != OPTEE_MSG_ATTR_TYPE_VALUE_INPUT ||
	    a->params[0].u.value.b != c->p.shm_cookie)
		die("SHM_FREE undo: the guest's buffer holds cmd %u n %u attr 0x%llx b 0x%llx",
		    a->cmd, a->num_params, (unsigned long long)a->params[0].attr,
		    (unsigned long long)a->params[0].u.value.b);
	c->p.undo_seen = true;
}

/*
 * Run call `ci` until OP-TEE has made the planned exit and the guest sees
 * what comes of it. `shown`: the exit must reach the guest (else it is
 * hidden behind a FOREIGN_INTR).
 */
static struct teemed_regs drive(int ci, bool shown)
{
	struct gcall *c = &R.call[ci];
	struct teemed_regs r;
	unsigned n = 0;

	if (!c->active) {
		struct optee_msg_arg *a = gp(R.arg[ci]);

		memset(a, 0, OPTEE_MSG_GET_ARG_SIZE(0));
		a->cmd = OPTEE_MSG_CMD_INVOKE_COMMAND;
		r = (struct teemed_regs){ { OPTEE_SMC_CALL_WITH_ARG, R.arg[ci] >> 32,
					    R.arg[ci] & 0xFFFFFFFFu, 0, 0, 0, 0, 0 } };
		c->active = true;
		c->slot = -1;
		R.cur = ci;
	} else {
		memcpy(r.a, c->reply, sizeof(r.a));
		r.a[0] = OPTEE_SMC_CALL_RETURN_FROM_RPC;
		r.a[3] = (uint64_t)c->slot;
		if (c->p.kind == EX_SHM_ALLOC)
			shm_decide(&c->p);
	}
	R.consumed = false;
	R.unplanned = 0;
	for (;;) {
		uint32_t a0;

		guest_smc(&r);
		a0 = (uint32_t)r.a[0];
		if (R.unplanned)
			die("the mediator entered OP-TEE for call %d when it should not have", ci);
		if (optee_smc_return_is_rpc(a0)) {
			if (c->slot < 0)
				c->slot = (int)r.a[3];
			if (r.a[3] != (uint64_t)c->slot || r.a[3] >= 2)
				die("call %d: RPC exit with a3 = %llu, slot %d", ci,
				    (unsigned long long)r.a[3], c->slot);
		}
		if (++n > 100000)
			die("call %d never gets anywhere", ci);
		if (!R.consumed) {
			if (a0 == OPTEE_SMC_RETURN_RPC_CMD && c->p.undo && !c->p.undo_seen) {
				check_undo(c, &r);
				check_pins("at the SHM_FREE undo");
			} else if (a0 != OPTEE_SMC_RETURN_RPC_FOREIGN_INTR) {
				die("call %d: guest saw 0x%x before OP-TEE made its exit", ci, a0);
			}
		} else if (!(shown && a0 == OPTEE_SMC_RETURN_RPC_FOREIGN_INTR &&
			     R.planned != EX_INTR)) {
			break;
		}
		/* A preemption (or the undo): resume as the guest must. */
		r = (struct teemed_regs){ { OPTEE_SMC_CALL_RETURN_FROM_RPC, 0, 0, (uint64_t)c->slot,
					    0, 0, 0, 0 } };
	}
	memset(c->reply, 0, sizeof(c->reply));
	return r;
}

static void plan(int ci, enum exit_kind k, uint32_t a0, uint64_t a1, uint64_t a2)
{
	R.planned = k;
	R.planned_call = ci;
	R.ex_regs[0] = a0;
	R.ex_regs[1] = a1;
	R.ex_regs[2] = a2;
	R.ex_regs[3] = TID(ci);
}

/* ------------------------------------------------------------------------ */
/* Ops                                                                       */

static void op_alloc(void)
{
	static const uint64_t sizes[] = { 4096, 256, 4097, 0, 64, 8192, 4096, 1 };
	struct gcall *c = &R.call[R.cur];
	uint64_t size = sizes[fin_u8(&R.in) % 8];
	uint8_t ans = fin_u8(&R.in);
	uint64_t gcookie = 0x700 + fin_u8(&R.in), ipa;
	struct teemed_regs r;

	plan(R.cur, EX_ALLOC, OPTEE_SMC_RETURN_RPC_ALLOC, size, 0);
	r = drive(R.cur, true);
	if ((uint32_t)r.a[0] != OPTEE_SMC_RETURN_RPC_ALLOC || r.a[1] != size)
		die("RPC ALLOC(%llu) reached the guest as 0x%llx a1 0x%llx",
		    (unsigned long long)size, (unsigned long long)r.a[0], (unsigned long long)r.a[1]);
	check_pins("at RPC ALLOC");
	switch (ans % 8) {
	case 0:
		ipa = R.rpcpg + (uint64_t)(fin_u8(&R.in) % NRPCPG) * PG;
		break;
	case 1:
		ipa = R.rpcpg + 8;
		break;
	case 2:
		ipa = 0;
		break;
	case 3:
		ipa = R.ro;
		break;
	case 4:
		ipa = R.mmio;
		break;
	case 5:
		ipa = R.unmapped;
		break;
	case 6:
		ipa = R.arg[R.cur];
		break;
	default:
		ipa = fin_val(&R.in);
		break;
	}
	memset(&c->p, 0, sizeof(c->p));
	c->p.kind = EX_ALLOC;
	c->p.guest_cookie = gcookie;
	c->p.guest_ipa = ipa;
	c->p.alloc_good = size <= PG && ipa && pinnable(ipa, TEEMED_PIN_WRITE);
	c->reply[1] = ipa >> 32;
	c->reply[2] = ipa & 0xFFFFFFFFu;
	c->reply[4] = gcookie >> 32;
	c->reply[5] = gcookie & 0xFFFFFFFFu;
}

static int pick_ob(uint8_t which)
{
	return which % MAXOB;
}

static void op_free(void)
{
	uint8_t which = fin_u8(&R.in);
	int k = pick_ob(which);
	uint64_t cookie = which >= 0xF0 ? 0x5555 : R.ob[k].cookie;
	bool known = which < 0xF0 && R.ob[k].live;
	struct teemed_regs r;

	if (ob_busy(k))
		return;
	plan(R.cur, EX_FREE, OPTEE_SMC_RETURN_RPC_FREE, cookie >> 32, cookie & 0xFFFFFFFFu);
	if (known)
		R.free_ob = &R.ob[k];
	R.resv = k;
	r = drive(R.cur, known);
	R.resv = -1;
	if (known) {
		if ((uint32_t)r.a[0] != OPTEE_SMC_RETURN_RPC_FREE ||
		    reg_pair(r.a[1], r.a[2]) != R.ob[k].guest_cookie)
			die("RPC FREE of a known buffer reached the guest as 0x%llx 0x%llx",
			    (unsigned long long)r.a[0], (unsigned long long)reg_pair(r.a[1], r.a[2]));
	} else if ((uint32_t)r.a[0] != OPTEE_SMC_RETURN_RPC_FOREIGN_INTR) {
		die("RPC FREE of unknown cookie 0x%llx shown to the guest as 0x%llx",
		    (unsigned long long)cookie, (unsigned long long)r.a[0]);
	}
	check_pins("after RPC FREE");
}

static const uint64_t ptypes[] = {
	OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT,
	OPTEE_MSG_ATTR_TYPE_VALUE_INOUT, OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT,
	OPTEE_MSG_ATTR_TYPE_RMEM_INOUT, OPTEE_MSG_ATTR_TYPE_TMEM_INPUT | OPTEE_MSG_ATTR_NONCONTIG,
	OPTEE_MSG_ATTR_TYPE_NONE, OPTEE_MSG_ATTR_TYPE_RMEM_INPUT,
};

/* Write OP-TEE's argument into buffer k's page; returns false if it has none. */
static bool optee_write_arg(int k, const struct optee_msg_arg *hdr,
			    const struct optee_msg_param *p, uint32_t n)
{
	uint8_t *sh;

	if (!R.ob[k].live || !R.ob[k].pa)
		return false;
	sh = pa_ptr(R.ob[k].pa);
	memset(sh, 0, PG);
	memcpy(sh, hdr, sizeof(*hdr));
	memcpy(sh + sizeof(*hdr), p, n * sizeof(*p));
	return true;
}

/* The guest's view of OP-TEE's argument: the same, TMEM addresses zeroed. */
static void check_guest_copy(const struct pend *pd, uint32_t n)
{
	const struct obuf *b = &R.ob[pd->ob];
	struct optee_msg_arg *want = (struct optee_msg_arg *)(void *)pd->sent;
	_Alignas(8) uint8_t expect[4096];
	struct optee_msg_arg *e = (struct optee_msg_arg *)(void *)expect;

	memcpy(expect, want, sizeof(expect));
	for (uint32_t i = 0; i < n; i++) {
		uint64_t t = e->params[i].attr & OPTEE_MSG_ATTR_TYPE_MASK;

		if (t >= OPTEE_MSG_ATTR_TYPE_TMEM_INPUT && t <= OPTEE_MSG_ATTR_TYPE_TMEM_INOUT)
			e->params[i].u.tmem.buf_ptr = 0;
	}
	if (memcmp(gp(b->guest_ipa), expect, OPTEE_MSG_GET_ARG_SIZE(n)))
		die("RPC CMD: the guest's buffer does not hold OP-TEE's argument (TMEM zeroed)");
}

/*
 * The guest answers a CMD in its buffer; compute what OP-TEE must read back:
 * its own argument with ret, ret_origin, value outputs and memref sizes of
 * OUTPUT/INOUT parameters taken from the guest.
 */
static void guest_reply_cmd(struct pend *pd, uint32_t n, uint8_t mode)
{
	const struct obuf *b = &R.ob[pd->ob];
	struct optee_msg_arg *g = gp(b->guest_ipa);

	switch (mode % 4) {
	case 0:
		g->ret = 0;
		g->ret_origin = 0;
		for (uint32_t i = 0; i < n; i++) {
			g->params[i].u.value.a = 0xA000 + i;
			g->params[i].u.value.b = 0xB000 + i;
			g->params[i].u.value.c = 0xC000 + i;
		}
		break;
	case 1: {
		uint8_t *x = (uint8_t *)g;

		for (size_t i = 0; i < PG - (b->guest_ipa & (PG - 1)); i++)
			x[i] = (uint8_t)(0xE5 ^ i);
		break;
	}
	case 2:
		break;
	default: {
		uint64_t *x = (uint64_t *)(void *)g;

		for (size_t i = 0; i < (PG - (b->guest_ipa & (PG - 1))) / 8; i++)
			x[i] = PA_BASE + (i % POOL_PAGES) * PG;
		break;
	}
	}
	want_from_guest(pd, g, n);
}

/* What OP-TEE must read back, given the guest's reply `g` to an n-param CMD. */
static void want_from_guest(struct pend *pd, const struct optee_msg_arg *g, uint32_t n)
{
	struct optee_msg_arg *w = (struct optee_msg_arg *)(void *)pd->want;

	memcpy(pd->want, pd->sent, sizeof(pd->want));
	w->ret = g->ret;
	w->ret_origin = g->ret_origin;
	for (uint32_t i = 0; i < n; i++) {
		switch (w->params[i].attr & OPTEE_MSG_ATTR_TYPE_MASK) {
		case OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT:
		case OPTEE_MSG_ATTR_TYPE_VALUE_INOUT:
			w->params[i].u.value = g->params[i].u.value;
			break;
		case OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT:
		case OPTEE_MSG_ATTR_TYPE_TMEM_INOUT:
		case OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT:
		case OPTEE_MSG_ATTR_TYPE_RMEM_INOUT:
			w->params[i].u.rmem.size = g->params[i].u.rmem.size;
			break;
		default:
			break;
		}
	}
}

/* An RPC CMD on OP-TEE's buffer k: shown if the mediator knows it with a page. */
static bool cmd_exit(int k, const struct optee_msg_arg *hdr,
		     const struct optee_msg_param *p, uint32_t n, struct teemed_regs *r)
{
	static struct pend np;
	struct gcall *c = &R.call[R.cur];
	uint64_t cookie = R.ob[k].live ? R.ob[k].cookie : 0x9999;
	bool shown = R.ob[k].live && R.ob[k].pa;

	/*
	 * The call's pending result (its last exit's) is checked when OP-TEE
	 * is entered, inside drive(): the new one is prepared aside, and OP-TEE
	 * writes its argument as it exits (make_exit).
	 */
	memset(&np, 0, sizeof(np));
	np.ob = k;
	R.wr.active = true;
	R.wr.k = k;
	memcpy(R.wr.hdr, hdr, sizeof(R.wr.hdr));
	memcpy(R.wr.p, p, n * sizeof(*p));
	R.wr.n = n;
	R.wr.np = &np;
	plan(R.cur, EX_CMD, OPTEE_SMC_RETURN_RPC_CMD, cookie >> 32, cookie & 0xFFFFFFFFu);
	/* A CMD on a buffer OP-TEE was never given is OP-TEE's fault: WARN is fine. */
	K.allow_warn_log = !shown;
	R.resv = k;
	*r = drive(R.cur, shown);
	R.resv = -1;
	K.allow_warn_log = false;
	c->p = np;
	if (!shown) {
		if ((uint32_t)r->a[0] != OPTEE_SMC_RETURN_RPC_FOREIGN_INTR)
			die("RPC CMD on an unknown or failed buffer shown to the guest as 0x%llx",
			    (unsigned long long)r->a[0]);
		c->p.kind = EX_NONE;
		return false;
	}
	if ((uint32_t)r->a[0] != OPTEE_SMC_RETURN_RPC_CMD ||
	    reg_pair(r->a[1], r->a[2]) != R.ob[k].guest_cookie)
		die("RPC CMD reached the guest as 0x%llx cookie 0x%llx (the guest's is 0x%llx)",
		    (unsigned long long)r->a[0], (unsigned long long)reg_pair(r->a[1], r->a[2]),
		    (unsigned long long)R.ob[k].guest_cookie);
	check_guest_copy(&c->p, n);
	return true;
}

static void op_cmd(void)
{
	int k = pick_ob(fin_u8(&R.in));
	struct optee_msg_param p[8];
	struct optee_msg_arg hdr;
	struct teemed_regs r;
	uint32_t n;

	if (ob_busy(k))
		return;
	memset(&hdr, 0, sizeof(hdr));
	memset(p, 0, sizeof(p));
	hdr.cmd = fin_u8(&R.in) % 25;
	/* SHM_ALLOC and SHM_FREE have their own ops (and semantics). */
	if (hdr.cmd == OPTEE_RPC_CMD_SHM_ALLOC || hdr.cmd == OPTEE_RPC_CMD_SHM_FREE)
		hdr.cmd = OPTEE_RPC_CMD_GET_TIME;
	n = fin_u8(&R.in) % 6;
	hdr.num_params = n;
	hdr.ret = TEEC_ERROR_GENERIC;
	hdr.func = 0x11;
	hdr.session = 0x22;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t v;

		p[i].attr = ptypes[fin_u8(&R.in) % 8];
		v = fin_u64(&R.in);
		p[i].u.value.a = v;
		p[i].u.value.b = v + 1;
		p[i].u.value.c = v + 2;
		if ((p[i].attr & OPTEE_MSG_ATTR_TYPE_MASK) >= OPTEE_MSG_ATTR_TYPE_TMEM_INPUT)
			p[i].u.tmem.buf_ptr = R.ob[k].pa ? R.ob[k].pa : PA_BASE; /* a PA */
	}
	R.wr.free_shm = NULL;
	if (!cmd_exit(k, &hdr, p, n, &r)) {
		fin_u8(&R.in);
		return;
	}
	check_pins("at RPC CMD");
	R.call[R.cur].p.kind = EX_CMD;
	guest_reply_cmd(&R.call[R.cur].p, n, fin_u8(&R.in));
}

static void op_shm_alloc(void)
{
	int k = pick_ob(fin_u8(&R.in));
	uint64_t size = 1 + fin_u32(&R.in) % (40 * PG);
	uint8_t kind = fin_u8(&R.in), off8 = fin_u8(&R.in), first = fin_u8(&R.in);
	struct optee_msg_param p;
	struct optee_msg_arg hdr, *g;
	struct teemed_regs r;
	struct pend *pd;
	uint64_t off = 0, npages, cookie, gsize = size, list, ents[64];
	uint32_t ret = 0, err = 0;
	uint64_t attr = SHM_ATTR;
	unsigned type = first % 3;

	/* An SHM_ALLOC answer in a page a call completion may rewrite: skip. */
	if (ob_busy(k) || R.ob[k].aliased)
		return;
	memset(&hdr, 0, sizeof(hdr));
	memset(&p, 0, sizeof(p));
	hdr.cmd = OPTEE_RPC_CMD_SHM_ALLOC;
	hdr.num_params = 1;
	hdr.ret = TEEC_ERROR_GENERIC;
	p.attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p.u.value.a = type;
	p.u.value.b = size;
	p.u.value.c = 8;
	R.wr.free_shm = NULL;
	if (!cmd_exit(k, &hdr, &p, 1, &r))
		return;
	check_pins("at RPC SHM_ALLOC");
	pd = &R.call[R.cur].p;
	pd->kind = EX_SHM_ALLOC;
	cookie = 0x8000 + R.next_shm_cookie++;
	switch (kind % 10) {
	case 1:
		off = (off8 * 16u) % PG;
		break;
	case 2:
		/* One range of guest RAM, no page list (accepted since e8c65fb). */
		attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
		off = (off8 * 8u) % PG;
		break;
	case 6:
		for (unsigned i = 0; i < MAXSHM; i++)
			if (R.shm[i].live)
				cookie = R.shm[i].cookie;
		break;
	case 7:
		ret = TEEC_ERROR_OUT_OF_MEMORY;
		break;
	case 8:
		gsize = 0;
		break;
	case 9:
		gsize = (uint64_t)1 << 40;
		break;
	default:
		break;
	}
	npages = (gsize + off + PG - 1) / PG;
	/* The guest's page list: data pages from `first`, in one or two list pages. */
	/* Each call its own two list pages: pending answers never share one. */
	list = R.listpg + (uint64_t)(R.cur * 2 + first % 2) * PG;
	if (attr == OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT) {
		uint64_t cnt = npages < 64 ? npages : 64;

		list = off8 == 0xFF ? 0 : R.data + (first % NDATA) * PG;
		for (uint64_t i = 0; i < cnt; i++)
			ents[i] = list + i * PG;
	} else {
		uint64_t *l = gp(list);
		uint64_t cnt = npages < 64 ? npages : 64;

		memset(l, 0, PG);
		for (uint64_t i = 0; i < cnt; i++) {
			ents[i] = R.data + ((first + i) % NDATA) * PG;
			if (kind % 10 == 4 && i == cnt / 2)
				ents[i] |= 8;
			if (kind % 10 == 5 && i == cnt / 2)
				ents[i] = R.ro;
			l[i] = ents[i];
		}
	}
	g = gp(R.ob[k].guest_ipa);
	g->ret = ret;
	g->num_params = kind % 10 == 3 ? 2 : 1;
	g->params[0].attr = attr;
	g->params[0].u.tmem.buf_ptr = list | off;
	g->params[0].u.tmem.size = gsize;
	g->params[0].u.tmem.shm_ref = cookie;
	/* What the mediator must do with it. */
	pd->shm_cookie = cookie;
	pd->shm_off = off;
	pd->shm_size = gsize;
	pd->shm_npages = npages;
	pd->shm_ret = ret;
	if ((attr != SHM_ATTR && attr != OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT) || !(list | off) ||
	    gsize == 0 || npages > R.cfg.max_buffer_pages)
		err = 1;
	for (uint64_t i = 0; !err && i < npages; i++) {
		if (i >= 64 || !pinnable(ents[i], TEEMED_PIN_WRITE))
			err = 1;
		else
			pd->shm_pa[i] = g_pa(R.g, ents[i]);
	}
	pd->shm_static_err = err;
	shm_decide(pd);
	err = pd->undo;
	vlog("  guest: SHM_ALLOC answer kind %u in 0x%llx: size 0x%llx off 0x%llx npages %llu "
	     "cookie 0x%llx -> %s (held: %u buffers, %llu pages)\n", kind % 10,
	     (unsigned long long)R.ob[k].guest_ipa, (unsigned long long)gsize,
	     (unsigned long long)off, (unsigned long long)npages, (unsigned long long)cookie,
	     err ? "refused" : "accepted", shm_count(), (unsigned long long)shm_pages());
}

/*
 * What the mediator must do with a pending SHM_ALLOC answer, decided when it
 * processes it (the guest's resume): the domain's buffers may have changed
 * since the guest answered (the other call's answers).
 */
static void shm_decide(struct pend *pd)
{
	struct optee_msg_arg *w = (struct optee_msg_arg *)(void *)pd->want;

	memcpy(pd->want, pd->sent, PG);
	pd->undo = pd->accept = false;
	if (pd->shm_ret) {
		w->ret = pd->shm_ret;
		return;
	}
	if (pd->shm_static_err || pd->shm_npages > R.cfg.max_domain_pages - shm_pages() ||
	    shm_count() >= R.cfg.max_domain_buffers || shm_find(pd->shm_cookie)) {
		pd->undo = true;
		w->ret = TEEC_ERROR_GENERIC;
		w->ret_origin = TEEC_ORIGIN_COMMS;
	} else {
		pd->accept = true;
	}
}

static void op_shm_free(void)
{
	int k = pick_ob(fin_u8(&R.in));
	uint8_t which = fin_u8(&R.in);
	struct optee_msg_param p;
	struct optee_msg_arg hdr;
	struct kshm *s = NULL;
	struct teemed_regs r;
	uint64_t cookie = 0x6666;

	if (ob_busy(k))
		return;
	if (which < 0xF0) {
		for (unsigned i = 0, j = which % MAXSHM; i < MAXSHM; i++)
			if (R.shm[(i + j) % MAXSHM].live) {
				s = &R.shm[(i + j) % MAXSHM];
				cookie = s->cookie;
				break;
			}
	}
	memset(&hdr, 0, sizeof(hdr));
	memset(&p, 0, sizeof(p));
	hdr.cmd = OPTEE_RPC_CMD_SHM_FREE;
	hdr.num_params = 1;
	hdr.ret = TEEC_ERROR_GENERIC;
	p.attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p.u.value.a = OPTEE_RPC_SHM_TYPE_APPL;
	p.u.value.b = cookie;
	if (!R.ob[k].live || !R.ob[k].pa) {
		R.wr.free_shm = NULL;
		cmd_exit(k, &hdr, &p, 1, &r);
		return;
	}
	/* OP-TEE stops using the buffer when it asks: the pins go now. */
	R.wr.free_shm = s;
	if (!cmd_exit(k, &hdr, &p, 1, &r))
		return;
	check_pins("at RPC SHM_FREE");
	R.call[R.cur].p.kind = EX_SHM_FREE;
	guest_reply_cmd(&R.call[R.cur].p, 1, 0);
}

static void op_intr(void)
{
	struct teemed_regs r;

	plan(R.cur, EX_INTR, OPTEE_SMC_RETURN_RPC_FOREIGN_INTR, 0, 0);
	r = drive(R.cur, true);
	if ((uint32_t)r.a[0] != OPTEE_SMC_RETURN_RPC_FOREIGN_INTR)
		die("FOREIGN_INTR reached the guest as 0x%llx", (unsigned long long)r.a[0]);
	check_pins("at FOREIGN_INTR");
}

static void op_complete(int ci)
{
	struct teemed_regs r;
	const struct optee_msg_arg *a;

	if (!R.call[ci].active)
		return;
	R.cur = ci;
	plan(ci, EX_COMPLETE, OPTEE_SMC_RETURN_OK, 0, 0);
	r = drive(ci, true);
	if (r.a[0] != OPTEE_SMC_RETURN_OK)
		die("completion reached the guest as 0x%llx", (unsigned long long)r.a[0]);
	a = gp(R.arg[ci]);
	if (a->ret != 0)
		die("completion: guest's ret 0x%x", a->ret);
	R.call[ci].active = false;
	check_pins("after completion");
}

static void op_disable_cache(void)
{
	struct teemed_regs r = { { OPTEE_SMC_DISABLE_SHM_CACHE, 0, 0, 0, 0, 0, 0, 0 } };

	R.ex_regs[1] = 0;
	guest_smc(&r);
	if (r.a[0] == OPTEE_SMC_RETURN_OK && reg_pair(r.a[1], r.a[2]) != R.ex_regs[1])
		die("DISABLE_SHM_CACHE gave the guest cookie 0x%llx, its own is 0x%llx",
		    (unsigned long long)reg_pair(r.a[1], r.a[2]), (unsigned long long)R.ex_regs[1]);
	check_pins("after DISABLE_SHM_CACHE");
}

static void op_resume_raw(void)
{
	uint64_t slot = fin_u8(&R.in);
	uint64_t a1 = fin_u64(&R.in);
	struct teemed_regs r = { { OPTEE_SMC_CALL_RETURN_FROM_RPC, a1, 0, slot, 0, 0, 0, 0 } };

	if (slot > 200)
		r.a[3] = fin_val(&R.in);
	/* SMC32: only the low 32 bits of a3 count (SMCCC). */
	for (int i = 0; i < 2; i++)
		if (R.call[i].active && R.call[i].slot >= 0 &&
		    (uint32_t)r.a[3] == (uint32_t)R.call[i].slot)
			return; /* a real resume: not this op's business */
	R.planned = EX_NONE;
	R.unplanned = 0;
	guest_smc(&r);
	if (r.a[0] != OPTEE_SMC_RETURN_ERESUME)
		die("RETURN_FROM_RPC for slot 0x%llx that waits for nothing: a0 0x%llx",
		    (unsigned long long)slot, (unsigned long long)r.a[0]);
	if (R.unplanned)
		die("RETURN_FROM_RPC for a slot that waits for nothing reached OP-TEE");
}

/* ------------------------------------------------------------------------ */

static void setup(void)
{
	static const uint32_t budgets[] = { 4096, 1, 2, 3, 511, 512, 64, 7 };
	static const uint32_t maxbufs[] = { 16, 1, 2, 16 };
	struct teemed_port port;
	uint8_t f = fin_u8(&R.in);
	int rc;

	if (uses++ % 8 == 0)
		fake_reset();
	K.fail_alloc_at = K.fail_pin_at = K.fail_map_at = K.fail_page_at = 0;
	K.yield_every = f & 0x40 ? 1 : 0;
	R.abandon = (f & 0x80) != 0;
	teemed_config_default(&R.cfg);
	R.cfg.work_budget_pages = budgets[f & 7];
	R.cfg.max_domain_rpc_args = f & 8 ? 2 : 256;
	R.cfg.max_domain_buffers = maxbufs[(f >> 4) & 3];
	R.cfg.max_buffer_pages = 48;
	sw_set_default(sw, NULL);
	fake_port_get(&port);
	rc = teemed_init(&port, &R.cfg, &R.tm);
	if (rc)
		die("teemed_init: %d", rc);
	R.g = guest_new();
	R.cid = 1;
	rc = teemed_domain_create(R.tm, R.cid, R.g, &R.d);
	if (rc)
		die("domain_create: %d", rc);
	R.arg[0] = g_alloc(R.g, 1, PG_RAM_RW);
	R.arg[1] = g_alloc(R.g, 1, PG_RAM_RW);
	R.rpcpg = g_alloc(R.g, NRPCPG, PG_RAM_RW);
	R.listpg = g_alloc(R.g, NLISTPG, PG_RAM_RW);
	R.data = g_alloc(R.g, NDATA, PG_RAM_RW);
	R.ro = g_alloc(R.g, 1, PG_RAM_RO);
	R.mmio = g_alloc(R.g, 1, PG_MMIO);
	R.unmapped = R.mmio + PG; /* the guard page after it */
}

static void teardown(void)
{
	int rc, n = 0;

	for (int i = 0; i < 2 && !R.abandon; i++)
		op_complete(i);
	R.destroy_unpins = fake_counts()->unpins;
	while ((rc = teemed_domain_destroy(R.tm, R.d)) == TEEMED_AGAIN)
		if (++n > 10000000)
			die("domain destroy never finishes");
	if (rc)
		die("domain destroy: %d", rc);
	rc = teemed_fini(R.tm);
	if (rc)
		die("fini: %d", rc);
	if (live_pins() || live_allocs() || live_pages() || live_maps() || live_locks())
		die("leak after teardown: pins %lld allocs %lld pages %lld maps %lld locks %lld",
		    (long long)live_pins(), (long long)live_allocs(), (long long)live_pages(),
		    (long long)live_maps(), (long long)live_locks());
	fake_check_clean(__FILE__, __LINE__);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") ? atoi(getenv("FUZZ_VERBOSE")) : 0;
	memset(&R, 0, sizeof(R));
	R.resv = -1;
	R.in.p = data;
	R.in.n = size;
	setup();
	for (int ops = 0; fin_left(&R.in) && ops < 128; ops++) {
		uint8_t op = fin_u8(&R.in) % 10;

		vlog("op %u (call %d)\n", op, R.cur);
		switch (op) {
		case 0:
			op_alloc();
			break;
		case 1:
			op_free();
			break;
		case 2:
			op_cmd();
			break;
		case 3:
			op_shm_alloc();
			break;
		case 4:
			op_shm_free();
			break;
		case 5:
			op_intr();
			break;
		case 6:
			op_complete(R.cur);
			break;
		case 7:
			R.cur ^= 1;
			break;
		case 8:
			op_disable_cache();
			break;
		default:
			op_resume_raw();
			break;
		}
	}
	teardown();
	return 0;
}
