/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Simulated physical memory: one mmap'd arena of 4 KiB frames and a frame
 * table saying who owns each frame and how often it is pinned.
 *
 * The arena is cut into regions at distinct PAs, in this order from `base`:
 * guest RAM, mediator pages, secure memory, hypervisor memory. A PA thus says
 * by itself what kind of page it names, and a test can tell exactly whether a
 * value handed to a guest is a PA of a page that guest does not own
 * (phys_pa_is_foreign_to). Secure and hypervisor frames are owned from the
 * start; guest and mediator frames are allocated from their region's free
 * list.
 *
 * Pins: a frame has a read-pin and a write-pin count (a write pin also
 * allows reads). A pinned frame cannot be freed or given to another owner:
 * trying is an error, counted in the stats, and the run fails. A guest page
 * unmapped from stage 2 while pinned is "released": it stays the guest's,
 * pinned, until the last unpin, and only then returns to the free list.
 *
 * Thread safety: one mutex guards the whole frame table and the free lists.
 * Callers may hold a stage-2 lock when calling in (lock order: stage-2
 * rwlock, then this mutex); phys calls nothing outside itself with the mutex
 * held except the allow() callback of phys_access(), which must not call
 * back into phys.
 */
#ifndef TEEMED_SIM_MACHINE_PHYS_H
#define TEEMED_SIM_MACHINE_PHYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PHYS_FRAME_SIZE  4096u
#define PHYS_FRAME_SHIFT 12u
#define PHYS_FRAME_MASK  ((uint64_t)PHYS_FRAME_SIZE - 1u)

/*
 * Default base PA: 64 GiB, far above the guests' IPA windows (1 GiB at
 * 0x40000000 by default), so a PA can never be mistaken for an IPA, and above
 * 4 GiB, so a mediator that loses the upper half of a 64-bit address (ABI 1.1
 * splits them over two registers) is caught.
 */
#define PHYS_DEFAULT_BASE 0x1000000000ull

/* Default region sizes; every one is a parameter (struct phys_config). */
#define PHYS_DEFAULT_GUEST_BYTES    (512ull << 20) /* guest RAM of all guests */
#define PHYS_DEFAULT_MEDIATOR_BYTES (32ull << 20)  /* page lists and argument pages
						    * for several 1 GiB buffers */
#define PHYS_DEFAULT_SECURE_BYTES   (1ull << 20)   /* only needs to exist */
#define PHYS_DEFAULT_HYP_BYTES      (1ull << 20)   /* only needs to exist */

enum phys_owner {
	PHYS_FREE = 0,
	PHYS_GUEST,      /* dom = the guest */
	PHYS_MEDIATOR,   /* dom = the guest whose calls the page serves, or none */
	PHYS_SECURE,
	PHYS_HYPERVISOR,
};

enum phys_region {
	PHYS_REGION_GUEST = 0,
	PHYS_REGION_MEDIATOR,
	PHYS_REGION_SECURE,
	PHYS_REGION_HYP,
	PHYS_REGION_COUNT,
};

/* `dom` of a frame that serves no guest. Guest IDs are below it. */
#define PHYS_NO_DOM 0xffffu

/* Pin access, the same values as TEEMED_PIN_READ/WRITE. */
#define PHYS_PIN_READ  1u
#define PHYS_PIN_WRITE 2u

struct phys_config {
	uint64_t base;                             /* frame aligned */
	uint64_t region_bytes[PHYS_REGION_COUNT];  /* rounded up to frames */
};

struct phys_frame_info {
	enum phys_owner owner;
	uint16_t dom;
	uint32_t rpins;
	uint32_t wpins;
	bool released; /* unmapped from its guest while pinned */
};

struct phys_stats {
	uint64_t frames_total;
	uint64_t frames_free[PHYS_REGION_COUNT];
	uint64_t frames_pinned;          /* frames with any pin now */
	uint64_t frames_released_pinned; /* of which unmapped from stage 2 */
	uint64_t pins_live;              /* sum of all pin counts now */
	uint64_t deferred_releases;      /* releases held back by a pin, total */
	uint64_t err_free_pinned;        /* free or reassign of a pinned frame */
	uint64_t err_double_free;        /* free of a free frame */
	uint64_t err_bad_unpin;          /* unpin matching no pin */
	uint64_t errors;                 /* sum of the err_* counters */
};

struct phys;

void phys_config_default(struct phys_config *cfg);
int phys_create(const struct phys_config *cfg, struct phys **out);
void phys_destroy(struct phys *p);

uint64_t phys_base(const struct phys *p);
uint64_t phys_size(const struct phys *p);
uint64_t phys_region_base(const struct phys *p, enum phys_region r);
uint64_t phys_region_bytes(const struct phys *p, enum phys_region r);
/* True if [pa, pa + len) lies inside the arena (len 0: pa inside). */
bool phys_contains(const struct phys *p, uint64_t pa, uint64_t len);
/* The region holding `pa`, or -1 outside the arena. */
int phys_region_of(const struct phys *p, uint64_t pa);
/* Host address of `pa` in the arena, or NULL outside. No check of owner. */
void *phys_ptr(const struct phys *p, uint64_t pa);
/* PA of a host address inside the arena; -EINVAL outside. */
int phys_pa_of_ptr(const struct phys *p, const void *ptr, uint64_t *pa);

/* Take free frames from `r` for `owner`/`dom`; zeroed. 0 or -ENOMEM. */
int phys_alloc(struct phys *p, enum phys_region r, enum phys_owner owner,
	       uint16_t dom, uint64_t *pa);
int phys_alloc_n(struct phys *p, enum phys_region r, enum phys_owner owner,
		 uint16_t dom, size_t n, uint64_t *pas);
/* Return a frame to the free list. A pinned or free frame is an error. */
int phys_free(struct phys *p, uint64_t pa);
/*
 * A guest page leaves the guest's stage 2: free it now, or, if pinned, mark
 * it released so that the last unpin frees it. Returns 0 (freed), 1
 * (deferred) or -EINVAL (not guest `guest`'s frame).
 */
int phys_release(struct phys *p, uint64_t pa, uint16_t guest);
/* Give a frame to another owner. A pinned frame is an error (-EBUSY). */
int phys_reassign(struct phys *p, uint64_t pa, enum phys_owner owner, uint16_t dom);

/* Pin a frame of guest `guest`: 0, -EPERM (not its frame), -EINVAL, -EOVERFLOW. */
int phys_pin(struct phys *p, uint64_t pa, uint16_t guest, unsigned access);
/* Drop one pin; an unpin matching no pin is an error (-EINVAL). */
int phys_unpin(struct phys *p, uint64_t pa, uint16_t guest, unsigned access);

int phys_frame_info(struct phys *p, uint64_t pa, struct phys_frame_info *info);

/*
 * True if `value`, read as a PA, falls in a frame of the arena that guest
 * `guest` does not own: what a mediator must never hand to a guest.
 */
bool phys_pa_is_foreign_to(struct phys *p, uint16_t guest, uint64_t value);

/*
 * Copy between the arena and `buf` ([pa, pa + len) must be in the arena),
 * asking allow() first for every frame touched, all under the mutex so the
 * verdict and the copy are atomic. With buf NULL, only asks. Returns 0,
 * -EINVAL (outside the arena) or -EACCES (a frame refused).
 */
typedef bool (*phys_allow_fn)(void *arg, uint64_t frame_pa,
			      const struct phys_frame_info *info, bool write);
int phys_access(struct phys *p, uint64_t pa, void *buf, size_t len, bool write,
		phys_allow_fn allow, void *arg);

void phys_stats(struct phys *p, struct phys_stats *out);
uint64_t phys_errors(struct phys *p);

const char *phys_owner_name(enum phys_owner owner);

#endif /* TEEMED_SIM_MACHINE_PHYS_H */
