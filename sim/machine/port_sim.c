/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The simulator's teemed port (see port_sim.h).
 *
 * Locks: ps->log_lock only, never held while calling anything else. Pins
 * take the stage-2 rwlock then the phys mutex (inside stage2_pin).
 */
#include "sim/machine/port_sim.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "teemed/optee_smc.h"

/* The log limiter's window: log_burst lines per window. */
#define LOG_WINDOW_NS 1000000000ull
/* Port errors are all counted; only the first ones are printed. */
#define ERRORS_PRINTED 16

/* Written before every alloc() payload, checked by free(). */
#define ALLOC_MAGIC 0x74656d6d65644143ull
struct alloc_hdr {
	uint64_t magic;
	uint64_t size; /* keeps the payload 16-byte aligned, as malloc's */
};

typedef _Atomic uint64_t counter_t;

struct port_counters {
	counter_t smc_calls;
	counter_t calls[PORT_FAULT_COUNT];
	counter_t injected[PORT_FAULT_COUNT];
	counter_t pins, pins_refused, unpins, unpin_errors, pins_live;
	counter_t maps, unmaps, maps_live, map_violations, map_errors;
	counter_t map_depth_errors, unmap_errors;
	counter_t allocs, frees, allocs_live, bytes_live, free_errors;
	counter_t pages_allocated, pages_freed, pages_live, page_errors;
	counter_t locks_live, lock_errors;
	counter_t yield_queries, yields;
	counter_t log_lines[TEEMED_LOG_DEBUG + 1];
	counter_t log_suppressed;
	counter_t notifies;
	counter_t errors_printed;
};

struct port_sim {
	struct teemed_port port;
	struct phys *phys;
	struct port_sim_config cfg;
	port_sim_secure_fn secure;
	void *secure_arg;
	port_sim_trace_fn trace;
	void *trace_arg;
	_Atomic uint64_t fault_nth[PORT_FAULT_COUNT];
	atomic_int fault_sticky[PORT_FAULT_COUNT];
	_Atomic uint32_t yield_every;
	struct port_counters c;
	pthread_mutex_t log_lock;
	uint64_t log_window_start;
	uint32_t log_in_window;
	uint64_t log_suppressed_in_window;
};

/* Depth of this thread's live port mappings. */
static _Thread_local unsigned map_depth;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void port_error(struct port_sim *ps, counter_t *counter, const char *what,
		       uint64_t v1, uint64_t v2)
{
	atomic_fetch_add(counter, 1);
	if (atomic_fetch_add(&ps->c.errors_printed, 1) < ERRORS_PRINTED)
		fprintf(stderr, "port_sim: ERROR %s (0x%llx, 0x%llx)\n", what,
			(unsigned long long)v1, (unsigned long long)v2);
}

/* Count a call of an injectable kind; true if it must fail. */
static bool inject(struct port_sim *ps, enum port_sim_fault_kind k)
{
	uint64_t n = atomic_fetch_add(&ps->c.calls[k], 1) + 1;
	uint64_t nth = atomic_load(&ps->fault_nth[k]);

	if (nth == 0 || n < nth || (n > nth && !atomic_load(&ps->fault_sticky[k])))
		return false;
	atomic_fetch_add(&ps->c.injected[k], 1);
	return true;
}

static void port_smc(void *ctx, const struct teemed_regs *in, struct teemed_regs *out)
{
	struct port_sim *ps = ctx;
	struct teemed_regs saved = *in; /* in and out may alias */
	uint64_t regs[8];

	atomic_fetch_add(&ps->c.smc_calls, 1);
	memcpy(regs, saved.a, sizeof(regs));
	if (ps->secure)
		ps->secure(ps->secure_arg, regs);
	else
		regs[0] = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
	memcpy(out->a, regs, sizeof(regs));
	if (ps->trace)
		ps->trace(ps->trace_arg, &saved, out);
}

static int port_pin(void *ctx, void *host_dom, teemed_ipa_t ipa, unsigned access,
		    teemed_pa_t *pa)
{
	struct port_sim *ps = ctx;
	struct sim_dom *dom = host_dom;
	uint64_t v;
	int ret;

	if (inject(ps, PORT_FAULT_PIN)) {
		ret = -ENOMEM;
	} else if (!dom || (access != TEEMED_PIN_READ && access != TEEMED_PIN_WRITE)) {
		ret = -EINVAL;
	} else {
		ret = stage2_pin(dom->s2, teemed_ipa_val(ipa), access, &v);
	}
	if (ret) {
		atomic_fetch_add(&ps->c.pins_refused, 1);
		return ret;
	}
	atomic_fetch_add(&ps->c.pins, 1);
	atomic_fetch_add(&ps->c.pins_live, 1);
	*pa = teemed_pa(v);
	return 0;
}

static void port_unpin(void *ctx, void *host_dom, teemed_pa_t pa, unsigned access)
{
	struct port_sim *ps = ctx;
	struct sim_dom *dom = host_dom;

	if (!dom || stage2_unpin(dom->s2, teemed_pa_val(pa), access)) {
		port_error(ps, &ps->c.unpin_errors, "unpin matching no pin", teemed_pa_val(pa),
			   access);
		return;
	}
	atomic_fetch_add(&ps->c.unpins, 1);
	atomic_fetch_sub(&ps->c.pins_live, 1);
}

static void *port_map(void *ctx, teemed_pa_t pa)
{
	struct port_sim *ps = ctx;
	uint64_t v = teemed_pa_val(pa);
	struct phys_frame_info info;

	if (inject(ps, PORT_FAULT_MAP))
		return NULL;
	if ((v & PHYS_FRAME_MASK) || phys_frame_info(ps->phys, v, &info)) {
		port_error(ps, &ps->c.map_errors, "map of a misaligned or non-RAM PA", v, 0);
		return NULL;
	}
	if (ps->cfg.check_map && !info.rpins && !info.wpins && info.owner != PHYS_MEDIATOR)
		port_error(ps, &ps->c.map_violations, "map of a page neither pinned nor mediator's",
			   v, info.owner);
	if (++map_depth > PORT_SIM_MAP_DEPTH_MAX)
		port_error(ps, &ps->c.map_depth_errors, "maps nested too deep", v, map_depth);
	atomic_fetch_add(&ps->c.maps, 1);
	atomic_fetch_add(&ps->c.maps_live, 1);
	return phys_ptr(ps->phys, v);
}

static void port_unmap(void *ctx, void *va)
{
	struct port_sim *ps = ctx;
	uint64_t pa;

	if (phys_pa_of_ptr(ps->phys, va, &pa) || (pa & PHYS_FRAME_MASK) || map_depth == 0) {
		port_error(ps, &ps->c.unmap_errors, "unmap of no mapping", (uintptr_t)va,
			   map_depth);
		return;
	}
	map_depth--;
	atomic_fetch_add(&ps->c.unmaps, 1);
	atomic_fetch_sub(&ps->c.maps_live, 1);
}

static void *port_alloc(void *ctx, size_t size)
{
	struct port_sim *ps = ctx;
	struct alloc_hdr *h;

	if (inject(ps, PORT_FAULT_ALLOC) || size > SIZE_MAX - sizeof(*h))
		return NULL;
	h = malloc(sizeof(*h) + size);
	if (!h)
		return NULL;
	h->magic = ALLOC_MAGIC;
	h->size = size;
	atomic_fetch_add(&ps->c.allocs, 1);
	atomic_fetch_add(&ps->c.allocs_live, 1);
	atomic_fetch_add(&ps->c.bytes_live, size);
	return h + 1;
}

static void port_free(void *ctx, void *ptr, size_t size)
{
	struct port_sim *ps = ctx;
	struct alloc_hdr *h;

	if (!ptr)
		return;
	h = (struct alloc_hdr *)ptr - 1;
	if (h->magic != ALLOC_MAGIC) {
		port_error(ps, &ps->c.free_errors, "free of no allocation", (uintptr_t)ptr, size);
		return;
	}
	if (h->size != size)
		port_error(ps, &ps->c.free_errors, "free with the wrong size", h->size, size);
	atomic_fetch_add(&ps->c.frees, 1);
	atomic_fetch_sub(&ps->c.allocs_live, 1);
	atomic_fetch_sub(&ps->c.bytes_live, h->size);
	h->magic = 0;
	free(h);
}

static uint16_t dom_id(void *host_dom)
{
	return host_dom ? ((struct sim_dom *)host_dom)->guest_id : PHYS_NO_DOM;
}

static void *port_alloc_page(void *ctx, void *host_dom, teemed_pa_t *pa)
{
	struct port_sim *ps = ctx;
	uint64_t v;

	if (inject(ps, PORT_FAULT_ALLOC_PAGE))
		return NULL;
	if (phys_alloc(ps->phys, PHYS_REGION_MEDIATOR, PHYS_MEDIATOR, dom_id(host_dom), &v))
		return NULL;
	atomic_fetch_add(&ps->c.pages_allocated, 1);
	atomic_fetch_add(&ps->c.pages_live, 1);
	*pa = teemed_pa(v);
	return phys_ptr(ps->phys, v);
}

static void port_free_page(void *ctx, void *host_dom, void *va, teemed_pa_t pa)
{
	struct port_sim *ps = ctx;
	uint64_t v = teemed_pa_val(pa);
	struct phys_frame_info info;

	if (phys_frame_info(ps->phys, v, &info) || phys_ptr(ps->phys, v) != va ||
	    info.owner != PHYS_MEDIATOR || info.dom != dom_id(host_dom)) {
		port_error(ps, &ps->c.page_errors, "free_page of no such page", v, (uintptr_t)va);
		return;
	}
	if (phys_free(ps->phys, v)) {
		port_error(ps, &ps->c.page_errors, "free_page refused", v, 0);
		return;
	}
	atomic_fetch_add(&ps->c.pages_freed, 1);
	atomic_fetch_sub(&ps->c.pages_live, 1);
}

static void *port_lock_create(void *ctx)
{
	struct port_sim *ps = ctx;
	pthread_mutexattr_t attr;
	pthread_mutex_t *m = malloc(sizeof(*m));

	if (!m)
		return NULL;
	/* Error checking: a recursive take is a mediator bug, not a hang. */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
	atomic_fetch_add(&ps->c.locks_live, 1);
	return m;
}

static void port_lock_destroy(void *ctx, void *lock)
{
	struct port_sim *ps = ctx;

	if (!lock)
		return;
	if (pthread_mutex_destroy(lock))
		port_error(ps, &ps->c.lock_errors, "destroy of a held lock", (uintptr_t)lock, 0);
	free(lock);
	atomic_fetch_sub(&ps->c.locks_live, 1);
}

static void port_lock(void *ctx, void *lock)
{
	struct port_sim *ps = ctx;
	int rc = pthread_mutex_lock(lock);

	if (rc) {
		port_error(ps, &ps->c.lock_errors, "lock taken twice", (uintptr_t)lock,
			   (uint64_t)rc);
		/* On a hypervisor this spinlock would spin forever. */
		fprintf(stderr, "port_sim: deadlock, aborting\n");
		abort();
	}
}

static void port_unlock(void *ctx, void *lock)
{
	struct port_sim *ps = ctx;
	int rc = pthread_mutex_unlock(lock);

	if (rc)
		port_error(ps, &ps->c.lock_errors, "unlock of a lock not held", (uintptr_t)lock,
			   (uint64_t)rc);
}

static int port_should_yield(void *ctx)
{
	struct port_sim *ps = ctx;
	uint64_t q = atomic_fetch_add(&ps->c.yield_queries, 1) + 1;
	uint32_t every = atomic_load(&ps->yield_every);

	if (every == 0 || q % every != 0)
		return 0;
	atomic_fetch_add(&ps->c.yields, 1);
	return 1;
}

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

static void port_log(void *ctx, enum teemed_log_level level, uint16_t client_id,
		     const char *msg, uint64_t v1, uint64_t v2)
{
	struct port_sim *ps = ctx;
	uint64_t now, suppressed = 0;
	bool print;

	if ((unsigned)level > TEEMED_LOG_DEBUG)
		level = TEEMED_LOG_DEBUG;
	atomic_fetch_add(&ps->c.log_lines[level], 1);
	if (level > ps->cfg.log_level)
		return;
	now = now_ns();
	pthread_mutex_lock(&ps->log_lock);
	if (now - ps->log_window_start >= LOG_WINDOW_NS) {
		suppressed = ps->log_suppressed_in_window;
		ps->log_window_start = now;
		ps->log_in_window = 0;
		ps->log_suppressed_in_window = 0;
	}
	print = ps->log_in_window < ps->cfg.log_burst;
	if (print)
		ps->log_in_window++;
	else
		ps->log_suppressed_in_window++;
	pthread_mutex_unlock(&ps->log_lock);
	if (suppressed)
		fprintf(stderr, "teemed: %llu lines suppressed\n", (unsigned long long)suppressed);
	if (!print) {
		atomic_fetch_add(&ps->c.log_suppressed, 1);
		return;
	}
	fprintf(stderr, "teemed %s [client %u] %s (0x%llx, 0x%llx)\n", level_names[level],
		client_id, msg ? msg : "", (unsigned long long)v1, (unsigned long long)v2);
}

static void port_notify(void *ctx, void *host_dom)
{
	struct port_sim *ps = ctx;

	atomic_fetch_add(&ps->c.notifies, 1);
	if (host_dom)
		sim_dom_raise_irq(host_dom);
}

void sim_dom_init(struct sim_dom *dom, uint16_t guest_id, struct stage2 *s2)
{
	dom->guest_id = guest_id;
	dom->s2 = s2;
	atomic_init(&dom->irq_pending, 0);
	dom->irq = NULL;
	dom->irq_arg = NULL;
}

void sim_dom_raise_irq(struct sim_dom *dom)
{
	atomic_fetch_add(&dom->irq_pending, 1);
	if (dom->irq)
		dom->irq(dom->irq_arg, dom);
}

unsigned sim_dom_take_irq(struct sim_dom *dom)
{
	return atomic_exchange(&dom->irq_pending, 0);
}

void port_sim_config_default(struct port_sim_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->log_level = TEEMED_LOG_WARN;
	cfg->log_burst = 20;
	cfg->check_map = 1;
}

int port_sim_create(struct phys *p, const struct port_sim_config *cfg, struct port_sim **out)
{
	struct port_sim *ps = calloc(1, sizeof(*ps));
	int k;

	if (!ps)
		return -ENOMEM;
	ps->phys = p;
	if (cfg)
		ps->cfg = *cfg;
	else
		port_sim_config_default(&ps->cfg);
	for (k = 0; k < PORT_FAULT_COUNT; k++) {
		atomic_init(&ps->fault_nth[k], ps->cfg.fault[k].nth);
		atomic_init(&ps->fault_sticky[k], ps->cfg.fault[k].sticky);
	}
	atomic_init(&ps->yield_every, ps->cfg.yield_every);
	pthread_mutex_init(&ps->log_lock, NULL);
	ps->port = (struct teemed_port){
		.ctx = ps,
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
		.notify = port_notify,
	};
	*out = ps;
	return 0;
}

void port_sim_destroy(struct port_sim *ps)
{
	if (!ps)
		return;
	pthread_mutex_destroy(&ps->log_lock);
	free(ps);
}

const struct teemed_port *port_sim_port(struct port_sim *ps)
{
	return &ps->port;
}

void port_sim_set_secure(struct port_sim *ps, port_sim_secure_fn fn, void *arg)
{
	ps->secure = fn;
	ps->secure_arg = arg;
}

void port_sim_set_trace(struct port_sim *ps, port_sim_trace_fn fn, void *arg)
{
	ps->trace = fn;
	ps->trace_arg = arg;
}

void port_sim_set_fault(struct port_sim *ps, enum port_sim_fault_kind kind,
			uint64_t nth, int sticky)
{
	if ((unsigned)kind >= PORT_FAULT_COUNT)
		return;
	atomic_store(&ps->fault_nth[kind], 0);
	atomic_store(&ps->c.calls[kind], 0);
	atomic_store(&ps->fault_sticky[kind], sticky);
	atomic_store(&ps->fault_nth[kind], nth);
}

void port_sim_set_yield_every(struct port_sim *ps, uint32_t every)
{
	atomic_store(&ps->yield_every, every);
}

void port_sim_stats(struct port_sim *ps, struct port_sim_stats *out)
{
	const struct port_counters *c = &ps->c;
	int k;

	memset(out, 0, sizeof(*out));
	out->smc_calls = atomic_load(&c->smc_calls);
	for (k = 0; k < PORT_FAULT_COUNT; k++) {
		out->calls[k] = atomic_load(&c->calls[k]);
		out->injected[k] = atomic_load(&c->injected[k]);
	}
	out->pins = atomic_load(&c->pins);
	out->pins_refused = atomic_load(&c->pins_refused);
	out->unpins = atomic_load(&c->unpins);
	out->unpin_errors = atomic_load(&c->unpin_errors);
	out->pins_live = atomic_load(&c->pins_live);
	out->maps = atomic_load(&c->maps);
	out->unmaps = atomic_load(&c->unmaps);
	out->maps_live = atomic_load(&c->maps_live);
	out->map_violations = atomic_load(&c->map_violations);
	out->map_errors = atomic_load(&c->map_errors);
	out->map_depth_errors = atomic_load(&c->map_depth_errors);
	out->unmap_errors = atomic_load(&c->unmap_errors);
	out->allocs = atomic_load(&c->allocs);
	out->frees = atomic_load(&c->frees);
	out->allocs_live = atomic_load(&c->allocs_live);
	out->bytes_live = atomic_load(&c->bytes_live);
	out->free_errors = atomic_load(&c->free_errors);
	out->pages_allocated = atomic_load(&c->pages_allocated);
	out->pages_freed = atomic_load(&c->pages_freed);
	out->pages_live = atomic_load(&c->pages_live);
	out->page_errors = atomic_load(&c->page_errors);
	out->locks_live = atomic_load(&c->locks_live);
	out->lock_errors = atomic_load(&c->lock_errors);
	out->yield_queries = atomic_load(&c->yield_queries);
	out->yields = atomic_load(&c->yields);
	for (k = 0; k <= TEEMED_LOG_DEBUG; k++)
		out->log_lines[k] = atomic_load(&c->log_lines[k]);
	out->log_suppressed = atomic_load(&c->log_suppressed);
	out->notifies = atomic_load(&c->notifies);
	out->errors = out->unpin_errors + out->map_violations + out->map_errors +
		      out->map_depth_errors + out->unmap_errors + out->free_errors +
		      out->page_errors + out->lock_errors;
}
