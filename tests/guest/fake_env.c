/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host side of the guest tests: a guest_env over flat RAM (IPA ==
 * FAKE_RAM_BASE + offset) with pthread locks and conditions, wired to the
 * fake OP-TEE.
 */
#include "fake.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "teemed/optee_smc.h"

#define PAGE 4096u

/* --- environment ---------------------------------------------------------- */

static void *env_map(void *ctx, uint64_t ipa)
{
	struct fake *f = ctx;
	uint64_t idx;

	if (ipa < FAKE_RAM_BASE)
		return NULL;
	idx = (ipa - FAKE_RAM_BASE) / PAGE;
	if (idx >= FAKE_RAM_PAGES || (long long)idx == f->unmapped_page)
		return NULL;
	return f->ram + idx * PAGE;
}

static void *env_alloc(void *ctx, size_t size)
{
	struct fake *f = ctx;

	__atomic_add_fetch(&f->allocs, 1, __ATOMIC_RELAXED);
	return calloc(1, size);
}

static void env_free(void *ctx, void *p, size_t size)
{
	struct fake *f = ctx;

	(void)size;
	__atomic_add_fetch(&f->frees, 1, __ATOMIC_RELAXED);
	free(p);
}

static void *env_lock_create(void *ctx)
{
	pthread_mutex_t *m = malloc(sizeof(*m));

	(void)ctx;
	pthread_mutex_init(m, NULL);
	return m;
}

static void env_lock_destroy(void *ctx, void *l)
{
	(void)ctx;
	pthread_mutex_destroy(l);
	free(l);
}

static void env_lock(void *ctx, void *l)
{
	(void)ctx;
	pthread_mutex_lock(l);
}

static void env_unlock(void *ctx, void *l)
{
	(void)ctx;
	pthread_mutex_unlock(l);
}

static void *env_cond_create(void *ctx)
{
	pthread_cond_t *c = malloc(sizeof(*c));
	pthread_condattr_t a;

	(void)ctx;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
	return c;
}

static void env_cond_destroy(void *ctx, void *c)
{
	(void)ctx;
	pthread_cond_destroy(c);
	free(c);
}

static void env_cond_wait(void *ctx, void *c, void *l)
{
	(void)ctx;
	pthread_cond_wait(c, l);
}

static int env_cond_timedwait(void *ctx, void *c, void *l, uint64_t ms)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_cond_timedwait(c, l, &ts) == ETIMEDOUT;
}

static void env_cond_broadcast(void *ctx, void *c)
{
	(void)ctx;
	pthread_cond_broadcast(c);
}

static uint64_t env_time_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void env_sleep_ms(void *ctx, uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	(void)ctx;
	nanosleep(&ts, NULL);
}

static void env_log(void *ctx, const char *msg)
{
	(void)ctx;
	if (getenv("GUEST_TEST_VERBOSE"))
		fprintf(stderr, "    log: %s\n", msg);
}

uint8_t *fake_mem(struct fake *f, uint64_t ipa)
{
	uint8_t *page = env_map(f, ipa & ~(uint64_t)(PAGE - 1));

	return page ? page + (ipa & (PAGE - 1)) : NULL;
}

struct fake *fake_create(void)
{
	struct fake *f = calloc(1, sizeof(*f));

	f->ram = aligned_alloc(PAGE, (size_t)FAKE_RAM_PAGES * PAGE);
	memset(f->ram, 0xEE, (size_t)FAKE_RAM_PAGES * PAGE); /* catch unzeroed use */
	pthread_mutex_init(&f->mu, NULL);
	f->unmapped_page = -1;
	f->caps = OPTEE_SMC_SEC_CAP_DYNAMIC_SHM | OPTEE_SMC_SEC_CAP_MEMREF_NULL |
		  OPTEE_SMC_SEC_CAP_RPC_ARG;
	f->rpc_params = 4;
	f->thread_count = 2;
	f->api_major = 2;
	f->exch_status = OPTEE_SMC_RETURN_OK;
	f->nthreads = 2;
	f->next_session = 0x40;
	f->devenum_session = 0xFFFFFFFFu;

	f->env.ctx = f;
	f->env.smc = fake_smc;
	f->env.ram_base = FAKE_RAM_BASE;
	f->env.ram_size = (uint64_t)FAKE_RAM_PAGES * PAGE;
	f->env.map = env_map;
	f->env.alloc = env_alloc;
	f->env.free = env_free;
	f->env.lock_create = env_lock_create;
	f->env.lock_destroy = env_lock_destroy;
	f->env.lock = env_lock;
	f->env.unlock = env_unlock;
	f->env.cond_create = env_cond_create;
	f->env.cond_destroy = env_cond_destroy;
	f->env.cond_wait = env_cond_wait;
	f->env.cond_timedwait = env_cond_timedwait;
	f->env.cond_broadcast = env_cond_broadcast;
	f->env.time_ns = env_time_ns;
	f->env.sleep_ms = env_sleep_ms;
	f->env.log = env_log;
	return f;
}

void fake_destroy(struct fake *f)
{
	int i;

	for (i = 0; i < FAKE_MAX_REGS; i++)
		free(f->regs[i].pages);
	pthread_mutex_destroy(&f->mu);
	free(f->ram);
	free(f);
}
