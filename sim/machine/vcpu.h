/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Simulated vCPUs: each a pthread running a guest function with a struct
 * guest_env (sim/guest/guest_env.h) of its own.
 *
 * The env's smc() is the vCPU's SMC trap: in mediated mode it goes to
 * teemed_handle_smc() with the guest's registers as they are (a7 included:
 * the mediator overwrites it); in direct mode straight to the secure world.
 * The path allocates nothing. map() translates through the guest's stage 2
 * (NULL for unmapped and MMIO pages; read-only pages still give a pointer,
 * for reads). alloc/free (zeroed), mutexes and condition variables are
 * pthread ones, counted per guest; allocations the guest leaves are freed
 * with the guest (as its RAM would be). Time is CLOCK_MONOTONIC.
 *
 * The env's irq_register() is the guest's interrupt path: one handler per
 * guest (a second registration while one is installed is refused), run on
 * the guest's interrupt thread, created at the first registration and
 * joined by vcpu_guest_fini. vcpu_guest_raise_irq() (called by the machine
 * when the guest's OP-TEE notification interrupt is raised) only records
 * the raise and wakes that thread, so it may be called with any lock held;
 * raises made while the handler runs are coalesced into one more call.
 *
 * Thread safety: the vcpu_guest is shared by a guest's vCPUs and only read
 * once they run, except its atomic counters, its allocation list (under
 * alloc_lock, a leaf lock) and its interrupt state (under irq_lock, a leaf
 * lock). A vCPU's env may be used by its own thread, or by the caller's
 * thread when the vCPU is not started; the interrupt handler runs with the
 * env the driver registered from (the interrupt is taken on that vCPU).
 */
#ifndef TEEMED_SIM_MACHINE_VCPU_H
#define TEEMED_SIM_MACHINE_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "sim/guest/guest_env.h"
#include "sim/machine/stage2.h"

struct teemed;
struct teemed_domain;

/* A guest function run by a vCPU thread; its result is the vCPU's. */
typedef int (*vcpu_fn)(const struct guest_env *env, void *arg);

enum vcpu_conduit {
	VCPU_TO_MEDIATOR, /* teemed_handle_smc (mediated mode) */
	VCPU_TO_SECURE,   /* straight to the secure world (direct mode) */
};

typedef void (*vcpu_secure_fn)(void *arg, uint64_t regs[8]);
/* Called after each guest SMC with the registers before and after. */
typedef void (*vcpu_trace_fn)(void *arg, uint16_t guest, uint32_t vcpu,
			      const uint64_t in[8], const uint64_t out[8]);

/* What a guest's vCPUs share; owned by the machine's guest. */
struct vcpu_guest {
	uint16_t guest_id;
	struct stage2 *s2;
	enum vcpu_conduit conduit;
	struct teemed *tm;              /* VCPU_TO_MEDIATOR */
	struct teemed_domain *dom;      /* VCPU_TO_MEDIATOR; NULL: no OP-TEE */
	vcpu_secure_fn secure;          /* VCPU_TO_SECURE */
	void *secure_arg;
	vcpu_trace_fn trace;            /* optional */
	void *trace_arg;
	int verbose;                    /* print the guest's log() text */
	_Atomic uint64_t smc_calls;
	_Atomic uint64_t allocs_live, bytes_live;
	_Atomic uint64_t locks_live, conds_live;
	_Atomic uint64_t errors;        /* frees of no such allocation */
	/* Live env allocations, freed by vcpu_guest_fini if the guest did not. */
	pthread_mutex_t alloc_lock;
	struct vcpu_alloc *allocs;
	/* Interrupt path (env irq_register), all under irq_lock. */
	pthread_mutex_t irq_lock;
	pthread_cond_t irq_cond;        /* the thread waits for work; unregister for idle */
	void (*irq_handler)(void *arg);
	void *irq_arg;
	unsigned irq_pending;           /* raises not yet delivered (coalesced) */
	int irq_running;                /* the handler is being called */
	int irq_stop;
	int irq_thread_live;
	pthread_t irq_thread;
	_Atomic uint64_t irqs_raised;   /* vcpu_guest_raise_irq calls */
	_Atomic uint64_t irqs_handled;  /* handler calls */
};

/* Set up the shared part's counters and allocation list (fields above it are the caller's). */
void vcpu_guest_init(struct vcpu_guest *g);
/*
 * Stop the interrupt thread, then free what the guest's env allocations
 * left; returns how many allocations there were.
 */
uint64_t vcpu_guest_fini(struct vcpu_guest *g);
/* The guest's notification interrupt: record it and wake the interrupt thread. */
void vcpu_guest_raise_irq(struct vcpu_guest *g);

struct vcpu {
	struct vcpu_guest *g;
	uint32_t index;
	struct guest_env env;
	pthread_t thread;
	int started;
	vcpu_fn fn;
	void *arg;
	int result;
};

void vcpu_init(struct vcpu *v, struct vcpu_guest *g, uint32_t index);
/* Run fn(env, arg) on a new thread. 0, -EBUSY (running) or -errno. */
int vcpu_start(struct vcpu *v, vcpu_fn fn, void *arg);
/* Wait for the thread; its result in *result. -EINVAL if not started. */
int vcpu_join(struct vcpu *v, int *result);
const struct guest_env *vcpu_env(const struct vcpu *v);

#endif /* TEEMED_SIM_MACHINE_VCPU_H */
