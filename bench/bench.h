/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teemed-bench: the mediator's cost per call, per page, with scale, and its
 * memory (docs/performance.md).
 *
 * Two harnesses:
 * - bench_sim.c: the simulated machine, mediated and direct, with the real
 *   guest driver (sim/guest) and the OP-TEE model (sim/optee). Every
 *   operation of the table runs there, in both modes.
 * - bench_mini.c: the core alone on a minimal port and a minimal secure world
 *   (answers at once, reads nothing), for the scaling runs: 1024 domains is
 *   more than the machine's guest table and the model's partitions hold, and
 *   only the mediator's share is of interest there.
 *
 * Instruction counts: the same binary runs under callgrind with --instr;
 * each measured stretch is bracketed by bench_mark_begin() /
 * bench_mark_end(label, reps) (a callgrind zero and dump), and
 * bench/cg_attr.py attributes every dump's instructions to the mediator core
 * (see docs/performance.md, "Method").
 */
#ifndef TEEMED_BENCH_BENCH_H
#define TEEMED_BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* How the run was asked for (bench_main.c). */
struct bench_opts {
	bool instr;      /* under callgrind: mark stretches, no timing */
	bool quick;      /* shorter timing batches (smoke runs) */
	bool no_big;     /* skip the 64 MiB and 1 GiB registrations */
	const char *only; /* run only operations/scenarios whose name contains this */
};

extern struct bench_opts bench_opts;

/* Monotonic nanoseconds. */
uint64_t bench_now_ns(void);

/* Callgrind markers (no-ops when not running under valgrind). */
void bench_mark_begin(void);
/* `reps` operations of `pages` translated pages each were run since begin. */
void bench_mark_end(const char *label, uint64_t reps, uint64_t pages);

/*
 * Time several operations against each other: each case's fn(arg) is one
 * operation. Warm-up, then `batches` rounds in which every case runs one
 * batch of at least `batch_ms` (at most `max_reps` operations, 0: no
 * bound), the cases alternating so that drift (frequency, noisy neighbours)
 * hits them alike; each case's result is the time per operation of its
 * best batch, in ns (interference only ever adds time).
 */
#define BENCH_MAX_CASES 8

struct bench_case {
	void (*fn)(void *arg);
	void *arg;
	double ns; /* out */
	/*
	 * Optional: called once after the warm-up, before the first timed
	 * batch, and once after the last (e.g. to take driver statistics over
	 * exactly the timed repetitions).
	 */
	void (*begin)(void *arg);
	void (*end)(void *arg);
	uint64_t reps; /* out: operations timed (all batches, no warm-up) */
};

void bench_time_n(unsigned n, struct bench_case *cases, double batch_ms, unsigned batches,
		  uint64_t max_reps);

/* Abort the run with a message: a benchmark that measures a failing path lies. */
#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 1, 2)))
#endif
void bench_die(const char *fmt, ...);

/* Results the harnesses hand back to the report (bench_main.c). */
struct bench_row {
	const char *name;        /* short name, used in figure lines */
	const char *label;       /* the table's description */
	double med_ns;           /* per operation, mediated */
	double dir_ns;           /* per operation, direct (0: not measured) */
	uint64_t pages;          /* pages translated per operation */
};

#define BENCH_MAX_ROWS 32

/*
 * Guest SMCs per operation (driver statistics over the timed repetitions):
 * what the newer calls save. Variants: the modern driver, the legacy one
 * (SHM cache enabled, as Linux does), the legacy one with the SHM cache
 * disabled (OP-TEE allocates and frees its RPC argument around each call).
 */
#define BENCH_SMC_OPS 4
#define BENCH_SMC_VARIANTS 3
#define BENCH_V_MODERN 0
#define BENCH_V_LEGACY 1
#define BENCH_V_NOCACHE 2

struct bench_smcs {
	const char *name;        /* operation name, as in the figure lines */
	const char *label;
	bool have[BENCH_SMC_VARIANTS];
	double smcs[BENCH_SMC_VARIANTS];     /* per operation, mediated */
	double smcs_dir[BENCH_SMC_VARIANTS]; /* per operation, direct */
	double rpc_alloc[BENCH_SMC_VARIANTS], rpc_free[BENCH_SMC_VARIANTS],
	       rpc_cmd[BENCH_SMC_VARIANTS], rpc_other[BENCH_SMC_VARIANTS];
	uint64_t reps[BENCH_SMC_VARIANTS];   /* mediated operations counted */
};

struct bench_report {
	struct bench_row rows[BENCH_MAX_ROWS];
	unsigned nrows;
	/* Scaling (mini harness): per-call ns per case. */
	double dom_rr_ns[4], dom_hot_ns[4];  /* 1, 16, 256, 1024 domains */
	double buf_ns[3];                    /* 1, 64, 4096 buffers */
	double slots_free_ns, slots_busy_ns, slots_limit_ns;
	uint32_t slots_threads;
	/* Memory (sim port counters), bytes. */
	double mem_domain_fresh, mem_domain_used, mem_call_first, mem_call_inflight,
	       mem_call_inflight_tmem, mem_page_1g, mem_buf_4k;
	uint32_t mem_threads;
	bool have_mem, have_scale;
	struct bench_smcs smcs[BENCH_SMC_OPS];
	unsigned nsmcs;
};

/* bench_sim.c: the operation table (both modes) and the memory figures. */
void bench_sim_run(struct bench_report *rep);
/* bench_mini.c: the scaling runs. */
void bench_mini_run(struct bench_report *rep);

#endif /* TEEMED_BENCH_BENCH_H */
