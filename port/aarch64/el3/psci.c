// SPDX-License-Identifier: BSD-2-Clause
/*
 * PSCI 1.0 for the normal world (the hypervisor): VERSION, CPU_ON, CPU_OFF,
 * AFFINITY_INFO, MIGRATE_INFO_TYPE, SYSTEM_OFF, SYSTEM_RESET, FEATURES.
 *
 * Secondaries wait in the pen (psci_pen) from reset and after CPU_OFF. A
 * CPU_ON writes the target's mailbox (entry, context id), marks it
 * ON_PENDING and sends an event; the target sets up its EL3 state and
 * enters NS-EL2 at the entry with x0 = context id. The pen is entered with
 * the MMU off at reset, so the mailbox is cleaned to the point of coherency
 * after each write and read with plain loads.
 *
 * SYSTEM_OFF and SYSTEM_RESET end the QEMU run with status 0 (plus the
 * oracle's verdict): this firmware has no reset to offer.
 */
#include "el3.h"

#include "../common/lib.h"
#include "plat.h"
#include "smccc.h"

/* Written by the primary once .bss is clear; secondaries wait for it. */
#define PEN_READY_MAGIC 0x50454e5245414459ull

struct pen_mailbox {
	volatile uint64_t entry;
	volatile uint64_t context;
	volatile uint32_t state; /* PSCI_AFF_* */
	uint32_t pad;
	uint64_t pad2[5]; /* one 64-byte line a CPU */
};

static struct pen_mailbox pen[PLAT_MAX_CPUS] __attribute__((aligned(64)));
static volatile uint64_t pen_ready;
static spinlock_t psci_lock = SPINLOCK_INIT;

static void clean_line(const volatile void *p)
{
	__asm__ volatile("dc civac, %0" : : "r"(p) : "memory");
	dsb(sy);
}

void psci_init(void)
{
	uint32_t i;

	for (i = 0; i < PLAT_MAX_CPUS; i++) {
		pen[i].state = i == 0 ? PSCI_AFF_ON : PSCI_AFF_OFF;
		clean_line(&pen[i]);
	}
	pen_ready = PEN_READY_MAGIC;
	clean_line(&pen_ready);
	sev();
}

void psci_pen(uint32_t cpu)
{
	uint64_t entry, ctx;

	while (pen_ready != PEN_READY_MAGIC)
		wfe();
	while (pen[cpu].state != PSCI_AFF_ON_PENDING)
		wfe();
	entry = pen[cpu].entry;
	ctx = pen[cpu].context;
	el3_cpu_setup(cpu);
	pen[cpu].state = PSCI_AFF_ON;
	clean_line(&pen[cpu]);
	el3_enter_ns(entry, ctx);
}

static int64_t cpu_on(uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
	uint32_t cpu = MPIDR_AFF0(mpidr);
	int64_t ret = PSCI_SUCCESS;

	if ((mpidr & ~0xFFull) != 0 || cpu >= PLAT_MAX_CPUS)
		return PSCI_INVALID_PARAMS;
	if (entry & 3u)
		return PSCI_INVALID_PARAMS;
	spin_lock(&psci_lock);
	if (pen[cpu].state == PSCI_AFF_ON) {
		ret = PSCI_ALREADY_ON;
	} else if (pen[cpu].state == PSCI_AFF_ON_PENDING) {
		ret = PSCI_ON_PENDING;
	} else {
		pen[cpu].entry = entry;
		pen[cpu].context = ctx;
		dsb(sy);
		pen[cpu].state = PSCI_AFF_ON_PENDING;
		clean_line(&pen[cpu]);
		sev();
	}
	spin_unlock(&psci_lock);
	return ret;
}

static int64_t affinity_info(uint64_t mpidr, uint64_t level)
{
	uint32_t cpu = MPIDR_AFF0(mpidr);

	if (level != 0 || (mpidr & ~0xFFull) != 0 || cpu >= PLAT_MAX_CPUS)
		return PSCI_INVALID_PARAMS;
	return pen[cpu].state;
}

static int64_t features(uint32_t fid)
{
	switch (fid) {
	case PSCI_VERSION:
	case PSCI_CPU_OFF:
	case PSCI_CPU_ON:
	case PSCI_CPU_ON_64:
	case PSCI_AFFINITY_INFO:
	case PSCI_AFFINITY_INFO_64:
	case PSCI_MIGRATE_INFO_TYPE:
	case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET:
	case PSCI_FEATURES:
		return PSCI_SUCCESS;
	default:
		return PSCI_NOT_SUPPORTED;
	}
}

int psci_handle(uint32_t fid, uint64_t r[8])
{
	uint32_t cpu;

	switch (fid) {
	case PSCI_VERSION:
		r[0] = PSCI_VERSION_1_0;
		return 1;
	case PSCI_CPU_ON:
		r[0] = (uint64_t)cpu_on((uint32_t)r[1], (uint32_t)r[2], (uint32_t)r[3]);
		return 1;
	case PSCI_CPU_ON_64:
		r[0] = (uint64_t)cpu_on(r[1], r[2], r[3]);
		return 1;
	case PSCI_AFFINITY_INFO:
		r[0] = (uint64_t)affinity_info((uint32_t)r[1], (uint32_t)r[2]);
		return 1;
	case PSCI_AFFINITY_INFO_64:
		r[0] = (uint64_t)affinity_info(r[1], r[2]);
		return 1;
	case PSCI_MIGRATE_INFO_TYPE:
		r[0] = PSCI_MIGRATE_NONE;
		return 1;
	case PSCI_FEATURES:
		r[0] = (uint64_t)features((uint32_t)r[1]);
		return 1;
	case PSCI_CPU_OFF:
		cpu = el3_cpu_index();
		spin_lock(&psci_lock);
		pen[cpu].state = PSCI_AFF_OFF;
		clean_line(&pen[cpu]);
		spin_unlock(&psci_lock);
		el3_pen_reenter(cpu);
	case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET:
		el3_finish(0);
	default:
		return 0;
	}
}
