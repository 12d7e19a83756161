/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-guest stage-2 translation (see stage2.h).
 *
 * Lock order: s2->lock (rwlock), then the phys mutex (inside phys_*).
 */
#include "sim/machine/stage2.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "sim/machine/rng.h"

/* An entry is the PA of the page with its type in the low (page offset) bits. */
#define ENTRY_TYPE_MASK 0xfull

struct stage2 {
	pthread_rwlock_t lock;
	struct phys *phys;
	uint16_t guest;
	uint64_t ram_base;
	uint64_t ram_size;
	size_t npages;
	uint64_t *entries;
	struct stage2_stats stats; /* under the write lock */
};

static uint64_t entry(uint64_t pa, enum s2_type type)
{
	return pa | (uint64_t)type;
}

static enum s2_type entry_type(uint64_t e)
{
	return (enum s2_type)(e & ENTRY_TYPE_MASK);
}

static uint64_t entry_pa(uint64_t e)
{
	return e & ~PHYS_FRAME_MASK;
}

static int is_ram(uint64_t e)
{
	return entry_type(e) == S2_RAM_RW || entry_type(e) == S2_RAM_RO;
}

/* Index of the page holding `ipa`, or -1 outside the RAM window. */
static long page_index(const struct stage2 *s2, uint64_t ipa)
{
	if (ipa < s2->ram_base || ipa - s2->ram_base >= s2->ram_size)
		return -1;
	return (long)((ipa - s2->ram_base) >> PHYS_FRAME_SHIFT);
}

int stage2_create(struct phys *p, uint16_t guest, uint64_t ram_base, uint64_t ram_size,
		  uint64_t seed, struct stage2 **out)
{
	struct stage2 *s2;
	uint64_t rng = seed ^ ((uint64_t)guest << 48);
	size_t i;
	int ret;

	if ((ram_base | ram_size) & PHYS_FRAME_MASK || ram_size == 0 ||
	    ram_base + ram_size < ram_base || guest == PHYS_NO_DOM)
		return -EINVAL;
	s2 = calloc(1, sizeof(*s2));
	if (!s2)
		return -ENOMEM;
	s2->phys = p;
	s2->guest = guest;
	s2->ram_base = ram_base;
	s2->ram_size = ram_size;
	s2->npages = (size_t)(ram_size >> PHYS_FRAME_SHIFT);
	s2->entries = malloc(s2->npages * sizeof(*s2->entries));
	if (!s2->entries) {
		free(s2);
		return -ENOMEM;
	}
	ret = phys_alloc_n(p, PHYS_REGION_GUEST, PHYS_GUEST, guest, s2->npages, s2->entries);
	if (ret) {
		free(s2->entries);
		free(s2);
		return ret;
	}
	/* Fisher-Yates: IPA order no longer follows PA order. */
	for (i = s2->npages; i > 1; i--) {
		size_t j = (size_t)rng_below(&rng, i);
		uint64_t t = s2->entries[i - 1];

		s2->entries[i - 1] = s2->entries[j];
		s2->entries[j] = t;
	}
	for (i = 0; i < s2->npages; i++)
		s2->entries[i] = entry(s2->entries[i], S2_RAM_RW);
	pthread_rwlock_init(&s2->lock, NULL);
	*out = s2;
	return 0;
}

/* The page's frame leaves the stage 2. Write lock held. */
static void release_locked(struct stage2 *s2, uint64_t e)
{
	if (is_ram(e) && phys_release(s2->phys, entry_pa(e), s2->guest) == 1)
		s2->stats.pinned_releases++;
}

void stage2_destroy(struct stage2 *s2)
{
	size_t i;

	if (!s2)
		return;
	pthread_rwlock_wrlock(&s2->lock);
	for (i = 0; i < s2->npages; i++)
		release_locked(s2, s2->entries[i]);
	pthread_rwlock_unlock(&s2->lock);
	pthread_rwlock_destroy(&s2->lock);
	free(s2->entries);
	free(s2);
}

uint16_t stage2_guest(const struct stage2 *s2)
{
	return s2->guest;
}

uint64_t stage2_ram_base(const struct stage2 *s2)
{
	return s2->ram_base;
}

uint64_t stage2_ram_size(const struct stage2 *s2)
{
	return s2->ram_size;
}

struct phys *stage2_phys(const struct stage2 *s2)
{
	return s2->phys;
}

enum s2_type stage2_lookup(struct stage2 *s2, uint64_t ipa, uint64_t *pa)
{
	long i = page_index(s2, ipa);
	uint64_t e = 0;

	if (i >= 0) {
		pthread_rwlock_rdlock(&s2->lock);
		e = s2->entries[i];
		pthread_rwlock_unlock(&s2->lock);
	}
	if (pa)
		*pa = entry_pa(e);
	return entry_type(e);
}

void *stage2_guest_ptr(struct stage2 *s2, uint64_t ipa)
{
	uint64_t pa;

	if (!is_ram(entry(0, stage2_lookup(s2, ipa, &pa))))
		return NULL;
	return phys_ptr(s2->phys, pa);
}

int stage2_pin(struct stage2 *s2, uint64_t ipa, unsigned access, uint64_t *pa)
{
	long i = page_index(s2, ipa);
	uint64_t e;
	int ret;

	if (ipa & PHYS_FRAME_MASK)
		return -EINVAL;
	if (i < 0)
		return -EFAULT;
	pthread_rwlock_rdlock(&s2->lock);
	e = s2->entries[i];
	switch (entry_type(e)) {
	case S2_RAM_RW:
		ret = 0;
		break;
	case S2_RAM_RO:
		ret = access == PHYS_PIN_WRITE ? -EACCES : 0;
		break;
	case S2_MMIO:
		ret = -ENODEV;
		break;
	default:
		ret = -EFAULT;
		break;
	}
	if (ret == 0)
		ret = phys_pin(s2->phys, entry_pa(e), s2->guest, access);
	pthread_rwlock_unlock(&s2->lock);
	if (ret == 0)
		*pa = entry_pa(e);
	return ret;
}

int stage2_unpin(struct stage2 *s2, uint64_t pa, unsigned access)
{
	return phys_unpin(s2->phys, pa, s2->guest, access);
}

/* Replace the entry of `ipa` by `new_entry`, releasing the old frame. */
static int replace(struct stage2 *s2, uint64_t ipa, uint64_t new_entry)
{
	long i = page_index(s2, ipa);

	if (i < 0)
		return -EINVAL;
	pthread_rwlock_wrlock(&s2->lock);
	release_locked(s2, s2->entries[i]);
	s2->entries[i] = new_entry;
	switch (entry_type(new_entry)) {
	case S2_UNMAPPED:
		s2->stats.unmaps++;
		break;
	case S2_MMIO:
		s2->stats.mmio_maps++;
		break;
	default:
		s2->stats.remaps++;
		break;
	}
	pthread_rwlock_unlock(&s2->lock);
	return 0;
}

int stage2_unmap(struct stage2 *s2, uint64_t ipa)
{
	return replace(s2, ipa, entry(0, S2_UNMAPPED));
}

int stage2_remap(struct stage2 *s2, uint64_t ipa, uint64_t *new_pa)
{
	uint64_t pa;
	int ret;

	if (page_index(s2, ipa) < 0)
		return -EINVAL;
	ret = phys_alloc(s2->phys, PHYS_REGION_GUEST, PHYS_GUEST, s2->guest, &pa);
	if (ret)
		return ret;
	ret = replace(s2, ipa, entry(pa, S2_RAM_RW));
	if (ret == 0 && new_pa)
		*new_pa = pa;
	return ret;
}

int stage2_set_ro(struct stage2 *s2, uint64_t ipa, int ro)
{
	long i = page_index(s2, ipa);
	uint64_t e;
	int ret = 0;

	if (i < 0)
		return -EINVAL;
	pthread_rwlock_wrlock(&s2->lock);
	e = s2->entries[i];
	if (!is_ram(e)) {
		ret = -EINVAL;
	} else {
		s2->entries[i] = entry(entry_pa(e), ro ? S2_RAM_RO : S2_RAM_RW);
		s2->stats.ro_changes++;
	}
	pthread_rwlock_unlock(&s2->lock);
	return ret;
}

int stage2_map_mmio(struct stage2 *s2, uint64_t ipa, uint64_t dev_pa)
{
	if ((dev_pa & PHYS_FRAME_MASK) || phys_contains(s2->phys, dev_pa, 0))
		return -EINVAL;
	return replace(s2, ipa, entry(dev_pa, S2_MMIO));
}

void stage2_stats(struct stage2 *s2, struct stage2_stats *out)
{
	pthread_rwlock_rdlock(&s2->lock);
	*out = s2->stats;
	pthread_rwlock_unlock(&s2->lock);
}
