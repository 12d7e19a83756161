/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The raw interface, for attack workloads: SMCs with any registers, bytes
 * written anywhere by IPA, hand-made arguments and page lists. Nothing here
 * validates anything; that is the point. Changing the guest's mappings is
 * the machine's business, not the driver's.
 */
#ifndef TEEMED_SIM_GUEST_RAW_H
#define TEEMED_SIM_GUEST_RAW_H

#include <stddef.h>
#include <stdint.h>

#include "guest/driver.h"
#include "teemed/optee_msg.h"

/* Issue one SMC exactly as given (a7 included); results in regs. */
void graw_smc(const struct guest_env *env, uint64_t regs[8]);

/*
 * Copy bytes to/from any IPA, page by page through env->map(); no check
 * against the guest's RAM range. GDRV_EFAULT at the first unmapped page
 * (bytes before it have been copied).
 */
int graw_write(const struct guest_env *env, uint64_t ipa, const void *src,
	       size_t len);
int graw_read(const struct guest_env *env, uint64_t ipa, void *dst, size_t len);

/*
 * Write an optee_msg_arg at `ipa`: the header as given (num_params
 * included, whatever nparams is) followed by params[0..nparams). May
 * straddle a page boundary.
 */
int graw_write_arg(const struct guest_env *env, uint64_t ipa,
		   const struct optee_msg_arg *hdr,
		   const struct optee_msg_param *params, size_t nparams);

/*
 * Write one page-list page at list_ipa: entries[0..n) in slots 0..n-1
 * (n <= 511, values as given: misaligned or foreign addresses welcome),
 * zero in the unused slots, `next` in slot 511.
 */
int graw_write_pagelist_page(const struct guest_env *env, uint64_t list_ipa,
			     const uint64_t *entries, size_t n, uint64_t next);

/* A page list built by the driver from arbitrary 4 KiB-aligned entries. */
struct graw_pagelist {
	uint64_t buf_ptr;   /* IPA of list page 0 | offset */
	uint64_t *list;     /* the list pages (driver-private memory) */
	size_t nlist;
};
int graw_pagelist_build(struct gdrv *drv, const uint64_t *entries, size_t n,
			uint32_t offset, struct graw_pagelist *pl);
void graw_pagelist_free(struct gdrv *drv, struct graw_pagelist *pl);

/*
 * Run a yielding call whose first SMC is regs[0..7] as given, with the
 * driver's call queue, ETHREAD_LIMIT retries and RPC service. CMD RPCs find
 * their argument at rpc_arg_ipa if non-zero (in-band), else by the a1:a2
 * cookie of an RPC ALLOC. regs receive the final answer. Returns GDRV_OK
 * if a0 was OK, else GDRV_ECOMM.
 */
int graw_std_call(struct gdrv *drv, uint64_t regs[8], uint64_t rpc_arg_ipa);

#endif /* TEEMED_SIM_GUEST_RAW_H */
