/* SPDX-License-Identifier: BSD-2-Clause */
/* The workload's guest_env (see wl_env.h). */
#include "sim/workload/wl_env.h"

#include <errno.h>

/* The vCPU whose thread this is; NULL on the controlling thread. */
static _Thread_local const struct guest_env *current_vcpu;

void wl_env_enter(const struct guest_env *vcpu_env)
{
	current_vcpu = vcpu_env;
}

#define BASE(ctx) (((const struct wl_env *)(ctx))->base)

static void we_smc(void *ctx, uint64_t regs[8])
{
	const struct guest_env *e = current_vcpu ? current_vcpu : BASE(ctx);

	e->smc(e->ctx, regs);
}

static void *we_map(void *ctx, uint64_t ipa)
{
	const struct wl_env *we = ctx;

	if (we->identity) {
		if (ipa < we->env.ram_base || ipa - we->env.ram_base >= we->env.ram_size)
			return NULL;
		return phys_ptr(we->identity, ipa & ~PHYS_FRAME_MASK);
	}
	return we->base->map(we->base->ctx, ipa);
}

static void *we_alloc(void *ctx, size_t size)
{
	return BASE(ctx)->alloc(BASE(ctx)->ctx, size);
}

static void we_free(void *ctx, void *ptr, size_t size)
{
	BASE(ctx)->free(BASE(ctx)->ctx, ptr, size);
}

static void *we_lock_create(void *ctx)
{
	return BASE(ctx)->lock_create(BASE(ctx)->ctx);
}

static void we_lock_destroy(void *ctx, void *lock)
{
	BASE(ctx)->lock_destroy(BASE(ctx)->ctx, lock);
}

static void we_lock(void *ctx, void *lock)
{
	BASE(ctx)->lock(BASE(ctx)->ctx, lock);
}

static void we_unlock(void *ctx, void *lock)
{
	BASE(ctx)->unlock(BASE(ctx)->ctx, lock);
}

static void *we_cond_create(void *ctx)
{
	return BASE(ctx)->cond_create(BASE(ctx)->ctx);
}

static void we_cond_destroy(void *ctx, void *cond)
{
	BASE(ctx)->cond_destroy(BASE(ctx)->ctx, cond);
}

static void we_cond_wait(void *ctx, void *cond, void *lock)
{
	BASE(ctx)->cond_wait(BASE(ctx)->ctx, cond, lock);
}

static int we_cond_timedwait(void *ctx, void *cond, void *lock, uint64_t ms)
{
	return BASE(ctx)->cond_timedwait(BASE(ctx)->ctx, cond, lock, ms);
}

static void we_cond_broadcast(void *ctx, void *cond)
{
	BASE(ctx)->cond_broadcast(BASE(ctx)->ctx, cond);
}

static uint64_t we_time_ns(void *ctx)
{
	return BASE(ctx)->time_ns(BASE(ctx)->ctx);
}

static void we_sleep_ms(void *ctx, uint64_t ms)
{
	BASE(ctx)->sleep_ms(BASE(ctx)->ctx, ms);
}

static void we_log(void *ctx, const char *msg)
{
	if (BASE(ctx)->log)
		BASE(ctx)->log(BASE(ctx)->ctx, msg);
}

int wl_env_init(struct wl_env *we, struct machine *m, struct machine_guest *g)
{
	const struct guest_env *base = machine_guest_env(g, 0);
	struct stage2 *s2 = machine_guest_stage2(g);

	we->base = base;
	we->identity = NULL;
	we->env = (struct guest_env){
		.ctx = we,
		.smc = we_smc,
		.ram_base = base->ram_base,
		.ram_size = base->ram_size,
		.map = we_map,
		.alloc = we_alloc,
		.free = we_free,
		.lock_create = we_lock_create,
		.lock_destroy = we_lock_destroy,
		.lock = we_lock,
		.unlock = we_unlock,
		.cond_create = we_cond_create,
		.cond_destroy = we_cond_destroy,
		.cond_wait = we_cond_wait,
		.cond_timedwait = we_cond_timedwait,
		.cond_broadcast = we_cond_broadcast,
		.time_ns = we_time_ns,
		.sleep_ms = we_sleep_ms,
		.log = we_log,
		.irq_ctx = base->irq_ctx,
		.irq_register = base->irq_register,
	};
	if (machine_mode(m) == MACHINE_DIRECT) {
		struct phys *p = machine_phys(m);

		/* The guest owns the whole guest region, or it cannot use PAs. */
		if (phys_region_bytes(p, PHYS_REGION_GUEST) != stage2_ram_size(s2))
			return -EINVAL;
		we->identity = p;
		we->env.ram_base = phys_region_base(p, PHYS_REGION_GUEST);
		we->env.ram_size = phys_region_bytes(p, PHYS_REGION_GUEST);
	}
	return 0;
}
