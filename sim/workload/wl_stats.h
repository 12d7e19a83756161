/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Workload statistics: latency histograms with percentiles, counts of
 * results by code, the call types they are kept for, and the FNV-1a hash
 * the buffer TA computes (TA_BUF_CMD_CHECKSUM).
 */
#ifndef TEEMED_SIM_WORKLOAD_WL_STATS_H
#define TEEMED_SIM_WORKLOAD_WL_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Call types latencies are kept for. */
enum wl_call {
	WL_CALL_OPEN = 0,
	WL_CALL_CLOSE,
	WL_CALL_REGISTER,   /* TEEC_Register/AllocateSharedMemory */
	WL_CALL_RELEASE,    /* TEEC_ReleaseSharedMemory */
	WL_CALL_ARITH,      /* invokes, by TA */
	WL_CALL_BUF,
	WL_CALL_STORAGE,
	WL_CALL_SHMKEEP,
	WL_CALL_SLEEP,
	WL_CALL_DEVENUM,
	WL_CALL_PANIC,
	WL_CALL_COUNT,
};

const char *wl_call_name(enum wl_call c);

/*
 * Log-linear histogram of nanoseconds: 8 sub-buckets per power of two, so a
 * percentile is within 1/8 (12.5 %) of the true value, for any value up to
 * 2^64 ns, in a fixed 4 KiB.
 */
#define WL_HIST_SUB     8u
#define WL_HIST_BUCKETS (WL_HIST_SUB + 61u * WL_HIST_SUB)

struct wl_hist {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t max_ns;
	uint64_t b[WL_HIST_BUCKETS];
};

void wl_hist_add(struct wl_hist *h, uint64_t ns);
void wl_hist_merge(struct wl_hist *dst, const struct wl_hist *src);
/* Value at quantile q (0..1): the middle of its bucket. 0 if empty. */
uint64_t wl_hist_quantile(const struct wl_hist *h, double q);

/* Non-success results by code: a small table, the rest counted as other. */
#define WL_ERR_CODES 16u

struct wl_errcount {
	struct {
		uint32_t code;
		uint64_t count;
	} e[WL_ERR_CODES];
	uint64_t other;
};

void wl_err_add(struct wl_errcount *c, uint32_t code, uint64_t n);
void wl_err_merge(struct wl_errcount *dst, const struct wl_errcount *src);
/* Name of a TEEC result ("BAD_PARAMETERS"), or NULL. */
const char *wl_ret_name(uint32_t ret);
/* Name of an OPTEE_SMC_RETURN code in a0 ("EBADADDR"), or NULL. */
const char *wl_smc_ret_name(uint32_t a0);

/* FNV-1a 64, as TA_BUF_CMD_CHECKSUM computes it. */
#define WL_FNV_BASIS UINT64_C(0xcbf29ce484222325)
#define WL_FNV_PRIME UINT64_C(0x100000001b3)
uint64_t wl_fnv1a(uint64_t h, const void *data, size_t len);

/* Monotonic nanoseconds. */
uint64_t wl_now_ns(void);

#endif /* TEEMED_SIM_WORKLOAD_WL_STATS_H */
