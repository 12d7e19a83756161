/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AArch64 helpers shared by the three images: system-register access, the
 * exception frame the vector code builds, barriers, the generic counter.
 * Register values come from the Arm ARM; the pitfalls behind some of them
 * are in ../shared/reference/aarch64-qemu.md section 6.
 */
#ifndef TEEMED_AARCH64_ARCH_H
#define TEEMED_AARCH64_ARCH_H

#include <stdint.h>

#define read_sysreg(r)                                                                             \
	({                                                                                         \
		uint64_t v__;                                                                      \
		__asm__ volatile("mrs %0, " #r : "=r"(v__));                                       \
		v__;                                                                               \
	})
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)) : "memory")

#define isb()	    __asm__ volatile("isb" : : : "memory")
#define dsb(opt)    __asm__ volatile("dsb " #opt : : : "memory")
#define sev()	    __asm__ volatile("sev" : : : "memory")
#define wfe()	    __asm__ volatile("wfe" : : : "memory")
#define cpu_relax() __asm__ volatile("yield" : : : "memory")

/*
 * The frame every vector saves (common/vectors.S): x0..x30, ELR, SPSR.
 * 272 bytes, a multiple of 16 as SP requires.
 */
struct frame {
	uint64_t x[31];
	uint64_t elr;
	uint64_t spsr;
	uint64_t pad;
};
#define FRAME_SIZE 272
_Static_assert(sizeof(struct frame) == FRAME_SIZE, "vectors.S layout");

/* Vector slots (VBAR offset / 0x80). */
#define VEC_CUR_SP0_SYNC 0
#define VEC_CUR_SPX_SYNC 4
#define VEC_CUR_SPX_IRQ	 5
#define VEC_LOW64_SYNC	 8
#define VEC_LOW64_IRQ	 9

/* ESR_ELx exception classes used here. */
#define ESR_EC(esr) (((esr) >> 26) & 0x3Fu)
#define EC_HVC64    0x16u
#define EC_SMC64    0x17u
#define EC_IABT_LOW 0x20u
#define EC_DABT_LOW 0x24u
#define EC_DABT_CUR 0x25u

/* MPIDR: QEMU virt numbers CPUs in Aff0 (up to 16 with GICv3). */
#define MPIDR_AFF0(m) ((uint32_t)((m)&0xFFu))

static inline uint64_t counter_read(void)
{
	uint64_t v;

	isb();
	__asm__ volatile("mrs %0, cntpct_el0" : "=r"(v));
	return v;
}

static inline uint64_t counter_freq(void)
{
	return read_sysreg(cntfrq_el0);
}

/* Counter ticks to ns without 128-bit arithmetic. */
static inline uint64_t ticks_to_ns(uint64_t t, uint64_t freq)
{
	return (t / freq) * 1000000000ull + ((t % freq) * 1000000000ull) / freq;
}

/* Stage-1 and stage-2 translation descriptors (4 KiB granule). */
#define DESC_VALID     (1ull << 0)
#define DESC_TABLE     (3ull << 0) /* level 0-2: next table */
#define DESC_BLOCK     (1ull << 0) /* level 1-2: block */
#define DESC_PAGE      (3ull << 0) /* level 3: page */
#define DESC_AF	       (1ull << 10)
#define DESC_SH_IS     (3ull << 8)
#define DESC_ADDR_MASK 0x0000FFFFFFFFF000ull
/* Stage 1 */
#define S1_ATTR(i)	((uint64_t)(i) << 2) /* MAIR index */
#define S1_NS		(1ull << 5)	     /* EL3 only: access the non-secure PA space */
#define S1_AP_EL1RW	(0ull << 6)
#define S1_AP1_RES1	(1ull << 6) /* EL2/EL3 regimes: AP[1] is RES1 */
#define S1_PXN		(1ull << 53)
#define S1_UXN		(1ull << 54)
#define MAIR_DEVICE_IDX 0 /* Device-nGnRnE */
#define MAIR_NORMAL_IDX 1 /* Normal, write-back, read/write-allocate */
#define MAIR_VALUE	0x000000000000FF00ull
/* Stage 2 */
#define S2_MEMATTR_DEVICE (0x0ull << 2) /* Device-nGnRnE */
#define S2_MEMATTR_NORMAL (0xFull << 2) /* Normal, outer and inner WB */
#define S2_MEMATTR_MASK	  (0xFull << 2)
#define S2_AP_RO	  (1ull << 6)
#define S2_AP_RW	  (3ull << 6)
#define S2_AP_MASK	  (3ull << 6)
#define S2_XN		  (1ull << 54)

/*
 * TCR for a 4 GiB, 4 KiB-granule, single-range regime (EL2, EL3): T0SZ = 32
 * (start at level 1), inner/outer write-back walks, inner shareable, PS =
 * 32 bits (bits 18:16 = 0), RES1 bits 31 and 23.
 */
#define TCR_ELX_VALUE 0x80803520ull
/*
 * TCR_EL1: the same for TTBR0; TTBR1 walks disabled (EPD1, bit 23) with a
 * valid TG1 (4 KiB, bit 31); IPS = 32 bits.
 */
#define TCR_EL1_VALUE 0x0000000080803520ull
/* VTCR_EL2: T0SZ = 32, SL0 = 1 (start at level 1), WB walks, IS, PS 32 bits. */
#define VTCR_EL2_VALUE 0x80003560ull

/* SCTLR: RES1 bits, then M (MMU), C, I. */
#define SCTLR_EL2_RES1 0x30C50830ull
#define SCTLR_EL3_RES1 0x30C50830ull
#define SCTLR_EL1_RES1 0x30D00800ull
#define SCTLR_M	       (1ull << 0)
#define SCTLR_C	       (1ull << 2)
#define SCTLR_I	       (1ull << 12)

#endif /* TEEMED_AARCH64_ARCH_H */
