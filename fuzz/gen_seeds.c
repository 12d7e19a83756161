/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Seed corpus generator: writes fuzz/corpus/<harness>/seed-NNN-<name> files,
 * each a meaningful action sequence in that harness's input encoding (the
 * emitters below mirror the decoders in fuzz_machine.c, fuzz_pagelist.c and
 * fuzz_rpc.c byte for byte). Run by `make fuzz-seeds`; the output is
 * committed.
 *
 * Usage: gen_seeds DIR   (DIR/fuzz_machine, DIR/fuzz_pagelist, DIR/fuzz_rpc)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint8_t buf[65536];
static size_t len;
static const char *outdir;
static const char *harness;
static unsigned nseed;

static void B(unsigned v)
{
	if (len < sizeof(buf))
		buf[len++] = (uint8_t)v;
}

static void LE(uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		B((unsigned)(v >> (8 * i)) & 0xFF);
}

/* fin_val encodings. */
static void V0(void) { B(0); }
static __attribute__((unused)) void V8(unsigned v) { B(1); B(v); }
static __attribute__((unused)) void V16(unsigned v) { B(2); LE(v, 2); }
static __attribute__((unused)) void V32(uint32_t v) { B(3); LE(v, 4); }
static void V64(uint64_t v) { B(7); LE(v, 8); }

static void start(void)
{
	len = 0;
}

static void emit(const char *name)
{
	char dir[4096], path[4200];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/%s", outdir, harness);
	mkdir(outdir, 0755);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		perror(dir);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/seed-%03u-%s", dir, nseed++, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* ======================================================================== */
/* fuzz_machine                                                              */

enum { OP_STD = 0, OP_RESUME = 2, OP_FAST = 3, OP_RAW = 4, OP_ARG = 5, OP_OPEN = 6,
       OP_INVOKE = 7, OP_LIST = 8, OP_WRAW = 9, OP_S2 = 10, OP_VCPU = 11, OP_GOOD = 12,
       OP_AUTO = 13, OP_CALL_AUTO = 15, OP_REGISTER = 17, OP_FAULT = 18, OP_ANSWER = 19 };

enum { TA_DEVENUM, TA_ARITH, TA_BUF, TA_STORAGE, TA_SHMKEEP, TA_SLEEP, TA_PANIC };

/* attrs[] indices of fuzz_machine.c. */
enum { A_NONE, A_VIN, A_VOUT, A_VINOUT, A_RIN, A_ROUT, A_RINOUT, A_TIN, A_TOUT, A_TINOUT,
       A_TIN_CONTIG, A_TOUT_CONTIG, A_META, A_RIN_NC };

static void m_header(unsigned budget_idx, int fintr, int yield, unsigned vcpus, unsigned knobs)
{
	B((budget_idx & 7) | (fintr ? 8 : 0) | (yield ? 16 : 0) | (((vcpus - 1) % 3) << 5));
	B(knobs);
}

/* pick_ipa's default branch: page `first + k`. */
static void m_ipa(unsigned k)
{
	B(6);
	B(k);
}

static void m_std(unsigned argk)
{
	B(OP_STD);
	m_ipa(argk);
	B(1);
	B(1);
}

static void m_call_auto(unsigned argk)
{
	B(OP_CALL_AUTO);
	B(argk);
	B(1);
	B(1);
}

/* pick_cookie: a new small cookie 0x1000 + j, or the idx-th noted one. */
static void m_cookie_new(unsigned j)
{
	B(0);
	B(1);
	B(j);
}

static void m_cookie_old(unsigned idx)
{
	B(1);
	B(idx);
}

/* pick_size: n whole pages (1..8), or a byte count. */
static void m_size_pages(unsigned n)
{
	B(2);
	B(n - 1);
}

static void m_size_bytes(unsigned n)
{
	B(6);
	LE(n, 2);
}

static void m_pvalue(unsigned attr, uint64_t a, uint64_t b)
{
	B(1);
	B(attr);
	B(1);
	V64(a);
	V64(b);
	B(1);
}

static void m_pnone(void)
{
	B(1);
	B(A_NONE);
	B(1);
	V0();
	V0();
	B(1);
}

static void m_ptmem(unsigned attr, unsigned listk, unsigned npages_or_0, unsigned bytes,
		    int cookie_old)
{
	B(1);
	B(attr);
	B(1);
	B(1);          /* buf_ptr non-zero */
	m_ipa(listk);  /* pick_list */
	B(1);          /* aligned */
	if (npages_or_0)
		m_size_pages(npages_or_0);
	else
		m_size_bytes(bytes);
	if (cookie_old >= 0)
		m_cookie_old((unsigned)cookie_old);
	else
		m_cookie_new(0);
}

static void m_pnull(unsigned attr)
{
	B(1);
	B(attr);
	B(1);
	B(0);          /* buf_ptr 0: a null memref */
	m_size_bytes(16);
	m_cookie_new(1);
}

static void m_prmem(unsigned attr, unsigned offs, unsigned size, unsigned cookie_idx)
{
	B(1);
	B(attr);
	B(1);
	B(1);
	LE(offs, 2);
	m_size_bytes(size);
	m_cookie_old(cookie_idx);
}

static void m_open(unsigned argk, unsigned ta, unsigned nta)
{
	B(OP_OPEN);
	m_ipa(argk);
	B(nta);
	B(ta);
	B(1);
	B(1);
}

static void m_invoke_hdr(unsigned argk, unsigned func, unsigned sess)
{
	B(OP_INVOKE);
	m_ipa(argk);
	B(func);
	B(sess);
}

/* One list page: n sequential data pages from `base` (0..47), next list page or none. */
static void m_list(unsigned listk, unsigned n, unsigned base, unsigned stride, int next)
{
	B(OP_LIST);
	m_ipa(listk);
	if (n == 511) {
		B(0);
	} else if (n <= 16) {
		B(2);
		B(n - 1);
	} else {
		B(1);
		LE(n, 2);
	}
	B(base);
	B(stride);
	for (unsigned i = 0; i < n; i++)
		B(1);
	if (next < 0) {
		B(0);
	} else {
		B(1);
		m_ipa((unsigned)next);
		B(1);
	}
}

static void m_register(unsigned argk, unsigned np, unsigned off, unsigned listk)
{
	B(OP_REGISTER);
	B(argk);
	if (np <= 8) {
		B(1);
		B(np - 1);
	} else {
		B(0);
		LE(np - 1, 2);
	}
	if (off) {
		B(0);
		LE(off, 2);
	} else {
		B(1);
	}
	B(listk);
	B(0);          /* first data page */
	if (!off)
		B(0);  /* no size trim */
	m_cookie_new(np % 16);
	B(1);          /* op_std_call: no odd registers */
	B(1);
}

static void m_unregister_arg(unsigned argk, unsigned cookie_idx)
{
	B(OP_ARG);
	m_ipa(argk);
	B(1);
	B(5);          /* cmd UNREGISTER_SHM */
	B(0);          /* func */
	B(0);          /* session: fin_u32 (a session exists) */
	LE(0, 4);
	B(1);          /* cancel 0 */
	B(2);
	B(1);          /* num_params 1 */
	m_prmem(A_RIN, 0, 0, cookie_idx);
}

static void m_fast(unsigned fid_idx)
{
	B(OP_FAST);
	for (int i = 0; i < 7; i++)
		B(0);
	B(fid_idx);
}

static void m_auto(unsigned steps)
{
	B(OP_AUTO);
	B(2);          /* the first waiting slot */
	B(1);          /* sensible */
	B(steps - 1);
}

static void m_s2(unsigned page, unsigned action)
{
	B(OP_S2);
	B(1);
	B(page);
	B(action);
}

static void m_resume_plain(void)
{
	B(OP_RESUME);
	B(2);
	B(2);
	B(0);
	B(1);
}

static void m_fault(unsigned kind, unsigned nth, int sticky)
{
	B(OP_FAULT);
	B(0);
	B(kind | (sticky ? 16 : 0));
	B(nth - 1);
}

static void gen_machine(void)
{
	harness = "fuzz_machine";
	nseed = 0;

	start();
	m_header(0, 0, 0, 1, 0);
	emit("empty");

	start();
	m_header(0, 0, 0, 1, 0);
	for (unsigned i = 0; i < 20; i++)
		m_fast(i);
	emit("fast-calls");

	/* ARITH: open, ADD, MUL, INC4, COUNT, close. */
	for (unsigned func = 0; func < 4; func++) {
		start();
		m_header(0, 0, 0, 1, 0);
		m_open(0, TA_ARITH, 0);
		m_call_auto(0);
		m_invoke_hdr(1, func, 0);
		m_pvalue(func == 2 ? A_VINOUT : func == 3 ? A_VOUT : A_VIN, 40 + func, 2);
		m_pvalue(func == 2 ? A_VINOUT : func == 3 ? A_NONE : A_VOUT, 0, 0);
		m_pvalue(func == 2 ? A_VINOUT : A_NONE, 0, 0);
		m_pvalue(func == 2 ? A_VINOUT : A_NONE, 0, 0);
		m_call_auto(1);
		m_call_auto(1);
		emit(func == 0 ? "arith-add" : func == 1 ? "arith-mul" : func == 2 ? "arith-inc4"
								      : "arith-count");
	}

	/* Every TA opened, with the good guest's workload between. */
	start();
	m_header(0, 0, 0, 2, 0);
	for (unsigned ta = 0; ta < 7; ta++) {
		m_open(ta % 4, ta, 0);
		m_call_auto(ta % 4);
		B(OP_GOOD);
	}
	emit("open-every-ta");

	/* BUF: temporary memrefs through written page lists. */
	for (unsigned v = 0; v < 4; v++) {
		start();
		m_header(v == 3 ? 1 : 0, 0, 0, 1, 0);
		m_list(0, 1 + v * 3, 0, 1, -1);
		m_list(1, 2, 10, 1, -1);
		m_open(0, TA_BUF, 0);
		m_call_auto(0);
		m_invoke_hdr(1, v, 0); /* FILL, CHECKSUM, REVERSE, COPY */
		if (v == 0) {
			m_pvalue(A_VIN, 0x5A, 0);
			m_ptmem(A_TOUT, 0, 0, 3000 + v, -1);
		} else if (v == 1) {
			m_ptmem(A_TIN, 0, 4, 0, -1);
			m_pvalue(A_VOUT, 0, 0);
		} else if (v == 2) {
			m_ptmem(A_TINOUT, 0, 0, 4096 * 3 + 5, -1);
			m_pnone();
		} else {
			m_ptmem(A_TIN, 0, 0, 4096 * 3 + 1, -1);
			m_ptmem(A_TOUT, 1, 0, 100, -1);
		}
		m_pnone();
		m_pnone();
		m_call_auto(1);
		emit(v == 0 ? "buf-fill-tmem" : v == 1 ? "buf-checksum-tmem"
				: v == 2 ? "buf-reverse-tmem" : "buf-copy-short-budget1");
	}

	/* REGISTER_SHM, RMEM use, UNREGISTER_SHM. */
	for (unsigned v = 0; v < 4; v++) {
		static const unsigned np[] = { 1, 3, 600, 2044 };

		start();
		m_header(v == 2 ? 6 : v == 3 ? 4 : 0, 0, v == 3, 1, 0);
		m_register(0, np[v], v == 1 ? 100 : 0, v);
		m_open(1, TA_BUF, 0);
		m_call_auto(1);
		m_invoke_hdr(2, 1, 0); /* CHECKSUM */
		m_prmem(A_RIN, 0, 4000, 0);
		m_pvalue(A_VOUT, 0, 0);
		m_pnone();
		m_pnone();
		m_call_auto(2);
		m_unregister_arg(3, 0);
		m_call_auto(3);
		m_unregister_arg(3, 0);
		m_call_auto(3);
		emit(v == 0 ? "register-1" : v == 1 ? "register-3-offset" : v == 2 ? "register-600"
										 : "register-2044-yield");
	}

	/* STORAGE: WRITE then READ then DELETE through the FS RPCs. */
	start();
	m_header(0, 0, 0, 1, 0);
	m_list(0, 1, 5, 1, -1);
	m_open(0, TA_STORAGE, 0);
	m_call_auto(0);
	for (unsigned func = 0; func < 3; func++) {
		m_invoke_hdr(1, func, 0);
		m_pvalue(A_VIN, 7, 0);
		if (func == 1)
			m_ptmem(A_TOUT, 0, 0, 200, -1);
		else if (func == 0)
			m_ptmem(A_TIN, 0, 0, 200, -1);
		else
			m_pnone();
		m_pnone();
		m_pnone();
		m_call_auto(1);
	}
	emit("storage-write-read-delete");

	/* SHMKEEP: RPC SHM_ALLOC kept across invokes, FILL, CHECK, FREE. */
	for (unsigned v = 0; v < 3; v++) {
		start();
		m_header(v == 1 ? 2 : 0, v == 2, 0, 1, 0);
		m_open(0, TA_SHMKEEP, 0);
		m_call_auto(0);
		for (unsigned func = 0; func < 4; func++) {
			m_invoke_hdr(1, func, 0);
			m_pvalue(A_VIN, func == 0 ? 5000 + v * 4096 : 9, v == 1 ? 2 : 0);
			m_pvalue(func == 2 ? A_VOUT : A_NONE, 0, 0);
			m_pnone();
			m_pnone();
			m_call_auto(1);
		}
		emit(v == 0 ? "shmkeep" : v == 1 ? "shmkeep-budget2" : "shmkeep-foreign-intr");
	}

	/* SLEEP: GET_TIME, RPC_LOOP, SEND; PANIC. */
	start();
	m_header(0, 0, 0, 1, 0);
	m_open(0, TA_SLEEP, 0);
	m_call_auto(0);
	m_invoke_hdr(1, 1, 0);
	m_pvalue(A_VOUT, 0, 0);
	m_pnone();
	m_pnone();
	m_pnone();
	m_call_auto(1);
	m_invoke_hdr(1, 4, 0);
	m_pvalue(A_VIN, 5, 0);
	m_pvalue(A_VOUT, 0, 0);
	m_pnone();
	m_pnone();
	m_call_auto(1);
	m_open(2, TA_PANIC, 0);
	m_call_auto(2);
	m_invoke_hdr(3, 0, 1);
	m_pnone();
	m_pnone();
	m_pnone();
	m_pnone();
	m_call_auto(3);
	emit("sleep-rpcs-panic");

	/* An RPC started on vCPU 0, resumed step by step on other vCPUs. */
	start();
	m_header(0, 0, 0, 3, 0);
	m_open(0, TA_SLEEP, 0);
	m_call_auto(0);
	m_invoke_hdr(1, 4, 0);
	m_pvalue(A_VIN, 3, 0);
	m_pvalue(A_VOUT, 0, 0);
	m_pnone();
	m_pnone();
	m_std(1);
	for (unsigned i = 0; i < 12; i++) {
		B(OP_VCPU);
		B(i % 3);
		m_auto(1);
	}
	emit("vcpu-switch-rpcs");

	/* Preempted registration with stage-2 changes between the resumes. */
	for (unsigned v = 0; v < 6; v++) {
		start();
		m_header(1, 0, 0, 2, 0);
		m_list(0, 40, 0, 1, -1);
		B(OP_ARG);
		m_ipa(0);
		B(1);
		B(4);          /* REGISTER_SHM */
		B(0);          /* func */
		LE(0, 4);      /* session (none open) */
		B(1);          /* cancel 0 */
		B(2);
		B(1);          /* one param */
		m_ptmem(A_TOUT, 0, 40, 0, -1);
		B(1);          /* keep the REGISTER shape */
		m_ipa(0);
		B(1);          /* aligned */
		m_std(0);
		for (unsigned i = 0; i < 10; i++) {
			if (i == 3)
				m_s2(16 + 5, v);
			m_resume_plain();
		}
		emit(v == 0 ? "preempt-unmap" : v == 1 ? "preempt-ro" : v == 2 ? "preempt-rw"
				: v == 3 ? "preempt-remap" : v == 4 ? "preempt-remap2" : "preempt-mmio");
	}

	/* Faults injected in the port during a registration and a TA call. */
	for (unsigned kind = 0; kind < 4; kind++) {
		start();
		m_header(0, 0, 0, 1, 0);
		m_fault(kind, 1 + kind * 2, kind & 1);
		m_register(0, 3, 0, 0);
		m_open(1, TA_SHMKEEP, 0);
		m_call_auto(1);
		m_invoke_hdr(2, 0, 0);
		m_pvalue(A_VIN, 100, 0);
		m_pnone();
		m_pnone();
		m_pnone();
		m_call_auto(2);
		B(OP_GOOD);
		emit(kind == 0 ? "fault-alloc" : kind == 1 ? "fault-pin-sticky" : kind == 2
				 ? "fault-map" : "fault-page-sticky");
	}

	/* The good guest's whole cycle, twice, with H idle. */
	start();
	m_header(0, 0, 0, 1, 0);
	for (int i = 0; i < 12; i++)
		B(OP_GOOD);
	emit("good-workload");

	/* Calls left suspended in RPCs at teardown; thread limit. */
	start();
	m_header(0, 0, 0, 1, 8);
	m_open(0, TA_SLEEP, 0);
	m_call_auto(0);
	for (unsigned k = 1; k < 4; k++) {
		m_invoke_hdr(k, 4, 0);
		m_pvalue(A_VIN, 3, 0);
		m_pvalue(A_VOUT, 0, 0);
		m_pnone();
		m_pnone();
		m_std(k);
	}
	emit("suspended-at-teardown");

	/* Null memrefs, contiguous TMEM (refused), META on a TA param. */
	start();
	m_header(0, 0, 0, 1, 0);
	m_open(0, TA_BUF, 0);
	m_call_auto(0);
	m_invoke_hdr(1, 1, 0);
	m_pnull(A_TIN);
	m_pvalue(A_VOUT, 0, 0);
	m_pnone();
	m_pnone();
	m_call_auto(1);
	m_invoke_hdr(1, 1, 0);
	m_ptmem(A_TIN_CONTIG, 0, 1, 0, -1);
	m_pvalue(A_META, 0, 0);
	m_pnone();
	m_pnone();
	m_call_auto(1);
	emit("null-contig-meta");
}

/* ======================================================================== */
/* fuzz_pagelist                                                             */

enum { PL_LIST, PL_ENTRY, PL_TYPE, PL_REGISTER, PL_REGISTER2, PL_TMEM, PL_UNREGISTER, PL_RMEM };

static void p_header(unsigned budget, unsigned maxbuf, unsigned maxdom, unsigned maxbufs,
		     unsigned yield_every, unsigned ntypes)
{
	B((budget & 7) | ((maxbuf & 7) << 3) | ((maxdom & 3) << 6));
	B((yield_every ? 3 | (((yield_every - 1) & 7) << 2) : 0) | ((maxbufs & 3) << 5));
	B(ntypes);
}

/* pick_ipa default: page k (list pages 0..7 when list). */
static void p_ipa(unsigned k)
{
	B(6);
	B(k);
}

/* op_list: list page `lk`, n entries from data page `first` (8..47). */
static void p_list(unsigned lk, unsigned n, unsigned first, unsigned stride, int next)
{
	B(PL_LIST);
	B(1);          /* one of the list pages */
	B(lk);
	if (n >= 511) {
		B(0);
	} else {
		B(1);
		B(n - 1);
	}
	B(first - 8);
	B(stride);
	for (unsigned i = 0; i < (n >= 511 ? 511 : n); i++)
		B(1);
	if (next < 0) {
		B(0);
	} else {
		B(1);
		p_ipa((unsigned)next);
	}
}

static void p_entry(unsigned page, unsigned slot, unsigned sel, unsigned val)
{
	B(PL_ENTRY);
	B(page);
	if (slot == 511) {
		B(0);
	} else {
		B(1);
		LE(slot, 2);
	}
	B(sel);
	if (sel == 0) {
		B(val);
		LE(0x10, 2);
	} else if (sel != 2 && sel != 4) {
		B(val);
	}
}

static void p_type(unsigned page, unsigned t)
{
	B(PL_TYPE);
	B(page);
	B(t);
}

/* op_register: sw_ret OK, shape OK, list page lk, offset, size encoding. */
static void p_register(unsigned lk, unsigned off, unsigned size_sel, unsigned size_arg,
		       unsigned cookie)
{
	B(PL_REGISTER);
	B(1);          /* cookie: small */
	B(cookie);
	B(1);          /* OP-TEE answers SUCCESS */
	B(1);          /* shape ok */
	p_ipa(lk);
	if (off) {
		B(0);
		LE(off, 2);
	} else {
		B(1);
	}
	B(size_sel);
	if (size_sel == 1 || size_sel == 2)
		B(size_arg);
	else if (size_sel == 3 || size_sel >= 5)
		LE(size_arg, 2);
	else if (size_sel == 4) {
		B(size_arg);
		B(0);
	}
	B(1);          /* call control: no fault, no changes, vCPU 0 */
}

static void p_unregister(int pick_live, unsigned cookie)
{
	B(PL_UNREGISTER);
	B(1);          /* OP-TEE answers SUCCESS */
	if (pick_live) {
		B(1);
		B(0);  /* the first live buffer */
	} else {
		B(0);
		B(1);
		B(cookie);
	}
	B(1);          /* one param */
	B(1);          /* call control */
}

static void p_tmem(unsigned n, const unsigned *type, const unsigned *lk, const unsigned *sz)
{
	B(PL_TMEM);
	B(n - 1);
	B(1);          /* OP-TEE answers SUCCESS */
	for (unsigned i = 0; i < n; i++) {
		B(3 + type[i]); /* k % 3 = type, k % 8 not 0 or 1 */
		p_ipa(lk[i]);
		B(1);      /* aligned */
		B(7);
		LE(sz[i], 2); /* 1 + size */
		LE(0x77, 8);
	}
	for (unsigned i = 0; i < n; i++)
		B(1);      /* OP-TEE leaves OUTPUT sizes as they are */
	B(1);          /* call control */
}

static void p_rmem(unsigned n)
{
	B(PL_RMEM);
	B(n - 1);
	B(1);          /* OP-TEE answers SUCCESS */
	for (unsigned i = 0; i < n; i++) {
		B(i % 3);
		B(1);  /* a live buffer */
		B(0);
		B(2);  /* offs and size inside it */
		LE(i * 10, 2);
		LE(i * 200, 2);
	}
	B(1);          /* call control */
}

static void gen_pagelist(void)
{
	harness = "fuzz_pagelist";
	nseed = 0;

	start();
	p_header(0, 0, 0, 0, 0, 0);
	emit("empty");

	/* REGISTER of 1..N pages, offsets, budgets. */
	for (unsigned v = 0; v < 8; v++) {
		static const unsigned budget[] = { 0, 1, 2, 3, 4, 5, 6, 7 };

		start();
		p_header(budget[v], 0, 0, 0, v == 5 ? 2 : 0, 0);
		p_list(0, 1 + v, 8, 1, -1);
		p_register(0, v % 2 ? 0x123 : 0, 6, (1 + v) * 4096 - (v % 2 ? 0x123 : 0) - 1, v);
		p_rmem(2);
		p_unregister(1, 0);
		emit("register-unregister");
	}

	/* A 511+ page list chained over two and three list pages. */
	for (unsigned v = 0; v < 3; v++) {
		start();
		p_header(v, 0, 0, 0, 0, 0);
		p_list(0, 511, 8, 1, 1);
		p_list(1, 511, 8, 0, 2);
		p_list(2, 40, 9, 2, -1);
		p_register(0, v ? 8 : 0, 4, v + 1, 1);
		p_unregister(1, 0);
		emit("register-chained");
	}

	/* Bad entries: misaligned, unmapped, MMIO, read-only, the arg page. */
	for (unsigned v = 0; v < 6; v++) {
		start();
		p_header(0, 0, 0, 0, 0, 0);
		p_list(0, 8, 10, 1, -1);
		if (v < 3)
			p_type(10 + 3, v + 1); /* RO, MMIO, unmapped */
		else
			p_entry(0, 2, v == 3 ? 0 : v == 4 ? 1 : 2, 3);
		p_register(0, 0, 3, 7, 2);
		p_tmem(1, (const unsigned[]){ 0 }, (const unsigned[]){ 0 },
		       (const unsigned[]){ 8 * 4096 - 1 });
		emit("bad-entry");
	}

	/* Temporary memrefs of each direction, several per call. */
	for (unsigned v = 0; v < 4; v++) {
		static const unsigned t[4][4] = { { 0, 1, 2, 0 }, { 1, 1, 1, 1 }, { 2, 0, 2, 0 },
						 { 0, 0, 0, 0 } };
		static const unsigned l[4] = { 0, 1, 2, 3 };
		static const unsigned s[4] = { 4095, 4096 * 2, 3 * 4096 + 7, 100 };

		start();
		p_header(v, 0, v == 3 ? 1 : 0, 0, 0, 0);
		for (unsigned k = 0; k < 4; k++)
			p_list(k, 4, 8 + k * 4, 1, -1);
		if (v == 1)
			p_type(8, 1); /* RO data page: fine for INPUT only */
		p_tmem(1 + v, t[v], l, s);
		emit("tmem");
	}

	/* Limits: max_buffer_pages, max_domain_pages, max_domain_buffers. */
	for (unsigned v = 0; v < 4; v++) {
		start();
		p_header(0, v == 0 ? 1 : v == 1 ? 3 : 0, v == 2 ? 1 : 0, v == 3 ? 1 : 0, 0, 0);
		p_list(0, 511, 8, 1, 1);
		p_list(1, 10, 8, 1, -1);
		p_register(0, 0, 4, 1, 3);
		p_register(0, 0, 3, 1, 4);
		p_register(0, 0, 3, 0, 5);
		p_unregister(1, 0);
		p_unregister(1, 0);
		emit("limits");
	}

	/* Duplicate cookie, unknown unregister, size 0 and overflow. */
	start();
	p_header(0, 0, 0, 0, 0, 0);
	p_list(0, 4, 8, 1, -1);
	p_register(0, 0, 3, 3, 1);
	p_register(0, 0, 3, 3, 1);
	p_register(0, 0, 0, 0, 2);
	p_register(0, 0x10, 2, 0, 3); /* the overflow edge */
	p_register(0, 0, 1, 200, 3);
	p_unregister(0, 7);
	p_rmem(3);
	p_unregister(1, 0);
	emit("dup-cookie-sizes");

	/* Self-referencing and looping lists. */
	start();
	p_header(1, 0, 0, 0, 0, 0);
	p_list(0, 511, 8, 1, 0);
	p_list(1, 511, 8, 0, 0);
	p_register(0, 0, 4, 3, 1);
	p_entry(0, 5, 6, 0);      /* an entry that is list page 0 itself */
	p_register(0, 0, 3, 7, 2);
	emit("looping-list");

	/* Preemption with a yielding host and type changes between resumes. */
	for (unsigned v = 0; v < 3; v++) {
		start();
		p_header(1 + v, 0, 0, 0, 1 + v, 0);
		p_list(0, 30, 8, 1, -1);
		B(PL_REGISTER);
		B(1);
		B(1);
		B(1);
		B(1);
		p_ipa(0);
		B(1);
		B(3);
		LE(7, 2);      /* 8 pages */
		B(0x11 | (v << 5)); /* changes allowed, vCPU v */
		for (int i = 0; i < 12; i++) {
			B(0);  /* a mid-call change */
			B(1);  /* set a type */
			B(8 + i);
			B(v + 1);
		}
		p_unregister(1, 0);
		emit("preempt-toctou");
	}

	/* A registration left preempted: the domain is destroyed under it. */
	for (unsigned v = 0; v < 2; v++) {
		start();
		p_header(1, 0, 0, 0, 0, 0);
		p_list(0, 30, 8, 1, -1);
		p_register(0, 0, 3, 7, 1);
		B(PL_REGISTER);
		B(1);
		B(2);
		B(1);
		B(1);
		p_ipa(0);
		B(1);
		B(3);
		LE(v ? 29 : 3, 2);
		B(0x8F);       /* call control: abandon at the first preemption */
		emit("abandon-preempted");
	}

	/* Faults: alloc, pin, map, page, in REGISTER and TMEM. */
	for (unsigned kind = 0; kind < 4; kind++) {
		for (unsigned nth = 0; nth < 2; nth++) {
			start();
			p_header(nth ? 1 : 0, 0, 0, 0, 0, 0);
			p_list(0, 20, 8, 1, -1);
			B(PL_REGISTER);
			B(1);
			B(1);
			B(1);
			B(1);
			p_ipa(0);
			B(1);
			B(3);
			LE(7, 2);      /* 8 pages */
			B(0);          /* call control: fault */
			B(kind);
			if (kind == 1)
				LE(nth * 3, 2);
			else
				B(nth);
			p_unregister(1, 0);
			emit("fault");
		}
	}
}

/* ======================================================================== */
/* fuzz_rpc                                                                  */

enum { R_ALLOC, R_FREE, R_CMD, R_SHM_ALLOC, R_SHM_FREE, R_INTR, R_COMPLETE, R_SWITCH,
       R_DISABLE_CACHE, R_RESUME_RAW };

/* Guest answers to ALLOC (fuzz_rpc.c op_alloc). */
enum { ANS_GOOD, ANS_UNALIGNED, ANS_ZERO, ANS_RO, ANS_MMIO, ANS_UNMAPPED, ANS_ARGPAGE,
       ANS_ANY };

static void r_header(unsigned flags)
{
	B(flags);
}

/* size_sel: 0 = 4096, 1 = 256, 2 = 4097, 3 = 0, 4 = 64, 5 = 8192, 7 = 1. */
static void r_alloc(unsigned size_sel, unsigned ans, unsigned cookie, unsigned page)
{
	B(R_ALLOC);
	B(size_sel);
	B(ans);
	B(cookie);
	if (ans == ANS_GOOD)
		B(page);
	else if (ans == ANS_ANY)
		V64(0x140004000ull + page * 4096ull);
	/*
	 * OP-TEE learns the answer (and the harness records the buffer) at its
	 * next entry: a FOREIGN_INTR makes that happen now, so that the next
	 * ops can name this buffer.
	 */
	B(R_INTR);
}

static void r_free(unsigned which)
{
	B(R_FREE);
	B(which);
}

/* types: indices of ptypes[] in fuzz_rpc.c (0 VIN, 1 VOUT, 2 VINOUT, 3 TOUT,
 * 4 RINOUT, 5 TIN|NC, 6 NONE, 7 RIN); reply 0 sensible, 1 garbage, 2 none,
 * 3 physical addresses. */
static void r_cmd(unsigned which, unsigned cmd, unsigned n, const unsigned *types,
		  unsigned reply)
{
	B(R_CMD);
	B(which);
	B(cmd);
	B(n);
	for (unsigned i = 0; i < n; i++) {
		B(types[i]);
		LE(0x1000 + 16 * i, 8);
	}
	B(reply);
}

/* kind: 0 good, 1 offset, 2 wrong attr, 3 two params, 4 unaligned entry,
 * 5 read-only page, 6 duplicate cookie, 7 ret error, 8 size 0, 9 huge. */
static void r_shm_alloc(unsigned which, unsigned size, unsigned kind, unsigned off16,
			unsigned first)
{
	B(R_SHM_ALLOC);
	B(which);
	LE(size - 1, 4);
	B(kind);
	B(off16);
	B(first);
}

static void r_shm_free(unsigned which, unsigned shm)
{
	B(R_SHM_FREE);
	B(which);
	B(shm);
}

static void r_resume_raw(unsigned slot, uint64_t a1)
{
	B(R_RESUME_RAW);
	B(slot);
	LE(a1, 8);
}

static void gen_rpc(void)
{
	static const unsigned vals[] = { 0, 1, 2 };
	static const unsigned all[] = { 0, 1, 2, 3, 4 };
	static const unsigned mix[] = { 5, 6, 7, 1, 3 };

	harness = "fuzz_rpc";
	nseed = 0;

	start();
	r_header(0);
	emit("empty");

	/* ALLOC, a CMD per reply style, FREE, completion. */
	for (unsigned reply = 0; reply < 4; reply++) {
		start();
		r_header(0);
		r_alloc(0, ANS_GOOD, 1, 0);
		r_cmd(0, 3, 3, vals, reply);
		r_cmd(0, 2, 5, all, reply);
		r_cmd(0, 9, 5, mix, reply);
		r_free(0);
		B(R_COMPLETE);
		emit("alloc-cmd-free");
	}

	/* SHM_ALLOC answers of every kind, then SHM_FREE. */
	for (unsigned kind = 0; kind < 10; kind++) {
		start();
		r_header(kind == 1 ? 1 : 0);
		r_alloc(0, ANS_GOOD, 2, 1);
		r_shm_alloc(0, 3 * 4096 - 100, 0, 0, 0);
		r_cmd(0, 2, 1, vals, 0);
		r_shm_alloc(0, 5000, kind, 17, 3);
		r_cmd(0, 2, 1, vals, 0);
		r_shm_free(0, 0);
		r_cmd(0, 2, 1, vals, 0);
		r_shm_free(0, 1);
		r_cmd(0, 2, 1, vals, 0);
		r_free(0);
		B(R_COMPLETE);
		emit("shm-alloc-kinds");
	}

	/* Large SHM_ALLOC answers translated a page at a time, host yielding. */
	for (unsigned v = 0; v < 3; v++) {
		start();
		r_header((1 + v) | (v == 2 ? 0x40 : 0));
		r_alloc(0, ANS_GOOD, 3, 2);
		r_shm_alloc(0, 40 * 4096 - v * 1000, v, 5, 0);
		r_cmd(0, 2, 2, vals, 0);
		r_shm_free(0, 0);
		r_cmd(0, 2, 2, vals, 0);
		B(R_COMPLETE);
		emit("shm-alloc-preempted");
	}

	/* Every bad ALLOC answer, then a CMD and a FREE on that buffer. */
	for (unsigned ans = 1; ans < 8; ans++) {
		for (unsigned size_sel = 0; size_sel < 3; size_sel += 2) {
			start();
			r_header(0);
			r_alloc(size_sel, ans, 4, 3);
			r_cmd(0, 3, 1, vals, 0);
			r_free(0);
			r_alloc(0, ANS_GOOD, 4, 3); /* the same guest cookie again */
			r_cmd(1, 3, 1, vals, 0);
			B(R_COMPLETE);
			emit("bad-alloc-answer");
		}
	}

	/* Two concurrent calls sharing the domain's RPC buffers. */
	for (unsigned v = 0; v < 2; v++) {
		start();
		r_header(v ? 2 : 0);
		r_alloc(0, ANS_GOOD, 5, 4);
		B(R_SWITCH);
		r_alloc(0, ANS_GOOD, 6, 5);
		r_cmd(1, 2, 2, vals, 0);
		B(R_SWITCH);
		r_cmd(0, 2, 2, vals, 1);
		r_resume_raw(7, 0);
		r_resume_raw(0x40, 0);
		B(R_SWITCH);
		r_shm_alloc(1, 4096, 0, 0, 9);
		B(R_SWITCH);
		B(R_INTR);
		B(R_COMPLETE);
		B(R_SWITCH);
		r_cmd(1, 2, 2, vals, 0);
		r_shm_free(1, 0);
		B(R_COMPLETE);
		emit("two-calls");
	}

	/* The RPC argument limit (2 with flag 8), and the SHM cache. */
	start();
	r_header(8);
	r_alloc(0, ANS_GOOD, 7, 0);
	r_alloc(0, ANS_GOOD, 8, 1);
	r_alloc(0, ANS_GOOD, 9, 2);
	r_free(2);
	r_free(0xF5);
	B(R_DISABLE_CACHE);
	B(R_DISABLE_CACHE);
	B(R_DISABLE_CACHE);
	B(R_COMPLETE);
	emit("rpc-arg-limit-cache");

	/* Buffer limit (1 with flags 0x10) and duplicate SHM cookies. */
	start();
	r_header(0x10);
	r_alloc(0, ANS_GOOD, 10, 0);
	r_shm_alloc(0, 4096, 0, 0, 1);
	r_cmd(0, 2, 1, vals, 0);
	r_shm_alloc(0, 4096, 0, 0, 2);
	r_cmd(0, 2, 1, vals, 0);
	r_shm_alloc(0, 4096, 6, 0, 3);
	r_cmd(0, 2, 1, vals, 0);
	B(R_COMPLETE);
	emit("buffer-limit-dup");

	/* The domain destroyed with both calls suspended, buffers held. */
	start();
	r_header(0x80);
	r_alloc(0, ANS_GOOD, 11, 0);
	r_shm_alloc(0, 3 * 4096, 0, 0, 0);
	r_cmd(0, 2, 1, vals, 0);
	B(R_SWITCH);
	r_alloc(0, ANS_GOOD, 12, 1);
	r_cmd(1, 2, 2, vals, 1);
	emit("destroy-suspended");

	/* Resumes of slots that wait for nothing; DISABLE_SHM_CACHE with none. */
	start();
	r_header(0);
	r_resume_raw(0, 1);
	r_resume_raw(1, 2);
	r_resume_raw(255, 3);
	B(R_DISABLE_CACHE);
	B(R_INTR);
	r_resume_raw(1, 0);
	B(R_COMPLETE);
	r_resume_raw(0, 0);
	emit("resume-idle");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	gen_machine();
	gen_pagelist();
	gen_rpc();
	return 0;
}
