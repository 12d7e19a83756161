/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Entry of the non-secure image at NS-EL2, MMU off, DAIF masked: from our
 * EL3 or as TF-A's BL33 (x0 = core id, x1..x3 = 0; nothing else assumed).
 * Linked and loaded at 0x60000000. Every CPU takes its stack from its
 * MPIDR.Aff0; the primary clears .bss. Secondaries arrive later through
 * PSCI CPU_ON at hyp_secondary_entry.
 */
#include "plat.h"
#include "../common/vectors.S"

	.section .text.boot, "ax"
	.global _start
_start:
	mrs	x19, mpidr_el1
	and	x19, x19, #0xff
	cmp	x19, #PLAT_MAX_CPUS
	b.hs	park
	bl	cpu_stack_vbar
	ldr	x0, =bss_start
	ldr	x1, =bss_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:	mov	x0, x19
	bl	hyp_main
park:	wfe
	b	park

	.global hyp_secondary_entry
hyp_secondary_entry:
	mrs	x19, mpidr_el1
	and	x19, x19, #0xff
	cmp	x19, #PLAT_MAX_CPUS
	b.hs	park
	bl	cpu_stack_vbar
	mov	x0, x19
	bl	hyp_secondary_main
	b	park

/* sp = top of this CPU's stack (x19 = cpu), VBAR_EL2 = hyp_vectors */
cpu_stack_vbar:
	ldr	x0, =hyp_stacks
	add	x0, x0, x19, lsl #15
	add	sp, x0, #0x8000
	ldr	x0, =hyp_vectors
	msr	vbar_el2, x0
	isb
	ret

/* hyp_reenter(sp_top): drop the current stack (a guest is gone) and park. */
	.global hyp_reenter
hyp_reenter:
	mov	sp, x0
	bl	pcpu_park
	b	park

/*
 * hyp_eret_guest(sp_top, entry, x0): enter EL1h with DAIF masked (SPSR
 * 0x3C5) at `entry`, x0 as given and every other register zero, on a fresh
 * EL2 stack (the next trap builds its frame at the top).
 */
	.global hyp_eret_guest
hyp_eret_guest:
	mov	sp, x0
	msr	elr_el2, x1
	mov	x0, #0x3c5
	msr	spsr_el2, x0
	mov	x0, x2
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
	mov	x4, xzr
	mov	x5, xzr
	mov	x6, xzr
	mov	x7, xzr
	mov	x8, xzr
	mov	x9, xzr
	mov	x10, xzr
	mov	x11, xzr
	mov	x12, xzr
	mov	x13, xzr
	mov	x14, xzr
	mov	x15, xzr
	mov	x16, xzr
	mov	x17, xzr
	mov	x18, xzr
	mov	x19, xzr
	mov	x20, xzr
	mov	x21, xzr
	mov	x22, xzr
	mov	x23, xzr
	mov	x24, xzr
	mov	x25, xzr
	mov	x26, xzr
	mov	x27, xzr
	mov	x28, xzr
	mov	x29, xzr
	mov	x30, xzr
	isb
	eret

	.text
	CALL_WITH_REGS smc_call, smc
	VECTORS hyp_vectors, hyp_vcommon
	VCOMMON hyp_vcommon, 2, hyp_exception
