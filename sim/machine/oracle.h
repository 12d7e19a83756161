/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The OP-TEE model's platform (struct optee_model_env) and the isolation
 * oracle behind it.
 *
 * Every secure-world access to physical memory names the client it serves.
 * Mediated mode (OP-TEE with virtualization, a mediator in front): client c
 * (guest c - 1) may read a frame only if it is
 *   (a) guest c - 1's frame pinned by the mediator (write needs a write pin),
 *   (b) or a mediator page serving guest c - 1.
 * Anything else (another guest's page, the hypervisor's, an unpinned page,
 * secure memory, a PA outside the arena, client 0) is a violation: recorded
 * with full detail, counted, and refused. Direct mode (no mediator, one guest
 * talking to a non-virtualized OP-TEE): any page of that guest is allowed,
 * whatever the client ID.
 *
 * The rest of the env: is_nsec_ram (in the arena and not secure), alloc/free
 * (calloc, counted), one mutex for the model, CLOCK_MONOTONIC time, and the
 * notification interrupt, passed to a handler the machine sets.
 *
 * Thread safety: the verdict and the copy are atomic (under the phys mutex,
 * phys_access); records and counters have their own mutex, taken after the
 * phys mutex is released. Lock order: model lock, then phys mutex or record
 * lock (never both). The notification handler runs with the model lock held.
 */
#ifndef TEEMED_SIM_MACHINE_ORACLE_H
#define TEEMED_SIM_MACHINE_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/machine/phys.h"
#include "sim/optee/model.h"

/* Violations kept in detail; later ones are only counted. */
#define ORACLE_RECORDS_MAX 64
/* Violations printed to stderr as they happen (unless quiet). */
#define ORACLE_PRINTED_MAX 8

struct oracle_config {
	int direct;             /* direct mode: no mediator */
	uint16_t direct_guest;  /* direct mode: the one guest */
	int quiet;              /* do not print violations (tests that expect them) */
	int verbose;            /* print the model's debug text */
};

struct oracle_violation {
	uint16_t client;
	bool write;
	uint64_t pa;        /* the access */
	uint64_t len;
	uint64_t frame_pa;  /* the frame that refused (0 outside the arena) */
	struct phys_frame_info frame;
	const char *why;
};

struct oracle_stats {
	uint64_t reads, writes;     /* accesses asked */
	uint64_t bytes_read, bytes_written;
	uint64_t violations;
	uint64_t allocs_live, bytes_live;
	uint64_t alloc_errors;      /* free with a wrong size or of no allocation */
	uint64_t notif_irqs;
};

struct oracle;

int oracle_create(struct phys *p, const struct oracle_config *cfg, struct oracle **out);
void oracle_destroy(struct oracle *o);
/* Fill `env` with the oracle's functions (ctx = o). */
void oracle_env(struct oracle *o, struct optee_model_env *env);
void oracle_set_notif_handler(struct oracle *o, void (*fn)(void *arg), void *arg);

/*
 * The verdict alone, without copying and without recording: 0 if the access
 * is allowed, else -EACCES (-EINVAL outside the arena).
 */
int oracle_check(struct oracle *o, uint16_t client, uint64_t pa, size_t len, bool write);

/* The same accesses the model makes, for tests. */
int oracle_read(struct oracle *o, uint16_t client, uint64_t pa, void *dst, size_t len);
int oracle_write(struct oracle *o, uint16_t client, uint64_t pa, const void *src, size_t len);

uint64_t oracle_violations(struct oracle *o);
/* Copy up to `max` recorded violations; returns how many were copied. */
size_t oracle_records(struct oracle *o, struct oracle_violation *out, size_t max);
void oracle_print_records(struct oracle *o);
void oracle_stats(struct oracle *o, struct oracle_stats *out);

#endif /* TEEMED_SIM_MACHINE_ORACLE_H */
