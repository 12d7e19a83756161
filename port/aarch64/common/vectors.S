/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Exception vectors for any EL, as macros (reference aarch64-qemu.md,
 * pitfall 6): each of the 16 slots reserves a struct frame (arch.h) on the
 * current stack, saves x0/x1, puts its slot number in x1 and branches to
 * common code, which saves x2-x30, ELR and SPSR, calls handler(frame, slot),
 * restores everything (the handler may have changed the frame) and ERETs.
 * VBAR must be 2 KiB aligned; each slot holds only 32 instructions.
 */
#define FRAME_SIZE 272

.macro VENTRY common, slot
	.balign 0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x1, #\slot
	b	\common
.endm

.macro VECTORS name, common
	.balign 0x800
	.global \name
\name:
	VENTRY \common, 0
	VENTRY \common, 1
	VENTRY \common, 2
	VENTRY \common, 3
	VENTRY \common, 4
	VENTRY \common, 5
	VENTRY \common, 6
	VENTRY \common, 7
	VENTRY \common, 8
	VENTRY \common, 9
	VENTRY \common, 10
	VENTRY \common, 11
	VENTRY \common, 12
	VENTRY \common, 13
	VENTRY \common, 14
	VENTRY \common, 15
.endm

.macro VCOMMON name, el, handler
\name:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	str	x30, [sp, #240]
	mrs	x2, elr_el\el
	mrs	x3, spsr_el\el
	stp	x2, x3, [sp, #248]
	mov	x0, sp
	bl	\handler
	ldp	x2, x3, [sp, #248]
	msr	elr_el\el, x2
	msr	spsr_el\el, x3
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #240]
	add	sp, sp, #FRAME_SIZE
	eret
.endm

/*
 * Issue a secure or hypervisor call with x0..x7 from regs[0..7] (x0 holds
 * the array) and store x0..x7 back. SMCCC lets the callee clobber x0-x17;
 * x19-x29 are preserved, so only the array pointer needs saving.
 */
.macro CALL_WITH_REGS name, insn
	.global \name
\name:
	stp	x29, x30, [sp, #-32]!
	str	x0, [sp, #16]
	mov	x8, x0
	ldp	x0, x1, [x8, #0]
	ldp	x2, x3, [x8, #16]
	ldp	x4, x5, [x8, #32]
	ldp	x6, x7, [x8, #48]
	\insn	#0
	ldr	x8, [sp, #16]
	stp	x0, x1, [x8, #0]
	stp	x2, x3, [x8, #16]
	stp	x4, x5, [x8, #32]
	stp	x6, x7, [x8, #48]
	ldp	x29, x30, [sp], #32
	ret
.endm
