/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What every guest role uses: the boot information, the console (through
 * the hypervisor, a line at a time), PSCI, time, checks and the final
 * report, and the guest_env the OP-TEE driver runs on (env.c).
 */
#ifndef TEEMED_AARCH64_GUEST_SYS_H
#define TEEMED_AARCH64_GUEST_SYS_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/lib.h"
#include "arch.h"
#include "bootinfo.h"
#include "guest/driver.h"
#include "guest/guest_env.h"
#include "plat.h"

#define GUEST_HEAP_SIZE (6ul << 20) /* driver bookkeeping, supplicant files (1 MiB max each) */
#define GUEST_MAX_VCPUS 2u

extern const struct bootinfo *bi;
extern struct heap guest_heap;

/* start.S */
void smc_call(uint64_t r[8]);
void hvc_call(uint64_t r[8]);

/* sys.c */
void gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t now_ns(void);
void delay_ms(uint64_t ms);
unsigned vcpu_id(void);
int64_t psci_cpu_on(unsigned vcpu, uint64_t ctx);
int64_t psci_affinity_info(unsigned vcpu);
void psci_cpu_off(void) __attribute__((noreturn));
void guest_finish(void) __attribute__((noreturn)); /* report, then SYSTEM_OFF */
uint64_t hyp_s2_set(uint64_t ipa, unsigned mode);
uint64_t hyp_null(void);
/* Count a check; print it when it fails (or always when verbose). */
bool check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t checks_failed(void);

/* env.c */
enum env_conduit { ENV_SMC, ENV_HVC };
/* A guest_env over [base, base + size) of this guest's RAM. */
void env_init(struct guest_env *env, enum env_conduit c, uint64_t base, uint64_t size);
/* Pages the hypervisor was asked to unmap: env->map() must not touch them. */
void env_mark_unmapped(uint64_t ipa, bool unmapped);
/* The RAM left to drivers: after the heap, before the boot information. */
void guest_driver_ram(uint64_t *base, uint64_t *size);
/* Create and probe a driver; NULL (and a failed check) on error. */
struct gdrv *driver_start(const struct guest_env *env, unsigned mode, unsigned nvcpus,
			  uint64_t cookie_base, bool enumerate);

/* roles */
void role_thin(void);
void role_well(void);
void role_well_secondary(unsigned vcpu);
void role_hostile(void);
void role_bench(void);
void role_fault(void);
void role_real(void);

#endif /* TEEMED_AARCH64_GUEST_SYS_H */
