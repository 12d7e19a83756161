// SPDX-License-Identifier: BSD-2-Clause
/*
 * The frame table and the mediator page pools.
 *
 * Every 4 KiB page of a guest's RAM has a pin count for read and one for
 * write (struct frame_pins, 16 bits each: more than 65535 pins of one page
 * is refused, never wrapped). The PA is the handle: unpin finds the frame
 * from (guest, PA) alone, which is what the port contract asks.
 *
 * Mediator pages come from the pool of the guest they serve (plat.h) so
 * the secure side knows whose they are; a bitmap per pool, under the
 * guest's s2_lock.
 */
#include "hyp.h"

struct frame_pins *frame_of(struct guest *g, uint64_t pa)
{
	if (pa < g->ram_pa || pa - g->ram_pa >= g->ram_size)
		return NULL;
	return &g->frames[(pa - g->ram_pa) / PLAT_PAGE_SIZE];
}

bool pa_is_guest_ram(uint64_t pa, struct guest **owner)
{
	unsigned i;

	for (i = 0; i < hyp_nguests; i++) {
		struct guest *g = &hyp_guests[i];

		if (pa >= g->ram_pa && pa - g->ram_pa < g->ram_size) {
			*owner = g;
			return true;
		}
	}
	return false;
}

bool pa_is_pool(uint64_t pa, struct guest **owner)
{
	unsigned i;

	for (i = 0; i < hyp_nguests; i++) {
		struct guest *g = &hyp_guests[i];
		uint64_t base = PLAT_MED_POOL_BASE(g->cfg->slot);

		if (pa >= base && pa - base < PLAT_MED_POOL_SIZE) {
			*owner = g;
			return true;
		}
	}
	return false;
}

int pool_alloc(struct guest *g, uint64_t *pa)
{
	unsigned w, b;
	int ret = -1;

	spin_lock(&g->s2_lock);
	for (w = 0; w < POOL_PAGES / 64 && ret; w++) {
		if (g->pool_map[w] == ~0ull)
			continue;
		for (b = 0; b < 64; b++) {
			if (!(g->pool_map[w] & (1ull << b))) {
				g->pool_map[w] |= 1ull << b;
				*pa = PLAT_MED_POOL_BASE(g->cfg->slot) +
				      (w * 64ull + b) * PLAT_PAGE_SIZE;
				if (++g->pool_live > g->pool_peak)
					g->pool_peak = g->pool_live;
				ret = 0;
				break;
			}
		}
	}
	spin_unlock(&g->s2_lock);
	return ret;
}

int pool_free(struct guest *g, uint64_t pa)
{
	uint64_t base = PLAT_MED_POOL_BASE(g->cfg->slot), n;
	int ret = -1;

	if (pa < base || pa - base >= PLAT_MED_POOL_SIZE || (pa & PLAT_PAGE_MASK))
		return -1;
	n = (pa - base) / PLAT_PAGE_SIZE;
	spin_lock(&g->s2_lock);
	if (g->pool_map[n / 64] & (1ull << (n % 64))) {
		g->pool_map[n / 64] &= ~(1ull << (n % 64));
		g->pool_live--;
		ret = 0;
	}
	spin_unlock(&g->s2_lock);
	return ret;
}
