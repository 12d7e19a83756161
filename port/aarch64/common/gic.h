/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * GICv3 as this platform uses it: one software-generated interrupt (SGI 0,
 * "kick") sent between physical CPUs of the hypervisor, to wake a parked
 * CPU out of WFI (a vCPU was powered on) or to pull a running vCPU out of
 * its guest (its guest is being stopped). Nothing else is routed.
 *
 * With secure=on the GIC has DS = 0 (reference aarch64-qemu.md, pitfall
 * 11): EL3 sets the distributor's affinity routing and group enables and
 * every redistributor's groups (gic_el3_*); EL2 enables its system-register
 * interface and group 1 (gic_el2_cpu_init). Under TF-A, TF-A does the EL3
 * part.
 */
#ifndef TEEMED_AARCH64_GIC_H
#define TEEMED_AARCH64_GIC_H

#include <stdint.h>

#include "arch.h"

#define GICD_BASE    0x08000000ul
#define GICR_BASE    0x080A0000ul
#define GICR_STRIDE  0x20000ul /* RD_base + SGI_base frames per CPU */
#define GIC_SGI_KICK 0u	       /* an SGI the non-secure world owns under TF-A too */
#define GIC_SPURIOUS 1020u

#define GICD_CTLR	   0x0000u
#define GICD_CTLR_RWP	   (1u << 31)
#define GICD_CTLR_G1NS	   (1u << 1) /* secure view: EnableGrp1NS; NS view: EnableGrp1A */
#define GICD_CTLR_ARE_S	   (1u << 4)
#define GICD_CTLR_ARE_NS   (1u << 5)
#define GICR_WAKER	   0x0014u
#define GICR_WAKER_PSLEEP  (1u << 1)
#define GICR_WAKER_CASLEEP (1u << 2)
#define GICR_SGI	   0x10000u /* SGI_base inside a redistributor */
#define GICR_IGROUPR0	   0x0080u
#define GICR_ISENABLER0	   0x0100u
#define GICR_IPRIORITYR	   0x0400u
#define GICR_IGRPMODR0	   0x0D00u

static inline volatile uint32_t *gic_reg(uintptr_t base, uint32_t off)
{
	return (volatile uint32_t *)(base + off);
}

/* EL2 (or any NS EL): system-register interface, group 1, priority mask open. */
static inline void gic_el2_cpu_init(void)
{
	write_sysreg(S3_4_C12_C9_5, 0xFull); /* ICC_SRE_EL2: SRE, DFB, DIB, Enable */
	isb();
	write_sysreg(S3_0_C4_C6_0, 0xFFull); /* ICC_PMR_EL1 */
	write_sysreg(S3_0_C12_C12_7, 1ull);  /* ICC_IGRPEN1_EL1 */
	isb();
}

/* Send the kick SGI to the CPU with MPIDR.Aff0 = cpu (Aff1..3 = 0 here). */
static inline void gic_kick(unsigned cpu)
{
	dsb(sy);
	write_sysreg(S3_0_C12_C11_5,
		     ((uint64_t)GIC_SGI_KICK << 24) | (1ull << cpu)); /* ICC_SGI1R_EL1 */
	isb();
}

/* Acknowledge every pending group-1 interrupt (kicks); how many there were. */
static inline unsigned gic_drain(void)
{
	unsigned n = 0;

	for (;;) {
		uint64_t iar = read_sysreg(S3_0_C12_C12_0); /* ICC_IAR1_EL1 */

		if ((iar & 0xFFFFFFu) >= GIC_SPURIOUS)
			return n;
		write_sysreg(S3_0_C12_C12_1, iar); /* ICC_EOIR1_EL1 */
		n++;
	}
}

#endif /* TEEMED_AARCH64_GIC_H */
