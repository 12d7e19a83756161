/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * EL3 reset. On QEMU virt with firmware loaded every CPU starts here at
 * once (QEMU's own PSCI is off), so secondaries go to a holding pen until
 * PSCI CPU_ON. The primary (Aff0 = 0) copies .data, clears .bss and runs
 * el3_main. Each CPU has a 16 KiB stack in secure SRAM.
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
	bl	set_stack
	ldr	x0, =el3_vectors
	msr	vbar_el3, x0
	isb
	cbnz	x19, 2f
	/* primary: .data from flash to SRAM, .bss cleared */
	ldr	x0, =data_start
	ldr	x1, =data_end
	ldr	x2, =data_lma
1:	cmp	x0, x1
	b.hs	3f
	ldr	x3, [x2], #8
	str	x3, [x0], #8
	b	1b
3:	ldr	x0, =bss_start
	ldr	x1, =bss_end
4:	cmp	x0, x1
	b.hs	5f
	str	xzr, [x0], #8
	b	4b
5:	mov	x0, x19
	bl	el3_main
	b	park
2:	mov	x0, x19
	bl	psci_pen
park:	wfe
	b	park

/* sp = el3_stacks + (cpu + 1) * EL3_STACK_SIZE, cpu in x19 */
set_stack:
	ldr	x0, =el3_stacks
	add	x0, x0, x19, lsl #14
	add	sp, x0, #0x4000
	ret

/* el3_pen_reenter(cpu): CPU_OFF; drop the SMC frame and wait in the pen. */
	.global el3_pen_reenter
el3_pen_reenter:
	mov	x19, x0
	bl	set_stack
	mov	x0, x19
	bl	psci_pen
	b	park

/*
 * el3_enter_ns(entry, x0): first entry into the non-secure world at EL2h
 * with DAIF masked (SPSR 0x3C9), x0 as given, x1..x3 = 0 (TF-A's BL33
 * convention). SCR_EL3 is set by the caller.
 */
	.global el3_enter_ns
el3_enter_ns:
	msr	elr_el3, x0
	mov	x2, #0x3c9
	msr	spsr_el3, x2
	mov	x0, x1
	mov	x1, #0
	mov	x2, #0
	mov	x3, #0
	isb
	eret

	.text
	VECTORS el3_vectors, el3_vcommon
	VCOMMON el3_vcommon, 3, el3_exception
