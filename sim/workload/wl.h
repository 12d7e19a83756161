/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Workloads: well-behaved guests that exercise every TA of the OP-TEE model
 * through the client API (sim/guest/teec.h), checking every result against
 * what it must be, and recording each call so that the same workload run
 * without the mediator (MACHINE_DIRECT) and with it (MACHINE_MEDIATED) can
 * be compared record by record: the mediator must be invisible.
 *
 * One struct wl_guest drives one machine guest: one guest driver and one
 * client context shared by all its vCPUs, each vCPU running its own stream
 * of operations from its own PRNG (seed, guest index, vCPU index), so a
 * vCPU's sequence of operations and results does not depend on timing.
 * Everything a vCPU touches that could depend on another vCPU (sessions,
 * storage object IDs, notification keys) is its own.
 *
 * Thread safety: wl_guest_start() runs the vCPUs; counters are per vCPU and
 * only summed after wl_guest_join(). Everything else is called from the
 * controlling thread.
 */
#ifndef TEEMED_SIM_WORKLOAD_WL_H
#define TEEMED_SIM_WORKLOAD_WL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/machine/machine.h"
#include "sim/workload/wl_stats.h"

/* Kinds of operation, each a short sequence of calls on one TA. */
enum wl_kind {
	WL_ARITH = 0,  /* value params: ADD, MUL, INC4, COUNT */
	WL_BUF,        /* temporary memrefs (TMEM|NONCONTIG) of many sizes */
	WL_SHM_REG,    /* caller memory registered, used as RMEM, released */
	WL_SHM_ALLOC,  /* allocated shared memory, up to the large size */
	WL_STORAGE,    /* objects kept by the supplicant (FS RPCs) */
	WL_SHMKEEP,    /* RPC SHM_ALLOC kept by a session across invokes */
	WL_SLEEP,      /* RPC-heavy: RPC_LOOP, GET_TIME, SUSPEND, notifications */
	WL_DEVENUM,    /* the device-enumeration PTA, null memref included */
	WL_PANIC,      /* a TA that panics: TARGET_DEAD */
	WL_KIND_COUNT,
};

const char *wl_kind_name(enum wl_kind k);
/* -1 if unknown. */
int wl_kind_parse(const char *name);

struct wl_config {
	uint64_t seed;
	uint32_t iterations;   /* operations per vCPU; 0: run until wl_stop() */
	uint32_t weights[WL_KIND_COUNT]; /* relative frequency; 0 disables */
	/*
	 * Largest temporary buffer: several MiB, so that page lists span many
	 * list pages (511 entries each) and, past work_budget_pages, the
	 * mediator preempts the translation.
	 */
	size_t temp_max;
	/* Largest allocated shared memory, used by vCPU 0 only (RAM bound). */
	size_t large_max;
	/* Keep the result records (for the differential check). */
	bool keep_records;
	/* Print each wrong result (the first WL_WRONG_PRINTED per guest). */
	bool verbose;
};

/* Printed wrong results per guest; later ones are only counted. */
#define WL_WRONG_PRINTED 8

void wl_config_default(struct wl_config *cfg);
/* Parse "arith=4,buf=3,...": kinds not named get weight 0. 0 or -1. */
int wl_parse_mix(struct wl_config *cfg, const char *mix);
/* Guest RAM a guest of `vcpus` vCPUs needs for this configuration. */
uint64_t wl_guest_ram(const struct wl_config *cfg, uint32_t vcpus);

/*
 * One call's outcome, compact and free of anything that may legitimately
 * differ between runs (addresses, session IDs, cookies, times).
 */
struct wl_rec {
	uint8_t kind;    /* enum wl_kind */
	uint8_t call;    /* enum wl_call */
	uint16_t vcpu;
	uint32_t cmd;
	uint64_t arg;    /* a size, value or seed that chose the call */
	uint32_t ret;
	uint32_t origin;
	uint64_t out[2]; /* output values, sizes or checksums */
};

struct wl_guest;

/*
 * Set up the workload of guest `index` (its place in the run, not the
 * machine's ID) on `g`: a driver, probed, and a client context. In direct
 * mode the guest addresses its RAM by physical address (see wl_env.h).
 * `legacy` makes the driver an older Linux (no GET_THREAD_COUNT: calls over
 * the thread count meet ETHREAD_LIMIT). Returns 0 or a negative error.
 */
int wl_guest_create(struct machine *m, struct machine_guest *g, uint32_t index,
		    const struct wl_config *cfg, bool legacy, struct wl_guest **out);
/* Run the workload on every vCPU of the guest (threads). */
int wl_guest_start(struct wl_guest *wg);
/* Ask vCPUs running without an iteration count to stop. */
void wl_guest_stop(struct wl_guest *wg);
/* Wait for every vCPU. 0 if every result was right. */
int wl_guest_join(struct wl_guest *wg);
/*
 * Close sessions and remove the driver: before the machine is torn down.
 * Records and the summary stay readable until wl_guest_free().
 */
void wl_guest_shutdown(struct wl_guest *wg);
void wl_guest_free(struct wl_guest *wg);

/* Operations done so far, all vCPUs (for progress lines; racy but atomic). */
uint64_t wl_guest_progress(const struct wl_guest *wg);

struct wl_guest_summary {
	uint32_t index;
	uint16_t client_id;
	uint32_t vcpus;
	bool legacy;
	uint64_t ops[WL_KIND_COUNT];
	uint64_t calls;
	uint64_t wrong;         /* results that were not what they must be */
	uint64_t local_errors;  /* guest-side failures (allocation): not the TEE's */
	uint64_t bytes;         /* memref bytes handed to the TAs */
	struct wl_errcount errs; /* non-success results by code, expected ones included */
	struct wl_hist lat[WL_CALL_COUNT];
};

void wl_guest_summary(struct wl_guest *wg, struct wl_guest_summary *out);
struct gdrv *wl_guest_driver(struct wl_guest *wg);

/*
 * Records of vCPU `vcpu`, in the order it made the calls. *dropped counts
 * records lost to the capacity bound.
 */
const struct wl_rec *wl_guest_records(const struct wl_guest *wg, uint32_t vcpu,
				      size_t *n, uint64_t *dropped);

/*
 * Compare two runs of the same workload record by record, vCPU by vCPU.
 * Prints up to `max_print` differences to `out`; returns how many there
 * were (a missing or extra record counts as one).
 */
uint64_t wl_diff(const struct wl_guest *a, const char *a_name,
		 const struct wl_guest *b, const char *b_name, FILE *out,
		 unsigned max_print);
void wl_rec_print(const struct wl_rec *r, FILE *out);

#endif /* TEEMED_SIM_WORKLOAD_WL_H */
