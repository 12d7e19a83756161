/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A workload guest: driver, client context, vCPU loop, shared helpers
 * (checks, records, timing) and the summary.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/optee/ta_api.h"
#include "sim/workload/wl_internal.h"

/* TEEC_UUID has the layout of struct ta_uuid. */
const TEEC_UUID wl_uuid_arith = TA_ARITH_UUID;
const TEEC_UUID wl_uuid_buf = TA_BUF_UUID;
const TEEC_UUID wl_uuid_storage = TA_STORAGE_UUID;
const TEEC_UUID wl_uuid_shmkeep = TA_SHMKEEP_UUID;
const TEEC_UUID wl_uuid_sleep = TA_SLEEP_UUID;
const TEEC_UUID wl_uuid_panic = TA_PANIC_UUID;
const TEEC_UUID wl_uuid_devenum = TA_DEVENUM_UUID;

static const char *const kind_names[WL_KIND_COUNT] = {
	[WL_ARITH] = "arith",     [WL_BUF] = "buf",         [WL_SHM_REG] = "shmreg",
	[WL_SHM_ALLOC] = "shmalloc", [WL_STORAGE] = "storage", [WL_SHMKEEP] = "shmkeep",
	[WL_SLEEP] = "sleep",     [WL_DEVENUM] = "devenum", [WL_PANIC] = "panic",
};

const char *wl_kind_name(enum wl_kind k)
{
	return (unsigned)k < WL_KIND_COUNT ? kind_names[k] : "?";
}

int wl_kind_parse(const char *name)
{
	int k;

	for (k = 0; k < WL_KIND_COUNT; k++)
		if (!strcmp(name, kind_names[k]))
			return k;
	return -1;
}

void wl_config_default(struct wl_config *cfg)
{
	static const uint32_t w[WL_KIND_COUNT] = {
		[WL_ARITH] = 6, [WL_BUF] = 5,     [WL_SHM_REG] = 2,
		[WL_SHM_ALLOC] = 2, [WL_STORAGE] = 2, [WL_SHMKEEP] = 2,
		[WL_SLEEP] = 3, [WL_DEVENUM] = 1, [WL_PANIC] = 1,
	};

	memset(cfg, 0, sizeof(*cfg));
	cfg->seed = 1;
	cfg->iterations = 500; /* about 10 s for the default scenario on 2 cores */
	memcpy(cfg->weights, w, sizeof(w));
	cfg->temp_max = 6u << 20;   /* 1536 pages: 4 list pages */
	cfg->large_max = 64u << 20; /* 16384 pages: 4 work budgets to pin */
}

int wl_parse_mix(struct wl_config *cfg, const char *mix)
{
	char buf[512], *save = NULL, *tok;
	uint32_t w[WL_KIND_COUNT] = { 0 }, total = 0;

	if (strlen(mix) >= sizeof(buf))
		return -1;
	strcpy(buf, mix);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		unsigned long n = 1;
		int k;

		if (eq) {
			*eq = '\0';
			n = strtoul(eq + 1, NULL, 10);
		}
		k = wl_kind_parse(tok);
		if (k < 0 || n > 1000)
			return -1;
		w[k] = (uint32_t)n;
		total += (uint32_t)n;
	}
	if (!total)
		return -1;
	memcpy(cfg->weights, w, sizeof(w));
	return 0;
}

uint64_t wl_guest_ram(const struct wl_config *cfg, uint32_t vcpus)
{
	/*
	 * vCPU 0 may hold one large buffer; every vCPU may hold two temporary
	 * buffers (COPY) of temp_max, scattered (every other page: twice the
	 * span); 16 MiB for the driver's argument pages, page lists, RPC
	 * buffers, kept shmkeep buffers and the allocator's fragmentation.
	 */
	uint64_t ram = cfg->large_max + (uint64_t)vcpus * 4 * (cfg->temp_max + 4096) +
		       (16ull << 20);

	return (ram + 0xFFFFF) & ~0xFFFFFull;
}

/* --- helpers ------------------------------------------------------------ */

uint64_t wl_rand(struct wl_vcpu *v)
{
	return rng_next(&v->rng);
}

uint64_t wl_below(struct wl_vcpu *v, uint64_t n)
{
	return n ? rng_below(&v->rng, n) : 0;
}

void wl_fill_seeded(uint8_t *p, size_t n, uint64_t seed)
{
	size_t i = 0;

	while (i < n) {
		uint64_t r = rng_next(&seed);
		size_t k = n - i < 8 ? n - i : 8;

		memcpy(p + i, &r, k);
		i += k;
	}
}

bool wl_scratch(struct wl_vcpu *v, size_t n)
{
	uint8_t *a, *b;

	if (n <= v->scratch_size)
		return true;
	a = realloc(v->want, n);
	if (a)
		v->want = a;
	b = realloc(v->got, n);
	if (b)
		v->got = b;
	if (!a || !b)
		return false;
	v->scratch_size = n;
	return true;
}

size_t wl_pick_size(struct wl_vcpu *v, size_t lo, size_t hi)
{
	unsigned lo_bits = 63u - (unsigned)__builtin_clzll(lo | 1);
	unsigned hi_bits = 63u - (unsigned)__builtin_clzll(hi | 1);
	unsigned bits = lo_bits + (unsigned)wl_below(v, hi_bits - lo_bits + 1);
	size_t base = (size_t)1 << bits;
	size_t s = base + (size_t)wl_below(v, base);

	return s < lo ? lo : s > hi ? hi : s;
}

void wl_wrong(struct wl_vcpu *v, enum wl_kind k, const char *what, uint64_t got,
	      uint64_t want)
{
	v->wrong++;
	if (atomic_fetch_add(&v->g->wrong_printed, 1) < WL_WRONG_PRINTED)
		fprintf(stderr,
			"workload: guest %u vcpu %u op %llu (%s): %s: got 0x%llx, want 0x%llx\n",
			v->g->index, v->index, (unsigned long long)v->ops[k], wl_kind_name(k),
			what, (unsigned long long)got, (unsigned long long)want);
}

bool wl_expect(struct wl_vcpu *v, enum wl_kind k, const char *what, uint64_t got,
	       uint64_t want)
{
	if (got == want)
		return true;
	wl_wrong(v, k, what, got, want);
	return false;
}

void wl_local_error(struct wl_vcpu *v, enum wl_kind k, const char *what, uint32_t code)
{
	v->local_errors++;
	if (v->g->cfg.verbose)
		fprintf(stderr, "workload: guest %u vcpu %u (%s): %s failed locally: 0x%x\n",
			v->g->index, v->index, wl_kind_name(k), what, code);
}

void wl_record(struct wl_vcpu *v, enum wl_kind k, enum wl_call c, uint32_t cmd,
	       uint64_t arg, uint32_t ret, uint32_t origin, uint64_t out0, uint64_t out1)
{
	struct wl_rec *r;

	if (!v->recs)
		return;
	if (v->nrec == v->cap) {
		v->dropped++;
		return;
	}
	r = &v->recs[v->nrec++];
	r->kind = (uint8_t)k;
	r->call = (uint8_t)c;
	r->vcpu = (uint16_t)v->index;
	r->cmd = cmd;
	r->arg = arg;
	r->ret = ret;
	r->origin = origin;
	r->out[0] = out0;
	r->out[1] = out1;
}

void wl_account(struct wl_vcpu *v, enum wl_call c, uint64_t t0, uint32_t ret)
{
	wl_hist_add(&v->lat[c], wl_now_ns() - t0);
	v->calls++;
	if (ret != TEEC_SUCCESS)
		wl_err_add(&v->errs, ret, 1);
}

bool wl_open(struct wl_vcpu *v, enum wl_kind k, TEEC_Session *s, const TEEC_UUID *uuid)
{
	uint32_t origin = 0;
	uint64_t t0 = wl_now_ns();
	TEEC_Result r = TEEC_OpenSession(&v->g->ctx, s, uuid, TEEC_LOGIN_PUBLIC, NULL, NULL,
					 &origin);

	wl_account(v, WL_CALL_OPEN, t0, r);
	wl_record(v, k, WL_CALL_OPEN, 0, uuid->timeLow, r, origin, 0, 0);
	return wl_expect(v, k, "open session", r, TEEC_SUCCESS);
}

void wl_close(struct wl_vcpu *v, enum wl_kind k, TEEC_Session *s)
{
	uint64_t t0 = wl_now_ns();

	TEEC_CloseSession(s);
	wl_account(v, WL_CALL_CLOSE, t0, TEEC_SUCCESS);
	wl_record(v, k, WL_CALL_CLOSE, 0, 0, 0, 0, 0, 0);
}

TEEC_Result wl_invoke(struct wl_vcpu *v, enum wl_call c, TEEC_Session *s, uint32_t cmd,
		      TEEC_Operation *op, uint32_t *origin)
{
	uint64_t t0 = wl_now_ns();
	TEEC_Result r;

	*origin = 0;
	r = TEEC_InvokeCommand(s, cmd, op, origin);
	wl_account(v, c, t0, r);
	return r;
}

/* --- the vCPU loop ------------------------------------------------------ */

static void (*const op_fn[WL_KIND_COUNT])(struct wl_vcpu *) = {
	[WL_ARITH] = wl_op_arith,     [WL_BUF] = wl_op_buf,
	[WL_SHM_REG] = wl_op_shm_reg, [WL_SHM_ALLOC] = wl_op_shm_alloc,
	[WL_STORAGE] = wl_op_storage, [WL_SHMKEEP] = wl_op_shmkeep,
	[WL_SLEEP] = wl_op_sleep,     [WL_DEVENUM] = wl_op_devenum,
	[WL_PANIC] = wl_op_panic,
};

static enum wl_kind pick_kind(struct wl_vcpu *v)
{
	uint64_t r = wl_below(v, v->g->weight_total);
	int k;

	for (k = 0; k < WL_KIND_COUNT - 1; k++) {
		if (r < v->g->cfg.weights[k])
			break;
		r -= v->g->cfg.weights[k];
	}
	return (enum wl_kind)k;
}

static int vcpu_main(const struct guest_env *env, void *arg)
{
	struct wl_guest *wg = arg;
	struct wl_vcpu *v = &wg->vcpus[machine_env_vcpu(env)];
	uint32_t i;

	wl_env_enter(env);
	for (i = 0; wg->cfg.iterations ? i < wg->cfg.iterations : !atomic_load(&wg->stop);
	     i++) {
		enum wl_kind k = pick_kind(v);

		v->ops[k]++;
		op_fn[k](v);
		atomic_fetch_add(&wg->progress, 1);
	}
	wl_env_enter(NULL);
	v->result = v->wrong ? -1 : 0;
	return v->result;
}

/* --- life cycle --------------------------------------------------------- */

int wl_guest_create(struct machine *m, struct machine_guest *g, uint32_t index,
		    const struct wl_config *cfg, bool legacy, struct wl_guest **out)
{
	struct gdrv_config dc;
	struct wl_guest *wg;
	uint32_t i;
	int k, rc;

	wg = calloc(1, sizeof(*wg));
	if (!wg)
		return -ENOMEM;
	wg->m = m;
	wg->mg = g;
	wg->index = index;
	wg->cfg = *cfg;
	wg->legacy = legacy;
	wg->nvcpus = machine_guest_vcpus(g);
	for (k = 0; k < WL_KIND_COUNT; k++)
		wg->weight_total += cfg->weights[k];
	wg->vcpus = calloc(wg->nvcpus, sizeof(*wg->vcpus));
	rc = wg->vcpus && wg->weight_total ? 0 : -EINVAL;
	if (!rc)
		rc = wl_env_init(&wg->wenv, m, g);
	for (i = 0; !rc && i < wg->nvcpus; i++) {
		struct wl_vcpu *v = &wg->vcpus[i];

		v->g = wg;
		v->index = i;
		v->rng = cfg->seed ^ ((uint64_t)(index + 1) << 40) ^ ((uint64_t)(i + 1) << 20);
		(void)rng_next(&v->rng);
		if (cfg->keep_records) {
			v->cap = cfg->iterations ? (size_t)cfg->iterations * WL_CALLS_PER_OP
						 : WL_RECORDS_TIMED;
			v->recs = calloc(v->cap, sizeof(*v->recs));
			if (!v->recs)
				rc = -ENOMEM;
		}
	}
	if (rc)
		goto fail;
	gdrv_config_default(&dc);
	dc.mode = legacy ? GDRV_MODE_LEGACY : GDRV_MODE_MODERN;
	dc.num_vcpus = wg->nvcpus;
	rc = gdrv_create(&wg->wenv.env, &dc, &wg->drv);
	if (rc == GDRV_OK)
		rc = gdrv_probe(wg->drv, NULL);
	if (rc == GDRV_OK && TEEC_InitializeContext(wg->drv, &wg->ctx) != TEEC_SUCCESS)
		rc = GDRV_ENOMEM;
	if (rc != GDRV_OK) {
		fprintf(stderr, "workload: guest %u: driver setup failed: %d\n", index, rc);
		rc = -EIO;
		goto fail;
	}
	wg->ctx_open = true;
	*out = wg;
	return 0;
fail:
	wl_guest_free(wg);
	return rc;
}

int wl_guest_start(struct wl_guest *wg)
{
	return machine_guest_start_all(wg->mg, vcpu_main, wg);
}

void wl_guest_stop(struct wl_guest *wg)
{
	atomic_store(&wg->stop, true);
}

int wl_guest_join(struct wl_guest *wg)
{
	return machine_guest_join(wg->mg) ? -1 : 0;
}

uint64_t wl_guest_progress(const struct wl_guest *wg)
{
	return atomic_load(&((struct wl_guest *)wg)->progress);
}

static void vcpu_release(struct wl_vcpu *v)
{
	/* Closing the shmkeep session gives its kept buffer back (SHM_FREE). */
	if (v->arith_open)
		TEEC_CloseSession(&v->arith);
	if (v->buf_open)
		TEEC_CloseSession(&v->buf);
	if (v->storage_open)
		TEEC_CloseSession(&v->storage);
	if (v->shmkeep_open)
		TEEC_CloseSession(&v->shmkeep);
	if (v->sleep_open)
		TEEC_CloseSession(&v->sleep);
	v->arith_open = v->buf_open = v->storage_open = v->shmkeep_open = v->sleep_open = false;
	free(v->want);
	free(v->got);
	v->want = v->got = NULL;
	v->scratch_size = 0;
}

void wl_guest_shutdown(struct wl_guest *wg)
{
	uint32_t i;

	for (i = 0; wg->vcpus && i < wg->nvcpus; i++)
		vcpu_release(&wg->vcpus[i]);
	if (wg->ctx_open)
		TEEC_FinalizeContext(&wg->ctx);
	wg->ctx_open = false;
	if (wg->drv)
		gdrv_destroy(wg->drv);
	wg->drv = NULL;
}

void wl_guest_free(struct wl_guest *wg)
{
	uint32_t i;

	if (!wg)
		return;
	wl_guest_shutdown(wg);
	for (i = 0; wg->vcpus && i < wg->nvcpus; i++)
		free(wg->vcpus[i].recs);
	free(wg->vcpus);
	free(wg);
}

struct gdrv *wl_guest_driver(struct wl_guest *wg)
{
	return wg->drv;
}

void wl_guest_summary(struct wl_guest *wg, struct wl_guest_summary *s)
{
	uint32_t i;
	int k;

	memset(s, 0, sizeof(*s));
	s->index = wg->index;
	s->client_id = machine_guest_client_id(wg->mg);
	s->vcpus = wg->nvcpus;
	s->legacy = wg->legacy;
	for (i = 0; i < wg->nvcpus; i++) {
		const struct wl_vcpu *v = &wg->vcpus[i];

		for (k = 0; k < WL_KIND_COUNT; k++)
			s->ops[k] += v->ops[k];
		for (k = 0; k < WL_CALL_COUNT; k++)
			wl_hist_merge(&s->lat[k], &v->lat[k]);
		s->calls += v->calls;
		s->wrong += v->wrong;
		s->local_errors += v->local_errors;
		s->bytes += v->bytes;
		wl_err_merge(&s->errs, &v->errs);
	}
}

const struct wl_rec *wl_guest_records(const struct wl_guest *wg, uint32_t vcpu, size_t *n,
				      uint64_t *dropped)
{
	if (vcpu >= wg->nvcpus) {
		*n = 0;
		*dropped = 0;
		return NULL;
	}
	*n = wg->vcpus[vcpu].nrec;
	*dropped = wg->vcpus[vcpu].dropped;
	return wg->vcpus[vcpu].recs;
}
