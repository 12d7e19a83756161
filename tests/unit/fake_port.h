/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The unit tests' host: a fake port over a flat "physical memory" of pages,
 * guests with an IPA->PA table of typed pages, pin/map/alloc accounting with
 * fault injection and checked locks, and a scripted secure world (the port's
 * smc() pops expected calls from a per-test script).
 */
#ifndef TEEMED_TESTS_UNIT_FAKE_PORT_H
#define TEEMED_TESTS_UNIT_FAKE_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "teemed/port.h"
#include "teemed/types.h"

/* Physical memory: PA_BASE .. PA_BASE + POOL_PAGES pages (above 4 GiB). */
#define PA_BASE    UINT64_C(0x880000000)
#define POOL_PAGES 8192u
/* Fake device range for MMIO pages (not backed). */
#define MMIO_BASE  UINT64_C(0x09000000)
/* Guest RAM is handed out from here up (above 4 GiB: a1 != 0). */
#define IPA_BASE   UINT64_C(0x140000000)
#define PG         UINT64_C(4096)

enum pg_type {
	PG_UNMAPPED = 0,
	PG_RAM_RW,
	PG_RAM_RO,
	PG_MMIO,
};

struct fguest;

/* --- physical memory ---------------------------------------------------- */
void *pa_ptr(uint64_t pa);             /* NULL if not in the pool */
bool pa_in_pool(uint64_t pa);
bool pa_is_med_page(uint64_t pa);      /* live alloc_page page */
bool pa_is_guest_page(uint64_t pa);    /* a page some guest owns */
struct fguest *pa_guest(uint64_t pa);
unsigned pa_pins(uint64_t pa, unsigned access); /* pins of that access */
unsigned pa_pins_all(uint64_t pa);
unsigned pa_maps(uint64_t pa);

/* --- guests ------------------------------------------------------------- */
struct fguest *guest_new(void);
/* Fresh pages (distinct PAs, not contiguous), an unmapped page after. */
uint64_t g_alloc(struct fguest *g, uint64_t npages, enum pg_type t);
/* `npages` IPA pages mapped (RW) round-robin onto `npa` fresh PAs. */
uint64_t g_alloc_alias(struct fguest *g, uint64_t npages, unsigned npa);
/* Map one page at a chosen IPA (fresh PA unless MMIO/unmapped). */
void g_map_at(struct fguest *g, uint64_t ipa, enum pg_type t);
/* Change the type of the page at ipa (the PA stays). */
void g_set_type(struct fguest *g, uint64_t ipa, enum pg_type t);
enum pg_type g_type(struct fguest *g, uint64_t ipa);
void *g_ptr(struct fguest *g, uint64_t ipa);   /* host view; NULL if no RAM */
uint64_t g_pa(struct fguest *g, uint64_t ipa); /* 0 if unmapped */

/* --- accounting --------------------------------------------------------- */
struct fake_counts {
	uint64_t pins, unpins, maps, unmaps, allocs, frees, pages, page_frees;
	uint64_t locks_created, locks_destroyed, smcs, yields_asked;
	uint64_t log[4];
	uint64_t notifies;          /* port->notify calls */
	void *last_notified;        /* host_dom of the last one */
};
int64_t live_pins(void);
int64_t live_allocs(void);
int64_t live_alloc_bytes(void);
int64_t live_pages(void);
int64_t live_maps(void);
int64_t live_locks(void);
const struct fake_counts *fake_counts(void);
/* Locks currently held by the calling thread. */
int fake_locks_held(void);

/* --- fault injection and knobs (reset per test) ------------------------- */
struct fake_knobs {
	uint64_t fail_alloc_at;      /* fail the Nth alloc (1-based), 0 = never */
	uint64_t fail_pin_at;
	uint64_t fail_map_at;
	uint64_t fail_page_at;
	uint64_t fail_lock_at;
	unsigned yield_every;        /* should_yield true every Nth query */
	bool no_should_yield;        /* port->should_yield = NULL */
	bool allow_error_log;        /* an ERROR log line does not fail the test */
	bool allow_warn_log;         /* a WARN line does not (limits, odd OP-TEE) */
	/* Called on every map() (after the mapping is made), e.g. to widen races. */
	void (*map_hook)(uint64_t pa, void *arg);
	void *map_hook_arg;
};
extern struct fake_knobs K;

/* --- the port ----------------------------------------------------------- */
void fake_port_get(struct teemed_port *port);
/* Reset all memory, guests, counters, script and knobs (before each test). */
void fake_reset(void);
/* Leak and script checks at the end of a test (mediator gone). */
void fake_check_clean(const char *file, int line);
/* Messages logged so far that contain `needle`. */
unsigned fake_log_count(const char *needle);

/* --- scripted secure world ---------------------------------------------- */
struct sw_step;
typedef void (*sw_fn)(struct sw_step *s, const struct teemed_regs *in,
		      struct teemed_regs *out);

#define ANY UINT64_C(0xA11A11A11A11A11A)

struct sw_step {
	/* expectations */
	uint32_t fid;        /* low 32 bits of a0 */
	uint64_t a7;         /* or ANY */
	uint64_t a3;         /* match key (or ANY): steps are picked by fid+a3 */
	int group;           /* consecutive steps of one non-zero group: any order */
	bool optional;       /* may be skipped */
	/* answer: out = in, then a0..a3 = ret[0..3], then fn() */
	uint64_t ret[4];
	sw_fn fn;
	void *arg;
	uint64_t u[4];       /* scratch for fn */
	/* what happened */
	bool hit;
	struct teemed_regs got;
	const char *file;
	int line;
};

/* Append a step; returns it (stable pointer for the whole test). */
struct sw_step *sw_expect_at(const char *file, int line, uint32_t fid, uint64_t a7,
			     uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
#define sw_expect(fid, a7, a0, a1, a2, a3) \
	sw_expect_at(__FILE__, __LINE__, (fid), (a7), (a0), (a1), (a2), (a3))
/* Same with a handler. */
struct sw_step *sw_expect_fn_at(const char *file, int line, uint32_t fid, uint64_t a7,
				sw_fn fn, void *arg);
#define sw_expect_fn(fid, a7, fn, arg) \
	sw_expect_fn_at(__FILE__, __LINE__, (fid), (a7), (fn), (arg))
/* Start / end an any-order group for the steps added in between. */
void sw_group_begin(void);
void sw_group_end(void);
/* Steps not yet consumed (non-optional ones). */
unsigned sw_pending(void);
/* Fail the test for each pending non-optional step; drop the script. */
void sw_check_done(const char *file, int line);
uint64_t sw_smc_count(void);
/* Answer SMCs that match no step with fn (no failure); NULL to stop. */
void sw_set_default(sw_fn fn, void *arg);

/* Helpers for handlers. */
static inline uint64_t reg_pair(uint64_t hi, uint64_t lo)
{
	return ((hi & 0xFFFFFFFFu) << 32) | (lo & 0xFFFFFFFFu);
}

#endif /* TEEMED_TESTS_UNIT_FAKE_PORT_H */
