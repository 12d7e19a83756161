// SPDX-License-Identifier: BSD-2-Clause
/*
 * Guests: built at boot from the scenario, entered on their physical CPUs,
 * stopped by PSCI SYSTEM_OFF (or a fault), and accounted for.
 *
 * Building: the guest's RAM slot is cleared, its stage 2 maps the RAM page
 * by page at the guest's IPA (0x40000000, or its PA for an identity guest)
 * plus the UART page if asked; the guest image and the boot information
 * (bootinfo.h, last page of RAM) are copied in; the teemed domain is
 * created (VM_CREATED with client ID slot + 1); vCPU 0 is powered on.
 *
 * Stopping: the guest is marked dying (its vCPUs park at their next trap,
 * and calls into teemed are refused from then on); once no vCPU of it is
 * inside teemed_handle_smc, teemed_domain_destroy runs until TEEMED_OK. Then
 * the frame table must show no pin of the guest left and its mediator pool
 * must be empty: anything else is a leak and fails the run. The guest's
 * other vCPUs are kicked (an SGI taken to EL2) and park; one that does not
 * within STOP_WAIT_MS is reported, and cannot reach teemed any more.
 */
#include "hyp.h"

#include "../common/console.h"
#include "../common/gic.h"
#include "smccc.h"
#include "teemed/optee_smc.h"

/* How long a stopping guest's other vCPUs get to reach a trap or be off. */
#define STOP_WAIT_MS 2000u

struct guest hyp_guests[PLAT_GUEST_SLOTS];
unsigned hyp_nguests;

/* Pin counts: one table per slot, and the Linux guest's larger one. */
static struct frame_pins slot_frames[PLAT_GUEST_SLOTS][GUEST_PAGES];
static struct frame_pins linux_frames[PLAT_LINUX_RAM_SIZE / PLAT_PAGE_SIZE];

extern char guest_image_ipa[], guest_image_ipa_end[], guest_image_id[], guest_image_id_end[];

static const char *const role_names[] = {"?",	   "thin",     "well-behaved", "hostile",
					 "bench", "faulting", "real OP-TEE",  "Linux"};

/*
 * The Linux guest: its RAM (PLAT_LINUX_RAM_BASE) was loaded by QEMU (kernel,
 * device tree, initramfs) and is left as it is; besides RAM it gets the
 * PL011 page and the GICv3 distributor and redistributor frames (its
 * interrupts are its own: HCR_GUEST_BASE in guest_enter). Entered at the
 * Image with x0 = the device tree, as the arm64 boot protocol asks.
 */
static int linux_devices(struct guest *g)
{
	uint64_t off;

	for (off = 0; off < PLAT_GICD_SIZE; off += PLAT_PAGE_SIZE)
		if (s2_map_page(g, PLAT_GICD_BASE + off, PLAT_GICD_BASE + off, S2_DEVICE))
			return -1;
	for (off = 0; off < PLAT_GICR_SIZE; off += PLAT_PAGE_SIZE)
		if (s2_map_page(g, PLAT_GICR_BASE + off, PLAT_GICR_BASE + off, S2_DEVICE))
			return -1;
	return s2_map_page(g, PLAT_UART0_BASE, PLAT_UART0_BASE, S2_DEVICE);
}

static void clean_dcache(uintptr_t p, size_t n)
{
	uint64_t line = 4ull << ((read_sysreg(ctr_el0) >> 16) & 0xF);
	uintptr_t a;

	for (a = p & ~(uintptr_t)(line - 1); a < p + n; a += line)
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	dsb(sy);
	__asm__ volatile("ic ialluis" : : : "memory");
	dsb(sy);
	isb();
}

static uint64_t hyp_call_smc(uint32_t fid, uint64_t a1)
{
	uint64_t r[8] = {fid, a1};

	smc_call(r);
	return r[0];
}

static int load_image(struct guest *g, const struct guest_cfg *cfg)
{
	const char *img = cfg->identity ? guest_image_id : guest_image_ipa;
	const char *end = cfg->identity ? guest_image_id_end : guest_image_ipa_end;
	struct bootinfo *bi;

	/* The identity image is linked at slot 0's PA. */
	if (cfg->identity && cfg->slot != 0)
		return -1;
	memset((void *)(uintptr_t)g->ram_pa, 0, g->ram_size);
	memcpy((void *)(uintptr_t)g->ram_pa, img, (size_t)(end - img));
	bi = (struct bootinfo *)(uintptr_t)(g->ram_pa + g->ram_size - PLAT_PAGE_SIZE);
	bi->magic = BOOTINFO_MAGIC;
	bi->role = cfg->role;
	bi->flags = cfg->flags;
	bi->nvcpus = cfg->nvcpus;
	bi->slot = cfg->slot;
	bi->ram_ipa = g->ram_ipa;
	bi->ram_size = g->ram_size;
	bi->uart_ipa = cfg->uart ? PLAT_GUEST_UART_IPA : 0;
	/* Another slot's RAM, as a PA a hostile guest might guess. */
	bi->foreign_ipa = PLAT_GUEST_RAM_BASE((cfg->slot + 1) % PLAT_GUEST_SLOTS);
	bi->iterations = cfg->iterations ? cfg->iterations : 1;
	memcpy(bi->name, cfg->name, strlen(cfg->name) < 15 ? strlen(cfg->name) : 15);
	clean_dcache(g->ram_pa, (size_t)(end - img));
	clean_dcache((uintptr_t)bi, PLAT_PAGE_SIZE);
	return 0;
}

int guest_build(struct guest *g, unsigned id, const struct guest_cfg *cfg)
{
	uint64_t off;
	unsigned v;
	int rc;

	bool lnx = cfg->role == ROLE_LINUX;

	memset(g, 0, sizeof(*g));
	g->cfg = cfg;
	g->id = id;
	g->ram_pa = lnx ? PLAT_LINUX_RAM_BASE : PLAT_GUEST_RAM_BASE(cfg->slot);
	g->ram_size = cfg->ram_size;
	g->ram_ipa = cfg->identity ? g->ram_pa : PLAT_GUEST_IPA_BASE;
	g->client_id = (uint16_t)PLAT_CLIENT_ID(cfg->slot);
	if (cfg->slot >= PLAT_GUEST_SLOTS || cfg->nvcpus == 0 || cfg->nvcpus > HYP_MAX_VCPUS ||
	    g->ram_size > (lnx ? PLAT_LINUX_RAM_SIZE : PLAT_GUEST_RAM_MAX) ||
	    (lnx && (cfg->slot != PLAT_LINUX_SLOT || cfg->nvcpus != 1 || cfg->pcpu[0] != 0)) ||
	    s2_init(g))
		return -1;
	g->frames = lnx ? linux_frames : slot_frames[cfg->slot];
	for (off = 0; off < g->ram_size; off += PLAT_PAGE_SIZE)
		if (s2_map_page(g, g->ram_ipa + off, g->ram_pa + off, S2_RAM_RW))
			return -1;
	if (cfg->uart && s2_map_page(g, PLAT_GUEST_UART_IPA, PLAT_UART0_BASE, S2_DEVICE))
		return -1;
	if (lnx && linux_devices(g))
		return -1;
	dsb(ishst);
	if (!lnx && load_image(g, cfg))
		return -1;
	for (v = 0; v < cfg->nvcpus; v++) {
		g->vcpus[v].g = g;
		g->vcpus[v].index = v;
		g->vcpus[v].pcpu = cfg->pcpu[v];
	}
	rc = teemed_domain_create(hyp_tm, g->client_id, g, &g->tdom);
	if (rc != TEEMED_OK) {
		hyp_printf("[hyp] teemed_domain_create(%u) failed: %d\n", g->client_id, rc);
		return -1;
	}
	if (cfg->flags & GUEST_F_BYPASS) {
		if (hyp_call_smc(OPTEE_SMC_VM_CREATED, PLAT_BYPASS_CLIENT_ID(cfg->slot)) !=
		    OPTEE_SMC_RETURN_OK)
			return -1;
		g->bypass_created = true;
	}
	hyp_printf("[hyp] guest %s (%s): slot %u, IPA 0x%lx -> PA 0x%lx, %lu MiB, %u vCPU(s) on "
		   "pCPU %u%s, OP-TEE client %u%s%s\n",
		   cfg->name, role_names[cfg->role], cfg->slot, (unsigned long)g->ram_ipa,
		   (unsigned long)g->ram_pa, (unsigned long)(g->ram_size >> 20), cfg->nvcpus,
		   cfg->pcpu[0], cfg->nvcpus > 1 ? "+" : "", g->client_id,
		   cfg->uart ? ", UART mapped" : "",
		   (cfg->flags & GUEST_F_BYPASS) ? ", bypass client on HVC" : "");
	g->vcpus[0].entry = lnx ? g->ram_ipa + PLAT_LINUX_KERNEL_OFF : g->ram_ipa;
	g->vcpus[0].ctx = lnx ? g->ram_ipa + PLAT_LINUX_DTB_OFF
			      : g->ram_ipa + g->ram_size - PLAT_PAGE_SIZE;
	if (!cfg->deferred)
		g->vcpus[0].state = VCPU_ON_PENDING;
	return 0;
}

/*
 * Power on the guests that wait for the Linux guest (cfg->deferred): at its
 * first OP-TEE call (the driver's probe), so that they call OP-TEE while the
 * kernel's driver does, rather than during the kernel's boot; or when the
 * Linux guest stops, whatever happened.
 */
void guest_start_deferred(void)
{
	static spinlock_t lock = SPINLOCK_INIT;
	static bool started;
	unsigned i;

	spin_lock(&lock);
	if (!started) {
		started = true;
		for (i = 0; i < hyp_nguests; i++) {
			struct guest *g = &hyp_guests[i];

			if (!g->cfg->deferred)
				continue;
			hyp_printf("[hyp] guest %s powered on (the Linux guest reached OP-TEE)\n",
				   g->cfg->name);
			g->vcpus[0].state = VCPU_ON_PENDING;
			dsb(sy);
			gic_kick(g->vcpus[0].pcpu);
		}
	}
	spin_unlock(&lock);
}

void guest_enter(struct vcpu *v)
{
	struct guest *g = v->g;

	write_sysreg(hcr_el2, g->cfg->role == ROLE_LINUX ? HCR_GUEST_BASE : HCR_GUEST);
	write_sysreg(vttbr_el2, s2_vttbr(g));
	write_sysreg(vmpidr_el2, (1ull << 31) | v->index);
	write_sysreg(sctlr_el1, SCTLR_EL1_RES1); /* MMU off: the guest turns it on */
	write_sysreg(cpacr_el1, 0);
	isb();
	__asm__ volatile("tlbi vmalls12e1" : : : "memory");
	dsb(nsh);
	isb();
	spin_lock(&g->lock);
	if (g->dying) {
		spin_unlock(&g->lock);
		pcpu_park();
	}
	v->state = VCPU_ON;
	spin_unlock(&g->lock);
	hyp_eret_guest(pcpu_stack_top(this_pcpu()->id), v->entry, v->ctx);
}

bool guest_call_enter(struct guest *g)
{
	bool ok;

	spin_lock(&g->lock);
	ok = !g->dying;
	if (ok)
		g->in_calls++;
	spin_unlock(&g->lock);
	return ok;
}

void guest_call_exit(struct guest *g)
{
	spin_lock(&g->lock);
	g->in_calls--;
	spin_unlock(&g->lock);
}

/* Pull the guest's other vCPUs out of guest mode (they park at EL2). */
static void kick_others(struct guest *g, const struct vcpu *self)
{
	unsigned i;

	for (i = 0; i < g->cfg->nvcpus; i++)
		if (&g->vcpus[i] != self)
			gic_kick(g->vcpus[i].pcpu);
}

static bool others_stopped(struct guest *g, const struct vcpu *self)
{
	unsigned i;

	for (i = 0; i < g->cfg->nvcpus; i++)
		if (&g->vcpus[i] != self && g->vcpus[i].state == VCPU_ON)
			return false;
	return true;
}

static void summary(struct guest *g, const struct teemed_stats *st, unsigned destroy_calls,
		    bool stuck)
{
	const struct guest_cfg *c = g->cfg;
	bool ok;

	if (c->expect_fault)
		ok = g->faulted;
	else
		ok = g->reported && g->failed == 0 && !g->faulted;
	ok = ok && !stuck && g->pins_live == 0 && g->pool_live == 0;
	hyp_printf(
	    "[hyp] guest %s: %s: %lu checks passed, %lu failed%s%s; teemed: %lu fast, %lu std "
	    "calls, RPC alloc %lu free %lu cmd %lu, %lu preemptions, %lu pages pinned, %lu KiB "
	    "shared; destroyed in %u call(s): %lu pins and %lu mediator pages left (peak %lu)\n",
	    c->name, ok ? "PASS" : "FAIL", (unsigned long)g->passed, (unsigned long)g->failed,
	    g->faulted
		? (c->expect_fault ? ", stopped by a stage-2 fault as expected" : ", FAULTED")
		: (c->expect_fault ? ", expected fault did not happen" : ""),
	    stuck ? ", a vCPU could not be stopped" : "", (unsigned long)st->fast_calls,
	    (unsigned long)st->std_calls, (unsigned long)st->rpc_alloc, (unsigned long)st->rpc_free,
	    (unsigned long)st->rpc_cmd, (unsigned long)st->preemptions,
	    (unsigned long)st->pages_pinned, (unsigned long)(st->bytes_shared / 1024),
	    destroy_calls, (unsigned long)g->pins_live, (unsigned long)g->pool_live,
	    (unsigned long)g->pool_peak);
	if (!ok && !c->expect_fault && !g->reported)
		g->failed++;
}

void guest_stop(struct vcpu *v, bool fault)
{
	struct guest *g = v->g;
	struct teemed_stats st;
	uint64_t deadline;
	unsigned calls = 0;
	bool stuck;
	int rc;

	spin_lock(&g->lock);
	if (g->dying) { /* another vCPU is stopping it */
		spin_unlock(&g->lock);
		pcpu_park();
	}
	g->dying = true;
	g->faulted = g->faulted || fault;
	v->state = VCPU_OFF;
	spin_unlock(&g->lock);
	if (g->cfg->role == ROLE_LINUX) {
		guest_start_deferred();
		/* Take this CPU's interrupts back: the guest's timers off, kicks to EL2. */
		write_sysreg(cntv_ctl_el0, 0);
		write_sysreg(cntp_ctl_el0, 0);
		write_sysreg(hcr_el2, HCR_GUEST);
		isb();
		gic_el2_cpu_init();
	}
	kick_others(g, v);
	deadline = counter_read() + hyp_freq / 1000 * STOP_WAIT_MS;
	while (!others_stopped(g, v) && counter_read() < deadline)
		cpu_relax();
	stuck = !others_stopped(g, v);
	while (g->in_calls)
		cpu_relax();
	memset(&st, 0, sizeof(st));
	if (g->tdom) {
		teemed_domain_stats(hyp_tm, g->tdom, &st);
		do {
			rc = teemed_domain_destroy(hyp_tm, g->tdom);
			calls++;
		} while (rc == TEEMED_AGAIN);
		if (rc != TEEMED_OK)
			hyp_printf("[hyp] teemed_domain_destroy(%u) failed: %d\n", g->client_id,
				   rc);
		g->tdom = NULL;
	}
	if (g->bypass_created)
		hyp_call_smc(OPTEE_SMC_VM_DESTROYED, PLAT_BYPASS_CLIENT_ID(g->cfg->slot));
	summary(g, &st, calls, stuck);
	hyp_guest_done(g);
	pcpu_park();
}
