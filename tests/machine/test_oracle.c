/* SPDX-License-Identifier: BSD-2-Clause */
/* The isolation oracle and the model's env, called directly (no model). */
#include <errno.h>
#include <string.h>

#include "sim/machine/oracle.h"
#include "tests/machine/harness.h"
#include "tests/machine/util.h"

#define RAM_SIZE (256ull << 10)

struct fixture {
	struct phys *p;
	struct oracle *o;
	struct optee_model_env env;
	struct test_guest g0, g1; /* clients 1 and 2 in mediated mode */
};

static void setup(struct fixture *f, int direct)
{
	struct oracle_config cfg = { .direct = direct, .direct_guest = 0, .quiet = 1 };

	f->p = small_phys();
	CHECK_EQ(oracle_create(f->p, &cfg, &f->o), 0);
	oracle_env(f->o, &f->env);
	test_guest_init(&f->g0, f->p, 0, S2_DEFAULT_RAM_BASE, RAM_SIZE);
	test_guest_init(&f->g1, f->p, 1, S2_DEFAULT_RAM_BASE, RAM_SIZE);
}

static void teardown(struct fixture *f)
{
	test_guest_fini(&f->g0);
	test_guest_fini(&f->g1);
	oracle_destroy(f->o);
	phys_destroy(f->p);
}

static uint64_t page_of(struct test_guest *g, unsigned n)
{
	uint64_t pa;

	stage2_lookup(g->s2, S2_DEFAULT_RAM_BASE + n * 4096ull, &pa);
	return pa;
}

static void mediated_verdicts(void)
{
	struct fixture f;
	uint64_t rd, wr, unpinned, other, med0, med1, mednone;
	uint8_t buf[64];

	setup(&f, 0);
	CHECK_EQ(stage2_pin(f.g0.s2, S2_DEFAULT_RAM_BASE, PHYS_PIN_READ, &rd), 0);
	CHECK_EQ(stage2_pin(f.g0.s2, S2_DEFAULT_RAM_BASE + 4096, PHYS_PIN_WRITE, &wr), 0);
	CHECK_EQ(stage2_pin(f.g1.s2, S2_DEFAULT_RAM_BASE, PHYS_PIN_WRITE, &other), 0);
	unpinned = page_of(&f.g0, 2);
	CHECK_EQ(phys_alloc(f.p, PHYS_REGION_MEDIATOR, PHYS_MEDIATOR, 0, &med0), 0);
	CHECK_EQ(phys_alloc(f.p, PHYS_REGION_MEDIATOR, PHYS_MEDIATOR, 1, &med1), 0);
	CHECK_EQ(phys_alloc(f.p, PHYS_REGION_MEDIATOR, PHYS_MEDIATOR, PHYS_NO_DOM, &mednone), 0);
	/* Allowed for client 1 (guest 0). */
	CHECK_EQ(oracle_check(f.o, 1, rd + 8, 16, false), 0);
	CHECK_EQ(oracle_check(f.o, 1, wr, 4096, true), 0);
	CHECK_EQ(oracle_check(f.o, 1, wr, 8, false), 0);
	CHECK_EQ(oracle_check(f.o, 1, med0, 4096, true), 0);
	/* Refused. */
	CHECK_EQ(oracle_check(f.o, 1, rd, 8, true), -EACCES);        /* read pin only */
	CHECK_EQ(oracle_check(f.o, 1, unpinned, 8, false), -EACCES); /* not pinned */
	CHECK_EQ(oracle_check(f.o, 1, other, 8, false), -EACCES);    /* guest 1's */
	CHECK_EQ(oracle_check(f.o, 1, med1, 8, false), -EACCES);     /* serves guest 1 */
	CHECK_EQ(oracle_check(f.o, 1, mednone, 8, false), -EACCES);
	CHECK_EQ(oracle_check(f.o, 1, phys_region_base(f.p, PHYS_REGION_SECURE), 8, false),
		 -EACCES);
	CHECK_EQ(oracle_check(f.o, 1, phys_region_base(f.p, PHYS_REGION_HYP), 8, false),
		 -EACCES);
	CHECK_EQ(oracle_check(f.o, 1, phys_base(f.p) - 4096, 8, false), -EINVAL);
	CHECK_EQ(oracle_check(f.o, 0, wr, 8, false), -EACCES);        /* no guest */
	CHECK_EQ(oracle_check(f.o, 2, other, 8, true), 0);            /* guest 1's own */
	CHECK_EQ(oracle_check(f.o, 2, med1, 8, true), 0);
	/* oracle_check records nothing. */
	CHECK_EQ(oracle_violations(f.o), 0);
	/* The env: data moves when allowed, not when refused. */
	memset(buf, 0x77, sizeof(buf));
	CHECK_EQ(f.env.write(f.env.ctx, 1, wr + 100, buf, 64), 0);
	CHECK_EQ(((uint8_t *)phys_ptr(f.p, wr))[163], 0x77);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(f.env.read(f.env.ctx, 1, wr + 100, buf, 64), 0);
	CHECK_EQ(buf[0], 0x77);
	CHECK(f.env.write(f.env.ctx, 2, wr + 100, buf, 1) != 0);
	CHECK(f.env.read(f.env.ctx, 1, unpinned, buf, 1) != 0);
	CHECK(f.env.write(f.env.ctx, 1, rd, buf, 1) != 0);
	CHECK(f.env.read(f.env.ctx, 1, 0x1000, buf, 1) != 0);
	CHECK_EQ(oracle_violations(f.o), 4);
	/* A range that crosses into a refused page (med1 follows med0) is refused. */
	CHECK_EQ(med1, med0 + 4096);
	CHECK_EQ(oracle_check(f.o, 1, med0 + 4000, 200, false), -EACCES);
	CHECK_EQ(oracle_violations(f.o), 4);
	stage2_unpin(f.g0.s2, rd, PHYS_PIN_READ);
	stage2_unpin(f.g0.s2, wr, PHYS_PIN_WRITE);
	stage2_unpin(f.g1.s2, other, PHYS_PIN_WRITE);
	phys_free(f.p, med0);
	phys_free(f.p, med1);
	phys_free(f.p, mednone);
	teardown(&f);
}

static void violations_are_recorded_in_detail(void)
{
	struct fixture f;
	struct oracle_violation r[8];
	struct oracle_stats st;
	uint64_t other, mine;
	uint8_t buf[16] = { 0 };

	setup(&f, 0);
	CHECK_EQ(stage2_pin(f.g1.s2, S2_DEFAULT_RAM_BASE, PHYS_PIN_READ, &other), 0);
	CHECK_EQ(stage2_pin(f.g0.s2, S2_DEFAULT_RAM_BASE, PHYS_PIN_READ, &mine), 0);
	CHECK(oracle_write(f.o, 1, other + 4, buf, 16) != 0);
	CHECK(oracle_write(f.o, 1, mine + 4, buf, 16) != 0);
	CHECK(oracle_read(f.o, 3, phys_base(f.p) + phys_size(f.p), buf, 4) != 0);
	CHECK_EQ(oracle_records(f.o, r, 8), 3);
	CHECK_EQ(r[0].client, 1);
	CHECK(r[0].write);
	CHECK_EQ(r[0].pa, other + 4);
	CHECK_EQ(r[0].len, 16);
	CHECK_EQ(r[0].frame_pa, other);
	CHECK_EQ(r[0].frame.owner, PHYS_GUEST);
	CHECK_EQ(r[0].frame.dom, 1);
	CHECK_EQ(r[0].frame.rpins, 1);
	CHECK(strstr(r[0].why, "another guest") != NULL);
	CHECK(strstr(r[1].why, "read only") != NULL);
	CHECK_EQ(r[1].frame.dom, 0);
	CHECK(strstr(r[2].why, "outside") != NULL);
	CHECK(!r[2].write);
	oracle_stats(f.o, &st);
	CHECK_EQ(st.violations, 3);
	CHECK_EQ(st.writes, 2);
	CHECK_EQ(st.reads, 1);
	stage2_unpin(f.g1.s2, other, PHYS_PIN_READ);
	stage2_unpin(f.g0.s2, mine, PHYS_PIN_READ);
	teardown(&f);
}

/* A page the balloon took back while pinned is still the guest's, pinned. */
static void released_pinned_page_is_allowed(void)
{
	struct fixture f;
	uint64_t pa;

	setup(&f, 0);
	CHECK_EQ(stage2_pin(f.g0.s2, S2_DEFAULT_RAM_BASE, PHYS_PIN_WRITE, &pa), 0);
	CHECK_EQ(stage2_unmap(f.g0.s2, S2_DEFAULT_RAM_BASE), 0);
	CHECK_EQ(oracle_check(f.o, 1, pa, 8, true), 0);
	stage2_unpin(f.g0.s2, pa, PHYS_PIN_WRITE);
	/* Now free: a violation. */
	CHECK_EQ(oracle_check(f.o, 1, pa, 8, false), -EACCES);
	teardown(&f);
}

static void direct_mode(void)
{
	struct fixture f;
	uint64_t mine = 0, other = 0;
	uint8_t b = 1;

	setup(&f, 1);
	mine = page_of(&f.g0, 3);
	other = page_of(&f.g1, 3);
	/* Any page of the guest, pinned or not, whatever the client ID. */
	CHECK_EQ(oracle_check(f.o, 0, mine, 4096, true), 0);
	CHECK_EQ(oracle_check(f.o, 7, mine, 4096, false), 0);
	CHECK_EQ(f.env.write(f.env.ctx, 0, mine, &b, 1), 0);
	CHECK(f.env.write(f.env.ctx, 0, other, &b, 1) != 0);
	CHECK(f.env.read(f.env.ctx, 0, phys_region_base(f.p, PHYS_REGION_HYP), &b, 1) != 0);
	CHECK_EQ(oracle_violations(f.o), 2);
	teardown(&f);
}

static int notified;

static void on_notif(void *arg)
{
	(void)arg;
	notified++;
}

static void env_services(void)
{
	struct fixture f;
	struct oracle_stats st;
	uint64_t sec = 0, t0, t1;
	uint8_t *a;

	setup(&f, 0);
	sec = phys_region_base(f.p, PHYS_REGION_SECURE);
	/* is_nsec_ram: arena, minus the secure region. */
	CHECK(f.env.is_nsec_ram(f.env.ctx, page_of(&f.g0, 0), 4096));
	CHECK(f.env.is_nsec_ram(f.env.ctx, phys_region_base(f.p, PHYS_REGION_HYP), 8));
	CHECK(f.env.is_nsec_ram(f.env.ctx, sec - 8, 8));
	CHECK(!f.env.is_nsec_ram(f.env.ctx, sec - 8, 9));
	CHECK(!f.env.is_nsec_ram(f.env.ctx, sec + 4096, 8));
	CHECK(!f.env.is_nsec_ram(f.env.ctx, 0x1000, 8));
	CHECK(!f.env.is_nsec_ram(f.env.ctx, phys_base(f.p) + phys_size(f.p) - 4, 8));
	/* alloc is zeroed and counted. */
	a = f.env.alloc(f.env.ctx, 300);
	CHECK(a != NULL && a[0] == 0 && a[299] == 0);
	oracle_stats(f.o, &st);
	CHECK_EQ(st.allocs_live, 1);
	CHECK_EQ(st.bytes_live, 300);
	f.env.free(f.env.ctx, a, 300);
	oracle_stats(f.o, &st);
	CHECK_EQ(st.allocs_live, 0);
	CHECK_EQ(st.alloc_errors, 0);
	f.env.lock(f.env.ctx);
	f.env.unlock(f.env.ctx);
	t0 = f.env.time_ns(f.env.ctx);
	t1 = f.env.time_ns(f.env.ctx);
	CHECK(t1 >= t0 && t0 > 0);
	oracle_set_notif_handler(f.o, on_notif, NULL);
	f.env.raise_notif_irq(f.env.ctx);
	CHECK_EQ(notified, 1);
	oracle_stats(f.o, &st);
	CHECK_EQ(st.notif_irqs, 1);
	teardown(&f);
}

void oracle_tests(void)
{
	RUN(mediated_verdicts);
	RUN(violations_are_recorded_in_detail);
	RUN(released_pinned_page_is_allowed);
	RUN(direct_mode);
	RUN(env_services);
}
