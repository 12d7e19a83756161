/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Simulated vCPUs and their guest_env (see vcpu.h).
 *
 * Locks: the guest's own mutexes, taken by the guest, g->alloc_lock, a
 * leaf taken by alloc/free only, and g->irq_lock, a leaf for the interrupt
 * state (never held while the handler runs). The SMC path takes none of its
 * own (the mediator and the model lock for themselves).
 */
#include "sim/machine/vcpu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "teemed/optee_smc.h"
#include "teemed/teemed.h"

/* Written before every guest alloc() payload, checked by free(). */
#define ALLOC_MAGIC 0x6775657374414c43ull
struct vcpu_alloc {
	uint64_t magic;
	uint64_t size;
	struct vcpu_alloc *prev, *next; /* 32 bytes: the payload stays 16-byte aligned */
};

void vcpu_guest_init(struct vcpu_guest *g)
{
	atomic_init(&g->smc_calls, 0);
	atomic_init(&g->allocs_live, 0);
	atomic_init(&g->bytes_live, 0);
	atomic_init(&g->locks_live, 0);
	atomic_init(&g->conds_live, 0);
	atomic_init(&g->errors, 0);
	pthread_mutex_init(&g->alloc_lock, NULL);
	g->allocs = NULL;
	pthread_mutex_init(&g->irq_lock, NULL);
	pthread_cond_init(&g->irq_cond, NULL);
	g->irq_handler = NULL;
	g->irq_arg = NULL;
	g->irq_pending = 0;
	g->irq_running = 0;
	g->irq_stop = 0;
	g->irq_thread_live = 0;
	atomic_init(&g->irqs_raised, 0);
	atomic_init(&g->irqs_handled, 0);
}

/* The guest's interrupt thread: one handler call per batch of raises. */
static void *irq_thread(void *arg)
{
	struct vcpu_guest *g = arg;
	void (*fn)(void *arg);
	void *fn_arg;

	pthread_mutex_lock(&g->irq_lock);
	for (;;) {
		while (!g->irq_stop && !(g->irq_pending && g->irq_handler))
			pthread_cond_wait(&g->irq_cond, &g->irq_lock);
		if (g->irq_stop)
			break;
		g->irq_pending = 0;
		fn = g->irq_handler;
		fn_arg = g->irq_arg;
		g->irq_running = 1;
		pthread_mutex_unlock(&g->irq_lock);
		fn(fn_arg);
		atomic_fetch_add(&g->irqs_handled, 1);
		pthread_mutex_lock(&g->irq_lock);
		g->irq_running = 0;
		/* An unregister may be waiting for the handler to return. */
		pthread_cond_broadcast(&g->irq_cond);
	}
	pthread_mutex_unlock(&g->irq_lock);
	return NULL;
}

void vcpu_guest_raise_irq(struct vcpu_guest *g)
{
	atomic_fetch_add(&g->irqs_raised, 1);
	pthread_mutex_lock(&g->irq_lock);
	g->irq_pending++;
	pthread_cond_broadcast(&g->irq_cond);
	pthread_mutex_unlock(&g->irq_lock);
}

uint64_t vcpu_guest_fini(struct vcpu_guest *g)
{
	uint64_t n = 0;
	int live;

	pthread_mutex_lock(&g->irq_lock);
	g->irq_stop = 1;
	live = g->irq_thread_live;
	g->irq_thread_live = 0;
	pthread_cond_broadcast(&g->irq_cond);
	pthread_mutex_unlock(&g->irq_lock);
	if (live)
		pthread_join(g->irq_thread, NULL);
	pthread_cond_destroy(&g->irq_cond);
	pthread_mutex_destroy(&g->irq_lock);
	while (g->allocs) {
		struct vcpu_alloc *h = g->allocs;

		g->allocs = h->next;
		h->magic = 0;
		free(h);
		n++;
	}
	pthread_mutex_destroy(&g->alloc_lock);
	return n;
}

static void env_smc(void *ctx, uint64_t regs[8])
{
	struct vcpu *v = ctx;
	struct vcpu_guest *g = v->g;
	uint64_t in[8];

	atomic_fetch_add_explicit(&g->smc_calls, 1, memory_order_relaxed);
	if (g->trace)
		memcpy(in, regs, sizeof(in));
	if (g->conduit == VCPU_TO_MEDIATOR && g->dom) {
		struct teemed_regs r;

		memcpy(r.a, regs, sizeof(r.a));
		teemed_handle_smc(g->tm, g->dom, v->index, &r);
		memcpy(regs, r.a, sizeof(r.a));
	} else if (g->conduit == VCPU_TO_SECURE && g->secure) {
		g->secure(g->secure_arg, regs);
	} else {
		/* No OP-TEE for this guest: what a hypervisor answers. */
		regs[0] = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
	}
	if (g->trace)
		g->trace(g->trace_arg, g->guest_id, v->index, in, regs);
}

static void *env_map(void *ctx, uint64_t ipa)
{
	struct vcpu *v = ctx;

	return stage2_guest_ptr(v->g->s2, ipa & ~PHYS_FRAME_MASK);
}

static void *env_alloc(void *ctx, size_t size)
{
	struct vcpu_guest *g = ((struct vcpu *)ctx)->g;
	struct vcpu_alloc *h;

	if (size > SIZE_MAX - sizeof(*h))
		return NULL;
	h = calloc(1, sizeof(*h) + size);
	if (!h)
		return NULL;
	h->magic = ALLOC_MAGIC;
	h->size = size;
	pthread_mutex_lock(&g->alloc_lock);
	h->next = g->allocs;
	if (h->next)
		h->next->prev = h;
	g->allocs = h;
	pthread_mutex_unlock(&g->alloc_lock);
	atomic_fetch_add(&g->allocs_live, 1);
	atomic_fetch_add(&g->bytes_live, size);
	return h + 1;
}

static void env_free(void *ctx, void *ptr, size_t size)
{
	struct vcpu_guest *g = ((struct vcpu *)ctx)->g;
	struct vcpu_alloc *h;

	if (!ptr)
		return;
	h = (struct vcpu_alloc *)ptr - 1;
	if (h->magic != ALLOC_MAGIC || h->size != size) {
		/* A guest bug: counted; the memory is left alone. */
		atomic_fetch_add(&g->errors, 1);
		fprintf(stderr, "guest%u: free(%p, %zu) of no such allocation\n", g->guest_id,
			ptr, size);
		return;
	}
	pthread_mutex_lock(&g->alloc_lock);
	if (h->prev)
		h->prev->next = h->next;
	else
		g->allocs = h->next;
	if (h->next)
		h->next->prev = h->prev;
	pthread_mutex_unlock(&g->alloc_lock);
	atomic_fetch_sub(&g->allocs_live, 1);
	atomic_fetch_sub(&g->bytes_live, size);
	h->magic = 0;
	free(h);
}

/*
 * Locks and condition variables live in the guest's tracked allocations, so
 * a guest destroyed without its driver's teardown (killed mid-call) leaves
 * nothing behind: vcpu_guest_fini frees them with the rest.
 */
static void *env_lock_create(void *ctx)
{
	struct vcpu *v = ctx;
	pthread_mutex_t *m = env_alloc(ctx, sizeof(*m));

	if (!m)
		return NULL;
	pthread_mutex_init(m, NULL);
	atomic_fetch_add(&v->g->locks_live, 1);
	return m;
}

static void env_lock_destroy(void *ctx, void *lock)
{
	struct vcpu *v = ctx;

	if (!lock)
		return;
	pthread_mutex_destroy(lock);
	env_free(ctx, lock, sizeof(pthread_mutex_t));
	atomic_fetch_sub(&v->g->locks_live, 1);
}

static void env_lock(void *ctx, void *lock)
{
	(void)ctx;
	pthread_mutex_lock(lock);
}

static void env_unlock(void *ctx, void *lock)
{
	(void)ctx;
	pthread_mutex_unlock(lock);
}

static void *env_cond_create(void *ctx)
{
	struct vcpu *v = ctx;
	pthread_cond_t *c = env_alloc(ctx, sizeof(*c));
	pthread_condattr_t attr;

	if (!c)
		return NULL;
	/* Monotonic, as time_ns(), so timeouts do not jump with the wall clock. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(c, &attr);
	pthread_condattr_destroy(&attr);
	atomic_fetch_add(&v->g->conds_live, 1);
	return c;
}

static void env_cond_destroy(void *ctx, void *cond)
{
	struct vcpu *v = ctx;

	if (!cond)
		return;
	pthread_cond_destroy(cond);
	env_free(ctx, cond, sizeof(pthread_cond_t));
	atomic_fetch_sub(&v->g->conds_live, 1);
}

static void env_cond_wait(void *ctx, void *cond, void *lock)
{
	(void)ctx;
	pthread_cond_wait(cond, lock);
}

static int env_cond_timedwait(void *ctx, void *cond, void *lock, uint64_t timeout_ms)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(timeout_ms / 1000);
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_cond_timedwait(cond, lock, &ts) == ETIMEDOUT;
}

static void env_cond_broadcast(void *ctx, void *cond)
{
	(void)ctx;
	pthread_cond_broadcast(cond);
}

static uint64_t env_time_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void env_sleep_ms(void *ctx, uint64_t ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	(void)ctx;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void env_log(void *ctx, const char *msg)
{
	struct vcpu *v = ctx;

	if (v->g->verbose)
		fprintf(stderr, "guest%u.%u: %s\n", v->g->guest_id, v->index, msg);
}

static int env_irq_register(void *irq_ctx, void (*handler)(void *arg), void *arg)
{
	struct vcpu_guest *g = ((struct vcpu *)irq_ctx)->g;
	int ret = 0;

	pthread_mutex_lock(&g->irq_lock);
	if (handler) {
		if (g->irq_handler || g->irq_stop) {
			ret = -EBUSY; /* one handler per guest */
		} else if (!g->irq_thread_live &&
			   pthread_create(&g->irq_thread, NULL, irq_thread, g)) {
			ret = -EAGAIN;
		} else {
			g->irq_thread_live = 1;
			g->irq_handler = handler;
			g->irq_arg = arg;
			pthread_cond_broadcast(&g->irq_cond);
		}
	} else {
		g->irq_handler = NULL;
		g->irq_arg = NULL;
		/* Not from the handler itself (guest_env.h): it would wait for itself. */
		while (g->irq_running && !(g->irq_thread_live &&
					    pthread_equal(g->irq_thread, pthread_self())))
			pthread_cond_wait(&g->irq_cond, &g->irq_lock);
	}
	pthread_mutex_unlock(&g->irq_lock);
	return ret;
}

void vcpu_init(struct vcpu *v, struct vcpu_guest *g, uint32_t index)
{
	memset(v, 0, sizeof(*v));
	v->g = g;
	v->index = index;
	v->env = (struct guest_env){
		.ctx = v,
		.smc = env_smc,
		.ram_base = stage2_ram_base(g->s2),
		.ram_size = stage2_ram_size(g->s2),
		.map = env_map,
		.alloc = env_alloc,
		.free = env_free,
		.lock_create = env_lock_create,
		.lock_destroy = env_lock_destroy,
		.lock = env_lock,
		.unlock = env_unlock,
		.cond_create = env_cond_create,
		.cond_destroy = env_cond_destroy,
		.cond_wait = env_cond_wait,
		.cond_timedwait = env_cond_timedwait,
		.cond_broadcast = env_cond_broadcast,
		.time_ns = env_time_ns,
		.sleep_ms = env_sleep_ms,
		.log = env_log,
		.irq_ctx = v,
		.irq_register = env_irq_register,
	};
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;

	v->result = v->fn(&v->env, v->arg);
	return NULL;
}

int vcpu_start(struct vcpu *v, vcpu_fn fn, void *arg)
{
	int rc;

	if (v->started)
		return -EBUSY;
	v->fn = fn;
	v->arg = arg;
	v->result = 0;
	rc = pthread_create(&v->thread, NULL, vcpu_thread, v);
	if (rc)
		return -rc;
	v->started = 1;
	return 0;
}

int vcpu_join(struct vcpu *v, int *result)
{
	if (!v->started)
		return -EINVAL;
	pthread_join(v->thread, NULL);
	v->started = 0;
	if (result)
		*result = v->result;
	return 0;
}

const struct guest_env *vcpu_env(const struct vcpu *v)
{
	return &v->env;
}
