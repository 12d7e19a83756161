// SPDX-License-Identifier: BSD-2-Clause
/*
 * Exceptions taken to EL2 from a guest (lower EL, AArch64, synchronous):
 *
 *   SMC (EC 0x17, trapped by HCR_EL2.TSC; ELR points at the SMC: += 4)
 *   HVC (EC 0x16; ELR is already past it)
 *       -> PSCI (owner 4)           vpsci.c
 *       -> OP-TEE (owners 50, 63)   teemed_handle_smc, either conduit; the
 *          bench guest's HVC instead goes bare-forwarded (a7 = its bypass
 *          client, nothing checked, translated or copied: IPA == PA)
 *       -> hypervisor calls (HVC, owner 6): console, report, stage-2 change
 *       -> anything else: SMCCC UNKNOWN
 *   aborts and anything else: the guest is stopped (guest.c), the run
 *   fails unless the scenario expected it.
 *
 * Anything else reaching EL2 (an exception at EL2 itself, an IRQ) is a
 * hypervisor bug: panic, which ends the run with a failure status.
 */
#include "hyp.h"

#include "../common/console.h"
#include "../common/gic.h"
#include "smccc.h"

enum conduit { CONDUIT_SMC, CONDUIT_HVC };

static void console_flush(struct vcpu *v)
{
	v->line[v->line_len] = '\0';
	hyp_printf("[%s.%u] %s\n", v->g->cfg->name, v->index, v->line);
	v->line_len = 0;
}

/* HYP_CALL_PUTCHARS: up to 48 characters in x2..x7, 8 a register. */
static void hyp_putchars(struct vcpu *v, const struct frame *f)
{
	uint64_t n = f->x[1], i;

	if (n > HYP_PUTCHARS_MAX)
		n = HYP_PUTCHARS_MAX;
	for (i = 0; i < n; i++) {
		char c = (char)(f->x[2 + i / 8] >> (8 * (i % 8)));

		if (c == '\n') {
			console_flush(v);
			continue;
		}
		v->line[v->line_len++] = c;
		if (v->line_len == HYP_LINE_MAX - 1)
			console_flush(v);
	}
}

static void hypercall(struct vcpu *v, struct frame *f)
{
	struct guest *g = v->g;
	int rc;

	switch ((uint32_t)f->x[0]) {
	case HYP_CALL_NULL:
		f->x[0] = 0;
		break;
	case HYP_CALL_PUTCHARS:
		hyp_putchars(v, f);
		f->x[0] = 0;
		break;
	case HYP_CALL_REPORT:
		spin_lock(&g->lock);
		g->reported = true;
		g->passed = f->x[1];
		g->failed = f->x[2];
		spin_unlock(&g->lock);
		f->x[0] = 0;
		break;
	case HYP_CALL_S2_SET:
		rc = s2_set(g, f->x[1], (unsigned)f->x[2]);
		f->x[0] = rc < 0 ? SMCCC_UNKNOWN : rc ? HYP_BUSY : 0;
		break;
	default:
		f->x[0] = SMCCC_UNKNOWN;
		break;
	}
}

/* The bench guest's baseline: the SMC as the guest made it, a7 aside. */
static void bypass_forward(struct guest *g, struct frame *f)
{
	uint64_t r[8];
	unsigned i;

	for (i = 0; i < 8; i++)
		r[i] = f->x[i];
	r[7] = PLAT_BYPASS_CLIENT_ID(g->cfg->slot);
	smc_call(r);
	this_pcpu()->smcs++;
	for (i = 0; i < 4; i++) /* results in a0..a3; a4..a7 stay the caller's */
		f->x[i] = r[i];
}

static void optee_call(struct vcpu *v, struct frame *f)
{
	struct teemed_regs regs;
	unsigned i;

	if (!guest_call_enter(v->g))
		pcpu_park(); /* the guest is being shut down */
	if (v->g->cfg->role == ROLE_LINUX)
		guest_start_deferred();
	for (i = 0; i < 8; i++)
		regs.a[i] = f->x[i];
	teemed_handle_smc(hyp_tm, v->g->tdom, v->index, &regs);
	for (i = 0; i < 8; i++)
		f->x[i] = regs.a[i];
	guest_call_exit(v->g);
}

static void handle_call(struct vcpu *v, struct frame *f, enum conduit c)
{
	uint32_t fid = (uint32_t)f->x[0];

	if (c == CONDUIT_HVC && SMCCC_OWNER(fid) == SMCCC_OWNER_VENDOR_HYP)
		hypercall(v, f);
	else if (SMCCC_OWNER(fid) == SMCCC_OWNER_STANDARD && vpsci_handle(v, f))
		;
	else if (teemed_is_optee_fid(fid) && c == CONDUIT_HVC &&
		 (v->g->cfg->flags & GUEST_F_BYPASS))
		bypass_forward(v->g, f);
	else if (teemed_is_optee_fid(fid))
		optee_call(v, f);
	else
		f->x[0] = SMCCC_UNKNOWN;
}

static void guest_abort(struct vcpu *v, uint64_t esr)
{
	/* HPFAR_EL2.FIPA holds IPA[47:12] in bits [39:4]. */
	uint64_t ipa = ((read_sysreg(hpfar_el2) >> 4) << 12) | (read_sysreg(far_el2) & 0xFFFu);

	v->g->fault_ipa = ipa;
	hyp_printf("[hyp] guest %s vCPU %u: stage-2 abort at IPA 0x%lx (ESR 0x%lx, ELR 0x%lx): "
		   "guest stopped\n",
		   v->g->cfg->name, v->index, (unsigned long)ipa, (unsigned long)esr,
		   (unsigned long)read_sysreg(elr_el2));
	guest_stop(v, true);
}

void hyp_exception(struct frame *f, uint64_t slot)
{
	struct pcpu *p = this_pcpu();
	struct vcpu *v = p->vcpu;
	uint64_t esr = read_sysreg(esr_el2);

	if (slot == VEC_LOW64_IRQ && v) {
		/* A kick: the guest is being stopped, or a stale one. */
		gic_drain();
		if (v->g->dying)
			pcpu_park();
		return;
	}
	if (slot != VEC_LOW64_SYNC || !v)
		hyp_panic("exception at EL2", slot, esr);
	p->trap_start = counter_read();
	v->traps++;
	switch (ESR_EC(esr)) {
	case EC_SMC64:
		f->elr += 4; /* a trapped SMC returns past itself (pitfall 5) */
		handle_call(v, f, CONDUIT_SMC);
		break;
	case EC_HVC64:
		handle_call(v, f, CONDUIT_HVC);
		break;
	case EC_DABT_LOW:
	case EC_IABT_LOW:
		guest_abort(v, esr);
		break;
	default:
		hyp_printf("[hyp] guest %s vCPU %u: unexpected exception ESR 0x%lx ELR 0x%lx: "
			   "guest stopped\n",
			   v->g->cfg->name, v->index, (unsigned long)esr, (unsigned long)f->elr);
		guest_stop(v, true);
	}
	/* Another vCPU shut the guest down while this one was trapped. */
	if (v->g->dying)
		pcpu_park();
}
