/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fake port and the scripted secure world (see fake_port.h).
 *
 * Everything the mediator does through the port is checked here: a pin must
 * name guest RAM of the right type, every unpin must match a pin (host_dom,
 * pa, access), a map must name a pinned guest page or a live mediator page,
 * nothing may be unpinned or freed while mapped, frees must give back the
 * size allocated, locks must not recurse, be held across an SMC or be taken
 * in both orders. Violations fail the running test.
 */
#include "fake_port.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "teemed/optee_smc.h"

#define FAIL(...) test_fail(__FILE__, __LINE__, __VA_ARGS__)

/* ---------------------------------------------------------------------- */
/* Physical memory                                                         */

enum pg_kind { K_FREE = 0, K_GUEST, K_MED };

struct page {
	uint8_t kind;
	bool poisoned;     /* freed by free_page: must stay 0x5A until reused */
	void *owner;       /* struct fguest * or the host_dom of alloc_page */
	uint32_t pins_r;
	uint32_t pins_w;
	uint32_t maps;
};

static uint8_t *pool;
static struct page pages[POOL_PAGES];
static uint32_t freelist[POOL_PAGES];
static uint32_t nfree;
static pthread_mutex_t fm = PTHREAD_MUTEX_INITIALIZER;

struct fake_knobs K;
static struct fake_counts C;
static uint64_t n_alloc, n_pin, n_map, n_page, n_lock, n_yield;
static int64_t l_pins, l_allocs, l_bytes, l_pages, l_maps, l_locks;

static bool pfn_of(uint64_t pa, uint32_t *pfn)
{
	if (pa < PA_BASE || pa >= PA_BASE + (uint64_t)POOL_PAGES * PG)
		return false;
	*pfn = (uint32_t)((pa - PA_BASE) / PG);
	return true;
}

static uint64_t pa_of(uint32_t pfn)
{
	return PA_BASE + (uint64_t)pfn * PG;
}

bool pa_in_pool(uint64_t pa)
{
	uint32_t pfn = 0;

	return pfn_of(pa, &pfn);
}

void *pa_ptr(uint64_t pa)
{
	uint32_t pfn = 0;

	if (!pfn_of(pa, &pfn))
		return NULL;
	return pool + (pa - PA_BASE);
}

bool pa_is_med_page(uint64_t pa)
{
	uint32_t pfn = 0;

	return pfn_of(pa, &pfn) && pages[pfn].kind == K_MED;
}

bool pa_is_guest_page(uint64_t pa)
{
	uint32_t pfn = 0;

	return pfn_of(pa, &pfn) && pages[pfn].kind == K_GUEST;
}

struct fguest *pa_guest(uint64_t pa)
{
	uint32_t pfn = 0;

	if (!pfn_of(pa, &pfn) || pages[pfn].kind != K_GUEST)
		return NULL;
	return pages[pfn].owner;
}

unsigned pa_pins(uint64_t pa, unsigned access)
{
	uint32_t pfn = 0;

	if (!pfn_of(pa, &pfn))
		return 0;
	return access == TEEMED_PIN_WRITE ? pages[pfn].pins_w : pages[pfn].pins_r;
}

unsigned pa_pins_all(uint64_t pa)
{
	uint32_t pfn = 0;

	if (!pfn_of(pa, &pfn))
		return 0;
	return pages[pfn].pins_r + pages[pfn].pins_w;
}

unsigned pa_maps(uint64_t pa)
{
	uint32_t pfn = 0;

	if (!pfn_of(pa, &pfn))
		return 0;
	return pages[pfn].maps;
}

static uint32_t page_take(uint8_t kind, void *owner)
{
	uint32_t pfn = 0;

	if (!nfree) {
		fprintf(stderr, "fake: physical pool exhausted\n");
		abort();
	}
	pfn = freelist[--nfree];
	if (pages[pfn].poisoned) {
		const uint8_t *b = pool + (uint64_t)pfn * PG;

		for (uint64_t i = 0; i < PG; i++) {
			if (b[i] != 0x5A) {
				FAIL("mediator page 0x%" PRIx64 " written after free_page (+0x%" PRIx64 ")",
				     pa_of(pfn), i);
				break;
			}
		}
		pages[pfn].poisoned = false;
	}
	pages[pfn].kind = kind;
	pages[pfn].owner = owner;
	return pfn;
}

static void page_give(uint32_t pfn)
{
	pages[pfn].kind = K_FREE;
	pages[pfn].owner = NULL;
	memset(pool + (uint64_t)pfn * PG, 0x5A, PG);
	freelist[nfree++] = pfn;
}

/* ---------------------------------------------------------------------- */
/* Guests                                                                  */

struct region {
	uint64_t ipa;
	uint64_t npages;
	enum pg_type t;
	uint32_t *pfn;  /* RAM: PAs round-robin over pfn[0..npfn) */
	uint32_t npfn;
};

struct fguest {
	int idx;
	struct region *reg;
	int nreg;
	int capreg;
	uint64_t next_ipa;
};

#define MAX_GUESTS 8
static struct fguest guests[MAX_GUESTS];
static int nguests;

static bool is_guest(const void *p)
{
	for (int i = 0; i < nguests; i++)
		if (p == &guests[i])
			return true;
	return false;
}

struct fguest *guest_new(void)
{
	struct fguest *g;

	if (nguests >= MAX_GUESTS) {
		fprintf(stderr, "fake: too many guests\n");
		abort();
	}
	g = &guests[nguests];
	memset(g, 0, sizeof(*g));
	g->idx = nguests++;
	g->next_ipa = IPA_BASE;
	return g;
}

static struct region *reg_add(struct fguest *g, uint64_t ipa, uint64_t npages, enum pg_type t,
			      uint32_t npfn)
{
	struct region *r;

	if (g->nreg == g->capreg) {
		g->capreg = g->capreg ? g->capreg * 2 : 16;
		g->reg = realloc(g->reg, sizeof(*g->reg) * (size_t)g->capreg);
		if (!g->reg)
			abort();
	}
	r = &g->reg[g->nreg++];
	r->ipa = ipa;
	r->npages = npages;
	r->t = t;
	r->npfn = npfn;
	r->pfn = npfn ? calloc(npfn, sizeof(uint32_t)) : NULL;
	return r;
}

static struct region *reg_find(struct fguest *g, uint64_t ipa, uint64_t *idx)
{
	for (int i = g->nreg - 1; i >= 0; i--) {
		struct region *r = &g->reg[i];

		if (ipa >= r->ipa && (ipa - r->ipa) / PG < r->npages) {
			*idx = (ipa - r->ipa) / PG;
			return r;
		}
	}
	return NULL;
}

/* Type and PA of the page at ipa. */
static enum pg_type g_lookup(struct fguest *g, uint64_t ipa, uint64_t *pa)
{
	uint64_t idx;
	struct region *r = reg_find(g, ipa & ~(PG - 1), &idx);

	*pa = 0;
	if (!r || r->t == PG_UNMAPPED)
		return PG_UNMAPPED;
	if (r->t == PG_MMIO) {
		*pa = MMIO_BASE + (r->ipa - IPA_BASE) + idx * PG;
		return PG_MMIO;
	}
	*pa = pa_of(r->pfn[idx % r->npfn]) + (ipa & (PG - 1));
	return r->t;
}

static void fill_region(struct fguest *g, struct region *r)
{
	for (uint32_t i = 0; i < r->npfn; i++) {
		r->pfn[i] = page_take(K_GUEST, g);
		memset(pool + (uint64_t)r->pfn[i] * PG, 0, PG);
	}
}

uint64_t g_alloc(struct fguest *g, uint64_t npages, enum pg_type t)
{
	uint64_t ipa = g->next_ipa;
	struct region *r;

	pthread_mutex_lock(&fm);
	r = reg_add(g, ipa, npages, t, (t == PG_RAM_RW || t == PG_RAM_RO) ? (uint32_t)npages : 0);
	fill_region(g, r);
	/* an unmapped guard page after each allocation */
	g->next_ipa += (npages + 1) * PG;
	pthread_mutex_unlock(&fm);
	return ipa;
}

uint64_t g_alloc_alias(struct fguest *g, uint64_t npages, unsigned npa)
{
	uint64_t ipa = g->next_ipa;
	struct region *r;

	pthread_mutex_lock(&fm);
	r = reg_add(g, ipa, npages, PG_RAM_RW, npa);
	fill_region(g, r);
	g->next_ipa += (npages + 1) * PG;
	pthread_mutex_unlock(&fm);
	return ipa;
}

void g_map_at(struct fguest *g, uint64_t ipa, enum pg_type t)
{
	struct region *r;

	pthread_mutex_lock(&fm);
	r = reg_add(g, ipa & ~(PG - 1), 1, t, (t == PG_RAM_RW || t == PG_RAM_RO) ? 1 : 0);
	fill_region(g, r);
	pthread_mutex_unlock(&fm);
}

void g_set_type(struct fguest *g, uint64_t ipa, enum pg_type t)
{
	uint64_t pa;
	enum pg_type old;
	struct region *r;

	pthread_mutex_lock(&fm);
	old = g_lookup(g, ipa, &pa);
	if (t == PG_RAM_RW || t == PG_RAM_RO) {
		r = reg_add(g, ipa & ~(PG - 1), 1, t, 1);
		if (old == PG_RAM_RW || old == PG_RAM_RO) {
			uint32_t pfn = 0;

			pfn_of(pa & ~(PG - 1), &pfn);
			r->pfn[0] = pfn;
		} else {
			fill_region(g, r);
		}
	} else {
		reg_add(g, ipa & ~(PG - 1), 1, t, 0);
	}
	pthread_mutex_unlock(&fm);
}

enum pg_type g_type(struct fguest *g, uint64_t ipa)
{
	uint64_t pa;
	enum pg_type t;

	pthread_mutex_lock(&fm);
	t = g_lookup(g, ipa, &pa);
	pthread_mutex_unlock(&fm);
	return t;
}

uint64_t g_pa(struct fguest *g, uint64_t ipa)
{
	uint64_t pa;
	enum pg_type t;

	pthread_mutex_lock(&fm);
	t = g_lookup(g, ipa, &pa);
	pthread_mutex_unlock(&fm);
	return (t == PG_RAM_RW || t == PG_RAM_RO) ? pa : 0;
}

void *g_ptr(struct fguest *g, uint64_t ipa)
{
	uint64_t pa = g_pa(g, ipa);

	return pa ? pa_ptr(pa) : NULL;
}

/* ---------------------------------------------------------------------- */
/* Accounting                                                              */

int64_t live_pins(void) { return l_pins; }
int64_t live_allocs(void) { return l_allocs; }
int64_t live_alloc_bytes(void) { return l_bytes; }
int64_t live_pages(void) { return l_pages; }
int64_t live_maps(void) { return l_maps; }
int64_t live_locks(void) { return l_locks; }
const struct fake_counts *fake_counts(void) { return &C; }

/* ---------------------------------------------------------------------- */
/* Port: pin / unpin                                                       */

static int f_pin(void *ctx, void *host_dom, teemed_ipa_t ipa, unsigned access, teemed_pa_t *pa)
{
	uint64_t v = teemed_ipa_val(ipa), p;
	enum pg_type t;
	uint32_t pfn = 0;
	int rc = -1;

	(void)ctx;
	pthread_mutex_lock(&fm);
	C.pins++;
	n_pin++;
	if (access != TEEMED_PIN_READ && access != TEEMED_PIN_WRITE)
		FAIL("pin: bad access %u", access);
	if (!is_guest(host_dom)) {
		FAIL("pin: host_dom %p is not a guest", host_dom);
		goto out;
	}
	if (v & (PG - 1)) {
		FAIL("pin: unaligned ipa 0x%" PRIx64, v);
		goto out;
	}
	if (K.fail_pin_at && n_pin == K.fail_pin_at)
		goto out;
	t = g_lookup(host_dom, v, &p);
	if (t == PG_RAM_RW || (t == PG_RAM_RO && access == TEEMED_PIN_READ)) {
		pfn_of(p, &pfn);
		if (access == TEEMED_PIN_WRITE)
			pages[pfn].pins_w++;
		else
			pages[pfn].pins_r++;
		l_pins++;
		*pa = teemed_pa(p);
		rc = 0;
	}
out:
	pthread_mutex_unlock(&fm);
	return rc;
}

static void f_unpin(void *ctx, void *host_dom, teemed_pa_t pa, unsigned access)
{
	uint64_t v = teemed_pa_val(pa);
	uint32_t pfn = 0;
	uint32_t *cnt;

	(void)ctx;
	pthread_mutex_lock(&fm);
	C.unpins++;
	if (!pfn_of(v, &pfn) || (v & (PG - 1)) || pages[pfn].kind != K_GUEST) {
		FAIL("unpin: 0x%" PRIx64 " is not a guest page", v);
		goto out;
	}
	if (pages[pfn].owner != host_dom) {
		FAIL("unpin: 0x%" PRIx64 " with the wrong host_dom", v);
		goto out;
	}
	cnt = access == TEEMED_PIN_WRITE ? &pages[pfn].pins_w : &pages[pfn].pins_r;
	if (access != TEEMED_PIN_READ && access != TEEMED_PIN_WRITE) {
		FAIL("unpin: bad access %u", access);
		goto out;
	}
	if (!*cnt) {
		FAIL("unpin: 0x%" PRIx64 " access %u not pinned", v, access);
		goto out;
	}
	(*cnt)--;
	l_pins--;
	if (!pages[pfn].pins_r && !pages[pfn].pins_w && pages[pfn].maps)
		FAIL("unpin: 0x%" PRIx64 " dropped its last pin while mapped", v);
out:
	pthread_mutex_unlock(&fm);
}

/* ---------------------------------------------------------------------- */
/* Port: map / unmap                                                       */

#define MAX_MAPS 256
struct mapping {
	void *va;
	uint64_t pa;
};
static struct mapping maps[MAX_MAPS];
static _Thread_local int map_depth;

static void *f_map(void *ctx, teemed_pa_t pa)
{
	uint64_t v = teemed_pa_val(pa);
	uint32_t pfn = 0;
	void *va = NULL;
	int i;

	(void)ctx;
	pthread_mutex_lock(&fm);
	C.maps++;
	n_map++;
	if (K.fail_map_at && n_map == K.fail_map_at)
		goto out;
	if (!pfn_of(v, &pfn) || (v & (PG - 1))) {
		FAIL("map: 0x%" PRIx64 " is not a pool page", v);
		goto out;
	}
	if (pages[pfn].kind == K_FREE ||
	    (pages[pfn].kind == K_GUEST && !pages[pfn].pins_r && !pages[pfn].pins_w)) {
		FAIL("map: 0x%" PRIx64 " is neither pinned nor a mediator page", v);
		goto out;
	}
	for (i = 0; i < MAX_MAPS && maps[i].va; i++)
		;
	if (i == MAX_MAPS) {
		FAIL("map: too many live mappings");
		goto out;
	}
	/* Each mapping gets the page's own address: content is shared. */
	va = pool + (uint64_t)pfn * PG;
	/* Distinct handles for nested maps of one page: tag by slot. */
	maps[i].va = (uint8_t *)va;
	maps[i].pa = v;
	pages[pfn].maps++;
	l_maps++;
	if (++map_depth > 4)
		FAIL("map: nested %d deep (port allows 4)", map_depth);
out:
	pthread_mutex_unlock(&fm);
	if (va && K.map_hook)
		K.map_hook(v, K.map_hook_arg);
	return va;
}

static void f_unmap(void *ctx, void *va)
{
	uint32_t pfn = 0;
	int i;

	(void)ctx;
	pthread_mutex_lock(&fm);
	C.unmaps++;
	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].va == va)
			break;
	if (i == MAX_MAPS) {
		FAIL("unmap: %p is not mapped", va);
		goto out;
	}
	pfn_of(maps[i].pa, &pfn);
	pages[pfn].maps--;
	maps[i].va = NULL;
	l_maps--;
	map_depth--;
out:
	pthread_mutex_unlock(&fm);
}

/* ---------------------------------------------------------------------- */
/* Port: alloc / free, alloc_page / free_page                              */

#define ALLOC_MAGIC UINT64_C(0x7E3ED0A110C0FFEE)
struct alloc_hdr {
	uint64_t magic;
	uint64_t size;
	uint64_t pad[2];
};

static void *f_alloc(void *ctx, size_t size)
{
	struct alloc_hdr *h = NULL;

	(void)ctx;
	pthread_mutex_lock(&fm);
	C.allocs++;
	n_alloc++;
	if (K.fail_alloc_at && n_alloc == K.fail_alloc_at)
		goto out;
	if (size > ((size_t)1 << 30)) {
		FAIL("alloc: absurd size %zu", size);
		goto out;
	}
	h = malloc(sizeof(*h) + size);
	if (!h)
		goto out;
	h->magic = ALLOC_MAGIC;
	h->size = size;
	memset(h + 1, 0xA5, size);
	l_allocs++;
	l_bytes += (int64_t)size;
out:
	pthread_mutex_unlock(&fm);
	return h ? (void *)(h + 1) : NULL;
}

static void f_free(void *ctx, void *ptr, size_t size)
{
	struct alloc_hdr *h;

	(void)ctx;
	if (!ptr) {
		FAIL("free: NULL");
		return;
	}
	h = (struct alloc_hdr *)ptr - 1;
	pthread_mutex_lock(&fm);
	C.frees++;
	if (h->magic != ALLOC_MAGIC) {
		FAIL("free: %p was not allocated (or freed twice)", ptr);
		goto out;
	}
	if (h->size != size)
		FAIL("free: %p size %zu, allocated %" PRIu64, ptr, size, h->size);
	h->magic = 0;
	memset(ptr, 0xDD, (size_t)h->size);
	l_allocs--;
	l_bytes -= (int64_t)h->size;
	free(h);
out:
	pthread_mutex_unlock(&fm);
}

static void *f_alloc_page(void *ctx, void *host_dom, teemed_pa_t *pa)
{
	void *va = NULL;
	uint32_t pfn = 0;

	(void)ctx;
	pthread_mutex_lock(&fm);
	C.pages++;
	n_page++;
	if (K.fail_page_at && n_page == K.fail_page_at)
		goto out;
	pfn = page_take(K_MED, host_dom);
	va = pool + (uint64_t)pfn * PG;
	memset(va, 0xA5, PG);
	*pa = teemed_pa(pa_of(pfn));
	l_pages++;
out:
	pthread_mutex_unlock(&fm);
	return va;
}

static void f_free_page(void *ctx, void *host_dom, void *va, teemed_pa_t pa)
{
	uint64_t v = teemed_pa_val(pa);
	uint32_t pfn = 0;

	(void)ctx;
	pthread_mutex_lock(&fm);
	C.page_frees++;
	if (!pfn_of(v, &pfn) || (v & (PG - 1)) || pages[pfn].kind != K_MED) {
		FAIL("free_page: 0x%" PRIx64 " is not a mediator page", v);
		goto out;
	}
	if (va != pool + (uint64_t)pfn * PG) {
		FAIL("free_page: va %p does not match pa 0x%" PRIx64, va, v);
		goto out;
	}
	if (pages[pfn].owner != host_dom)
		FAIL("free_page: 0x%" PRIx64 " freed with another host_dom", v);
	if (pages[pfn].maps)
		FAIL("free_page: 0x%" PRIx64 " freed while mapped", v);
	page_give(pfn);
	pages[pfn].poisoned = true;
	l_pages--;
out:
	pthread_mutex_unlock(&fm);
}

/* ---------------------------------------------------------------------- */
/* Port: locks                                                             */

#define LOCK_MAGIC 0x10C4u
#define MAX_ORDER 128
struct flock {
	unsigned magic;
	int id;
	pthread_mutex_t m;
	atomic_int held;
};

static bool order[MAX_ORDER][MAX_ORDER];
static int next_lock_id;
static _Thread_local struct flock *held[16];
static _Thread_local int nheld;

int fake_locks_held(void)
{
	return nheld;
}

static void *f_lock_create(void *ctx)
{
	struct flock *l = NULL;

	(void)ctx;
	pthread_mutex_lock(&fm);
	C.locks_created++;
	n_lock++;
	if (K.fail_lock_at && n_lock == K.fail_lock_at)
		goto out;
	l = calloc(1, sizeof(*l));
	if (!l)
		goto out;
	l->magic = LOCK_MAGIC;
	l->id = next_lock_id++;
	pthread_mutex_init(&l->m, NULL);
	l_locks++;
out:
	pthread_mutex_unlock(&fm);
	return l;
}

static void f_lock_destroy(void *ctx, void *lock)
{
	struct flock *l = lock;

	(void)ctx;
	if (!l || l->magic != LOCK_MAGIC) {
		FAIL("lock_destroy: %p is not a lock", lock);
		return;
	}
	if (atomic_load(&l->held))
		FAIL("lock_destroy: lock %d is held", l->id);
	pthread_mutex_lock(&fm);
	C.locks_destroyed++;
	l_locks--;
	pthread_mutex_unlock(&fm);
	l->magic = 0;
	pthread_mutex_destroy(&l->m);
	free(l);
}

static void f_lock(void *ctx, void *lock)
{
	struct flock *l = lock;

	(void)ctx;
	if (!l || l->magic != LOCK_MAGIC) {
		FAIL("lock: %p is not a lock", lock);
		return;
	}
	for (int i = 0; i < nheld; i++) {
		if (held[i] == l) {
			FAIL("lock: lock %d taken recursively", l->id);
			return;
		}
	}
	pthread_mutex_lock(&fm);
	for (int i = 0; i < nheld; i++) {
		int a = held[i]->id, b = l->id;

		if (a < MAX_ORDER && b < MAX_ORDER) {
			order[a][b] = true;
			if (order[b][a])
				FAIL("lock: locks %d and %d taken in both orders", a, b);
		}
	}
	pthread_mutex_unlock(&fm);
	pthread_mutex_lock(&l->m);
	atomic_store(&l->held, 1);
	if (nheld < 16)
		held[nheld++] = l;
	else
		FAIL("lock: more than 16 locks held");
}

static void f_unlock(void *ctx, void *lock)
{
	struct flock *l = lock;
	int i;

	(void)ctx;
	if (!l || l->magic != LOCK_MAGIC) {
		FAIL("unlock: %p is not a lock", lock);
		return;
	}
	for (i = 0; i < nheld; i++)
		if (held[i] == l)
			break;
	if (i == nheld) {
		FAIL("unlock: lock %d not held by this thread", l->id);
		return;
	}
	for (; i + 1 < nheld; i++)
		held[i] = held[i + 1];
	nheld--;
	atomic_store(&l->held, 0);
	pthread_mutex_unlock(&l->m);
}

/* ---------------------------------------------------------------------- */
/* Port: should_yield, log                                                 */

static int f_should_yield(void *ctx)
{
	int r = 0;

	(void)ctx;
	pthread_mutex_lock(&fm);
	C.yields_asked++;
	if (K.yield_every && ++n_yield % K.yield_every == 0)
		r = 1;
	pthread_mutex_unlock(&fm);
	return r;
}

#define LOG_RING 512
struct logline {
	int level;
	uint16_t cid;
	const char *msg;
	uint64_t v1, v2;
};
static struct logline logs[LOG_RING];
static unsigned nlogs;

static void f_log(void *ctx, enum teemed_log_level level, uint16_t client_id, const char *msg,
		  uint64_t v1, uint64_t v2)
{
	(void)ctx;
	pthread_mutex_lock(&fm);
	if ((unsigned)level < 4)
		C.log[level]++;
	logs[nlogs % LOG_RING] = (struct logline){ (int)level, client_id, msg, v1, v2 };
	nlogs++;
	pthread_mutex_unlock(&fm);
	if (test_verbose)
		printf("    log[%d] cid %u: %s (0x%" PRIx64 ", 0x%" PRIx64 ")\n", (int)level,
		       client_id, msg ? msg : "(null)", v1, v2);
	if (!msg)
		FAIL("log: NULL message");
	if (level == TEEMED_LOG_ERROR && !K.allow_error_log)
		FAIL("log: ERROR-level line \"%s\" (0x%" PRIx64 ", 0x%" PRIx64 ")",
		     msg ? msg : "", v1, v2);
	/* port.h: guest misbehaviour is never logged above DEBUG */
	if (level == TEEMED_LOG_WARN && !K.allow_warn_log && !K.allow_error_log)
		FAIL("log: WARN-level line \"%s\" (0x%" PRIx64 ", 0x%" PRIx64
		     ") where only the guest misbehaved", msg ? msg : "", v1, v2);
}

unsigned fake_log_count(const char *needle)
{
	unsigned n = 0;

	pthread_mutex_lock(&fm);
	for (unsigned i = 0; i < nlogs && i < LOG_RING; i++)
		if (logs[i].msg && strstr(logs[i].msg, needle))
			n++;
	pthread_mutex_unlock(&fm);
	return n;
}

/* ---------------------------------------------------------------------- */
/* Scripted secure world                                                   */

#define MAX_STEPS 4096
static struct sw_step steps[MAX_STEPS];
static size_t nsteps, spos;
static int cur_group, next_group = 1;
static uint64_t nsmcs;
static pthread_mutex_t sm = PTHREAD_MUTEX_INITIALIZER;
static struct sw_step dflt;

void sw_set_default(sw_fn fn, void *arg)
{
	pthread_mutex_lock(&sm);
	memset(&dflt, 0, sizeof(dflt));
	dflt.fn = fn;
	dflt.arg = arg;
	dflt.a7 = ANY;
	dflt.a3 = ANY;
	dflt.file = "default";
	pthread_mutex_unlock(&sm);
}

static struct sw_step *step_add(const char *file, int line, uint32_t fid, uint64_t a7)
{
	struct sw_step *s;

	pthread_mutex_lock(&sm);
	if (nsteps == MAX_STEPS) {
		fprintf(stderr, "fake: script too long\n");
		abort();
	}
	s = &steps[nsteps++];
	memset(s, 0, sizeof(*s));
	s->fid = fid;
	s->a7 = a7;
	s->a3 = ANY;
	s->group = cur_group;
	s->file = file;
	s->line = line;
	pthread_mutex_unlock(&sm);
	return s;
}

struct sw_step *sw_expect_at(const char *file, int line, uint32_t fid, uint64_t a7, uint64_t a0,
			     uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct sw_step *s = step_add(file, line, fid, a7);

	s->ret[0] = a0;
	s->ret[1] = a1;
	s->ret[2] = a2;
	s->ret[3] = a3;
	return s;
}

struct sw_step *sw_expect_fn_at(const char *file, int line, uint32_t fid, uint64_t a7, sw_fn fn,
				void *arg)
{
	struct sw_step *s = step_add(file, line, fid, a7);

	s->fn = fn;
	s->arg = arg;
	return s;
}

void sw_group_begin(void)
{
	pthread_mutex_lock(&sm);
	cur_group = next_group++;
	pthread_mutex_unlock(&sm);
}

void sw_group_end(void)
{
	pthread_mutex_lock(&sm);
	cur_group = 0;
	pthread_mutex_unlock(&sm);
}

static bool step_match(const struct sw_step *s, const struct teemed_regs *in)
{
	return s->fid == (uint32_t)in->a[0] && (s->a3 == ANY || s->a3 == in->a[3]);
}

static struct sw_step *step_take(const struct teemed_regs *in)
{
	size_t i = spos;

	while (i < nsteps) {
		struct sw_step *s = &steps[i];

		if (s->group) {
			size_t end = i, j;
			bool done = true;

			while (end < nsteps && steps[end].group == s->group)
				end++;
			for (j = i; j < end; j++) {
				if (!steps[j].hit && step_match(&steps[j], in)) {
					steps[j].hit = true;
					return &steps[j];
				}
			}
			for (j = i; j < end; j++)
				if (!steps[j].hit && !steps[j].optional)
					done = false;
			if (!done)
				return NULL;
			i = spos = end;
			continue;
		}
		if (s->hit) {
			i = ++spos;
			continue;
		}
		if (step_match(s, in)) {
			s->hit = true;
			spos = i + 1;
			return s;
		}
		if (s->optional) {
			i = ++spos;
			continue;
		}
		return NULL;
	}
	return NULL;
}

static void f_smc(void *ctx, const struct teemed_regs *in, struct teemed_regs *out)
{
	struct teemed_regs req = *in;
	struct sw_step *s, *next = NULL;

	(void)ctx;
	if (nheld)
		FAIL("smc 0x%08" PRIx64 " issued with %d lock(s) held", req.a[0], nheld);
	pthread_mutex_lock(&sm);
	nsmcs++;
	C.smcs++;
	s = step_take(&req);
	if (s)
		s->got = req;
	else if (dflt.fn)
		s = &dflt;
	else if (spos < nsteps)
		next = &steps[spos];
	pthread_mutex_unlock(&sm);
	if (!s) {
		if (next)
			FAIL("unexpected SMC a0=0x%" PRIx64 " a1=0x%" PRIx64 " a2=0x%" PRIx64
			     " a3=0x%" PRIx64 " a7=0x%" PRIx64 "; next expected 0x%08x (%s:%d)",
			     req.a[0], req.a[1], req.a[2], req.a[3], req.a[7], next->fid,
			     next->file, next->line);
		else
			FAIL("unexpected SMC a0=0x%" PRIx64 " a1=0x%" PRIx64 " a2=0x%" PRIx64
			     " a3=0x%" PRIx64 " a7=0x%" PRIx64 "; script is empty",
			     req.a[0], req.a[1], req.a[2], req.a[3], req.a[7]);
		*out = req;
		out->a[0] = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
		return;
	}
	if (s->a7 != ANY && req.a[7] != s->a7)
		test_fail(s->file, s->line, "SMC 0x%08x: a7 = 0x%" PRIx64 ", expected 0x%" PRIx64,
			  s->fid, req.a[7], s->a7);
	*out = req;
	for (int i = 0; i < 4; i++)
		out->a[i] = s->ret[i];
	if (s->fn)
		s->fn(s, &req, out);
}

unsigned sw_pending(void)
{
	unsigned n = 0;

	pthread_mutex_lock(&sm);
	for (size_t i = 0; i < nsteps; i++)
		if (!steps[i].hit && !steps[i].optional)
			n++;
	pthread_mutex_unlock(&sm);
	return n;
}

void sw_check_done(const char *file, int line)
{
	pthread_mutex_lock(&sm);
	for (size_t i = 0; i < nsteps; i++)
		if (!steps[i].hit && !steps[i].optional)
			test_fail(file, line, "expected SMC 0x%08x (%s:%d) never came", steps[i].fid,
				  steps[i].file, steps[i].line);
	spos = nsteps;
	pthread_mutex_unlock(&sm);
}

uint64_t sw_smc_count(void)
{
	return nsmcs;
}

/* ---------------------------------------------------------------------- */
/* Port table, reset, final checks                                         */

static void f_notify(void *ctx, void *host_dom)
{
	(void)ctx;
	pthread_mutex_lock(&fm);
	C.notifies++;
	C.last_notified = host_dom;
	pthread_mutex_unlock(&fm);
}

void fake_port_get(struct teemed_port *port)
{
	memset(port, 0, sizeof(*port));
	port->ctx = &K;
	port->smc = f_smc;
	port->pin = f_pin;
	port->unpin = f_unpin;
	port->map = f_map;
	port->unmap = f_unmap;
	port->alloc = f_alloc;
	port->free = f_free;
	port->alloc_page = f_alloc_page;
	port->free_page = f_free_page;
	port->lock_create = f_lock_create;
	port->lock_destroy = f_lock_destroy;
	port->lock = f_lock;
	port->unlock = f_unlock;
	port->should_yield = K.no_should_yield ? NULL : f_should_yield;
	port->log = f_log;
	port->notify = f_notify;
}

void fake_reset(void)
{
	pthread_mutex_lock(&fm);
	if (!pool) {
		pool = aligned_alloc(PG, (size_t)POOL_PAGES * PG);
		if (!pool)
			abort();
	}
	memset(pages, 0, sizeof(pages));
	memset(pool, 0x5A, (size_t)POOL_PAGES * PG);
	/* Hand pages out in a scattered order: guest PAs are not contiguous. */
	nfree = POOL_PAGES;
	for (uint32_t i = 0; i < POOL_PAGES; i++)
		freelist[POOL_PAGES - 1 - i] = (uint32_t)(((uint64_t)i * 7919u) % POOL_PAGES);
	for (int i = 0; i < nguests; i++) {
		for (int j = 0; j < guests[i].nreg; j++)
			free(guests[i].reg[j].pfn);
		free(guests[i].reg);
	}
	memset(guests, 0, sizeof(guests));
	nguests = 0;
	memset(maps, 0, sizeof(maps));
	memset(&K, 0, sizeof(K));
	memset(&C, 0, sizeof(C));
	memset(order, 0, sizeof(order));
	next_lock_id = 0;
	n_alloc = n_pin = n_map = n_page = n_lock = n_yield = 0;
	l_pins = l_allocs = l_bytes = l_pages = l_maps = l_locks = 0;
	nlogs = 0;
	pthread_mutex_unlock(&fm);
	map_depth = 0;
	nheld = 0;
	pthread_mutex_lock(&sm);
	nsteps = spos = 0;
	cur_group = 0;
	next_group = 1;
	nsmcs = 0;
	memset(&dflt, 0, sizeof(dflt));
	pthread_mutex_unlock(&sm);
}

void fake_check_clean(const char *file, int line)
{
	pthread_mutex_lock(&fm);
	for (uint32_t pfn = 0; pfn < POOL_PAGES; pfn++) {
		const uint8_t *b = pool + (uint64_t)pfn * PG;

		if (!pages[pfn].poisoned)
			continue;
		for (uint64_t i = 0; i < PG; i++) {
			if (b[i] != 0x5A) {
				test_fail(file, line, "mediator page 0x%" PRIx64
					  " written after free_page (+0x%" PRIx64 ")", pa_of(pfn), i);
				break;
			}
		}
	}
	pthread_mutex_unlock(&fm);
	if (l_pins)
		test_fail(file, line, "leak: %" PRId64 " guest page pin(s) still held", l_pins);
	if (l_allocs)
		test_fail(file, line, "leak: %" PRId64 " allocation(s) (%" PRId64 " bytes) live",
			  l_allocs, l_bytes);
	if (l_pages)
		test_fail(file, line, "leak: %" PRId64 " mediator page(s) live", l_pages);
	if (l_maps)
		test_fail(file, line, "leak: %" PRId64 " mapping(s) live", l_maps);
	if (l_locks)
		test_fail(file, line, "leak: %" PRId64 " lock(s) live", l_locks);
	if (nheld)
		test_fail(file, line, "%d lock(s) still held by the test thread", nheld);
	sw_check_done(file, line);
}
