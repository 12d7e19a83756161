// SPDX-License-Identifier: BSD-2-Clause
/*
 * PSCI 1.0 for guests, on the guest's own vCPU numbering (VMPIDR_EL2 gives
 * vCPU n the MPIDR Aff0 = n). Static partitioning: every vCPU has its own
 * physical CPU, which waits in pcpu_park while the vCPU is off, so CPU_ON
 * only has to record the entry and wake it. SYSTEM_OFF and SYSTEM_RESET
 * end the guest: its domain is destroyed (guest.c); there is no reboot.
 */
#include "hyp.h"

#include "../common/gic.h"
#include "smccc.h"

static struct vcpu *target(struct guest *g, uint64_t mpidr)
{
	/* Aff0 only: Aff1..Aff3 and the MT/U bits must be clear. */
	if ((mpidr & ~0xFFull) || (mpidr & 0xFFu) >= g->cfg->nvcpus)
		return NULL;
	return &g->vcpus[mpidr & 0xFFu];
}

static uint64_t psci_state(const struct vcpu *t)
{
	switch (t->state) {
	case VCPU_ON:
		return PSCI_AFF_ON;
	case VCPU_ON_PENDING:
		return PSCI_AFF_ON_PENDING;
	default:
		return PSCI_AFF_OFF;
	}
}

static int64_t cpu_on(struct guest *g, uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
	struct vcpu *t = target(g, mpidr);
	int64_t ret = PSCI_SUCCESS;

	if (!t || (entry & 3u) || entry < g->ram_ipa || entry - g->ram_ipa >= g->ram_size)
		return PSCI_INVALID_PARAMS;
	spin_lock(&g->lock);
	if (t->state == VCPU_ON) {
		ret = PSCI_ALREADY_ON;
	} else if (t->state == VCPU_ON_PENDING) {
		ret = PSCI_ON_PENDING;
	} else {
		t->entry = entry;
		t->ctx = ctx;
		dsb(sy);
		t->state = VCPU_ON_PENDING;
		gic_kick(t->pcpu);
	}
	spin_unlock(&g->lock);
	return ret;
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

bool vpsci_handle(struct vcpu *v, struct frame *f)
{
	struct guest *g = v->g;
	uint32_t fid = (uint32_t)f->x[0];
	bool smc64 = (fid & 0x40000000u) != 0;
	uint64_t a1 = smc64 ? f->x[1] : (uint32_t)f->x[1];
	uint64_t a2 = smc64 ? f->x[2] : (uint32_t)f->x[2];
	uint64_t a3 = smc64 ? f->x[3] : (uint32_t)f->x[3];
	struct vcpu *t;

	switch (fid) {
	case PSCI_VERSION:
		f->x[0] = PSCI_VERSION_1_0;
		return true;
	case PSCI_CPU_ON:
	case PSCI_CPU_ON_64:
		f->x[0] = (uint64_t)cpu_on(g, a1, a2, a3);
		return true;
	case PSCI_AFFINITY_INFO:
	case PSCI_AFFINITY_INFO_64:
		t = target(g, a1);
		f->x[0] = (!t || a2 != 0) ? (uint64_t)(int64_t)PSCI_INVALID_PARAMS : psci_state(t);
		return true;
	case PSCI_MIGRATE_INFO_TYPE:
		f->x[0] = PSCI_MIGRATE_NONE;
		return true;
	case PSCI_FEATURES:
		f->x[0] = (uint64_t)features((uint32_t)a1);
		return true;
	case PSCI_CPU_OFF:
		spin_lock(&g->lock);
		v->state = VCPU_OFF;
		spin_unlock(&g->lock);
		dsb(sy);
		pcpu_park();
	case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET:
		/*
		 * A Linux guest cannot make HYP_CALL_REPORT: its /init powers
		 * off when every test passed and reboots otherwise (as does a
		 * panic, with panic=-1), so that is its verdict.
		 */
		if (g->cfg->role == ROLE_LINUX) {
			spin_lock(&g->lock);
			g->reported = true;
			g->passed = fid == PSCI_SYSTEM_OFF;
			g->failed = fid != PSCI_SYSTEM_OFF;
			spin_unlock(&g->lock);
		}
		guest_stop(v, false);
	default:
		return false;
	}
}
