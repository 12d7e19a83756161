/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The EL2 hypervisor: static partitioning, one physical CPU per vCPU.
 *
 *   main.c     boot, physical CPUs, the end of a run
 *   stage2.c   per-guest stage-2 tables (4 KiB granule), walks, changes
 *   frames.c   frame table (pin counts) and mediator page pools
 *   port.c     the teemed port on this hardware
 *   trap.c     exceptions from guests: SMC, HVC, aborts; hypercalls
 *   vpsci.c    PSCI for guests
 *   guest.c    building guests, shutting them down, per-guest summaries
 *   scenarios.c  what runs: guests, roles, CPUs
 *
 * Lock order: guest->lock, then guest->s2_lock (frames and stage 2), then
 * the heap or console locks. teemed's own locks (port lock callbacks) are
 * taken by the core and never held across a call into this code that takes
 * guest->lock.
 */
#ifndef TEEMED_AARCH64_HYP_H
#define TEEMED_AARCH64_HYP_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/lib.h"
#include "arch.h"
#include "bootinfo.h"
#include "plat.h"
#include "teemed/teemed.h"

#define HYP_MAX_VCPUS  2u      /* per guest; each needs its own pCPU */
#define HYP_LINE_MAX   200u    /* a guest console line */
#define HYP_STACK_SIZE 0x8000u /* 32 KiB a pCPU: the core's deepest path is a few KiB */
#define GUEST_PAGES    (PLAT_GUEST_RAM_MAX / PLAT_PAGE_SIZE)
#define POOL_PAGES     (PLAT_MED_POOL_SIZE / PLAT_PAGE_SIZE)
/*
 * Stage-2 table pages per guest: l1, two l2 (GiB 0 for the UART, GiB 1), 17
 * l3 for a slot; the Linux guest: 128 l3 for 256 MiB, 2 for the GIC and UART.
 */
#define S2_TABLE_PAGES 140u

/*
 * HCR_EL2 for guests: RW (EL1 is AArch64), TSC (trap SMC: every secure
 * call of a guest reaches us), VM (stage 2 on), SWIO (set/way invalidate
 * made clean+invalidate, as a guest cannot own caches), and AMO/IMO/FMO:
 * physical interrupts (our kicks) are taken to EL2 while a guest runs,
 * whatever its PSTATE, and its GIC system-register accesses go to the
 * (unused) virtual interface instead of the physical one. The Linux guest
 * runs without AMO/IMO/FMO: the GIC CPU interface and its timer interrupts
 * are its own (pass-through on its physical CPU, docs/aarch64.md).
 */
#define HCR_AMO_IMO_FMO ((1ull << 5) | (1ull << 4) | (1ull << 3))
#define HCR_GUEST_BASE	((1ull << 31) | (1ull << 19) | (1ull << 1) | (1ull << 0))
#define HCR_GUEST	(HCR_GUEST_BASE | HCR_AMO_IMO_FMO)

/* --- configuration (scenarios.c) --- */
struct guest_cfg {
	const char *name;
	unsigned slot;	/* plat.h slot: RAM range, pool, client ID */
	unsigned role;	/* enum guest_role */
	unsigned flags; /* GUEST_F_* */
	unsigned nvcpus;
	unsigned pcpu[HYP_MAX_VCPUS]; /* physical CPU of each vCPU */
	uint64_t ram_size;	      /* <= PLAT_GUEST_RAM_MAX (Linux: PLAT_LINUX_RAM_SIZE) */
	bool identity;		      /* IPA == PA (bench: bare forward needs it) */
	bool uart;		      /* map the PL011 page (hostile: MMIO target) */
	bool expect_fault;	      /* the guest must be stopped by a stage-2 fault */
	bool deferred;		      /* powered on at the Linux guest's first OP-TEE call */
	uint32_t iterations;
};

struct scenario {
	const char *name;
	const char *what;
	unsigned nguests;
	struct guest_cfg guests[PLAT_GUEST_SLOTS];
};
extern const struct scenario hyp_scenario;

/* --- run-time state --- */
enum vcpu_state { VCPU_OFF = 0, VCPU_ON_PENDING = 1, VCPU_ON = 2 };

struct guest;

struct vcpu {
	struct guest *g;
	unsigned index;
	unsigned pcpu;
	volatile uint32_t state; /* enum vcpu_state, PSCI's view */
	uint64_t entry, ctx;	 /* next entry (CPU_ON) */
	char line[HYP_LINE_MAX];
	unsigned line_len;
	uint64_t traps;
};

struct s2 {
	uint64_t *l1;
	uint64_t *pages[S2_TABLE_PAGES];
	unsigned used;
	uint16_t vmid;
};

struct frame_pins {
	uint16_t r, w;
};

struct guest {
	const struct guest_cfg *cfg;
	unsigned id; /* index in the scenario */
	uint64_t ram_pa, ram_ipa, ram_size;
	uint16_t client_id;
	struct teemed_domain *tdom;
	bool bypass_created;
	struct vcpu vcpus[HYP_MAX_VCPUS];
	spinlock_t lock; /* dying, in_calls, report */
	volatile bool dying, done;
	volatile uint32_t in_calls; /* vCPUs inside teemed_handle_smc */
	bool reported, faulted;
	uint64_t passed, failed; /* the guest's own verdict (HYP_CALL_REPORT) */
	/* stage 2 and frames, under s2_lock */
	spinlock_t s2_lock;
	struct s2 s2;
	struct frame_pins *frames; /* one per page of RAM (guest.c) */
	uint64_t pins_live;
	/* mediator page pool */
	uint64_t pool_map[POOL_PAGES / 64];
	uint64_t pool_live, pool_peak;
	uint64_t fault_ipa;
};

struct pcpu {
	unsigned id;
	struct vcpu *vcpu;   /* the vCPU this CPU runs, or NULL */
	uint64_t trap_start; /* counter at trap entry (should_yield) */
	unsigned map_depth;
	uint64_t smcs;
};

/* main.c */
extern struct teemed *hyp_tm;
extern uint64_t hyp_freq;
extern struct heap hyp_heap;
extern uint64_t hyp_port_errors;
struct pcpu *this_pcpu(void);
void pcpu_park(void) __attribute__((noreturn));
uint64_t pcpu_stack_top(unsigned cpu);
void hyp_guest_done(struct guest *g);
void hyp_panic(const char *what, uint64_t v1, uint64_t v2) __attribute__((noreturn));
#define hyp_printf console_printf

/* start.S */
void hyp_reenter(uint64_t sp_top) __attribute__((noreturn));
void hyp_eret_guest(uint64_t sp_top, uint64_t entry, uint64_t x0) __attribute__((noreturn));
void smc_call(uint64_t regs[8]);
extern char hyp_secondary_entry[];

/* stage2.c */
enum s2_kind { S2_NONE = 0, S2_RAM_RO, S2_RAM_RW, S2_DEVICE };
int s2_init(struct guest *g);
int s2_map_page(struct guest *g, uint64_t ipa, uint64_t pa, enum s2_kind kind);
enum s2_kind s2_lookup(struct guest *g, uint64_t ipa, uint64_t *pa);
int s2_set(struct guest *g, uint64_t ipa, unsigned mode); /* HYP_CALL_S2_SET */
uint64_t s2_vttbr(const struct guest *g);

/* frames.c */
struct frame_pins *frame_of(struct guest *g, uint64_t pa);
int pool_alloc(struct guest *g, uint64_t *pa);
int pool_free(struct guest *g, uint64_t pa);
bool pa_is_guest_ram(uint64_t pa, struct guest **owner);
bool pa_is_pool(uint64_t pa, struct guest **owner);

/* port.c */
void port_get(struct teemed_port *port);
void port_report(void);

/* trap.c */
void hyp_exception(struct frame *f, uint64_t slot);

/* vpsci.c */
bool vpsci_handle(struct vcpu *v, struct frame *f);

/* guest.c */
extern struct guest hyp_guests[PLAT_GUEST_SLOTS];
extern unsigned hyp_nguests;
int guest_build(struct guest *g, unsigned id, const struct guest_cfg *cfg);
void guest_enter(struct vcpu *v) __attribute__((noreturn));
void guest_stop(struct vcpu *v, bool fault) __attribute__((noreturn));
bool guest_call_enter(struct guest *g);
void guest_start_deferred(void);
void guest_call_exit(struct guest *g);

#endif /* TEEMED_AARCH64_HYP_H */
