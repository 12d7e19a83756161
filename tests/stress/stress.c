/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Multi-vCPU stress of the mediator through the whole simulated machine
 * (MACHINE_MEDIATED: OP-TEE model, sim port, guest drivers, client API),
 * meant to run under ThreadSanitizer (mk/stress.mk builds every library
 * with -fsanitize=thread into build/tsan/) and plain.
 *
 * - NGUESTS guests x NVCPUS vCPUs, each vCPU a thread running a random mix
 *   of client-API calls through its guest's one driver: values (arith),
 *   temporary memrefs of 1-3 scattered pages (buf: fill, checksum, reverse),
 *   registered shared memory as RMEM, register/unregister of fresh buffers,
 *   RPC-heavy calls (sleep RPC_LOOP: GET_TIME RPCs), RPC SHM_ALLOC/SHM_FREE
 *   (shmkeep). Every result is checked.
 * - OP-TEE has 2 threads per guest and each guest 4 vCPUs, so calls meet
 *   ETHREAD_LIMIT; the model injects FOREIGN_INTR and the mediator's budget
 *   is 3 pages, so calls are preempted and resumed (on any vCPU's turn).
 * - Guests alternate between the legacy driver (CALL_WITH_ARG, RPC ALLOC)
 *   and the modern one (CALL_WITH_REGD_ARG, in-band RPC arguments).
 * - Every round two guests are destroyed mid-flight and recreated:
 *     A. while a vCPU of the guest is inside a standard call (held in the
 *        port's SMC trace hook, i.e. inside teemed_handle_smc, after OP-TEE
 *        answered) and the other vCPUs keep issuing SMCs: the host calls
 *        teemed_domain_destroy once, which must answer TEEMED_AGAIN (a trap
 *        runs) and from then on every SMC of the guest gets ENOTAVAIL; the
 *        vCPUs see their calls fail and stop; the machine then joins them
 *        and destroys the domain until TEEMED_OK;
 *     B. after a vCPU left calls suspended with raw SMCs (one preempted by
 *        the mediator in the middle of translating 8 pages, one suspended
 *        in OP-TEE's FOREIGN_INTR) while the others were running.
 * - At the end: no check failed, every guest destroyed, and the machine
 *   report shows zero violations and zero leaks (pins, mediator memory and
 *   pages, locks, maps, model allocations).
 *
 * A separate check (in a child process, since the bug it looks for is a
 * use after free) holds a vCPU inside a forwarded fast call (CALLS_UID) and
 * calls teemed_domain_destroy: porting.md says it must answer TEEMED_AGAIN
 * while a trap of the domain runs.
 *
 * Ends with "N passed, M failed" (one per check).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/guest/driver.h"
#include "sim/guest/raw.h"
#include "sim/guest/teec.h"
#include "sim/machine/machine.h"
#include "sim/machine/rng.h"
#include "sim/optee/ta_api.h"
#include "teemed/optee_msg.h"
#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"

#define PAGE 4096u
#define NGUESTS 4
#define NVCPUS 4
#define GUEST_RAM (16ull << 20)
#define ROUNDS 5
/* Calls each guest makes in a round before two are killed and the rest stopped. */
#define ROUND_CALLS 1500
/* A vCPU's calls in one life at most (a guard: the controller stops them). */
#define MAX_CALLS 100000

static const TEEC_UUID uuid_arith = { 0x7e3d0001, 0x0000, 0x4000,
	{ 0x80, 0x00, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 } };
static const TEEC_UUID uuid_buf = { 0x7e3d0002, 0x0000, 0x4000,
	{ 0x80, 0x00, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 } };
static const TEEC_UUID uuid_shmkeep = { 0x7e3d0004, 0x0000, 0x4000,
	{ 0x80, 0x00, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 } };
static const TEEC_UUID uuid_sleep = { 0x7e3d0005, 0x0000, 0x4000,
	{ 0x80, 0x00, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 } };

static unsigned passed, failed;

#define REPORT(ok, ...)                                  \
	do {                                             \
		if (ok) {                                \
			passed++;                        \
			printf("ok   ");                 \
		} else {                                 \
			failed++;                        \
			printf("FAIL ");                 \
		}                                        \
		printf(__VA_ARGS__);                     \
		printf("\n");                            \
	} while (0)

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- holding a vCPU inside teemed_handle_smc (port SMC trace hook) ------- */

enum hold_what { HOLD_NONE, HOLD_STD, HOLD_FAST };

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint16_t client;       /* armed for this client ID (0: not armed) */
	enum hold_what what;
	bool held;             /* a vCPU waits in the hook */
	bool release;
	uint64_t held_fid;
} hold = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, HOLD_NONE, false, false, 0 };

static bool std_fid(uint32_t fid)
{
	return fid == OPTEE_SMC_CALL_WITH_ARG || fid == OPTEE_SMC_CALL_WITH_RPC_ARG ||
	       fid == OPTEE_SMC_CALL_RETURN_FROM_RPC;
}

/* Runs after every mediator SMC, on the trapping vCPU's thread, no lock held. */
static void secure_trace(void *arg, const struct teemed_regs *in, const struct teemed_regs *out)
{
	uint32_t fid = (uint32_t)in->a[0];

	(void)arg;
	(void)out;
	pthread_mutex_lock(&hold.lock);
	if (hold.client && in->a[7] == hold.client && !hold.held &&
	    ((hold.what == HOLD_STD && std_fid(fid)) ||
	     (hold.what == HOLD_FAST && fid == OPTEE_SMC_CALLS_UID))) {
		hold.client = 0;
		hold.held = true;
		hold.held_fid = fid;
		pthread_cond_broadcast(&hold.cond);
		while (!hold.release)
			pthread_cond_wait(&hold.cond, &hold.lock);
		hold.held = false;
		hold.release = false;
		pthread_cond_broadcast(&hold.cond);
	}
	pthread_mutex_unlock(&hold.lock);
}

static void hold_arm(uint16_t client, enum hold_what what)
{
	pthread_mutex_lock(&hold.lock);
	hold.client = client;
	hold.what = what;
	hold.release = false;
	pthread_mutex_unlock(&hold.lock);
}

/* Wait up to `ms` for a vCPU to be held; disarms on timeout. */
static bool hold_wait(uint64_t ms)
{
	uint64_t end = now_ms() + ms;
	bool held;

	pthread_mutex_lock(&hold.lock);
	while (!hold.held && now_ms() < end) {
		pthread_mutex_unlock(&hold.lock);
		usleep(1000);
		pthread_mutex_lock(&hold.lock);
	}
	held = hold.held;
	if (!held)
		hold.client = 0;
	pthread_mutex_unlock(&hold.lock);
	return held;
}

static void hold_release(void)
{
	pthread_mutex_lock(&hold.lock);
	hold.release = true;
	pthread_cond_broadcast(&hold.cond);
	while (hold.held)
		pthread_cond_wait(&hold.cond, &hold.lock);
	pthread_mutex_unlock(&hold.lock);
}

/* --- a guest: its driver's env routes each SMC to the calling vCPU ------- */

static _Thread_local const struct guest_env *cur_vcpu_env;

struct guest {
	struct machine *m;
	struct machine_guest *mg;
	int slot;
	bool legacy;
	struct guest_env env;          /* the driver's */
	const struct guest_env *base;  /* vCPU 0's */
	struct gdrv *drv;
	TEEC_Context ctx;
	atomic_bool stop;      /* finish the current call and return */
	atomic_bool killed;    /* being destroyed: failures are expected */
	atomic_uint running;   /* vCPUs not returned yet */
	atomic_uint leaver_done;
	atomic_ullong progress; /* calls made */
	bool leaver;           /* vCPU NVCPUS-1 leaves calls suspended first */
	uint64_t seed;
};

#define BASE(ctx) (((struct guest *)(ctx))->base)

static void g_smc(void *ctx, uint64_t regs[8])
{
	const struct guest_env *e = cur_vcpu_env ? cur_vcpu_env : BASE(ctx);

	e->smc(e->ctx, regs);
}

static void *g_map(void *ctx, uint64_t ipa)
{
	return BASE(ctx)->map(BASE(ctx)->ctx, ipa);
}

static void *g_alloc(void *ctx, size_t size)
{
	return BASE(ctx)->alloc(BASE(ctx)->ctx, size);
}

static void g_free(void *ctx, void *p, size_t size)
{
	BASE(ctx)->free(BASE(ctx)->ctx, p, size);
}

static void *g_lock_create(void *ctx)
{
	return BASE(ctx)->lock_create(BASE(ctx)->ctx);
}

static void g_lock_destroy(void *ctx, void *l)
{
	BASE(ctx)->lock_destroy(BASE(ctx)->ctx, l);
}

static void g_lock(void *ctx, void *l)
{
	BASE(ctx)->lock(BASE(ctx)->ctx, l);
}

static void g_unlock(void *ctx, void *l)
{
	BASE(ctx)->unlock(BASE(ctx)->ctx, l);
}

static void *g_cond_create(void *ctx)
{
	return BASE(ctx)->cond_create(BASE(ctx)->ctx);
}

static void g_cond_destroy(void *ctx, void *c)
{
	BASE(ctx)->cond_destroy(BASE(ctx)->ctx, c);
}

static void g_cond_wait(void *ctx, void *c, void *l)
{
	BASE(ctx)->cond_wait(BASE(ctx)->ctx, c, l);
}

static int g_cond_timedwait(void *ctx, void *c, void *l, uint64_t ms)
{
	return BASE(ctx)->cond_timedwait(BASE(ctx)->ctx, c, l, ms);
}

static void g_cond_broadcast(void *ctx, void *c)
{
	BASE(ctx)->cond_broadcast(BASE(ctx)->ctx, c);
}

static uint64_t g_time_ns(void *ctx)
{
	return BASE(ctx)->time_ns(BASE(ctx)->ctx);
}

static void g_sleep_ms(void *ctx, uint64_t ms)
{
	BASE(ctx)->sleep_ms(BASE(ctx)->ctx, ms);
}

static void g_env_init(struct guest *g)
{
	g->base = machine_guest_env(g->mg, 0);
	g->env = *g->base;
	g->env.ctx = g;
	g->env.smc = g_smc;
	g->env.map = g_map;
	g->env.alloc = g_alloc;
	g->env.free = g_free;
	g->env.lock_create = g_lock_create;
	g->env.lock_destroy = g_lock_destroy;
	g->env.lock = g_lock;
	g->env.unlock = g_unlock;
	g->env.cond_create = g_cond_create;
	g->env.cond_destroy = g_cond_destroy;
	g->env.cond_wait = g_cond_wait;
	g->env.cond_timedwait = g_cond_timedwait;
	g->env.cond_broadcast = g_cond_broadcast;
	g->env.time_ns = g_time_ns;
	g->env.sleep_ms = g_sleep_ms;
	g->env.log = NULL;
}

/* --- statistics ----------------------------------------------------------- */

static atomic_ullong calls_ok, calls_err_killed, checks_failed;
static atomic_ullong op_count[8];

static void check_fail(struct guest *g, uint32_t vcpu, const char *what, uint32_t res,
		       uint32_t origin)
{
	if (atomic_load(&g->killed)) {
		atomic_fetch_add(&calls_err_killed, 1);
		return;
	}
	atomic_fetch_add(&checks_failed, 1);
	printf("  FAIL guest %d vcpu %u: %s: 0x%x origin %u\n", g->slot, vcpu, what, res, origin);
}

/* --- the vCPU workload ------------------------------------------------------ */

struct vstate {
	struct guest *g;
	uint32_t vcpu;
	uint64_t rng;
	TEEC_Session arith, buf, sleep, keep;
	bool arith_ok, buf_ok, sleep_ok, keep_ok;
	TEEC_SharedMemory shm;
	bool shm_ok;
};

/* `origin` is read after `res` was computed (arguments are evaluated first). */
static bool call_ok(struct vstate *v, const char *what, TEEC_Result res, const uint32_t *origin)
{
	if (res == TEEC_SUCCESS) {
		atomic_fetch_add(&calls_ok, 1);
		return true;
	}
	check_fail(v->g, v->vcpu, what, res, *origin);
	return false;
}

static const uint32_t origin_api = TEEC_ORIGIN_API;

static void op_values(struct vstate *v)
{
	TEEC_Operation op;
	uint32_t origin = 0;
	uint64_t a = rng_next(&v->rng) >> 2, b = rng_next(&v->rng) >> 2;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = a;
	op.params[0].value.b = b;
	if (call_ok(v, "arith add",
		    TEEC_InvokeCommand(&v->arith, TA_ARITH_CMD_ADD, &op, &origin), &origin) &&
	    op.params[1].value.a != a + b)
		check_fail(v->g, v->vcpu, "arith add: wrong sum", 0, 0);
}

static void op_temp(struct vstate *v)
{
	TEEC_TempMemoryReference t;
	TEEC_Operation op;
	uint32_t origin = 0;
	size_t size = 1 + (size_t)(rng_next(&v->rng) % (3 * PAGE - 1));
	uint8_t byte = (uint8_t)(rng_next(&v->rng) | 1), tail[16];
	size_t i;

	if (teec_temp_alloc(&v->g->ctx, size, GDRV_PAGES_SCATTER, &t) != TEEC_SUCCESS) {
		check_fail(v->g, v->vcpu, "temp alloc", 0, 0);
		return;
	}
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].value.a = byte;
	op.params[1].tmpref = t;
	if (call_ok(v, "buf fill", TEEC_InvokeCommand(&v->buf, TA_BUF_CMD_FILL, &op, &origin),
		    &origin)) {
		size_t n = size < sizeof(tail) ? size : sizeof(tail);

		if (teec_temp_read(&v->g->ctx, &t, size - n, tail, n) != TEEC_SUCCESS)
			check_fail(v->g, v->vcpu, "temp read", 0, 0);
		for (i = 0; i < n; i++)
			if (tail[i] != byte) {
				check_fail(v->g, v->vcpu, "buf fill: wrong bytes", tail[i], byte);
				break;
			}
	}
	teec_temp_free(&v->g->ctx, &t);
}

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static void op_rmem(struct vstate *v)
{
	TEEC_Operation op;
	uint32_t origin = 0;
	uint8_t data[2 * PAGE];
	size_t i;

	if (!v->shm_ok)
		return;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i + v->rng);
	(void)rng_next(&v->rng);
	if (teec_shm_write(&v->shm, 0, data, sizeof(data)) != TEEC_SUCCESS) {
		check_fail(v->g, v->vcpu, "shm write", 0, 0);
		return;
	}
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref.parent = &v->shm;
	op.params[0].memref.size = sizeof(data);
	if (call_ok(v, "buf checksum rmem",
		    TEEC_InvokeCommand(&v->buf, TA_BUF_CMD_CHECKSUM, &op, &origin), &origin) &&
	    op.params[1].value.a != fnv(data, sizeof(data)))
		check_fail(v->g, v->vcpu, "rmem checksum: wrong value", 0, 0);
}

static void op_register(struct vstate *v)
{
	TEEC_SharedMemory shm;

	memset(&shm, 0, sizeof(shm));
	shm.size = 1 + (size_t)(rng_next(&v->rng) % (4 * PAGE));
	shm.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	if (call_ok(v, "register", TEEC_AllocateSharedMemory(&v->g->ctx, &shm), &origin_api))
		TEEC_ReleaseSharedMemory(&shm);
}

static void op_rpc_loop(struct vstate *v)
{
	TEEC_Operation op;
	uint32_t origin = 0;
	uint64_t n = 1 + rng_next(&v->rng) % 6;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = n;
	if (call_ok(v, "sleep rpc loop",
		    TEEC_InvokeCommand(&v->sleep, TA_SLEEP_CMD_RPC_LOOP, &op, &origin), &origin) &&
	    op.params[1].value.a != n)
		check_fail(v->g, v->vcpu, "rpc loop: wrong count", (uint32_t)op.params[1].value.a,
			   (uint32_t)n);
}

static void op_shm_alloc(struct vstate *v)
{
	TEEC_Operation op;
	uint32_t origin = 0;
	uint64_t seed = rng_next(&v->rng) & 0xff;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = 1 + rng_next(&v->rng) % (2 * PAGE);
	op.params[0].value.b = OPTEE_RPC_SHM_TYPE_APPL;
	if (!call_ok(v, "shmkeep alloc",
		     TEEC_InvokeCommand(&v->keep, TA_SHMKEEP_CMD_ALLOC, &op, &origin), &origin))
		return;
	op.params[0].value.a = seed;
	if (call_ok(v, "shmkeep fill",
		    TEEC_InvokeCommand(&v->keep, TA_SHMKEEP_CMD_FILL, &op, &origin), &origin)) {
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE,
						 TEEC_NONE);
		if (call_ok(v, "shmkeep check",
			    TEEC_InvokeCommand(&v->keep, TA_SHMKEEP_CMD_CHECK, &op, &origin),
			    &origin) &&
		    op.params[1].value.a != 1)
			check_fail(v->g, v->vcpu, "shmkeep: buffer not intact", 0, 0);
	}
	memset(&op, 0, sizeof(op));
	call_ok(v, "shmkeep free", TEEC_InvokeCommand(&v->keep, TA_SHMKEEP_CMD_FREE, &op, &origin),
		&origin);
}

/*
 * Leave calls suspended with raw SMCs: INVOKE buf CHECKSUM over `pages`
 * scattered pages, first exit only. Returns its a0.
 */
static uint64_t raw_leave_call(struct vstate *v, size_t pages)
{
	struct gdrv *drv = v->g->drv;
	struct optee_msg_param p[2];
	struct optee_msg_arg hdr;
	struct graw_pagelist pl;
	uint64_t ipas[16], arg_ipa, regs[8];

	if (pages > 16 || gdrv_pages_alloc(drv, pages, GDRV_PAGES_SCATTER, ipas) ||
	    gdrv_pages_alloc(drv, 1, GDRV_PAGES_ANY, &arg_ipa) ||
	    graw_pagelist_build(drv, ipas, pages, 0, &pl))
		return ~0ull;
	memset(&hdr, 0, sizeof(hdr));
	memset(p, 0, sizeof(p));
	hdr.cmd = OPTEE_MSG_CMD_INVOKE_COMMAND;
	hdr.func = TA_BUF_CMD_CHECKSUM;
	hdr.session = v->buf.session_id;
	hdr.num_params = 2;
	p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT | OPTEE_MSG_ATTR_NONCONTIG;
	p[0].u.tmem.buf_ptr = pl.buf_ptr;
	p[0].u.tmem.size = pages * PAGE;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	if (graw_write_arg(&v->g->env, arg_ipa, &hdr, p, 2))
		return ~0ull;
	/* ETHREAD_LIMIT while the other vCPUs hold both slots: retry (10 s at most). */
	for (uint64_t end = now_ms() + 10000; now_ms() < end;) {
		memset(regs, 0, sizeof(regs));
		regs[0] = OPTEE_SMC_CALL_WITH_ARG;
		regs[1] = arg_ipa >> 32;
		regs[2] = arg_ipa & 0xFFFFFFFFu;
		graw_smc(&v->g->env, regs);
		if (regs[0] != OPTEE_SMC_RETURN_ETHREAD_LIMIT)
			break;
		usleep(200);
	}
	return regs[0];
}

static void vstate_open(struct vstate *v)
{
	TEEC_Context *ctx = &v->g->ctx;
	uint32_t origin = 0;

	v->arith_ok = call_ok(v, "open arith",
			      TEEC_OpenSession(ctx, &v->arith, &uuid_arith, TEEC_LOGIN_PUBLIC,
					       NULL, NULL, &origin), &origin);
	v->buf_ok = call_ok(v, "open buf",
			    TEEC_OpenSession(ctx, &v->buf, &uuid_buf, TEEC_LOGIN_PUBLIC, NULL,
					     NULL, &origin), &origin);
	v->sleep_ok = call_ok(v, "open sleep",
			      TEEC_OpenSession(ctx, &v->sleep, &uuid_sleep, TEEC_LOGIN_PUBLIC,
					       NULL, NULL, &origin), &origin);
	v->keep_ok = call_ok(v, "open shmkeep",
			     TEEC_OpenSession(ctx, &v->keep, &uuid_shmkeep, TEEC_LOGIN_PUBLIC,
					      NULL, NULL, &origin), &origin);
	memset(&v->shm, 0, sizeof(v->shm));
	v->shm.size = 2 * PAGE;
	v->shm.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	v->shm_ok = call_ok(v, "alloc shm", TEEC_AllocateSharedMemory(ctx, &v->shm),
			    &origin_api);
}

static void vstate_close(struct vstate *v)
{
	if (v->shm_ok)
		TEEC_ReleaseSharedMemory(&v->shm);
	if (v->arith_ok)
		TEEC_CloseSession(&v->arith);
	if (v->buf_ok)
		TEEC_CloseSession(&v->buf);
	if (v->sleep_ok)
		TEEC_CloseSession(&v->sleep);
	if (v->keep_ok)
		TEEC_CloseSession(&v->keep);
}

static int vcpu_main(const struct guest_env *env, void *arg)
{
	struct guest *g = arg;
	struct vstate v;
	unsigned i;

	memset(&v, 0, sizeof(v));
	v.g = g;
	v.vcpu = machine_env_vcpu(env);
	v.rng = g->seed ^ ((uint64_t)(v.vcpu + 1) << 32);
	(void)rng_next(&v.rng);
	cur_vcpu_env = env;
	vstate_open(&v);
	if (g->leaver && v.vcpu == NVCPUS - 1 && v.buf_ok) {
		/* 8 pages, budget 3: the mediator preempts mid-translation. */
		uint64_t a0 = raw_leave_call(&v, 8);

		atomic_fetch_add(&op_count[6], 1);
		if (a0 != OPTEE_SMC_RETURN_RPC_FOREIGN_INTR && !atomic_load(&g->killed) &&
		    a0 != OPTEE_SMC_RETURN_ETHREAD_LIMIT)
			check_fail(g, v.vcpu, "raw call: expected FOREIGN_INTR", (uint32_t)a0, 0);
		if (a0 == OPTEE_SMC_RETURN_RPC_FOREIGN_INTR)
			atomic_fetch_add(&op_count[7], 1);
		atomic_store(&g->leaver_done, 1);
	}
	for (i = 0; i < MAX_CALLS && !atomic_load(&g->stop) && !atomic_load(&g->killed); i++) {
		unsigned k = (unsigned)(rng_next(&v.rng) % 16);

		if (k < 4 && v.arith_ok) {
			op_values(&v);
			k = 0;
		} else if (k < 8 && v.buf_ok) {
			op_temp(&v);
			k = 1;
		} else if (k < 10 && v.buf_ok) {
			op_rmem(&v);
			k = 2;
		} else if (k < 11) {
			op_register(&v);
			k = 3;
		} else if (k < 14 && v.sleep_ok) {
			op_rpc_loop(&v);
			k = 4;
		} else if (v.keep_ok) {
			op_shm_alloc(&v);
			k = 5;
		}
		atomic_fetch_add(&op_count[k], 1);
		atomic_fetch_add(&g->progress, 1);
	}
	if (!atomic_load(&g->killed))
		vstate_close(&v);
	cur_vcpu_env = NULL;
	atomic_fetch_sub(&g->running, 1);
	return 0;
}

/* --- guests: create, start, destroy ------------------------------------- */

static struct guest *guest_new(struct machine *m, int slot, bool legacy, bool leaver,
			       uint64_t seed)
{
	struct machine_guest_config gc;
	struct gdrv_config dc;
	struct guest *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->m = m;
	g->slot = slot;
	g->legacy = legacy;
	g->leaver = leaver;
	g->seed = seed;
	machine_guest_config_default(&gc);
	gc.vcpus = NVCPUS;
	gc.ram_size = GUEST_RAM;
	if (machine_guest_create(m, &gc, &g->mg)) {
		free(g);
		return NULL;
	}
	g_env_init(g);
	gdrv_config_default(&dc);
	dc.mode = legacy ? GDRV_MODE_LEGACY : GDRV_MODE_MODERN;
	dc.num_vcpus = NVCPUS;
	dc.cq_retry_ms = 5;
	dc.enumerate_devices = false;
	if (gdrv_create(&g->env, &dc, &g->drv) != GDRV_OK || gdrv_probe(g->drv, NULL) != GDRV_OK ||
	    TEEC_InitializeContext(g->drv, &g->ctx) != TEEC_SUCCESS) {
		printf("  FAIL guest %d: driver setup\n", slot);
		machine_guest_destroy(m, g->mg);
		free(g);
		return NULL;
	}
	atomic_store(&g->running, NVCPUS);
	if (machine_guest_start_all(g->mg, vcpu_main, g)) {
		printf("  FAIL guest %d: start\n", slot);
		machine_guest_destroy(m, g->mg);
		free(g);
		return NULL;
	}
	return g;
}

/* Stop a guest's vCPUs after their current call, shut its driver down, destroy it. */
static bool guest_finish(struct guest *g)
{
	int rc;

	atomic_store(&g->stop, true);
	rc = machine_guest_join(g->mg);
	bool ok = rc == 0;

	TEEC_FinalizeContext(&g->ctx);
	gdrv_destroy(g->drv);
	if (machine_guest_destroy(g->m, g->mg))
		ok = false;
	free(g);
	return ok;
}

/*
 * Kill A: hold a vCPU inside a standard call (inside teemed_handle_smc),
 * call teemed_domain_destroy once: TEEMED_AGAIN is the only right answer;
 * the domain is dying, every later SMC gets ENOTAVAIL. Then let the vCPUs
 * fail out and finish the destruction.
 */
static bool kill_held(struct guest *g, bool *held_out)
{
	struct teemed *tm = machine_mediator(g->m);
	struct teemed_domain *d = machine_guest_domain(g->mg);
	bool ok = true, held;
	int rc;

	hold_arm(machine_guest_client_id(g->mg), HOLD_STD);
	held = hold_wait(3000);
	*held_out = held;
	atomic_store(&g->killed, true);
	if (held) {
		rc = teemed_domain_destroy(tm, d);
		if (rc != TEEMED_AGAIN) {
			printf("  FAIL guest %d: destroy during a held call gave %d, expected "
			       "TEEMED_AGAIN\n", g->slot, rc);
			ok = false;
		}
		hold_release();
	}
	if (machine_guest_join(g->mg))
		ok = false;
	if (machine_guest_destroy(g->m, g->mg))
		ok = false;
	free(g);
	return ok;
}

/* Kill B: once the leaver has left its calls suspended, destroy. */
static bool kill_suspended(struct guest *g)
{
	uint64_t end = now_ms() + 5000;
	bool ok;

	while (!atomic_load(&g->leaver_done) && atomic_load(&g->running) && now_ms() < end)
		usleep(1000);
	atomic_store(&g->killed, true);
	ok = machine_guest_join(g->mg) == 0;
	if (machine_guest_destroy(g->m, g->mg))
		ok = false;
	free(g);
	return ok;
}

static struct machine *new_machine(void)
{
	struct machine_config cfg;
	struct machine *m = NULL;

	machine_config_default(&cfg, MACHINE_MEDIATED);
	cfg.seed = 7;
	cfg.phys.region_bytes[PHYS_REGION_GUEST] = (NGUESTS + 2) * GUEST_RAM + (16ull << 20);
	cfg.phys.region_bytes[PHYS_REGION_MEDIATOR] = 32ull << 20;
	cfg.model.num_threads = 2;
	cfg.model.max_guests = NGUESTS + 2;
	cfg.model.foreign_intr_one_in = 16;
	cfg.model.seed = 11;
	cfg.mediator.work_budget_pages = 3;
	cfg.port.log_level = TEEMED_LOG_ERROR;
	cfg.secure_trace = secure_trace;
	if (machine_create(&cfg, &m))
		return NULL;
	return m;
}

static void stress(void)
{
	struct machine *m = new_machine();
	struct guest *gs[NGUESTS] = { 0 };
	struct machine_report rep;
	struct teemed_stats ts;
	uint64_t t0 = now_ms(), created = 0, killed_a = 0, killed_b = 0, held_n = 0;
	bool ok_create = true, ok_kill = true, ok_finish = true;
	int r, i;

	if (!m) {
		REPORT(false, "machine_create");
		return;
	}
	for (r = 0; r < ROUNDS; r++) {
		int a = r % NGUESTS, b = (r + 1) % NGUESTS;

		for (i = 0; i < NGUESTS; i++) {
			if (gs[i])
				continue;
			gs[i] = guest_new(m, i, (i + r) % 2 == 0, i == b,
					  0x5eed0000ull + (uint64_t)(r * NGUESTS + i));
			if (!gs[i])
				ok_create = false;
			else
				created++;
		}
		/* Let them run, then kill two of them mid-flight. */
		for (uint64_t end = now_ms() + 60000; now_ms() < end;) {
			bool all = true;

			for (i = 0; i < NGUESTS; i++)
				if (gs[i] && atomic_load(&gs[i]->progress) < ROUND_CALLS)
					all = false;
			if (all)
				break;
			usleep(2000);
		}
		if (gs[a]) {
			bool held = false;

			ok_kill &= kill_held(gs[a], &held);
			held_n += held;
			gs[a] = NULL;
			killed_a++;
		}
		if (gs[b]) {
			ok_kill &= kill_suspended(gs[b]);
			gs[b] = NULL;
			killed_b++;
		}
		/* The others stop; all are recreated next round. */
		for (i = 0; i < NGUESTS; i++) {
			if (!gs[i])
				continue;
			ok_finish &= guest_finish(gs[i]);
			gs[i] = NULL;
		}
	}
	teemed_stats(machine_mediator(m), &ts);
	REPORT(ok_create, "guests created and probed: %llu (%d x %d vCPUs at once)",
	       (unsigned long long)created, NGUESTS, NVCPUS);
	REPORT(atomic_load(&checks_failed) == 0,
	       "calls: %llu succeeded, %llu failed as expected in killed guests, %llu wrong "
	       "(values %llu, temp %llu, rmem %llu, register %llu, rpc-loop %llu, shm-alloc %llu, "
	       "raw calls %llu, left suspended %llu)",
	       (unsigned long long)atomic_load(&calls_ok),
	       (unsigned long long)atomic_load(&calls_err_killed),
	       (unsigned long long)atomic_load(&checks_failed),
	       (unsigned long long)atomic_load(&op_count[0]),
	       (unsigned long long)atomic_load(&op_count[1]),
	       (unsigned long long)atomic_load(&op_count[2]),
	       (unsigned long long)atomic_load(&op_count[3]),
	       (unsigned long long)atomic_load(&op_count[4]),
	       (unsigned long long)atomic_load(&op_count[5]),
	       (unsigned long long)atomic_load(&op_count[6]),
	       (unsigned long long)atomic_load(&op_count[7]));
	REPORT(ok_kill, "guests destroyed mid-flight: %llu with a held call (%llu held, each "
	       "TEEMED_AGAIN), %llu with calls left suspended",
	       (unsigned long long)killed_a, (unsigned long long)held_n,
	       (unsigned long long)killed_b);
	REPORT(ok_finish, "guests finished and destroyed cleanly");
	REPORT(ts.thread_limit > 0 && ts.preemptions > 0 && ts.rpc_cmd > 0,
	       "mediator: std calls %llu, ETHREAD_LIMIT %llu, preemptions %llu, RPC alloc %llu, "
	       "cmd %llu, foreign intr %llu, ERESUME %llu",
	       (unsigned long long)ts.std_calls, (unsigned long long)ts.thread_limit,
	       (unsigned long long)ts.preemptions, (unsigned long long)ts.rpc_alloc,
	       (unsigned long long)ts.rpc_cmd, (unsigned long long)ts.rpc_foreign_intr,
	       (unsigned long long)ts.resume_refused);
	r = machine_destroy(m, &rep);
	REPORT(r == 0 && rep.errors_total == 0 && rep.held_total == 0,
	       "machine teardown: %llu violations, %llu errors, %llu held (pins %llu, allocs "
	       "%llu, pages %llu, model allocs %llu); %llu ms",
	       (unsigned long long)(rep.violations + rep.map_violations),
	       (unsigned long long)rep.errors_total, (unsigned long long)rep.held_total,
	       (unsigned long long)rep.pins, (unsigned long long)rep.allocs,
	       (unsigned long long)rep.pages, (unsigned long long)rep.model_allocs,
	       (unsigned long long)(now_ms() - t0));
}

/* --- destroy against a forwarded fast call in flight ----------------------- */

static int fast_vcpu(const struct guest_env *env, void *arg)
{
	uint64_t r[8] = { OPTEE_SMC_CALLS_UID, 0, 0, 0, 0, 0, 0, 0 };

	(void)arg;
	env->smc(env->ctx, r);
	return 0;
}

/* In a child: 0 = destroy waited (TEEMED_AGAIN), 1 = it did not. */
static int fast_call_child(void)
{
	struct machine_config cfg;
	struct machine *m = NULL;
	struct machine_guest_config gc;
	struct machine_guest *g = NULL;
	int rc;

	machine_config_default(&cfg, MACHINE_MEDIATED);
	cfg.phys.region_bytes[PHYS_REGION_GUEST] = 16ull << 20;
	cfg.secure_trace = secure_trace;
	cfg.port.log_level = TEEMED_LOG_ERROR;
	if (machine_create(&cfg, &m))
		return 2;
	machine_guest_config_default(&gc);
	gc.ram_size = 4ull << 20;
	if (machine_guest_create(m, &gc, &g))
		return 2;
	hold_arm(machine_guest_client_id(g), HOLD_FAST);
	if (machine_guest_start(g, 0, fast_vcpu, NULL) || !hold_wait(3000))
		return 2;
	rc = teemed_domain_destroy(machine_mediator(m), machine_guest_domain(g));
	if (rc != TEEMED_AGAIN) {
		printf("  teemed_domain_destroy gave %d while vCPU 0 was inside CALLS_UID "
		       "(forwarded to OP-TEE on the lock-free fast path): the domain was "
		       "destroyed and freed under a running trap; the trap then stores "
		       "d->fast_count into freed memory (src/fastcall.c tm_fast_stateless, "
		       "src/core.c teemed_handle_smc)\n", rc);
		fflush(stdout);
		/* Releasing the vCPU would write freed memory: leave it held. */
		return 1;
	}
	hold_release();
	if (machine_guest_destroy(m, g) || machine_destroy(m, NULL))
		return 3;
	return 0;
}

static void fast_call_vs_destroy(void)
{
	pid_t pid;
	int status = 0;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(fast_call_child());
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		REPORT(false, "fast call vs destroy: fork/wait failed");
		return;
	}
	REPORT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "destroy waits for a forwarded fast call in flight (TEEMED_AGAIN) [exit %d]",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || strcmp(argv[1], "--no-fork") != 0)
		fast_call_vs_destroy();
	stress();
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
