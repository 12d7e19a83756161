/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The command table and the static check of a scenario file: every error
 * of form (unknown command, wrong arguments, unknown key or name, bad
 * value syntax, undeclared guest or variable, unbalanced parallel block)
 * is found before anything runs, each reported with its line number.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/scn.h"

/*
 * Positional arguments, one letter each (the last one repeats):
 *   G new guest name   g guest   t target GUEST[.VCPU]   T list of targets
 *   e expression       n new variable/object name   N existing object
 *   d data token       p invoke parameter   a TA name   w word (command check)
 */
struct spec {
	const char *pos;
	int alts;                   /* key values may be value|value */
	const char *const *words;   /* keys whose value is a word, not a value */
};

static const char *const k_guest[] = { "vcpus", "ram", "base", "raw", NULL };
static const char *const k_arg[] = { "cmd", "func", "session", "cancel", "pad", "ret",
				     "origin", "num_params", NULL };
static const char *const k_param[] = { "attr", "a", "b", "c", "buf", "offs", "size",
				       "shm_ref", "cookie", "uuid", "login", NULL };
static const char *const w_param[] = { "uuid", NULL };
static const char *const k_pagelist[] = { "entries", "first", "count", "next", NULL };
static const char *const k_map[] = { "pages", NULL };
static const char *const k_regs[] = { "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7",
				      "a1a2", "a4a5", NULL };
static const char *const k_driver[] = { "mode", "cookie_base", "enumerate", NULL };
static const char *const w_driver[] = { "mode", NULL };
static const char *const k_open[] = { "login", NULL };

static int check_expect(struct scn_run *dry, const struct scn_line *l, char *err, size_t len);
static int check_driver(struct scn_run *dry, const struct scn_line *l, char *err, size_t len);
static int check_map(struct scn_run *dry, const struct scn_line *l, char *err, size_t len);
static int check_load(struct scn_run *dry, const struct scn_line *l, char *err, size_t len);

static const struct scn_cmd cmds[] = {
	{ "guest", 1, 1, k_guest, 0, 0, NULL, scn_run_guest },
	{ "config", 0, 0, NULL, 1, 0, scn_check_config, scn_run_config },
	{ "set", 0, 0, NULL, 1, 0, NULL, scn_run_set },
	{ "write", 3, SCN_MAX_TOK, NULL, 0, 1, NULL, scn_run_write },
	{ "load", 3, 4, NULL, 0, 0, check_load, scn_run_load },
	{ "arg", 2, 2, k_arg, 0, 1, NULL, scn_run_arg },
	{ "param", 3, 3, k_param, 0, 1, NULL, scn_run_param },
	{ "pagelist", 2, 2, k_pagelist, 0, 1, NULL, scn_run_pagelist },
	{ "map", 3, 3, k_map, 0, 1, check_map, scn_run_map },
	{ "smc", 1, 1, k_regs, 0, 1, NULL, scn_run_smc },
	{ "expect", 0, 1, NULL, 1, 0, check_expect, scn_run_expect },
	{ "expect-mem", 3, SCN_MAX_TOK, NULL, 0, 0, NULL, scn_run_expect_mem },
	{ "expect-count", 2, 2, k_regs, 0, 0, NULL, scn_run_expect_count },
	{ "parallel", 0, 0, NULL, 0, 0, NULL, scn_run_parallel },
	{ "end", 0, 0, NULL, 0, 0, NULL, NULL },
	{ "driver", 1, 1, k_driver, 0, 0, check_driver, scn_run_driver },
	{ "open", 3, 7, k_open, 0, 0, NULL, scn_run_open },
	{ "invoke", 3, 7, NULL, 0, 0, NULL, scn_run_invoke },
	{ "close", 2, 2, NULL, 0, 0, NULL, scn_run_close },
	{ "register", 3, 3, NULL, 0, 0, NULL, scn_run_register },
	{ "unregister", 2, 2, NULL, 0, 0, NULL, scn_run_unregister },
	{ "destroy", 1, 1, NULL, 0, 0, NULL, scn_run_destroy },
	{ "assert", 0, 3, NULL, 1, 0, scn_check_assert, scn_run_assert },
};

static const struct spec specs[] = {
	{ "G", 0, NULL },   { "", 0, NULL },    { "", 0, NULL },    { "ged", 0, NULL },
	{ "ngew", 0, NULL }, { "ge", 0, NULL },  { "gee", 0, w_param }, { "ge", 0, NULL },
	{ "gew", 0, NULL }, { "t", 0, NULL },   { "t", 1, NULL },   { "ged", 0, NULL },
	{ "eT", 1, NULL },  { "", 0, NULL },    { "", 0, NULL },    { "g", 0, w_driver },
	{ "gnap", 0, NULL }, { "gNep", 0, NULL }, { "gN", 0, NULL }, { "gne", 0, NULL },
	{ "gN", 0, NULL },  { "g", 0, NULL },   { "www", 1, NULL },
};

_Static_assert(sizeof(cmds) / sizeof(cmds[0]) == sizeof(specs) / sizeof(specs[0]),
	       "one spec per command");

const struct scn_cmd *scn_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

/* Names declared so far in the file being checked. */
static _Thread_local char (*known_guests)[SCN_NAME_MAX];
static _Thread_local int nknown_guests;
static _Thread_local char (*known_vars)[SCN_NAME_MAX];
static _Thread_local int nknown_vars;

bool scn_check_guest(const char *name)
{
	int i;

	for (i = 0; i < nknown_guests; i++)
		if (!strcmp(known_guests[i], name))
			return true;
	return false;
}

int scn_check_guest_count(void)
{
	return nknown_guests;
}

bool scn_check_var(const char *name)
{
	int i;

	for (i = 0; i < nknown_vars; i++)
		if (!strcmp(known_vars[i], name))
			return true;
	return false;
}

static bool valid_name(const char *s)
{
	size_t n = 0;

	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_')
			return false;
	return n < SCN_NAME_MAX - 5; /* room for ".ipa" */
}

static int declare_name(const char *name, char *err, size_t len)
{
	if (scn_check_var(name))
		return 0;
	if (nknown_vars == SCN_MAX_VARS) {
		snprintf(err, len, "more than %d variables", SCN_MAX_VARS);
		return -1;
	}
	strcpy(known_vars[nknown_vars++], name);
	return 0;
}

static int declare_var(const char *name, char *err, size_t len)
{
	if (!valid_name(name)) {
		snprintf(err, len, "'%s' is not a valid name (letters, digits, _)", name);
		return -1;
	}
	return declare_name(name, err, len);
}

static int check_target(const char *s, char *err, size_t len)
{
	char name[SCN_NAME_MAX];
	const char *dot = strchr(s, '.');
	size_t n = dot ? (size_t)(dot - s) : strlen(s);

	if (n >= sizeof(name)) {
		snprintf(err, len, "guest name '%s' too long", s);
		return -1;
	}
	memcpy(name, s, n);
	name[n] = '\0';
	if (!scn_check_guest(name)) {
		snprintf(err, len, "unknown guest '%s' (declare it with a guest line first)", name);
		return -1;
	}
	if (dot) {
		const char *d = dot + 1;

		if (!*d || strspn(d, "0123456789") != strlen(d)) {
			snprintf(err, len, "bad vCPU number in '%s'", s);
			return -1;
		}
	}
	return 0;
}

static int check_pos(const struct scn_line *l, const struct spec *sp, char *err, size_t len)
{
	int i, n = scn_npos(l);
	size_t kinds = strlen(sp->pos);

	for (i = 0; i < n; i++) {
		const char *a = scn_pos(l, i);
		char k = kinds ? sp->pos[(size_t)i < kinds ? (size_t)i : kinds - 1] : 'w';
		uint64_t v;
		uint8_t buf[SCN_DATA_MAX];
		size_t dl = 0;
		TEEC_UUID u;

		switch (k) {
		case 'G':
			if (!valid_name(a)) {
				snprintf(err, len, "'%s' is not a valid guest name", a);
				return -1;
			}
			if (scn_check_guest(a)) {
				snprintf(err, len, "guest '%s' declared twice", a);
				return -1;
			}
			if (nknown_guests == SCN_MAX_GUESTS) {
				snprintf(err, len, "more than %d guests", SCN_MAX_GUESTS);
				return -1;
			}
			strcpy(known_guests[nknown_guests++], a);
			break;
		case 'g':
			if (strchr(a, '.')) {
				snprintf(err, len, "'%s': a guest name is expected here, no vCPU", a);
				return -1;
			}
			/* fall through */
		case 't':
			if (check_target(a, err, len))
				return -1;
			break;
		case 'T': {
			char list[SCN_LINE_MAX], *save = NULL, *t;

			snprintf(list, sizeof(list), "%s", a);
			for (t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
				if (check_target(t, err, len))
					return -1;
			break;
		}
		case 'e':
			if (scn_eval(NULL, a, -1, 0, &v, err, len))
				return -1;
			break;
		case 'n':
			if (declare_var(a, err, len))
				return -1;
			break;
		case 'N':
			if (!scn_check_var(a)) {
				snprintf(err, len, "'%s' is not opened or registered before this line",
					 a);
				return -1;
			}
			break;
		case 'd':
			if (scn_data(NULL, a, buf, &dl, err, len))
				return -1;
			break;
		case 'p':
			if (scn_check_invoke_param(a, err, len))
				return -1;
			break;
		case 'a':
			if (!scn_ta_uuid(a, &u)) {
				snprintf(err, len, "unknown TA '%s' (devenum, arith, buf, storage, "
					 "shmkeep, sleep, panic, missing)", a);
				return -1;
			}
			break;
		default:
			break;
		}
	}
	return 0;
}

static bool in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

static int check_keys(const struct scn_cmd *c, const struct spec *sp, const struct scn_line *l,
		      char *err, size_t len)
{
	int k, n;
	uint64_t alts[16];

	for (k = 1; k < l->ntok; k++) {
		const struct scn_tok *t = &l->tok[k];

		if (!t->val)
			continue;
		if (!c->any_key && !in_list(c->keys, t->key)) {
			snprintf(err, len, "'%s' takes no key '%s'", c->name, t->key);
			return -1;
		}
		if (t->op != SCN_OP_EQ && !sp->alts) {
			snprintf(err, len, "'%s%s': only '=' here", t->key, scn_op_str(t->op));
			return -1;
		}
		if (in_list(sp->words, t->key) || !strcmp(c->name, "config"))
			continue;
		if (sp->alts ? scn_eval_alts(NULL, t->val, -1, 0, alts, 16, &n, err, len)
			     : scn_eval(NULL, t->val, -1, 0, alts, err, len))
			return -1;
	}
	return 0;
}

static int check_line(struct scn_line *l, char *err, size_t len)
{
	const struct scn_cmd *c = scn_cmd_find(l->tok[0].key);
	const struct spec *sp;
	int n = scn_npos(l);

	if (l->tok[0].val || !c) {
		snprintf(err, len, "unknown command '%s'", l->tok[0].key);
		return -1;
	}
	sp = &specs[c - cmds];
	if (n < c->min_pos || n > c->max_pos) {
		if (c->min_pos == c->max_pos)
			snprintf(err, len, "'%s' takes %d plain argument%s, not %d", c->name,
				 c->min_pos, c->min_pos == 1 ? "" : "s", n);
		else
			snprintf(err, len, "'%s' takes %d to %d plain arguments, not %d", c->name,
				 c->min_pos, c->max_pos, n);
		return -1;
	}
	if (l->in_parallel && !c->par_ok) {
		snprintf(err, len, "'%s' is not allowed inside a parallel block "
			 "(smc, write, arg, param, pagelist, map are)", c->name);
		return -1;
	}
	if (check_keys(c, sp, l, err, len) || check_pos(l, sp, err, len))
		return -1;
	if (c->check && c->check(NULL, l, err, len))
		return -1;
	if (!strcmp(c->name, "set")) {
		int k;

		if (l->ntok < 2) {
			snprintf(err, len, "'set' needs NAME=VALUE");
			return -1;
		}
		for (k = 1; k < l->ntok; k++)
			if (declare_var(l->tok[k].key, err, len))
				return -1;
	}
	if (!strcmp(c->name, "register")) {
		char name[SCN_NAME_MAX + 8];

		snprintf(name, sizeof(name), "%s.ipa", scn_pos(l, 1));
		if (declare_name(name, err, len))
			return -1;
	}
	return 0;
}

int scn_check_file(struct scn_file *f, const char *path, FILE *out)
{
	char err[SCN_ERR_MAX];
	int i, errors = 0, par_line = 0;

	known_guests = calloc(SCN_MAX_GUESTS, sizeof(*known_guests));
	known_vars = calloc(SCN_MAX_VARS, sizeof(*known_vars));
	nknown_guests = nknown_vars = 0;
	if (!known_guests || !known_vars) {
		fprintf(out, "%s: out of memory\n", path);
		errors = 1;
		goto out;
	}
	for (i = 0; i < f->nlines; i++) {
		struct scn_line *l = &f->lines[i];
		const char *cmd = l->tok[0].key;

		if (!strcmp(cmd, "parallel")) {
			if (par_line) {
				fprintf(out, "%s:%d: parallel blocks do not nest (open at line %d)\n",
					path, l->lineno, par_line);
				errors++;
			}
			par_line = l->lineno;
		} else if (!strcmp(cmd, "end")) {
			if (!par_line) {
				fprintf(out, "%s:%d: 'end' without 'parallel'\n", path, l->lineno);
				errors++;
			}
			par_line = 0;
		} else {
			l->in_parallel = par_line != 0;
		}
		if (check_line(l, err, sizeof(err))) {
			fprintf(out, "%s:%d: %s\n    %s\n", path, l->lineno, err, l->text);
			errors++;
		}
	}
	if (par_line) {
		fprintf(out, "%s:%d: parallel block is never closed with 'end'\n", path, par_line);
		errors++;
	}
out:
	free(known_guests);
	free(known_vars);
	known_guests = NULL;
	known_vars = NULL;
	return errors;
}

/* --- checks of particular commands ------------------------------------ */

static int check_expect(struct scn_run *dry, const struct scn_line *l, char *err, size_t len)
{
	int k, nkeys = 0;

	(void)dry;
	for (k = 1; k < l->ntok; k++) {
		const char *key = l->tok[k].key;

		if (!l->tok[k].val)
			continue;
		nkeys++;
		if (in_list(k_regs, key) || !strcmp(key, "ret") || !strcmp(key, "origin") ||
		    !strcmp(key, "session"))
			continue;
		if (key[0] == 'p' && key[1] >= '0' && key[1] <= '3' && key[2] == '.' &&
		    (!strcmp(key + 3, "a") || !strcmp(key + 3, "b") || !strcmp(key + 3, "size")))
			continue;
		snprintf(err, len, "expect: unknown key '%s' (a0..a7, a1a2, a4a5 for SMCs; "
			 "ret, origin, session, pN.a, pN.b, pN.size for client actions)", key);
		return -1;
	}
	if (!nkeys) {
		snprintf(err, len, "expect: nothing to check");
		return -1;
	}
	return 0;
}

static int check_driver(struct scn_run *dry, const struct scn_line *l, char *err, size_t len)
{
	const char *mode = scn_key(l, "mode", NULL);

	(void)dry;
	if (mode && strcmp(mode, "modern") && strcmp(mode, "legacy")) {
		snprintf(err, len, "driver mode must be modern or legacy, not '%s'", mode);
		return -1;
	}
	return 0;
}

static int check_map(struct scn_run *dry, const struct scn_line *l, char *err, size_t len)
{
	static const char *const modes[] = { "ram-rw", "ram-ro", "mmio", "unmapped", "remap",
					     NULL };
	const char *m = scn_pos(l, 2);

	(void)dry;
	if (!in_list(modes, m)) {
		snprintf(err, len, "map mode must be ram-rw, ram-ro, mmio, unmapped or remap, "
			 "not '%s'", m);
		return -1;
	}
	return 0;
}

static int check_load(struct scn_run *dry, const struct scn_line *l, char *err, size_t len)
{
	static const char *const widths[] = { "u8", "u16", "u32", "u64", NULL };
	const char *w = scn_pos(l, 3);

	(void)dry;
	if (w && !in_list(widths, w)) {
		snprintf(err, len, "load width must be u8, u16, u32 or u64, not '%s'", w);
		return -1;
	}
	return 0;
}
