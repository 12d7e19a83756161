/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The port: everything the mediator core needs from its host hypervisor.
 *
 * The core is freestanding; it reaches the host only through this table of
 * function pointers, given once to teemed_init() and kept for the life of the
 * mediator. Every pointer is mandatory unless marked optional. `ctx` is passed
 * back unchanged as the first argument of every call.
 *
 * Threading: the core calls these functions from whichever physical CPU is
 * handling a trap. It never holds one of its locks across smc(), and never
 * calls smc() re-entrantly from inside another port callback.
 */
#ifndef TEEMED_PORT_H
#define TEEMED_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "teemed/types.h"

/* Access asked of a guest page pin. */
#define TEEMED_PIN_READ  1u
#define TEEMED_PIN_WRITE 2u /* implies read */

enum teemed_log_level {
	TEEMED_LOG_ERROR = 0, /* the mediator or the secure world is broken */
	TEEMED_LOG_WARN = 1,  /* unexpected secure-world answers, resource limits */
	TEEMED_LOG_INFO = 2,  /* probe results, domain life cycle */
	TEEMED_LOG_DEBUG = 3, /* guest misbehaviour (never above DEBUG) */
};

struct teemed_port {
	void *ctx;

	/*
	 * Issue one SMC to the secure world: in->a[0..7] in x0..x7, results
	 * x0..x7 in out->a[0..7]. `in` and `out` may alias. May take long (a
	 * standard call runs until OP-TEE completes it or exits with an RPC).
	 */
	void (*smc)(void *ctx, const struct teemed_regs *in, struct teemed_regs *out);

	/*
	 * Pin the 4 KiB guest page at `ipa` (page aligned) of the domain whose
	 * host handle is `host_dom` (the pointer given to teemed_domain_create)
	 * so that it stays this guest's page at the same PA until unpinned.
	 * `access` is TEEMED_PIN_READ or TEEMED_PIN_WRITE. Must fail (return
	 * non-zero) unless the page is guest RAM, and RAM the guest may write
	 * when TEEMED_PIN_WRITE is asked. On success stores the PA.
	 * The PA is the pin's handle: the host must be able to find the pin from
	 * (host_dom, pa, access) alone, as a frame table does. Pins nest.
	 */
	int (*pin)(void *ctx, void *host_dom, teemed_ipa_t ipa, unsigned access,
		   teemed_pa_t *pa);
	/* Drop one pin taken by pin() with the same host_dom, pa and access. */
	void (*unpin)(void *ctx, void *host_dom, teemed_pa_t pa, unsigned access);

	/*
	 * Make the 4 KiB page at `pa` (a pinned guest page or a page from
	 * alloc_page) accessible to the mediator; returns its address or NULL.
	 * Mappings are short-lived and never nested more than four deep.
	 */
	void *(*map)(void *ctx, teemed_pa_t pa);
	void (*unmap)(void *ctx, void *va);

	/* Mediator private memory (never shown to the secure world). */
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr, size_t size);

	/*
	 * A 4 KiB-aligned, 4 KiB page of mediator memory that the secure world
	 * may be given, held on behalf of `host_dom`'s calls (so the host can
	 * tell which guest a secure-world access serves). Returns its mapped
	 * address and stores its PA, or returns NULL. Content is undefined.
	 */
	void *(*alloc_page)(void *ctx, void *host_dom, teemed_pa_t *pa);
	void (*free_page)(void *ctx, void *host_dom, void *va, teemed_pa_t pa);

	/* Locks: non-recursive mutual exclusion (a spinlock on a hypervisor). */
	void *(*lock_create)(void *ctx);
	void (*lock_destroy)(void *ctx, void *lock);
	void (*lock)(void *ctx, void *lock);
	void (*unlock)(void *ctx, void *lock);

	/*
	 * Optional. True when the current trap has run long enough and the
	 * mediator should return to the guest at the next preemption point.
	 * The mediator also preempts after its own page budget.
	 */
	int (*should_yield)(void *ctx);

	/*
	 * Optional. Log a constant message with up to two numbers. `client_id`
	 * is the guest concerned (0 = none). The host rate-limits: a guest can
	 * cause DEBUG messages at will.
	 */
	void (*log)(void *ctx, enum teemed_log_level level, uint16_t client_id,
		    const char *msg, uint64_t v1, uint64_t v2);

	/*
	 * Optional. Raise the guest-visible OP-TEE notification interrupt in the
	 * domain `host_dom` (asynchronous notifications).
	 */
	void (*notify)(void *ctx, void *host_dom);
};

#endif /* TEEMED_PORT_H */
