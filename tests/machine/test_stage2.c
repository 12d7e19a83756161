/* SPDX-License-Identifier: BSD-2-Clause */
/* Stage 2: layout, run-time changes, pinned frames, 1 GiB, concurrency. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "sim/machine/rng.h"
#include "sim/machine/stage2.h"
#include "tests/machine/harness.h"
#include "tests/machine/util.h"

#define RAM_BASE S2_DEFAULT_RAM_BASE
#define RAM_SIZE (1ull << 20) /* 256 pages */
#define NPAGES   (RAM_SIZE / 4096)

static void layout_is_shuffled_and_owned(void)
{
	struct phys *p = small_phys();
	struct test_guest g;
	struct phys_frame_info info;
	uint64_t pa, prev = 0;
	unsigned i, adjacent = 0;

	test_guest_init(&g, p, 5, RAM_BASE, RAM_SIZE);
	CHECK_EQ(stage2_guest(g.s2), 5);
	CHECK_EQ(stage2_ram_base(g.s2), RAM_BASE);
	CHECK_EQ(stage2_ram_size(g.s2), RAM_SIZE);
	for (i = 0; i < NPAGES; i++) {
		CHECK_EQ(stage2_lookup(g.s2, RAM_BASE + i * 4096ull + 7, &pa), S2_RAM_RW);
		CHECK_EQ(phys_region_of(p, pa), PHYS_REGION_GUEST);
		CHECK_EQ(phys_frame_info(p, pa, &info), 0);
		CHECK_EQ(info.owner, PHYS_GUEST);
		CHECK_EQ(info.dom, 5);
		CHECK(stage2_guest_ptr(g.s2, RAM_BASE + i * 4096ull) == phys_ptr(p, pa));
		if (i && pa == prev + 4096)
			adjacent++;
		prev = pa;
	}
	/* Shuffled: consecutive IPAs are (almost) never consecutive PAs. */
	CHECK(adjacent < NPAGES / 16);
	/* Outside the window: unmapped. */
	CHECK_EQ(stage2_lookup(g.s2, RAM_BASE - 4096, &pa), S2_UNMAPPED);
	CHECK_EQ(stage2_lookup(g.s2, RAM_BASE + RAM_SIZE, &pa), S2_UNMAPPED);
	CHECK(stage2_guest_ptr(g.s2, RAM_BASE + RAM_SIZE) == NULL);
	test_guest_fini(&g);
	/* Every frame went back. */
	{
		struct phys_stats st;

		phys_stats(p, &st);
		CHECK_EQ(st.frames_free[PHYS_REGION_GUEST], SMALL_GUEST_BYTES / 4096);
	}
	phys_destroy(p);
}

static void same_seed_same_layout(void)
{
	struct phys *p1 = small_phys(), *p2 = small_phys();
	struct stage2 *a, *b, *c;
	uint64_t pa, pb, pc;
	unsigned i, same = 0, differ = 0;

	CHECK_EQ(stage2_create(p1, 1, RAM_BASE, RAM_SIZE, 7, &a), 0);
	CHECK_EQ(stage2_create(p2, 1, RAM_BASE, RAM_SIZE, 7, &b), 0);
	CHECK_EQ(stage2_create(p1, 2, RAM_BASE, RAM_SIZE, 7, &c), 0);
	for (i = 0; i < NPAGES; i++) {
		stage2_lookup(a, RAM_BASE + i * 4096ull, &pa);
		stage2_lookup(b, RAM_BASE + i * 4096ull, &pb);
		stage2_lookup(c, RAM_BASE + i * 4096ull, &pc);
		same += pa == pb;
		differ += (pc - pa) != RAM_SIZE; /* c's frames follow a's */
	}
	CHECK_EQ(same, NPAGES);
	CHECK(differ > NPAGES / 2);
	stage2_destroy(a);
	stage2_destroy(b);
	stage2_destroy(c);
	phys_destroy(p1);
	phys_destroy(p2);
}

static void bad_parameters(void)
{
	struct phys *p = small_phys();
	struct stage2 *s2;

	CHECK_EQ(stage2_create(p, 1, RAM_BASE + 1, RAM_SIZE, 1, &s2), -EINVAL);
	CHECK_EQ(stage2_create(p, 1, RAM_BASE, 100, 1, &s2), -EINVAL);
	CHECK_EQ(stage2_create(p, 1, RAM_BASE, 0, 1, &s2), -EINVAL);
	CHECK_EQ(stage2_create(p, 1, UINT64_MAX & ~0xfffull, 8192, 1, &s2), -EINVAL);
	CHECK_EQ(stage2_create(p, 1, RAM_BASE, SMALL_GUEST_BYTES + 4096, 1, &s2), -ENOMEM);
	phys_destroy(p);
}

static void unmap_remap_ro_mmio(void)
{
	struct phys *p = small_phys();
	struct test_guest g;
	struct phys_frame_info info;
	struct stage2_stats st;
	uint64_t ipa = RAM_BASE + 3 * 4096, pa, old, fresh;
	uint8_t *v;

	test_guest_init(&g, p, 1, RAM_BASE, RAM_SIZE);
	/* Unmap: the frame is freed, the page is gone. */
	stage2_lookup(g.s2, ipa, &old);
	CHECK_EQ(stage2_unmap(g.s2, ipa), 0);
	CHECK_EQ(stage2_lookup(g.s2, ipa, &pa), S2_UNMAPPED);
	CHECK(stage2_guest_ptr(g.s2, ipa) == NULL);
	CHECK_EQ(phys_frame_info(p, old, &info), 0);
	CHECK_EQ(info.owner, PHYS_FREE);
	CHECK_EQ(stage2_pin(g.s2, ipa, PHYS_PIN_READ, &pa), -EFAULT);
	/* Remap: a fresh, zeroed frame. */
	stage2_lookup(g.s2, ipa + 4096, &old);
	v = stage2_guest_ptr(g.s2, ipa + 4096);
	memset(v, 0x5a, 4096);
	CHECK_EQ(stage2_remap(g.s2, ipa + 4096, &fresh), 0);
	CHECK(fresh != old);
	CHECK_EQ(stage2_lookup(g.s2, ipa + 4096, &pa), S2_RAM_RW);
	CHECK_EQ(pa, fresh);
	CHECK_EQ(((uint8_t *)stage2_guest_ptr(g.s2, ipa + 4096))[100], 0);
	CHECK_EQ(phys_frame_info(p, old, &info), 0);
	CHECK_EQ(info.owner, PHYS_FREE);
	/* Remap of an unmapped IPA brings RAM back. */
	CHECK_EQ(stage2_remap(g.s2, ipa, NULL), 0);
	CHECK_EQ(stage2_lookup(g.s2, ipa, &pa), S2_RAM_RW);
	/* Read-only: readable by the guest, pinnable for read only. */
	CHECK_EQ(stage2_set_ro(g.s2, ipa, 1), 0);
	CHECK_EQ(stage2_lookup(g.s2, ipa, &pa), S2_RAM_RO);
	CHECK(stage2_guest_ptr(g.s2, ipa) != NULL);
	CHECK_EQ(stage2_pin(g.s2, ipa, PHYS_PIN_WRITE, &pa), -EACCES);
	CHECK_EQ(stage2_pin(g.s2, ipa, PHYS_PIN_READ, &pa), 0);
	CHECK_EQ(stage2_unpin(g.s2, pa, PHYS_PIN_READ), 0);
	CHECK_EQ(stage2_set_ro(g.s2, ipa, 0), 0);
	CHECK_EQ(stage2_pin(g.s2, ipa, PHYS_PIN_WRITE, &pa), 0);
	CHECK_EQ(stage2_unpin(g.s2, pa, PHYS_PIN_WRITE), 0);
	/* MMIO: no pointer, no pin; a device PA inside the arena is refused. */
	CHECK_EQ(stage2_map_mmio(g.s2, ipa, phys_base(p)), -EINVAL);
	CHECK_EQ(stage2_map_mmio(g.s2, ipa, S2_DEFAULT_MMIO_PA + 1), -EINVAL);
	CHECK_EQ(stage2_map_mmio(g.s2, ipa, S2_DEFAULT_MMIO_PA), 0);
	CHECK_EQ(stage2_lookup(g.s2, ipa, &pa), S2_MMIO);
	CHECK_EQ(pa, S2_DEFAULT_MMIO_PA);
	CHECK(stage2_guest_ptr(g.s2, ipa) == NULL);
	CHECK_EQ(stage2_pin(g.s2, ipa, PHYS_PIN_READ, &pa), -ENODEV);
	CHECK_EQ(stage2_set_ro(g.s2, ipa, 1), -EINVAL);
	/* Changes outside the window are refused. */
	CHECK_EQ(stage2_unmap(g.s2, RAM_BASE + RAM_SIZE), -EINVAL);
	CHECK_EQ(stage2_remap(g.s2, RAM_BASE - 4096, NULL), -EINVAL);
	/* Misaligned pin. */
	CHECK_EQ(stage2_pin(g.s2, RAM_BASE + 8, PHYS_PIN_READ, &pa), -EINVAL);
	stage2_stats(g.s2, &st);
	CHECK_EQ(st.unmaps, 1);
	CHECK_EQ(st.remaps, 2);
	CHECK_EQ(st.ro_changes, 2);
	CHECK_EQ(st.mmio_maps, 1);
	CHECK_EQ(st.pinned_releases, 0);
	test_guest_fini(&g);
	CHECK_EQ(phys_errors(p), 0);
	phys_destroy(p);
}

/* unmap, remap and mmio of a pinned page: the frame waits for its unpin. */
static void changes_keep_pinned_frames(void)
{
	struct phys *p = small_phys();
	struct test_guest g;
	struct phys_frame_info info;
	struct stage2_stats st;
	struct phys_stats ps0, ps;
	int k;

	test_guest_init(&g, p, 1, RAM_BASE, RAM_SIZE);
	for (k = 0; k < 3; k++) {
		uint64_t ipa = RAM_BASE + (uint64_t)k * 4096, pa;

		CHECK_EQ(stage2_pin(g.s2, ipa, PHYS_PIN_WRITE, &pa), 0);
		phys_stats(p, &ps0);
		if (k == 0)
			CHECK_EQ(stage2_unmap(g.s2, ipa), 0);
		else if (k == 1)
			CHECK_EQ(stage2_remap(g.s2, ipa, NULL), 0);
		else
			CHECK_EQ(stage2_map_mmio(g.s2, ipa, S2_DEFAULT_MMIO_PA), 0);
		CHECK_EQ(phys_frame_info(p, pa, &info), 0);
		CHECK_EQ(info.owner, PHYS_GUEST);
		CHECK_EQ(info.dom, 1);
		CHECK_EQ(info.wpins, 1);
		CHECK(info.released);
		phys_stats(p, &ps);
		/* Not back on the free list (remap took one frame from it). */
		CHECK_EQ(ps.frames_free[PHYS_REGION_GUEST] + (k == 1),
			 ps0.frames_free[PHYS_REGION_GUEST]);
		CHECK_EQ(stage2_unpin(g.s2, pa, PHYS_PIN_WRITE), 0);
		CHECK_EQ(phys_frame_info(p, pa, &info), 0);
		CHECK_EQ(info.owner, PHYS_FREE);
	}
	stage2_stats(g.s2, &st);
	CHECK_EQ(st.pinned_releases, 3);
	test_guest_fini(&g);
	phys_stats(p, &ps);
	CHECK_EQ(ps.errors, 0);
	CHECK_EQ(ps.frames_free[PHYS_REGION_GUEST], SMALL_GUEST_BYTES / 4096);
	phys_destroy(p);
}

static void destroy_with_pins_leaves_them_visible(void)
{
	struct phys *p = small_phys();
	struct test_guest g;
	struct phys_stats ps;
	uint64_t pa;

	test_guest_init(&g, p, 1, RAM_BASE, RAM_SIZE);
	CHECK_EQ(stage2_pin(g.s2, RAM_BASE, PHYS_PIN_READ, &pa), 0);
	test_guest_fini(&g);
	phys_stats(p, &ps);
	CHECK_EQ(ps.pins_live, 1);
	CHECK_EQ(ps.frames_released_pinned, 1);
	CHECK_EQ(ps.frames_free[PHYS_REGION_GUEST], SMALL_GUEST_BYTES / 4096 - 1);
	CHECK_EQ(phys_unpin(p, pa, 1, PHYS_PIN_READ), 0);
	phys_stats(p, &ps);
	CHECK_EQ(ps.frames_free[PHYS_REGION_GUEST], SMALL_GUEST_BYTES / 4096);
	CHECK_EQ(ps.errors, 0);
	phys_destroy(p);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A guest registering 1 GiB: the arena takes it, and pins are cheap enough. */
static void one_gib_guest(void)
{
	const uint64_t gib = 1ull << 30;
	struct phys *p = phys_with_guest_region(gib + RAM_SIZE);
	struct test_guest g;
	struct phys_stats ps;
	struct timespec t0;
	uint64_t i, pa, fails = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	test_guest_init(&g, p, 1, RAM_BASE, gib);
	for (i = 0; i < gib; i += 4096)
		fails += stage2_pin(g.s2, RAM_BASE + i, PHYS_PIN_WRITE, &pa) != 0;
	phys_stats(p, &ps);
	CHECK_EQ(ps.pins_live, gib / 4096);
	for (i = 0; i < gib; i += 4096) {
		stage2_lookup(g.s2, RAM_BASE + i, &pa);
		fails += stage2_unpin(g.s2, pa, PHYS_PIN_WRITE) != 0;
	}
	CHECK_EQ(fails, 0);
	test_guest_fini(&g);
	phys_stats(p, &ps);
	CHECK_EQ(ps.pins_live, 0);
	CHECK_EQ(ps.errors, 0);
	CHECK(seconds_since(&t0) < 10.0);
	phys_destroy(p);
}

struct churn {
	struct test_guest *g;
	atomic_int stop;
	int fails;
};

static void *pinner(void *arg)
{
	struct churn *c = arg;
	uint64_t rng = (uint64_t)(uintptr_t)&rng;
	int i;

	for (i = 0; i < 20000; i++) {
		uint64_t ipa = RAM_BASE + rng_below(&rng, NPAGES) * 4096, pa;

		if (stage2_pin(c->g->s2, ipa, PHYS_PIN_WRITE, &pa) == 0 &&
		    stage2_unpin(c->g->s2, pa, PHYS_PIN_WRITE) != 0)
			__atomic_add_fetch(&c->fails, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *changer(void *arg)
{
	struct churn *c = arg;
	uint64_t rng = 99;

	while (!atomic_load(&c->stop)) {
		uint64_t ipa = RAM_BASE + rng_below(&rng, NPAGES) * 4096;

		switch (rng_below(&rng, 3)) {
		case 0:
			stage2_unmap(c->g->s2, ipa);
			break;
		case 1:
			stage2_remap(c->g->s2, ipa, NULL);
			break;
		default:
			stage2_set_ro(c->g->s2, ipa, (int)rng_below(&rng, 2));
			break;
		}
	}
	return NULL;
}

/* Pins racing a balloon: no frame is ever lost, freed while pinned or leaked. */
static void pins_race_changes(void)
{
	struct phys *p = small_phys();
	struct test_guest g;
	struct churn c = { .g = &g };
	struct phys_stats ps;
	pthread_t t[3];
	int i;

	test_guest_init(&g, p, 1, RAM_BASE, RAM_SIZE);
	atomic_init(&c.stop, 0);
	pthread_create(&t[2], NULL, changer, &c);
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, pinner, &c);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	atomic_store(&c.stop, 1);
	pthread_join(t[2], NULL);
	CHECK_EQ(c.fails, 0);
	test_guest_fini(&g);
	phys_stats(p, &ps);
	CHECK_EQ(ps.pins_live, 0);
	CHECK_EQ(ps.errors, 0);
	CHECK_EQ(ps.frames_free[PHYS_REGION_GUEST], SMALL_GUEST_BYTES / 4096);
	phys_destroy(p);
}

void stage2_tests(void)
{
	RUN(layout_is_shuffled_and_owned);
	RUN(same_seed_same_layout);
	RUN(bad_parameters);
	RUN(unmap_remap_ro_mmio);
	RUN(changes_keep_pinned_frames);
	RUN(destroy_with_pins_leaves_them_visible);
	RUN(one_gib_guest);
	RUN(pins_race_changes);
}
