/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Attacks on calls in flight, with the second vCPU: a call resumed on the
 * other vCPU, its argument rewritten while OP-TEE holds it (in an RPC, and
 * racing the whole call), and balloon-style stage-2 changes to pages that
 * an argument, a registered buffer or a half-translated page list holds.
 * Expected answers: docs/errors.md and docs/design.md.
 */
#include <string.h>

#include "sim/workload/hostile_int.h"
#include "teemed/optee_rpc_cmd.h"

/* A SUSPEND of `ms` on the sleep TA at `ipa`: one RPC CMD in its middle. */
static void suspend_arg(struct hostile *h, uint64_t ipa, uint64_t ms)
{
	struct optee_msg_param p;

	memset(&p, 0, sizeof(p));
	p.attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p.u.value.a = ms;
	hx_arg(h, ipa, OPTEE_MSG_CMD_INVOKE_COMMAND, h->sess_sleep, TA_SLEEP_CMD_SUSPEND, 1,
	       &p, 1);
}

/* --- resume on the other vCPU ------------------------------------------- */

struct handoff {
	uint64_t regs[8];
	uint32_t a0;
};

static void finish_call(struct hostile *h, void *arg)
{
	struct handoff *ho = arg;

	ho->a0 = hx_serve(h, ho->regs, NULL);
}

static void resume_other_vcpu(struct hostile *h)
{
	struct optee_msg_arg a;
	struct handoff ho;
	uint64_t first[8];

	hx_try(h, HA_RESUME_OTHER_VCPU);
	suspend_arg(h, h->arg_page, 1);
	hx_start(h, h->arg_page, ho.regs);
	if (!hx_check(h, HA_RESUME_OTHER_VCPU, "SUSPEND exits with an RPC",
		      optee_smc_return_is_rpc((uint32_t)ho.regs[0]), 1)) {
		hx_serve(h, ho.regs, NULL);
		return;
	}
	memcpy(first, ho.regs, sizeof(first));
	/* vCPU 1 carries the call on to its end... */
	hx_on_helper(h, finish_call, &ho);
	hx_arg_read(h, h->arg_page, &a, NULL, 0);
	if (hx_check(h, HA_RESUME_OTHER_VCPU, "finished on the other vCPU", ho.a0,
		     OPTEE_SMC_RETURN_OK))
		hx_check(h, HA_RESUME_OTHER_VCPU, "its result", a.ret, TEEC_SUCCESS);
	/* ...and vCPU 0's own resume of that thread now finds nothing. */
	first[0] = OPTEE_SMC_CALL_RETURN_FROM_RPC;
	hx_smc(h, first);
	hx_check(h, HA_RESUME_OTHER_VCPU, "resume of a finished call", first[0],
		 OPTEE_SMC_RETURN_ERESUME);
}

/* --- rewriting the argument ---------------------------------------------- */

static void rewrite_arg(struct hostile *h, void *arg)
{
	struct optee_msg_param p;
	struct optee_msg_arg a;

	(void)arg;
	memset(&p, 0, sizeof(p));
	p.attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	p.u.tmem.buf_ptr = hx_victim_pa(h);
	p.u.tmem.size = 1u << 20;
	memset(&a, 0, sizeof(a));
	a.cmd = 0x1234;
	a.session = 0xffff;
	a.num_params = 200;
	a.ret = HX_SENTINEL_RET;
	graw_write_arg(h->env, h->arg_page, &a, &p, 1);
}

static void on_rpc_rewrite(struct hostile *h, const uint64_t regs[8], void *arg)
{
	bool *done = arg;

	if (!*done && (uint32_t)regs[0] == OPTEE_SMC_RETURN_RPC_CMD) {
		hx_on_helper(h, rewrite_arg, NULL);
		*done = true;
	}
}

static void rewrite_in_flight(struct hostile *h)
{
	bool done = false;
	struct hx_hooks hooks = { on_rpc_rewrite, &done };
	struct optee_msg_param p;
	struct optee_msg_arg a;

	hx_try(h, HA_REWRITE_IN_FLIGHT);
	suspend_arg(h, h->arg_page, 1);
	if (!hx_check(h, HA_REWRITE_IN_FLIGHT, "call", hx_call(h, h->arg_page, &hooks),
		      OPTEE_SMC_RETURN_OK))
		return;
	hx_check(h, HA_REWRITE_IN_FLIGHT, "rewritten while in an RPC", done, 1);
	hx_arg_read(h, h->arg_page, &a, &p, 1);
	/* The call ran on the copy taken at its start... */
	hx_check(h, HA_REWRITE_IN_FLIGHT, "result of the original call", a.ret, TEEC_SUCCESS);
	/* ...and only ret, ret_origin and outputs were written back. */
	hx_check(h, HA_REWRITE_IN_FLIGHT, "cmd left as rewritten", a.cmd, 0x1234);
	hx_check(h, HA_REWRITE_IN_FLIGHT, "num_params left as rewritten", a.num_params, 200);
	hx_check(h, HA_REWRITE_IN_FLIGHT, "buffer address left as rewritten",
		 p.attr, OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG);
}

/* vCPU 1 flips fields of vCPU 0's argument as fast as it can. */
static void scribble(struct hostile *h, void *arg)
{
	uint64_t seed = (uint64_t)(uintptr_t)arg, list = h->list_page;
	uint64_t e[2] = { hx_victim_pa(h), hx_victim_pa(h) };
	struct optee_msg_arg *a;
	uint8_t *page;

	graw_write_pagelist_page(h->env, list, e, 2, 0);
	page = h->env->map(h->env->ctx, h->arg_page);
	if (!page)
		return;
	a = (struct optee_msg_arg *)(void *)page;
	while (atomic_load(&h->scribbling)) {
		uint64_t r = rng_next(&seed);

		a->cmd = r & 1 ? OPTEE_MSG_CMD_INVOKE_COMMAND : 0x1234;
		a->num_params = r & 2 ? 2 : 200;
		a->params[1].attr = r & 4 ? OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT
					  : OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
		a->params[1].u.tmem.buf_ptr = list;
		a->params[1].u.tmem.size = 2 * HX_PAGE;
	}
}

static void scribble_race(struct hostile *h)
{
	struct optee_msg_param p[2];
	struct optee_msg_arg a;
	unsigned i;

	hx_try(h, HA_SCRIBBLE_RACE);
	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	hx_arg(h, h->arg_page, OPTEE_MSG_CMD_INVOKE_COMMAND, h->sess_arith, TA_ARITH_CMD_ADD, 2,
	       p, 2);
	atomic_store(&h->scribbling, true);
	hx_helper_post(h, scribble, (void *)(uintptr_t)hx_rand(h));
	for (i = 0; i < HX_SCRIBBLE_CALLS; i++) {
		uint32_t a0 = hx_call(h, h->arg_page, NULL);

		/*
		 * Whichever version the mediator copied, the answer is one of
		 * these: success; the mediator refusing the memref (COMMS); or,
		 * when the scribbled list entry happens to be an IPA of this
		 * guest's own RAM, the TA refusing a memref where it wants a
		 * value (BAD_PARAMETERS from OP-TEE or the TA).
		 */
		hx_arg_read(h, h->arg_page, &a, NULL, 0);
		if (a0 == OPTEE_SMC_RETURN_OK)
			hx_check(h, HA_SCRIBBLE_RACE, "result of a scribbled call",
				 a.ret == TEEC_SUCCESS ||
				 (a.ret == TEEC_ERROR_BAD_PARAMETERS &&
				  (a.ret_origin == TEEC_ORIGIN_COMMS ||
				   a.ret_origin == TEEC_ORIGIN_TEE ||
				   a.ret_origin == TEEC_ORIGIN_TRUSTED_APP)), 1);
		else
			hx_check(h, HA_SCRIBBLE_RACE, "a0 of a scribbled call",
				 a0 == OPTEE_SMC_RETURN_EBADADDR || a0 == OPTEE_SMC_RETURN_EBADCMD,
				 1);
	}
	atomic_store(&h->scribbling, false);
	hx_helper_wait(h);
}

void hx_attack_in_flight(struct hostile *h)
{
	resume_other_vcpu(h);
	rewrite_in_flight(h);
	scribble_race(h);
}

/* --- balloon --------------------------------------------------------------- */

enum balloon_op { BALLOON_UNMAP, BALLOON_RO, BALLOON_REMAP };

struct balloon {
	enum balloon_op op;
	uint64_t ipa;
	bool done;
};

static void balloon_act(struct hostile *h, void *arg)
{
	struct balloon *b = arg;

	if (b->op == BALLOON_UNMAP)
		stage2_unmap(h->s2, b->ipa);
	else if (b->op == BALLOON_RO)
		stage2_set_ro(h->s2, b->ipa, 1);
	else
		stage2_remap(h->s2, b->ipa, NULL);
}

/* Give the page back to the guest as fresh read-write RAM. */
static void balloon_restore(struct hostile *h, const struct balloon *b)
{
	if (b->op == BALLOON_RO)
		stage2_set_ro(h->s2, b->ipa, 0);
	else if (b->op == BALLOON_UNMAP)
		stage2_remap(h->s2, b->ipa, NULL);
}

static void on_rpc_balloon(struct hostile *h, const uint64_t regs[8], void *arg)
{
	struct balloon *b = arg;
	uint32_t a0 = (uint32_t)regs[0];

	if (!b->done && (a0 == OPTEE_SMC_RETURN_RPC_CMD ||
			 a0 == OPTEE_SMC_RETURN_RPC_FOREIGN_INTR)) {
		hx_on_helper(h, balloon_act, b);
		b->done = true;
	}
}

static void balloon_arg(struct hostile *h)
{
	struct balloon b = { (enum balloon_op)(h->round % 3), h->arg_page, false };
	struct hx_hooks hooks = { on_rpc_balloon, &b };
	struct optee_msg_arg a;
	uint32_t a0;

	hx_try(h, HA_BALLOON_ARG);
	suspend_arg(h, h->arg_page, 1);
	a0 = hx_call(h, h->arg_page, &hooks);
	hx_check(h, HA_BALLOON_ARG, "argument changed in flight", b.done, 1);
	if (b.op == BALLOON_REMAP) {
		/* A fresh page at the IPA: the results land there, nothing else. */
		if (hx_check(h, HA_BALLOON_ARG, "argument remapped", a0, OPTEE_SMC_RETURN_OK)) {
			hx_arg_read(h, h->arg_page, &a, NULL, 0);
			hx_check(h, HA_BALLOON_ARG, "result in the new page", a.ret, TEEC_SUCCESS);
			hx_check(h, HA_BALLOON_ARG, "nothing else written", a.cmd, 0);
		}
	} else {
		hx_check(h, HA_BALLOON_ARG, b.op == BALLOON_UNMAP ? "argument unmapped"
								   : "argument made read-only",
			 a0, OPTEE_SMC_RETURN_EBADADDR);
	}
	balloon_restore(h, &b);
}

/* A registered buffer whose page 1 the balloon replaces. */
static void balloon_shm(struct hostile *h)
{
	struct balloon b = { BALLOON_REMAP, h->shm_pages[4 + 1], false };
	uint64_t cookie = hx_new_cookie(h);
	struct optee_msg_param p[2];
	struct optee_msg_arg a;
	uint8_t page[HX_PAGE];
	uint32_t ret, origin, a0, i;

	hx_try(h, HA_BALLOON_SHM);
	a0 = hx_register(h, h->shm_pages + 4, 4, 0, 4 * HX_PAGE, cookie, &ret, &origin);
	if (!hx_check(h, HA_BALLOON_SHM, "register", a0 == OPTEE_SMC_RETURN_OK &&
		      ret == TEEC_SUCCESS, 1))
		return;
	hx_on_helper(h, balloon_act, &b);
	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = 0x5a;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
	p[1].u.rmem.shm_ref = cookie;
	p[1].u.rmem.size = 4 * HX_PAGE;
	hx_arg(h, h->arg_page, OPTEE_MSG_CMD_INVOKE_COMMAND, h->sess_buf, TA_BUF_CMD_FILL, 2,
	       p, 2);
	a0 = hx_call(h, h->arg_page, NULL);
	hx_arg_read(h, h->arg_page, &a, NULL, 0);
	if (hx_check(h, HA_BALLOON_SHM, "fill after a remap", a0, OPTEE_SMC_RETURN_OK) &&
	    hx_check(h, HA_BALLOON_SHM, "fill result", a.ret, TEEC_SUCCESS)) {
		/* The pinned old frame got the bytes; the new one at the IPA did not. */
		for (i = 0; i < 4; i++) {
			graw_read(h->env, h->shm_pages[4 + i], page, sizeof(page));
			hx_check(h, HA_BALLOON_SHM, i == 1 ? "new page untouched" : "page filled",
				 page[0] | (uint64_t)page[HX_PAGE - 1] << 8,
				 i == 1 ? 0 : 0x5a5a);
		}
	}
	a0 = hx_unregister(h, cookie, &ret, &origin);
	hx_check(h, HA_BALLOON_SHM, "unregister", a0 == OPTEE_SMC_RETURN_OK && ret == TEEC_SUCCESS,
		 1);
}

/* A page list past one work budget: changed while its translation is preempted. */
static void balloon_preempted(struct hostile *h)
{
	bool unmap = h->round % 2 == 0;
	struct balloon b = { unmap ? BALLOON_UNMAP : BALLOON_REMAP,
			     unmap ? h->long_pages[HX_LONG_PAGES - 1] : h->long_pages[0], false };
	struct hx_hooks hooks = { on_rpc_balloon, &b };
	struct graw_pagelist pl;
	struct optee_msg_param p[2];
	struct optee_msg_arg a;
	uint8_t first = 0xff, last = 0;
	uint32_t a0;

	hx_try(h, HA_BALLOON_PREEMPTED);
	if (graw_pagelist_build(h->drv, h->long_pages, HX_LONG_PAGES, 0, &pl))
		return;
	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = 0x77;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	p[1].u.tmem.buf_ptr = pl.buf_ptr;
	p[1].u.tmem.size = (uint64_t)HX_LONG_PAGES * HX_PAGE;
	hx_arg(h, h->arg_page, OPTEE_MSG_CMD_INVOKE_COMMAND, h->sess_buf, TA_BUF_CMD_FILL, 2,
	       p, 2);
	a0 = hx_call(h, h->arg_page, &hooks);
	hx_arg_read(h, h->arg_page, &a, NULL, 0);
	hx_check(h, HA_BALLOON_PREEMPTED, "translation preempted", b.done, 1);
	if (hx_check(h, HA_BALLOON_PREEMPTED, "call", a0, OPTEE_SMC_RETURN_OK) && b.done) {
		if (unmap) {
			/* The page was gone before its turn came. */
			hx_check(h, HA_BALLOON_PREEMPTED, "unmapped page refused", a.ret,
				 TEEC_ERROR_BAD_PARAMETERS);
			hx_check(h, HA_BALLOON_PREEMPTED, "refusal origin", a.ret_origin,
				 TEEC_ORIGIN_COMMS);
		} else if (hx_check(h, HA_BALLOON_PREEMPTED, "remapped pinned page", a.ret,
				    TEEC_SUCCESS)) {
			/* Page 0 was pinned before the remap: its old frame was filled. */
			graw_read(h->env, h->long_pages[0], &first, 1);
			graw_read(h->env, h->long_pages[HX_LONG_PAGES - 1] + HX_PAGE - 1, &last, 1);
			hx_check(h, HA_BALLOON_PREEMPTED, "new page untouched", first, 0);
			hx_check(h, HA_BALLOON_PREEMPTED, "last page filled", last, 0x77);
		}
	}
	balloon_restore(h, &b);
	graw_pagelist_free(h->drv, &pl);
}

void hx_attack_balloon(struct hostile *h)
{
	balloon_arg(h);
	balloon_shm(h);
	balloon_preempted(h);
}

void hx_abandon_call(struct hostile *h)
{
	uint64_t regs[8];

	/* Stops at its first RPC and is never resumed. */
	suspend_arg(h, h->arg_page, 1);
	hx_start(h, h->arg_page, regs);
}
