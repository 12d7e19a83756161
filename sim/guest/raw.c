/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The raw interface (raw.h): unvalidated SMCs and guest-memory writes.
 */
#include "guest/raw.h"
#include "guest/drv_internal.h"

void graw_smc(const struct guest_env *env, uint64_t regs[8])
{
	env->smc(env->ctx, regs);
}

/* op 0 read, 1 write. */
static int raw_copy(const struct guest_env *env, uint64_t ipa, uint8_t *buf,
		    size_t len, int op)
{
	while (len) {
		size_t in_page = GDRV_PAGE_SIZE - (size_t)(ipa & GDRV_PAGE_MASK);
		size_t chunk = len < in_page ? len : in_page;
		uint8_t *page = env->map(env->ctx, ipa & ~GDRV_PAGE_MASK);

		if (!page)
			return GDRV_EFAULT;
		page += ipa & GDRV_PAGE_MASK;
		if (op)
			gmemcpy(page, buf, chunk);
		else
			gmemcpy(buf, page, chunk);
		buf += chunk;
		ipa += chunk;
		len -= chunk;
	}
	return GDRV_OK;
}

int graw_write(const struct guest_env *env, uint64_t ipa, const void *src,
	       size_t len)
{
	return raw_copy(env, ipa, (uint8_t *)(uintptr_t)src, len, 1);
}

int graw_read(const struct guest_env *env, uint64_t ipa, void *dst, size_t len)
{
	return raw_copy(env, ipa, dst, len, 0);
}

int graw_write_arg(const struct guest_env *env, uint64_t ipa,
		   const struct optee_msg_arg *hdr,
		   const struct optee_msg_param *params, size_t nparams)
{
	int rc = graw_write(env, ipa, hdr, sizeof(*hdr));

	if (rc == GDRV_OK && nparams)
		rc = graw_write(env, ipa + sizeof(*hdr), params,
				nparams * sizeof(*params));
	return rc;
}

int graw_write_pagelist_page(const struct guest_env *env, uint64_t list_ipa,
			     const uint64_t *entries, size_t n, uint64_t next)
{
	uint64_t *slots;

	if (n > OPTEE_MSG_PAGELIST_ENTRIES || (n && !entries))
		return GDRV_EINVAL;
	slots = env->map(env->ctx, list_ipa & ~GDRV_PAGE_MASK);
	if (!slots)
		return GDRV_EFAULT;
	/* A list page is a whole page: list_ipa's low bits are ignored. */
	gmemset(slots, 0, GDRV_PAGE_SIZE);
	if (n)
		gmemcpy(slots, entries, n * sizeof(uint64_t));
	slots[OPTEE_MSG_PAGELIST_NEXT_SLOT] = next;
	return GDRV_OK;
}

int graw_pagelist_build(struct gdrv *drv, const uint64_t *entries, size_t n,
			uint32_t offset, struct graw_pagelist *pl)
{
	struct gpagesrc src = { entries, 0, n, offset };
	struct gpagelist built;
	int rc;

	if (!entries || !pl)
		return GDRV_EINVAL;
	rc = gpagelist_build(drv, &src, &built);
	if (rc)
		return rc;
	pl->buf_ptr = built.buf_ptr;
	pl->list = built.list;
	pl->nlist = built.nlist;
	return GDRV_OK;
}

void graw_pagelist_free(struct gdrv *drv, struct graw_pagelist *pl)
{
	struct gpagelist built = { pl->list, pl->nlist, pl->buf_ptr };

	gpagelist_free(drv, &built);
	pl->list = NULL;
	pl->nlist = 0;
	pl->buf_ptr = 0;
}

int graw_std_call(struct gdrv *drv, uint64_t regs[8], uint64_t rpc_arg_ipa)
{
	struct gcall call;
	int rc;

	gmemset(&call, 0, sizeof(call));
	gmemcpy(call.regs, regs, sizeof(call.regs));
	call.rpc_arg_ipa = rpc_arg_ipa;
	rc = gcall_run(drv, &call);
	/* gcall_run leaves the final answer in the last SMC's registers. */
	gmemcpy(regs, call.last, sizeof(call.last));
	return rc;
}
