/* SPDX-License-Identifier: BSD-2-Clause */
/* vCPUs and their guest_env, on a direct-mode machine with a fake secure world. */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <stdatomic.h>
#include <string.h>

#include "sim/machine/machine.h"
#include "tests/machine/harness.h"

#define SMCS_PER_VCPU 2000

static atomic_uint fake_calls;

/* A secure world that adds: a0 = a1 + a2, a1 = a7 (the client ID it saw). */
static void fake_secure(void *arg, uint64_t regs[8])
{
	(void)arg;
	atomic_fetch_add(&fake_calls, 1);
	regs[0] = regs[1] + regs[2];
	regs[1] = regs[7];
}

static struct machine *direct_machine(void)
{
	struct machine_config cfg;
	struct machine *m = NULL;

	machine_config_default(&cfg, MACHINE_DIRECT);
	cfg.phys.region_bytes[PHYS_REGION_GUEST] = 16ull << 20;
	cfg.phys.region_bytes[PHYS_REGION_MEDIATOR] = 1ull << 20;
	cfg.secure = fake_secure;
	CHECK_EQ(machine_create(&cfg, &m), 0);
	return m;
}

static struct machine_guest *small_guest(struct machine *m, uint32_t vcpus)
{
	struct machine_guest_config gc;
	struct machine_guest *g = NULL;

	machine_guest_config_default(&gc);
	gc.vcpus = vcpus;
	gc.ram_size = 1ull << 20;
	CHECK_EQ(machine_guest_create(m, &gc, &g), 0);
	return g;
}

static int smc_loop(const struct guest_env *env, void *arg)
{
	uint32_t vcpu = machine_env_vcpu(env);
	int i, bad = 0;

	(void)arg;
	for (i = 0; i < SMCS_PER_VCPU; i++) {
		uint64_t regs[8] = { 0x32000004, vcpu, (uint64_t)i, 0, 0, 0, 0, 0x10000 + vcpu };

		env->smc(env->ctx, regs);
		bad += regs[0] != vcpu + (uint64_t)i || regs[1] != 0x10000 + vcpu;
	}
	return bad;
}

static void vcpu_threads_call_a_fake_smc(void)
{
	struct machine *m = direct_machine();
	struct machine_guest *g = small_guest(m, 4);
	struct machine_report rep;

	atomic_store(&fake_calls, 0);
	CHECK_EQ(machine_guest_start_all(g, smc_loop, NULL), 0);
	CHECK_EQ(machine_guest_start(g, 0, smc_loop, NULL), -EBUSY);
	CHECK_EQ(machine_guest_join(g), 0);
	CHECK_EQ(atomic_load(&fake_calls), 4 * SMCS_PER_VCPU);
	CHECK_EQ(atomic_load(&machine_guest_vcpu_state(g)->smc_calls), 4 * SMCS_PER_VCPU);
	/* Joined vCPUs can run again. */
	CHECK_EQ(machine_guest_start(g, 2, smc_loop, NULL), 0);
	CHECK_EQ(machine_guest_join(g), 0);
	CHECK_EQ(machine_destroy(m, &rep), 0);
	CHECK_EQ(rep.held_total, 0);
	CHECK_EQ(rep.errors_total, 0);
}

static int fail_on_vcpu1(const struct guest_env *env, void *arg)
{
	(void)arg;
	return machine_env_vcpu(env) == 1 ? 7 : 0;
}

static void join_reports_failures(void)
{
	struct machine *m = direct_machine();
	struct machine_guest *g = small_guest(m, 3);

	CHECK_EQ(machine_guest_start_all(g, fail_on_vcpu1, NULL), 0);
	CHECK_EQ(machine_guest_join(g), 7);
	CHECK_EQ(machine_destroy(m, NULL), 0);
}

static void env_map_follows_stage2(void)
{
	struct machine *m = direct_machine();
	struct machine_guest *g = small_guest(m, 1);
	const struct guest_env *env = machine_guest_env(g, 0);
	struct stage2 *s2 = machine_guest_stage2(g);
	uint64_t base = env->ram_base, pa;
	uint8_t *page;

	CHECK_EQ(env->ram_base, S2_DEFAULT_RAM_BASE);
	CHECK_EQ(env->ram_size, 1ull << 20);
	page = env->map(env->ctx, base + 5 * 4096);
	stage2_lookup(s2, base + 5 * 4096, &pa);
	CHECK(page == phys_ptr(machine_phys(m), pa));
	CHECK(env->map(env->ctx, base + 5 * 4096 + 100) == page);
	page[7] = 0x42;
	CHECK_EQ(((uint8_t *)phys_ptr(machine_phys(m), pa))[7], 0x42);
	CHECK(env->map(env->ctx, base + env->ram_size) == NULL);
	stage2_unmap(s2, base);
	CHECK(env->map(env->ctx, base) == NULL);
	stage2_set_ro(s2, base + 4096, 1);
	CHECK(env->map(env->ctx, base + 4096) != NULL);
	stage2_map_mmio(s2, base + 8192, S2_DEFAULT_MMIO_PA);
	CHECK(env->map(env->ctx, base + 8192) == NULL);
	CHECK(machine_guest_env(g, 1) == NULL);
	CHECK_EQ(machine_destroy(m, NULL), 0);
}

static void env_services(void)
{
	struct machine *m = direct_machine();
	struct machine_guest *g = small_guest(m, 1);
	const struct guest_env *env = machine_guest_env(g, 0);
	const struct vcpu_guest *vg = machine_guest_vcpu_state(g);
	struct machine_report rep;
	uint64_t t0, t1;
	uint8_t *a;
	void *lock, *cond;

	a = env->alloc(env->ctx, 64);
	CHECK(a != NULL && a[63] == 0);
	CHECK_EQ(atomic_load(&vg->allocs_live), 1);
	lock = env->lock_create(env->ctx);
	cond = env->cond_create(env->ctx);
	env->lock(env->ctx, lock);
	t0 = env->time_ns(env->ctx);
	CHECK(env->cond_timedwait(env->ctx, cond, lock, 20) != 0); /* times out */
	t1 = env->time_ns(env->ctx);
	CHECK(t1 - t0 >= 19000000ull);
	env->cond_broadcast(env->ctx, cond);
	env->unlock(env->ctx, lock);
	t0 = env->time_ns(env->ctx);
	env->sleep_ms(env->ctx, 5);
	CHECK(env->time_ns(env->ctx) - t0 >= 5000000ull);
	env->cond_destroy(env->ctx, cond);
	env->lock_destroy(env->ctx, lock);
	env->free(env->ctx, a, 64);
	CHECK_EQ(atomic_load(&vg->allocs_live), 0);
	CHECK_EQ(atomic_load(&vg->locks_live), 0);
	CHECK_EQ(atomic_load(&vg->conds_live), 0);
	/* A guest leak is reported, but is the guest's, not the run's. */
	a = env->alloc(env->ctx, 8);
	CHECK_EQ(machine_destroy(m, &rep), 0);
	CHECK_EQ(rep.guest_allocs, 1);
}

static void direct_mode_has_one_guest(void)
{
	struct machine *m = direct_machine();
	struct machine_guest_config gc;
	struct machine_guest *g = small_guest(m, 1), *g2;

	machine_guest_config_default(&gc);
	gc.ram_size = 4096;
	CHECK_EQ(machine_guest_create(m, &gc, &g2), -EBUSY);
	CHECK_EQ(machine_guest_id(g), 0);
	CHECK_EQ(machine_guest_client_id(g), 1);
	CHECK(machine_mediator(m) == NULL);
	CHECK(machine_model(m) == NULL);
	CHECK_EQ(machine_guest_destroy(m, g), 0);
	CHECK_EQ(machine_guest_create(m, &gc, &g2), 0);
	gc.vcpus = 0;
	CHECK_EQ(machine_guest_create(m, &gc, &g), -EINVAL);
	CHECK_EQ(machine_destroy(m, NULL), 0);
}

static void on_irq(void *arg, struct machine_guest *g)
{
	(void)g;
	atomic_fetch_add((atomic_uint *)arg, 1);
}

static void notif_irq_reaches_the_guest(void)
{
	struct machine *m = direct_machine();
	struct machine_guest *g = small_guest(m, 1);
	struct optee_model_env env;
	atomic_uint irqs;

	atomic_init(&irqs, 0);
	machine_guest_set_irq_handler(g, on_irq, &irqs);
	oracle_env(machine_oracle(m), &env);
	env.raise_notif_irq(env.ctx);
	env.raise_notif_irq(env.ctx);
	CHECK_EQ(atomic_load(&irqs), 2);
	CHECK_EQ(sim_dom_take_irq(machine_guest_dom(g)), 2);
	CHECK_EQ(machine_destroy(m, NULL), 0);
}

struct irq_probe {
	atomic_uint calls;
	atomic_int on_raiser; /* the handler ran on the raising thread */
	pthread_t raiser;
};

static void irq_handler(void *arg)
{
	struct irq_probe *p = arg;

	if (pthread_equal(pthread_self(), p->raiser))
		atomic_store(&p->on_raiser, 1);
	atomic_fetch_add(&p->calls, 1);
}

/* The env's interrupt path: a handler on the guest's own thread, removed cleanly. */
static void env_irq_register_delivers(void)
{
	struct machine *m = direct_machine();
	struct machine_guest *g = small_guest(m, 2);
	const struct guest_env *e0 = machine_guest_env(g, 0), *e1 = machine_guest_env(g, 1);
	struct optee_model_env env;
	struct irq_probe p;
	unsigned i, seen;

	atomic_init(&p.calls, 0);
	atomic_init(&p.on_raiser, 0);
	p.raiser = pthread_self();
	CHECK(e0->irq_register != NULL);
	CHECK_EQ(e0->irq_register(e0->irq_ctx, irq_handler, &p), 0);
	/* One handler per guest: vCPU 1 cannot add a second. */
	CHECK(e1->irq_register(e1->irq_ctx, irq_handler, &p) != 0);
	oracle_env(machine_oracle(m), &env);
	env.raise_notif_irq(env.ctx); /* direct mode: straight to the guest */
	for (i = 0; i < 5000 && atomic_load(&p.calls) == 0; i++)
		usleep(1000);
	CHECK(atomic_load(&p.calls) >= 1);
	for (i = 0; i < 50; i++)
		sim_dom_raise_irq(machine_guest_dom(g));
	for (i = 0; i < 5000 && atomic_load(&p.calls) < 2; i++)
		usleep(1000);
	/* Coalesced: at least one more call, at most one per raise. */
	CHECK(atomic_load(&p.calls) >= 2 && atomic_load(&p.calls) <= 51);
	CHECK_EQ(atomic_load(&p.on_raiser), 0);
	/* Removed: no call after unregister returns. */
	CHECK_EQ(e0->irq_register(e0->irq_ctx, NULL, NULL), 0);
	seen = atomic_load(&p.calls);
	sim_dom_raise_irq(machine_guest_dom(g));
	usleep(20000);
	CHECK_EQ(atomic_load(&p.calls), seen);
	/* Registered again (raises while unregistered stay pending: one call). */
	CHECK_EQ(e1->irq_register(e1->irq_ctx, irq_handler, &p), 0);
	for (i = 0; i < 5000 && atomic_load(&p.calls) == seen; i++)
		usleep(1000);
	CHECK_EQ(atomic_load(&p.calls), seen + 1);
	/* Teardown stops the interrupt thread with the handler still installed. */
	CHECK_EQ(machine_destroy(m, NULL), 0);
}

/* Mediated mode: the interrupt goes to the mediator's thread, which polls OP-TEE. */
static void mediated_irq_goes_to_the_mediator(void)
{
	struct machine_config cfg;
	struct machine *m = NULL;
	struct optee_model_env env;
	uint64_t raised = 0, taken = 0;
	unsigned i;

	machine_config_default(&cfg, MACHINE_MEDIATED);
	CHECK(cfg.mediator.features & TEEMED_FEATURE_ASYNC_NOTIF);
	machine_config_default(&cfg, MACHINE_DIRECT);
	CHECK(!(cfg.mediator.features & TEEMED_FEATURE_ASYNC_NOTIF));
	machine_config_default(&cfg, MACHINE_MEDIATED);
	cfg.phys.region_bytes[PHYS_REGION_GUEST] = 16ull << 20;
	CHECK_EQ(machine_create(&cfg, &m), 0);
	if (!m)
		return;
	oracle_env(machine_oracle(m), &env);
	env.raise_notif_irq(env.ctx);
	for (i = 0; i < 5000 && taken == 0; i++) {
		usleep(1000);
		machine_irq_stats(m, &raised, &taken);
	}
	CHECK_EQ(raised, 1);
	CHECK_EQ(taken, 1);
	/* Raised again and destroyed at once: the thread is stopped, nothing leaks. */
	env.raise_notif_irq(env.ctx);
	CHECK_EQ(machine_destroy(m, NULL), 0);
}

static uint64_t traced_in1, traced_out0;
static uint16_t traced_guest;

static void guest_trace(void *arg, uint16_t guest, uint32_t vcpu, const uint64_t in[8],
			const uint64_t out[8])
{
	(void)arg;
	(void)vcpu;
	traced_guest = (uint16_t)(guest + 10);
	traced_in1 = in[1];
	traced_out0 = out[0];
}

static void guest_smcs_are_traced(void)
{
	struct machine_config cfg;
	struct machine *m = NULL;
	struct machine_guest *g;
	uint64_t regs[8] = { 1, 40, 2, 0, 0, 0, 0, 0 };

	machine_config_default(&cfg, MACHINE_DIRECT);
	cfg.phys.region_bytes[PHYS_REGION_GUEST] = 1ull << 20;
	cfg.secure = fake_secure;
	cfg.guest_trace = guest_trace;
	CHECK_EQ(machine_create(&cfg, &m), 0);
	g = small_guest(m, 1);
	machine_guest_env(g, 0)->smc(machine_guest_env(g, 0)->ctx, regs);
	CHECK_EQ(regs[0], 42);
	CHECK_EQ(traced_guest, 10);
	CHECK_EQ(traced_in1, 40);
	CHECK_EQ(traced_out0, 42);
	CHECK_EQ(machine_destroy(m, NULL), 0);
}

void vcpu_tests(void)
{
	RUN(vcpu_threads_call_a_fake_smc);
	RUN(join_reports_failures);
	RUN(env_map_follows_stage2);
	RUN(env_services);
	RUN(direct_mode_has_one_guest);
	RUN(notif_irq_reaches_the_guest);
	RUN(env_irq_register_delivers);
	RUN(mediated_irq_goes_to_the_mediator);
	RUN(guest_smcs_are_traced);
}
