// SPDX-License-Identifier: BSD-2-Clause
/*
 * The guest_env (sim/guest/guest_env.h) of a bare-metal EL1 guest, for the
 * OP-TEE driver built unchanged from sim/guest:
 *
 *   smc        `smc #0` (trapped by the hypervisor), or `hvc #0`
 *   map        the guest's stage 1 is an identity map of its RAM, so an
 *              IPA is its own address; pages the guest had the hypervisor
 *              unmap are refused (NULL), as the driver expects
 *   alloc      the guest heap (size classes, zeroed)
 *   locks      spinlocks; condition variables are a sequence number that
 *              waiters spin on (every vCPU has its own physical CPU, so
 *              spinning steals from nobody); timed waits poll the counter
 *   time       the virtual counter (CNTVOFF_EL2 = 0)
 */
#include "sys.h"

#include "guest/teec.h"
#include "plat.h"

/* Pages at once the guest may have unmapped through HYP_CALL_S2_SET. */
#define UNMAPPED_MAX 8u

struct cond {
	volatile uint64_t seq;
};

static volatile uint64_t unmapped[UNMAPPED_MAX];

void env_mark_unmapped(uint64_t ipa, bool is_unmapped)
{
	unsigned i;

	for (i = 0; i < UNMAPPED_MAX; i++) {
		if (is_unmapped && unmapped[i] == 0) {
			unmapped[i] = ipa;
			return;
		}
		if (!is_unmapped && unmapped[i] == ipa) {
			unmapped[i] = 0;
			return;
		}
	}
}

static void env_smc(void *ctx, uint64_t regs[8])
{
	(void)ctx;
	smc_call(regs);
}

static void env_hvc(void *ctx, uint64_t regs[8])
{
	(void)ctx;
	hvc_call(regs);
}

static void *env_map(void *ctx, uint64_t ipa)
{
	uint64_t page = ipa & ~PLAT_PAGE_MASK;
	unsigned i;

	(void)ctx;
	if (page < bi->ram_ipa || page - bi->ram_ipa >= bi->ram_size)
		return NULL;
	for (i = 0; i < UNMAPPED_MAX; i++)
		if (unmapped[i] == page)
			return NULL;
	return (void *)(uintptr_t)page;
}

static void *env_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return heap_alloc(&guest_heap, size);
}

static void env_free(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	heap_free(&guest_heap, ptr, size);
}

static void *env_lock_create(void *ctx)
{
	(void)ctx;
	return heap_alloc(&guest_heap, sizeof(spinlock_t));
}

static void env_lock_destroy(void *ctx, void *lock)
{
	(void)ctx;
	heap_free(&guest_heap, lock, sizeof(spinlock_t));
}

static void env_lock(void *ctx, void *lock)
{
	(void)ctx;
	spin_lock(lock);
}

static void env_unlock(void *ctx, void *lock)
{
	(void)ctx;
	spin_unlock(lock);
}

static void *env_cond_create(void *ctx)
{
	(void)ctx;
	return heap_alloc(&guest_heap, sizeof(struct cond));
}

static void env_cond_destroy(void *ctx, void *cond)
{
	(void)ctx;
	heap_free(&guest_heap, cond, sizeof(struct cond));
}

/* The sequence is read before the lock is dropped: no wake-up is lost. */
static int cond_wait_until(struct cond *c, spinlock_t *lock, uint64_t deadline)
{
	uint64_t seq = c->seq;
	int timeout = 0;

	spin_unlock(lock);
	while (c->seq == seq) {
		if (deadline && now_ns() >= deadline) {
			timeout = 1;
			break;
		}
		cpu_relax();
	}
	spin_lock(lock);
	return timeout;
}

static void env_cond_wait(void *ctx, void *cond, void *lock)
{
	(void)ctx;
	cond_wait_until(cond, lock, 0);
}

static int env_cond_timedwait(void *ctx, void *cond, void *lock, uint64_t timeout_ms)
{
	(void)ctx;
	return cond_wait_until(cond, lock, now_ns() + timeout_ms * 1000000ull);
}

static void env_cond_broadcast(void *ctx, void *cond)
{
	struct cond *c = cond;

	(void)ctx;
	atomic_add64(&c->seq, 1);
	sev();
}

static uint64_t env_time_ns(void *ctx)
{
	(void)ctx;
	return now_ns();
}

static void env_sleep_ms(void *ctx, uint64_t ms)
{
	(void)ctx;
	delay_ms(ms);
}

static void env_log(void *ctx, const char *msg)
{
	(void)ctx;
	if (bi->flags & GUEST_F_VERBOSE)
		gprintf("driver: %s\n", msg);
}

void env_init(struct guest_env *env, enum env_conduit c, uint64_t base, uint64_t size)
{
	*env = (struct guest_env){
	    .smc = c == ENV_HVC ? env_hvc : env_smc,
	    .ram_base = base,
	    .ram_size = size,
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
	};
}

struct gdrv *driver_start(const struct guest_env *env, unsigned mode, unsigned nvcpus,
			  uint64_t cookie_base, bool enumerate)
{
	struct gdrv_config cfg;
	struct gdrv_info info;
	struct gdrv *drv = NULL;
	int rc;

	gdrv_config_default(&cfg);
	cfg.mode = (enum gdrv_mode)mode;
	cfg.num_vcpus = nvcpus;
	cfg.cookie_base = cookie_base;
	cfg.enumerate_devices = enumerate;
	rc = gdrv_create(env, &cfg, &drv);
	if (!check(rc == GDRV_OK, "gdrv_create: %d", rc))
		return NULL;
	rc = gdrv_probe(drv, &info);
	if (!check(rc == GDRV_OK, "gdrv_probe: %d", rc)) {
		gdrv_destroy(drv);
		return NULL;
	}
	gprintf("driver probed (%s, %s): OP-TEE %u.%u, API %u.%u, caps 0x%x, %u threads, %s, %u "
		"device(s)\n",
		mode == GDRV_MODE_LEGACY ? "legacy" : "modern", env->smc == env_hvc ? "HVC" : "SMC",
		info.os_major, info.os_minor, info.api_major, info.api_minor, info.sec_caps,
		info.thread_count, info.regd_arg ? "CALL_WITH_REGD_ARG" : "CALL_WITH_ARG",
		info.num_devices);
	return drv;
}
