/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test fixture: a mediator over the fake port with N guests, plus helpers
 * to play the guest (argument pages, page lists, SMCs) and the secure world
 * (probe sequence, VM_CREATED/VM_DESTROYED, generic call handlers).
 */
#ifndef TEEMED_TESTS_UNIT_FX_H
#define TEEMED_TESTS_UNIT_FX_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fake_port.h"
#include "harness.h"
#include "teemed/optee_msg.h"
#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"
#include "teemed/teemed.h"

#define MAX_DOMS 4

struct fx {
	struct teemed *tm;
	struct teemed_config cfg;
	struct fguest *g[MAX_DOMS];
	struct teemed_domain *d[MAX_DOMS];
	uint16_t cid[MAX_DOMS];
	int ndom;
	unsigned threads; /* slots per domain, from teemed_get_info */
	bool up;
};
extern struct fx X;

/* Answers of the probe sequence (all with a7 = 0). */
struct probe {
	uint32_t uid[4];
	uint64_t rev_major, rev_minor;
	uint64_t caps_a0, caps;
	uint64_t tc_a0, threads;
	bool may_stop; /* every step optional: init is expected to fail */
};
void probe_default(struct probe *p);
/* Script the probe: CALLS_UID, CALLS_REVISION, GET_OS_REVISION,
 * EXCHANGE_CAPABILITIES, GET_THREAD_COUNT in any order. */
void sw_probe(const struct probe *p);
/* Script VM_CREATED(a1 = cid, a7 = 0) answered with a0. */
struct sw_step *sw_vm_created(uint16_t cid, uint64_t a0);
/* Script VM_DESTROYED(a1 = cid, a7 = 0): checks nothing was unpinned yet. */
struct sw_step *sw_vm_destroyed(uint16_t cid);

void fx_config(struct teemed_config *cfg);
/* Probe (default answers, `threads` slots), init with cfg (NULL: defaults)
 * and create `ndom` domains with client IDs 1.. */
void fx_up(const struct teemed_config *cfg, int ndom);
void fx_up_threads(const struct teemed_config *cfg, int ndom, unsigned threads);
/* Destroy domain d to the end (scripting VM_DESTROYED); returns the number
 * of TEEMED_AGAIN answers before TEEMED_OK. */
unsigned fx_destroy(int d);
/* Destroy every live domain, teemed_fini, and check for leaks. */
void fx_down(void);

/* --- the guest ---------------------------------------------------------- */
#define G(d) (X.g[(d)])
#define CID(d) ((uint64_t)X.cid[(d)])

void call(int d, struct teemed_regs *r);
void call_v(int d, uint32_t vcpu, struct teemed_regs *r);
/* a0 = fid with junk in a1..a7 (a7 = 0x10001: must be overwritten). */
struct teemed_regs fast_regs(uint64_t fid);
struct teemed_regs std_regs(uint64_t arg_ipa);
struct teemed_regs resume_regs(uint64_t slot);
/* A fresh RW guest page holding an optee_msg_arg. */
uint64_t arg_new(int d);
struct optee_msg_arg *garg(int d, uint64_t ipa);
void msg_init(struct optee_msg_arg *a, uint32_t cmd, uint32_t num_params);
/*
 * A guest page list (ABI 4.5) describing `n` data pages whose IPAs are
 * data_ipa + i * 4096, buffer starting `off` bytes into the first one.
 * List pages are fresh RW pages (list_type for the first list page).
 * Returns buf_ptr = IPA(list) | off.
 */
uint64_t g_pagelist(int d, uint64_t data_ipa, uint64_t n, unsigned off);
uint64_t g_pagelist_t(int d, uint64_t data_ipa, uint64_t n, unsigned off, enum pg_type list_type);
/* Same from explicit entry IPAs (entries written verbatim). */
uint64_t g_pagelist_v(int d, const uint64_t *ipas, uint64_t n, unsigned off);
/* IPA of list page k of a list made by g_pagelist (follows next pointers). */

/* REGISTER_SHM of n pages at data_ipa (off 0) with cookie, OP-TEE says ret. */
uint64_t reg_shm_arg(int d, uint64_t data_ipa, uint64_t npages, uint64_t cookie, uint64_t size);

/* --- the secure world --------------------------------------------------- */
/* The optee_msg_arg at a1:a2 of an SMC, checked to be a mediator page. */
struct optee_msg_arg *sw_arg(const struct teemed_regs *in);
/*
 * Walk the mediator page list at buf_ptr for n entries: list pages must be
 * mediator pages (next pointers too), entries 4 KiB aligned and pinned with
 * `access` (0: any). Entry PAs go to out[] if not NULL. Returns #problems.
 */
unsigned sw_walk_pagelist(uint64_t buf_ptr, uint64_t n, uint64_t *out, unsigned access,
			  const char *file, int line);

/* A generic CALL_WITH_ARG handler (step->arg = struct callctx *). */
struct callctx {
	uint64_t shadow_pa;
	uint8_t snap[4096];   /* the shadow page as OP-TEE first saw it */
	uint64_t a0;          /* result a0 (OK by default) */
	uint32_t ret, origin; /* written to the shadow */
	bool set_session;
	uint32_t session;
	void (*edit)(struct optee_msg_arg *sh, struct callctx *c);
	void *user;
	int calls;
};
void h_std(struct sw_step *s, const struct teemed_regs *in, struct teemed_regs *out);
struct sw_step *sw_call(int d, struct callctx *c);
/* A RETURN_FROM_RPC step for OP-TEE thread `tid` answered by fn. */
struct sw_step *sw_resume_fn(int d, uint64_t tid, sw_fn fn, void *arg);
/* A RETURN_FROM_RPC step for `tid` answered with registers. */
struct sw_step *sw_resume(int d, uint64_t tid, uint64_t a0, uint64_t a1, uint64_t a2,
			  uint64_t a3);
/* Make `out` an RPC exit. */
void rpc_exit(struct teemed_regs *out, uint32_t func, uint64_t a1, uint64_t a2, uint64_t tid);

struct teemed_stats dstats(int d);

/* Value to compare results with: zero-extended 32-bit. */
#define U32(x) ((uint64_t)(uint32_t)(x))

#endif /* TEEMED_TESTS_UNIT_FX_H */

/* --- call flows (the guest and OP-TEE in step) -------------------------- */
#define RPC_ALLOC  OPTEE_SMC_RETURN_RPC_ALLOC
#define RPC_FREE   OPTEE_SMC_RETURN_RPC_FREE
#define RPC_INTR   OPTEE_SMC_RETURN_RPC_FOREIGN_INTR
#define RPC_CMD    OPTEE_SMC_RETURN_RPC_CMD

/*
 * Start an INVOKE (no params) that OP-TEE thread `tid` suspends with a
 * FOREIGN_INTR; returns the slot the guest saw in a3.
 */
uint64_t start_suspended(int d, uint64_t tid, uint64_t *arg_ipa);
/* Resume `slot`; OP-TEE (tid) completes it with ret; guest sees OK. */
void finish_call(int d, uint64_t slot, uint64_t tid);

/* An RPC argument buffer as both sides know it. */
struct rpcbuf {
	uint64_t cookie;        /* the guest's */
	uint64_t guest_ipa;
	uint64_t shadow_pa;     /* what OP-TEE got in a1:a2 (0 on failure) */
	uint64_t optee_cookie;  /* what OP-TEE got in a4:a5 */
	bool fixed_ipa;         /* answer with guest_ipa even if 0 */
};
/*
 * From a suspended call: OP-TEE asks RPC ALLOC(size), the guest answers
 * with a fresh page (or rb->guest_ipa if set) and rb->cookie; OP-TEE then
 * suspends again with FOREIGN_INTR. Fills rb->shadow_pa.
 */
void rpc_alloc(int d, uint64_t slot, uint64_t tid, uint64_t size, struct rpcbuf *rb);
/* OP-TEE exits with RPC FREE of rb, the guest sees it, OP-TEE suspends again. */
void rpc_free(int d, uint64_t slot, uint64_t tid, struct rpcbuf *rb);
/*
 * OP-TEE exits with RPC CMD on rb (the test has written OP-TEE's RPC arg at
 * rb->shadow_pa); returns the guest's registers (a0 = CMD, ...). The guest
 * then edits its page and calls rpc_cmd_reply.
 */
struct teemed_regs rpc_cmd(int d, uint64_t slot, uint64_t tid, struct rpcbuf *rb);
/* The guest resumes; OP-TEE suspends again with FOREIGN_INTR. */
struct sw_step *rpc_cmd_reply(int d, uint64_t slot, uint64_t tid);

/* REGISTER_SHM of npages (aliased over npa fresh PAs if npa != 0) with
 * cookie; OP-TEE accepts. Resumes through the mediator's preemptions
 * (counted in *preempt if not NULL). Returns the data IPA. */
uint64_t register_shm(int d, uint64_t npages, unsigned npa, uint64_t cookie, unsigned *preempt);
/* UNREGISTER_SHM of cookie; OP-TEE answers ret. Returns the guest's a0. */
uint64_t unregister_shm(int d, uint64_t cookie, uint32_t ret);
/* Resume `r` (an exit with a0 = FOREIGN_INTR from the mediator) until the
 * guest sees something else; returns the number of FOREIGN_INTR seen. */
unsigned run_through_preemption(int d, struct teemed_regs *r);

/* A one-shot event with a timeout, for tests with threads. */
struct gate {
	int state;
};
void gate_set(struct gate *g, int v);
/* Wait until state >= v, for at most ms; returns true if reached. */
bool gate_wait(struct gate *g, int v, unsigned ms);
