// SPDX-License-Identifier: BSD-2-Clause
/*
 * The teemed port on this hypervisor (include/teemed/port.h,
 * docs/porting.md), function by function:
 *
 *   smc          a real `smc #0` from EL2 (x0..x7 in and out)
 *   pin/unpin    a stage-2 walk of the guest's tables; RAM only (Normal
 *                attributes), writable RAM for TEEMED_PIN_WRITE; a pin
 *                count in the frame table keeps the page mapped (and
 *                writable) until unpinned: HYP_CALL_S2_SET refuses changes
 *   map/unmap    EL2 maps all DRAM 1:1, so a guest page or a mediator page
 *                is reached at its PA; map checks the PA is one of those
 *   alloc/free   the hypervisor heap (size classes)
 *   alloc_page   the serving guest's mediator pool (plat.h), so the secure
 *                side can tell whose page it is
 *   locks        spinlocks (critical sections are short, never span an SMC)
 *   should_yield true once the current trap has run TRAP_SLICE_US
 *   log          the console, DEBUG only when verbose, LOG_BURST a second
 *   notify       absent: the mediator hides asynchronous notification
 *
 * Port errors (an unpin or free_page matching nothing, a map of a page
 * that is neither pinned-guest nor mediator, maps nested too deep) are
 * mediator bugs: counted in hyp_port_errors and they fail the run.
 */
#include "hyp.h"

#include "../common/console.h"

/* Trap time after which the mediator should return to the guest. */
#define TRAP_SLICE_US 1000u
/* Port mappings live at once on one CPU (port.h: never more than four). */
#define MAP_DEPTH_MAX 4u
/* Log lines a second; the rest are counted. A guest can cause DEBUG lines at will. */
#define LOG_BURST 20u
#ifndef HYP_LOG_LEVEL
#define HYP_LOG_LEVEL TEEMED_LOG_WARN
#endif

static struct {
	volatile uint64_t smcs, pins, pins_refused, unpins, maps, pages;
	volatile uint64_t yields, log_suppressed;
} ps;
static spinlock_t log_lock = SPINLOCK_INIT;
static uint64_t log_window, log_in_window;

static void port_error(const char *what, uint64_t v1, uint64_t v2)
{
	if (atomic_add64(&hyp_port_errors, 1) <= 16)
		hyp_printf("[hyp] PORT ERROR: %s (0x%lx, 0x%lx)\n", what, (unsigned long)v1,
			   (unsigned long)v2);
}

static void port_smc(void *ctx, const struct teemed_regs *in, struct teemed_regs *out)
{
	uint64_t r[8];
	unsigned i;

	(void)ctx;
	for (i = 0; i < 8; i++)
		r[i] = in->a[i];
	smc_call(r);
	for (i = 0; i < 8; i++)
		out->a[i] = r[i];
	atomic_add64(&ps.smcs, 1);
}

#ifdef HYP_TEST_BROKEN_PIN
static teemed_pa_t ipa_as_pa(teemed_ipa_t ipa)
{
	return teemed_pa(teemed_ipa_val(ipa));
}
#endif

static int port_pin(void *ctx, void *host_dom, teemed_ipa_t ipa, unsigned access, teemed_pa_t *pa)
{
	struct guest *g = host_dom;
	struct frame_pins *f;
	uint64_t p = 0;
	enum s2_kind kind;
	int ret = -1;

	(void)ctx;
	if (!g || (access != TEEMED_PIN_READ && access != TEEMED_PIN_WRITE) ||
	    !teemed_ipa_page_aligned(ipa))
		return -1;
	spin_lock(&g->s2_lock);
	kind = s2_lookup(g, teemed_ipa_val(ipa), &p);
	f = frame_of(g, p);
	/* Guest RAM only: no device, no hole, not read-only for a write pin. */
	if (f && (kind == S2_RAM_RW || (kind == S2_RAM_RO && access == TEEMED_PIN_READ))) {
		uint16_t *cnt = access == TEEMED_PIN_WRITE ? &f->w : &f->r;

		if (*cnt != UINT16_MAX) {
			(*cnt)++;
			g->pins_live++;
			ret = 0;
		}
	}
	spin_unlock(&g->s2_lock);
#ifdef HYP_TEST_BROKEN_PIN
	/* Oracle self-test only: trust what cannot be translated (a classic bug). */
	if (ret && kind == S2_NONE) {
		*pa = ipa_as_pa(ipa);
		return 0;
	}
#endif
	if (ret) {
		atomic_add64(&ps.pins_refused, 1);
		return ret;
	}
	atomic_add64(&ps.pins, 1);
	*pa = teemed_pa(p);
	return 0;
}

static void port_unpin(void *ctx, void *host_dom, teemed_pa_t pa, unsigned access)
{
	struct guest *g = host_dom;
	struct frame_pins *f;
	uint16_t *cnt;
	bool ok = false;

	(void)ctx;
	if (!g)
		return port_error("unpin without a guest", teemed_pa_val(pa), access);
	spin_lock(&g->s2_lock);
	f = frame_of(g, teemed_pa_val(pa));
	if (f && (access == TEEMED_PIN_READ || access == TEEMED_PIN_WRITE)) {
		cnt = access == TEEMED_PIN_WRITE ? &f->w : &f->r;
		if (*cnt) {
			(*cnt)--;
			g->pins_live--;
			ok = true;
		}
	}
	spin_unlock(&g->s2_lock);
#ifdef HYP_TEST_BROKEN_PIN
	ok = true;
#endif
	if (!ok)
		port_error("unpin matching no pin", teemed_pa_val(pa), access);
	else
		atomic_add64(&ps.unpins, 1);
}

static void *port_map(void *ctx, teemed_pa_t pa)
{
	uint64_t v = teemed_pa_val(pa);
	struct guest *g;
	struct pcpu *p = this_pcpu();

	(void)ctx;
	if ((v & PLAT_PAGE_MASK) || !(pa_is_guest_ram(v, &g) || pa_is_pool(v, &g))) {
		port_error("map of a PA that is neither guest RAM nor mediator", v, 0);
		return NULL;
	}
	if (pa_is_guest_ram(v, &g)) {
		const struct frame_pins *f = frame_of(g, v);

		if (!f->r && !f->w)
			port_error("map of a guest page not pinned", v, 0);
	}
	if (++p->map_depth > MAP_DEPTH_MAX)
		port_error("maps nested too deep", v, p->map_depth);
	atomic_add64(&ps.maps, 1);
	return (void *)(uintptr_t)v;
}

static void port_unmap(void *ctx, void *va)
{
	struct pcpu *p = this_pcpu();

	(void)ctx;
	if (p->map_depth == 0)
		return port_error("unmap of no mapping", (uintptr_t)va, 0);
	p->map_depth--;
}

static void *port_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return heap_alloc(&hyp_heap, size);
}

static void port_free(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	heap_free(&hyp_heap, ptr, size);
}

static void *port_alloc_page(void *ctx, void *host_dom, teemed_pa_t *pa)
{
	uint64_t p;

	(void)ctx;
	if (!host_dom || pool_alloc(host_dom, &p))
		return NULL;
	atomic_add64(&ps.pages, 1);
	*pa = teemed_pa(p);
	return (void *)(uintptr_t)p;
}

static void port_free_page(void *ctx, void *host_dom, void *va, teemed_pa_t pa)
{
	(void)ctx;
	if (!host_dom || (uintptr_t)va != teemed_pa_val(pa) ||
	    pool_free(host_dom, teemed_pa_val(pa)))
		port_error("free_page of no such page", teemed_pa_val(pa), (uintptr_t)va);
}

static void *port_lock_create(void *ctx)
{
	(void)ctx;
	return heap_alloc(&hyp_heap, sizeof(spinlock_t));
}

static void port_lock_destroy(void *ctx, void *lock)
{
	(void)ctx;
	if (lock && ((spinlock_t *)lock)->v)
		port_error("destroy of a held lock", (uintptr_t)lock, 0);
	heap_free(&hyp_heap, lock, sizeof(spinlock_t));
}

static void port_lock(void *ctx, void *lock)
{
	(void)ctx;
	spin_lock(lock);
}

static void port_unlock(void *ctx, void *lock)
{
	(void)ctx;
	spin_unlock(lock);
}

static int port_should_yield(void *ctx)
{
	struct pcpu *p = this_pcpu();

	(void)ctx;
	if (ticks_to_ns(counter_read() - p->trap_start, hyp_freq) < TRAP_SLICE_US * 1000ull)
		return 0;
	atomic_add64(&ps.yields, 1);
	return 1;
}

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

static void port_log(void *ctx, enum teemed_log_level level, uint16_t client_id, const char *msg,
		     uint64_t v1, uint64_t v2)
{
	uint64_t sec = counter_read() / hyp_freq;
	bool print;

	(void)ctx;
	if ((unsigned)level > TEEMED_LOG_DEBUG)
		level = TEEMED_LOG_DEBUG;
	if (level > HYP_LOG_LEVEL)
		return;
	spin_lock(&log_lock);
	if (sec != log_window) {
		log_window = sec;
		log_in_window = 0;
	}
	print = log_in_window++ < LOG_BURST;
	spin_unlock(&log_lock);
	if (!print) {
		atomic_add64(&ps.log_suppressed, 1);
		return;
	}
	hyp_printf("[hyp] teemed %s [client %u] %s (0x%lx, 0x%lx)\n", level_names[level], client_id,
		   msg ? msg : "", (unsigned long)v1, (unsigned long)v2);
}

void port_get(struct teemed_port *port)
{
	*port = (struct teemed_port){
	    .smc = port_smc,
	    .pin = port_pin,
	    .unpin = port_unpin,
	    .map = port_map,
	    .unmap = port_unmap,
	    .alloc = port_alloc,
	    .free = port_free,
	    .alloc_page = port_alloc_page,
	    .free_page = port_free_page,
	    .lock_create = port_lock_create,
	    .lock_destroy = port_lock_destroy,
	    .lock = port_lock,
	    .unlock = port_unlock,
	    .should_yield = port_should_yield,
	    .log = port_log,
	};
}

void port_report(void)
{
	hyp_printf("[hyp] port: %lu SMCs to EL3, %lu pins (%lu refused), %lu unpins, %lu maps, %lu "
		   "mediator pages, %lu yields, %lu log lines suppressed, %lu port errors\n",
		   (unsigned long)ps.smcs, (unsigned long)ps.pins, (unsigned long)ps.pins_refused,
		   (unsigned long)ps.unpins, (unsigned long)ps.maps, (unsigned long)ps.pages,
		   (unsigned long)ps.yields, (unsigned long)ps.log_suppressed,
		   (unsigned long)hyp_port_errors);
}
