/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The argument cache (ABI 8.2): pages holding optee_msg_arg slots, kept for
 * the life of the driver as Linux keeps them.
 *  - With RPC_ARG (modern mode) a page is registered with OP-TEE and split
 *    into slots of GET_ARG_SIZE(6) + GET_ARG_SIZE(rpc_param_count) bytes
 *    (384 with OP-TEE's 4): the call goes with CALL_WITH_REGD_ARG, a1:a2 =
 *    the page's cookie, a3 = the slot offset, and the RPC argument sits
 *    in-band right after the argument's params.
 *  - Otherwise each private page holds one argument at offset 0, sent with
 *    CALL_WITH_ARG and its IPA.
 */
#include "guest/drv_internal.h"
#include "teemed/optee_smc.h"

/* Most params of a message: open session = 2 metas + 4 TA params (8.5). */
#define GARG_MAX_PARAMS 6u

uint64_t garg_slot_ipa(const struct garg_slot *slot)
{
	return slot->page->shm->pages[0] + slot->offs;
}

static bool take_slot(struct gdrv *drv, struct garg_page *pg,
		      struct garg_slot *slot)
{
	size_t bit;

	for (bit = 0; bit < drv->arg_slots_per_page; bit++) {
		if (!(pg->used & (UINT32_C(1) << bit))) {
			pg->used |= UINT32_C(1) << bit;
			slot->page = pg;
			slot->offs = (uint32_t)(bit * drv->arg_slot_size);
			return true;
		}
	}
	return false;
}

static int add_page(struct gdrv *drv)
{
	struct garg_page *pg = gdrv_zalloc(drv, sizeof(*pg));
	int rc;

	if (!pg)
		return GDRV_ENOMEM;
	rc = gshm_create(drv, GSHM_ARG_PAGE, GDRV_PAGE_SIZE, GDRV_PAGES_ANY,
			 &pg->shm);
	if (rc == GDRV_OK && drv->arg_shared) {
		rc = gshm_register(drv, pg->shm);
		if (rc)
			gshm_destroy(drv, pg->shm);
	}
	if (rc) {
		gdrv_free(drv, pg, sizeof(*pg));
		return rc;
	}
	gdrv_lock(drv);
	pg->next = drv->arg_pages;
	drv->arg_pages = pg;
	gdrv_unlock(drv);
	return GDRV_OK;
}

int garg_get(struct gdrv *drv, size_t num_params, struct garg_slot *slot,
	     struct optee_msg_arg **arg)
{
	struct garg_page *pg;
	bool found = false;
	int rc;

	if (num_params > GARG_MAX_PARAMS)
		return GDRV_EINVAL;
	for (;;) {
		gdrv_lock(drv);
		for (pg = drv->arg_pages; pg && !found; pg = pg->next)
			found = take_slot(drv, pg, slot);
		gdrv_unlock(drv);
		if (found)
			break;
		/* Registration is a call: made without the lock held. */
		rc = add_page(drv);
		if (rc)
			return rc;
	}
	*arg = gcall_map_arg(drv, garg_slot_ipa(slot));
	if (!*arg) {
		garg_put(drv, slot);
		return GDRV_EFAULT;
	}
	gmemset(*arg, 0, drv->arg_slot_size);
	(*arg)->num_params = (uint32_t)num_params;
	return GDRV_OK;
}

void garg_put(struct gdrv *drv, const struct garg_slot *slot)
{
	size_t bit = slot->offs / drv->arg_slot_size;

	gdrv_lock(drv);
	slot->page->used &= ~(UINT32_C(1) << bit);
	gdrv_unlock(drv);
}

void garg_prepare_call(struct gdrv *drv, const struct garg_slot *slot,
		       uint32_t num_params, struct gcall *call)
{
	uint64_t ipa = garg_slot_ipa(slot);

	gmemset(call->regs, 0, sizeof(call->regs)); /* a4..a7 = 0 (8.2) */
	call->arg_ipa = ipa;
	call->rpc_arg_ipa = 0;
	if (drv->info.rpc_param_count)
		call->rpc_arg_ipa = ipa + OPTEE_MSG_GET_ARG_SIZE(num_params);
	if (drv->arg_shared) {
		call->regs[0] = OPTEE_SMC_CALL_WITH_REGD_ARG;
		greg_split(slot->page->shm->cookie, &call->regs[1], &call->regs[2]);
		call->regs[3] = slot->offs;
		return;
	}
	call->regs[0] = drv->info.rpc_param_count ? OPTEE_SMC_CALL_WITH_RPC_ARG
						  : OPTEE_SMC_CALL_WITH_ARG;
	greg_split(ipa, &call->regs[1], &call->regs[2]);
}

void garg_fini(struct gdrv *drv)
{
	struct garg_page *pg;

	for (;;) {
		gdrv_lock(drv);
		pg = drv->arg_pages;
		if (pg)
			drv->arg_pages = pg->next;
		gdrv_unlock(drv);
		if (!pg)
			break;
		if (pg->used)
			gdrv_log(drv, "guest: freeing a busy argument page", pg->used);
		gshm_destroy(drv, pg->shm); /* unregisters a shared page */
		gdrv_free(drv, pg, sizeof(*pg));
	}
}
