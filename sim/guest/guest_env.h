/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the guest driver needs from the machine it runs on: an SMC conduit,
 * its own RAM by IPA, locks, condition variables, time and sleep. The driver
 * is freestanding C like the mediator core, so the same code runs on a
 * simulated vCPU thread here and at EL1 in a bare-metal AArch64 guest.
 *
 * The driver sees only SMC results and its own memory: it knows nothing of
 * the mediator or the OP-TEE model.
 */
#ifndef TEEMED_SIM_GUEST_ENV_H
#define TEEMED_SIM_GUEST_ENV_H

#include <stddef.h>
#include <stdint.h>

struct guest_env {
	void *ctx;

	/* Issue one SMC from the calling vCPU: regs[0..7] = a0..a7 in and out. */
	void (*smc)(void *ctx, uint64_t regs[8]);

	/*
	 * The guest's RAM: [ram_base, ram_base + ram_size) in IPA space, 4 KiB
	 * pages, managed by the driver's own page allocator. map() returns a
	 * pointer to the 4 KiB page holding `ipa` (page aligned), or NULL if the
	 * page is not mapped in the guest's stage 2 at the moment.
	 */
	uint64_t ram_base;
	uint64_t ram_size;
	void *(*map)(void *ctx, uint64_t ipa);

	/* Private (non-shared) memory for driver bookkeeping; zeroed. */
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr, size_t size);

	/* Mutexes and condition variables (sleeping, for the call queue). */
	void *(*lock_create)(void *ctx);
	void (*lock_destroy)(void *ctx, void *lock);
	void (*lock)(void *ctx, void *lock);
	void (*unlock)(void *ctx, void *lock);
	void *(*cond_create)(void *ctx);
	void (*cond_destroy)(void *ctx, void *cond);
	/* Atomically release `lock`, wait for a signal, take `lock` again. */
	void (*cond_wait)(void *ctx, void *cond, void *lock);
	/* Like cond_wait with a timeout; returns non-zero on timeout. */
	int (*cond_timedwait)(void *ctx, void *cond, void *lock, uint64_t timeout_ms);
	void (*cond_broadcast)(void *ctx, void *cond);

	uint64_t (*time_ns)(void *ctx);   /* monotonic */
	void (*sleep_ms)(void *ctx, uint64_t ms);
	/* Optional: debug text. */
	void (*log)(void *ctx, const char *msg);

	/*
	 * Optional interrupt path for OP-TEE's asynchronous-notification
	 * interrupt (irq_register NULL: the machine routes no interrupt to this
	 * guest, and the driver does not enable asynchronous notifications).
	 *
	 * irq_register(irq_ctx, handler, arg) installs `handler`: each time the
	 * interrupt is raised, handler(arg) runs on a context of the guest
	 * that may sleep and issue SMCs (on the simulator a vCPU thread that
	 * takes the interrupt; never the raising thread). Raises that come
	 * while the handler runs are coalesced into one more call, as a level
	 * interrupt would be. irq_register(irq_ctx, NULL, NULL) removes it: on
	 * return the handler is not running and will not be called again. It
	 * must not be called from the handler itself. Returns 0, or non-zero
	 * if the interrupt cannot be had (the driver then goes without).
	 *
	 * It takes irq_ctx, not ctx, so that an env wrapping another one by
	 * copying it and replacing ctx and some functions keeps a working
	 * interrupt path (the interrupt is the machine's, not the wrapper's).
	 */
	void *irq_ctx;
	int (*irq_register)(void *irq_ctx, void (*handler)(void *arg), void *arg);
};

#endif /* TEEMED_SIM_GUEST_ENV_H */
