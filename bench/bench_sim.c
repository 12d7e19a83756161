/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The operation table on the simulated machine: the same guest driver
 * (sim/guest) and OP-TEE model (sim/optee), once through the mediator
 * (MACHINE_MEDIATED) and once straight to the model (MACHINE_DIRECT, the
 * model without virtualization). The guest runs on the calling thread
 * (machine_guest_env of vCPU 0), so nothing but the path under test runs.
 *
 * Direct mode: with no mediator, the model takes the guest's addresses as
 * PAs, so the direct guest's RAM is a contiguous run of guest frames (guest
 * 0's, which the oracle lets the model reach) mapped at IPA = PA, with an
 * env of its own (bench_denv below) whose SMCs go straight to the model.
 *
 * The driver runs in two generations (sim/guest/driver.h): modern (Linux
 * since about v6.12: with RPC_ARG offered, arguments in registered pages
 * sent with CALL_WITH_REGD_ARG, RPC arguments in-band, REGISTER_SHM with
 * CALL_WITH_RPC_ARG) and legacy (one private argument page per call with
 * CALL_WITH_ARG, RPC arguments through RPC ALLOC cached by
 * ENABLE_SHM_CACHE). The run checks that the driver chose the same path in
 * both machine modes, so mediated and direct compare like with like. The
 * operations marked `smcs` also run legacy with the SHM cache disabled
 * (RPC ALLOC and FREE around every call that makes an RPC), and for them
 * the report counts guest SMCs per operation from the driver's statistics
 * over the timed repetitions (what the newer calls save).
 *
 * Also: the mediator's memory, from the sim port's allocation counters.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"
#include "sim/guest/driver.h"
#include "sim/guest/raw.h"
#include "sim/guest/teec.h"
#include "sim/machine/machine.h"
#include "sim/optee/ta_api.h"
#include "teemed/optee_smc.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define PAGE UINT64_C(4096)

/* The driver's own pool (argument pages, page lists, temporary buffers). */
#define POOL_RAM (96 * MIB)

/* The direct guest's env: RAM at IPA = PA, SMCs straight to the model. */
struct denv {
	struct guest_env env;
	struct machine *m;
	struct phys *phys;
	uint64_t base, size;
	uint64_t *pas;
	size_t npages;
};

struct sb {
	struct denv denv;
	enum machine_mode mode;
	enum gdrv_mode drv_mode;
	bool no_shm_cache;       /* legacy driver, SHM cache disabled after probe */
	struct machine *m;
	struct machine_guest *g;
	const struct guest_env *env;
	struct gdrv *drv;
	uint32_t s_arith, s_enum, s_sleep;
	uint64_t big_ipa;        /* a contiguous IPA range kept for registrations */
	uint64_t big_bytes;
	uint64_t *tmp_pages;     /* scattered pages for the temporary memrefs */
	size_t tmp_npages;
};

/* One operation of the table. */
struct op;
typedef void (*op_fn)(struct sb *sb, const struct op *op);

struct op {
	const char *name;
	const char *label;
	op_fn fn;
	uint64_t arg;            /* bytes, RPC count, ... */
	uint64_t pages;          /* pages translated per operation */
	unsigned instr_reps;     /* repetitions under callgrind */
	bool big;                /* skipped with --no-big */
	bool instr_only;         /* only in the instruction run */
	bool split;              /* instruction run: register and unregister apart */
	bool smcs;               /* in the SMC table (and the no-SHM-cache run) */
};

static void uuid_octets(const struct ta_uuid *u, uint8_t out[16])
{
	TEEC_UUID t;

	memcpy(&t, u, sizeof(t));
	teec_uuid_octets(&t, out);
}

static uint32_t open_session(struct sb *sb, const struct ta_uuid *u)
{
	struct gdrv_result res;
	uint8_t oct[16];
	int rc;

	uuid_octets(u, oct);
	rc = gdrv_open_session(sb->drv, oct, TEEC_LOGIN_PUBLIC, NULL, 0, NULL, 0, &res);
	if (rc != GDRV_OK || res.ret != TEEC_SUCCESS)
		bench_die("open session failed: rc %d ret 0x%x origin %u", rc, res.ret, res.origin);
	return res.session;
}

static void close_session(struct sb *sb, uint32_t session)
{
	struct gdrv_result res;
	int rc = gdrv_close_session(sb->drv, session, &res);

	if (rc != GDRV_OK || res.ret != TEEC_SUCCESS)
		bench_die("close session failed: rc %d ret 0x%x", rc, res.ret);
}

/* The path the driver chose in each generation, for the check across modes. */
static int chose_regd[2] = { -1, -1 };

static void d_smc(void *ctx, uint64_t regs[8])
{
	struct denv *d = ctx;

	machine_secure_smc(d->m, regs);
}

static void *d_map(void *ctx, uint64_t ipa)
{
	struct denv *d = ctx;

	if (ipa < d->base || ipa - d->base >= d->size)
		return NULL;
	return phys_ptr(d->phys, ipa & ~(uint64_t)(PAGE - 1));
}

static void *d_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return calloc(1, size);
}

static void d_free(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	(void)size;
	free(ptr);
}

static void *d_lock_create(void *ctx)
{
	pthread_mutex_t *l = malloc(sizeof(*l));

	(void)ctx;
	if (l)
		pthread_mutex_init(l, NULL);
	return l;
}

static void d_lock_destroy(void *ctx, void *lock)
{
	(void)ctx;
	pthread_mutex_destroy(lock);
	free(lock);
}

static void d_lock(void *ctx, void *lock)
{
	(void)ctx;
	pthread_mutex_lock(lock);
}

static void d_unlock(void *ctx, void *lock)
{
	(void)ctx;
	pthread_mutex_unlock(lock);
}

static void *d_cond_create(void *ctx)
{
	pthread_cond_t *c = malloc(sizeof(*c));

	(void)ctx;
	if (c)
		pthread_cond_init(c, NULL);
	return c;
}

static void d_cond_destroy(void *ctx, void *cond)
{
	(void)ctx;
	pthread_cond_destroy(cond);
	free(cond);
}

static void d_cond_wait(void *ctx, void *cond, void *lock)
{
	(void)ctx;
	pthread_cond_wait(cond, lock);
}

static int d_cond_timedwait(void *ctx, void *cond, void *lock, uint64_t ms)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_cond_timedwait(cond, lock, &ts) != 0;
}

static void d_cond_broadcast(void *ctx, void *cond)
{
	(void)ctx;
	pthread_cond_broadcast(cond);
}

static uint64_t d_time_ns(void *ctx)
{
	(void)ctx;
	return bench_now_ns();
}

static void d_sleep_ms(void *ctx, uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	(void)ctx;
	nanosleep(&ts, NULL);
}

/* Guest 0's RAM as one run of frames at IPA = PA (a fresh arena gives one). */
static void denv_init(struct denv *d, struct machine *m, uint64_t bytes)
{
	size_t i;
	uint64_t lo = UINT64_MAX;

	memset(d, 0, sizeof(*d));
	d->m = m;
	d->phys = machine_phys(m);
	d->npages = bytes / PAGE;
	d->pas = malloc(d->npages * sizeof(uint64_t));
	if (!d->pas || phys_alloc_n(d->phys, PHYS_REGION_GUEST, PHYS_GUEST, 0, d->npages, d->pas))
		bench_die("direct guest RAM");
	for (i = 0; i < d->npages; i++)
		lo = d->pas[i] < lo ? d->pas[i] : lo;
	for (i = 0; i < d->npages; i++)
		if (d->pas[i] - lo >= bytes)
			bench_die("direct guest RAM is not contiguous");
	d->base = lo;
	d->size = bytes;
	d->env = (struct guest_env){
		.ctx = d, .smc = d_smc, .ram_base = d->base, .ram_size = d->size, .map = d_map,
		.alloc = d_alloc, .free = d_free, .lock_create = d_lock_create,
		.lock_destroy = d_lock_destroy, .lock = d_lock, .unlock = d_unlock,
		.cond_create = d_cond_create, .cond_destroy = d_cond_destroy,
		.cond_wait = d_cond_wait, .cond_timedwait = d_cond_timedwait,
		.cond_broadcast = d_cond_broadcast, .time_ns = d_time_ns, .sleep_ms = d_sleep_ms,
	};
}

static void denv_fini(struct denv *d)
{
	size_t i;

	for (i = 0; i < d->npages; i++)
		if (phys_free(d->phys, d->pas[i]))
			bench_die("direct guest RAM: frame not freed");
	free(d->pas);
}

/*
 * The driver has no switch for the SHM cache (it enables it in probe when
 * RPC_ARG is not offered, as Linux does): disable it again with the fast
 * call, before any call could have left an RPC argument cached. OP-TEE
 * then allocates its RPC argument (RPC ALLOC) on a call's first RPC and
 * frees it (RPC FREE) before the call returns.
 */
static void disable_shm_cache(struct sb *sb)
{
	uint64_t r[8] = { OPTEE_SMC_DISABLE_SHM_CACHE, 0, 0, 0, 0, 0, 0, 0 };

	sb->env->smc(sb->env->ctx, r);
	if (r[0] != OPTEE_SMC_RETURN_ENOTAVAIL)
		bench_die("DISABLE_SHM_CACHE after probe: a0 = 0x%llx, not ENOTAVAIL (a cached "
			  "buffer the driver would not free)", (unsigned long long)r[0]);
}

static void sb_create(struct sb *sb, enum machine_mode mode, enum gdrv_mode drv_mode,
		      bool no_shm_cache)
{
	static const struct ta_uuid arith = TA_ARITH_UUID, devenum = TA_DEVENUM_UUID,
				    sleep = TA_SLEEP_UUID;
	struct machine_config mc;
	struct machine_guest_config gc;
	struct gdrv_config dc;
	struct gdrv_info info;
	int rc;

	memset(sb, 0, sizeof(*sb));
	sb->mode = mode;
	sb->drv_mode = drv_mode;
	sb->no_shm_cache = no_shm_cache;
	/* The no-SHM-cache run has no registrations: no big buffer. */
	sb->big_bytes = bench_opts.no_big || no_shm_cache ? 4 * MIB : GIB;
	machine_config_default(&mc, mode);
	/* Guest RAM for the registrations plus the memory-measurement guest. */
	mc.phys.region_bytes[PHYS_REGION_GUEST] = POOL_RAM + sb->big_bytes + 64 * MIB;
	mc.model.max_guests = 4;
	mc.verbose = getenv("BENCH_VERBOSE") != NULL;
	rc = machine_create(&mc, &sb->m);
	if (rc)
		bench_die("machine_create(%s) failed: %d",
			  mode == MACHINE_MEDIATED ? "mediated" : "direct", rc);
	machine_guest_config_default(&gc);
	gc.ram_size = POOL_RAM + sb->big_bytes;
	if (mode == MACHINE_MEDIATED) {
		rc = machine_guest_create(sb->m, &gc, &sb->g);
		if (rc)
			bench_die("machine_guest_create failed: %d", rc);
		sb->env = machine_guest_env(sb->g, 0);
	} else {
		denv_init(&sb->denv, sb->m, gc.ram_size);
		gc.ram_base = sb->denv.base;
		sb->env = &sb->denv.env;
	}

	gdrv_config_default(&dc);
	dc.mode = drv_mode;
	dc.num_vcpus = 1;
	dc.enumerate_devices = false;
	if (gdrv_create(sb->env, &dc, &sb->drv) != GDRV_OK)
		bench_die("gdrv_create failed");
	/* The top of guest RAM is the registrations' buffer, not the pool's. */
	sb->big_ipa = gc.ram_base + POOL_RAM;
	if (gdrv_pages_reserve(sb->drv, sb->big_ipa, sb->big_bytes) != GDRV_OK)
		bench_die("gdrv_pages_reserve failed");
	rc = gdrv_probe(sb->drv, &info);
	if (rc != GDRV_OK)
		bench_die("gdrv_probe failed: %d", rc);
	if (chose_regd[drv_mode] < 0)
		chose_regd[drv_mode] = info.regd_arg;
	else if (chose_regd[drv_mode] != (int)info.regd_arg)
		bench_die("the driver chose %s mediated but not direct: the modes would differ",
			  info.regd_arg ? "CALL_WITH_REGD_ARG" : "CALL_WITH_ARG");
	if (no_shm_cache) {
		if (info.regd_arg || info.rpc_param_count)
			bench_die("no-SHM-cache run: the driver did not take the CALL_WITH_ARG path");
		disable_shm_cache(sb);
	}
	sb->s_arith = open_session(sb, &arith);
	sb->s_enum = open_session(sb, &devenum);
	sb->s_sleep = open_session(sb, &sleep);

	sb->tmp_npages = MIB / PAGE;
	sb->tmp_pages = calloc(sb->tmp_npages, sizeof(uint64_t));
	if (!sb->tmp_pages ||
	    gdrv_pages_alloc(sb->drv, sb->tmp_npages, GDRV_PAGES_SCATTER, sb->tmp_pages))
		bench_die("temporary buffer pages");
}

static void sb_destroy(struct sb *sb)
{
	struct machine_report rep;

	gdrv_pages_free(sb->drv, sb->tmp_pages, sb->tmp_npages);
	free(sb->tmp_pages);
	close_session(sb, sb->s_arith);
	close_session(sb, sb->s_enum);
	close_session(sb, sb->s_sleep);
	gdrv_destroy(sb->drv);
	if (sb->mode == MACHINE_DIRECT)
		denv_fini(&sb->denv);
	if (machine_destroy(sb->m, &rep))
		bench_die("the machine was not clean after the run (see the report above)");
}

/* --- operations ----------------------------------------------------------- */

static void raw_fast(struct sb *sb, uint32_t fid, uint64_t a1)
{
	uint64_t r[8] = { fid, a1, 0, 0, 0, 0, 0, 0 };

	sb->env->smc(sb->env->ctx, r);
	if (r[0] != OPTEE_SMC_RETURN_OK && fid != OPTEE_SMC_CALLS_UID)
		bench_die("fast call 0x%x: a0 = 0x%llx", fid, (unsigned long long)r[0]);
	if (fid == OPTEE_SMC_CALLS_UID && r[0] != OPTEE_MSG_UID_0)
		bench_die("CALLS_UID: wrong UID");
}

static void op_fast_uid(struct sb *sb, const struct op *op)
{
	(void)op;
	raw_fast(sb, OPTEE_SMC_CALLS_UID, 0);
}

static void op_fast_caps(struct sb *sb, const struct op *op)
{
	(void)op;
	raw_fast(sb, OPTEE_SMC_EXCHANGE_CAPABILITIES, OPTEE_SMC_NSEC_CAP_UNIPROCESSOR);
}

static void check_res(int rc, const struct gdrv_result *res, uint32_t want, const char *what)
{
	if (rc != GDRV_OK || res->ret != want)
		bench_die("%s: rc %d ret 0x%x origin %u", what, rc, res->ret, res->origin);
}

static void op_invoke0(struct sb *sb, const struct op *op)
{
	struct gdrv_result res;
	int rc;

	(void)op;
	/* No command of the arith TA takes no parameter: the TA answers BAD_PARAMETERS. */
	rc = gdrv_invoke(sb->drv, sb->s_arith, TA_ARITH_CMD_COUNT, 0, NULL, 0, &res);
	check_res(rc, &res, TEEC_ERROR_BAD_PARAMETERS, "invoke, no parameters");
}

static void invoke4(struct sb *sb, uint32_t session)
{
	struct gdrv_param p[4];
	struct gdrv_result res;
	int rc, i;

	memset(p, 0, sizeof(p));
	for (i = 0; i < 4; i++) {
		p[i].type = GDRV_PARAM_VALUE_INOUT;
		p[i].u.value.a = (uint64_t)i;
		p[i].u.value.b = 10;
	}
	rc = gdrv_invoke(sb->drv, session, TA_ARITH_CMD_INC4, 0, p, 4, &res);
	check_res(rc, &res, TEEC_SUCCESS, "invoke INC4");
	if (p[3].u.value.a != 4 || p[3].u.value.b != 12)
		bench_die("invoke INC4: wrong outputs");
}

static void op_invoke4(struct sb *sb, const struct op *op)
{
	(void)op;
	invoke4(sb, sb->s_arith);
}

static void op_tmem(struct sb *sb, const struct op *op)
{
	struct gdrv_param p[2];
	struct gdrv_result res;
	int rc;

	/*
	 * The device-enumeration PTA writes a few UUIDs at the start of its
	 * output memref: the model's cost is its page-list walk, as OP-TEE's
	 * (a TA that read every byte would drown the mediator's share).
	 */
	memset(p, 0, sizeof(p));
	p[0].type = GDRV_PARAM_MEMREF_OUT;
	p[0].u.mem.kind = GDRV_MEM_PAGES;
	p[0].u.mem.pages = sb->tmp_pages;
	p[0].u.mem.npages = op->arg / PAGE;
	p[0].u.mem.size = op->arg;
	rc = gdrv_invoke(sb->drv, sb->s_enum, TA_DEVENUM_CMD_GET_DEVICES, 0, p, 1, &res);
	check_res(rc, &res, TEEC_SUCCESS, "invoke with a temporary memref");
	if (p[0].u.mem.size == 0 || p[0].u.mem.size >= op->arg)
		bench_die("device enumeration: odd output size %llu",
			  (unsigned long long)p[0].u.mem.size);
}

static struct gdrv_shm *do_register(struct sb *sb, uint64_t bytes)
{
	struct gdrv_shm *shm = NULL;
	int rc = gdrv_shm_register_range(sb->drv, sb->big_ipa, bytes, &shm);

	if (rc != GDRV_OK)
		bench_die("REGISTER_SHM of %llu bytes failed: %d", (unsigned long long)bytes, rc);
	return shm;
}

static void op_register(struct sb *sb, const struct op *op)
{
	gdrv_shm_free(sb->drv, do_register(sb, op->arg));
}

static void op_rpc(struct sb *sb, const struct op *op)
{
	struct gdrv_param p[2];
	struct gdrv_result res;
	int rc;

	memset(p, 0, sizeof(p));
	p[0].type = GDRV_PARAM_VALUE_IN;
	p[0].u.value.a = op->arg;
	p[1].type = GDRV_PARAM_VALUE_OUT;
	rc = gdrv_invoke(sb->drv, sb->s_sleep, TA_SLEEP_CMD_RPC_LOOP, 0, p, 2, &res);
	check_res(rc, &res, TEEC_SUCCESS, "invoke RPC_LOOP");
	if (p[1].u.value.a != op->arg)
		bench_die("RPC_LOOP: %llu RPCs done of %llu", (unsigned long long)p[1].u.value.a,
			  (unsigned long long)op->arg);
}

static void op_session(struct sb *sb, const struct op *op)
{
	static const struct ta_uuid arith = TA_ARITH_UUID;
	uint32_t s;

	(void)op;
	s = open_session(sb, &arith);
	invoke4(sb, s);
	close_session(sb, s);
}

static const struct op ops[] = {
	{ "fast-call", "fast call CALLS_UID", op_fast_uid, 0, 0, 400, false, false, false, false },
	{ "fast-call-caps", "fast call EXCHANGE_CAPABILITIES", op_fast_caps, 0, 0, 400,
	  false, false, false, false },
	{ "invoke-0-values", "INVOKE, no parameter", op_invoke0, 0, 0, 200, false, false, false, false },
	{ "invoke-4-values", "INVOKE, 4 value parameters", op_invoke4, 0, 0, 200, false, false,
	  false, false },
	{ "invoke-4kib-tmem", "INVOKE, 4 KiB temporary memref (out)", op_tmem, 4 * KIB, 1, 100, false,
	  false, false, false },
	{ "invoke-64kib-tmem", "INVOKE, 64 KiB temporary memref (out)", op_tmem, 64 * KIB, 16, 50,
	  false, false, false, false },
	{ "invoke-1mib-tmem", "INVOKE, 1 MiB temporary memref (out)", op_tmem, MIB, 256, 10, false,
	  false, false, false },
	{ "register-4kib", "REGISTER+UNREGISTER_SHM, 4 KiB", op_register, 4 * KIB, 1, 20, false,
	  false, true, false },
	{ "register-128p", "REGISTER+UNREGISTER_SHM, 512 KiB", op_register, 128 * PAGE, 128, 10,
	  false, true, true, false },
	{ "register-1mib", "REGISTER+UNREGISTER_SHM, 1 MiB", op_register, MIB, 256, 10, false,
	  false, true, false },
	{ "register-64mib", "REGISTER+UNREGISTER_SHM, 64 MiB", op_register, 64 * MIB, 16384, 2,
	  true, false, true, false },
	{ "register-1gib", "REGISTER+UNREGISTER_SHM, 1 GiB", op_register, GIB, 262144, 1, true,
	  false, true, false },
	{ "invoke-1-rpc", "INVOKE through 1 RPC (GET_TIME)", op_rpc, 1, 0, 100, false, false,
	  false, true },
	{ "invoke-4-rpcs", "INVOKE through 4 RPCs (GET_TIME)", op_rpc, 4, 0, 50, false, false,
	  false, true },
	{ "session", "OPEN_SESSION + INVOKE (4 values) + CLOSE", op_session, 0, 0, 50, false,
	  false, false, true },
};

#define NOPS (sizeof(ops) / sizeof(ops[0]))

static bool selected(const struct op *op)
{
	if (op->big && bench_opts.no_big)
		return false;
	if (op->instr_only && !bench_opts.instr)
		return false;
	return !bench_opts.only || strstr(op->name, bench_opts.only);
}

struct timed {
	struct sb *sb;
	const struct op *op;
	struct gdrv_stats before, after; /* the driver's, around the timed batches */
	uint64_t reps;                   /* operations in the timed batches */
};

static void timed_fn(void *arg)
{
	struct timed *t = arg;

	t->op->fn(t->sb, t->op);
}

static void timed_begin(void *arg)
{
	struct timed *t = arg;

	gdrv_get_stats(t->sb->drv, &t->before);
}

static void timed_end(void *arg)
{
	struct timed *t = arg;

	gdrv_get_stats(t->sb->drv, &t->after);
}

/* Time `op` mediated and direct, their batches alternating. */
static void time_pair(struct timed *tm, struct timed *td, double *med_ns, double *dir_ns)
{
	const struct op *op = tm->op;
	struct bench_case c[2] = { { timed_fn, tm, 0, timed_begin, timed_end, 0 },
				   { timed_fn, td, 0, timed_begin, timed_end, 0 } };

	/* The largest registrations take long enough by themselves. */
	if (op->pages >= 16384)
		bench_time_n(2, c, 0, bench_opts.quick ? 1 : 3, 1);
	else
		bench_time_n(2, c, bench_opts.quick ? 5 : 25, bench_opts.quick ? 3 : 9, 0);
	*med_ns = c[0].ns;
	*dir_ns = c[1].ns;
	tm->reps = c[0].reps;
	td->reps = c[1].reps;
}

/* Under callgrind: each operation `instr_reps` times, each stretch marked. */
static void instr_one(struct sb *sb, const struct op *op, const char *suffix)
{
	char label[96];
	unsigned i;

	/* Warm: slots, RPC argument caches and tables exist before counting. */
	op->fn(sb, op);
	op->fn(sb, op);
	if (!op->split) {
		bench_mark_begin();
		for (i = 0; i < op->instr_reps; i++)
			op->fn(sb, op);
		snprintf(label, sizeof(label), "op:%s%s", op->name, suffix);
		bench_mark_end(label, op->instr_reps, op->pages);
		return;
	}
	for (i = 0; i < op->instr_reps; i++) {
		struct gdrv_shm *shm;

		bench_mark_begin();
		shm = do_register(sb, op->arg);
		snprintf(label, sizeof(label), "op:%s%s.register", op->name, suffix);
		bench_mark_end(label, 1, op->pages);
		bench_mark_begin();
		gdrv_shm_free(sb->drv, shm);
		snprintf(label, sizeof(label), "op:%s%s.unregister", op->name, suffix);
		bench_mark_end(label, 1, op->pages);
	}
}

/* --- memory --------------------------------------------------------------- */

static double med_bytes(struct machine *m)
{
	struct port_sim_stats st;

	port_sim_stats(machine_port(m), &st);
	return (double)st.bytes_live + (double)st.pages_live * (double)PAGE;
}

/*
 * Start a call by hand with OP-TEE set to take a foreign interrupt at thread
 * entry: the guest gets RPC FOREIGN_INTR and the call stays in flight (slot
 * waiting for the guest) until resumed.
 */
static uint64_t start_held_call(struct sb *sb, uint64_t arg_ipa, const struct optee_msg_arg *hdr,
				const struct optee_msg_param *p, size_t n)
{
	uint64_t r[8] = { OPTEE_SMC_CALL_WITH_ARG, arg_ipa >> 32, arg_ipa & 0xFFFFFFFFu, 0, 0, 0,
			  0, 0 };

	if (graw_write_arg(sb->env, arg_ipa, hdr, p, n))
		bench_die("graw_write_arg");
	optee_model_force_foreign_intr(machine_model(sb->m), 1);
	sb->env->smc(sb->env->ctx, r);
	if (r[0] != OPTEE_SMC_RETURN_RPC_FOREIGN_INTR)
		bench_die("held call: a0 = 0x%llx, not FOREIGN_INTR", (unsigned long long)r[0]);
	return r[3];
}

static void finish_held_call(struct sb *sb, uint64_t slot, uint64_t arg_ipa)
{
	uint64_t r[8] = { OPTEE_SMC_CALL_RETURN_FROM_RPC, 0, 0, slot, 0, 0, 0, 0 };
	struct optee_msg_arg out;

	sb->env->smc(sb->env->ctx, r);
	while (r[0] == OPTEE_SMC_RETURN_RPC_FOREIGN_INTR) {
		uint64_t again[8] = { OPTEE_SMC_CALL_RETURN_FROM_RPC, 0, 0, r[3], 0, 0, 0, 0 };

		memcpy(r, again, sizeof(r));
		sb->env->smc(sb->env->ctx, r);
	}
	if (r[0] != OPTEE_SMC_RETURN_OK || graw_read(sb->env, arg_ipa, &out, sizeof(out)) ||
	    out.ret != TEEC_SUCCESS)
		bench_die("held call did not complete: a0 0x%llx ret 0x%x",
			  (unsigned long long)r[0], out.ret);
}

static void sim_memory(struct sb *sb, struct bench_report *rep)
{
	struct optee_msg_arg hdr;
	struct optee_msg_param p[4];
	struct graw_pagelist pl;
	struct gdrv_shm *shm;
	struct teemed_info info;
	uint64_t arg_ipa, slot;
	double before;
	int i;

	teemed_get_info(machine_mediator(sb->m), &info);
	rep->mem_threads = info.thread_count;

	/* A call in flight (on a slot used before), held in OP-TEE. */
	if (gdrv_pages_alloc(sb->drv, 1, GDRV_PAGES_CONTIG, &arg_ipa))
		bench_die("argument page");
	memset(&hdr, 0, sizeof(hdr));
	memset(p, 0, sizeof(p));
	hdr.cmd = OPTEE_MSG_CMD_INVOKE_COMMAND;
	hdr.func = TA_ARITH_CMD_INC4;
	hdr.session = sb->s_arith;
	hdr.num_params = 4;
	for (i = 0; i < 4; i++)
		p[i].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	before = med_bytes(sb->m);
	slot = start_held_call(sb, arg_ipa, &hdr, p, 4);
	rep->mem_call_inflight = med_bytes(sb->m) - before;
	finish_held_call(sb, slot, arg_ipa);

	/* With a 1 MiB temporary memref in flight. */
	if (graw_pagelist_build(sb->drv, sb->tmp_pages, sb->tmp_npages, 0, &pl))
		bench_die("page list");
	memset(p, 0, sizeof(p));
	hdr.func = TA_DEVENUM_CMD_GET_DEVICES;
	hdr.session = sb->s_enum;
	hdr.num_params = 1;
	p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	p[0].u.tmem.buf_ptr = pl.buf_ptr;
	p[0].u.tmem.size = MIB;
	before = med_bytes(sb->m);
	slot = start_held_call(sb, arg_ipa, &hdr, p, 1);
	rep->mem_call_inflight_tmem = med_bytes(sb->m) - before;
	finish_held_call(sb, slot, arg_ipa);
	graw_pagelist_free(sb->drv, &pl);
	gdrv_pages_free(sb->drv, &arg_ipa, 1);

	/* Registered pages. */
	before = med_bytes(sb->m);
	shm = do_register(sb, 4 * KIB);
	rep->mem_buf_4k = med_bytes(sb->m) - before;
	gdrv_shm_free(sb->drv, shm);
	if (!bench_opts.no_big) {
		before = med_bytes(sb->m);
		shm = do_register(sb, GIB);
		rep->mem_page_1g = (med_bytes(sb->m) - before) / (double)(GIB / PAGE);
		gdrv_shm_free(sb->drv, shm);
	}
	rep->have_mem = true;
}

/*
 * The first call on each slot allocates the slot's call object and shadow
 * page, kept until the domain goes: measured on a fresh guest of its own.
 */
static void sim_memory_first_call(struct sb *sb, struct bench_report *rep)
{
	static const struct ta_uuid arith = TA_ARITH_UUID;
	struct machine_guest_config gc;
	struct machine_guest *g2;
	struct gdrv_config dc;
	struct sb s2;
	double fresh, before, used;
	int i;

	machine_guest_config_default(&gc);
	gc.ram_size = 16 * MIB;
	before = med_bytes(sb->m);
	if (machine_guest_create(sb->m, &gc, &g2))
		bench_die("memory guest");
	fresh = med_bytes(sb->m) - before;
	memset(&s2, 0, sizeof(s2));
	s2.m = sb->m;
	s2.g = g2;
	s2.env = machine_guest_env(g2, 0);
	gdrv_config_default(&dc);
	dc.mode = sb->drv_mode;
	dc.enumerate_devices = false;
	if (gdrv_create(s2.env, &dc, &s2.drv) || gdrv_probe(s2.drv, NULL))
		bench_die("memory guest driver");
	before = med_bytes(sb->m);
	s2.s_arith = open_session(&s2, &arith);
	rep->mem_call_first = med_bytes(sb->m) - before;
	for (i = 0; i < 4; i++)
		invoke4(&s2, s2.s_arith);
	close_session(&s2, s2.s_arith);
	used = med_bytes(sb->m) - before + fresh;
	gdrv_destroy(s2.drv);
	if (machine_guest_destroy(sb->m, g2))
		bench_die("memory guest destroy");
	rep->mem_domain_fresh = fresh;
	rep->mem_domain_used = used;
}

/* --- driver ---------------------------------------------------------------- */

static const char *const variant_suffix[BENCH_SMC_VARIANTS] = { "", "-legacy",
								   "-legacy-nocache" };
static const char *const variant_label[BENCH_SMC_VARIANTS] = { "", " [legacy]",
								  " [legacy, no cache]" };

static struct bench_row *find_row(struct bench_report *rep, const struct op *op, int v)
{
	char name[64], label[96];
	struct bench_row *row;
	unsigned r;

	snprintf(name, sizeof(name), "%s%s", op->name, variant_suffix[v]);
	for (r = 0; r < rep->nrows; r++)
		if (!strcmp(rep->rows[r].name, name))
			return &rep->rows[r];
	if (rep->nrows == BENCH_MAX_ROWS)
		bench_die("too many rows");
	snprintf(label, sizeof(label), "%s%s", op->label, variant_label[v]);
	row = &rep->rows[rep->nrows++];
	row->name = strdup(name);
	row->label = strdup(label);
	row->pages = op->pages;
	if (!row->name || !row->label)
		bench_die("out of memory");
	return row;
}

static double per_op(uint64_t after, uint64_t before, uint64_t reps)
{
	return (double)(after - before) / (double)reps;
}

/* The SMC table's entry for `op`, variant `v`, from the timed repetitions. */
static void record_smcs(struct bench_report *rep, const struct op *op, int v,
			const struct timed *tm, const struct timed *td)
{
	const struct gdrv_stats *a = &tm->after, *b = &tm->before;
	struct bench_smcs *e = NULL;
	unsigned k;

	for (k = 0; k < rep->nsmcs; k++)
		if (!strcmp(rep->smcs[k].name, op->name))
			e = &rep->smcs[k];
	if (!e) {
		if (rep->nsmcs == BENCH_SMC_OPS)
			bench_die("too many operations in the SMC table");
		e = &rep->smcs[rep->nsmcs++];
		e->name = op->name;
		e->label = op->label;
	}
	e->have[v] = true;
	e->reps[v] = tm->reps;
	e->smcs[v] = per_op(a->smcs, b->smcs, tm->reps);
	e->smcs_dir[v] = per_op(td->after.smcs, td->before.smcs, td->reps);
	e->rpc_alloc[v] = per_op(a->rpc_alloc, b->rpc_alloc, tm->reps);
	e->rpc_free[v] = per_op(a->rpc_free, b->rpc_free, tm->reps);
	e->rpc_cmd[v] = per_op(a->rpc_cmd, b->rpc_cmd, tm->reps);
	e->rpc_other[v] = per_op(a->rpc_foreign_intr + a->rpc_unknown,
				 b->rpc_foreign_intr + b->rpc_unknown, tm->reps);
}

/*
 * One driver generation on its pair of machines. `no_shm_cache`: the legacy
 * driver with the SHM cache disabled, only for the SMC table's operations
 * and not under callgrind.
 */
static void run_driver(enum gdrv_mode drv_mode, bool no_shm_cache, struct bench_report *rep)
{
	int v = no_shm_cache ? BENCH_V_NOCACHE
		: drv_mode == GDRV_MODE_LEGACY ? BENCH_V_LEGACY : BENCH_V_MODERN;
	const char *suffix = variant_suffix[v];
	struct sb med, dir;
	size_t i;

	fprintf(stderr, "bench: %s driver%s...\n",
		drv_mode == GDRV_MODE_LEGACY ? "legacy" : "modern",
		no_shm_cache ? ", SHM cache disabled" : "");
	sb_create(&med, MACHINE_MEDIATED, drv_mode, no_shm_cache);
	if (!bench_opts.instr)
		sb_create(&dir, MACHINE_DIRECT, drv_mode, no_shm_cache);
	for (i = 0; i < NOPS; i++) {
		const struct op *op = &ops[i];
		struct timed tm = { .sb = &med, .op = op }, td = { .sb = &dir, .op = op };
		struct bench_row *row;

		if (!selected(op) || (drv_mode == GDRV_MODE_LEGACY && op->big) ||
		    (no_shm_cache && !op->smcs))
			continue;
		if (bench_opts.instr) {
			instr_one(&med, op, suffix);
			continue;
		}
		row = find_row(rep, op, v);
		time_pair(&tm, &td, &row->med_ns, &row->dir_ns);
		if (op->smcs)
			record_smcs(rep, op, v, &tm, &td);
	}
	if (drv_mode == GDRV_MODE_MODERN && !bench_opts.instr && !bench_opts.only) {
		sim_memory(&med, rep);
		sim_memory_first_call(&med, rep);
	}
	if (!bench_opts.instr)
		sb_destroy(&dir);
	sb_destroy(&med);
}

void bench_sim_run(struct bench_report *rep)
{
	size_t i, n = 0;

	for (i = 0; i < NOPS; i++)
		n += selected(&ops[i]);
	if (!n)
		return;
	run_driver(GDRV_MODE_MODERN, false, rep);
	run_driver(GDRV_MODE_LEGACY, false, rep);
	/* The SMC table's third column; not an instruction-run variant. */
	n = 0;
	for (i = 0; i < NOPS; i++)
		n += selected(&ops[i]) && ops[i].smcs;
	if (n && !bench_opts.instr)
		run_driver(GDRV_MODE_LEGACY, true, rep);
}
