/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teemed-sim: the simulated machine with its guests, what `make demo` runs.
 *
 * Default: three well-behaved guests (2, 3 and 4 vCPUs, one of them an
 * older driver) and one hostile guest, all through the mediator to the
 * OP-TEE model, the isolation oracle watching every secure-world access.
 * Then teardown, a summary per guest and for the mediator, and the verdict:
 * isolation violations, leaked pins, leaked allocations, all zero or the
 * exit status is 1. See --help.
 */
#include <stdlib.h>
#include <string.h>

#include "tools/sim_run.h"

/* mk/sim.mk defines TEEMED_SIM_SCENARIO when it links the scenario library. */
#if defined(TEEMED_SIM_SCENARIO) && __has_include("sim/scenario/scenario.h")
#include "sim/scenario/scenario.h"
#define SIM_HAVE_SCENARIO 1
#endif

/* Differences printed by --diff; the rest are counted. */
#define SIM_DIFF_PRINTED 20u

static int run_scenario(const struct sim_opts *o)
{
#ifdef SIM_HAVE_SCENARIO
	struct scenario_opts so;
	int rc;

	scenario_opts_default(&so);
	so.seed = o->wl.seed;
	so.trace = o->trace;
	so.verbose = o->verbose;
	rc = scenario_run_file(&so, o->scenario, stdout);
	return rc == 0 ? 0 : rc == 1 ? 1 : 2;
#else
	(void)o;
	fprintf(stderr, "teemed-sim: scenario support not built\n");
	return 2;
#endif
}

static void verdict(const struct sim_result *r, FILE *out)
{
	fprintf(out, "result: %s\n", sim_result_ok(r) ? "PASS" : "FAIL");
}

static int run_one(const struct sim_opts *o, enum machine_mode mode)
{
	struct sim_result *r = calloc(1, sizeof(*r));
	int ok;

	if (!r)
		return 1;
	sim_run(o, mode, r);
	if (o->json) {
		sim_report_json(o, r, stdout);
		putchar('\n');
	} else {
		sim_report_text(o, r, stdout);
		verdict(r, stdout);
	}
	ok = sim_result_ok(r);
	sim_result_free(r);
	free(r);
	return ok ? 0 : 1;
}

/* The same workload without and with the mediator, compared call by call. */
static int run_diff(const struct sim_opts *o)
{
	struct sim_result *d = calloc(1, sizeof(*d)), *m = calloc(1, sizeof(*m));
	FILE *out = o->json ? stderr : stdout;
	uint64_t diffs = 0;
	size_t n = 0;
	uint64_t dropped;
	int ok = 0;

	if (!d || !m)
		goto out;
	sim_run(o, MACHINE_DIRECT, d);
	sim_run(o, MACHINE_MEDIATED, m);
	if (!o->json) {
		sim_report_text(o, d, stdout);
		verdict(d, stdout);
		sim_report_text(o, m, stdout);
		verdict(m, stdout);
	}
	if (d->wl[0] && m->wl[0]) {
		uint32_t v;

		diffs = wl_diff(d->wl[0], "direct", m->wl[0], "mediated", out, SIM_DIFF_PRINTED);
		for (v = 0; v < d->guest[0].wl.vcpus; v++) {
			size_t k;

			wl_guest_records(d->wl[0], v, &k, &dropped);
			n += k;
		}
	} else {
		diffs = 1;
	}
	if (o->json) {
		printf("{\"direct\":");
		sim_report_json(o, d, stdout);
		printf(",\"mediated\":");
		sim_report_json(o, m, stdout);
		printf(",\"diff\":{\"records\":%zu,\"differences\":%llu}}\n", n,
		       (unsigned long long)diffs);
	} else {
		printf("diff: %zu records compared, %llu differences\n", n,
		       (unsigned long long)diffs);
	}
	ok = !diffs && sim_result_ok(d) && sim_result_ok(m);
	if (!o->json)
		printf("result: %s\n", ok ? "PASS" : "FAIL");
out:
	if (d)
		sim_result_free(d);
	if (m)
		sim_result_free(m);
	free(d);
	free(m);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sim_opts o;
	int rc;

	sim_opts_default(&o);
	rc = sim_opts_parse(&o, argc, argv);
	if (rc)
		return rc > 0 ? 0 : 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (o.scenario)
		return run_scenario(&o);
	if (o.diff)
		return run_diff(&o);
	return run_one(&o, o.direct ? MACHINE_DIRECT : MACHINE_MEDIATED);
}
