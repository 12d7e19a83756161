/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Guest entry at EL1h, MMU off: vCPU 0 at boot with x0 = boot information
 * IPA, other vCPUs through PSCI CPU_ON with x0 = the context given. The
 * vCPU number is MPIDR.Aff0 (the hypervisor's VMPIDR_EL2); each vCPU has a
 * 64 KiB stack. vCPU 0 clears .bss.
 */
#include "../common/vectors.S"

	.section .text.boot, "ax"
	.global _start
_start:
	mrs	x19, mpidr_el1
	and	x19, x19, #0xff
	mov	x20, x0
	cmp	x19, #2
	b.hs	hang
	ldr	x1, =guest_stacks
	add	x1, x1, x19, lsl #16
	add	sp, x1, #0x10000
	ldr	x1, =guest_vectors
	msr	vbar_el1, x1
	isb
	cbnz	x19, 2f
	ldr	x0, =bss_start
	ldr	x1, =bss_end
1:	cmp	x0, x1
	b.hs	3f
	str	xzr, [x0], #8
	b	1b
3:	mov	x0, x20
	bl	guest_main
	b	hang
2:	mov	x0, x20
	mov	x1, x19
	bl	guest_secondary_main
hang:	wfe
	b	hang

	.text
	CALL_WITH_REGS smc_call, smc
	CALL_WITH_REGS hvc_call, hvc
	VECTORS guest_vectors, guest_vcommon
	VCOMMON guest_vcommon, 1, guest_exception
