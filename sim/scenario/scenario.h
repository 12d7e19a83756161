/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Scenario files: a line-oriented text format that describes guests and a
 * sequence of actions on the simulated machine (raw SMCs with chosen
 * registers, raw guest-memory writes, stage-2 changes, client-API calls,
 * domain destruction) with expectations and assertions. The format is
 * documented in docs/scenarios.md.
 *
 * Host code (libc, pthreads). Every run builds its own machine
 * (sim/machine) in mediated mode, so runs are independent.
 */
#ifndef TEEMED_SIM_SCENARIO_SCENARIO_H
#define TEEMED_SIM_SCENARIO_SCENARIO_H

#include <stdint.h>
#include <stdio.h>

struct scenario_opts {
	uint64_t seed;  /* stage-2 shuffle and model seed; 0: 1 (a `config seed=` wins) */
	int trace;      /* print every guest SMC (registers in and out) */
	int verbose;    /* print passing checks too, and the machine report */
};

/* What one run counted: checks passed and failed (errors count as failed). */
struct scenario_counts {
	unsigned passed;
	unsigned failed;
};

void scenario_opts_default(struct scenario_opts *opts);

/*
 * Parse and run the scenario in `path`, writing one line per failed check
 * (every check with opts->verbose) and a last line
 * "scenario PATH: N passed, M failed" to `out`. Returns 0 when every check
 * passed, 1 when one failed, 2 when the file could not be read or parsed
 * (nothing was run). `counts` (may be NULL) receives the tallies.
 */
int scenario_run_file_counts(const struct scenario_opts *opts, const char *path, FILE *out,
			     struct scenario_counts *counts);
int scenario_run_file(const struct scenario_opts *opts, const char *path, FILE *out);

#endif /* TEEMED_SIM_SCENARIO_SCENARIO_H */
