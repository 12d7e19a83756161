/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * scenario_run_file: read and check the file, build the machine at the
 * first guest, run the commands in order, tear everything down and run the
 * final checks (docs/scenarios.md, "Running").
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/scn.h"

/* Default guest RAM: small, so whole-RAM scans (no-foreign-pa) stay fast. */
#define SCN_DEFAULT_RAM (16ull << 20)
/* Default raw area at the start of guest RAM, kept from the driver. */
#define SCN_DEFAULT_RAW (1ull << 20)
/* Driver cookies of guest i start at (i + 1) * this: guests' cookies differ. */
#define SCN_COOKIE_STRIDE 0x100000ull

void scenario_opts_default(struct scenario_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->seed = 1;
}

static void report(struct scn_run *r, const char *tag, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&r->lock);
	if (r->line)
		fprintf(r->out, "%s:%d: %s ", r->path, r->line->lineno, tag);
	else
		fprintf(r->out, "%s:end: %s ", r->path, tag);
	vfprintf(r->out, fmt, ap);
	fputc('\n', r->out);
	pthread_mutex_unlock(&r->lock);
}

int scn_pass(struct scn_run *r, const char *fmt, ...)
{
	va_list ap;

	r->passed++;
	if (r->opts.verbose) {
		va_start(ap, fmt);
		report(r, "PASS", fmt, ap);
		va_end(ap);
	}
	return 0;
}

int scn_fail(struct scn_run *r, const char *fmt, ...)
{
	va_list ap;

	r->failed++;
	va_start(ap, fmt);
	report(r, "FAIL", fmt, ap);
	va_end(ap);
	return 1;
}

int scn_error(struct scn_run *r, const char *fmt, ...)
{
	va_list ap;

	r->failed++;
	va_start(ap, fmt);
	report(r, "ERROR", fmt, ap);
	va_end(ap);
	return -1;
}

int scn_machine(struct scn_run *r)
{
	int rc;

	if (r->m)
		return 0;
	rc = machine_create(&r->mcfg, &r->m);
	if (rc)
		return scn_error(r, "machine_create failed (%d): check the config lines", rc);
	if (r->pending_intr && machine_model(r->m))
		optee_model_force_foreign_intr(machine_model(r->m), r->pending_intr);
	machine_check(r->m, &r->baseline);
	r->have_baseline = 1;
	return 0;
}

int scn_guest_find(struct scn_run *r, const char *name)
{
	int i;

	for (i = 0; i < r->nguests; i++)
		if (!strcmp(r->guests[i].name, name))
			return i;
	return -1;
}

struct scn_guest *scn_live_guest(struct scn_run *r, const char *name, int *gi)
{
	int i = scn_guest_find(r, name);

	if (i < 0) {
		scn_error(r, "unknown guest '%s'", name);
		return NULL;
	}
	if (!r->guests[i].live) {
		scn_error(r, "guest '%s' was destroyed", name);
		return NULL;
	}
	if (gi)
		*gi = i;
	return &r->guests[i];
}

int scn_target(struct scn_run *r, const char *s, int *g, int *v)
{
	char name[SCN_NAME_MAX];
	const char *dot = strchr(s, '.');
	size_t n = dot ? (size_t)(dot - s) : strlen(s);
	struct scn_guest *sg;

	snprintf(name, sizeof(name), "%.*s", (int)n, s);
	sg = scn_live_guest(r, name, g);
	if (!sg)
		return -1;
	*v = dot ? atoi(dot + 1) : 0;
	if ((uint32_t)*v >= sg->vcpus)
		return scn_error(r, "guest '%s' has %u vCPUs: no vCPU %d", name, sg->vcpus, *v);
	return 0;
}

int scn_var_set(struct scn_run *r, const char *name, uint64_t value)
{
	int i;

	for (i = 0; i < r->nvars; i++)
		if (!strcmp(r->vars[i].name, name)) {
			r->vars[i].value = value;
			return 0;
		}
	if (r->nvars == SCN_MAX_VARS)
		return scn_error(r, "more than %d variables", SCN_MAX_VARS);
	snprintf(r->vars[r->nvars].name, SCN_NAME_MAX, "%s", name);
	r->vars[r->nvars++].value = value;
	return 0;
}

bool scn_var_get(struct scn_run *r, const char *name, uint64_t *value)
{
	int i;

	for (i = 0; i < r->nvars; i++)
		if (!strcmp(r->vars[i].name, name)) {
			*value = r->vars[i].value;
			return true;
		}
	return false;
}

void scn_smc(struct scn_run *r, int g, int v, uint64_t regs[8])
{
	struct scn_guest *sg = &r->guests[g];
	const struct guest_env *env = machine_guest_env(sg->mg, (uint32_t)v);

	memcpy(sg->last[v].in, regs, sizeof(sg->last[v].in));
	env->smc(env->ctx, regs);
	memcpy(sg->last[v].out, regs, sizeof(sg->last[v].out));
	sg->last[v].valid = 1;
}

int scn_key_eval(struct scn_run *r, const struct scn_line *l, const char *key, int g, int v,
		 uint64_t def, uint64_t *out)
{
	char err[SCN_ERR_MAX];
	const char *s = scn_key(l, key, NULL);

	if (!s) {
		*out = def;
		return 0;
	}
	if (scn_eval(r, s, g, v, out, err, sizeof(err)))
		return scn_error(r, "%s: %s", key, err);
	return 0;
}

/* --- guest, config, set, destroy ---------------------------------------- */

int scn_run_guest(struct scn_run *r, const struct scn_line *l)
{
	struct machine_guest_config gc;
	struct scn_guest *sg;
	uint64_t vcpus, ram, base, raw;
	int rc;

	if (scn_key_eval(r, l, "vcpus", -1, 0, 1, &vcpus) ||
	    scn_key_eval(r, l, "ram", -1, 0, SCN_DEFAULT_RAM, &ram) ||
	    scn_key_eval(r, l, "base", -1, 0, S2_DEFAULT_RAM_BASE, &base) ||
	    scn_key_eval(r, l, "raw", -1, 0, SCN_DEFAULT_RAW, &raw))
		return -1;
	if (!vcpus || vcpus > MACHINE_MAX_VCPUS)
		return scn_error(r, "vcpus must be 1..%d", MACHINE_MAX_VCPUS);
	if (!ram || (ram | base | raw) & 0xfff || raw > ram)
		return scn_error(r, "ram, base and raw must be page multiples, raw <= ram, ram > 0");
	if (scn_machine(r))
		return -1;
	sg = &r->guests[r->nguests];
	memset(sg, 0, sizeof(*sg));
	snprintf(sg->name, sizeof(sg->name), "%s", scn_pos(l, 0));
	gc.vcpus = (uint32_t)vcpus;
	gc.ram_base = base;
	gc.ram_size = ram;
	rc = machine_guest_create(r->m, &gc, &sg->mg);
	if (rc)
		return scn_error(r, "machine_guest_create failed (%d)", rc);
	sg->live = 1;
	sg->id = machine_guest_id(sg->mg);
	sg->vcpus = (uint32_t)vcpus;
	sg->base = base;
	sg->size = ram;
	sg->raw = raw;
	gdrv_config_default(&sg->dcfg);
	sg->dcfg.num_vcpus = (unsigned)vcpus;
	sg->dcfg.cookie_base = SCN_COOKIE_STRIDE * (uint64_t)(r->nguests + 1);
	r->nguests++;
	return 0;
}

enum cfg_when { CFG_BEFORE, CFG_ANY };

struct cfg_key {
	const char *name;
	enum cfg_when when;
};

static const struct cfg_key cfg_keys[] = {
	{ "seed", CFG_BEFORE },
	{ "mediator.threads", CFG_BEFORE },
	{ "mediator.fallback_threads", CFG_BEFORE },
	{ "mediator.max_buffer_pages", CFG_BEFORE },
	{ "mediator.max_domain_pages", CFG_BEFORE },
	{ "mediator.max_domain_buffers", CFG_BEFORE },
	{ "mediator.max_domain_rpc_args", CFG_BEFORE },
	{ "mediator.work_budget_pages", CFG_BEFORE },
	{ "mediator.features", CFG_BEFORE },
	{ "model.threads", CFG_BEFORE },
	{ "model.caps", CFG_BEFORE },
	{ "model.thread_count", CFG_BEFORE },
	{ "model.max_guests", CFG_BEFORE },
	{ "model.foreign_intr_one_in", CFG_BEFORE },
	{ "log_level", CFG_BEFORE },
	{ "foreign_intr", CFG_ANY },
	{ "yield_every", CFG_ANY },
	{ "fault.alloc", CFG_ANY },
	{ "fault.pin", CFG_ANY },
	{ "fault.map", CFG_ANY },
	{ "fault.alloc_page", CFG_ANY },
	{ "fault.alloc.sticky", CFG_ANY },
	{ "fault.pin.sticky", CFG_ANY },
	{ "fault.map.sticky", CFG_ANY },
	{ "fault.alloc_page.sticky", CFG_ANY },
};

static const struct cfg_key *cfg_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cfg_keys) / sizeof(cfg_keys[0]); i++)
		if (!strcmp(cfg_keys[i].name, name))
			return &cfg_keys[i];
	return NULL;
}

/* Static check: known keys, values, and machine keys before any guest. */
int scn_check_config(struct scn_run *dry, const struct scn_line *l, char *err, size_t len)
{
	int k;

	(void)dry;
	if (l->ntok < 2) {
		snprintf(err, len, "config needs KEY=VALUE");
		return -1;
	}
	for (k = 1; k < l->ntok; k++) {
		const struct cfg_key *c = cfg_find(l->tok[k].key);
		uint64_t v;

		if (!c) {
			snprintf(err, len, "unknown config key '%s'", l->tok[k].key);
			return -1;
		}
		if (c->when == CFG_BEFORE && scn_check_guest_count() > 0) {
			snprintf(err, len, "config %s must come before the first guest line",
				 c->name);
			return -1;
		}
		if (scn_eval(NULL, l->tok[k].val, -1, 0, &v, err, len))
			return -1;
	}
	return 0;
}

static int fault_kind(const char *name)
{
	static const char *const kinds[PORT_FAULT_COUNT] = { "alloc", "pin", "map",
							     "alloc_page" };
	int k;

	for (k = 0; k < PORT_FAULT_COUNT; k++) {
		size_t n = strlen(kinds[k]);

		if (!strncmp(name + 6, kinds[k], n) && (!name[6 + n] || name[6 + n] == '.'))
			return k;
	}
	return -1;
}

static int apply_config(struct scn_run *r, const char *key, uint64_t v)
{
	struct machine_config *c = &r->mcfg;
	uint32_t v32 = (uint32_t)v;

	if (!strcmp(key, "seed")) {
		c->seed = v;
		c->model.seed = v;
	} else if (!strcmp(key, "mediator.threads")) {
		c->mediator.threads_per_domain = v32;
	} else if (!strcmp(key, "mediator.fallback_threads")) {
		c->mediator.fallback_threads = v32;
	} else if (!strcmp(key, "mediator.max_buffer_pages")) {
		c->mediator.max_buffer_pages = v32;
	} else if (!strcmp(key, "mediator.max_domain_pages")) {
		c->mediator.max_domain_pages = v32;
	} else if (!strcmp(key, "mediator.max_domain_buffers")) {
		c->mediator.max_domain_buffers = v32;
	} else if (!strcmp(key, "mediator.max_domain_rpc_args")) {
		c->mediator.max_domain_rpc_args = v32;
	} else if (!strcmp(key, "mediator.work_budget_pages")) {
		c->mediator.work_budget_pages = v32;
	} else if (!strcmp(key, "mediator.features")) {
		c->mediator.features = v32;
	} else if (!strcmp(key, "model.threads")) {
		c->model.num_threads = v32;
	} else if (!strcmp(key, "model.caps")) {
		c->model.sec_caps = v32;
	} else if (!strcmp(key, "model.thread_count")) {
		c->model.implement_thread_count = v != 0;
	} else if (!strcmp(key, "model.max_guests")) {
		c->model.max_guests = v32;
	} else if (!strcmp(key, "model.foreign_intr_one_in")) {
		c->model.foreign_intr_one_in = v32;
	} else if (!strcmp(key, "log_level")) {
		c->port.log_level = (enum teemed_log_level)v32;
	} else if (!strcmp(key, "foreign_intr")) {
		if (r->m && machine_model(r->m))
			optee_model_force_foreign_intr(machine_model(r->m), v32);
		else
			r->pending_intr = v32;
	} else if (!strcmp(key, "yield_every")) {
		c->port.yield_every = v32;
		if (r->m)
			port_sim_set_yield_every(machine_port(r->m), v32);
	} else {
		int kind = fault_kind(key);
		int sticky = strstr(key, ".sticky") != NULL;

		if (kind < 0)
			return scn_error(r, "unknown config key '%s'", key);
		c->port.fault[kind].nth = v;
		c->port.fault[kind].sticky = sticky;
		if (r->m)
			port_sim_set_fault(machine_port(r->m), (enum port_sim_fault_kind)kind, v,
					   sticky);
	}
	return 0;
}

int scn_run_config(struct scn_run *r, const struct scn_line *l)
{
	int k;

	for (k = 1; k < l->ntok; k++) {
		uint64_t v;

		if (scn_key_eval(r, l, l->tok[k].key, -1, 0, 0, &v) ||
		    apply_config(r, l->tok[k].key, v))
			return -1;
	}
	return 0;
}

int scn_run_set(struct scn_run *r, const struct scn_line *l)
{
	char err[SCN_ERR_MAX];
	int k;

	for (k = 1; k < l->ntok; k++) {
		uint64_t v;

		if (scn_eval(r, l->tok[k].val, -1, 0, &v, err, sizeof(err)))
			return scn_error(r, "%s: %s", l->tok[k].key, err);
		if (scn_var_set(r, l->tok[k].key, v))
			return -1;
	}
	return 0;
}

int scn_run_destroy(struct scn_run *r, const struct scn_line *l)
{
	struct scn_guest *sg;
	int g;

	sg = scn_live_guest(r, scn_pos(l, 0), &g);
	if (!sg)
		return -1;
	scn_client_teardown(r, g, 0);
	sg->live = 0;
	if (machine_guest_destroy(r->m, sg->mg))
		return scn_error(r, "teemed_domain_destroy of '%s' did not finish", sg->name);
	sg->mg = NULL;
	return 0;
}

int scn_run_parallel(struct scn_run *r, const struct scn_line *l)
{
	(void)l;
	return scn_error(r, "internal: parallel reached the dispatcher");
}

/* --- the run ------------------------------------------------------------ */

static int run_lines(struct scn_run *r, struct scn_file *f)
{
	const struct scn_line *block[SCN_PAR_MAX];
	int i;

	for (i = 0; i < f->nlines; i++) {
		const struct scn_line *l = &f->lines[i];
		const struct scn_cmd *c = scn_cmd_find(l->tok[0].key);
		int n = 0, rc;

		r->line = l;
		if (!strcmp(c->name, "parallel")) {
			for (i++; strcmp(f->lines[i].tok[0].key, "end"); i++) {
				if (n == SCN_PAR_MAX)
					return scn_error(r, "more than %d lines in a parallel block",
							 SCN_PAR_MAX);
				block[n++] = &f->lines[i];
			}
			rc = scn_parallel_exec(r, block, n);
		} else {
			rc = c->run(r, l);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int scenario_run_file_counts(const struct scenario_opts *opts, const char *path, FILE *out,
			     struct scenario_counts *counts)
{
	struct machine_report rep;
	struct scenario_counts local;
	struct scn_file f;
	struct scn_run *r;
	char err[SCN_ERR_MAX];
	int errors, g, status;

	if (!counts)
		counts = &local;
	memset(counts, 0, sizeof(*counts));
	if (scn_file_read(path, &f, err, sizeof(err))) {
		fprintf(out, "%s: %s\n", path, err);
		counts->failed = 1;
		fprintf(out, "scenario %s: 0 passed, 1 failed\n", path);
		return 2;
	}
	errors = scn_check_file(&f, path, out);
	if (errors) {
		scn_file_free(&f);
		counts->failed = (unsigned)errors;
		fprintf(out, "scenario %s: 0 passed, %d failed (not run)\n", path, errors);
		return 2;
	}
	r = calloc(1, sizeof(*r));
	if (r)
		r->guests = calloc(SCN_MAX_GUESTS, sizeof(*r->guests));
	if (!r || !r->guests) {
		free(r);
		scn_file_free(&f);
		counts->failed = 1;
		fprintf(out, "scenario %s: out of memory\n", path);
		return 2;
	}
	r->opts = *opts;
	r->out = out;
	r->path = path;
	r->cur_g = -1;
	r->last_client = -1;
	pthread_mutex_init(&r->lock, NULL);
	machine_config_default(&r->mcfg, MACHINE_MEDIATED);
	r->mcfg.seed = opts->seed ? opts->seed : 1;
	r->mcfg.model.seed = r->mcfg.seed;
	r->mcfg.guest_trace = scn_trace_hook;
	r->mcfg.trace_arg = r;
	r->mcfg.verbose = 0;

	run_lines(r, &f);
	r->line = NULL;
	for (g = 0; g < r->nguests; g++)
		if (r->guests[g].live)
			scn_client_teardown(r, g, 1);
	if (r->m) {
		machine_destroy(r->m, &rep);
		r->m = NULL;
		if (opts->verbose)
			machine_report_print(&rep, out);
		scn_final_checks(r, &rep);
	}
	counts->passed = r->passed;
	counts->failed = r->failed;
	fprintf(out, "scenario %s: %u passed, %u failed\n", path, r->passed, r->failed);
	status = r->failed ? 1 : 0;
	for (g = 0; g < r->nobjs; g++)
		free(r->objs[g]);
	pthread_mutex_destroy(&r->lock);
	free(r->guests);
	free(r);
	scn_file_free(&f);
	return status;
}

int scenario_run_file(const struct scenario_opts *opts, const char *path, FILE *out)
{
	return scenario_run_file_counts(opts, path, out, NULL);
}
