// SPDX-License-Identifier: BSD-2-Clause
/*
 * Hypervisor boot and the end of a run.
 *
 * Primary CPU: MMU on (identity: DRAM Normal, the UART Device, nothing
 * else), heap, teemed_init (which probes OP-TEE with real SMCs), guests
 * built, the other CPUs started with PSCI CPU_ON, then its own vCPU.
 * Every CPU: EL2 registers for running guests, then waits for its vCPU to
 * be powered on (vCPU 0 of each guest at boot, the others by the guest's
 * PSCI CPU_ON) and enters it. A CPU whose vCPU is off or whose guest is
 * gone parks in pcpu_park. When the last guest is gone the run ends: totals,
 * teemed_fini, then the SiP test exit (our EL3) or PSCI SYSTEM_OFF (TF-A).
 */
#include "hyp.h"

#include "../common/console.h"
#include "../common/gic.h"
#include "../common/mmu.h"
#include "smccc.h"

/* CNTHCTL_EL2: EL1 may use the physical counter and timer. */
#define CNTHCTL_EL1_ACCESS 3ull
/* CPTR_EL2: RES1 bits, no FP/SIMD trap (guests decide with CPACR_EL1). */
#define CPTR_EL2_VALUE 0x33FFull

struct teemed *hyp_tm;
uint64_t hyp_freq;
struct heap hyp_heap;
uint64_t hyp_port_errors;

extern char hyp_heap_start[], hyp_heap_end[], hyp_stacks[];

static uint64_t hyp_l1[512] __attribute__((aligned(4096)));
static uint64_t hyp_l2[512] __attribute__((aligned(4096)));
static struct pcpu pcpus[PLAT_MAX_CPUS];
static spinlock_t done_lock = SPINLOCK_INIT;
static unsigned guests_done;
static uint64_t run_start;

struct pcpu *this_pcpu(void)
{
	return (struct pcpu *)read_sysreg(tpidr_el2);
}

static uint64_t stack_top(unsigned cpu)
{
	return (uint64_t)(uintptr_t)hyp_stacks + (uint64_t)(cpu + 1) * HYP_STACK_SIZE;
}

static void mmu_on(void)
{
	write_sysreg(mair_el2, MAIR_VALUE);
	write_sysreg(tcr_el2, TCR_ELX_VALUE);
	write_sysreg(ttbr0_el2, (uint64_t)(uintptr_t)hyp_l1);
	isb();
	__asm__ volatile("tlbi alle2" : : : "memory");
	dsb(sy);
	isb();
	write_sysreg(sctlr_el2, SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_I);
	isb();
}

/* EL2 state shared by every guest this CPU will run. */
static void cpu_setup(unsigned cpu)
{
	pcpus[cpu].id = cpu;
	write_sysreg(tpidr_el2, (uint64_t)(uintptr_t)&pcpus[cpu]);
	mmu_on();
	write_sysreg(hcr_el2, HCR_GUEST);
	write_sysreg(vtcr_el2, VTCR_EL2_VALUE);
	write_sysreg(cptr_el2, CPTR_EL2_VALUE);
	write_sysreg(hstr_el2, 0);
	write_sysreg(cnthctl_el2, CNTHCTL_EL1_ACCESS);
	write_sysreg(cntvoff_el2, 0); /* UNKNOWN at reset (pitfall 7) */
	write_sysreg(vpidr_el2, read_sysreg(midr_el1));
	isb();
	gic_el2_cpu_init();
}

uint64_t pcpu_stack_top(unsigned cpu)
{
	return stack_top(cpu);
}

/*
 * Wait for this CPU's vCPU to be powered on (vCPU 0 of each guest at boot,
 * others by the guest's CPU_ON, again after a CPU_OFF) and run it; park for
 * good once its guest is gone or if this CPU has no vCPU.
 */
void pcpu_park(void)
{
	struct pcpu *p = this_pcpu();
	struct vcpu *v = p->vcpu;

	for (;;) {
		if (v && (v->g->dying || v->g->done) && v->state != VCPU_OFF) {
			v->state = VCPU_OFF; /* stopped: guest.c waits for this */
			dsb(sy);
		}
		if (v && !v->g->dying && !v->g->done && v->state == VCPU_ON_PENDING)
			guest_enter(v);
		/*
		 * WFI, not WFE: QEMU halts the CPU on WFI (WFE only yields), so
		 * parked CPUs cost the host nothing. A kick SGI wakes it even
		 * with interrupts masked; one sent before the WFI stays pending.
		 */
		__asm__ volatile("wfi" : : : "memory");
		gic_drain();
	}
}

void hyp_panic(const char *what, uint64_t v1, uint64_t v2)
{
	uint64_t r[8] = {SIP_TEEMED_TEST_EXIT, 0xE0};

	hyp_printf("[hyp] PANIC: %s (0x%lx, 0x%lx) on CPU %u\n", what, (unsigned long)v1,
		   (unsigned long)v2, MPIDR_AFF0(read_sysreg(mpidr_el1)));
	smc_call(r);
	r[0] = PSCI_SYSTEM_OFF;
	smc_call(r);
	for (;;)
		wfe();
}

static void __attribute__((noreturn)) run_end(void)
{
	struct teemed_stats st;
	uint64_t failures = 0, r[8] = {0};
	unsigned i, s2_pages = 0;

	teemed_stats(hyp_tm, &st);
	for (i = 0; i < hyp_nguests; i++) {
		const struct guest *g = &hyp_guests[i];
		bool ok = g->cfg->expect_fault ? g->faulted
					       : (g->reported && g->failed == 0 && !g->faulted);

		if (!ok || g->pins_live || g->pool_live)
			failures++;
	}
	failures += hyp_port_errors;
	port_report();
	hyp_printf("[hyp] teemed totals: %lu fast, %lu std calls (%lu done), RPC alloc %lu free "
		   "%lu cmd %lu foreign-intr %lu, preemptions %lu, ETHREAD_LIMIT %lu, ERESUME %lu, "
		   "EBADADDR %lu, bad-param %lu, pins %lu, %lu KiB shared\n",
		   (unsigned long)st.fast_calls, (unsigned long)st.std_calls,
		   (unsigned long)st.std_calls_done, (unsigned long)st.rpc_alloc,
		   (unsigned long)st.rpc_free, (unsigned long)st.rpc_cmd,
		   (unsigned long)st.rpc_foreign_intr, (unsigned long)st.preemptions,
		   (unsigned long)st.thread_limit, (unsigned long)st.resume_refused,
		   (unsigned long)st.bad_addr, (unsigned long)st.bad_param,
		   (unsigned long)st.pages_pinned, (unsigned long)(st.bytes_shared / 1024));
	if (teemed_fini(hyp_tm) != TEEMED_OK)
		failures++;
	/* Once teemed is gone, the heap holds only the stage-2 tables: else a leak. */
	for (i = 0; i < hyp_nguests; i++)
		s2_pages += hyp_guests[i].s2.used;
	if (hyp_heap.allocs_live != s2_pages) {
		hyp_printf(
		    "[hyp] LEAK: %lu heap allocations live after teemed_fini, %u stage-2 tables\n",
		    (unsigned long)hyp_heap.allocs_live, s2_pages);
		failures++;
	}
	hyp_printf("[hyp] scenario %s: %u guests, %lu failures, %lu ms; heap %lu KiB peak, nothing "
		   "left but %u stage-2 tables\n",
		   hyp_scenario.name, hyp_nguests, (unsigned long)failures,
		   (unsigned long)(ticks_to_ns(counter_read() - run_start, hyp_freq) / 1000000),
		   (unsigned long)(hyp_heap.high_water / 1024), s2_pages);
	hyp_printf("[hyp] RESULT %s: %s\n", hyp_scenario.name, failures ? "FAIL" : "PASS");
	r[0] = SIP_TEEMED_TEST_EXIT;
	r[1] = failures > 0x3F ? 0x3F : failures;
	smc_call(r);
	/* Not our EL3 (TF-A answers UNKNOWN): power off; the status is in the log. */
	r[0] = PSCI_SYSTEM_OFF;
	smc_call(r);
	hyp_panic("SYSTEM_OFF returned", r[0], 0);
}

/* A guest is gone (guest.c): the last one ends the run. */
void hyp_guest_done(struct guest *g)
{
	bool last;

	spin_lock(&done_lock);
	g->done = true;
	last = ++guests_done == hyp_nguests;
	spin_unlock(&done_lock);
	if (last)
		run_end();
}

static void start_cpus(void)
{
	unsigned cpu;

	for (cpu = 1; cpu < PLAT_MAX_CPUS; cpu++) {
		uint64_t r[8] = {PSCI_CPU_ON_64, cpu, (uint64_t)(uintptr_t)hyp_secondary_entry,
				 cpu};

		smc_call(r);
		if ((int64_t)r[0] != PSCI_SUCCESS)
			hyp_printf("[hyp] PSCI CPU_ON(%u) failed: %ld\n", cpu, (long)(int64_t)r[0]);
	}
}

void hyp_main(unsigned cpu);
void hyp_main(unsigned cpu)
{
	const struct mmu_region map[] = {
	    {PLAT_DEVICE_BASE, PLAT_DEVICE_SIZE, MMU_DEVICE | S1_AP1_RES1}, /* GIC, UART */
	    {PLAT_DRAM_BASE, PLAT_DRAM_SIZE, MMU_NORMAL | S1_AP1_RES1},
	};
	struct teemed_port port;
	struct teemed_config cfg;
	struct teemed_info info;
	unsigned i, v;
	int rc;

	mmu_build(hyp_l1, hyp_l2, map, sizeof(map) / sizeof(map[0]));
	cpu_setup(cpu);
	/* TF-A may leave non-secure group 1 off in the distributor (reference 7). */
	if (!(*gic_reg(GICD_BASE, GICD_CTLR) & GICD_CTLR_G1NS)) {
		*gic_reg(GICD_BASE, GICD_CTLR) |= GICD_CTLR_G1NS;
		while (*gic_reg(GICD_BASE, GICD_CTLR) & GICD_CTLR_RWP)
			;
	}
	hyp_freq = counter_freq();
	run_start = counter_read();
	heap_init(&hyp_heap, hyp_heap_start, (size_t)(hyp_heap_end - hyp_heap_start));
	hyp_printf("[hyp] teemed hypervisor at EL%u, image 0x%lx, scenario '%s': %s\n",
		   (unsigned)(read_sysreg(CurrentEL) >> 2), PLAT_NS_IMAGE_BASE, hyp_scenario.name,
		   hyp_scenario.what);
	port_get(&port);
	teemed_config_default(&cfg);
	rc = teemed_init(&port, &cfg, &hyp_tm);
	if (rc != TEEMED_OK)
		hyp_panic("teemed_init failed", (uint64_t)(int64_t)rc, 0);
	teemed_get_info(hyp_tm, &info);
	hyp_printf("[hyp] OP-TEE %u.%u found: caps 0x%x, %u threads a guest, %u RPC params\n",
		   info.os_revision_major, info.os_revision_minor, info.secure_caps,
		   info.thread_count, info.rpc_param_count);
	hyp_nguests = hyp_scenario.nguests;
	for (i = 0; i < hyp_nguests; i++) {
		const struct guest_cfg *gc = &hyp_scenario.guests[i];

		if (guest_build(&hyp_guests[i], i, gc))
			hyp_panic("guest build failed", i, 0);
		for (v = 0; v < gc->nvcpus; v++)
			pcpus[gc->pcpu[v]].vcpu = &hyp_guests[i].vcpus[v];
	}
	dsb(sy);
	start_cpus();
	pcpu_park();
}

void hyp_secondary_main(unsigned cpu);
void hyp_secondary_main(unsigned cpu)
{
	cpu_setup(cpu);
	pcpu_park();
}
