/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Expectations on SMC results (expect, expect-count), on client-action
 * results (expect ret=...) and on guest memory (expect-mem); parallel
 * blocks, whose SMCs run on the guests' vCPU threads at once.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/scn.h"

#define SCN_MAX_ALTS 16

static int reg_index(const char *key)
{
	if (key[0] == 'a' && key[1] >= '0' && key[1] <= '7' && !key[2])
		return key[1] - '0';
	if (!strcmp(key, "a1a2"))
		return 8;
	if (!strcmp(key, "a4a5"))
		return 9;
	return -1;
}

static uint64_t reg_value(const uint64_t out[8], int idx)
{
	if (idx == 8)
		return (out[1] & 0xffffffffu) << 32 | (out[2] & 0xffffffffu);
	if (idx == 9)
		return (out[4] & 0xffffffffu) << 32 | (out[5] & 0xffffffffu);
	return out[idx];
}

/* The value of a client-result key (ret, origin, session, pN.a|b|size). */
static uint64_t result_value(const struct scn_result *res, const char *key)
{
	int i;

	if (!strcmp(key, "ret"))
		return res->ret;
	if (!strcmp(key, "origin"))
		return res->origin;
	if (!strcmp(key, "session"))
		return res->session;
	i = key[1] - '0';
	if (!strcmp(key + 3, "a"))
		return res->a[i];
	if (!strcmp(key + 3, "b"))
		return res->b[i];
	return res->size[i];
}

static const char *value_ctx(const char *key)
{
	if (!strcmp(key, "a0") || !strcmp(key, "ret") || !strcmp(key, "origin"))
		return key;
	return NULL;
}

/*
 * Does `got` satisfy key<op>alternatives? On failure, append a description
 * to msg. Returns 1 if it holds, 0 if not, -1 on an evaluation error.
 */
static int match(struct scn_run *r, const struct scn_tok *t, int g, int v, uint64_t got,
		 char *msg, size_t len)
{
	uint64_t alts[SCN_MAX_ALTS];
	char err[SCN_ERR_MAX], gbuf[64], wbuf[64];
	int n, i, ok = t->op == SCN_OP_NE;
	size_t used = strlen(msg);

	if (scn_eval_alts(r, t->val, g, v, alts, SCN_MAX_ALTS, &n, err, sizeof(err))) {
		scn_error(r, "%s: %s", t->key, err);
		return -1;
	}
	for (i = 0; i < n; i++) {
		bool h = scn_op_holds(t->op, got, alts[i]);

		/* != must differ from every alternative; the others match any. */
		ok = t->op == SCN_OP_NE ? ok && h : ok || h;
	}
	if (ok)
		return 1;
	scn_fmt_value(gbuf, sizeof(gbuf), value_ctx(t->key), got);
	scn_fmt_value(wbuf, sizeof(wbuf), value_ctx(t->key), alts[0]);
	snprintf(msg + used, len - used, "%s%s: expected %s%s, got %s", used ? "; " : "",
		 t->key, t->op == SCN_OP_EQ ? "" : scn_op_str(t->op), n > 1 ? t->val : wbuf,
		 gbuf);
	return 0;
}

int scn_run_expect(struct scn_run *r, const struct scn_line *l)
{
	const char *target = scn_pos(l, 0);
	char msg[1024] = "";
	int g = r->cur_g, v = r->cur_v, cg = r->last_client, k, ok = 1, rc;

	if (target) {
		if (scn_target(r, target, &g, &v))
			return -1;
		cg = g;
	}
	for (k = 1; k < l->ntok; k++) {
		const struct scn_tok *t = &l->tok[k];
		int idx;

		if (!t->val)
			continue;
		idx = reg_index(t->key);
		if (idx >= 0) {
			if (g < 0 || !r->guests[g].last[v].valid)
				return scn_error(r, "expect %s: no SMC result to check", t->key);
			rc = match(r, t, g, v, reg_value(r->guests[g].last[v].out, idx), msg,
				   sizeof(msg));
		} else {
			if (cg < 0 || !r->guests[cg].res.valid)
				return scn_error(r, "expect %s: no client action to check", t->key);
			rc = match(r, t, -1, 0, result_value(&r->guests[cg].res, t->key), msg,
				   sizeof(msg));
		}
		if (rc < 0)
			return -1;
		ok &= rc;
	}
	if (ok)
		return scn_pass(r, "%s", l->text);
	return scn_fail(r, "%s: %s", l->text, msg);
}

int scn_run_expect_count(struct scn_run *r, const struct scn_line *l)
{
	char list[SCN_LINE_MAX], msg[1024];
	char *save = NULL, *t;
	uint64_t want;
	char err[SCN_ERR_MAX];
	unsigned count = 0;

	if (scn_eval(r, scn_pos(l, 0), -1, 0, &want, err, sizeof(err)))
		return scn_error(r, "%s", err);
	snprintf(list, sizeof(list), "%s", scn_pos(l, 1));
	for (t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int g, v, k, all = 1;

		if (scn_target(r, t, &g, &v))
			return -1;
		if (!r->guests[g].last[v].valid)
			return scn_error(r, "%s has no SMC result yet", t);
		for (k = 1; k < l->ntok; k++) {
			const struct scn_tok *tk = &l->tok[k];
			int rc;

			if (!tk->val)
				continue;
			msg[0] = '\0';
			rc = match(r, tk, g, v, reg_value(r->guests[g].last[v].out,
							   reg_index(tk->key)), msg, sizeof(msg));
			if (rc < 0)
				return -1;
			all &= rc;
		}
		count += (unsigned)all;
	}
	if (count == want)
		return scn_pass(r, "%s", l->text);
	return scn_fail(r, "%s: %u of them matched, expected %llu", l->text, count,
			(unsigned long long)want);
}

static void hex(char *buf, size_t len, const uint8_t *p, size_t n)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used + 3 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%02x", p[i]);
}

int scn_run_expect_mem(struct scn_run *r, const struct scn_line *l)
{
	uint8_t want[SCN_DATA_MAX], got[SCN_DATA_MAX];
	char err[SCN_ERR_MAX], hw[80], hg[80];
	struct scn_guest *sg = scn_live_guest(r, scn_pos(l, 0), NULL);
	uint64_t ipa;
	size_t len, i;

	if (!sg)
		return -1;
	if (scn_eval(r, scn_pos(l, 1), -1, 0, &ipa, err, sizeof(err)))
		return scn_error(r, "%s", err);
	if (scn_collect_data(r, l, 2, want, &len) || scn_mem(r, sg, ipa, got, len, 0))
		return -1;
	for (i = 0; i < len && want[i] == got[i]; i++)
		;
	if (i == len)
		return scn_pass(r, "%s", l->text);
	/* Show up to 16 bytes from the 4-byte group holding the first difference. */
	i &= ~(size_t)3;
	hex(hw, sizeof(hw), want + i, len - i < 16 ? len - i : 16);
	hex(hg, sizeof(hg), got + i, len - i < 16 ? len - i : 16);
	return scn_fail(r, "%s: at IPA 0x%llx expected %s, got %s", l->text,
			(unsigned long long)(ipa + i), hw, hg);
}

/* --- parallel blocks ------------------------------------------------------ */

struct lane {
	struct scn_run *r;
	int g, v;                    /* the vCPU; g = -1: the host lane */
	const struct scn_line *lines[SCN_PAR_MAX];
	int n;
	atomic_int *go;              /* 0 wait, 1 run, -1 abort */
	char err[SCN_ERR_MAX];
	int err_line;
	int aborted;                 /* host lane: a command failed to run */
	pthread_t thread;
};

static int wait_go(atomic_int *go)
{
	int s;

	while (!(s = atomic_load(go)))
		sched_yield();
	return s > 0;
}

static int vcpu_lane(const struct guest_env *env, void *arg)
{
	struct lane *ln = arg;
	struct scn_regs *slot = &ln->r->guests[ln->g].last[ln->v];
	int i;

	if (!wait_go(ln->go))
		return 0;
	for (i = 0; i < ln->n; i++) {
		uint64_t regs[8];

		if (scn_smc_regs(ln->r, ln->lines[i], ln->g, ln->v, regs, ln->err,
				 sizeof(ln->err))) {
			ln->err_line = ln->lines[i]->lineno;
			return 1;
		}
		memcpy(slot->in, regs, sizeof(regs));
		env->smc(env->ctx, regs);
		memcpy(slot->out, regs, sizeof(regs));
		slot->valid = 1;
	}
	return 0;
}

static void *host_lane(void *arg)
{
	struct lane *ln = arg;
	int i;

	if (!wait_go(ln->go))
		return NULL;
	for (i = 0; i < ln->n; i++) {
		ln->r->line = ln->lines[i];
		if (scn_cmd_find(ln->lines[i]->tok[0].key)->run(ln->r, ln->lines[i]) < 0) {
			ln->aborted = 1;
			break;
		}
	}
	return NULL;
}

int scn_parallel_exec(struct scn_run *r, const struct scn_line *const *lines, int n)
{
	struct lane *lanes = calloc(SCN_PAR_MAX + 1, sizeof(*lanes));
	atomic_int go = 0;
	int i, nl = 0, started = 0, rc = 0, last_g = -1, last_v = 0;

	if (!lanes)
		return scn_error(r, "out of memory");
	for (i = 0; i < n; i++) {
		int g = -1, v = 0, k;

		if (!strcmp(lines[i]->tok[0].key, "smc")) {
			r->line = lines[i];
			if (scn_target(r, scn_pos(lines[i], 0), &g, &v)) {
				free(lanes);
				return -1;
			}
			last_g = g;
			last_v = v;
		}
		for (k = 0; k < nl && (lanes[k].g != g || lanes[k].v != v); k++)
			;
		if (k == nl) {
			lanes[nl].r = r;
			lanes[nl].g = g;
			lanes[nl].v = v;
			lanes[nl].go = &go;
			nl++;
		}
		lanes[k].lines[lanes[k].n++] = lines[i];
	}
	for (i = 0; i < nl; i++) {
		int e = lanes[i].g < 0
			? pthread_create(&lanes[i].thread, NULL, host_lane, &lanes[i])
			: machine_guest_start(r->guests[lanes[i].g].mg, (uint32_t)lanes[i].v,
					      vcpu_lane, &lanes[i]);
		if (e) {
			rc = scn_error(r, "cannot start lane %d of the parallel block (%d)", i, e);
			break;
		}
		started++;
	}
	atomic_store(&go, rc ? -1 : 1);
	for (i = 0; i < started; i++) {
		if (lanes[i].g < 0)
			pthread_join(lanes[i].thread, NULL);
		else
			machine_guest_join(r->guests[lanes[i].g].mg);
	}
	for (i = 0; i < nl; i++) {
		if (lanes[i].aborted)
			rc = -1;
		if (lanes[i].err_line) {
			rc = -1;
			r->failed++;
			fprintf(r->out, "%s:%d: ERROR %s\n", r->path, lanes[i].err_line,
				lanes[i].err);
		}
	}
	if (last_g >= 0) {
		r->cur_g = last_g;
		r->cur_v = last_v;
	}
	free(lanes);
	return rc;
}
