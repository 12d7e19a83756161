/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Client-API actions: a guest's driver (sim/guest) probed on first use,
 * a TEEC context on it, and sessions and shared memory by name. The driver
 * runs on the runner's thread with vCPU 0's env and never allocates from
 * the guest's raw area (guest ... raw=SIZE).
 */
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/scn.h"

static int ensure_driver(struct scn_run *r, struct scn_guest *sg)
{
	const struct guest_env *env;
	int rc;

	if (sg->drv)
		return 0;
	env = machine_guest_env(sg->mg, 0);
	rc = gdrv_create(env, &sg->dcfg, &sg->drv);
	if (rc)
		return scn_error(r, "gdrv_create for '%s' failed (%d)", sg->name, rc);
	if (sg->raw && gdrv_pages_reserve(sg->drv, sg->base, sg->raw))
		return scn_error(r, "cannot keep the raw area of '%s' from its driver", sg->name);
	rc = gdrv_probe(sg->drv, NULL);
	if (rc)
		return scn_error(r, "the driver of '%s' failed to probe (%d)", sg->name, rc);
	if (TEEC_InitializeContext(sg->drv, &sg->ctx) != TEEC_SUCCESS)
		return scn_error(r, "TEEC_InitializeContext for '%s' failed", sg->name);
	sg->have_ctx = 1;
	return 0;
}

static struct scn_guest *client_guest(struct scn_run *r, const struct scn_line *l, int *g)
{
	struct scn_guest *sg = scn_live_guest(r, scn_pos(l, 0), g);

	if (!sg || ensure_driver(r, sg))
		return NULL;
	return sg;
}

int scn_run_driver(struct scn_run *r, const struct scn_line *l)
{
	struct scn_guest *sg = scn_live_guest(r, scn_pos(l, 0), NULL);
	const char *mode = scn_key(l, "mode", NULL);
	uint64_t cb, en;

	if (!sg)
		return -1;
	if (sg->drv)
		return scn_error(r, "the driver of '%s' already runs (driver must come first)",
				 sg->name);
	if (scn_key_eval(r, l, "cookie_base", -1, 0, sg->dcfg.cookie_base, &cb) ||
	    scn_key_eval(r, l, "enumerate", -1, 0, 1, &en))
		return -1;
	if (mode)
		sg->dcfg.mode = !strcmp(mode, "legacy") ? GDRV_MODE_LEGACY : GDRV_MODE_MODERN;
	sg->dcfg.cookie_base = cb;
	sg->dcfg.enumerate_devices = en != 0;
	return ensure_driver(r, sg);
}

static struct scn_obj *obj_find(struct scn_run *r, int g, const char *name)
{
	int i;

	for (i = 0; i < r->nobjs; i++)
		if (r->objs[i]->guest == g && !strcmp(r->objs[i]->name, name))
			return r->objs[i];
	return NULL;
}

static struct scn_obj *obj_new(struct scn_run *r, int g, const char *name,
			       enum scn_obj_kind kind)
{
	struct scn_obj *o = obj_find(r, g, name);

	if (o && o->live) {
		scn_error(r, "'%s' is still %s", name,
			  o->kind == SCN_OBJ_SESSION ? "open" : "registered");
		return NULL;
	}
	if (!o) {
		if (r->nobjs == SCN_MAX_OBJS) {
			scn_error(r, "more than %d sessions and buffers", SCN_MAX_OBJS);
			return NULL;
		}
		o = calloc(1, sizeof(*o));
		if (!o) {
			scn_error(r, "out of memory");
			return NULL;
		}
		r->objs[r->nobjs++] = o;
		snprintf(o->name, sizeof(o->name), "%s", name);
		o->guest = g;
	}
	o->kind = kind;
	return o;
}

static struct scn_obj *obj_live(struct scn_run *r, int g, const char *name,
				enum scn_obj_kind kind)
{
	struct scn_obj *o = obj_find(r, g, name);

	if (!o || o->kind != kind || !o->live) {
		scn_error(r, "'%s' is not %s on this guest", name,
			  kind == SCN_OBJ_SESSION ? "an open session" : "a registered buffer");
		return NULL;
	}
	return o;
}

/* --- invoke parameters ----------------------------------------------------- */

struct pkind {
	const char *name;
	uint32_t type;
	int nargs_min, nargs_max; /* after the colon */
};

static const struct pkind pkinds[] = {
	{ "none", TEEC_NONE, 0, 0 },
	{ "value-in", TEEC_VALUE_INPUT, 2, 2 },
	{ "value-out", TEEC_VALUE_OUTPUT, 0, 0 },
	{ "value-inout", TEEC_VALUE_INOUT, 2, 2 },
	{ "tmp-in", TEEC_MEMREF_TEMP_INPUT, 1, 2 },
	{ "tmp-out", TEEC_MEMREF_TEMP_OUTPUT, 1, 1 },
	{ "tmp-inout", TEEC_MEMREF_TEMP_INOUT, 1, 2 },
	{ "null-in", TEEC_MEMREF_TEMP_INPUT, 0, 1 },
	{ "null-out", TEEC_MEMREF_TEMP_OUTPUT, 0, 1 },
	{ "reg-in", TEEC_MEMREF_PARTIAL_INPUT, 1, 3 },
	{ "reg-out", TEEC_MEMREF_PARTIAL_OUTPUT, 1, 3 },
	{ "reg-inout", TEEC_MEMREF_PARTIAL_INOUT, 1, 3 },
	{ "reg-whole", TEEC_MEMREF_WHOLE, 1, 1 },
};

/* Split "kind:x:y" into kind and up to 3 arguments (in place). */
static const struct pkind *psplit(char *s, char **args, int *nargs)
{
	char *save = NULL, *kind = strtok_r(s, ":", &save), *t;
	size_t i;

	*nargs = 0;
	while ((t = strtok_r(NULL, ":", &save)) && *nargs < 4)
		args[(*nargs)++] = t;
	for (i = 0; kind && i < sizeof(pkinds) / sizeof(pkinds[0]); i++)
		if (!strcmp(pkinds[i].name, kind))
			return &pkinds[i];
	return NULL;
}

int scn_check_invoke_param(const char *tok, char *err, size_t len)
{
	char buf[SCN_LINE_MAX], *args[4];
	const struct pkind *k;
	int n, i;
	uint64_t v;

	snprintf(buf, sizeof(buf), "%s", tok);
	k = psplit(buf, args, &n);
	if (!k) {
		snprintf(err, len, "unknown parameter '%s' (none, value-in:A:B, value-out, "
			 "value-inout:A:B, tmp-in:SIZE[:BYTE], tmp-out:SIZE, tmp-inout:SIZE[:BYTE], "
			 "null-in[:SIZE], null-out[:SIZE], reg-in|reg-out|reg-inout:SHM[:OFFS:SIZE], "
			 "reg-whole:SHM)", tok);
		return -1;
	}
	if (n < k->nargs_min || n > k->nargs_max || (!strncmp(k->name, "reg-", 4) && n == 2)) {
		snprintf(err, len, "'%s': wrong number of ':' fields", tok);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (i == 0 && !strncmp(k->name, "reg-", 4)) {
			if (!scn_check_var(args[0])) {
				snprintf(err, len, "'%s' is not registered before this line", args[0]);
				return -1;
			}
			continue;
		}
		if (scn_eval(NULL, args[i], -1, 0, &v, err, len))
			return -1;
	}
	return 0;
}

struct op_state {
	TEEC_Operation op;
	int temp[4];            /* params whose tmpref pages we allocated */
};

static int build_param(struct scn_run *r, struct scn_guest *sg, int g, const char *tok,
		       struct op_state *st, int i)
{
	char buf[SCN_LINE_MAX], err[SCN_ERR_MAX], *args[4];
	uint64_t v[3] = { 0, 0, 0 };
	const struct pkind *k;
	TEEC_Parameter *p = &st->op.params[i];
	int n, j, first = 0;

	snprintf(buf, sizeof(buf), "%s", tok);
	k = psplit(buf, args, &n);
	if (!strncmp(k->name, "reg-", 4)) {
		struct scn_obj *o = obj_live(r, g, args[0], SCN_OBJ_SHM);

		if (!o)
			return -1;
		p->memref.parent = &o->shm;
		p->memref.offset = 0;
		p->memref.size = o->shm.size;
		first = 1;
	}
	for (j = first; j < n; j++)
		if (scn_eval(r, args[j], -1, 0, &v[j - first], err, sizeof(err)))
			return scn_error(r, "%s: %s", tok, err);
	st->op.paramTypes |= k->type << (4 * i);
	if (!strncmp(k->name, "value-", 6)) {
		p->value.a = v[0];
		p->value.b = v[1];
	} else if (!strncmp(k->name, "tmp-", 4)) {
		uint8_t fill[4096];
		size_t off;

		if (teec_temp_alloc(&sg->ctx, v[0], GDRV_PAGES_ANY, &p->tmpref) != TEEC_SUCCESS)
			return scn_error(r, "%s: cannot allocate %llu bytes of guest pages", tok,
					 (unsigned long long)v[0]);
		st->temp[i] = 1;
		memset(fill, (int)v[1], sizeof(fill));
		for (off = 0; n > 1 && off < v[0]; off += sizeof(fill))
			teec_temp_write(&sg->ctx, &p->tmpref, off, fill,
					v[0] - off < sizeof(fill) ? v[0] - off : sizeof(fill));
	} else if (!strncmp(k->name, "null-", 5)) {
		memset(&p->tmpref, 0, sizeof(p->tmpref));
		p->tmpref.size = v[0];
	} else if (n == 3) {
		p->memref.offset = v[0];
		p->memref.size = v[1];
	}
	return 0;
}

static void record(struct scn_run *r, int g, const struct op_state *st, TEEC_Result ret,
		   uint32_t origin, uint32_t session)
{
	struct scn_result *res = &r->guests[g].res;
	int i;

	memset(res, 0, sizeof(*res));
	res->ret = ret;
	res->origin = origin;
	res->session = session;
	res->valid = 1;
	for (i = 0; st && i < 4; i++) {
		const TEEC_Parameter *p = &st->op.params[i];
		uint32_t t = TEEC_PARAM_TYPE_GET(st->op.paramTypes, i);

		res->types[i] = t;
		if (t >= TEEC_VALUE_INPUT && t <= TEEC_VALUE_INOUT) {
			res->a[i] = p->value.a;
			res->b[i] = p->value.b;
		} else if (t >= TEEC_MEMREF_TEMP_INPUT && t <= TEEC_MEMREF_TEMP_INOUT) {
			res->size[i] = p->tmpref.size;
		} else if (t >= TEEC_MEMREF_WHOLE) {
			res->size[i] = p->memref.size;
		}
	}
	r->last_client = g;
}

static void free_temps(struct scn_guest *sg, struct op_state *st)
{
	int i;

	for (i = 0; i < 4; i++)
		if (st->temp[i])
			teec_temp_free(&sg->ctx, &st->op.params[i].tmpref);
}

/* Parameters from plain argument `first` on. */
static int build_op(struct scn_run *r, struct scn_guest *sg, int g, const struct scn_line *l,
		    int first, struct op_state *st)
{
	const char *t;
	int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; (t = scn_pos(l, first + i)); i++)
		if (build_param(r, sg, g, t, st, i)) {
			free_temps(sg, st);
			return -1;
		}
	return 0;
}

int scn_run_open(struct scn_run *r, const struct scn_line *l)
{
	struct op_state st;
	struct scn_guest *sg;
	struct scn_obj *o;
	TEEC_UUID uuid;
	TEEC_Result ret;
	uint32_t origin = 0;
	uint64_t login;
	int g;

	sg = client_guest(r, l, &g);
	if (!sg || scn_key_eval(r, l, "login", -1, 0, TEEC_LOGIN_PUBLIC, &login))
		return -1;
	o = obj_new(r, g, scn_pos(l, 1), SCN_OBJ_SESSION);
	if (!o || build_op(r, sg, g, l, 3, &st))
		return -1;
	scn_ta_uuid(scn_pos(l, 2), &uuid);
	ret = TEEC_OpenSession(&sg->ctx, &o->sess, &uuid, (uint32_t)login, NULL,
			       scn_pos(l, 3) ? &st.op : NULL, &origin);
	o->live = ret == TEEC_SUCCESS;
	record(r, g, &st, ret, origin, o->live ? o->sess.session_id : 0);
	free_temps(sg, &st);
	return scn_var_set(r, o->name, o->live ? o->sess.session_id : 0);
}

int scn_run_invoke(struct scn_run *r, const struct scn_line *l)
{
	char err[SCN_ERR_MAX];
	struct op_state st;
	struct scn_guest *sg;
	struct scn_obj *o;
	TEEC_Result ret;
	uint32_t origin = 0;
	uint64_t cmd;
	int g;

	sg = client_guest(r, l, &g);
	if (!sg)
		return -1;
	o = obj_live(r, g, scn_pos(l, 1), SCN_OBJ_SESSION);
	if (!o)
		return -1;
	if (scn_eval(r, scn_pos(l, 2), -1, 0, &cmd, err, sizeof(err)))
		return scn_error(r, "%s", err);
	if (build_op(r, sg, g, l, 3, &st))
		return -1;
	ret = TEEC_InvokeCommand(&o->sess, (uint32_t)cmd, &st.op, &origin);
	record(r, g, &st, ret, origin, o->sess.session_id);
	free_temps(sg, &st);
	return 0;
}

int scn_run_close(struct scn_run *r, const struct scn_line *l)
{
	struct scn_guest *sg;
	struct scn_obj *o;
	int g;

	sg = client_guest(r, l, &g);
	if (!sg)
		return -1;
	o = obj_live(r, g, scn_pos(l, 1), SCN_OBJ_SESSION);
	if (!o)
		return -1;
	TEEC_CloseSession(&o->sess);
	o->live = 0;
	return 0;
}

int scn_run_register(struct scn_run *r, const struct scn_line *l)
{
	char err[SCN_ERR_MAX], name[SCN_NAME_MAX + 8];
	struct scn_guest *sg;
	struct scn_obj *o;
	TEEC_Result ret;
	uint64_t size;
	int g;

	sg = client_guest(r, l, &g);
	if (!sg)
		return -1;
	if (scn_eval(r, scn_pos(l, 2), -1, 0, &size, err, sizeof(err)))
		return scn_error(r, "%s", err);
	o = obj_new(r, g, scn_pos(l, 1), SCN_OBJ_SHM);
	if (!o)
		return -1;
	memset(&o->shm, 0, sizeof(o->shm));
	o->shm.size = size;
	o->shm.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	ret = TEEC_AllocateSharedMemory(&sg->ctx, &o->shm);
	o->live = ret == TEEC_SUCCESS;
	record(r, g, NULL, ret, 0, 0);
	snprintf(name, sizeof(name), "%s.ipa", o->name);
	if (scn_var_set(r, name, o->live ? o->shm.buffer : 0))
		return -1;
	return scn_var_set(r, o->name, o->live ? gdrv_shm_cookie(o->shm.imp) : 0);
}

int scn_run_unregister(struct scn_run *r, const struct scn_line *l)
{
	struct scn_guest *sg;
	struct scn_obj *o;
	int g;

	sg = client_guest(r, l, &g);
	if (!sg)
		return -1;
	o = obj_live(r, g, scn_pos(l, 1), SCN_OBJ_SHM);
	if (!o)
		return -1;
	TEEC_ReleaseSharedMemory(&o->shm);
	o->live = 0;
	return 0;
}

/*
 * Polite: release buffers, close sessions (FinalizeContext) and remove the
 * driver, as a guest shutting down does. Otherwise (the guest is destroyed
 * under its driver) just forget them: the driver's private memory is the
 * guest's, gone with it, and is counted by the machine as guest allocs.
 */
void scn_client_teardown(struct scn_run *r, int g, int polite)
{
	struct scn_guest *sg = &r->guests[g];
	int i;

	for (i = 0; i < r->nobjs; i++) {
		struct scn_obj *o = r->objs[i];

		if (o->guest != g || !o->live)
			continue;
		if (polite && o->kind == SCN_OBJ_SHM)
			TEEC_ReleaseSharedMemory(&o->shm);
		o->live = 0;
	}
	if (polite && sg->have_ctx)
		TEEC_FinalizeContext(&sg->ctx);
	sg->have_ctx = 0;
	if (polite && sg->drv)
		gdrv_destroy(sg->drv);
	sg->drv = NULL;
}
