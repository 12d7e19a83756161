/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internals of the scenario runner, shared by its files:
 *   lex.c     reading a file into tokenized lines; expressions and data
 *   names.c   symbolic constants, value names, field tables, TA table
 *   check.c   the command table and the static check of a whole file
 *   run.c     scenario_run_file: machine life cycle, dispatch, reporting
 *   raw.c     raw guest actions: memory, arguments, page lists, stage 2, SMCs
 *   expect.c  expect, expect-mem, expect-count, parallel blocks
 *   client.c  client-API actions through the guest driver (TEEC)
 *   assert.c  assertions and the foreign-PA watch
 *
 * Threads: commands run on the caller's thread, except the SMCs of a
 * `parallel` block, which run on vCPU threads; those touch only their own
 * vCPU's result slot, and the guest trace hook (any thread) takes r->lock.
 */
#ifndef TEEMED_SIM_SCENARIO_SCN_H
#define TEEMED_SIM_SCENARIO_SCN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "guest/driver.h"
#include "guest/teec.h"
#include "sim/machine/machine.h"
#include "sim/scenario/scenario.h"

/* Limits of the format; each is far above what a hand-written file needs. */
#define SCN_LINE_MAX   4096  /* characters of one line */
#define SCN_MAX_TOK    64    /* tokens of one line */
#define SCN_MAX_GUESTS 16    /* guests declared in one file */
#define SCN_MAX_VARS   512   /* variables (set, load, open, register) */
#define SCN_MAX_OBJS   128   /* sessions and shared-memory objects */
#define SCN_NAME_MAX   48    /* guest, variable and object names */
#define SCN_DATA_MAX   8192  /* bytes of one write / expect-mem */
#define SCN_ERR_MAX    256   /* one error message */
#define SCN_PAR_MAX    64    /* commands of one parallel block */

/* Comparison of a key token: key=v, key!=v, key<v, key<=v, key>v, key>=v. */
enum scn_op { SCN_OP_EQ, SCN_OP_NE, SCN_OP_LT, SCN_OP_LE, SCN_OP_GT, SCN_OP_GE };

struct scn_tok {
	char *key;        /* the word; the whole token when bare */
	char *val;        /* NULL for a bare token */
	enum scn_op op;
};

struct scn_line {
	int lineno;
	char *text;       /* the line without comment and outer blanks */
	int ntok;
	struct scn_tok tok[SCN_MAX_TOK]; /* tok[0] is the command */
	int in_parallel;  /* between `parallel` and `end` */
};

struct scn_file {
	struct scn_line *lines;
	int nlines;
};

/* lex.c */
int scn_file_read(const char *path, struct scn_file *f, char *err, size_t errlen);
void scn_file_free(struct scn_file *f);
/* Bare tokens after the command: the i-th, or NULL. */
const char *scn_pos(const struct scn_line *l, int i);
int scn_npos(const struct scn_line *l);
/* The value of key `key` (first occurrence) or NULL; its token in *tok. */
const char *scn_key(const struct scn_line *l, const char *key, const struct scn_tok **tok);
const char *scn_op_str(enum scn_op op);
bool scn_op_holds(enum scn_op op, uint64_t got, uint64_t want);

struct scn_run;

/*
 * Evaluate an expression: terms joined by + and -, a term being a number
 * (decimal, 0x hex, with an optional K/M/G multiplier), a symbolic
 * constant, $aN (last result of vCPU `g`.`v`, or of the last SMC's vCPU if
 * g < 0) or $VAR. With r NULL only the syntax and the names are checked
 * ($VAR must then be in the `known` list of check.c: see scn_check_var).
 */
int scn_eval(struct scn_run *r, const char *s, int g, int v, uint64_t *out, char *err,
	     size_t errlen);
/* value|value|...: true if `got` equals one of them under `op`. */
int scn_eval_alts(struct scn_run *r, const char *s, int g, int v, uint64_t *alts, int max,
		  int *n, char *err, size_t errlen);

/*
 * Data tokens (write, expect-mem): hex:0011.., u8:/u16:/u32:/u64:v,v,...,
 * zero:N. Appends to buf (SCN_DATA_MAX bytes), *len updated.
 */
int scn_data(struct scn_run *r, const char *tok, uint8_t *buf, size_t *len, char *err,
	     size_t errlen);

/* names.c */
bool scn_const_lookup(const char *name, uint64_t *v);
/* Name of a value in a context ("a0", "ret", "origin", "cmd"), or NULL. */
const char *scn_value_name(const char *ctx, uint64_t v);
void scn_fmt_value(char *buf, size_t len, const char *ctx, uint64_t v);
bool scn_ta_uuid(const char *name, TEEC_UUID *uuid);
void scn_uuid_octets(const TEEC_UUID *u, uint8_t out[16]);
/* Field tables: offset in the struct of a uint64_t field, or -1. */
long scn_stats_field(const char *name);
long scn_report_field(const char *name);
long scn_model_field(const char *name, int *is32);
void scn_list_fields(FILE *out, int which);

/* check.c: the command table. */
struct scn_cmd {
	const char *name;
	int min_pos, max_pos;
	const char *const *keys;  /* allowed keys; NULL = none (see any_key) */
	int any_key;              /* set, config: keys checked by `check` */
	int par_ok;               /* allowed inside a parallel block */
	/* Static check of the line (after the generic one); 0 or -1 with err. */
	int (*check)(struct scn_run *dry, const struct scn_line *l, char *err, size_t len);
	int (*run)(struct scn_run *r, const struct scn_line *l);
};
const struct scn_cmd *scn_cmd_find(const char *name);
/* Check the whole file; prints every error to out. Returns their count. */
int scn_check_file(struct scn_file *f, const char *path, FILE *out);
/* During the static check: does guest / variable `name` exist so far? */
bool scn_check_guest(const char *name);
bool scn_check_var(const char *name);
int scn_check_guest_count(void);

/* run.c: per-guest and per-run state. */
struct scn_regs {
	uint64_t in[8];
	uint64_t out[8];
	int valid;
};

struct scn_result {             /* last client-API action of a guest */
	uint32_t ret, origin, session;
	uint32_t types[4];
	uint64_t a[4], b[4], size[4];
	int valid;
};

struct scn_guest {
	char name[SCN_NAME_MAX];
	int live;
	struct machine_guest *mg;
	uint16_t id;
	uint32_t vcpus;
	uint64_t base, size, raw;
	struct scn_regs last[MACHINE_MAX_VCPUS];
	struct gdrv_config dcfg;
	struct gdrv *drv;
	TEEC_Context ctx;
	int have_ctx;
	struct scn_result res;
};

enum scn_obj_kind { SCN_OBJ_SESSION, SCN_OBJ_SHM };

struct scn_obj {
	char name[SCN_NAME_MAX];
	enum scn_obj_kind kind;
	int guest;
	int live;
	TEEC_Session sess;
	TEEC_SharedMemory shm;
};

struct scn_var {
	char name[SCN_NAME_MAX];
	uint64_t value;
};

struct scn_run {
	struct scenario_opts opts;
	FILE *out;
	const char *path;
	struct machine_config mcfg;
	struct machine *m;
	uint32_t pending_intr;         /* config foreign_intr= before the machine */
	struct scn_guest *guests;      /* SCN_MAX_GUESTS */
	int nguests;
	struct scn_var vars[SCN_MAX_VARS];
	int nvars;
	struct scn_obj *objs[SCN_MAX_OBJS];
	int nobjs;
	int cur_g, cur_v;              /* vCPU of the last smc */
	int last_client;               /* guest of the last client action */
	unsigned passed, failed;
	const struct scn_line *line;   /* being run */
	pthread_mutex_t lock;          /* foreign-PA records, trace output */
	uint64_t foreign_regs;         /* results holding a foreign PA */
	char foreign_first[200];
	struct machine_report baseline;
	int have_baseline;
};

/* run.c */
/* Report one check; returns 0 if it passed. */
int scn_pass(struct scn_run *r, const char *what, ...) __attribute__((format(printf, 2, 3)));
int scn_fail(struct scn_run *r, const char *what, ...) __attribute__((format(printf, 2, 3)));
/* A runtime error: counted as a failure; the run stops. Returns -1. */
int scn_error(struct scn_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int scn_machine(struct scn_run *r);   /* create it on first use */
int scn_guest_find(struct scn_run *r, const char *name);
/* GUEST or GUEST.VCPU: indexes; -1 with a runtime error. */
int scn_target(struct scn_run *r, const char *s, int *g, int *v);
struct scn_guest *scn_live_guest(struct scn_run *r, const char *name, int *gi);
int scn_var_set(struct scn_run *r, const char *name, uint64_t value);
bool scn_var_get(struct scn_run *r, const char *name, uint64_t *value);
/* One SMC from vCPU g.v on the calling thread; records in and out. */
void scn_smc(struct scn_run *r, int g, int v, uint64_t regs[8]);
/* Evaluate the value of a key token, or a runtime error. */
int scn_key_eval(struct scn_run *r, const struct scn_line *l, const char *key, int g, int v,
		 uint64_t def, uint64_t *out);

/* raw.c */
int scn_mem(struct scn_run *r, struct scn_guest *sg, uint64_t ipa, void *buf, size_t len,
	    int write);
/* Data tokens from plain argument `first` on, into buf (SCN_DATA_MAX). */
int scn_collect_data(struct scn_run *r, const struct scn_line *l, int first, uint8_t *buf,
		     size_t *len);
int scn_smc_regs(struct scn_run *r, const struct scn_line *l, int g, int v, uint64_t regs[8],
		 char *err, size_t len);

/* Runners of the commands (raw.c, expect.c, client.c, assert.c, run.c). */
int scn_run_guest(struct scn_run *r, const struct scn_line *l);
int scn_run_config(struct scn_run *r, const struct scn_line *l);
int scn_run_set(struct scn_run *r, const struct scn_line *l);
int scn_run_write(struct scn_run *r, const struct scn_line *l);
int scn_run_load(struct scn_run *r, const struct scn_line *l);
int scn_run_arg(struct scn_run *r, const struct scn_line *l);
int scn_run_param(struct scn_run *r, const struct scn_line *l);
int scn_run_pagelist(struct scn_run *r, const struct scn_line *l);
int scn_run_map(struct scn_run *r, const struct scn_line *l);
int scn_run_smc(struct scn_run *r, const struct scn_line *l);
int scn_run_expect(struct scn_run *r, const struct scn_line *l);
int scn_run_expect_mem(struct scn_run *r, const struct scn_line *l);
int scn_run_expect_count(struct scn_run *r, const struct scn_line *l);
int scn_run_parallel(struct scn_run *r, const struct scn_line *l);
int scn_run_driver(struct scn_run *r, const struct scn_line *l);
int scn_run_open(struct scn_run *r, const struct scn_line *l);
int scn_run_invoke(struct scn_run *r, const struct scn_line *l);
int scn_run_close(struct scn_run *r, const struct scn_line *l);
int scn_run_register(struct scn_run *r, const struct scn_line *l);
int scn_run_unregister(struct scn_run *r, const struct scn_line *l);
int scn_run_destroy(struct scn_run *r, const struct scn_line *l);
int scn_run_assert(struct scn_run *r, const struct scn_line *l);

/* Static checks of particular commands (check.c and the runners' files). */
int scn_check_config(struct scn_run *dry, const struct scn_line *l, char *err, size_t len);
int scn_check_invoke_param(const char *tok, char *err, size_t len);
int scn_check_assert(struct scn_run *dry, const struct scn_line *l, char *err, size_t len);

/* parallel: the lines of the block are handed over by run.c. */
int scn_parallel_exec(struct scn_run *r, const struct scn_line *const *lines, int n);

/* client.c */
void scn_client_teardown(struct scn_run *r, int g, int polite);
/* assert.c */
void scn_trace_hook(void *arg, uint16_t guest, uint32_t vcpu, const uint64_t in[8],
		    const uint64_t out[8]);
int scn_final_checks(struct scn_run *r, const struct machine_report *rep);

#endif /* TEEMED_SIM_SCENARIO_SCN_H */
