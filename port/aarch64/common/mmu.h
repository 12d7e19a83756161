/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Identity stage-1 tables for a 4 GiB single-range regime (EL3, EL2) or the
 * EL1 guests: a level-1 table (1 GiB blocks) and one level-2 table for the
 * first GiB (2 MiB blocks), where flash, SRAM and devices share a GiB.
 */
#ifndef TEEMED_AARCH64_MMU_H
#define TEEMED_AARCH64_MMU_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"

struct mmu_region {
	uint64_t base, size; /* 2 MiB aligned (1 GiB above the first GiB) */
	uint64_t attrs;	     /* descriptor bits besides the address and type */
};

/* Both tables 4 KiB aligned, 512 entries; zeroed and filled. 0 or -1. */
int mmu_build(uint64_t *l1, uint64_t *l2_gib0, const struct mmu_region *r, size_t n);

/* Attributes. */
#define MMU_NORMAL (S1_ATTR(MAIR_NORMAL_IDX) | DESC_AF | DESC_SH_IS)
#define MMU_DEVICE (S1_ATTR(MAIR_DEVICE_IDX) | DESC_AF | S1_PXN | S1_UXN)

#endif /* TEEMED_AARCH64_MMU_H */
