/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A hostile guest: attacks the mediator with raw SMCs (sim/guest/raw.h) and
 * with changes to its own stage 2, for as long as the other guests run.
 *
 * It knows the machine's physical layout (the phys API) and the PAs behind
 * the victims' IPAs, and tries to make the secure world touch them: argument
 * addresses, page lists and next pointers into other guests and into the
 * mediator's pages, MMIO, read-only and unmapped pages, unaligned entries,
 * looping lists, guessed cookies, resumes of threads that are not its own,
 * rewrites of its argument while the call is in flight (from its other
 * vCPU) and balloon-style remaps while calls hold its pages.
 *
 * Every attack asserts the exact answer docs/errors.md promises (a0, or
 * ret and ret_origin); any other answer is a deviation, counted per attack
 * and printed (the first few). The isolation oracle must see nothing.
 *
 * vCPU 0 runs the rounds; vCPU 1 is the helper that acts while vCPU 0's
 * call is in flight. The guest needs 2 vCPUs and HOSTILE_RAM of RAM, and
 * uses no driver probe: it makes every call itself, RPCs included.
 */
#ifndef TEEMED_SIM_WORKLOAD_HOSTILE_H
#define TEEMED_SIM_WORKLOAD_HOSTILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/machine/machine.h"

/* Room for the largest attack buffer (24 MiB, past one work budget) and more. */
#define HOSTILE_RAM (64ull << 20)
#define HOSTILE_VCPUS 2u
/* Deviations printed; later ones are only counted. */
#define HOSTILE_PRINTED 10u

enum hostile_attack {
	HA_FAST_FORBIDDEN = 0,
	HA_FAST_CAPS,
	HA_ARG_ADDR,
	HA_ARG_NUM_PARAMS,
	HA_ARG_READONLY,
	HA_BAD_CMD,
	HA_BAD_PARAMS,
	HA_PAGELIST_FOREIGN,
	HA_PAGELIST_MALFORMED,
	HA_PAGELIST_READONLY,
	HA_PAGELIST_LOOP,
	HA_RMEM_GUESS,
	HA_SHM_REGISTER,
	HA_RESUME_FOREIGN,
	HA_RESUME_OTHER_VCPU,
	HA_REWRITE_IN_FLIGHT,
	HA_SCRIBBLE_RACE,
	HA_BALLOON_ARG,
	HA_BALLOON_SHM,
	HA_BALLOON_PREEMPTED,
	HA_COUNT,
};

const char *hostile_attack_name(enum hostile_attack a);

struct hostile_config {
	uint64_t seed;
	uint32_t rounds;   /* 0: until hostile_stop() */
	bool verbose;      /* print every deviation */
};

struct hostile_summary {
	uint64_t rounds;
	uint64_t smcs;
	uint64_t checks, deviations;
	uint64_t tries[HA_COUNT];
	uint64_t failed[HA_COUNT];
};

struct hostile;

/*
 * Set up the attacker on guest `g` (mediated mode, HOSTILE_VCPUS vCPUs),
 * knowing the victims' guests. Returns 0 or a negative error.
 */
int hostile_create(struct machine *m, struct machine_guest *g,
		   struct machine_guest *const *victims, uint32_t nvictims,
		   const struct hostile_config *cfg, struct hostile **out);
int hostile_start(struct hostile *h);
void hostile_stop(struct hostile *h);
/* Wait for both vCPUs. 0 if no attack deviated. */
int hostile_join(struct hostile *h);
void hostile_get_summary(struct hostile *h, struct hostile_summary *out);
/* Release its pages and private memory: before the machine is torn down. */
void hostile_destroy(struct hostile *h);

#endif /* TEEMED_SIM_WORKLOAD_HOSTILE_H */
