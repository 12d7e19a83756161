/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teemed-bench: see bench.h and docs/performance.md.
 *
 *   teemed-bench            time every operation mediated and direct, the
 *                           scaling runs and the memory figures; one report
 *   teemed-bench --instr    (under callgrind, from bench/run-instr.sh) run
 *                           the same operations with marked stretches and
 *                           no timing; bench/cg_attr.py makes the report
 * Options: --quick (short batches), --no-big (no 64 MiB / 1 GiB
 * registrations), --only SUBSTRING (operations or scale:... scenarios).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_HAVE_CALLGRIND 1
#endif
#endif

struct bench_opts bench_opts;

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

void bench_mark_begin(void)
{
#ifdef BENCH_HAVE_CALLGRIND
	CALLGRIND_ZERO_STATS;
#endif
}

void bench_mark_end(const char *label, uint64_t reps, uint64_t pages)
{
#ifdef BENCH_HAVE_CALLGRIND
	char s[160];

	/* cg_attr.py reads "bench:<label>:<reps>:<pages>" from the dump's trigger. */
	snprintf(s, sizeof(s), "bench:%s:%llu:%llu", label, (unsigned long long)reps,
		 (unsigned long long)pages);
	CALLGRIND_DUMP_STATS_AT(s);
#else
	(void)label;
	(void)reps;
	(void)pages;
	if (bench_opts.instr)
		bench_die("built without valgrind/callgrind.h: --instr cannot mark");
#endif
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define MAX_BATCHES 25

void bench_time_n(unsigned n, struct bench_case *cases, double batch_ms, unsigned batches,
		  uint64_t max_reps)
{
	double per[BENCH_MAX_CASES][MAX_BATCHES];
	uint64_t reps[BENCH_MAX_CASES];
	uint64_t t0, i;
	unsigned b, k;
	double one;

	if (n > BENCH_MAX_CASES)
		bench_die("bench_time_n: too many cases");
	if (batches > MAX_BATCHES)
		batches = MAX_BATCHES;
	for (k = 0; k < n; k++) {
		t0 = bench_now_ns();
		cases[k].fn(cases[k].arg); /* warm-up, and a first estimate */
		one = (double)(bench_now_ns() - t0);
		if (one < 1e6) {
			t0 = bench_now_ns();
			for (i = 0; i < 32; i++)
				cases[k].fn(cases[k].arg);
			one = (double)(bench_now_ns() - t0) / 32;
		}
		reps[k] = (uint64_t)(batch_ms * 1e6 / (one > 1 ? one : 1));
		if (reps[k] < 1)
			reps[k] = 1;
		if (max_reps && reps[k] > max_reps)
			reps[k] = max_reps;
	}
	for (k = 0; k < n; k++) {
		cases[k].reps = reps[k] * batches;
		if (cases[k].begin)
			cases[k].begin(cases[k].arg);
	}
	/* Batches of the cases alternate, so that drift hits them alike. */
	for (b = 0; b < batches; b++) {
		for (k = 0; k < n; k++) {
			t0 = bench_now_ns();
			for (i = 0; i < reps[k]; i++)
				cases[k].fn(cases[k].arg);
			per[k][b] = (double)(bench_now_ns() - t0) / (double)reps[k];
		}
	}
	for (k = 0; k < n; k++)
		if (cases[k].end)
			cases[k].end(cases[k].arg);
	for (k = 0; k < n; k++) {
		/*
		 * The best batch: the machine is shared (other builds, a noisy
		 * hypervisor); interference only ever adds time.
		 */
		qsort(per[k], batches, sizeof(double), cmp_double);
		cases[k].ns = per[k][0];
	}
}

/* --- report ---------------------------------------------------------------- */

static const struct bench_row *row(const struct bench_report *rep, const char *name)
{
	unsigned i;

	for (i = 0; i < rep->nrows; i++)
		if (!strcmp(rep->rows[i].name, name))
			return &rep->rows[i];
	return NULL;
}

static void fmt_ns(char *buf, size_t n, double ns)
{
	if (ns <= 0)
		snprintf(buf, n, "-");
	else if (ns < 1e4)
		snprintf(buf, n, "%.0f ns", ns);
	else if (ns < 1e7)
		snprintf(buf, n, "%.1f us", ns / 1e3);
	else
		snprintf(buf, n, "%.1f ms", ns / 1e6);
}

/* Per-page cost between the smallest and the largest operation of a family. */
static void per_page(const struct bench_report *rep, const char *small, const char *big,
		     const char *what)
{
	const struct bench_row *s = row(rep, small), *b = row(rep, big);
	double dp, med, dir;

	if (!s || !b || b->pages <= s->pages)
		return;
	dp = (double)(b->pages - s->pages);
	med = (b->med_ns - s->med_ns) / dp;
	dir = (b->dir_ns - s->dir_ns) / dp;
	printf("  %-44s %9.1f %9.1f %9.1f\n", what, med, dir, med - dir);
}

/* A per-operation count: whole numbers as such, else 2 decimals. */
static void fmt_count(char *buf, size_t n, double x)
{
	double r = (double)(long long)(x + 0.5);

	if (x - r < 1e-9 && r - x < 1e-9)
		snprintf(buf, n, "%.0f", r);
	else
		snprintf(buf, n, "%.2f", x);
}

/* Guest SMCs per operation by driver generation: what the newer calls save. */
static void print_smcs(const struct bench_report *rep)
{
	static const char *const head[BENCH_SMC_VARIANTS] = { "modern", "legacy",
							      "legacy, no cache" };
	const struct bench_smcs *e;
	char a[32], b[32], c[32], d[32];
	unsigned i, v;

	printf("\nteemed-bench: guest SMCs per operation, mediated (driver statistics over the"
	       " timed repetitions)\n");
	printf("  %-44s %8s %8s %17s\n", "operation", head[0], head[1], head[2]);
	for (i = 0; i < rep->nsmcs; i++) {
		char cell[BENCH_SMC_VARIANTS][32];

		e = &rep->smcs[i];
		for (v = 0; v < BENCH_SMC_VARIANTS; v++) {
			if (e->have[v])
				fmt_count(cell[v], sizeof(cell[v]), e->smcs[v]);
			else
				snprintf(cell[v], sizeof(cell[v]), "-");
		}
		printf("  %-44s %8s %8s %17s\n", e->label, cell[0], cell[1], cell[2]);
	}
	printf("  of which RPCs per operation: CMD / ALLOC / FREE (/ other, if any)\n");
	for (i = 0; i < rep->nsmcs; i++) {
		e = &rep->smcs[i];
		for (v = 0; v < BENCH_SMC_VARIANTS; v++) {
			if (!e->have[v])
				continue;
			fmt_count(a, sizeof(a), e->rpc_cmd[v]);
			fmt_count(b, sizeof(b), e->rpc_alloc[v]);
			fmt_count(c, sizeof(c), e->rpc_free[v]);
			fmt_count(d, sizeof(d), e->rpc_other[v]);
			printf("  %-20s %-17s %s / %s / %s%s%s   (%llu operations)\n", e->name,
			       head[v], a, b, c, e->rpc_other[v] > 0 ? " / " : "",
			       e->rpc_other[v] > 0 ? d : "", (unsigned long long)e->reps[v]);
		}
	}
	/* The guest issues the same SMCs with or without the mediator: say if not. */
	for (i = 0; i < rep->nsmcs; i++) {
		e = &rep->smcs[i];
		for (v = 0; v < BENCH_SMC_VARIANTS; v++) {
			double diff = e->smcs[v] - e->smcs_dir[v];

			if (e->have[v] && (diff > 1e-9 || diff < -1e-9)) {
				fmt_count(a, sizeof(a), e->smcs[v]);
				fmt_count(b, sizeof(b), e->smcs_dir[v]);
				printf("  note: %s (%s): %s SMCs mediated, %s direct\n", e->name,
				       head[v], a, b);
			}
		}
	}
}

static void print_report(const struct bench_report *rep)
{
	const struct bench_row *r;
	char a[64], b[32], c[32];
	unsigned i;
	int w = 44; /* the operation column: the longest label */

	printf("\nteemed-bench: time per operation, simulated machine (guest driver + OP-TEE model)\n");
	for (i = 0; i < rep->nrows; i++)
		if ((int)strlen(rep->rows[i].label) > w)
			w = (int)strlen(rep->rows[i].label);
	printf("  %-*s %11s %11s %7s %11s\n", w, "operation", "mediated", "direct", "ratio",
	       "mediator");
	for (i = 0; i < rep->nrows; i++) {
		r = &rep->rows[i];
		fmt_ns(a, sizeof(a), r->med_ns);
		fmt_ns(b, sizeof(b), r->dir_ns);
		fmt_ns(c, sizeof(c), r->med_ns - r->dir_ns);
		printf("  %-*s %11s %11s %7.2f %11s\n", w, r->label, a, b,
		       r->dir_ns > 0 ? r->med_ns / r->dir_ns : 0.0, c);
	}
	printf("\n  page-list work, ns per translated page       mediated    direct  mediator\n");
	per_page(rep, "invoke-4kib-tmem", "invoke-1mib-tmem", "INVOKE temporary memref, 4 KiB -> 1 MiB");
	per_page(rep, "register-4kib", "register-1mib", "REGISTER+UNREGISTER, 4 KiB -> 1 MiB");
	per_page(rep, "register-4kib", "register-64mib", "REGISTER+UNREGISTER, 4 KiB -> 64 MiB");
	per_page(rep, "register-4kib", "register-1gib", "REGISTER+UNREGISTER, 4 KiB -> 1 GiB");

	if (rep->nsmcs)
		print_smcs(rep);

	if (rep->have_scale) {
		printf("\nteemed-bench: scaling, minimal host (mediator + trivial port and secure world)\n");
		printf("  per call: INVOKE, 4 values (domains, slots); INVOKE, RMEM + 3 values (buffers)\n");
		printf("  %-36s %10s %7s %10s %7s\n", "case", "round-robin", "ratio", "one domain",
		       "ratio");
		for (i = 0; i < 4; i++) {
			static const unsigned nd[4] = { 1, 16, 256, 1024 };

			snprintf(a, sizeof(a), "%u domain%s", nd[i], nd[i] > 1 ? "s" : "");
			printf("  %-36s %8.0f ns %7.2f %7.0f ns %7.2f\n", a, rep->dom_rr_ns[i],
			       rep->dom_rr_ns[i] / rep->dom_rr_ns[0], rep->dom_hot_ns[i],
			       rep->dom_hot_ns[i] / rep->dom_hot_ns[0]);
		}
		for (i = 0; i < 3; i++) {
			static const unsigned nb[3] = { 1, 64, 4096 };

			snprintf(a, sizeof(a), "%u buffer%s registered", nb[i], nb[i] > 1 ? "s" : "");
			printf("  %-36s %8.0f ns %7.2f\n", a, rep->buf_ns[i],
			       rep->buf_ns[i] / rep->buf_ns[0]);
		}
		snprintf(a, sizeof(a), "all %u slots free", rep->slots_threads);
		printf("  %-36s %8.0f ns %7.2f\n", a, rep->slots_free_ns, 1.0);
		snprintf(a, sizeof(a), "%u of %u slots busy (last one used)", rep->slots_threads - 1,
			 rep->slots_threads);
		printf("  %-36s %8.0f ns %7.2f\n", a, rep->slots_busy_ns,
		       rep->slots_busy_ns / rep->slots_free_ns);
		snprintf(a, sizeof(a), "all %u busy: ETHREAD_LIMIT answer", rep->slots_threads);
		printf("  %-36s %8.0f ns %7.2f\n", a, rep->slots_limit_ns,
		       rep->slots_limit_ns / rep->slots_free_ns);
	}

	if (rep->have_mem) {
		printf("\nteemed-bench: mediator memory (sim port counters: alloc bytes + 4 KiB per alloc_page)\n");
		printf("  %-52s %10.0f bytes\n", "idle domain, fresh (teemed_domain_create)",
		       rep->mem_domain_fresh);
		printf("  %-52s %10.0f bytes\n", "first call on a slot (call object + shadow page)",
		       rep->mem_call_first);
		printf("  %-52s %10.0f bytes\n", "idle domain after use (probed, calls on its slots)",
		       rep->mem_domain_used);
		printf("  %-52s %10.0f bytes\n", "per in-flight call, 4 values (slot already used)",
		       rep->mem_call_inflight);
		printf("  %-52s %10.0f bytes\n", "per in-flight call with a 1 MiB temporary memref",
		       rep->mem_call_inflight_tmem);
		printf("  %-52s %10.0f bytes\n", "registered buffer of 4 KiB (object + list page)",
		       rep->mem_buf_4k);
		if (rep->mem_page_1g > 0)
			printf("  %-52s %10.2f bytes\n", "per registered page (1 GiB buffer)",
			       rep->mem_page_1g);
	}

	printf("\n");
	for (i = 0; i < rep->nrows; i++) {
		r = &rep->rows[i];
		if (r->dir_ns > 0)
			printf("ratio %s mediated/direct: %.3f\n", r->name, r->med_ns / r->dir_ns);
	}
	for (i = 0; i < rep->nsmcs; i++) {
		const struct bench_smcs *e = &rep->smcs[i];

		fmt_count(a, sizeof(a), e->smcs[BENCH_V_MODERN]);
		fmt_count(b, sizeof(b), e->smcs[BENCH_V_LEGACY]);
		fmt_count(c, sizeof(c), e->smcs[BENCH_V_NOCACHE]);
		if (e->have[BENCH_V_MODERN] && e->have[BENCH_V_LEGACY])
			printf("smcs %s modern/legacy: %s/%s\n", e->name, a, b);
		if (e->have[BENCH_V_MODERN] && e->have[BENCH_V_NOCACHE])
			printf("smcs %s modern/legacy-nocache: %s/%s\n", e->name, a, c);
	}
	if (rep->have_scale) {
		printf("scale domains-16: %.3f\n", rep->dom_rr_ns[1] / rep->dom_rr_ns[0]);
		printf("scale domains-256: %.3f\n", rep->dom_rr_ns[2] / rep->dom_rr_ns[0]);
		printf("scale domains-1024: %.3f\n", rep->dom_rr_ns[3] / rep->dom_rr_ns[0]);
		printf("scale domains-1024-one-domain: %.3f\n", rep->dom_hot_ns[3] / rep->dom_hot_ns[0]);
		printf("scale buffers-64: %.3f\n", rep->buf_ns[1] / rep->buf_ns[0]);
		printf("scale buffers-4096: %.3f\n", rep->buf_ns[2] / rep->buf_ns[0]);
		printf("scale slots-busy: %.3f\n", rep->slots_busy_ns / rep->slots_free_ns);
	}
	if (rep->have_mem) {
		printf("memory domain-idle: %.0f\n", rep->mem_domain_fresh);
		printf("memory domain-used: %.0f\n", rep->mem_domain_used);
		printf("memory call-inflight: %.0f\n", rep->mem_call_inflight);
		printf("memory call-first: %.0f\n", rep->mem_call_first);
		if (rep->mem_page_1g > 0)
			printf("memory per-page: %.2f\n", rep->mem_page_1g);
	}
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr, "usage: teemed-bench [--instr] [--quick] [--no-big] [--only SUBSTRING]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct bench_report rep;
	uint64_t t0 = bench_now_ns();
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--instr"))
			bench_opts.instr = true;
		else if (!strcmp(argv[i], "--quick"))
			bench_opts.quick = true;
		else if (!strcmp(argv[i], "--no-big"))
			bench_opts.no_big = true;
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			bench_opts.only = argv[++i];
		else
			usage();
	}
	bench_sim_run(&rep);
	bench_mini_run(&rep);
	if (!bench_opts.instr)
		print_report(&rep);
	fprintf(stderr, "bench: done in %.1f s\n", (double)(bench_now_ns() - t0) / 1e9);
	return 0;
}
