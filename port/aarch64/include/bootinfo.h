/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the hypervisor tells a guest at boot, in the last page of its RAM,
 * with x0 = that page's IPA (where Linux would find its device tree). The
 * guest image is one binary for every role; the role and the facts of its
 * machine come from here.
 */
#ifndef TEEMED_AARCH64_BOOTINFO_H
#define TEEMED_AARCH64_BOOTINFO_H

#include <stdint.h>

#define BOOTINFO_MAGIC 0x7465656d65644249ull /* "teemedBI" */

enum guest_role {
	ROLE_THIN = 1,	  /* probe, one INVOKE: the thin path */
	ROLE_WELL = 2,	  /* the well-behaved workload on every vCPU */
	ROLE_HOSTILE = 3, /* attacks, each refused with its documented code */
	ROLE_BENCH = 4,	  /* round trips through the mediator and bare-forwarded */
	ROLE_FAULT = 5,	  /* touches another guest's memory: must be stopped */
	ROLE_REAL = 6,	  /* against real OP-TEE (TF-A): PTA invokes, TA loading RPCs */
	ROLE_LINUX = 7,	  /* a Linux kernel (no bootinfo: x0 = its device tree) */
};

/* Flags. */
#define GUEST_F_LEGACY	0x1u /* driver imitates older Linux (CALL_WITH_ARG, RPC ALLOC) */
#define GUEST_F_BYPASS	0x2u /* HVC OP-TEE calls are bare-forwarded (bench only) */
#define GUEST_F_VERBOSE 0x4u
#define GUEST_F_HVC	0x8u /* the driver's conduit is HVC (a device tree's method = "hvc") */

struct bootinfo {
	uint64_t magic;
	uint32_t role, flags;
	uint32_t nvcpus, slot;
	uint64_t ram_ipa, ram_size; /* this page is the last of it */
	uint64_t uart_ipa;	    /* a device page mapped for the guest (0: none) */
	uint64_t foreign_ipa;	    /* outside this guest's RAM: another guest's PA */
	uint32_t iterations;	    /* workload rounds */
	uint32_t pad;
	char name[16];
};

#endif /* TEEMED_AARCH64_BOOTINFO_H */
