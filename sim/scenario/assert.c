/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Assertions on the machine (isolation violations, what is held, errors),
 * the mediator's counters, the OP-TEE model's partitions, and the
 * foreign-PA watch: no value a guest gets back in a register, and no word
 * of its memory, may be the PA of a frame it does not own.
 */
#include <string.h>

#include "sim/scenario/scn.h"

/* Is `v`, read as a PA, a frame of the arena that guest `id` does not own? */
static bool foreign(struct phys *p, uint16_t id, uint64_t v)
{
	uint64_t base = phys_base(p);

	return v >= base && v - base < phys_size(p) && phys_pa_is_foreign_to(p, id, v);
}

static const char *guest_name(struct scn_run *r, uint16_t id)
{
	int i;

	for (i = 0; i < r->nguests; i++)
		if (r->guests[i].live && r->guests[i].id == id)
			return r->guests[i].name;
	return "?";
}

void scn_trace_hook(void *arg, uint16_t guest, uint32_t vcpu, const uint64_t in[8],
		    const uint64_t out[8])
{
	struct scn_run *r = arg;
	struct phys *p = machine_phys(r->m);
	uint64_t vals[10];
	int i;

	memcpy(vals, out, 8 * sizeof(uint64_t));
	/* 64-bit values split over two registers, high half first (ABI 1.1). */
	vals[8] = (out[1] & 0xffffffffu) << 32 | (out[2] & 0xffffffffu);
	vals[9] = (out[4] & 0xffffffffu) << 32 | (out[5] & 0xffffffffu);
	pthread_mutex_lock(&r->lock);
	if (r->opts.trace)
		fprintf(r->out, "  trace %s.%u: a0=0x%llx a1=0x%llx a2=0x%llx a3=0x%llx -> "
			"a0=0x%llx a1=0x%llx a2=0x%llx a3=0x%llx a4=0x%llx a5=0x%llx\n",
			guest_name(r, guest), vcpu, (unsigned long long)in[0],
			(unsigned long long)in[1], (unsigned long long)in[2],
			(unsigned long long)in[3], (unsigned long long)out[0],
			(unsigned long long)out[1], (unsigned long long)out[2],
			(unsigned long long)out[3], (unsigned long long)out[4],
			(unsigned long long)out[5]);
	for (i = 0; i < 10; i++) {
		if (!foreign(p, guest, vals[i]))
			continue;
		if (!r->foreign_regs++)
			snprintf(r->foreign_first, sizeof(r->foreign_first),
				 "%s.%u got %s%s = 0x%llx after a0=0x%llx", guest_name(r, guest),
				 vcpu, i < 8 ? "a" : i == 8 ? "a1a2" : "a4a5",
				 i < 8 ? (const char *[]){ "0", "1", "2", "3", "4", "5", "6", "7" }[i]
				       : "",
				 (unsigned long long)vals[i], (unsigned long long)in[0]);
		break;
	}
	pthread_mutex_unlock(&r->lock);
}

/* Scan every mapped RAM page of a guest; the first foreign PA in *where. */
static uint64_t scan_guest(struct scn_run *r, struct scn_guest *sg, char *where, size_t len)
{
	struct stage2 *s2 = machine_guest_stage2(sg->mg);
	struct phys *p = machine_phys(r->m);
	uint64_t ipa, hits = 0, pa;
	size_t i;

	for (ipa = sg->base; ipa < sg->base + sg->size; ipa += 4096) {
		enum s2_type t = stage2_lookup(s2, ipa, &pa);
		const uint64_t *w;

		if (t != S2_RAM_RW && t != S2_RAM_RO)
			continue;
		w = stage2_guest_ptr(s2, ipa);
		for (i = 0; w && i < 512; i++) {
			if (!w[i] || !foreign(p, sg->id, w[i]))
				continue;
			if (!hits++ && !where[0])
				snprintf(where, len, "%s's IPA 0x%llx holds 0x%llx", sg->name,
					 (unsigned long long)(ipa + 8 * i),
					 (unsigned long long)w[i]);
		}
	}
	return hits;
}

static int assert_foreign(struct scn_run *r, const struct scn_line *l)
{
	char where[200] = "";
	const char *only = scn_pos(l, 1);
	uint64_t hits = 0;
	int g;

	for (g = 0; g < r->nguests; g++) {
		struct scn_guest *sg = &r->guests[g];

		if (!sg->live || (only && strcmp(only, sg->name)))
			continue;
		hits += scan_guest(r, sg, where, sizeof(where));
	}
	if (!hits && !r->foreign_regs)
		return scn_pass(r, "%s", l->text);
	return scn_fail(r, "%s: %llu register results and %llu memory words hold foreign PAs "
			"(%s%s%s)", l->text, (unsigned long long)r->foreign_regs,
			(unsigned long long)hits, r->foreign_first, hits && r->foreign_regs ? "; " : "",
			where);
}

int scn_check_assert(struct scn_run *dry, const struct scn_line *l, char *err, size_t len)
{
	const char *what = scn_pos(l, 0);
	int k, nkeys = 0, npos = scn_npos(l), is32;

	(void)dry;
	for (k = 1; k < l->ntok; k++) {
		const char *key = l->tok[k].key;
		bool ok;

		if (!l->tok[k].val)
			continue;
		nkeys++;
		if (!what)
			ok = !strcmp(key, "violations") || !strcmp(key, "leaks") ||
			     !strcmp(key, "errors");
		else if (!strcmp(what, "held"))
			ok = scn_report_field(key) >= 0;
		else if (!strcmp(what, "stat") || !strcmp(what, "stats"))
			ok = scn_stats_field(key) >= 0;
		else if (!strcmp(what, "model"))
			ok = scn_model_field(key, &is32) >= 0 || !strcmp(key, "partition");
		else
			ok = false;
		if (!ok) {
			snprintf(err, len, "assert %s: unknown key '%s'", what ? what : "", key);
			return -1;
		}
	}
	if (!what) {
		if (nkeys != 1) {
			snprintf(err, len, "assert: give one of violations=, leaks=, errors=");
			return -1;
		}
		return 0;
	}
	if (!strcmp(what, "no-foreign-pa")) {
		if (nkeys || npos > 2 || (npos == 2 && !scn_check_guest(scn_pos(l, 1)))) {
			snprintf(err, len, "assert no-foreign-pa takes an optional declared guest");
			return -1;
		}
		return 0;
	}
	if (!strcmp(what, "held") || !strcmp(what, "stats")) {
		if (npos != 1 || !nkeys) {
			snprintf(err, len, "assert %s FIELD=VALUE...", what);
			return -1;
		}
		return 0;
	}
	if (!strcmp(what, "stat") || !strcmp(what, "model")) {
		if (npos != 2 || !nkeys || !scn_check_guest(scn_pos(l, 1))) {
			snprintf(err, len, "assert %s GUEST FIELD=VALUE... (a declared guest)", what);
			return -1;
		}
		return 0;
	}
	snprintf(err, len, "unknown assertion '%s' (violations=, leaks=, errors=, held, stat, "
		 "stats, model, no-foreign-pa)", what);
	return -1;
}

/* Compare every key of the line with the value fetch() gives for it. */
static int compare_keys(struct scn_run *r, const struct scn_line *l,
			uint64_t (*fetch)(const void *src, const char *key), const void *src)
{
	char msg[1024] = "", err[SCN_ERR_MAX];
	int k, ok = 1;

	for (k = 1; k < l->ntok; k++) {
		const struct scn_tok *t = &l->tok[k];
		uint64_t alts[16], got;
		int n, i, hold;
		size_t used;

		if (!t->val)
			continue;
		if (scn_eval_alts(r, t->val, -1, 0, alts, 16, &n, err, sizeof(err)))
			return scn_error(r, "%s: %s", t->key, err);
		got = fetch(src, t->key);
		hold = t->op == SCN_OP_NE;
		for (i = 0; i < n; i++)
			hold = t->op == SCN_OP_NE ? hold && scn_op_holds(t->op, got, alts[i])
						  : hold || scn_op_holds(t->op, got, alts[i]);
		if (hold)
			continue;
		ok = 0;
		used = strlen(msg);
		snprintf(msg + used, sizeof(msg) - used, "%s%s is %llu (0x%llx), expected %s%s",
			 used ? "; " : "", t->key, (unsigned long long)got,
			 (unsigned long long)got, scn_op_str(t->op), t->val);
	}
	if (ok)
		return scn_pass(r, "%s", l->text);
	return scn_fail(r, "%s: %s", l->text, msg);
}

static uint64_t fetch_stats(const void *src, const char *key)
{
	return *(const uint64_t *)((const char *)src + scn_stats_field(key));
}

static uint64_t fetch_report(const void *src, const char *key)
{
	return *(const uint64_t *)((const char *)src + scn_report_field(key));
}

struct model_src {
	struct optee_model_guest_stats st;
	int exists;
};

static uint64_t fetch_model(const void *src, const char *key)
{
	const struct model_src *m = src;
	int is32 = 0;
	long off;

	if (!strcmp(key, "partition"))
		return (uint64_t)m->exists;
	off = scn_model_field(key, &is32);
	if (is32)
		return *(const uint32_t *)((const char *)&m->st + off);
	return *(const uint64_t *)((const char *)&m->st + off);
}

/* The simple forms: violations=, errors=, leaks= (held beyond the baseline). */
static uint64_t fetch_simple(const void *src, const char *key)
{
	const struct machine_report *now = src, *base = now + 1;

	if (!strcmp(key, "violations"))
		return now->violations + now->map_violations;
	if (!strcmp(key, "errors"))
		return now->errors_total;
	return now->held_total > base->held_total ? now->held_total - base->held_total : 0;
}

int scn_run_assert(struct scn_run *r, const struct scn_line *l)
{
	const char *what = scn_pos(l, 0);
	struct machine_report rep[2];
	struct teemed_stats st;

	if (scn_machine(r))
		return -1;
	if (!what) {
		machine_check(r->m, &rep[0]);
		rep[1] = r->baseline;
		return compare_keys(r, l, fetch_simple, rep);
	}
	if (!strcmp(what, "no-foreign-pa"))
		return assert_foreign(r, l);
	if (!strcmp(what, "held")) {
		machine_check(r->m, &rep[0]);
		return compare_keys(r, l, fetch_report, &rep[0]);
	}
	if (!strcmp(what, "stats")) {
		teemed_stats(machine_mediator(r->m), &st);
		return compare_keys(r, l, fetch_stats, &st);
	}
	if (!strcmp(what, "stat")) {
		struct scn_guest *sg = scn_live_guest(r, scn_pos(l, 1), NULL);

		if (!sg)
			return -1;
		teemed_domain_stats(machine_mediator(r->m), machine_guest_domain(sg->mg), &st);
		return compare_keys(r, l, fetch_stats, &st);
	}
	{
		int g = scn_guest_find(r, scn_pos(l, 1));
		struct model_src ms;

		memset(&ms, 0, sizeof(ms));
		/* A destroyed guest's partition must be gone: its client ID is kept. */
		ms.exists = optee_model_guest_stats(machine_model(r->m),
						    (uint16_t)(r->guests[g].id + 1), &ms.st) == 0;
		return compare_keys(r, l, fetch_model, &ms);
	}
}

int scn_final_checks(struct scn_run *r, const struct machine_report *rep)
{
	uint64_t viol = rep->violations + rep->map_violations;

	/* A guest, however hostile, must never cause an ERROR line (docs/design.md). */
	if (!rep->errors_total && !rep->error_logs)
		scn_pass(r, "end: no isolation violation, no error, no ERROR log line");
	else
		scn_fail(r, "end: %llu isolation violations, %llu errors in all (phys %llu, port "
			 "%llu, model %llu, teardown %llu), %llu mediator ERROR lines",
			 (unsigned long long)viol, (unsigned long long)rep->errors_total,
			 (unsigned long long)rep->phys_errors, (unsigned long long)rep->port_errors,
			 (unsigned long long)rep->model_errors,
			 (unsigned long long)rep->teardown_errors,
			 (unsigned long long)rep->error_logs);
	if (!rep->held_total)
		scn_pass(r, "end: nothing leaked");
	else
		scn_fail(r, "end: leaked: pins %llu, allocs %llu (%llu bytes), pages %llu, "
			 "locks %llu, maps %llu, model allocs %llu", (unsigned long long)rep->pins,
			 (unsigned long long)rep->allocs, (unsigned long long)rep->alloc_bytes,
			 (unsigned long long)rep->pages, (unsigned long long)rep->locks,
			 (unsigned long long)rep->maps, (unsigned long long)rep->model_allocs);
	if (!r->foreign_regs)
		scn_pass(r, "end: no foreign PA in any SMC result");
	else
		scn_fail(r, "end: %llu SMC results held a foreign PA (first: %s)",
			 (unsigned long long)r->foreign_regs, r->foreign_first);
	return 0;
}
