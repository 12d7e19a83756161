// SPDX-License-Identifier: BSD-2-Clause
/*
 * Messages: guest memory references, the optee_msg_arg of a yielding call,
 * non-contiguous page lists and TA param copy-in/copy-out, as OP-TEE's
 * thread_optee_smc.c, msg_param.c and entry_std.c do them.
 *
 * Every guest access is env->read/env->write tagged with the partition's
 * guest ID: the platform behind them is the isolation oracle. The arg is
 * read once into the thread (hdr, params) and checked there; results are
 * written back field by field, only the fields OP-TEE writes.
 */
#include "model_priv.h"

static uint16_t part_client(const struct model_part *part)
{
	return part->guest;
}

static int mref_access(const struct optee_model *m, const struct model_part *part,
		       const struct model_mref *r, uint64_t off, void *buf, size_t len,
		       bool write)
{
	uint8_t *p = buf;
	uint64_t pos = 0;

	if (!r->pages || off > r->size || len > r->size - off)
		return -1;
	pos = r->start + off;
	while (len) {
		uint64_t idx = pos / MODEL_PAGE_SIZE;
		uint64_t in = pos & MODEL_PAGE_MASK;
		size_t chunk = (size_t)(MODEL_PAGE_SIZE - in);
		uint64_t pa = 0;
		int rc = 0;

		if (idx >= r->npages)
			return -1;
		if (chunk > len)
			chunk = len;
		pa = r->pages[idx] + in;
		if (write)
			rc = m->env.write(m->env.ctx, part_client(part), pa, p, chunk);
		else
			rc = m->env.read(m->env.ctx, part_client(part), pa, p, chunk);
		if (rc)
			return -1;
		p += chunk;
		pos += chunk;
		len -= chunk;
	}
	return 0;
}

int mref_read(const struct optee_model *m, const struct model_part *part,
	      const struct model_mref *r, uint64_t off, void *dst, size_t len)
{
	return mref_access(m, part, r, off, dst, len, false);
}

int mref_write(const struct optee_model *m, const struct model_part *part,
	       const struct model_mref *r, uint64_t off, const void *src, size_t len)
{
	/* mref_access does not write through `buf` when writing. */
	return mref_access(m, part, r, off, (void *)(uintptr_t)src, len, true);
}

void pages_free(struct optee_model *m, uint64_t *pages, uint64_t npages)
{
	if (pages)
		m->env.free(m->env.ctx, pages, (size_t)(npages * sizeof(*pages)));
}

static bool nsec_page(const struct optee_model *m, uint64_t pa)
{
	return (pa & MODEL_PAGE_MASK) == 0 &&
	       m->env.is_nsec_ram(m->env.ctx, pa, MODEL_PAGE_SIZE);
}

/* List entries read from guest memory per env->read. */
#define PAGELIST_CHUNK 64u

/*
 * msg_param_mobj_from_noncontig(): the data pages of the buffer that
 * `buf_ptr` (list page PA | offset) and `size` describe (ABI 4.5). Every
 * list page and data page must be 4 KiB aligned non-secure RAM; slot 511 of
 * a list page is read only when more entries are needed. Returns an array
 * from env->alloc, or NULL.
 */
uint64_t *pagelist_parse(struct optee_model *m, const struct model_part *part,
			 uint64_t buf_ptr, uint64_t size, uint64_t *npages)
{
	uint64_t offset = buf_ptr & MODEL_PAGE_MASK;
	uint64_t list = buf_ptr & ~MODEL_PAGE_MASK;
	uint64_t chunk[PAGELIST_CHUNK];
	uint64_t n = 0, cnt = 0, slot = 0;
	uint64_t *pages = NULL;

	*npages = 0;
	if (size > UINT64_MAX - offset || size + offset == 0)
		return NULL;
	n = (size + offset - 1) / MODEL_PAGE_SIZE + 1;
	if (n > MODEL_SHM_MAX_PAGES)
		return NULL;
	if (!nsec_page(m, list))
		return NULL;
	pages = m->env.alloc(m->env.ctx, (size_t)(n * sizeof(*pages)));
	if (!pages)
		return NULL;

	while (cnt < n) {
		uint64_t want = n - cnt, i = 0;

		if (slot == OPTEE_MSG_PAGELIST_NEXT_SLOT) {
			uint64_t next = 0;

			if (m->env.read(m->env.ctx, part_client(part),
					list + OPTEE_MSG_PAGELIST_NEXT_SLOT * sizeof(uint64_t),
					&next, sizeof(next)) ||
			    !nsec_page(m, next))
				goto err;
			list = next;
			slot = 0;
		}
		if (want > OPTEE_MSG_PAGELIST_ENTRIES - slot)
			want = OPTEE_MSG_PAGELIST_ENTRIES - slot;
		if (want > PAGELIST_CHUNK)
			want = PAGELIST_CHUNK;
		if (m->env.read(m->env.ctx, part_client(part), list + slot * sizeof(uint64_t),
				chunk, (size_t)(want * sizeof(uint64_t))))
			goto err;
		for (i = 0; i < want; i++) {
			if (!nsec_page(m, chunk[i]))
				goto err;
			pages[cnt++] = chunk[i];
		}
		slot += want;
	}
	*npages = n;
	return pages;
err:
	pages_free(m, pages, n);
	return NULL;
}

/*
 * Finds and checks the arg of CALL_WITH_ARG / _RPC_ARG / _REGD_ARG
 * (std_entry_with_parg, std_entry_with_regd_arg, get_msg_arg) and copies
 * it into the thread. Returns an OPTEE_SMC_RETURN_* code.
 */
uint32_t msg_read_arg(struct optee_model *m, struct model_part *part, struct model_thread *t)
{
	uint64_t sz = 0, np = 0;
	bool dyn = model_has_cap(m, OPTEE_SMC_SEC_CAP_DYNAMIC_SHM);

	t->inband = t->fid != OPTEE_SMC_CALL_WITH_ARG;
	if (t->fid == OPTEE_SMC_CALL_WITH_REGD_ARG) {
		struct reg_shm *shm = dyn ? shm_find(part, reg_pair(t->a1, t->a2)) : NULL;

		if (!shm)
			return OPTEE_SMC_RETURN_EBADADDR;
		shm->users++;
		t->arg_shm = shm;
		t->arg_mem.pages = shm->pages;
		t->arg_mem.npages = shm->npages;
		t->arg_mem.start = shm->page_offset;
		t->arg_mem.size = shm->size;
		t->arg_off = t->a3;
	} else {
		uint64_t parg = reg_pair(t->a1, t->a2);

		/* No reserved SHM: only a dynamic-SHM page can hold the arg. */
		if (!dyn || !nsec_page(m, parg))
			return OPTEE_SMC_RETURN_EBADADDR;
		t->arg_page = parg;
		t->arg_mem.pages = &t->arg_page;
		t->arg_mem.npages = 1;
		t->arg_mem.start = 0;
		t->arg_mem.size = MODEL_PAGE_SIZE;
		t->arg_off = 0;
	}
	/* IS_ALIGNED_WITH_TYPE(arg, struct optee_msg_arg) */
	if ((t->arg_mem.start + t->arg_off) % _Alignof(struct optee_msg_arg))
		return OPTEE_SMC_RETURN_EBADADDR;
	if (mref_read(m, part, &t->arg_mem, t->arg_off, &t->hdr, sizeof(t->hdr)))
		return OPTEE_SMC_RETURN_EBADADDR;
	if (t->hdr.num_params > OPTEE_MSG_MAX_NUM_PARAMS)
		return OPTEE_SMC_RETURN_EBADADDR;
	sz = OPTEE_MSG_GET_ARG_SIZE(t->hdr.num_params);
	if (t->inband)
		sz += MODEL_RPC_ARG_SIZE;
	if (t->arg_off > t->arg_mem.size || sz > t->arg_mem.size - t->arg_off)
		return OPTEE_SMC_RETURN_EBADADDR;
	t->inband_off = t->arg_off + OPTEE_MSG_GET_ARG_SIZE(t->hdr.num_params);

	np = t->hdr.num_params < MODEL_SHADOW_PARAMS ? t->hdr.num_params : MODEL_SHADOW_PARAMS;
	if (np && mref_read(m, part, &t->arg_mem, t->arg_off + sizeof(t->hdr), t->params,
			    (size_t)(np * sizeof(t->params[0]))))
		return OPTEE_SMC_RETURN_EBADADDR;
	return OPTEE_SMC_RETURN_OK;
}

static uint32_t set_tmem(struct optee_model *m, struct model_part *part, struct cmd_ctx *c,
			 uint32_t i, const struct optee_msg_param *mp)
{
	struct ta_param *p = &c->call.p[i];
	uint64_t np = 0;

	if (!mp->u.tmem.buf_ptr)
		return TEEC_SUCCESS; /* null memref: no buffer, size 0 */
	/* Contiguous memory would have to be reserved SHM; there is none. */
	if (!(mp->attr & OPTEE_MSG_ATTR_NONCONTIG) ||
	    !model_has_cap(m, OPTEE_SMC_SEC_CAP_DYNAMIC_SHM))
		return TEEC_ERROR_BAD_PARAMETERS;
	c->tmem_pages[i] = pagelist_parse(m, part, mp->u.tmem.buf_ptr, mp->u.tmem.size, &np);
	if (!c->tmem_pages[i])
		return TEEC_ERROR_BAD_PARAMETERS;
	c->tmem_npages[i] = np;
	p->mem.pages = c->tmem_pages[i];
	p->mem.npages = np;
	p->mem.start = mp->u.tmem.buf_ptr & MODEL_PAGE_MASK;
	p->mem.size = mp->u.tmem.size;
	p->size = mp->u.tmem.size;
	return TEEC_SUCCESS;
}

static uint32_t set_rmem(struct optee_model *m, struct model_part *part, struct cmd_ctx *c,
			 uint32_t i, const struct optee_msg_param *mp)
{
	struct ta_param *p = &c->call.p[i];
	uint64_t offs = mp->u.rmem.offs, size = mp->u.rmem.size;
	struct reg_shm *shm = NULL;

	if (!model_has_cap(m, OPTEE_SMC_SEC_CAP_DYNAMIC_SHM))
		return TEEC_ERROR_BAD_PARAMETERS;
	shm = shm_find(part, mp->u.rmem.shm_ref);
	if (!shm)
		return TEEC_ERROR_BAD_PARAMETERS;
	shm->users++;
	c->rmem[i] = shm;
	if (offs > UINT64_MAX - size || offs + size > shm->size)
		return TEEC_ERROR_SECURITY;
	p->mem.pages = shm->pages;
	p->mem.npages = shm->npages;
	p->mem.start = shm->page_offset + offs;
	p->mem.size = size;
	p->size = size;
	return TEEC_SUCCESS;
}

/* copy_in_params(): the TA params of the arg copy in the thread. */
uint32_t msg_copy_in(struct optee_model *m, struct model_part *part, struct model_thread *t)
{
	struct cmd_ctx *c = &t->cmd;
	uint32_t pt[MODEL_TA_PARAMS] = { 0 };
	uint32_t i = 0, res = 0;

	if (c->num_ta_params > MODEL_TA_PARAMS)
		return TEEC_ERROR_BAD_PARAMETERS;
	memset(c->call.p, 0, sizeof(c->call.p));
	for (i = 0; i < c->num_ta_params; i++) {
		const struct optee_msg_param *mp = &t->params[c->first_ta_param + i];
		uint64_t type = mp->attr & OPTEE_MSG_ATTR_TYPE_MASK;

		c->saved_attr[i] = mp->attr;
		if (mp->attr & OPTEE_MSG_ATTR_META)
			return TEEC_ERROR_BAD_PARAMETERS;
		switch (type) {
		case OPTEE_MSG_ATTR_TYPE_NONE:
			pt[i] = TA_PT_NONE;
			break;
		case OPTEE_MSG_ATTR_TYPE_VALUE_INPUT:
		case OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT:
		case OPTEE_MSG_ATTR_TYPE_VALUE_INOUT:
			pt[i] = TA_PT_VALUE_IN + (uint32_t)(type - OPTEE_MSG_ATTR_TYPE_VALUE_INPUT);
			c->call.p[i].a = mp->u.value.a;
			c->call.p[i].b = mp->u.value.b;
			break;
		case OPTEE_MSG_ATTR_TYPE_TMEM_INPUT:
		case OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT:
		case OPTEE_MSG_ATTR_TYPE_TMEM_INOUT:
			res = set_tmem(m, part, c, i, mp);
			if (res)
				return res;
			pt[i] = TA_PT_MEMREF_IN + (uint32_t)(type - OPTEE_MSG_ATTR_TYPE_TMEM_INPUT);
			break;
		case OPTEE_MSG_ATTR_TYPE_RMEM_INPUT:
		case OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT:
		case OPTEE_MSG_ATTR_TYPE_RMEM_INOUT:
			res = set_rmem(m, part, c, i, mp);
			if (res)
				return res;
			pt[i] = TA_PT_MEMREF_IN + (uint32_t)(type - OPTEE_MSG_ATTR_TYPE_RMEM_INPUT);
			break;
		default:
			return TEEC_ERROR_BAD_PARAMETERS;
		}
	}
	c->call.types = TA_PT(pt[0], pt[1], pt[2], pt[3]);
	return TEEC_SUCCESS;
}

static void write_u32(struct optee_model *m, struct model_part *part, struct model_thread *t,
		      size_t field, uint32_t v)
{
	/* A refused write is the platform's to record; OP-TEE would not notice. */
	(void)mref_write(m, part, &t->arg_mem, t->arg_off + field, &v, sizeof(v));
}

/*
 * Writes back what OP-TEE writes: ret, ret_origin, session (open), value
 * a/b of VALUE_OUTPUT/INOUT and the size of memref OUTPUT/INOUT params.
 */
void msg_copy_out(struct optee_model *m, struct model_part *part, struct model_thread *t)
{
	struct cmd_ctx *c = &t->cmd;
	uint32_t i = 0;

	if (c->copy_out) {
		for (i = 0; i < c->num_ta_params && i < MODEL_TA_PARAMS; i++) {
			uint32_t pt = (c->call.types >> (4 * i)) & 0xF;
			uint64_t at = t->arg_off + OPTEE_MSG_GET_ARG_SIZE(c->first_ta_param + i);
			uint64_t v[2] = { c->call.p[i].a, c->call.p[i].b };

			switch (pt) {
			case TA_PT_MEMREF_OUT:
			case TA_PT_MEMREF_INOUT:
				/* tmem.size and rmem.size share their place. */
				(void)mref_write(m, part, &t->arg_mem,
						 at + offsetof(struct optee_msg_param, u.tmem.size),
						 &c->call.p[i].size, sizeof(uint64_t));
				break;
			case TA_PT_VALUE_OUT:
			case TA_PT_VALUE_INOUT:
				(void)mref_write(m, part, &t->arg_mem,
						 at + offsetof(struct optee_msg_param, u.value.a),
						 v, sizeof(v));
				break;
			default:
				break;
			}
		}
	}
	if (c->write_session)
		write_u32(m, part, t, offsetof(struct optee_msg_arg, session), t->hdr.session);
	if (c->write_ret)
		write_u32(m, part, t, offsetof(struct optee_msg_arg, ret), t->hdr.ret);
	if (c->write_origin)
		write_u32(m, part, t, offsetof(struct optee_msg_arg, ret_origin),
			  t->hdr.ret_origin);
}

/* cleanup_shm_refs(): drop what copy-in took for this command. */
void msg_release(struct optee_model *m, struct model_part *part, struct model_thread *t)
{
	struct cmd_ctx *c = &t->cmd;
	uint32_t i = 0;

	(void)part;
	for (i = 0; i < MODEL_TA_PARAMS; i++) {
		pages_free(m, c->tmem_pages[i], c->tmem_npages[i]);
		c->tmem_pages[i] = NULL;
		c->tmem_npages[i] = 0;
		if (c->rmem[i])
			c->rmem[i]->users--;
		c->rmem[i] = NULL;
	}
}
