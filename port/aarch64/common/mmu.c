// SPDX-License-Identifier: BSD-2-Clause
/* Identity stage-1 tables (see mmu.h). */
#include "arch.h"
#include "lib.h"
#include "mmu.h"

#define GIB	   (1ull << 30)
#define MIB2	   (1ull << 21)
#define L1_ENTRIES 4u /* T0SZ = 32: 4 GiB */

int mmu_build(uint64_t *l1, uint64_t *l2_gib0, const struct mmu_region *r, size_t n)
{
	size_t i;
	int used_l2 = 0;

	memset(l1, 0, 4096);
	memset(l2_gib0, 0, 4096);
	for (i = 0; i < n; i++) {
		uint64_t a = r[i].base, end = r[i].base + r[i].size;

		if ((a | end) & (MIB2 - 1) || end > L1_ENTRIES * GIB)
			return -1;
		while (a < end) {
			if (!(a & (GIB - 1)) && end - a >= GIB) {
				l1[a / GIB] = a | r[i].attrs | DESC_BLOCK;
				a += GIB;
			} else if (a < GIB) {
				l2_gib0[a / MIB2] = a | r[i].attrs | DESC_BLOCK;
				used_l2 = 1;
				a += MIB2;
			} else {
				return -1; /* 2 MiB blocks only in the first GiB */
			}
		}
	}
	if (used_l2)
		l1[0] = (uint64_t)(uintptr_t)l2_gib0 | DESC_TABLE;
	dsb(ishst);
	return 0;
}
