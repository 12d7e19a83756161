/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared fixtures of the machine tests. */
#include "tests/machine/util.h"

#include <stdio.h>

struct phys *phys_with_guest_region(uint64_t guest_bytes)
{
	struct phys_config cfg;
	struct phys *p;

	phys_config_default(&cfg);
	cfg.region_bytes[PHYS_REGION_GUEST] = guest_bytes;
	cfg.region_bytes[PHYS_REGION_MEDIATOR] = SMALL_MEDIATOR_BYTES;
	cfg.region_bytes[PHYS_REGION_SECURE] = SMALL_OTHER_BYTES;
	cfg.region_bytes[PHYS_REGION_HYP] = SMALL_OTHER_BYTES;
	if (phys_create(&cfg, &p)) {
		fprintf(stderr, "phys_create failed\n");
		abort();
	}
	return p;
}

struct phys *small_phys(void)
{
	return phys_with_guest_region(SMALL_GUEST_BYTES);
}

void test_guest_init(struct test_guest *g, struct phys *p, uint16_t id, uint64_t ram_base,
		     uint64_t ram_size)
{
	if (stage2_create(p, id, ram_base, ram_size, 42, &g->s2)) {
		fprintf(stderr, "stage2_create failed\n");
		abort();
	}
	sim_dom_init(&g->dom, id, g->s2);
}

void test_guest_fini(struct test_guest *g)
{
	stage2_destroy(g->s2);
	g->s2 = NULL;
}
