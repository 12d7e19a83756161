/* SPDX-License-Identifier: BSD-2-Clause */
/* The whole machine with the real OP-TEE model and the real mediator. */
#include <errno.h>
#include <string.h>

#include "sim/machine/machine.h"
#include "teemed/optee_smc.h"
#include "tests/machine/harness.h"

/* OP-TEE's CALLS_UID answer (ABI 1.3). */
static const uint32_t optee_uid[4] = { 0x384fb3e0, 0xe7f811e3, 0xaf630002, 0xa5d5c51b };

static struct machine *new_machine(enum machine_mode mode, uint64_t guest_bytes)
{
	struct machine_config cfg;
	struct machine *m = NULL;

	machine_config_default(&cfg, mode);
	cfg.phys.region_bytes[PHYS_REGION_GUEST] = guest_bytes;
	cfg.phys.region_bytes[PHYS_REGION_MEDIATOR] = 4ull << 20;
	cfg.quiet_violations = 1;
	CHECK_EQ(machine_create(&cfg, &m), 0);
	return m;
}

static struct machine_guest *new_guest(struct machine *m, uint32_t vcpus, uint64_t ram)
{
	struct machine_guest_config gc;
	struct machine_guest *g = NULL;

	machine_guest_config_default(&gc);
	gc.vcpus = vcpus;
	gc.ram_size = ram;
	CHECK_EQ(machine_guest_create(m, &gc, &g), 0);
	return g;
}

/* A guest's fast calls: UID, OS revision; a7 is garbage the mediator overwrites. */
static int probe(const struct guest_env *env, void *arg)
{
	uint64_t r[8] = { OPTEE_SMC_CALLS_UID, 0, 0, 0, 0, 0, 0, 0xdead0001 };
	int i, bad = 0;

	(void)arg;
	for (i = 0; i < 100; i++) {
		r[0] = OPTEE_SMC_CALLS_UID;
		env->smc(env->ctx, r);
		bad += r[0] != optee_uid[0] || r[1] != optee_uid[1] || r[2] != optee_uid[2] ||
		       r[3] != optee_uid[3];
		memset(r, 0, sizeof(r));
		r[0] = OPTEE_SMC_CALL_GET_OS_REVISION;
		env->smc(env->ctx, r);
		bad += r[0] == OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
	}
	return bad;
}

static void mediated_machine_runs_guests(void)
{
	struct machine *m = new_machine(MACHINE_MEDIATED, 64ull << 20);
	struct machine_guest *g0, *g1;
	struct machine_report rep;

	if (!m)
		return;
	CHECK(machine_mediator(m) != NULL);
	CHECK(machine_model(m) != NULL);
	g0 = new_guest(m, 2, 8ull << 20);
	g1 = new_guest(m, 2, 8ull << 20);
	if (!g0 || !g1)
		return;
	CHECK_EQ(machine_guest_client_id(g1), 2);
	CHECK(machine_guest_domain(g0) != NULL);
	CHECK_EQ(teemed_domain_client_id(machine_guest_domain(g1)), 2);
	CHECK_EQ(machine_guest_start_all(g0, probe, NULL), 0);
	CHECK_EQ(machine_guest_start_all(g1, probe, NULL), 0);
	CHECK_EQ(machine_guest_join(g0), 0);
	CHECK_EQ(machine_guest_join(g1), 0);
	CHECK_EQ(machine_guest_destroy(m, g0), 0);
	machine_check(m, &rep);
	CHECK_EQ(rep.errors_total, 0);
	CHECK_EQ(machine_destroy(m, &rep), 0);
	CHECK_EQ(rep.held_total, 0);
}

static void direct_machine_runs_a_guest(void)
{
	struct machine *m = new_machine(MACHINE_DIRECT, 16ull << 20);
	struct machine_guest *g;
	uint64_t r[8] = { OPTEE_SMC_EXCHANGE_CAPABILITIES, 0, 0, 0, 0, 0, 0, 0 };

	if (!m)
		return;
	CHECK(machine_mediator(m) == NULL);
	g = new_guest(m, 1, 4ull << 20);
	if (!g)
		return;
	CHECK_EQ(probe(machine_guest_env(g, 0), NULL), 0);
	machine_guest_env(g, 0)->smc(machine_guest_env(g, 0)->ctx, r);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_OK);
	CHECK(r[1] & OPTEE_SMC_SEC_CAP_DYNAMIC_SHM);
	CHECK_EQ(machine_destroy(m, NULL), 0);
}

/* A guest of 1 GiB costs little: the arena is not touched. */
static void one_gib_guest_under_the_mediator(void)
{
	struct machine *m = new_machine(MACHINE_MEDIATED, (1ull << 30) + (16ull << 20));
	struct machine_guest *g;

	if (!m)
		return;
	g = new_guest(m, 1, 1ull << 30);
	if (!g)
		return;
	CHECK_EQ(stage2_ram_size(machine_guest_stage2(g)), 1ull << 30);
	CHECK_EQ(probe(machine_guest_env(g, 0), NULL), 0);
	CHECK_EQ(machine_destroy(m, NULL), 0);
}

/* What teardown reports: held resources and violations fail the run. */
static void teardown_reports_leaks_and_violations(void)
{
	struct machine *m = new_machine(MACHINE_MEDIATED, 16ull << 20);
	const struct teemed_port *port;
	struct machine_guest *g;
	struct machine_report rep;
	teemed_pa_t pa;
	uint64_t unpinned;
	void *p, *page;
	uint8_t b;

	if (!m)
		return;
	g = new_guest(m, 1, 1ull << 20);
	if (!g)
		return;
	port = port_sim_port(machine_port(m));
	machine_check(m, &rep);
	CHECK_EQ(rep.errors_total, 0);
	p = port->alloc(port->ctx, 10);
	page = port->alloc_page(port->ctx, machine_guest_dom(g), &pa);
	CHECK_EQ(port->pin(port->ctx, machine_guest_dom(g), teemed_ipa(S2_DEFAULT_RAM_BASE),
			   TEEMED_PIN_READ, &pa), 0);
	machine_check(m, &rep);
	CHECK(rep.allocs >= 1);
	CHECK_EQ(rep.pins, 1);
	CHECK(rep.pages >= 1);
	CHECK(rep.held_total > 0);
	port->unpin(port->ctx, machine_guest_dom(g), pa, TEEMED_PIN_READ);
	port->free(port->ctx, p, 10);
	stage2_lookup(machine_guest_stage2(g), S2_DEFAULT_RAM_BASE + 4096, &unpinned);
	CHECK(oracle_read(machine_oracle(m), machine_guest_client_id(g), unpinned, &b, 1) != 0);
	machine_check(m, &rep);
	CHECK_EQ(rep.violations, 1);
	/* The page is left to teardown: a leak, and with the violation, a failed run. */
	(void)page;
	CHECK_EQ(machine_destroy(m, &rep), -1);
	CHECK_EQ(rep.violations, 1);
	CHECK_EQ(rep.pages, 1);
	CHECK_EQ(rep.pins, 0);
	CHECK_EQ(rep.allocs, 0);
}

/*
 * A fault sweep: fail the Nth port allocation during guest creation, for
 * every N until creation succeeds without a fault. Each failure must leave
 * nothing behind.
 */
static void domain_create_alloc_sweep(void)
{
	struct machine *m = new_machine(MACHINE_MEDIATED, 16ull << 20);
	struct port_sim *ps;
	struct machine_guest_config gc;
	struct machine_report rep;
	uint64_t n, held_before;

	if (!m)
		return;
	ps = machine_port(m);
	machine_guest_config_default(&gc);
	gc.ram_size = 1ull << 20;
	machine_check(m, &rep);
	held_before = rep.held_total;
	for (n = 1; n < 1000; n++) {
		struct port_sim_stats st0, st;
		struct machine_guest *g = NULL;
		int ret;

		port_sim_set_fault(ps, PORT_FAULT_ALLOC, n, 0);
		port_sim_stats(ps, &st0);
		ret = machine_guest_create(m, &gc, &g);
		port_sim_stats(ps, &st);
		if (ret == 0) {
			CHECK_EQ(machine_guest_destroy(m, g), 0);
			if (st.injected[PORT_FAULT_ALLOC] == st0.injected[PORT_FAULT_ALLOC])
				break;
		} else {
			CHECK_EQ(ret, -EIO);
		}
		machine_check(m, &rep);
		CHECK_EQ(rep.held_total, held_before);
		CHECK_EQ(rep.errors_total, 0);
	}
	CHECK(n < 1000);
	port_sim_set_fault(ps, PORT_FAULT_ALLOC, 0, 0);
	CHECK_EQ(machine_destroy(m, NULL), 0);
}

void machine_tests(void)
{
	RUN(mediated_machine_runs_guests);
	RUN(direct_machine_runs_a_guest);
	RUN(one_gib_guest_under_the_mediator);
	RUN(teardown_reports_leaks_and_violations);
	RUN(domain_create_alloc_sweep);
}
