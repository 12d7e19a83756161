/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One run of the simulated machine: build it, create the guests and their
 * workloads (and the attacker), run them, collect every statistic, tear
 * everything down and keep the teardown report.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/sim_run.h"

/* How often the controlling thread looks at the clock and the progress. */
#define SIM_POLL_MS 100u

static uint32_t guest_vcpus(const struct sim_opts *o, uint32_t i)
{
	/* 2, 3, 4: the last two have more vCPUs than OP-TEE threads. */
	return o->vcpus ? o->vcpus : 2u + i % 3u;
}

/* Every third guest imitates an older Linux (no GET_THREAD_COUNT). */
static bool guest_legacy(uint32_t i)
{
	return i % 3u == 1u;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000u, (long)(ms % 1000u) * 1000000L };

	nanosleep(&ts, NULL);
}

static void progress_line(const struct sim_opts *o, struct sim_result *r, double elapsed,
			  uint64_t total)
{
	uint64_t done = 0;
	uint32_t i;

	for (i = 0; i < r->nguests; i++)
		done += wl_guest_progress(r->wl[i]);
	if (total)
		fprintf(stderr, "\r%s: %llu/%llu operations, %.1f s ",
			r->mode == MACHINE_DIRECT ? "direct" : "mediated",
			(unsigned long long)done, (unsigned long long)total, elapsed);
	else
		fprintf(stderr, "\r%s: %llu operations, %.1f/%.0f s ",
			r->mode == MACHINE_DIRECT ? "direct" : "mediated",
			(unsigned long long)done, elapsed, o->seconds);
	fflush(stderr);
}

/* Let the workloads run: until they finish, or until the time is up. */
static void supervise(const struct sim_opts *o, struct sim_result *r, uint64_t t0)
{
	uint64_t total = 0;
	uint32_t i;
	bool stopped = false;

	for (i = 0; i < r->nguests; i++)
		total += (uint64_t)o->wl.iterations * r->guest[i].wl.vcpus;
	for (;;) {
		double elapsed = (double)(wl_now_ns() - t0) / 1e9;
		uint64_t done = 0;

		for (i = 0; i < r->nguests; i++)
			done += wl_guest_progress(r->wl[i]);
		if (o->progress)
			progress_line(o, r, elapsed, total);
		if (o->seconds && elapsed >= o->seconds && !stopped) {
			for (i = 0; i < r->nguests; i++)
				wl_guest_stop(r->wl[i]);
			stopped = true;
		}
		if (stopped || (total && done >= total))
			break;
		sleep_ms(SIM_POLL_MS);
	}
	if (o->progress)
		fputc('\n', stderr);
}

static int build_machine(const struct sim_opts *o, enum machine_mode mode,
			 struct machine **m, uint64_t guest_bytes)
{
	struct machine_config cfg;

	machine_config_default(&cfg, mode);
	cfg.seed = o->wl.seed;
	cfg.model.seed = o->wl.seed;
	cfg.model.num_threads = SIM_THREADS_PER_GUEST;
	/* Every guest and the attacker get an OP-TEE partition. */
	cfg.model.max_guests = SIM_MAX_GUESTS + 1;
	cfg.phys.region_bytes[PHYS_REGION_GUEST] = guest_bytes;
	cfg.verbose = o->verbose;
	if (o->trace)
		sim_trace_install(&cfg, stdout);
	if (machine_create(&cfg, m))
		return -1;
	if (o->trace)
		sim_trace_set_machine(*m);
	return 0;
}

void sim_run(const struct sim_opts *o, enum machine_mode mode, struct sim_result *r)
{
	struct machine_guest *mg[SIM_MAX_GUESTS + 1] = { 0 };
	bool hostile = o->hostile && mode == MACHINE_MEDIATED;
	struct machine_guest_config gc;
	struct hostile *h = NULL;
	struct hostile_config hc;
	struct machine *m = NULL;
	uint64_t bytes = 0, t0;
	uint32_t i;

	memset(r, 0, sizeof(*r));
	r->mode = mode;
	r->nguests = o->guests;
	for (i = 0; i < o->guests; i++)
		bytes += wl_guest_ram(&o->wl, guest_vcpus(o, i));
	if (hostile)
		bytes += HOSTILE_RAM;
	if (build_machine(o, mode, &m, bytes)) {
		fprintf(stderr, "teemed-sim: the machine could not be built\n");
		r->setup_error = 1;
		return;
	}
	t0 = wl_now_ns();
	for (i = 0; i < o->guests; i++) {
		machine_guest_config_default(&gc);
		gc.vcpus = guest_vcpus(o, i);
		gc.ram_size = wl_guest_ram(&o->wl, gc.vcpus);
		if (!machine_guest_create(m, &gc, &mg[i]) && o->trace)
			sim_trace_add_guest(mg[i]);
		if (!mg[i] || wl_guest_create(m, mg[i], i, &o->wl, guest_legacy(i), &r->wl[i])) {
			fprintf(stderr, "teemed-sim: guest %u could not be set up\n", i);
			r->setup_error = 1;
			goto teardown;
		}
		r->guest[i].wl.vcpus = gc.vcpus;
	}
	if (hostile) {
		machine_guest_config_default(&gc);
		gc.vcpus = HOSTILE_VCPUS;
		gc.ram_size = HOSTILE_RAM;
		hc.seed = o->wl.seed;
		hc.rounds = 0;
		hc.verbose = o->verbose;
		if (!machine_guest_create(m, &gc, &mg[o->guests]) && o->trace)
			sim_trace_add_guest(mg[o->guests]);
		if (!mg[o->guests] || hostile_create(m, mg[o->guests], mg, o->guests, &hc, &h)) {
			fprintf(stderr, "teemed-sim: the hostile guest could not be set up\n");
			r->setup_error = 1;
			goto teardown;
		}
		r->hostile = true;
	}
	for (i = 0; i < o->guests; i++)
		if (wl_guest_start(r->wl[i]))
			r->setup_error = 1;
	if (h && hostile_start(h))
		r->setup_error = 1;
	if (!r->setup_error)
		supervise(o, r, t0);
	for (i = 0; i < o->guests; i++)
		wl_guest_join(r->wl[i]);
	if (h) {
		hostile_stop(h);
		hostile_join(h);
		hostile_get_summary(h, &r->hs);
	}
	r->seconds = (double)(wl_now_ns() - t0) / 1e9;

teardown:
	for (i = 0; i < o->guests; i++) {
		if (!r->wl[i])
			continue;
		wl_guest_summary(r->wl[i], &r->guest[i].wl);
		if (wl_guest_driver(r->wl[i]))
			gdrv_get_stats(wl_guest_driver(r->wl[i]), &r->guest[i].drv);
		wl_guest_shutdown(r->wl[i]);
	}
	hostile_destroy(h);
	/* The mediator's view of each guest, then of all, before it goes away. */
	for (i = 0; i <= o->guests; i++) {
		if (mg[i] && machine_guest_domain(mg[i]) && i < o->guests) {
			teemed_domain_stats(machine_mediator(m), machine_guest_domain(mg[i]),
					    &r->guest[i].dom);
			r->guest[i].has_domain = true;
		}
		if (mg[i] && o->trace)
			sim_trace_remove_guest(mg[i]);
		if (mg[i])
			machine_guest_destroy(m, mg[i]);
	}
	if (machine_mediator(m)) {
		r->has_mediator = true;
		teemed_get_info(machine_mediator(m), &r->info);
		teemed_stats(machine_mediator(m), &r->total);
	}
	oracle_stats(machine_oracle(m), &r->oracle);
	machine_destroy(m, &r->rep);
	if (o->trace)
		sim_trace_set_machine(NULL);
	if (r->seconds == 0)
		r->seconds = (double)(wl_now_ns() - t0) / 1e9;
}

void sim_result_free(struct sim_result *r)
{
	uint32_t i;

	for (i = 0; i < SIM_MAX_GUESTS; i++) {
		wl_guest_free(r->wl[i]);
		r->wl[i] = NULL;
	}
}

uint64_t sim_violations(const struct sim_result *r)
{
	return r->rep.violations + r->rep.map_violations;
}

uint64_t sim_leaked_pins(const struct sim_result *r)
{
	return r->rep.pins;
}

uint64_t sim_leaked_allocs(const struct sim_result *r)
{
	return r->rep.allocs + r->rep.pages + r->rep.locks + r->rep.maps + r->rep.model_allocs;
}

bool sim_result_ok(const struct sim_result *r)
{
	uint32_t i;

	if (r->setup_error || r->rep.errors_total || r->rep.held_total)
		return false;
	for (i = 0; i < r->nguests; i++)
		if (r->guest[i].wl.wrong)
			return false;
	return !r->hostile || r->hs.deviations == 0;
}
