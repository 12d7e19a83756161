// SPDX-License-Identifier: BSD-2-Clause
/*
 * Shared memory objects: buffers the guest registered (REGISTER_SHM,
 * OP-TEE's mobj_reg_shm), kept per partition, and buffers the normal world
 * handed out for OPTEE_RPC_CMD_SHM_ALLOC. Both keep their page list as an
 * array of page PAs (8 bytes a page: 2 MiB for 1 GiB).
 *
 * Cookies are the normal world's and are not checked for uniqueness, as in
 * OP-TEE: a newer registration with the same cookie shadows the older one
 * (list head first).
 */
#include "model_priv.h"

struct reg_shm *shm_find(struct model_part *part, uint64_t cookie)
{
	struct reg_shm *s = NULL;

	for (s = part->shms; s; s = s->next)
		if (s->cookie == cookie)
			return s;
	return NULL;
}

static void reg_shm_delete(struct optee_model *m, struct reg_shm *s)
{
	pages_free(m, s->pages, s->npages);
	m->env.free(m->env.ctx, s, sizeof(*s));
}

/* register_shm(): p0 must be exactly TMEM_OUTPUT | NONCONTIG (ABI 4.4). */
uint32_t shm_register(struct optee_model *m, struct model_part *part,
		      const struct optee_msg_param *p)
{
	struct reg_shm *s = NULL;
	uint64_t np = 0;
	uint64_t *pages = NULL;

	if (p->attr != (OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG))
		return TEEC_ERROR_BAD_PARAMETERS;
	pages = pagelist_parse(m, part, p->u.tmem.buf_ptr, p->u.tmem.size, &np);
	if (!pages)
		return TEEC_ERROR_BAD_PARAMETERS;
	s = m->env.alloc(m->env.ctx, sizeof(*s));
	if (!s) {
		pages_free(m, pages, np);
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	s->cookie = p->u.tmem.shm_ref;
	s->page_offset = p->u.tmem.buf_ptr & MODEL_PAGE_MASK;
	s->npages = np;
	s->size = np * MODEL_PAGE_SIZE - s->page_offset;
	s->pages = pages;
	s->next = part->shms;
	part->shms = s;
	return TEEC_SUCCESS;
}

/*
 * mobj_reg_shm_release_by_cookie(): an unknown cookie is BAD_PARAMETERS.
 * OP-TEE blocks the unregistering thread until in-flight users drop the
 * buffer; the model answers TEEC_ERROR_BUSY instead and the buffer stays
 * registered (the normal world may retry once its calls have completed).
 */
uint32_t shm_unregister(struct optee_model *m, struct model_part *part, uint64_t cookie)
{
	struct reg_shm **pp = &part->shms;

	while (*pp && (*pp)->cookie != cookie)
		pp = &(*pp)->next;
	if (!*pp)
		return TEEC_ERROR_BAD_PARAMETERS;
	if ((*pp)->users)
		return TEEC_ERROR_BUSY;
	{
		struct reg_shm *s = *pp;

		*pp = s->next;
		reg_shm_delete(m, s);
	}
	return TEEC_SUCCESS;
}

void shm_free_all(struct optee_model *m, struct model_part *part)
{
	while (part->shms) {
		struct reg_shm *s = part->shms;

		part->shms = s->next;
		reg_shm_delete(m, s);
	}
}

/* Takes ownership of `pages`. */
struct rpc_shm *rpc_shm_new(struct optee_model *m, uint64_t *pages, uint64_t npages,
			    uint64_t page_offset, uint64_t cookie, uint32_t type)
{
	struct rpc_shm *s = m->env.alloc(m->env.ctx, sizeof(*s));

	if (!s) {
		pages_free(m, pages, npages);
		return NULL;
	}
	s->cookie = cookie;
	s->type = type;
	s->page_offset = page_offset;
	s->npages = npages;
	s->size = npages * MODEL_PAGE_SIZE - page_offset;
	s->pages = pages;
	return s;
}

void rpc_shm_delete(struct optee_model *m, struct rpc_shm *shm)
{
	if (!shm)
		return;
	pages_free(m, shm->pages, shm->npages);
	m->env.free(m->env.ctx, shm, sizeof(*shm));
}

void rpc_shm_mref(const struct rpc_shm *shm, uint64_t offs, uint64_t size,
		  struct model_mref *out)
{
	out->pages = shm->pages;
	out->npages = shm->npages;
	out->start = shm->page_offset + offs;
	out->size = offs <= shm->size && size <= shm->size - offs ? size : 0;
}
