/* SPDX-License-Identifier: BSD-2-Clause */
/* teemed-sim's summary: text for people, JSON for programs. */
#include <inttypes.h>
#include <string.h>

#include "tools/sim_run.h"

#define U(x) ((unsigned long long)(x))
#define MIB (1024.0 * 1024.0)

static void print_errs(const struct wl_errcount *e, FILE *out)
{
	unsigned i;

	fprintf(out, "  results other than SUCCESS:");
	if (!e->e[0].count)
		fprintf(out, " none");
	for (i = 0; i < WL_ERR_CODES && e->e[i].count; i++) {
		const char *n = wl_ret_name(e->e[i].code);

		if (n)
			fprintf(out, " %s %llu", n, U(e->e[i].count));
		else
			fprintf(out, " 0x%x %llu", e->e[i].code, U(e->e[i].count));
	}
	if (e->other)
		fprintf(out, " other %llu", U(e->other));
	fputc('\n', out);
}

static void print_latency(const struct wl_guest_summary *s, FILE *out)
{
	int c;

	fprintf(out, "  latency (us)          calls      p50      p90      p99      max\n");
	for (c = 0; c < WL_CALL_COUNT; c++) {
		const struct wl_hist *h = &s->lat[c];

		if (!h->count)
			continue;
		fprintf(out, "    %-16s %10llu %8.1f %8.1f %8.1f %8.1f\n", wl_call_name(c),
			U(h->count), wl_hist_quantile(h, 0.5) / 1e3,
			wl_hist_quantile(h, 0.9) / 1e3, wl_hist_quantile(h, 0.99) / 1e3,
			h->max_ns / 1e3);
	}
}

static void print_mediator_stats(const char *prefix, const struct teemed_stats *t, FILE *out)
{
	fprintf(out,
		"%sstd calls %llu (done %llu), fast %llu; RPC alloc %llu free %llu cmd %llu "
		"foreign %llu; preemptions %llu; ETHREAD_LIMIT %llu, ERESUME %llu, "
		"EBADADDR %llu, bad params %llu, out of memory %llu, unknown %llu\n"
		"%sshared %.1f MiB, pages pinned %llu, buffers registered %llu; "
		"now held: pages %llu, buffers %llu, rpc args %llu, calls %llu\n",
		prefix, U(t->std_calls), U(t->std_calls_done), U(t->fast_calls), U(t->rpc_alloc),
		U(t->rpc_free), U(t->rpc_cmd), U(t->rpc_foreign_intr), U(t->preemptions),
		U(t->thread_limit), U(t->resume_refused), U(t->bad_addr), U(t->bad_param),
		U(t->out_of_memory), U(t->unknown_function), prefix,
		(double)t->bytes_shared / MIB, U(t->pages_pinned), U(t->buffers_registered),
		U(t->pages_held), U(t->buffers_held), U(t->rpc_args_held), U(t->calls_active));
}

static void print_guest(const struct sim_guest_result *g, FILE *out)
{
	const struct wl_guest_summary *s = &g->wl;
	const struct gdrv_stats *d = &g->drv;
	uint64_t ops = 0;
	int k;

	for (k = 0; k < WL_KIND_COUNT; k++)
		ops += s->ops[k];
	fprintf(out, "guest %u (client %u, %u vCPUs, %s driver): %llu operations, %llu calls, "
		"%llu wrong results, %.1f MiB through memrefs\n",
		s->index, s->client_id, s->vcpus, s->legacy ? "legacy" : "modern", U(ops),
		U(s->calls), U(s->wrong), (double)s->bytes / MIB);
	fprintf(out, "  operations:");
	for (k = 0; k < WL_KIND_COUNT; k++)
		if (s->ops[k])
			fprintf(out, " %s %llu", wl_kind_name(k), U(s->ops[k]));
	fputc('\n', out);
	print_errs(&s->errs, out);
	if (s->local_errors)
		fprintf(out, "  guest-side failures (allocation): %llu\n", U(s->local_errors));
	fprintf(out,
		"  driver: %llu SMCs (%llu fast), %llu yielding calls; RPC alloc %llu free %llu "
		"cmd %llu foreign %llu; ETHREAD_LIMIT retries %llu, call-queue waits %llu; "
		"shm registered %llu, RPC shm %llu\n",
		U(d->smcs), U(d->fast_calls), U(d->calls), U(d->rpc_alloc), U(d->rpc_free),
		U(d->rpc_cmd), U(d->rpc_foreign_intr), U(d->ethread_retries), U(d->cq_waits),
		U(d->shm_registered), U(d->rpc_shm_allocs));
	if (g->has_domain)
		print_mediator_stats("  mediator: ", &g->dom, out);
	print_latency(s, out);
}

static void print_hostile(const struct sim_result *r, FILE *out)
{
	const struct hostile_summary *h = &r->hs;
	int a;

	fprintf(out, "hostile guest (client %u): %llu rounds, %llu SMCs, %llu checks, "
		"%llu deviations from docs/errors.md\n",
		r->nguests + 1, U(h->rounds), U(h->smcs), U(h->checks), U(h->deviations));
	fprintf(out, "  attacks (tries/deviations):");
	for (a = 0; a < HA_COUNT; a++) {
		if (a % 4 == 0)
			fprintf(out, "\n   ");
		fprintf(out, " %s %llu/%llu", hostile_attack_name(a), U(h->tries[a]),
			U(h->failed[a]));
	}
	fputc('\n', out);
}

void sim_report_text(const struct sim_opts *o, const struct sim_result *r, FILE *out)
{
	uint32_t i;

	fprintf(out, "teemed-sim: %s mode, %u guest%s%s, seed %llu, ", r->mode == MACHINE_DIRECT
		? "direct" : "mediated", r->nguests, r->nguests == 1 ? "" : "s",
		r->hostile ? " + 1 hostile" : "", U(o->wl.seed));
	if (o->seconds)
		fprintf(out, "%.1f s asked, ", o->seconds);
	else
		fprintf(out, "%u operations per vCPU, ", o->wl.iterations);
	fprintf(out, "%.2f s\n", r->seconds);
	if (r->has_mediator)
		fprintf(out, "mediator: OP-TEE %u.%u, OP-TEE caps 0x%x, %u threads per guest, "
			"%u RPC params\n", r->info.os_revision_major, r->info.os_revision_minor,
			r->info.secure_caps, r->info.thread_count, r->info.rpc_param_count);
	for (i = 0; i < r->nguests; i++)
		print_guest(&r->guest[i], out);
	if (r->hostile)
		print_hostile(r, out);
	if (r->has_mediator)
		print_mediator_stats("mediator total: ", &r->total, out);
	fprintf(out, "oracle: %llu reads (%.1f MiB), %llu writes (%.1f MiB) by the secure world\n",
		U(r->oracle.reads), (double)r->oracle.bytes_read / MIB, U(r->oracle.writes),
		(double)r->oracle.bytes_written / MIB);
	if (r->rep.errors_total - sim_violations(r) || r->rep.held_total)
		machine_report_print(&r->rep, out);
	fprintf(out, "isolation violations: %llu\n", U(sim_violations(r)));
	fprintf(out, "leaked pins: %llu\n", U(sim_leaked_pins(r)));
	fprintf(out, "leaked allocations: %llu\n", U(sim_leaked_allocs(r)));
}

static void json_stats(const struct teemed_stats *t, FILE *out)
{
	fprintf(out,
		"{\"fast_calls\":%llu,\"std_calls\":%llu,\"std_calls_done\":%llu,"
		"\"rpc_alloc\":%llu,\"rpc_free\":%llu,\"rpc_foreign_intr\":%llu,\"rpc_cmd\":%llu,"
		"\"preemptions\":%llu,\"thread_limit\":%llu,\"resume_refused\":%llu,"
		"\"bad_addr\":%llu,\"bad_param\":%llu,\"out_of_memory\":%llu,"
		"\"unknown_function\":%llu,\"pages_pinned\":%llu,\"bytes_shared\":%llu,"
		"\"buffers_registered\":%llu}",
		U(t->fast_calls), U(t->std_calls), U(t->std_calls_done), U(t->rpc_alloc),
		U(t->rpc_free), U(t->rpc_foreign_intr), U(t->rpc_cmd), U(t->preemptions),
		U(t->thread_limit), U(t->resume_refused), U(t->bad_addr), U(t->bad_param),
		U(t->out_of_memory), U(t->unknown_function), U(t->pages_pinned),
		U(t->bytes_shared), U(t->buffers_registered));
}

static void json_guest(const struct sim_guest_result *g, FILE *out)
{
	const struct wl_guest_summary *s = &g->wl;
	unsigned i;
	int k;

	fprintf(out, "{\"index\":%u,\"client_id\":%u,\"vcpus\":%u,\"legacy\":%s,\"calls\":%llu,"
		"\"wrong\":%llu,\"local_errors\":%llu,\"bytes\":%llu,\"ops\":{",
		s->index, s->client_id, s->vcpus, s->legacy ? "true" : "false", U(s->calls),
		U(s->wrong), U(s->local_errors), U(s->bytes));
	for (k = 0; k < WL_KIND_COUNT; k++)
		fprintf(out, "%s\"%s\":%llu", k ? "," : "", wl_kind_name(k), U(s->ops[k]));
	fprintf(out, "},\"results\":{");
	for (i = 0; i < WL_ERR_CODES && s->errs.e[i].count; i++)
		fprintf(out, "%s\"0x%x\":%llu", i ? "," : "", s->errs.e[i].code,
			U(s->errs.e[i].count));
	fprintf(out, "},\"latency_ns\":{");
	for (k = 0, i = 0; k < WL_CALL_COUNT; k++) {
		const struct wl_hist *h = &s->lat[k];

		if (!h->count)
			continue;
		fprintf(out, "%s\"%s\":{\"n\":%llu,\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,"
			"\"max\":%llu}", i++ ? "," : "", wl_call_name(k), U(h->count),
			U(wl_hist_quantile(h, 0.5)), U(wl_hist_quantile(h, 0.9)),
			U(wl_hist_quantile(h, 0.99)), U(h->max_ns));
	}
	fprintf(out, "},\"driver\":{\"smcs\":%llu,\"calls\":%llu,\"rpc_alloc\":%llu,"
		"\"rpc_free\":%llu,\"rpc_cmd\":%llu,\"rpc_foreign_intr\":%llu,"
		"\"ethread_retries\":%llu,\"cq_waits\":%llu}",
		U(g->drv.smcs), U(g->drv.calls), U(g->drv.rpc_alloc), U(g->drv.rpc_free),
		U(g->drv.rpc_cmd), U(g->drv.rpc_foreign_intr), U(g->drv.ethread_retries),
		U(g->drv.cq_waits));
	if (g->has_domain) {
		fprintf(out, ",\"mediator\":");
		json_stats(&g->dom, out);
	}
	fputc('}', out);
}

void sim_report_json(const struct sim_opts *o, const struct sim_result *r, FILE *out)
{
	uint32_t i;
	int a;

	fprintf(out, "{\"mode\":\"%s\",\"seed\":%llu,\"iterations\":%u,\"seconds\":%.3f,"
		"\"guests\":[", r->mode == MACHINE_DIRECT ? "direct" : "mediated",
		U(o->wl.seed), o->wl.iterations, r->seconds);
	for (i = 0; i < r->nguests; i++) {
		if (i)
			fputc(',', out);
		json_guest(&r->guest[i], out);
	}
	fputc(']', out);
	if (r->hostile) {
		fprintf(out, ",\"hostile\":{\"rounds\":%llu,\"smcs\":%llu,\"checks\":%llu,"
			"\"deviations\":%llu,\"attacks\":{", U(r->hs.rounds), U(r->hs.smcs),
			U(r->hs.checks), U(r->hs.deviations));
		for (a = 0; a < HA_COUNT; a++)
			fprintf(out, "%s\"%s\":{\"tries\":%llu,\"deviations\":%llu}", a ? "," : "",
				hostile_attack_name(a), U(r->hs.tries[a]), U(r->hs.failed[a]));
		fprintf(out, "}}");
	}
	if (r->has_mediator) {
		fprintf(out, ",\"mediator\":");
		json_stats(&r->total, out);
	}
	fprintf(out, ",\"oracle\":{\"reads\":%llu,\"writes\":%llu,\"bytes_read\":%llu,"
		"\"bytes_written\":%llu}", U(r->oracle.reads), U(r->oracle.writes),
		U(r->oracle.bytes_read), U(r->oracle.bytes_written));
	fprintf(out, ",\"isolation_violations\":%llu,\"leaked_pins\":%llu,"
		"\"leaked_allocations\":%llu,\"errors\":%llu,\"ok\":%s}",
		U(sim_violations(r)), U(sim_leaked_pins(r)), U(sim_leaked_allocs(r)),
		U(r->rep.errors_total), sim_result_ok(r) ? "true" : "false");
}
