/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The platform: QEMU virt (secure=on, virtualization=on, gic-version=3,
 * highmem=off, -m 1G, -smp 4), as a device tree would describe it. Shared
 * by the EL3 firmware, the EL2 hypervisor and the EL1 guests, the way a
 * board's memory map is shared by its firmware and its OS: nothing here is
 * a channel between them, only fixed facts of the board and of the static
 * partitioning (which physical ranges are given to which guest). The EL3
 * isolation oracle reads the same table to know who owns what.
 *
 * Physical memory map (see docs/aarch64.md):
 *   0x00000000  secure flash 0 (64 MiB): EL3 image, XIP, -bios
 *   0x09000000  PL011 UART0 (non-secure console, shared by EL3 and EL2)
 *   0x0e000000  secure SRAM (16 MiB): EL3 data, stacks, OP-TEE model heap
 *   0x40000000  DRAM (1 GiB). First 64 MiB left to firmware: QEMU's DTB at
 *               0x40000000, TF-A's DTB and OP-TEE's reserved SHM
 *               (0x42000000) when running over TF-A.
 *   0x44000000  guest RAM slots: 4 x 32 MiB
 *   0x4c000000  mediator page pools: 4 x 4 MiB, one per guest slot
 *   0x60000000  the non-secure image (hypervisor): TF-A's BL33 address
 *   0x64000000  the Linux guest's RAM (256 MiB), `linux` scenario only: it
 *               replaces slot 0's RAM range (PLAT_LINUX_SLOT)
 */
#ifndef TEEMED_AARCH64_PLAT_H
#define TEEMED_AARCH64_PLAT_H

#define PLAT_MAX_CPUS 4u /* -smp 4: one physical CPU per vCPU */

#define PLAT_SEC_FLASH_BASE 0x00000000ul
#define PLAT_SEC_FLASH_SIZE 0x04000000ul
#define PLAT_SEC_SRAM_BASE  0x0e000000ul
#define PLAT_SEC_SRAM_SIZE  0x01000000ul
#define PLAT_UART0_BASE	    0x09000000ul
#define PLAT_DEVICE_BASE    0x08000000ul /* GIC, UARTs, RTC, GPIO */
#define PLAT_DEVICE_SIZE    0x02000000ul
#define PLAT_DRAM_BASE	    0x40000000ul
#define PLAT_DRAM_SIZE	    0x40000000ul /* -m 1G */

/* TF-A's qemu platform loads BL33 here and enters it at NS-EL2. */
#define PLAT_NS_IMAGE_BASE 0x60000000ul
#define PLAT_NS_IMAGE_MAX  0x02000000ul /* code, data, heap, stacks, tables */

/* Static partitioning: guest slot g owns one RAM range and one pool. */
#define PLAT_GUEST_SLOTS       4u
#define PLAT_GUEST_RAM_BASE0   0x44000000ul
#define PLAT_GUEST_RAM_MAX     0x02000000ul /* 32 MiB: several-MiB buffers fit */
#define PLAT_GUEST_RAM_BASE(g) (PLAT_GUEST_RAM_BASE0 + (unsigned long)(g)*PLAT_GUEST_RAM_MAX)
/*
 * Mediator pages (shadow arguments, page lists, RPC argument shadows) are
 * allocated from the pool of the guest they serve, so that the secure side
 * can tell which guest a mediator page belongs to. 4 MiB = 1024 pages: the
 * page lists of 500 MiB of shared buffers at once.
 */
#define PLAT_MED_POOL_BASE0   0x4c000000ul
#define PLAT_MED_POOL_SIZE    0x00400000ul
#define PLAT_MED_POOL_BASE(g) (PLAT_MED_POOL_BASE0 + (unsigned long)(g)*PLAT_MED_POOL_SIZE)

/*
 * The Linux guest (scenario `linux`, docs/aarch64.md): a stock kernel needs
 * far more than a slot, so it takes slot PLAT_LINUX_SLOT's client ID and
 * mediator pool but this RAM range instead of the slot's. QEMU's loader puts
 * the kernel, its device tree and initramfs there (tools/linux/run.sh).
 * The EL3 oracle uses this range for that client only in images built with
 * TOS_LINUX_SLOT (mk/linux.mk).
 */
#define PLAT_LINUX_SLOT	    0u
#define PLAT_LINUX_RAM_BASE 0x64000000ul
#define PLAT_LINUX_RAM_SIZE 0x10000000ul
/* Inside it (offsets): the Image (2 MiB aligned), the DTB, the initramfs. */
#define PLAT_LINUX_KERNEL_OFF 0x00200000ul
#define PLAT_LINUX_DTB_OFF    0x08000000ul
#define PLAT_LINUX_INITRD_OFF 0x08200000ul
/* GICv3 frames the Linux guest is given (pass-through, docs/aarch64.md). */
#define PLAT_GICD_BASE	    0x08000000ul
#define PLAT_GICD_SIZE	    0x00010000ul
#define PLAT_GICR_BASE	    0x080A0000ul
#define PLAT_GICR_SIZE	    (PLAT_MAX_CPUS * 0x20000ul)

/* Guests see their RAM at this IPA unless identity-mapped (bench bypass). */
#define PLAT_GUEST_IPA_BASE 0x40000000ul
/* The one device a guest may be given: a PL011 page (hostile test of MMIO). */
#define PLAT_GUEST_UART_IPA 0x09000000ul

/* OP-TEE client IDs: slot g is client g + 1 (Xen's domid + 1). */
#define PLAT_CLIENT_ID(g) ((unsigned)(g) + 1u)
/*
 * The bench guest's bare-forward partition: created by the hypervisor
 * itself (VM_CREATED), reached without teemed. Never a teemed domain's ID.
 */
#define PLAT_BYPASS_CLIENT_ID(g) (0x11u + (unsigned)(g))

/* Pages handy in C. */
#define PLAT_PAGE_SIZE 4096ul
#define PLAT_PAGE_MASK (PLAT_PAGE_SIZE - 1ul)

#endif /* TEEMED_AARCH64_PLAT_H */
