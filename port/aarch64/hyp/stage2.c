// SPDX-License-Identifier: BSD-2-Clause
/*
 * Stage 2: one table tree per guest, 4 KiB granule, 32-bit IPA space
 * starting at level 1 (VTCR_EL2 in arch.h). Guest RAM is mapped page by
 * page (so a page can be made read-only or unmapped on its own and every
 * translation is a real 3-level walk); the only device a guest may get is
 * the PL011 page. Tables come from the hypervisor heap, which is identity
 * mapped, so a table's address is its PA. Changes are made under
 * guest->s2_lock and followed by TLB invalidation of that guest's VMID.
 */
#include "hyp.h"

#include "smccc.h"

#define IPA_LIMIT     (1ull << 32)
#define L1_INDEX(ipa) (((ipa) >> 30) & 0x3u)
#define L2_INDEX(ipa) (((ipa) >> 21) & 0x1FFu)
#define L3_INDEX(ipa) (((ipa) >> 12) & 0x1FFu)

static uint64_t *table_alloc(struct guest *g)
{
	uint64_t *t;

	if (g->s2.used == S2_TABLE_PAGES)
		return NULL;
	t = heap_alloc(&hyp_heap, PLAT_PAGE_SIZE); /* zeroed, page aligned */
	if (t)
		g->s2.pages[g->s2.used++] = t;
	return t;
}

int s2_init(struct guest *g)
{
	g->s2.vmid = (uint16_t)(g->id + 1);
	g->s2.l1 = table_alloc(g);
	return g->s2.l1 ? 0 : -1;
}

uint64_t s2_vttbr(const struct guest *g)
{
	return (uint64_t)(uintptr_t)g->s2.l1 | ((uint64_t)g->s2.vmid << 48);
}

/* The level-3 descriptor of `ipa`, creating tables on the way if asked. */
static uint64_t *walk(struct guest *g, uint64_t ipa, bool create)
{
	uint64_t *t = g->s2.l1, *next;
	uint64_t *d;
	unsigned lvl;
	const unsigned idx[2] = {L1_INDEX(ipa), L2_INDEX(ipa)};

	if (ipa >= IPA_LIMIT)
		return NULL;
	for (lvl = 0; lvl < 2; lvl++) {
		d = &t[idx[lvl]];
		if ((*d & 3u) != DESC_TABLE) {
			if (!create || (*d & DESC_VALID))
				return NULL; /* absent, or a block (never made here) */
			next = table_alloc(g);
			if (!next)
				return NULL;
			*d = (uint64_t)(uintptr_t)next | DESC_TABLE;
		}
		t = (uint64_t *)(uintptr_t)(*d & DESC_ADDR_MASK);
	}
	return &t[L3_INDEX(ipa)];
}

static uint64_t make_desc(uint64_t pa, enum s2_kind kind)
{
	uint64_t d = (pa & DESC_ADDR_MASK) | DESC_PAGE | DESC_AF;

	switch (kind) {
	case S2_RAM_RW:
		return d | S2_MEMATTR_NORMAL | S2_AP_RW | DESC_SH_IS;
	case S2_RAM_RO:
		return d | S2_MEMATTR_NORMAL | S2_AP_RO | DESC_SH_IS;
	case S2_DEVICE:
		return d | S2_MEMATTR_DEVICE | S2_AP_RW | S2_XN;
	default:
		return 0;
	}
}

int s2_map_page(struct guest *g, uint64_t ipa, uint64_t pa, enum s2_kind kind)
{
	uint64_t *d = walk(g, ipa, true);

	if (!d || (ipa | pa) & PLAT_PAGE_MASK)
		return -1;
	*d = make_desc(pa, kind);
	return 0;
}

enum s2_kind s2_lookup(struct guest *g, uint64_t ipa, uint64_t *pa)
{
	uint64_t *d = walk(g, ipa, false);
	uint64_t v;

	if (!d)
		return S2_NONE;
	v = *d;
	if ((v & 3u) != DESC_PAGE)
		return S2_NONE;
	*pa = (v & DESC_ADDR_MASK) | (ipa & PLAT_PAGE_MASK);
	if ((v & S2_MEMATTR_MASK) != S2_MEMATTR_NORMAL)
		return S2_DEVICE;
	return (v & S2_AP_MASK) == S2_AP_RW ? S2_RAM_RW : S2_RAM_RO;
}

/*
 * Change one RAM page of the calling guest (HYP_CALL_S2_SET). Pins are the
 * promise made to the secure world: a pinned page stays mapped, and a page
 * pinned for write stays writable, until every pin is dropped. The TLB
 * maintenance targets the current VMID, which is the caller's.
 */
int s2_set(struct guest *g, uint64_t ipa, unsigned mode)
{
	struct frame_pins *f;
	uint64_t *d, pa;
	int ret = 0;

	if (ipa & PLAT_PAGE_MASK || ipa < g->ram_ipa || ipa - g->ram_ipa >= g->ram_size)
		return -1;
	pa = g->ram_pa + (ipa - g->ram_ipa);
	spin_lock(&g->s2_lock);
	f = frame_of(g, pa);
	d = walk(g, ipa, false);
	if (!f || !d || mode > HYP_S2_RW) {
		ret = -1;
	} else if ((mode == HYP_S2_UNMAPPED && (f->r || f->w)) || (mode == HYP_S2_RO && f->w)) {
		ret = 1;
	} else {
		*d = mode == HYP_S2_UNMAPPED
			 ? 0
			 : make_desc(pa, mode == HYP_S2_RO ? S2_RAM_RO : S2_RAM_RW);
		dsb(ishst);
		__asm__ volatile("tlbi ipas2e1is, %0" : : "r"(ipa >> 12) : "memory");
		dsb(ish);
		__asm__ volatile("tlbi vmalle1is" : : : "memory");
		dsb(ish);
		isb();
	}
	spin_unlock(&g->s2_lock);
	return ret;
}
