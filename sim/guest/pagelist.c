/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Non-contiguous page lists (ABI 4.5, 8.5): 4 KiB list pages of 512 u64
 * slots; slots 0..510 hold data-page IPAs, slot 511 the IPA of the next list
 * page. tmem.buf_ptr = IPA of list page 0 | offset of the buffer in its
 * first page. Used for REGISTER_SHM, SHM_ALLOC replies and temporary memrefs.
 */
#include "guest/drv_internal.h"

#define SLOTS_PER_PAGE (GDRV_PAGE_SIZE / sizeof(uint64_t))

_Static_assert(SLOTS_PER_PAGE == OPTEE_MSG_PAGELIST_ENTRIES + 1,
	       "ABI 4.5: 511 entries and a next pointer per list page");

size_t gpagelist_list_pages(size_t entries)
{
	return (entries + OPTEE_MSG_PAGELIST_ENTRIES - 1) /
	       OPTEE_MSG_PAGELIST_ENTRIES;
}

static uint64_t src_page(const struct gpagesrc *src, size_t i)
{
	if (src->pages)
		return src->pages[i];
	return src->first + (uint64_t)i * GDRV_PAGE_SIZE;
}

int gpagelist_build(struct gdrv *drv, const struct gpagesrc *src,
		    struct gpagelist *pl)
{
	size_t k, i, entry = 0;
	int rc;

	gmemset(pl, 0, sizeof(*pl));
	if (src->npages == 0 || src->offset >= GDRV_PAGE_SIZE)
		return GDRV_EINVAL;
	pl->nlist = gpagelist_list_pages(src->npages);
	pl->list = gdrv_zalloc(drv, pl->nlist * sizeof(uint64_t));
	if (!pl->list)
		return GDRV_ENOMEM;
	rc = gdrv_pages_alloc(drv, pl->nlist, drv->cfg.page_policy, pl->list);
	if (rc) {
		gdrv_free(drv, pl->list, pl->nlist * sizeof(uint64_t));
		pl->list = NULL;
		return rc;
	}
	for (k = 0; k < pl->nlist; k++) {
		uint64_t *slots = gmem_map_page(drv, pl->list[k]);

		if (!slots) {
			gpagelist_free(drv, pl);
			return GDRV_EFAULT;
		}
		for (i = 0; i < OPTEE_MSG_PAGELIST_ENTRIES && entry < src->npages;
		     i++, entry++)
			slots[i] = src_page(src, entry) & ~GDRV_PAGE_MASK;
		/*
		 * The last list page keeps 0 in its next slot (ABI 11). Linux
		 * writes a pointer past its allocation when the last page is
		 * exactly full; OP-TEE never follows it, and 0 is clearer.
		 */
		slots[OPTEE_MSG_PAGELIST_NEXT_SLOT] =
			k + 1 < pl->nlist ? pl->list[k + 1] : 0;
	}
	pl->buf_ptr = pl->list[0] | src->offset;
	return GDRV_OK;
}

void gpagelist_free(struct gdrv *drv, struct gpagelist *pl)
{
	if (!pl->list)
		return;
	gdrv_pages_free(drv, pl->list, pl->nlist);
	gdrv_free(drv, pl->list, pl->nlist * sizeof(uint64_t));
	pl->list = NULL;
	pl->nlist = 0;
	pl->buf_ptr = 0;
}
