/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teemed-sim's parts: options (sim_opts.c), one run of the machine with its
 * workloads (sim_run.c), the summary (sim_report.c) and the SMC trace
 * (sim_trace.c).
 */
#ifndef TEEMED_TOOLS_SIM_RUN_H
#define TEEMED_TOOLS_SIM_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/guest/driver.h"
#include "sim/machine/machine.h"
#include "sim/workload/hostile.h"
#include "sim/workload/wl.h"

/* Well-behaved guests at most: the model's partitions are a fixed table. */
#define SIM_MAX_GUESTS 16u
/* vCPUs per guest at most: each is a host thread on a 2-core machine. */
#define SIM_MAX_VCPUS 8u
/*
 * OP-TEE threads per guest (CFG_NUM_THREADS): the default 2, so that
 * guests of 3 or 4 vCPUs contend for them (ETHREAD_LIMIT).
 */
#define SIM_THREADS_PER_GUEST 2u

struct sim_opts {
	uint32_t guests;      /* well-behaved guests */
	uint32_t vcpus;       /* per guest; 0: 2, 3, 4, 2, ... */
	double seconds;       /* run time instead of iterations (0: iterations) */
	bool hostile;
	bool direct;          /* one guest, no mediator */
	bool diff;            /* direct and mediated, compared */
	bool trace;
	bool json;
	bool progress;        /* progress line on stderr (a terminal) */
	bool verbose;
	const char *scenario;
	struct wl_config wl;  /* seed, iterations, mix */
};

void sim_opts_default(struct sim_opts *o);
/* 0: run; 1: exit 0 (help printed); -1: usage error (printed). */
int sim_opts_parse(struct sim_opts *o, int argc, char **argv);

struct sim_guest_result {
	struct wl_guest_summary wl;
	struct gdrv_stats drv;
	bool has_domain;
	struct teemed_stats dom;  /* the mediator's view of this guest */
};

struct sim_result {
	enum machine_mode mode;
	uint32_t nguests;
	struct sim_guest_result guest[SIM_MAX_GUESTS];
	bool hostile;
	struct hostile_summary hs;
	bool has_mediator;
	struct teemed_info info;
	struct teemed_stats total;
	struct oracle_stats oracle;
	struct machine_report rep;
	int setup_error;         /* non-zero: the run could not be set up */
	double seconds;
	/* Kept for --diff (freed by sim_result_free). */
	struct wl_guest *wl[SIM_MAX_GUESTS];
};

/* Run the machine once in `mode` as the options say. */
void sim_run(const struct sim_opts *o, enum machine_mode mode, struct sim_result *res);
void sim_result_free(struct sim_result *res);

/* The three verdict numbers (after teardown). */
uint64_t sim_violations(const struct sim_result *r);
uint64_t sim_leaked_pins(const struct sim_result *r);
uint64_t sim_leaked_allocs(const struct sim_result *r);
/* Everything that makes the run fail. */
bool sim_result_ok(const struct sim_result *r);

void sim_report_text(const struct sim_opts *o, const struct sim_result *r, FILE *out);
void sim_report_json(const struct sim_opts *o, const struct sim_result *r, FILE *out);

/* --trace: every guest SMC and every mediator SMC, decoded. */
void sim_trace_install(struct machine_config *cfg, FILE *out);
/* The machine whose memory the trace reads (NULL after teardown). */
void sim_trace_set_machine(struct machine *m);
/* Guests whose arguments the trace may read by IPA. */
void sim_trace_add_guest(struct machine_guest *g);
void sim_trace_remove_guest(struct machine_guest *g);

#endif /* TEEMED_TOOLS_SIM_RUN_H */
