/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The simulator's teemed port (include/teemed/port.h): the mediator's host.
 *
 * - smc: the secure world set with port_sim_set_secure (the machine plugs
 *   in the OP-TEE model), with an optional trace hook;
 * - pin/unpin: through the domain's stage 2 and the frame pin counts;
 * - map/unmap: a pointer into the arena; a map of a page that is neither
 *   pinned nor a mediator page is counted as a violation;
 * - alloc/free: malloc, with a header that checks the size given to free;
 * - alloc_page/free_page: mediator-region frames serving host_dom's guest;
 * - locks: error-checking pthread mutexes;
 * - should_yield: never, or every Nth call;
 * - log: stderr at or below a level, rate limited;
 * - notify: sets the domain's pending flag and calls its IRQ handler.
 *
 * Everything is counted (port_sim_stats), so a test can check that live
 * pins, allocations, pages, locks and mappings return to zero, and that no
 * error was seen. Fault injection makes the Nth call of a kind fail (once,
 * or from then on), for sweeps over every failure point.
 *
 * host_dom: the mediator's `host_dom` is a struct sim_dom, the host's side
 * of a guest.
 *
 * Thread safety: counters are atomics; the log limiter has its own mutex;
 * pins and pages go through stage 2 and phys, which lock for themselves. The
 * trace hook and IRQ handlers run on the calling thread with no port lock
 * held (an IRQ handler raised from the secure world runs with the OP-TEE
 * model's lock held: it must not issue an SMC).
 */
#ifndef TEEMED_SIM_MACHINE_PORT_SIM_H
#define TEEMED_SIM_MACHINE_PORT_SIM_H

#include <stdatomic.h>
#include <stdint.h>

#include "sim/machine/phys.h"
#include "sim/machine/stage2.h"
#include "teemed/port.h"

/* port.h: "Mappings are ... never nested more than four deep". */
#define PORT_SIM_MAP_DEPTH_MAX 4

/* The host's side of one guest: what port calls receive as host_dom. */
struct sim_dom {
	uint16_t guest_id;
	struct stage2 *s2;
	atomic_uint irq_pending;           /* notifications not yet taken */
	void (*irq)(void *arg, struct sim_dom *dom); /* optional, on raise */
	void *irq_arg;
};

void sim_dom_init(struct sim_dom *dom, uint16_t guest_id, struct stage2 *s2);
/* Inject the guest's OP-TEE notification interrupt. */
void sim_dom_raise_irq(struct sim_dom *dom);
/* Take (read and clear) the pending count. */
unsigned sim_dom_take_irq(struct sim_dom *dom);

enum port_sim_fault_kind {
	PORT_FAULT_ALLOC = 0,
	PORT_FAULT_PIN,
	PORT_FAULT_MAP,
	PORT_FAULT_ALLOC_PAGE,
	PORT_FAULT_COUNT,
};

struct port_sim_fault {
	uint64_t nth;  /* fail the nth call of the kind (1-based); 0 = never */
	int sticky;    /* and every later one */
};

struct port_sim_config {
	struct port_sim_fault fault[PORT_FAULT_COUNT];
	uint32_t yield_every;          /* should_yield true every Nth call; 0 = never */
	enum teemed_log_level log_level; /* print this level and more severe ones */
	uint32_t log_burst;            /* lines printed per second before suppression */
	int check_map;                 /* count maps of unpinned non-mediator pages */
};

/* Default: no faults, no yields, WARN, 20 lines a second, map checks on. */
void port_sim_config_default(struct port_sim_config *cfg);

struct port_sim_stats {
	uint64_t smc_calls;
	uint64_t calls[PORT_FAULT_COUNT];    /* calls of each injectable kind */
	uint64_t injected[PORT_FAULT_COUNT]; /* failures injected */
	uint64_t pins, pins_refused, unpins, unpin_errors, pins_live;
	uint64_t maps, unmaps, maps_live;
	uint64_t map_violations;   /* page neither pinned nor the mediator's */
	uint64_t map_errors;       /* misaligned or outside the arena */
	uint64_t map_depth_errors, unmap_errors;
	uint64_t allocs, frees, allocs_live, bytes_live, free_errors;
	uint64_t pages_allocated, pages_freed, pages_live, page_errors;
	uint64_t locks_live, lock_errors;
	uint64_t yield_queries, yields;
	uint64_t log_lines[TEEMED_LOG_DEBUG + 1]; /* emitted, printed or not */
	uint64_t log_suppressed;
	uint64_t notifies;
	/* Sum of the *_errors and violation counters: non-zero fails the run. */
	uint64_t errors;
};

typedef void (*port_sim_secure_fn)(void *arg, uint64_t regs[8]);
typedef void (*port_sim_trace_fn)(void *arg, const struct teemed_regs *in,
				  const struct teemed_regs *out);

struct port_sim;

int port_sim_create(struct phys *p, const struct port_sim_config *cfg, struct port_sim **out);
void port_sim_destroy(struct port_sim *ps);
/* The port table to give teemed_init (ctx is `ps`). */
const struct teemed_port *port_sim_port(struct port_sim *ps);

/* Where smc() goes; without one, every SMC answers UNKNOWN_FUNCTION. */
void port_sim_set_secure(struct port_sim *ps, port_sim_secure_fn fn, void *arg);
void port_sim_set_trace(struct port_sim *ps, port_sim_trace_fn fn, void *arg);
/* Set a fault and restart the count of that kind's calls. */
void port_sim_set_fault(struct port_sim *ps, enum port_sim_fault_kind kind,
			uint64_t nth, int sticky);
void port_sim_set_yield_every(struct port_sim *ps, uint32_t every);

void port_sim_stats(struct port_sim *ps, struct port_sim_stats *out);

#endif /* TEEMED_SIM_MACHINE_PORT_SIM_H */
