/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The EL3 firmware: reset and the secondaries' holding pen (main.c), PSCI
 * (psci.c), the trusted OS, i.e. the OP-TEE model on a real environment
 * with the isolation oracle (tos.c). It stands where TF-A's BL31 and
 * OP-TEE's BL32 stand; the non-secure image cannot tell the difference
 * except through the SiP test call (smccc.h).
 */
#ifndef TEEMED_AARCH64_EL3_H
#define TEEMED_AARCH64_EL3_H

#include <stdint.h>

#include "arch.h"

/* start.S */
void el3_enter_ns(uint64_t entry, uint64_t x0) __attribute__((noreturn));
void el3_pen_reenter(uint32_t cpu) __attribute__((noreturn));

/* main.c */
void el3_cpu_setup(uint32_t cpu);
void el3_finish(uint32_t status) __attribute__((noreturn));
uint32_t el3_cpu_index(void);

/* psci.c */
void psci_init(void);
int psci_handle(uint32_t fid, uint64_t r[8]); /* 1 if fid is PSCI */
void psci_pen(uint32_t cpu) __attribute__((noreturn));

/* tos.c */
int tos_init(void);
void tos_smc(uint64_t r[8]);
uint64_t tos_violations(void);
void tos_report(void);

#endif /* TEEMED_AARCH64_EL3_H */
