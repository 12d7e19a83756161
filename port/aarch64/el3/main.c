// SPDX-License-Identifier: BSD-2-Clause
/*
 * EL3 boot, SMC dispatch and the end of a run.
 *
 * Boot (primary CPU): MMU on with identity tables (flash and SRAM Normal,
 * devices Device, DRAM Normal and non-secure), the trusted OS (OP-TEE
 * model) initialised, the non-secure image copied from flash to its link
 * address 0x60000000 (cleaned to the point of coherency, since EL2 starts
 * with its MMU off), then ERET to NS-EL2 there with x0 = 0 (core id, as
 * TF-A enters BL33). Secondaries wait in psci.c's pen for CPU_ON.
 *
 * SMCs from the normal world: PSCI (psci.c), OP-TEE's owners 50 and 63
 * (tos.c), the SiP test exit; anything else gets SMCCC UNKNOWN. They arrive
 * with DAIF masked and are served to completion: the model leaves a
 * standard call at each RPC with its state saved, so no secure context has
 * to be switched.
 */
#include "el3.h"

#include "../common/console.h"
#include "../common/gic.h"
#include "../common/lib.h"
#include "../common/mmu.h"
#include "plat.h"
#include "smccc.h"
#include "teemed/optee_smc.h"

/* SCR_EL3: NS, RES1[5:4], HCE, RW (64-bit lower ELs); SMD = 0 (pitfall 7). */
#define SCR_EL3_NS_EL2 0x531ull
/* ICC_SRE_EL3: SRE, DFB, DIB, Enable (lower ELs may use the GICv3 sysregs). */
#define ICC_SRE_EL3_VALUE 0xFull
/* QEMU's generic timer frequency, if nobody set CNTFRQ (only EL3 can). */
#define DEFAULT_CNTFRQ 62500000ull
/* Semihosting SYS_EXIT and ADP_Stopped_ApplicationExit (pitfall 10). */
#define SEMIHOSTING_SYS_EXIT	     0x18u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
/* Exit status bit added when the oracle saw a violation. */
#define EXIT_ORACLE_VIOLATION 0x40u

extern char ns_image_start[], ns_image_end[];

static uint64_t el3_l1[512] __attribute__((aligned(4096)));
static uint64_t el3_l2[512] __attribute__((aligned(4096)));
static volatile int finishing;
static uint64_t smc_count;

uint32_t el3_cpu_index(void)
{
	return MPIDR_AFF0(read_sysreg(mpidr_el1));
}

static void mmu_tables(void)
{
	const struct mmu_region map[] = {
	    {PLAT_SEC_FLASH_BASE, PLAT_SEC_FLASH_SIZE, MMU_NORMAL | S1_AP1_RES1},
	    {PLAT_DEVICE_BASE, PLAT_DEVICE_SIZE, MMU_DEVICE | S1_AP1_RES1},
	    {PLAT_SEC_SRAM_BASE, PLAT_SEC_SRAM_SIZE, MMU_NORMAL | S1_AP1_RES1},
	    /* The secure side reaches the normal world's DRAM in the NS PA space. */
	    {PLAT_DRAM_BASE, PLAT_DRAM_SIZE, MMU_NORMAL | S1_AP1_RES1 | S1_NS},
	};

	mmu_build(el3_l1, el3_l2, map, sizeof(map) / sizeof(map[0]));
}

/* Distributor: affinity routing for both worlds, non-secure group 1 on. */
static void gic_dist_init(void)
{
	volatile uint32_t *ctlr = gic_reg(GICD_BASE, GICD_CTLR);

	*ctlr = GICD_CTLR_ARE_S | GICD_CTLR_ARE_NS | GICD_CTLR_G1NS;
	while (*ctlr & GICD_CTLR_RWP)
		;
}

/*
 * This CPU's redistributor: awake, SGIs and PPIs non-secure group 1 at a
 * middle priority, SGIs enabled (the hypervisor's kicks). Then the
 * system-register interface for the lower ELs.
 */
static void gic_cpu_init(uint32_t cpu)
{
	uintptr_t rd = GICR_BASE + cpu * GICR_STRIDE;
	unsigned i;

	*gic_reg(rd, GICR_WAKER) &= ~GICR_WAKER_PSLEEP;
	while (*gic_reg(rd, GICR_WAKER) & GICR_WAKER_CASLEEP)
		;
	*gic_reg(rd, GICR_SGI + GICR_IGROUPR0) = ~0u;
	*gic_reg(rd, GICR_SGI + GICR_IGRPMODR0) = 0;
	for (i = 0; i < 8; i++)
		*gic_reg(rd, GICR_SGI + GICR_IPRIORITYR + 4 * i) = 0x80808080u;
	*gic_reg(rd, GICR_SGI + GICR_ISENABLER0) = 0xFFFFu;
	write_sysreg(S3_6_C12_C12_5, ICC_SRE_EL3_VALUE); /* ICC_SRE_EL3 */
	isb();
}

/* Per-CPU EL3 state; the MMU tables are built once by the primary. */
void el3_cpu_setup(uint32_t cpu)
{
	write_sysreg(mair_el3, MAIR_VALUE);
	write_sysreg(tcr_el3, TCR_ELX_VALUE);
	write_sysreg(ttbr0_el3, (uint64_t)(uintptr_t)el3_l1);
	isb();
	__asm__ volatile("tlbi alle3" : : : "memory");
	dsb(sy);
	isb();
	write_sysreg(sctlr_el3, SCTLR_EL3_RES1 | SCTLR_M | SCTLR_C | SCTLR_I);
	isb();
	write_sysreg(cptr_el3, 0);
	write_sysreg(mdcr_el3, 0);
	write_sysreg(scr_el3, SCR_EL3_NS_EL2);
	gic_cpu_init(cpu);
	if (read_sysreg(cntfrq_el0) == 0)
		write_sysreg(cntfrq_el0, DEFAULT_CNTFRQ);
	/* EL2 starts with its MMU off and RES1 values (pitfall 7). */
	write_sysreg(sctlr_el2, SCTLR_EL2_RES1);
	write_sysreg(hcr_el2, 0);
	isb();
}

/* Clean [p, p + n) to the point of coherency: EL2 fetches with its MMU off. */
static void clean_dcache(uintptr_t p, size_t n)
{
	uint64_t line = 4ull << ((read_sysreg(ctr_el0) >> 16) & 0xF);
	uintptr_t a;

	for (a = p & ~(uintptr_t)(line - 1); a < p + n; a += line)
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	dsb(sy);
	__asm__ volatile("ic iallu" : : : "memory");
	dsb(sy);
	isb();
}

void el3_main(uint32_t cpu);
void el3_main(uint32_t cpu)
{
	size_t ns_size = (size_t)(ns_image_end - ns_image_start);

	mmu_tables();
	gic_dist_init();
	el3_cpu_setup(cpu);
	console_printf(
	    "[EL3] teemed secure firmware: CurrentEL=%u, %u CPUs, OP-TEE model as trusted OS\n",
	    (unsigned)(read_sysreg(CurrentEL) >> 2), PLAT_MAX_CPUS);
	psci_init();
	if (tos_init()) {
		console_printf("[EL3] trusted OS init failed\n");
		el3_finish(0xE1);
	}
	if (ns_size > PLAT_NS_IMAGE_MAX) {
		console_printf("[EL3] NS image too large (%zu bytes)\n", ns_size);
		el3_finish(0xE2);
	}
	memcpy((void *)PLAT_NS_IMAGE_BASE, ns_image_start, ns_size);
	clean_dcache(PLAT_NS_IMAGE_BASE, ns_size);
	console_printf("[EL3] NS image %zu KiB at 0x%lx, SCR_EL3=0x%lx, ERET to NS-EL2\n",
		       ns_size / 1024, PLAT_NS_IMAGE_BASE, (unsigned long)read_sysreg(scr_el3));
	el3_enter_ns(PLAT_NS_IMAGE_BASE, cpu);
}

static void semihosting_exit(uint32_t code)
{
	static uint64_t block[2];
	register uint64_t x0 __asm__("x0") = SEMIHOSTING_SYS_EXIT;
	register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;

	block[0] = ADP_STOPPED_APPLICATION_EXIT;
	block[1] = code;
	__asm__ volatile("hlt #0xf000" : : "r"(x0), "r"(x1) : "memory");
}

/*
 * End the run: the oracle's report, then semihosting SYS_EXIT with the
 * status (the hypervisor's, plus EXIT_ORACLE_VIOLATION). Without
 * semihosting HLT is undefined and lands in el3_exception, which hangs
 * quietly: the test's timeout reports it.
 */
void el3_finish(uint32_t status)
{
	uint64_t v;

	finishing = 1;
	tos_report();
	v = tos_violations();
	if (v)
		status |= EXIT_ORACLE_VIOLATION;
	console_printf("[EL3] exit: status %u (%lu SMCs served, %lu oracle violations)\n", status,
		       (unsigned long)smc_count, (unsigned long)v);
	semihosting_exit(status);
	for (;;)
		wfe();
}

/* OP-TEE's SMCCC owners: trusted OS (50) and its generic queries (63). */
static int is_optee_fid(uint32_t fid)
{
	uint32_t owner = optee_smc_owner(fid);

	return owner == OPTEE_SMC_OWNER_TRUSTED_OS || owner == OPTEE_SMC_OWNER_TRUSTED_OS_END;
}

static void handle_smc(struct frame *f)
{
	uint32_t fid = (uint32_t)f->x[0];
	uint64_t r[8];
	int i;

	atomic_add64(&smc_count, 1);
	for (i = 0; i < 8; i++)
		r[i] = f->x[i];
	if (psci_handle(fid, r)) {
		/* served */
	} else if (is_optee_fid(fid)) {
		tos_smc(r);
	} else if (fid == SIP_TEEMED_TEST_EXIT) {
		el3_finish((uint32_t)r[1]);
	} else {
		r[0] = SMCCC_UNKNOWN;
	}
	for (i = 0; i < 8; i++)
		f->x[i] = r[i];
}

void el3_exception(struct frame *f, uint64_t slot);
void el3_exception(struct frame *f, uint64_t slot)
{
	uint64_t esr = read_sysreg(esr_el3);

	if (slot == VEC_LOW64_SYNC && ESR_EC(esr) == EC_SMC64) {
		handle_smc(f);
		return;
	}
	if (finishing)
		for (;;)
			wfe();
	finishing = 1;
	console_printf("[EL3] PANIC: slot %lu ESR 0x%lx ELR 0x%lx FAR 0x%lx cpu %u\n",
		       (unsigned long)slot, (unsigned long)esr, (unsigned long)f->elr,
		       (unsigned long)read_sysreg(far_el3), el3_cpu_index());
	semihosting_exit(0xEF);
	for (;;)
		wfe();
}
