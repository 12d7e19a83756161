// SPDX-License-Identifier: BSD-2-Clause
/*
 * Guest boot and services: MMU on (stage 1 identity: the first GiB Device,
 * the second Normal, which covers the RAM at its IPA), the heap, the
 * console through HYP_CALL_PUTCHARS, PSCI through SMC (trapped and served
 * by the hypervisor), checks, and the end (report, then SYSTEM_OFF).
 */
#include "sys.h"

#include "../common/mmu.h"
#include "smccc.h"

#define GPRINTF_MAX 256

const struct bootinfo *bi;
struct heap guest_heap;
extern char guest_image_end[], _start[];

static uint64_t g_l1[512] __attribute__((aligned(4096)));
static uint64_t g_l2[512] __attribute__((aligned(4096)));
static volatile uint64_t n_pass, n_fail;
static uint64_t freq;

static void mmu_on(void)
{
	write_sysreg(mair_el1, MAIR_VALUE);
	write_sysreg(tcr_el1, TCR_EL1_VALUE);
	write_sysreg(ttbr0_el1, (uint64_t)(uintptr_t)g_l1);
	isb();
	__asm__ volatile("tlbi vmalle1" : : : "memory");
	dsb(nsh);
	isb();
	write_sysreg(sctlr_el1, SCTLR_EL1_RES1 | SCTLR_M | SCTLR_C | SCTLR_I);
	isb();
}

unsigned vcpu_id(void)
{
	return MPIDR_AFF0(read_sysreg(mpidr_el1));
}

static void putchars(const char *s, size_t n)
{
	while (n) {
		uint64_t r[8] = {HYP_CALL_PUTCHARS};
		size_t k = n < HYP_PUTCHARS_MAX ? n : HYP_PUTCHARS_MAX, i;

		r[1] = k;
		for (i = 0; i < k; i++)
			r[2 + i / 8] |= (uint64_t)(unsigned char)s[i] << (8 * (i % 8));
		hvc_call(r);
		s += k;
		n -= k;
	}
}

void gprintf(const char *fmt, ...)
{
	char buf[GPRINTF_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	putchars(buf, (size_t)n);
}

uint64_t now_ns(void)
{
	uint64_t v;

	isb();
	__asm__ volatile("mrs %0, cntvct_el0" : "=r"(v));
	return ticks_to_ns(v, freq);
}

void delay_ms(uint64_t ms)
{
	uint64_t end = now_ns() + ms * 1000000ull;

	while (now_ns() < end)
		cpu_relax();
}

int64_t psci_cpu_on(unsigned vcpu, uint64_t ctx)
{
	uint64_t r[8] = {PSCI_CPU_ON_64, vcpu, (uint64_t)(uintptr_t)_start, ctx};

	smc_call(r);
	return (int64_t)r[0];
}

int64_t psci_affinity_info(unsigned vcpu)
{
	uint64_t r[8] = {PSCI_AFFINITY_INFO_64, vcpu, 0};

	smc_call(r);
	return (int64_t)r[0];
}

void psci_cpu_off(void)
{
	uint64_t r[8] = {PSCI_CPU_OFF};

	smc_call(r);
	for (;;)
		wfe();
}

uint64_t hyp_s2_set(uint64_t ipa, unsigned mode)
{
	uint64_t r[8] = {HYP_CALL_S2_SET, ipa, mode};

	hvc_call(r);
	return r[0];
}

uint64_t hyp_null(void)
{
	uint64_t r[8] = {HYP_CALL_NULL};

	hvc_call(r);
	return r[0];
}

bool check(bool ok, const char *fmt, ...)
{
	char buf[GPRINTF_MAX];
	va_list ap;

	atomic_add64(ok ? &n_pass : &n_fail, 1);
	if (ok && !(bi->flags & GUEST_F_VERBOSE))
		return ok;
	va_start(ap, fmt);
	vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	gprintf("%s: %s\n", ok ? "ok" : "FAIL", buf);
	return ok;
}

uint64_t checks_failed(void)
{
	return n_fail;
}

void guest_finish(void)
{
	uint64_t r[8] = {HYP_CALL_REPORT, n_pass, n_fail};

	gprintf("%s: %lu checks passed, %lu failed\n", n_fail ? "FAILED" : "done",
		(unsigned long)n_pass, (unsigned long)n_fail);
	hvc_call(r);
	memset(r, 0, sizeof(r));
	r[0] = PSCI_SYSTEM_OFF;
	smc_call(r);
	for (;;)
		wfe();
}

void guest_driver_ram(uint64_t *base, uint64_t *size)
{
	uint64_t heap_end = (uint64_t)(uintptr_t)guest_image_end + GUEST_HEAP_SIZE;

	*base = heap_end;
	*size = bi->ram_ipa + bi->ram_size - PLAT_PAGE_SIZE - heap_end;
}

static void guest_mmu_tables(void)
{
	const struct mmu_region map[] = {
	    {0, 1ull << 30, MMU_DEVICE},
	    {1ull << 30, 1ull << 30, MMU_NORMAL},
	};

	mmu_build(g_l1, g_l2, map, 2);
}

void guest_main(uint64_t bootinfo_ipa);
void guest_main(uint64_t bootinfo_ipa)
{
	guest_mmu_tables();
	mmu_on();
	freq = counter_freq();
	bi = (const struct bootinfo *)(uintptr_t)bootinfo_ipa;
	if (bi->magic != BOOTINFO_MAGIC)
		psci_cpu_off();
	heap_init(&guest_heap, guest_image_end, GUEST_HEAP_SIZE);
	gprintf("EL%u guest '%s', role %u, %u vCPU(s), RAM %lu MiB at IPA 0x%lx, MMU on\n",
		(unsigned)(read_sysreg(CurrentEL) >> 2), bi->name, bi->role, bi->nvcpus,
		(unsigned long)(bi->ram_size >> 20), (unsigned long)bi->ram_ipa);
	switch (bi->role) {
	case ROLE_THIN:
		role_thin();
		break;
	case ROLE_WELL:
		role_well();
		break;
	case ROLE_HOSTILE:
		role_hostile();
		break;
	case ROLE_BENCH:
		role_bench();
		break;
	case ROLE_FAULT:
		role_fault();
		break;
	case ROLE_REAL:
		role_real();
		break;
	default:
		check(false, "unknown role %u", bi->role);
	}
	guest_finish();
}

void guest_secondary_main(uint64_t ctx, unsigned vcpu);
void guest_secondary_main(uint64_t ctx, unsigned vcpu)
{
	(void)ctx;
	mmu_on();
	if (bi->role == ROLE_WELL)
		role_well_secondary(vcpu);
	psci_cpu_off();
}

void guest_exception(struct frame *f, uint64_t slot);
void guest_exception(struct frame *f, uint64_t slot)
{
	gprintf("guest exception: slot %lu ESR 0x%lx ELR 0x%lx FAR 0x%lx\n", (unsigned long)slot,
		(unsigned long)read_sysreg(esr_el1), (unsigned long)f->elr,
		(unsigned long)read_sysreg(far_el1));
	atomic_add64(&n_fail, 1);
	guest_finish();
}
