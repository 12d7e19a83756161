/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared fixtures of the machine tests. */
#ifndef TEEMED_TESTS_MACHINE_UTIL_H
#define TEEMED_TESTS_MACHINE_UTIL_H

#include <stdint.h>
#include <stdlib.h>

#include "sim/machine/phys.h"
#include "sim/machine/port_sim.h"
#include "sim/machine/stage2.h"

/* A small arena: 4 MiB of guest RAM, 1 MiB of mediator pages. */
#define SMALL_GUEST_BYTES    (4ull << 20)
#define SMALL_MEDIATOR_BYTES (1ull << 20)
#define SMALL_OTHER_BYTES    (64ull << 10)

struct phys *small_phys(void);
/* A phys with `guest_bytes` of guest region (the 1 GiB test). */
struct phys *phys_with_guest_region(uint64_t guest_bytes);

/* A guest with its stage 2 and sim_dom, without a machine. */
struct test_guest {
	struct stage2 *s2;
	struct sim_dom dom;
};
void test_guest_init(struct test_guest *g, struct phys *p, uint16_t id, uint64_t ram_base,
		     uint64_t ram_size);
void test_guest_fini(struct test_guest *g);

#endif /* TEEMED_TESTS_MACHINE_UTIL_H */
