/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A guest's stage-2 translation: IPA -> PA for 4 KiB pages, each with a type.
 *
 * The guest's RAM is the IPA window [ram_base, ram_base + ram_size), backed
 * at creation by frames of that guest in a shuffled order (from the seed), so
 * that consecutive IPAs are almost never consecutive PAs and page lists
 * matter. IPAs outside the window are unmapped.
 *
 * The hypervisor (a balloon driver, or an attacker) can change it at run
 * time: unmap a page, remap an IPA to a fresh frame, make a page read-only,
 * put an MMIO page in place of RAM. A frame that leaves the stage 2 while
 * pinned is not freed: it stays the guest's, pinned, until its last unpin
 * (phys_release).
 *
 * Thread safety: a rwlock per stage 2. Lookups and pins take it shared,
 * changes exclusive, so a pin and a change of the same page are ordered.
 * Lock order: stage-2 rwlock, then the phys mutex. Pointers returned to the
 * guest (stage2_guest_ptr) are used without the lock, as a real guest uses
 * its TLB.
 */
#ifndef TEEMED_SIM_MACHINE_STAGE2_H
#define TEEMED_SIM_MACHINE_STAGE2_H

#include <stddef.h>
#include <stdint.h>

#include "sim/machine/phys.h"

enum s2_type {
	S2_UNMAPPED = 0,
	S2_RAM_RW,
	S2_RAM_RO,
	S2_MMIO,
};

/* Default guest RAM base: QEMU virt's, where an AArch64 guest expects it. */
#define S2_DEFAULT_RAM_BASE 0x40000000ull
/* Default device PA for an MMIO page (QEMU virt's PL011), outside the arena. */
#define S2_DEFAULT_MMIO_PA 0x09000000ull

struct stage2_stats {
	uint64_t unmaps;
	uint64_t remaps;
	uint64_t ro_changes;
	uint64_t mmio_maps;
	uint64_t pinned_releases; /* frames left the stage 2 while pinned */
};

struct stage2;

/*
 * Build the stage 2 of guest `guest`: ram_base and ram_size page aligned,
 * size non-zero. Returns 0, -EINVAL or -ENOMEM (not enough guest frames).
 */
int stage2_create(struct phys *p, uint16_t guest, uint64_t ram_base, uint64_t ram_size,
		  uint64_t seed, struct stage2 **out);
/* Release every RAM frame (those still pinned stay pinned; see phys_release). */
void stage2_destroy(struct stage2 *s2);

uint16_t stage2_guest(const struct stage2 *s2);
uint64_t stage2_ram_base(const struct stage2 *s2);
uint64_t stage2_ram_size(const struct stage2 *s2);
struct phys *stage2_phys(const struct stage2 *s2);

/* Type of the page holding `ipa` and its PA (0 if unmapped). */
enum s2_type stage2_lookup(struct stage2 *s2, uint64_t ipa, uint64_t *pa);
/* Host address of the RAM page holding `ipa` (RO included), else NULL. */
void *stage2_guest_ptr(struct stage2 *s2, uint64_t ipa);

/*
 * Pin the page at `ipa` (page aligned) for PHYS_PIN_READ or PHYS_PIN_WRITE.
 * 0 and *pa on success; -EINVAL (misaligned), -EFAULT (unmapped or outside
 * the RAM window), -ENODEV (MMIO), -EACCES (read-only page pinned for write),
 * or phys_pin's error.
 */
int stage2_pin(struct stage2 *s2, uint64_t ipa, unsigned access, uint64_t *pa);
int stage2_unpin(struct stage2 *s2, uint64_t pa, unsigned access);

/* Run-time changes. Return 0, -EINVAL (outside the window) or -ENOMEM. */
int stage2_unmap(struct stage2 *s2, uint64_t ipa);
/* Back `ipa` by a fresh frame, read-write; its PA in *new_pa if non-NULL. */
int stage2_remap(struct stage2 *s2, uint64_t ipa, uint64_t *new_pa);
/* RAM page only: make it read-only (ro != 0) or read-write again. */
int stage2_set_ro(struct stage2 *s2, uint64_t ipa, int ro);
/* Put device page `dev_pa` (outside the arena) at `ipa`. */
int stage2_map_mmio(struct stage2 *s2, uint64_t ipa, uint64_t dev_pa);

void stage2_stats(struct stage2 *s2, struct stage2_stats *out);

#endif /* TEEMED_SIM_MACHINE_STAGE2_H */
