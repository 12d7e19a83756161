/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Yielding calls (ABI 8.2-8.4): the SMC loop with ETHREAD_LIMIT retries and
 * RPC handling, the private-page call used for (un)registration, and the
 * four messages of the client interface with their parameter encoding
 * (ABI 8.5).
 */
#include "guest/drv_internal.h"
#include "teemed/optee_smc.h"

void gdrv_smc(struct gdrv *drv, uint64_t regs[8])
{
	gdrv_lock(drv);
	drv->stats.smcs++;
	gdrv_unlock(drv);
	drv->env->smc(drv->env->ctx, regs);
}

void gdrv_fast_call(struct gdrv *drv, uint32_t fid, uint64_t a1,
		    uint64_t regs[8])
{
	gmemset(regs, 0, 8 * sizeof(uint64_t));
	regs[0] = fid;
	regs[1] = a1;
	gdrv_lock(drv);
	drv->stats.fast_calls++;
	gdrv_unlock(drv);
	gdrv_smc(drv, regs);
}

void gstat_smc_error(struct gdrv *drv, uint32_t a0)
{
	size_t slot = a0 < GDRV_STAT_SMC_ERRS - 1 ? a0 : GDRV_STAT_SMC_ERRS - 1;

	gdrv_lock(drv);
	drv->stats.smc_errors[slot]++;
	gdrv_unlock(drv);
}

void gstat_ret(struct gdrv *drv, uint32_t ret)
{
	size_t i;

	if (ret == TEEC_SUCCESS)
		return;
	gdrv_lock(drv);
	for (i = 0; i < GDRV_STAT_RET_CODES; i++) {
		if (drv->stats.ret_codes[i].count == 0)
			drv->stats.ret_codes[i].code = ret;
		if (drv->stats.ret_codes[i].code == ret) {
			drv->stats.ret_codes[i].count++;
			break;
		}
	}
	gdrv_unlock(drv);
}

struct optee_msg_arg *gcall_map_arg(const struct gdrv *drv, uint64_t ipa)
{
	uint8_t *page = gmem_map_page(drv, ipa);

	if (!page)
		return NULL;
	return (struct optee_msg_arg *)(void *)(page + (ipa & GDRV_PAGE_MASK));
}

int gcall_run(struct gdrv *drv, struct gcall *call)
{
	struct gcq_waiter w;
	uint64_t r[8];
	uint32_t a0;
	int rc;

	gdrv_lock(drv);
	drv->stats.calls++;
	gdrv_unlock(drv);
	gcq_wait_init(drv, &w);
	for (;;) {
		gmemcpy(r, call->regs, sizeof(r));
		gdrv_smc(drv, r);
		gmemcpy(call->last, r, sizeof(r));
		a0 = (uint32_t)r[0];
		if (a0 == OPTEE_SMC_RETURN_ETHREAD_LIMIT) {
			/* No free secure thread: sleep, then the same SMC again. */
			gdrv_lock(drv);
			drv->stats.ethread_retries++;
			gdrv_unlock(drv);
			gcq_wait_for_completion(drv, &w);
			continue;
		}
		if (optee_smc_return_is_rpc(a0)) {
			/* a1..a3 as received; a4/a5 keep the last ALLOC answer. */
			call->regs[0] = a0;
			call->regs[1] = r[1];
			call->regs[2] = r[2];
			call->regs[3] = r[3];
			grpc_handle(drv, call, call->regs);
			continue;
		}
		rc = a0 == OPTEE_SMC_RETURN_OK ? GDRV_OK : GDRV_ECOMM;
		if (rc)
			gstat_smc_error(drv, a0);
		break;
	}
	grpc_finalize(drv, call);
	gcq_wait_final(drv, &w);
	return rc;
}

int gcall_private(struct gdrv *drv, uint32_t cmd,
		  const struct optee_msg_param *p0, uint32_t *ret)
{
	struct optee_msg_arg *arg;
	struct gcall call;
	uint64_t page;
	int rc;

	/*
	 * A fresh private page (Linux: tee_shm_alloc_priv_buf), because the
	 * argument cache may itself need registering: CALL_WITH_RPC_ARG with
	 * its IPA when in-band RPC args are used, else CALL_WITH_ARG.
	 */
	rc = gdrv_pages_alloc(drv, 1, GDRV_PAGES_ANY, &page);
	if (rc)
		return rc;
	arg = gcall_map_arg(drv, page);
	if (!arg) {
		rc = GDRV_EFAULT;
		goto out;
	}
	arg->cmd = cmd;
	arg->num_params = p0 ? 1 : 0;
	if (p0)
		arg->params[0] = *p0;

	gmemset(&call, 0, sizeof(call));
	call.arg_ipa = page;
	if (drv->info.rpc_param_count) {
		call.regs[0] = OPTEE_SMC_CALL_WITH_RPC_ARG;
		call.rpc_arg_ipa = page + OPTEE_MSG_GET_ARG_SIZE(arg->num_params);
	} else {
		call.regs[0] = OPTEE_SMC_CALL_WITH_ARG;
	}
	greg_split(page, &call.regs[1], &call.regs[2]);
	rc = gcall_run(drv, &call);
	arg = gcall_map_arg(drv, page);
	if (rc == GDRV_OK && !arg)
		rc = GDRV_EFAULT;
	if (rc == GDRV_OK) {
		*ret = arg->ret;
		gstat_ret(drv, arg->ret);
	}
out:
	gdrv_pages_free(drv, &page, 1);
	return rc;
}

/* --- message parameters (ABI 8.5) -------------------------------------- */

static void set_result(struct gdrv_result *res, uint32_t ret, uint32_t origin)
{
	res->ret = ret;
	res->origin = origin;
}

static int local_error(struct gdrv_result *res, int rc)
{
	uint32_t ret = TEEC_ERROR_BAD_PARAMETERS;

	if (rc == GDRV_ENOMEM)
		ret = TEEC_ERROR_OUT_OF_MEMORY;
	else if (rc == GDRV_ENOTSUP)
		ret = TEEC_ERROR_NOT_SUPPORTED; /* e.g. null memref without the cap */
	set_result(res, ret, TEEC_ORIGIN_API);
	return rc;
}

static size_t pages_spanned(uint32_t offset, uint64_t size)
{
	uint64_t n = (offset + size + GDRV_PAGE_MASK) / GDRV_PAGE_SIZE;

	return n ? (size_t)n : 1;
}

/* Describe the bytes of a temporary memref (or unregistered shm). */
static int memref_pages(struct gdrv *drv, const struct gdrv_memref *m,
			struct gpagesrc *src)
{
	size_t i;

	switch (m->kind) {
	case GDRV_MEM_RANGE:
		if (!gmem_in_ram(drv, m->ipa, m->size ? m->size : 1))
			return GDRV_EINVAL;
		src->pages = NULL;
		src->first = m->ipa & ~GDRV_PAGE_MASK;
		src->offset = (uint32_t)(m->ipa & GDRV_PAGE_MASK);
		break;
	case GDRV_MEM_PAGES:
		if (!m->pages || m->page_offset >= GDRV_PAGE_SIZE)
			return GDRV_EINVAL;
		src->pages = m->pages;
		src->offset = m->page_offset;
		break;
	case GDRV_MEM_SHM: {
		uint64_t pos = (uint64_t)m->shm->offset + m->offs;

		src->pages = m->shm->pages + pos / GDRV_PAGE_SIZE;
		src->offset = (uint32_t)(pos % GDRV_PAGE_SIZE);
		break;
	}
	default:
		return GDRV_EINVAL;
	}
	src->npages = pages_spanned(src->offset, m->size);
	if (m->kind == GDRV_MEM_PAGES) {
		if (m->npages < src->npages)
			return GDRV_EINVAL;
		for (i = 0; i < src->npages; i++) {
			if ((m->pages[i] & GDRV_PAGE_MASK) ||
			    !gmem_in_ram(drv, m->pages[i], GDRV_PAGE_SIZE))
				return GDRV_EINVAL;
		}
	}
	return GDRV_OK;
}

static int encode_memref(struct gdrv *drv, const struct gdrv_param *p,
			 struct optee_msg_param *mp, struct gpagelist *pl,
			 bool kernel)
{
	const struct gdrv_memref *m = &p->u.mem;
	uint64_t dir = p->type - GDRV_PARAM_MEMREF_IN;
	struct gpagesrc src;
	int rc;

	if (m->kind == GDRV_MEM_NULL) {
		/* Only clients are held to the cap; the kernel is not (8.5). */
		if (!kernel &&
		    !(drv->info.sec_caps & OPTEE_SMC_SEC_CAP_MEMREF_NULL))
			return GDRV_ENOTSUP;
		mp->attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT + dir;
		mp->u.tmem.size = m->size; /* buf_ptr and shm_ref stay 0 */
		return GDRV_OK;
	}
	if (m->kind == GDRV_MEM_SHM) {
		if (!m->shm || m->offs > m->shm->size ||
		    m->size > m->shm->size - m->offs)
			return GDRV_EINVAL;
		if (m->shm->registered) {
			mp->attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT + dir;
			mp->u.rmem.offs = m->offs;
			mp->u.rmem.size = m->size;
			mp->u.rmem.shm_ref = m->shm->cookie;
			return GDRV_OK;
		}
	}
	rc = memref_pages(drv, m, &src);
	if (rc == GDRV_OK)
		rc = gpagelist_build(drv, &src, pl);
	if (rc)
		return rc;
	mp->attr = (OPTEE_MSG_ATTR_TYPE_TMEM_INPUT + dir) | OPTEE_MSG_ATTR_NONCONTIG;
	mp->u.tmem.buf_ptr = pl->buf_ptr;
	mp->u.tmem.size = m->size;
	return GDRV_OK;
}

static int encode_param(struct gdrv *drv, const struct gdrv_param *p,
			struct optee_msg_param *mp, struct gpagelist *pl,
			bool kernel)
{
	gmemset(mp, 0, sizeof(*mp));
	switch (p->type) {
	case GDRV_PARAM_NONE:
		return GDRV_OK;
	case GDRV_PARAM_VALUE_IN:
	case GDRV_PARAM_VALUE_OUT:
	case GDRV_PARAM_VALUE_INOUT:
		/* VALUE n maps to OPTEE_MSG VALUE n (8.6). */
		mp->attr = p->type;
		mp->u.value.a = p->u.value.a;
		mp->u.value.b = p->u.value.b;
		mp->u.value.c = p->u.value.c;
		return GDRV_OK;
	case GDRV_PARAM_MEMREF_IN:
	case GDRV_PARAM_MEMREF_OUT:
	case GDRV_PARAM_MEMREF_INOUT:
		return encode_memref(drv, p, mp, pl, kernel);
	default:
		return GDRV_EINVAL;
	}
}

/* Copy back what OP-TEE may have written: values, memref sizes. */
static void decode_param(struct gdrv_param *p, const struct optee_msg_param *mp)
{
	switch (p->type) {
	case GDRV_PARAM_VALUE_OUT:
	case GDRV_PARAM_VALUE_INOUT:
		p->u.value.a = mp->u.value.a;
		p->u.value.b = mp->u.value.b;
		p->u.value.c = mp->u.value.c;
		break;
	case GDRV_PARAM_MEMREF_OUT:
	case GDRV_PARAM_MEMREF_INOUT:
		p->u.mem.size = mp->u.tmem.size; /* rmem.size sits at the same offset */
		break;
	default:
		break;
	}
}

/* One message: header fields, leading meta params, then TA params. */
struct gmsg {
	uint32_t cmd, func, session, cancel_id;
	const struct optee_msg_param *meta;
	size_t nmeta;
	struct gdrv_param *params;
	size_t nparams;
	bool kernel; /* issued by the driver itself (probe) */
};

static int msg_exchange(struct gdrv *drv, const struct gmsg *m,
			struct gdrv_result *res)
{
	struct gpagelist lists[GDRV_MAX_TA_PARAMS];
	struct optee_msg_arg *arg;
	struct garg_slot slot;
	struct gcall call;
	size_t i, n = m->nmeta + m->nparams;
	int rc;

	gmemset(res, 0, sizeof(*res));
	gmemset(lists, 0, sizeof(lists));
	if (!drv->probed || m->nparams > GDRV_MAX_TA_PARAMS ||
	    (m->nparams && !m->params))
		return local_error(res, GDRV_EINVAL);
	rc = garg_get(drv, n, &slot, &arg);
	if (rc)
		return local_error(res, rc);
	arg->cmd = m->cmd;
	arg->func = m->func;
	arg->session = m->session;
	arg->cancel_id = m->cancel_id;
	for (i = 0; i < m->nmeta; i++)
		arg->params[i] = m->meta[i];
	for (i = 0; i < m->nparams && rc == GDRV_OK; i++)
		rc = encode_param(drv, &m->params[i], &arg->params[m->nmeta + i],
				  &lists[i], m->kernel);
	if (rc) {
		local_error(res, rc);
		goto out;
	}

	gmemset(&call, 0, sizeof(call));
	garg_prepare_call(drv, &slot, (uint32_t)n, &call);
	rc = gcall_run(drv, &call);
	arg = gcall_map_arg(drv, call.arg_ipa);
	if (rc || !arg) {
		/* Linux: any SMC failure is COMMUNICATION from COMMS (8.3). */
		set_result(res, TEEC_ERROR_COMMUNICATION, TEEC_ORIGIN_COMMS);
		rc = GDRV_OK;
		goto out;
	}
	set_result(res, arg->ret, arg->ret_origin);
	res->session = arg->session;
	gstat_ret(drv, arg->ret);
	for (i = 0; i < m->nparams; i++)
		decode_param(&m->params[i], &arg->params[m->nmeta + i]);
out:
	for (i = 0; i < GDRV_MAX_TA_PARAMS; i++)
		gpagelist_free(drv, &lists[i]);
	garg_put(drv, &slot);
	return rc;
}

int gdrv_open_session(struct gdrv *drv, const uint8_t uuid[16], uint32_t login,
		      const uint8_t client_uuid[16], uint32_t cancel_id,
		      struct gdrv_param *params, size_t nparams,
		      struct gdrv_result *res)
{
	struct optee_msg_param meta[2];
	struct gmsg m = { OPTEE_MSG_CMD_OPEN_SESSION, 0, 0, cancel_id,
			  meta, 2, params, nparams, false };

	if (!uuid) {
		gmemset(res, 0, sizeof(*res));
		return local_error(res, GDRV_EINVAL);
	}
	/*
	 * ABI 11: the UUID's 16 octets (network order) fill value.a/b of meta
	 * p0; meta p1 carries the client UUID octets and the login in c.
	 */
	gmemset(meta, 0, sizeof(meta));
	meta[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | OPTEE_MSG_ATTR_META;
	gmemcpy(meta[0].u.octets, uuid, 16);
	meta[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | OPTEE_MSG_ATTR_META;
	if (client_uuid)
		gmemcpy(meta[1].u.octets, client_uuid, 16);
	meta[1].u.value.c = login;
	return msg_exchange(drv, &m, res);
}

int gdrv_invoke(struct gdrv *drv, uint32_t session, uint32_t func,
		uint32_t cancel_id, struct gdrv_param *params, size_t nparams,
		struct gdrv_result *res)
{
	return gmsg_invoke(drv, session, func, cancel_id, params, nparams,
			   false, res);
}

int gmsg_invoke(struct gdrv *drv, uint32_t session, uint32_t func,
		uint32_t cancel_id, struct gdrv_param *params, size_t nparams,
		bool kernel, struct gdrv_result *res)
{
	struct gmsg m = { OPTEE_MSG_CMD_INVOKE_COMMAND, func, session, cancel_id,
			  NULL, 0, params, nparams, kernel };

	return msg_exchange(drv, &m, res);
}

int gdrv_close_session(struct gdrv *drv, uint32_t session,
		       struct gdrv_result *res)
{
	struct gmsg m = { OPTEE_MSG_CMD_CLOSE_SESSION, 0, session, 0,
			  NULL, 0, NULL, 0, false };

	return msg_exchange(drv, &m, res);
}

int gdrv_cancel(struct gdrv *drv, uint32_t session, uint32_t cancel_id,
		struct gdrv_result *res)
{
	struct gmsg m = { OPTEE_MSG_CMD_CANCEL, 0, session, cancel_id,
			  NULL, 0, NULL, 0, false };

	return msg_exchange(drv, &m, res);
}
