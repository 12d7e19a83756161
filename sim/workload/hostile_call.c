/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The attacker's own call machinery: arguments written by hand, the RPC
 * loop (ALLOC, FREE, FOREIGN_INTR, and the few RPC commands its calls
 * cause), sessions and shared-memory registration, all with raw SMCs.
 * RPC ALLOC buffers are single pages whose cookie is their IPA.
 */
#include <string.h>
#include <time.h>

#include "sim/workload/hostile_int.h"
#include "teemed/optee_rpc_cmd.h"

/* RPC arguments served: OP-TEE sends at most 4 params (ABI 3.2). */
#define HX_RPC_PARAMS 4u

uint64_t hx_pair(uint64_t hi, uint64_t lo)
{
	return ((hi & 0xffffffffu) << 32) | (lo & 0xffffffffu);
}

void hx_split(uint64_t v, uint64_t *hi, uint64_t *lo)
{
	*hi = v >> 32;
	*lo = v & 0xffffffffu;
}

void hx_arg(struct hostile *h, uint64_t ipa, uint32_t cmd, uint32_t session, uint32_t func,
	    uint32_t num_params, const struct optee_msg_param *p, size_t np)
{
	struct optee_msg_arg hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.cmd = cmd;
	hdr.session = session;
	hdr.func = func;
	hdr.num_params = num_params;
	hdr.ret = HX_SENTINEL_RET;
	hdr.ret_origin = HX_SENTINEL_ORIGIN;
	(void)graw_write_arg(h->env, ipa, &hdr, p, np);
}

void hx_arg_read(struct hostile *h, uint64_t ipa, struct optee_msg_arg *hdr,
		 struct optee_msg_param *p, size_t np)
{
	memset(hdr, 0, sizeof(*hdr));
	(void)graw_read(h->env, ipa, hdr, sizeof(*hdr));
	if (np)
		(void)graw_read(h->env, ipa + sizeof(*hdr), p, np * sizeof(*p));
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000u, (long)(ms % 1000u) * 1000000L };

	nanosleep(&ts, NULL);
}

/* --- RPC ALLOC pages ---------------------------------------------------- */

static uint64_t rpc_page_get(struct hostile *h)
{
	uint64_t ipa = 0;
	unsigned i;

	if (gdrv_pages_alloc(h->drv, 1, GDRV_PAGES_ANY, &ipa))
		return 0;
	pthread_mutex_lock(&h->rpc_lock);
	for (i = 0; i < HX_RPC_PAGES && h->rpc_pages[i]; i++)
		;
	if (i < HX_RPC_PAGES)
		h->rpc_pages[i] = ipa;
	pthread_mutex_unlock(&h->rpc_lock);
	if (i == HX_RPC_PAGES) {
		gdrv_pages_free(h->drv, &ipa, 1);
		return 0;
	}
	return ipa;
}

static void rpc_page_put(struct hostile *h, uint64_t ipa)
{
	unsigned i;

	pthread_mutex_lock(&h->rpc_lock);
	for (i = 0; i < HX_RPC_PAGES && h->rpc_pages[i] != ipa; i++)
		;
	if (i < HX_RPC_PAGES && ipa)
		h->rpc_pages[i] = 0;
	pthread_mutex_unlock(&h->rpc_lock);
	if (i < HX_RPC_PAGES && ipa)
		gdrv_pages_free(h->drv, &ipa, 1);
}

void hx_rpc_pages_release(struct hostile *h)
{
	unsigned i;

	for (i = 0; i < HX_RPC_PAGES; i++)
		rpc_page_put(h, h->rpc_pages[i]);
}

/* --- the RPC loop -------------------------------------------------------- */

static void serve_cmd(struct hostile *h, uint64_t cookie)
{
	struct optee_msg_param p[HX_RPC_PARAMS];
	struct optee_msg_arg a;
	uint64_t ns;

	hx_arg_read(h, cookie, &a, p, HX_RPC_PARAMS);
	a.ret_origin = TEEC_ORIGIN_COMMS;
	switch (a.cmd) {
	case OPTEE_RPC_CMD_GET_TIME:
		ns = h->env->time_ns(h->env->ctx);
		p[0].u.value.a = ns / 1000000000u;
		p[0].u.value.b = ns % 1000000000u;
		a.ret = TEEC_SUCCESS;
		break;
	case OPTEE_RPC_CMD_SUSPEND:
		sleep_ms((unsigned)p[0].u.value.a);
		a.ret = TEEC_SUCCESS;
		break;
	case OPTEE_RPC_CMD_SHM_FREE:
		a.ret = TEEC_SUCCESS; /* nothing of ours was allocated */
		break;
	case OPTEE_RPC_CMD_SHM_ALLOC:
		a.ret = TEEC_ERROR_OUT_OF_MEMORY;
		break;
	default:
		a.ret = TEEC_ERROR_NOT_SUPPORTED;
		break;
	}
	(void)graw_write_arg(h->env, cookie, &a, p, a.num_params < HX_RPC_PARAMS
						    ? a.num_params : HX_RPC_PARAMS);
}

uint32_t hx_serve(struct hostile *h, uint64_t regs[8], const struct hx_hooks *hooks)
{
	for (;;) {
		uint32_t a0 = (uint32_t)regs[0];
		uint64_t thread = regs[3], a1 = regs[1], a2 = regs[2], page;

		if (!optee_smc_return_is_rpc(a0))
			return a0;
		if (hooks && hooks->on_rpc)
			hooks->on_rpc(h, regs, hooks->arg);
		memset(regs, 0, 8 * sizeof(uint64_t));
		regs[0] = OPTEE_SMC_CALL_RETURN_FROM_RPC;
		regs[1] = a1;
		regs[2] = a2;
		regs[3] = thread;
		switch (a0 & OPTEE_SMC_RPC_FUNC_MASK) {
		case OPTEE_SMC_RPC_FUNC_ALLOC:
			page = (a1 & 0xffffffffu) <= HX_PAGE ? rpc_page_get(h) : 0;
			hx_split(page, &regs[1], &regs[2]);
			hx_split(page, &regs[4], &regs[5]);
			break;
		case OPTEE_SMC_RPC_FUNC_FREE:
			rpc_page_put(h, hx_pair(a1, a2));
			break;
		case OPTEE_SMC_RPC_FUNC_CMD:
			serve_cmd(h, hx_pair(a1, a2));
			break;
		default: /* FOREIGN_INTR and anything else: resume */
			break;
		}
		hx_smc(h, regs);
	}
}

uint32_t hx_start(struct hostile *h, uint64_t ipa, uint64_t regs[8])
{
	unsigned tries;

	for (tries = 0; tries < HX_ETHREAD_RETRIES; tries++) {
		memset(regs, 0, 8 * sizeof(uint64_t));
		regs[0] = OPTEE_SMC_CALL_WITH_ARG;
		hx_split(ipa, &regs[1], &regs[2]);
		hx_smc(h, regs);
		if ((uint32_t)regs[0] != OPTEE_SMC_RETURN_ETHREAD_LIMIT)
			break;
		sleep_ms(1);
	}
	return (uint32_t)regs[0];
}

uint32_t hx_call(struct hostile *h, uint64_t ipa, const struct hx_hooks *hooks)
{
	uint64_t regs[8];

	hx_start(h, ipa, regs);
	return hx_serve(h, regs, hooks);
}

/* --- sessions and registration ------------------------------------------ */

int hx_open_session(struct hostile *h, const struct ta_uuid *u, uint32_t *session)
{
	struct optee_msg_param p[2];
	struct optee_msg_arg a;
	uint8_t *o;

	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | OPTEE_MSG_ATTR_META;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | OPTEE_MSG_ATTR_META;
	/* ABI 11: the TA UUID's octets in network order; login PUBLIC in p1.c. */
	o = p[0].u.octets;
	o[0] = (uint8_t)(u->time_low >> 24);
	o[1] = (uint8_t)(u->time_low >> 16);
	o[2] = (uint8_t)(u->time_low >> 8);
	o[3] = (uint8_t)u->time_low;
	o[4] = (uint8_t)(u->time_mid >> 8);
	o[5] = (uint8_t)u->time_mid;
	o[6] = (uint8_t)(u->time_hi_and_version >> 8);
	o[7] = (uint8_t)u->time_hi_and_version;
	memcpy(o + 8, u->clock_seq_and_node, 8);
	p[1].u.value.c = TEEC_LOGIN_PUBLIC;
	hx_arg(h, h->arg_page, OPTEE_MSG_CMD_OPEN_SESSION, 0, 0, 2, p, 2);
	if (hx_call(h, h->arg_page, NULL) != OPTEE_SMC_RETURN_OK)
		return -1;
	hx_arg_read(h, h->arg_page, &a, NULL, 0);
	if (a.ret != TEEC_SUCCESS)
		return -1;
	*session = a.session;
	return 0;
}

uint32_t hx_register(struct hostile *h, const uint64_t *pages, size_t n, uint32_t offset,
		     uint64_t size, uint64_t cookie, uint32_t *ret, uint32_t *origin)
{
	struct graw_pagelist pl;
	struct optee_msg_param p;
	struct optee_msg_arg a;
	uint32_t a0;

	if (graw_pagelist_build(h->drv, pages, n, offset, &pl))
		return UINT32_MAX;
	memset(&p, 0, sizeof(p));
	p.attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	p.u.tmem.buf_ptr = pl.buf_ptr;
	p.u.tmem.size = size;
	p.u.tmem.shm_ref = cookie;
	hx_arg(h, h->arg_page, OPTEE_MSG_CMD_REGISTER_SHM, 0, 0, 1, &p, 1);
	a0 = hx_call(h, h->arg_page, NULL);
	hx_arg_read(h, h->arg_page, &a, NULL, 0);
	*ret = a.ret;
	*origin = a.ret_origin;
	graw_pagelist_free(h->drv, &pl);
	return a0;
}

uint32_t hx_unregister(struct hostile *h, uint64_t cookie, uint32_t *ret, uint32_t *origin)
{
	struct optee_msg_param p;
	struct optee_msg_arg a;
	uint32_t a0;

	memset(&p, 0, sizeof(p));
	p.attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	p.u.rmem.shm_ref = cookie;
	hx_arg(h, h->arg_page, OPTEE_MSG_CMD_UNREGISTER_SHM, 0, 0, 1, &p, 1);
	a0 = hx_call(h, h->arg_page, NULL);
	hx_arg_read(h, h->arg_page, &a, NULL, 0);
	*ret = a.ret;
	*origin = a.ret_origin;
	return a0;
}
