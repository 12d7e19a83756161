/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The simulated machine: physical memory, the OP-TEE model (secure world),
 * the mediator on the sim port (hypervisor side) and guests with vCPU
 * threads, wired as on hardware: the three actors meet only at SMCs and in
 * physical memory.
 *
 * Modes:
 * - MACHINE_MEDIATED: the model with virtualization; the mediator
 *   (teemed_init on the sim port); any number of guests, each with a
 *   mediator domain of client ID guest id + 1 whose host_dom is the guest's
 *   struct sim_dom. Guest SMCs go to teemed_handle_smc.
 * - MACHINE_DIRECT: the model without virtualization, no mediator, one guest
 *   whose SMCs go straight to the model (the baseline a guest driver is
 *   tested against). The oracle then allows any page of that guest.
 * In either mode cfg.secure may replace the model by a function of the
 * test's (a fake secure world).
 *
 * Fault injection, yields and logging are the port's (cfg.port, or
 * port_sim_set_* on machine_port() at run time).
 *
 * Teardown (machine_destroy) joins and destroys every guest, then the
 * mediator and the model, and reports what is still held (pins, mediator
 * allocations and pages, locks, mappings, model allocations) and every error
 * seen (isolation violations, bad frees, bad unpins, frames freed while
 * pinned). The run is clean when both are zero.
 *
 * OP-TEE's notification interrupt (one for all guests, raised by the model
 * with its lock held): in mediated mode the machine latches it and its
 * interrupt thread calls teemed_notif_irq(); the mediator's port notify
 * then raises the guest's interrupt (sim_dom), which the guest takes on its
 * interrupt thread (guest_env irq_register, vcpu.h). The default mediator
 * config therefore has TEEMED_FEATURE_ASYNC_NOTIF. In direct mode the line
 * is raised in the one guest, which polls OP-TEE itself. The interrupt
 * thread is stopped by machine_destroy after the guests, before the
 * mediator.
 *
 * Thread safety: guests are created, started, joined and destroyed from one
 * controlling thread; vCPU threads only use their guest_env. m->lock guards
 * the guest table against the notification interrupt (raised by the model,
 * with the model's lock held). Lock order: model lock, then m->lock.
 */
#ifndef TEEMED_SIM_MACHINE_MACHINE_H
#define TEEMED_SIM_MACHINE_MACHINE_H

#include <stdint.h>
#include <stdio.h>

#include "sim/machine/oracle.h"
#include "sim/machine/phys.h"
#include "sim/machine/port_sim.h"
#include "sim/machine/stage2.h"
#include "sim/machine/vcpu.h"
#include "sim/optee/model.h"
#include "teemed/teemed.h"

/* Guests alive at once: a fixed table, far above what OP-TEE partitions allow. */
#define MACHINE_MAX_GUESTS 64
/* vCPUs per guest: threads on a host; beyond this a test is mistaken. */
#define MACHINE_MAX_VCPUS 64
/* Default guest RAM: room for a driver's pools and a few large buffers. */
#define MACHINE_DEFAULT_GUEST_RAM (64ull << 20)
/*
 * teemed_domain_destroy calls before giving up on a domain (reported as a
 * teardown error): each call releases one work budget, and 1 GiB of pinned
 * pages is 262144 pages, so this is ample for any correct mediator.
 */
#define MACHINE_DESTROY_TRIES 1000000u

enum machine_mode {
	MACHINE_MEDIATED,
	MACHINE_DIRECT,
};

struct machine_config {
	enum machine_mode mode;
	uint64_t seed;                    /* stage-2 shuffles */
	struct phys_config phys;
	struct optee_model_config model;  /* .virtualization and the VIRTUALIZATION
					   * cap are set by the mode */
	struct teemed_config mediator;    /* MACHINE_MEDIATED only */
	struct port_sim_config port;
	/* Optional: a fake secure world in place of the OP-TEE model. */
	vcpu_secure_fn secure;
	void *secure_arg;
	/* Optional traces: guest SMCs (both modes), mediator SMCs (mediated). */
	vcpu_trace_fn guest_trace;
	port_sim_trace_fn secure_trace;
	void *trace_arg;
	int verbose;          /* guest and model debug text, and the report */
	int quiet_violations; /* do not print violations (tests expecting them) */
};

struct machine_guest_config {
	uint32_t vcpus;     /* 1..MACHINE_MAX_VCPUS */
	uint64_t ram_base;  /* page aligned IPA */
	uint64_t ram_size;  /* page multiple, non-zero */
};

/* Held now (after teardown: leaked) and errors seen so far. */
struct machine_report {
	/* held */
	uint64_t pins;            /* pin counts on frames */
	uint64_t pinned_frames;
	uint64_t allocs;          /* mediator allocations (port alloc) */
	uint64_t alloc_bytes;
	uint64_t pages;           /* mediator pages (port alloc_page) */
	uint64_t locks;           /* mediator locks */
	uint64_t maps;            /* mediator mappings */
	uint64_t model_allocs;    /* the model's env allocations */
	/* errors */
	uint64_t violations;      /* isolation oracle */
	uint64_t map_violations;  /* mediator mapped a page it had not pinned */
	uint64_t phys_errors;     /* freed or reassigned while pinned, bad unpins */
	uint64_t port_errors;     /* bad frees, unmaps, free_pages, locks */
	uint64_t model_errors;    /* bad env frees */
	uint64_t teardown_errors; /* domain or mediator that would not go away */
	/* informational */
	uint64_t guest_allocs;    /* guest env allocations left (freed with the guest) */
	uint64_t guest_errors;    /* guest env frees of no allocation */
	uint64_t error_logs;      /* mediator ERROR lines */
	uint64_t errors_total;    /* sum of the errors above */
	uint64_t held_total;      /* sum of the held counts above */
};

struct machine;
struct machine_guest;

void machine_config_default(struct machine_config *cfg, enum machine_mode mode);
/*
 * Build the machine. Returns 0, -EINVAL, -ENOMEM, -EIO (the model refused
 * its configuration) or -ENODEV (teemed_init failed; its status is logged).
 */
int machine_create(const struct machine_config *cfg, struct machine **out);
/*
 * Join and destroy every guest, then the mediator and the model; fill `rep`
 * (may be NULL) and free the machine. Returns 0 if the run was clean,
 * -1 otherwise (the report is then printed to stderr).
 */
int machine_destroy(struct machine *m, struct machine_report *rep);
/* The report so far, without tearing anything down. */
void machine_check(struct machine *m, struct machine_report *rep);
void machine_report_print(const struct machine_report *rep, FILE *f);

enum machine_mode machine_mode(const struct machine *m);
struct phys *machine_phys(struct machine *m);
struct port_sim *machine_port(struct machine *m);
struct oracle *machine_oracle(struct machine *m);
struct teemed *machine_mediator(struct machine *m);    /* NULL in direct mode */
struct optee_model *machine_model(struct machine *m);  /* NULL with cfg.secure */
/* One SMC to the secure world, as the hypervisor issues it (a7 untouched). */
void machine_secure_smc(struct machine *m, uint64_t regs[8]);

void machine_guest_config_default(struct machine_guest_config *cfg);
/*
 * Create a guest (id = lowest free slot) and, in mediated mode, its mediator
 * domain. Returns 0, -EINVAL, -ENOMEM, -EBUSY (direct mode has one guest, or
 * the table is full) or -EIO (teemed_domain_create failed; logged).
 */
int machine_guest_create(struct machine *m, const struct machine_guest_config *cfg,
			 struct machine_guest **out);
/*
 * Join the guest's vCPUs (their functions must return), destroy its
 * mediator domain (teemed_domain_destroy until TEEMED_OK) and its stage 2.
 * Returns 0, or -EIO if the domain would not go away (a teardown error).
 */
int machine_guest_destroy(struct machine *m, struct machine_guest *g);

uint16_t machine_guest_id(const struct machine_guest *g);
uint16_t machine_guest_client_id(const struct machine_guest *g);
uint32_t machine_guest_vcpus(const struct machine_guest *g);
struct stage2 *machine_guest_stage2(struct machine_guest *g);
struct sim_dom *machine_guest_dom(struct machine_guest *g);
struct teemed_domain *machine_guest_domain(struct machine_guest *g);
/* The env of vCPU `vcpu`, to run guest code on the calling thread. */
const struct guest_env *machine_guest_env(struct machine_guest *g, uint32_t vcpu);
/* Guest env counters (allocations, locks, SMCs) of this guest. */
const struct vcpu_guest *machine_guest_vcpu_state(const struct machine_guest *g);
/*
 * Called when the guest's OP-TEE notification interrupt is raised (it is
 * also counted as pending in the sim_dom, and delivered to the handler the
 * guest registered through its env). Runs on the raising thread, maybe
 * with the model's lock held: record and wake a vCPU, never issue an SMC.
 */
void machine_guest_set_irq_handler(struct machine_guest *g,
				   void (*fn)(void *arg, struct machine_guest *g), void *arg);

/* Run fn(env, arg) on vCPU `vcpu`'s thread, or on every vCPU's. */
int machine_guest_start(struct machine_guest *g, uint32_t vcpu, vcpu_fn fn, void *arg);
int machine_guest_start_all(struct machine_guest *g, vcpu_fn fn, void *arg);
/* Join every started vCPU; 0 if all returned 0, else the first non-zero result. */
int machine_guest_join(struct machine_guest *g);
/*
 * Mediated mode: OP-TEE notification interrupts raised by the secure world,
 * and taken by the machine's interrupt thread (each take is one
 * teemed_notif_irq call; raises that come before a take are coalesced).
 * Either pointer may be NULL. Both 0 in direct mode.
 */
void machine_irq_stats(struct machine *m, uint64_t *raised, uint64_t *taken);

/* The vCPU index of a guest_env given to a vCPU function. */
uint32_t machine_env_vcpu(const struct guest_env *env);

#endif /* TEEMED_SIM_MACHINE_MACHINE_H */
