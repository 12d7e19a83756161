/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Simulated physical memory (see phys.h).
 *
 * Lock order: callers' stage-2 rwlock, then phys->lock. Nothing else is taken
 * with phys->lock held.
 */
#include "sim/machine/phys.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define FRAME_RELEASED 1u /* unmapped from its guest while pinned */
#define FRAME_DIRTY    2u /* was in use: scrub before handing it out again */

/* Every error is counted; only the first ones are printed, to keep sweeps readable. */
#define PHYS_ERRORS_PRINTED 16

/* Pin counts saturate here rather than wrap; a pin past it is refused. */
#define PHYS_MAX_PINS UINT32_MAX

struct phys_frame {
	uint8_t owner;
	uint8_t flags;
	uint16_t dom;
	uint32_t rpins;
	uint32_t wpins;
};

struct phys {
	pthread_mutex_t lock;
	uint8_t *arena;
	uint64_t base;
	uint64_t size;
	size_t nframes;
	struct phys_frame *frames;
	size_t region_first[PHYS_REGION_COUNT];
	size_t region_frames[PHYS_REGION_COUNT];
	uint32_t *free_stack[PHYS_REGION_COUNT]; /* frame indices */
	size_t free_top[PHYS_REGION_COUNT];
	struct phys_stats stats; /* frames_free/total filled on read */
};

static const char *const owner_names[] = {
	[PHYS_FREE] = "free", [PHYS_GUEST] = "guest", [PHYS_MEDIATOR] = "mediator",
	[PHYS_SECURE] = "secure", [PHYS_HYPERVISOR] = "hypervisor",
};

const char *phys_owner_name(enum phys_owner owner)
{
	if ((unsigned)owner < sizeof(owner_names) / sizeof(owner_names[0]))
		return owner_names[owner];
	return "?";
}

void phys_config_default(struct phys_config *cfg)
{
	cfg->base = PHYS_DEFAULT_BASE;
	cfg->region_bytes[PHYS_REGION_GUEST] = PHYS_DEFAULT_GUEST_BYTES;
	cfg->region_bytes[PHYS_REGION_MEDIATOR] = PHYS_DEFAULT_MEDIATOR_BYTES;
	cfg->region_bytes[PHYS_REGION_SECURE] = PHYS_DEFAULT_SECURE_BYTES;
	cfg->region_bytes[PHYS_REGION_HYP] = PHYS_DEFAULT_HYP_BYTES;
}

static void report_error(struct phys *p, uint64_t *counter, const char *what,
			 uint64_t pa, const struct phys_frame *f)
{
	(*counter)++;
	p->stats.errors++;
	if (p->stats.errors <= PHYS_ERRORS_PRINTED)
		fprintf(stderr, "phys: ERROR %s: pa 0x%llx owner %s dom %u pins r%u w%u\n",
			what, (unsigned long long)pa, phys_owner_name(f->owner), f->dom,
			f->rpins, f->wpins);
}

int phys_create(const struct phys_config *cfg, struct phys **out)
{
	struct phys *p;
	size_t n = 0;
	int r;

	if (cfg->base & PHYS_FRAME_MASK)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (r = 0; r < PHYS_REGION_COUNT; r++) {
		p->region_first[r] = n;
		p->region_frames[r] = (size_t)((cfg->region_bytes[r] + PHYS_FRAME_MASK) >>
					       PHYS_FRAME_SHIFT);
		n += p->region_frames[r];
	}
	if (n == 0 || n > UINT32_MAX)
		goto fail;
	p->nframes = n;
	p->base = cfg->base;
	p->size = (uint64_t)n << PHYS_FRAME_SHIFT;
	/* NORESERVE: untouched frames cost nothing, so a 1 GiB guest is cheap. */
	p->arena = mmap(NULL, p->size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p->arena == MAP_FAILED) {
		p->arena = NULL;
		goto fail;
	}
	p->frames = calloc(n, sizeof(*p->frames));
	if (!p->frames)
		goto fail;
	for (r = 0; r < PHYS_REGION_COUNT; r++) {
		size_t i, first = p->region_first[r], cnt = p->region_frames[r];

		if (r == PHYS_REGION_SECURE || r == PHYS_REGION_HYP) {
			/* Owned from the start: nobody allocates them. */
			for (i = 0; i < cnt; i++) {
				p->frames[first + i].owner =
					r == PHYS_REGION_SECURE ? PHYS_SECURE : PHYS_HYPERVISOR;
				p->frames[first + i].dom = PHYS_NO_DOM;
			}
		} else {
			for (i = 0; i < cnt; i++)
				p->frames[first + i].dom = PHYS_NO_DOM;
		}
		p->free_stack[r] = malloc((cnt ? cnt : 1) * sizeof(uint32_t));
		if (!p->free_stack[r])
			goto fail;
		if (r == PHYS_REGION_SECURE || r == PHYS_REGION_HYP)
			continue;
		/* Pushed high to low, so frames come out in ascending order. */
		for (i = 0; i < cnt; i++)
			p->free_stack[r][i] = (uint32_t)(first + cnt - 1 - i);
		p->free_top[r] = cnt;
	}
	pthread_mutex_init(&p->lock, NULL);
	*out = p;
	return 0;
fail:
	phys_destroy(p);
	return -ENOMEM;
}

void phys_destroy(struct phys *p)
{
	int r;

	if (!p)
		return;
	if (p->arena)
		munmap(p->arena, p->size);
	for (r = 0; r < PHYS_REGION_COUNT; r++)
		free(p->free_stack[r]);
	free(p->frames);
	if (p->nframes)
		pthread_mutex_destroy(&p->lock);
	free(p);
}

uint64_t phys_base(const struct phys *p)
{
	return p->base;
}

uint64_t phys_size(const struct phys *p)
{
	return p->size;
}

uint64_t phys_region_base(const struct phys *p, enum phys_region r)
{
	return p->base + ((uint64_t)p->region_first[r] << PHYS_FRAME_SHIFT);
}

uint64_t phys_region_bytes(const struct phys *p, enum phys_region r)
{
	return (uint64_t)p->region_frames[r] << PHYS_FRAME_SHIFT;
}

bool phys_contains(const struct phys *p, uint64_t pa, uint64_t len)
{
	if (pa < p->base || pa - p->base >= p->size)
		return false;
	return len <= p->size - (pa - p->base);
}

/* Region of a valid frame index: regions are contiguous, in order, maybe empty. */
static int region_of_index(const struct phys *p, size_t idx)
{
	int r;

	for (r = PHYS_REGION_COUNT - 1; r > 0; r--)
		if (idx >= p->region_first[r])
			break;
	return r;
}

int phys_region_of(const struct phys *p, uint64_t pa)
{
	if (!phys_contains(p, pa, 0))
		return -1;
	return region_of_index(p, (size_t)((pa - p->base) >> PHYS_FRAME_SHIFT));
}

void *phys_ptr(const struct phys *p, uint64_t pa)
{
	if (!phys_contains(p, pa, 0))
		return NULL;
	return p->arena + (pa - p->base);
}

int phys_pa_of_ptr(const struct phys *p, const void *ptr, uint64_t *pa)
{
	const uint8_t *b = ptr;

	if (b < p->arena || (uint64_t)(b - p->arena) >= p->size)
		return -EINVAL;
	*pa = p->base + (uint64_t)(b - p->arena);
	return 0;
}

/* Index of the frame holding `pa`; the caller has checked phys_contains. */
static size_t frame_index(const struct phys *p, uint64_t pa)
{
	return (size_t)((pa - p->base) >> PHYS_FRAME_SHIFT);
}

static uint64_t frame_pa(const struct phys *p, size_t idx)
{
	return p->base + ((uint64_t)idx << PHYS_FRAME_SHIFT);
}

static struct phys_frame *frame_of(struct phys *p, uint64_t pa)
{
	if (!phys_contains(p, pa, 0))
		return NULL;
	return &p->frames[frame_index(p, pa)];
}

/* Scrub a frame that was in use: drop its pages so they read as zero. */
static void scrub(struct phys *p, size_t idx)
{
	madvise(p->arena + ((uint64_t)idx << PHYS_FRAME_SHIFT), PHYS_FRAME_SIZE,
		MADV_DONTNEED);
}

int phys_alloc_n(struct phys *p, enum phys_region r, enum phys_owner owner,
		 uint16_t dom, size_t n, uint64_t *pas)
{
	size_t i;

	if ((unsigned)r >= PHYS_REGION_COUNT || owner == PHYS_FREE)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	if (p->free_top[r] < n) {
		pthread_mutex_unlock(&p->lock);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		size_t idx = p->free_stack[r][--p->free_top[r]];
		struct phys_frame *f = &p->frames[idx];

		f->owner = (uint8_t)owner;
		f->dom = dom;
		pas[i] = frame_pa(p, idx);
		if (f->flags & FRAME_DIRTY) {
			f->flags = 0;
			pas[i] |= 1; /* scrub below: PAs are frame aligned */
		}
	}
	pthread_mutex_unlock(&p->lock);
	/* The frames are ours now: scrub the recycled ones outside the lock. */
	for (i = 0; i < n; i++) {
		if (pas[i] & 1) {
			pas[i] &= ~(uint64_t)1;
			scrub(p, frame_index(p, pas[i]));
		}
	}
	return 0;
}

int phys_alloc(struct phys *p, enum phys_region r, enum phys_owner owner,
	       uint16_t dom, uint64_t *pa)
{
	return phys_alloc_n(p, r, owner, dom, 1, pa);
}

/* Put a frame on its region's free list. Lock held, frame not pinned. */
static void free_locked(struct phys *p, size_t idx)
{
	struct phys_frame *f = &p->frames[idx];
	int r = region_of_index(p, idx);

	f->owner = PHYS_FREE;
	f->dom = PHYS_NO_DOM;
	f->flags = FRAME_DIRTY;
	p->free_stack[r][p->free_top[r]++] = (uint32_t)idx;
}

int phys_free(struct phys *p, uint64_t pa)
{
	struct phys_frame *f = frame_of(p, pa);
	int ret = 0;

	if (!f)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	if (f->owner == PHYS_FREE) {
		report_error(p, &p->stats.err_double_free, "free of a free frame", pa, f);
		ret = -EINVAL;
	} else if (f->rpins || f->wpins) {
		report_error(p, &p->stats.err_free_pinned, "free of a pinned frame", pa, f);
		ret = -EBUSY;
	} else {
		free_locked(p, frame_index(p, pa));
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

int phys_release(struct phys *p, uint64_t pa, uint16_t guest)
{
	struct phys_frame *f = frame_of(p, pa);
	int ret = 0;

	if (!f)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	if (f->owner != PHYS_GUEST || f->dom != guest || (f->flags & FRAME_RELEASED)) {
		ret = -EINVAL;
	} else if (f->rpins || f->wpins) {
		f->flags |= FRAME_RELEASED;
		p->stats.deferred_releases++;
		p->stats.frames_released_pinned++;
		ret = 1;
	} else {
		free_locked(p, frame_index(p, pa));
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

int phys_reassign(struct phys *p, uint64_t pa, enum phys_owner owner, uint16_t dom)
{
	struct phys_frame *f = frame_of(p, pa);
	int ret = 0;

	if (!f || owner == PHYS_FREE)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	if (f->owner == PHYS_FREE) {
		ret = -EINVAL; /* allocate it instead */
	} else if (f->rpins || f->wpins) {
		report_error(p, &p->stats.err_free_pinned, "reassign of a pinned frame", pa, f);
		ret = -EBUSY;
	} else {
		f->owner = (uint8_t)owner;
		f->dom = dom;
		f->flags &= (uint8_t)~FRAME_RELEASED;
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

int phys_pin(struct phys *p, uint64_t pa, uint16_t guest, unsigned access)
{
	struct phys_frame *f = frame_of(p, pa);
	uint32_t *count;
	int ret = 0;

	if (!f || (access != PHYS_PIN_READ && access != PHYS_PIN_WRITE))
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	count = access == PHYS_PIN_WRITE ? &f->wpins : &f->rpins;
	if (f->owner != PHYS_GUEST || f->dom != guest || (f->flags & FRAME_RELEASED)) {
		ret = -EPERM;
	} else if (*count == PHYS_MAX_PINS) {
		ret = -EOVERFLOW;
	} else {
		if (!f->rpins && !f->wpins)
			p->stats.frames_pinned++;
		(*count)++;
		p->stats.pins_live++;
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

int phys_unpin(struct phys *p, uint64_t pa, uint16_t guest, unsigned access)
{
	struct phys_frame *f = frame_of(p, pa);
	uint32_t *count;
	int ret = 0;

	if (!f || (access != PHYS_PIN_READ && access != PHYS_PIN_WRITE))
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	count = access == PHYS_PIN_WRITE ? &f->wpins : &f->rpins;
	if (f->owner != PHYS_GUEST || f->dom != guest || *count == 0) {
		report_error(p, &p->stats.err_bad_unpin, "unpin matching no pin", pa, f);
		ret = -EINVAL;
	} else {
		(*count)--;
		p->stats.pins_live--;
		if (!f->rpins && !f->wpins) {
			p->stats.frames_pinned--;
			if (f->flags & FRAME_RELEASED) {
				p->stats.frames_released_pinned--;
				free_locked(p, frame_index(p, pa));
			}
		}
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

static void info_of(const struct phys_frame *f, struct phys_frame_info *info)
{
	info->owner = (enum phys_owner)f->owner;
	info->dom = f->dom;
	info->rpins = f->rpins;
	info->wpins = f->wpins;
	info->released = (f->flags & FRAME_RELEASED) != 0;
}

int phys_frame_info(struct phys *p, uint64_t pa, struct phys_frame_info *info)
{
	struct phys_frame *f = frame_of(p, pa);

	if (!f)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	info_of(f, info);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

bool phys_pa_is_foreign_to(struct phys *p, uint16_t guest, uint64_t value)
{
	struct phys_frame *f = frame_of(p, value);
	bool foreign;

	if (!f)
		return false;
	pthread_mutex_lock(&p->lock);
	foreign = f->owner != PHYS_GUEST || f->dom != guest;
	pthread_mutex_unlock(&p->lock);
	return foreign;
}

int phys_access(struct phys *p, uint64_t pa, void *buf, size_t len, bool write,
		phys_allow_fn allow, void *arg)
{
	uint64_t first, last, fpa;
	int ret = 0;

	if (!phys_contains(p, pa, len))
		return -EINVAL;
	if (len == 0)
		return 0;
	first = pa & ~PHYS_FRAME_MASK;
	last = (pa + len - 1) & ~PHYS_FRAME_MASK;
	pthread_mutex_lock(&p->lock);
	for (fpa = first; fpa <= last; fpa += PHYS_FRAME_SIZE) {
		struct phys_frame_info info;

		info_of(&p->frames[frame_index(p, fpa)], &info);
		if (allow && !allow(arg, fpa, &info, write)) {
			ret = -EACCES;
			goto out;
		}
	}
	if (buf && write)
		memcpy(p->arena + (pa - p->base), buf, len);
	else if (buf)
		memcpy(buf, p->arena + (pa - p->base), len);
out:
	pthread_mutex_unlock(&p->lock);
	return ret;
}

void phys_stats(struct phys *p, struct phys_stats *out)
{
	int r;

	pthread_mutex_lock(&p->lock);
	*out = p->stats;
	out->frames_total = p->nframes;
	for (r = 0; r < PHYS_REGION_COUNT; r++)
		out->frames_free[r] = p->free_top[r];
	pthread_mutex_unlock(&p->lock);
}

uint64_t phys_errors(struct phys *p)
{
	uint64_t e;

	pthread_mutex_lock(&p->lock);
	e = p->stats.errors;
	pthread_mutex_unlock(&p->lock);
	return e;
}
