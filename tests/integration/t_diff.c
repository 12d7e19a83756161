/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The mediator must be invisible: the same seeded workload run straight to
 * OP-TEE and through the mediator gives the same result for every call.
 * And a hostile guest attacking beside a well-behaved one gets exactly the
 * answers docs/errors.md promises, while the oracle sees nothing.
 */
#include <string.h>

#include "sim/workload/hostile.h"
#include "tests/integration/itest.h"

#define DIFF_SEED 7u
#define DIFF_ITERATIONS 40u
#define DIFF_VCPUS 2u

static void diff_config(struct wl_config *wc)
{
	wl_config_default(wc);
	wc->seed = DIFF_SEED;
	wc->iterations = DIFF_ITERATIONS;
	wc->temp_max = 2u << 20;
	wc->large_max = 8u << 20;
	wc->keep_records = true;
}

/* Run the workload once; the guest object (with its records) is returned. */
static struct wl_guest *run_workload(enum machine_mode mode, const struct wl_config *wc)
{
	struct machine_guest_config gc;
	struct machine_report rep;
	struct machine_config mc;
	struct wl_guest_summary sum;
	struct machine_guest *g = NULL;
	struct wl_guest *wg = NULL;
	struct machine *m = NULL;

	machine_config_default(&mc, mode);
	mc.seed = DIFF_SEED;
	mc.phys.region_bytes[PHYS_REGION_GUEST] = wl_guest_ram(wc, DIFF_VCPUS);
	machine_guest_config_default(&gc);
	gc.vcpus = DIFF_VCPUS;
	gc.ram_size = wl_guest_ram(wc, DIFF_VCPUS);
	CHECK_EQ(machine_create(&mc, &m), 0);
	if (!m)
		return NULL;
	CHECK_EQ(machine_guest_create(m, &gc, &g), 0);
	if (g)
		CHECK_EQ(wl_guest_create(m, g, 0, wc, false, &wg), 0);
	if (wg) {
		CHECK_EQ(wl_guest_start(wg), 0);
		CHECK_EQ(wl_guest_join(wg), 0);
		wl_guest_summary(wg, &sum);
		CHECK_EQ(sum.wrong, 0);
		CHECK_EQ(sum.local_errors, 0);
		wl_guest_shutdown(wg);
	}
	machine_destroy(m, &rep);
	it_check_clean(&rep);
	return wg;
}

static void direct_and_mediated_agree(void)
{
	struct wl_guest *direct, *mediated;
	struct wl_config wc;
	uint64_t dropped;
	size_t n;

	diff_config(&wc);
	direct = run_workload(MACHINE_DIRECT, &wc);
	mediated = run_workload(MACHINE_MEDIATED, &wc);
	if (direct && mediated) {
		wl_guest_records(direct, 0, &n, &dropped);
		CHECK(n >= DIFF_ITERATIONS);
		CHECK_EQ(dropped, 0);
		CHECK_EQ(wl_diff(direct, "direct", mediated, "mediated", stdout, 10), 0);
	}
	wl_guest_free(direct);
	wl_guest_free(mediated);
}

/* The comparison itself must see a difference when there is one. */
static void diff_detects_a_difference(void)
{
	struct wl_guest *a, *b;
	struct wl_config wc;

	diff_config(&wc);
	wc.iterations = 10;
	a = run_workload(MACHINE_DIRECT, &wc);
	wc.seed = DIFF_SEED + 1;
	b = run_workload(MACHINE_DIRECT, &wc);
	if (a && b)
		CHECK(wl_diff(a, "seed 7", b, "seed 8", stdout, 0) > 0);
	wl_guest_free(a);
	wl_guest_free(b);
}

static void hostile_beside_a_workload(void)
{
	struct machine_guest *g[2] = { 0 };
	struct machine_guest_config gc;
	struct wl_guest_summary sum;
	struct hostile_summary hs;
	struct hostile_config hc = { DIFF_SEED, 3, false };
	struct machine_report rep;
	struct machine_config mc;
	struct hostile *h = NULL;
	struct wl_guest *wg = NULL;
	struct machine *m = NULL;
	struct wl_config wc;
	int a;

	diff_config(&wc);
	wc.keep_records = false;
	machine_config_default(&mc, MACHINE_MEDIATED);
	mc.phys.region_bytes[PHYS_REGION_GUEST] = wl_guest_ram(&wc, DIFF_VCPUS) + HOSTILE_RAM;
	CHECK_EQ(machine_create(&mc, &m), 0);
	if (!m)
		return;
	machine_guest_config_default(&gc);
	gc.vcpus = DIFF_VCPUS;
	gc.ram_size = wl_guest_ram(&wc, DIFF_VCPUS);
	CHECK_EQ(machine_guest_create(m, &gc, &g[0]), 0);
	gc.vcpus = HOSTILE_VCPUS;
	gc.ram_size = HOSTILE_RAM;
	CHECK_EQ(machine_guest_create(m, &gc, &g[1]), 0);
	if (g[0] && g[1]) {
		CHECK_EQ(wl_guest_create(m, g[0], 0, &wc, false, &wg), 0);
		CHECK_EQ(hostile_create(m, g[1], g, 1, &hc, &h), 0);
	}
	if (wg && h) {
		CHECK_EQ(wl_guest_start(wg), 0);
		CHECK_EQ(hostile_start(h), 0);
		CHECK_EQ(wl_guest_join(wg), 0);
		CHECK_EQ(hostile_join(h), 0);
		hostile_get_summary(h, &hs);
		wl_guest_summary(wg, &sum);
		CHECK_EQ(hs.rounds, 3);
		CHECK_EQ(hs.deviations, 0);
		/* Every attack in every round (the capabilities once more at set-up). */
		for (a = 0; a < HA_COUNT; a++)
			CHECK(hs.tries[a] >= 3);
		CHECK_EQ(sum.wrong, 0);
	}
	if (wg)
		wl_guest_shutdown(wg);
	hostile_destroy(h);
	machine_destroy(m, &rep);
	it_check_clean(&rep);
	wl_guest_free(wg);
}

void diff_tests(void)
{
	RUN(direct_and_mediated_agree);
	RUN(diff_detects_a_difference);
	RUN(hostile_beside_a_workload);
}
