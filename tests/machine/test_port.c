/* SPDX-License-Identifier: BSD-2-Clause */
/* The sim port alone (no model, no mediator): every callback and counter. */
#include <errno.h>
#include <string.h>

#include "sim/machine/port_sim.h"
#include "teemed/optee_smc.h"
#include "tests/machine/harness.h"
#include "tests/machine/util.h"

#define RAM_A S2_DEFAULT_RAM_BASE
#define RAM_B (S2_DEFAULT_RAM_BASE + (16ull << 20))
#define RAM_SIZE (1ull << 20)

struct fixture {
	struct phys *p;
	struct port_sim *ps;
	const struct teemed_port *port;
	struct test_guest a, b;
};

static void setup(struct fixture *f, const struct port_sim_config *cfg)
{
	f->p = small_phys();
	CHECK_EQ(port_sim_create(f->p, cfg, &f->ps), 0);
	f->port = port_sim_port(f->ps);
	test_guest_init(&f->a, f->p, 0, RAM_A, RAM_SIZE);
	test_guest_init(&f->b, f->p, 1, RAM_B, RAM_SIZE);
}

static void teardown(struct fixture *f)
{
	test_guest_fini(&f->a);
	test_guest_fini(&f->b);
	port_sim_destroy(f->ps);
	phys_destroy(f->p);
}

static int pin(struct fixture *f, struct test_guest *g, uint64_t ipa, unsigned acc,
	       teemed_pa_t *pa)
{
	return f->port->pin(f->port->ctx, &g->dom, teemed_ipa(ipa), acc, pa);
}

static void pin_refusals(void)
{
	struct fixture f;
	struct port_sim_stats st;
	teemed_pa_t pa;

	setup(&f, NULL);
	stage2_map_mmio(f.a.s2, RAM_A + 4096, S2_DEFAULT_MMIO_PA);
	stage2_set_ro(f.a.s2, RAM_A + 8192, 1);
	stage2_unmap(f.a.s2, RAM_A + 12288);
	CHECK(pin(&f, &f.a, RAM_A + 4096, TEEMED_PIN_READ, &pa) != 0);   /* MMIO */
	CHECK(pin(&f, &f.a, RAM_A + 8192, TEEMED_PIN_WRITE, &pa) != 0);  /* RO for write */
	CHECK(pin(&f, &f.a, RAM_A + 12288, TEEMED_PIN_READ, &pa) != 0);  /* unmapped */
	CHECK(pin(&f, &f.a, RAM_B, TEEMED_PIN_READ, &pa) != 0);          /* B's range */
	CHECK(pin(&f, &f.a, RAM_A + RAM_SIZE, TEEMED_PIN_READ, &pa) != 0); /* past A's RAM */
	CHECK(pin(&f, &f.a, RAM_A + 16, TEEMED_PIN_READ, &pa) != 0);     /* misaligned */
	CHECK(pin(&f, &f.a, RAM_A, 0, &pa) != 0);                        /* no access */
	CHECK(f.port->pin(f.port->ctx, NULL, teemed_ipa(RAM_A), TEEMED_PIN_READ, &pa) != 0);
	/* Read-only page for read: fine. */
	CHECK_EQ(pin(&f, &f.a, RAM_A + 8192, TEEMED_PIN_READ, &pa), 0);
	f.port->unpin(f.port->ctx, &f.a.dom, pa, TEEMED_PIN_READ);
	port_sim_stats(f.ps, &st);
	CHECK_EQ(st.pins_refused, 8);
	CHECK_EQ(st.pins, 1);
	CHECK_EQ(st.pins_live, 0);
	CHECK_EQ(st.errors, 0);
	teardown(&f);
}

static void pin_unpin_accounting(void)
{
	struct fixture f;
	struct port_sim_stats st;
	struct phys_frame_info info;
	teemed_pa_t pa, pb;
	uint64_t want;

	setup(&f, NULL);
	CHECK_EQ(pin(&f, &f.a, RAM_A + 4096, TEEMED_PIN_WRITE, &pa), 0);
	stage2_lookup(f.a.s2, RAM_A + 4096, &want);
	CHECK_EQ(teemed_pa_val(pa), want);
	CHECK_EQ(pin(&f, &f.a, RAM_A + 4096, TEEMED_PIN_WRITE, &pa), 0); /* pins nest */
	CHECK_EQ(pin(&f, &f.b, RAM_B, TEEMED_PIN_READ, &pb), 0);
	CHECK_EQ(phys_frame_info(f.p, teemed_pa_val(pa), &info), 0);
	CHECK_EQ(info.wpins, 2);
	port_sim_stats(f.ps, &st);
	CHECK_EQ(st.pins_live, 3);
	f.port->unpin(f.port->ctx, &f.a.dom, pa, TEEMED_PIN_WRITE);
	f.port->unpin(f.port->ctx, &f.a.dom, pa, TEEMED_PIN_WRITE);
	/* B's pin dropped as A's, and A's dropped again: errors. */
	f.port->unpin(f.port->ctx, &f.a.dom, pb, TEEMED_PIN_READ);
	f.port->unpin(f.port->ctx, &f.a.dom, pa, TEEMED_PIN_WRITE);
	f.port->unpin(f.port->ctx, &f.b.dom, pb, TEEMED_PIN_READ);
	port_sim_stats(f.ps, &st);
	CHECK_EQ(st.pins_live, 0);
	CHECK_EQ(st.unpins, 3);
	CHECK_EQ(st.unpin_errors, 2);
	CHECK_EQ(st.errors, 2);
	CHECK_EQ(phys_errors(f.p), 2);
	teardown(&f);
}

static void map_checks(void)
{
	struct fixture f;
	struct port_sim_stats st;
	teemed_pa_t pa, mpa;
	uint64_t unpinned;
	void *va[6], *mva;
	int i;

	setup(&f, NULL);
	CHECK_EQ(pin(&f, &f.a, RAM_A, TEEMED_PIN_READ, &pa), 0);
	va[0] = f.port->map(f.port->ctx, pa);
	CHECK(va[0] == phys_ptr(f.p, teemed_pa_val(pa)));
	f.port->unmap(f.port->ctx, va[0]);
	mva = f.port->alloc_page(f.port->ctx, &f.a.dom, &mpa);
	CHECK(mva != NULL);
	va[0] = f.port->map(f.port->ctx, mpa);
	CHECK(va[0] == mva);
	f.port->unmap(f.port->ctx, va[0]);
	port_sim_stats(f.ps, &st);
	CHECK_EQ(st.map_violations, 0);
	/* A guest page the mediator has not pinned: a violation, still mapped. */
	stage2_lookup(f.a.s2, RAM_A + 4096, &unpinned);
	va[0] = f.port->map(f.port->ctx, teemed_pa(unpinned));
	CHECK(va[0] != NULL);
	f.port->unmap(f.port->ctx, va[0]);
	/* Not RAM, misaligned: refused. */
	CHECK(f.port->map(f.port->ctx, teemed_pa(0x1000)) == NULL);
	CHECK(f.port->map(f.port->ctx, teemed_pa_add(pa, 8)) == NULL);
	/* Five deep is one too many. */
	for (i = 0; i < 5; i++)
		va[i] = f.port->map(f.port->ctx, pa);
	for (i = 4; i >= 0; i--)
		f.port->unmap(f.port->ctx, va[i]);
	/* Unmap of nothing mapped, and of a pointer outside the arena. */
	f.port->unmap(f.port->ctx, va[0]);
	f.port->unmap(f.port->ctx, &st);
	port_sim_stats(f.ps, &st);
	CHECK_EQ(st.map_violations, 1);
	CHECK_EQ(st.map_errors, 2);
	CHECK_EQ(st.map_depth_errors, 1);
	CHECK_EQ(st.unmap_errors, 2);
	CHECK_EQ(st.maps_live, 0);
	CHECK_EQ(st.errors, 6);
	f.port->free_page(f.port->ctx, &f.a.dom, mva, mpa);
	f.port->unpin(f.port->ctx, &f.a.dom, pa, TEEMED_PIN_READ);
	teardown(&f);
}

static void alloc_free_accounting(void)
{
	struct fixture f;
	struct port_sim_stats st;
	uint8_t *a, *b;

	setup(&f, NULL);
	a = f.port->alloc(f.port->ctx, 100);
	b = f.port->alloc(f.port->ctx, 0);
	CHECK(a && b);
	if (!a || !b)
		return;
	CHECK_EQ((uintptr_t)a % 16, 0);
	memset(a, 1, 100);
	port_sim_stats(f.ps, &st);
	CHECK_EQ(st.allocs_live, 2);
	CHECK_EQ(st.bytes_live, 100);
	f.port->free(f.port->ctx, a, 99); /* wrong size: an error, still freed */
	f.port->free(f.port->ctx, b, 0);
	f.port->free(f.port->ctx, NULL, 5);
	port_sim_stats(f.ps, &st);
	CHECK_EQ(st.allocs_live, 0);
	CHECK_EQ(st.bytes_live, 0);
	CHECK_EQ(st.free_errors, 1);
	teardown(&f);
}

static void pages_serve_their_domain(void)
{
	struct fixture f;
	struct port_sim_stats st;
	struct phys_frame_info info;
	teemed_pa_t pa, pn;
	void *va, *vn;

	setup(&f, NULL);
	va = f.port->alloc_page(f.port->ctx, &f.b.dom, &pa);
	vn = f.port->alloc_page(f.port->ctx, NULL, &pn);
	CHECK(va && vn);
	CHECK_EQ(teemed_pa_val(pa) & 0xfff, 0);
	CHECK_EQ(phys_region_of(f.p, teemed_pa_val(pa)), PHYS_REGION_MEDIATOR);
	CHECK_EQ(phys_frame_info(f.p, teemed_pa_val(pa), &info), 0);
	CHECK_EQ(info.owner, PHYS_MEDIATOR);
	CHECK_EQ(info.dom, 1);
	CHECK_EQ(phys_frame_info(f.p, teemed_pa_val(pn), &info), 0);
	CHECK_EQ(info.dom, PHYS_NO_DOM);
	CHECK(phys_pa_is_foreign_to(f.p, 1, teemed_pa_val(pa)));
	port_sim_stats(f.ps, &st);
	CHECK_EQ(st.pages_live, 2);
	/* Freed as another domain's, or with the wrong address: errors, kept. */
	f.port->free_page(f.port->ctx, &f.a.dom, va, pa);
	f.port->free_page(f.port->ctx, &f.b.dom, vn, pa);
	f.port->free_page(f.port->ctx, &f.b.dom, va, pa);
	f.port->free_page(f.port->ctx, NULL, vn, pn);
	f.port->free_page(f.port->ctx, NULL, vn, pn); /* twice */
	port_sim_stats(f.ps, &st);
	CHECK_EQ(st.pages_live, 0);
	CHECK_EQ(st.page_errors, 3);
	teardown(&f);
}

static void fault_injection(void)
{
	struct port_sim_config cfg;
	struct fixture f;
	struct port_sim_stats st;
	teemed_pa_t pa;
	uint64_t first;
	void *p[6];
	int i, nulls = 0;

	port_sim_config_default(&cfg);
	cfg.fault[PORT_FAULT_ALLOC].nth = 3;
	setup(&f, &cfg);
	for (i = 0; i < 5; i++) {
		p[i] = f.port->alloc(f.port->ctx, 8);
		nulls += p[i] == NULL;
	}
	CHECK(p[2] == NULL);
	CHECK_EQ(nulls, 1);
	for (i = 0; i < 5; i++)
		f.port->free(f.port->ctx, p[i], 8);
	/* Sticky: the 2nd pin and every later one fail. */
	port_sim_set_fault(f.ps, PORT_FAULT_PIN, 2, 1);
	CHECK_EQ(pin(&f, &f.a, RAM_A, TEEMED_PIN_READ, &pa), 0);
	CHECK(pin(&f, &f.a, RAM_A, TEEMED_PIN_READ, &pa) != 0);
	CHECK(pin(&f, &f.a, RAM_A + 4096, TEEMED_PIN_READ, &pa) != 0);
	stage2_lookup(f.a.s2, RAM_A, &first);
	pa = teemed_pa(first);
	/* Map and alloc_page: the 1st. */
	port_sim_set_fault(f.ps, PORT_FAULT_MAP, 1, 0);
	CHECK(f.port->map(f.port->ctx, pa) == NULL);
	p[0] = f.port->map(f.port->ctx, pa);
	CHECK(p[0] != NULL);
	f.port->unmap(f.port->ctx, p[0]);
	port_sim_set_fault(f.ps, PORT_FAULT_ALLOC_PAGE, 1, 0);
	CHECK(f.port->alloc_page(f.port->ctx, &f.a.dom, &pa) == NULL);
	p[0] = f.port->alloc_page(f.port->ctx, &f.a.dom, &pa);
	CHECK(p[0] != NULL);
	f.port->free_page(f.port->ctx, &f.a.dom, p[0], pa);
	port_sim_stats(f.ps, &st);
	CHECK_EQ(st.calls[PORT_FAULT_ALLOC], 5);
	CHECK_EQ(st.injected[PORT_FAULT_ALLOC], 1);
	CHECK_EQ(st.calls[PORT_FAULT_PIN], 3);
	CHECK_EQ(st.injected[PORT_FAULT_PIN], 2);
	CHECK_EQ(st.calls[PORT_FAULT_MAP], 2);
	CHECK_EQ(st.injected[PORT_FAULT_MAP], 1);
	CHECK_EQ(st.calls[PORT_FAULT_ALLOC_PAGE], 2);
	CHECK_EQ(st.injected[PORT_FAULT_ALLOC_PAGE], 1);
	f.port->unpin(f.port->ctx, &f.a.dom, teemed_pa(first), TEEMED_PIN_READ);
	port_sim_stats(f.ps, &st);
	CHECK_EQ(st.pins_live, 0);
	CHECK_EQ(st.allocs_live, 0);
	CHECK_EQ(st.pages_live, 0);
	CHECK_EQ(st.errors, 0);
	/* set_fault restarts the count: a sweep reuses one port. */
	port_sim_set_fault(f.ps, PORT_FAULT_ALLOC, 1, 0);
	CHECK(f.port->alloc(f.port->ctx, 8) == NULL);
	port_sim_set_fault(f.ps, PORT_FAULT_ALLOC, 0, 0);
	p[0] = f.port->alloc(f.port->ctx, 8);
	CHECK(p[0] != NULL);
	f.port->free(f.port->ctx, p[0], 8);
	teardown(&f);
}

static void yields_locks_logs(void)
{
	struct port_sim_config cfg;
	struct fixture f;
	struct port_sim_stats st;
	void *lock;
	int i, yes = 0;

	port_sim_config_default(&cfg);
	cfg.yield_every = 3;
	cfg.log_burst = 5;
	cfg.log_level = TEEMED_LOG_INFO;
	setup(&f, &cfg);
	for (i = 0; i < 9; i++)
		yes += f.port->should_yield(f.port->ctx);
	CHECK_EQ(yes, 3);
	port_sim_set_yield_every(f.ps, 0);
	CHECK_EQ(f.port->should_yield(f.port->ctx), 0);
	lock = f.port->lock_create(f.port->ctx);
	f.port->lock(f.port->ctx, lock);
	f.port->unlock(f.port->ctx, lock);
	f.port->unlock(f.port->ctx, lock); /* not held: an error */
	f.port->lock_destroy(f.port->ctx, lock);
	/* Rate limited: 5 printed, the rest counted; DEBUG is below the threshold. */
	for (i = 0; i < 20; i++)
		f.port->log(f.port->ctx, TEEMED_LOG_INFO, 1, "port test line", (uint64_t)i, 0);
	f.port->log(f.port->ctx, TEEMED_LOG_DEBUG, 1, "not printed", 0, 0);
	port_sim_stats(f.ps, &st);
	CHECK_EQ(st.yields, 3);
	CHECK_EQ(st.yield_queries, 10);
	CHECK_EQ(st.locks_live, 0);
	CHECK_EQ(st.lock_errors, 1);
	CHECK_EQ(st.log_lines[TEEMED_LOG_INFO], 20);
	CHECK_EQ(st.log_lines[TEEMED_LOG_DEBUG], 1);
	CHECK_EQ(st.log_suppressed, 15);
	teardown(&f);
}

static void echo_secure(void *arg, uint64_t regs[8])
{
	(*(int *)arg)++;
	regs[0] = regs[1] + regs[2];
	regs[1] = regs[7];
}

static struct teemed_regs traced_in, traced_out;

static void trace(void *arg, const struct teemed_regs *in, const struct teemed_regs *out)
{
	(void)arg;
	traced_in = *in;
	traced_out = *out;
}

static void irq_seen(void *arg, struct sim_dom *dom)
{
	*(uint16_t *)arg = (uint16_t)(dom->guest_id + 100);
}

static void smc_and_notify(void)
{
	struct fixture f;
	struct teemed_regs r = { { 0xb2000000, 2, 3, 0, 0, 0, 0, 9 } };
	struct port_sim_stats st;
	uint16_t seen = 0;
	int calls = 0;

	setup(&f, NULL);
	f.port->smc(f.port->ctx, &r, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	port_sim_set_secure(f.ps, echo_secure, &calls);
	port_sim_set_trace(f.ps, trace, NULL);
	r.a[0] = 0xb2000000;
	r.a[1] = 2;
	f.port->smc(f.port->ctx, &r, &r); /* in and out alias */
	CHECK_EQ(calls, 1);
	CHECK_EQ(r.a[0], 5);
	CHECK_EQ(r.a[1], 9);
	CHECK_EQ(traced_in.a[1], 2);
	CHECK_EQ(traced_out.a[0], 5);
	f.b.dom.irq = irq_seen;
	f.b.dom.irq_arg = &seen;
	f.port->notify(f.port->ctx, &f.b.dom);
	f.port->notify(f.port->ctx, &f.b.dom);
	CHECK_EQ(seen, 101);
	CHECK_EQ(sim_dom_take_irq(&f.b.dom), 2);
	CHECK_EQ(sim_dom_take_irq(&f.b.dom), 0);
	port_sim_stats(f.ps, &st);
	CHECK_EQ(st.smc_calls, 2);
	CHECK_EQ(st.notifies, 2);
	teardown(&f);
}

void port_tests(void)
{
	RUN(pin_refusals);
	RUN(pin_unpin_accounting);
	RUN(map_checks);
	RUN(alloc_free_accounting);
	RUN(pages_serve_their_domain);
	RUN(fault_injection);
	RUN(yields_locks_logs);
	RUN(smc_and_notify);
}
