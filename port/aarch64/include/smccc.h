/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Function IDs the platform uses besides OP-TEE's (include/teemed/optee_smc.h):
 * PSCI (served by EL3 for the hypervisor, by the hypervisor for guests), the
 * test SiP call that ends a QEMU run, and the hypervisor's own HVCs.
 * Test and hypervisor IDs stay clear of 0xBF00FFxx and OP-TEE's owner 50
 * (reference aarch64-qemu.md pitfall 12).
 */
#ifndef TEEMED_AARCH64_SMCCC_H
#define TEEMED_AARCH64_SMCCC_H

#define SMCCC_UNKNOWN	       0xFFFFFFFFul
#define SMCCC_OWNER(fid)       (((fid) >> 24) & 0x3Fu)
#define SMCCC_OWNER_SIP	       2u
#define SMCCC_OWNER_STANDARD   4u
#define SMCCC_OWNER_VENDOR_HYP 6u

/* PSCI 1.0 (SMC32 IDs; the 64-bit variants add 0x40000000). */
#define PSCI_VERSION	       0x84000000u
#define PSCI_CPU_OFF	       0x84000002u
#define PSCI_CPU_ON	       0x84000003u
#define PSCI_CPU_ON_64	       0xC4000003u
#define PSCI_AFFINITY_INFO     0x84000004u
#define PSCI_AFFINITY_INFO_64  0xC4000004u
#define PSCI_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_SYSTEM_OFF	       0x84000008u
#define PSCI_SYSTEM_RESET      0x84000009u
#define PSCI_FEATURES	       0x8400000Au

#define PSCI_VERSION_1_0      0x10000u
#define PSCI_SUCCESS	      0
#define PSCI_NOT_SUPPORTED    (-1)
#define PSCI_INVALID_PARAMS   (-2)
#define PSCI_DENIED	      (-3)
#define PSCI_ALREADY_ON	      (-4)
#define PSCI_ON_PENDING	      (-5)
#define PSCI_INTERNAL_FAILURE (-6)
#define PSCI_AFF_ON	      0
#define PSCI_AFF_OFF	      1
#define PSCI_AFF_ON_PENDING   2
#define PSCI_MIGRATE_NONE     2 /* MIGRATE_INFO_TYPE: no trusted OS migration needed */

/*
 * SiP test call of our own EL3 (absent from TF-A, which answers UNKNOWN):
 * x1 = the run's status; EL3 adds its own verdict (oracle) and ends QEMU
 * through semihosting with the result.
 */
#define SIP_TEEMED_TEST_EXIT 0x8200E001u

/* Hypervisor calls (HVC, vendor-hypervisor owner 6, SMC32 fast). */
#define HYP_CALL_NULL	  0x86000000u /* returns 0: trap cost reference */
#define HYP_CALL_PUTCHARS 0x86000001u /* x1 = n (<= 48), x2..x7 = chars, 8 per reg */
#define HYP_CALL_REPORT	  0x86000002u /* x1 = checks passed, x2 = failed */
/*
 * x1 = IPA of one of the guest's RAM pages, x2 = HYP_S2_*: change its
 * stage-2 mapping (a balloon driver's or a remapping attack's view). Returns
 * 0, HYP_BUSY when pins forbid it (unmapped while pinned, read-only while
 * pinned for write), or SMCCC_UNKNOWN for a bad IPA or mode.
 */
#define HYP_CALL_S2_SET	 0x86000003u
#define HYP_S2_UNMAPPED	 0u
#define HYP_S2_RO	 1u
#define HYP_S2_RW	 2u
#define HYP_PUTCHARS_MAX 48u
#define HYP_BUSY	 1ul

#endif /* TEEMED_AARCH64_SMCCC_H */
