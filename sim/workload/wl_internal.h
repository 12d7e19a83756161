/* SPDX-License-Identifier: BSD-2-Clause */
/* Internals shared by the workload's files (not for its users). */
#ifndef TEEMED_SIM_WORKLOAD_WL_INTERNAL_H
#define TEEMED_SIM_WORKLOAD_WL_INTERNAL_H

#include <stdatomic.h>

#include "sim/guest/teec.h"
#include "sim/machine/rng.h"
#include "sim/workload/wl.h"
#include "sim/workload/wl_env.h"

/* Storage objects per vCPU: few, so that reads and deletes hit and miss. */
#define WL_STORAGE_OBJECTS 4u
/* Largest storage object written: far below TA_STORAGE_MAX_OBJECT_SIZE,
 * which only bounds one RPC buffer; 64 KiB spans 17 pages of it. */
#define WL_STORAGE_MAX (64u * 1024u)
/* Largest buffer the shmkeep TA is asked to keep (APPL type). */
#define WL_SHMKEEP_MAX (256u * 1024u)
/* GET_TIME RPCs in one RPC_LOOP at most. */
#define WL_RPC_LOOP_MAX 32u
/* Longest SUSPEND asked of the sleep TA: the vCPU holds an OP-TEE thread meanwhile. */
#define WL_SUSPEND_MAX_MS 2u
/* Calls one operation makes at most: bounds the record capacity. */
#define WL_CALLS_PER_OP 8u
/* Records kept per vCPU when running by time rather than by count. */
#define WL_RECORDS_TIMED (64u * 1024u)
/* Arith invokes on one session before it is closed and opened again. */
#define WL_SESSION_CHURN 64u

struct wl_guest;

struct wl_vcpu {
	struct wl_guest *g;
	uint32_t index;
	uint64_t rng;
	int result;

	/* Sessions kept across operations (opened on first use). */
	TEEC_Session arith, buf, storage, shmkeep, sleep;
	bool arith_open, buf_open, storage_open, shmkeep_open, sleep_open;
	uint64_t arith_invokes;   /* on the open arith session, for COUNT */

	/* What the TAs must hold for us. */
	bool kept;                /* shmkeep buffer held */
	uint64_t kept_seed, kept_size;
	bool kept_filled;
	struct {
		bool exists;
		uint64_t seed;
		uint32_t len;
	} obj[WL_STORAGE_OBJECTS];

	/* Host scratch buffers for data and read-backs. */
	uint8_t *want, *got;
	size_t scratch_size;

	/* Results. */
	struct wl_rec *recs;
	size_t nrec, cap;
	uint64_t dropped;
	uint64_t ops[WL_KIND_COUNT];
	uint64_t calls, wrong, local_errors, bytes;
	struct wl_errcount errs;
	struct wl_hist lat[WL_CALL_COUNT];
};

struct wl_guest {
	struct machine *m;
	struct machine_guest *mg;
	uint32_t index;
	struct wl_config cfg;
	bool legacy;
	struct wl_env wenv;
	struct gdrv *drv;
	TEEC_Context ctx;
	bool ctx_open;
	uint32_t nvcpus;
	struct wl_vcpu *vcpus;
	uint32_t weight_total;
	atomic_bool stop;
	atomic_uint_fast64_t progress;
	atomic_uint wrong_printed;
};

/* --- helpers (wl_guest.c) --- */
/* Count a wrong result; print it if among the first of the guest. */
void wl_wrong(struct wl_vcpu *v, enum wl_kind k, const char *what, uint64_t got,
	      uint64_t want);
/* Check `got == want`; false (and counted) if not. */
bool wl_expect(struct wl_vcpu *v, enum wl_kind k, const char *what, uint64_t got,
	       uint64_t want);
void wl_local_error(struct wl_vcpu *v, enum wl_kind k, const char *what, uint32_t code);
void wl_record(struct wl_vcpu *v, enum wl_kind k, enum wl_call c, uint32_t cmd,
	       uint64_t arg, uint32_t ret, uint32_t origin, uint64_t out0, uint64_t out1);
/* Count a call's latency and result. */
void wl_account(struct wl_vcpu *v, enum wl_call c, uint64_t t0, uint32_t ret);
uint64_t wl_rand(struct wl_vcpu *v);
uint64_t wl_below(struct wl_vcpu *v, uint64_t n);
/* Bytes from a seed, the same for the same seed. */
void wl_fill_seeded(uint8_t *p, size_t n, uint64_t seed);
/* Grow the vCPU's scratch buffers to at least n bytes each; false if not. */
bool wl_scratch(struct wl_vcpu *v, size_t n);
/* A size in [lo, hi], log-uniform, so small and large are both frequent. */
size_t wl_pick_size(struct wl_vcpu *v, size_t lo, size_t hi);

/* Open a session on `uuid` (recorded as kind k); true on success. */
bool wl_open(struct wl_vcpu *v, enum wl_kind k, TEEC_Session *s, const TEEC_UUID *uuid);
void wl_close(struct wl_vcpu *v, enum wl_kind k, TEEC_Session *s);
/* Invoke, timed and counted; *origin set. */
TEEC_Result wl_invoke(struct wl_vcpu *v, enum wl_call c, TEEC_Session *s, uint32_t cmd,
		      TEEC_Operation *op, uint32_t *origin);

extern const TEEC_UUID wl_uuid_arith, wl_uuid_buf, wl_uuid_storage, wl_uuid_shmkeep,
	wl_uuid_sleep, wl_uuid_panic, wl_uuid_devenum;

/* --- operations (wl_ops.c, wl_mem.c) --- */
void wl_op_arith(struct wl_vcpu *v);
void wl_op_storage(struct wl_vcpu *v);
void wl_op_shmkeep(struct wl_vcpu *v);
void wl_op_sleep(struct wl_vcpu *v);
void wl_op_devenum(struct wl_vcpu *v);
void wl_op_panic(struct wl_vcpu *v);
void wl_op_buf(struct wl_vcpu *v);
void wl_op_shm_reg(struct wl_vcpu *v);
void wl_op_shm_alloc(struct wl_vcpu *v);

#endif /* TEEMED_SIM_WORKLOAD_WL_INTERNAL_H */
