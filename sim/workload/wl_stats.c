/* SPDX-License-Identifier: BSD-2-Clause */
/* Workload statistics (see wl_stats.h). */
#include "sim/workload/wl_stats.h"

#include <string.h>
#include <time.h>

#include "teemed/optee_msg.h"
#include "teemed/optee_smc.h"

static const char *const call_names[WL_CALL_COUNT] = {
	[WL_CALL_OPEN] = "open_session",
	[WL_CALL_CLOSE] = "close_session",
	[WL_CALL_REGISTER] = "register_shm",
	[WL_CALL_RELEASE] = "release_shm",
	[WL_CALL_ARITH] = "invoke_arith",
	[WL_CALL_BUF] = "invoke_buf",
	[WL_CALL_STORAGE] = "invoke_storage",
	[WL_CALL_SHMKEEP] = "invoke_shmkeep",
	[WL_CALL_SLEEP] = "invoke_sleep",
	[WL_CALL_DEVENUM] = "invoke_devenum",
	[WL_CALL_PANIC] = "invoke_panic",
};

const char *wl_call_name(enum wl_call c)
{
	return (unsigned)c < WL_CALL_COUNT ? call_names[c] : "?";
}

static unsigned hist_index(uint64_t ns)
{
	unsigned e;

	if (ns < WL_HIST_SUB)
		return (unsigned)ns;
	e = 63u - (unsigned)__builtin_clzll(ns); /* >= 3 */
	return WL_HIST_SUB + (e - 3u) * WL_HIST_SUB +
	       (unsigned)((ns >> (e - 3u)) - WL_HIST_SUB);
}

static uint64_t hist_mid(unsigned idx)
{
	unsigned e, sub;
	uint64_t lo, width;

	if (idx < WL_HIST_SUB)
		return idx;
	e = (idx - WL_HIST_SUB) / WL_HIST_SUB + 3u;
	sub = (idx - WL_HIST_SUB) % WL_HIST_SUB;
	lo = (uint64_t)(WL_HIST_SUB + sub) << (e - 3u);
	width = UINT64_C(1) << (e - 3u);
	return lo + width / 2;
}

void wl_hist_add(struct wl_hist *h, uint64_t ns)
{
	h->count++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	h->b[hist_index(ns)]++;
}

void wl_hist_merge(struct wl_hist *dst, const struct wl_hist *src)
{
	unsigned i;

	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	for (i = 0; i < WL_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
}

uint64_t wl_hist_quantile(const struct wl_hist *h, double q)
{
	uint64_t rank, seen = 0;
	unsigned i;

	if (!h->count)
		return 0;
	rank = (uint64_t)(q * (double)h->count);
	if (rank >= h->count)
		rank = h->count - 1;
	for (i = 0; i < WL_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen > rank) {
			uint64_t mid = hist_mid(i);

			return mid > h->max_ns ? h->max_ns : mid;
		}
	}
	return h->max_ns;
}

void wl_err_add(struct wl_errcount *c, uint32_t code, uint64_t n)
{
	unsigned i;

	for (i = 0; i < WL_ERR_CODES; i++) {
		if (c->e[i].count == 0)
			c->e[i].code = code;
		if (c->e[i].code == code) {
			c->e[i].count += n;
			return;
		}
	}
	c->other += n;
}

void wl_err_merge(struct wl_errcount *dst, const struct wl_errcount *src)
{
	unsigned i;

	for (i = 0; i < WL_ERR_CODES && src->e[i].count; i++)
		wl_err_add(dst, src->e[i].code, src->e[i].count);
	dst->other += src->other;
}

const char *wl_ret_name(uint32_t ret)
{
	switch (ret) {
	case TEEC_SUCCESS: return "SUCCESS";
	case TEEC_ERROR_GENERIC: return "GENERIC";
	case TEEC_ERROR_ACCESS_DENIED: return "ACCESS_DENIED";
	case TEEC_ERROR_CANCEL: return "CANCEL";
	case TEEC_ERROR_ACCESS_CONFLICT: return "ACCESS_CONFLICT";
	case TEEC_ERROR_EXCESS_DATA: return "EXCESS_DATA";
	case TEEC_ERROR_BAD_FORMAT: return "BAD_FORMAT";
	case TEEC_ERROR_BAD_PARAMETERS: return "BAD_PARAMETERS";
	case TEEC_ERROR_BAD_STATE: return "BAD_STATE";
	case TEEC_ERROR_ITEM_NOT_FOUND: return "ITEM_NOT_FOUND";
	case TEEC_ERROR_NOT_IMPLEMENTED: return "NOT_IMPLEMENTED";
	case TEEC_ERROR_NOT_SUPPORTED: return "NOT_SUPPORTED";
	case TEEC_ERROR_NO_DATA: return "NO_DATA";
	case TEEC_ERROR_OUT_OF_MEMORY: return "OUT_OF_MEMORY";
	case TEEC_ERROR_BUSY: return "BUSY";
	case TEEC_ERROR_COMMUNICATION: return "COMMUNICATION";
	case TEEC_ERROR_SECURITY: return "SECURITY";
	case TEEC_ERROR_SHORT_BUFFER: return "SHORT_BUFFER";
	case TEEC_ERROR_EXTERNAL_CANCEL: return "EXTERNAL_CANCEL";
	case TEE_ERROR_TIMEOUT: return "TIMEOUT";
	case TEE_ERROR_OVERFLOW: return "OVERFLOW";
	case TEEC_ERROR_TARGET_DEAD: return "TARGET_DEAD";
	case TEEC_ERROR_STORAGE_NO_SPACE: return "STORAGE_NO_SPACE";
	case TEE_ERROR_CORRUPT_OBJECT: return "CORRUPT_OBJECT";
	case TEEC_ERROR_STORAGE_NOT_AVAILABLE: return "STORAGE_NOT_AVAILABLE";
	default: return NULL;
	}
}

const char *wl_smc_ret_name(uint32_t a0)
{
	switch (a0) {
	case OPTEE_SMC_RETURN_OK: return "OK";
	case OPTEE_SMC_RETURN_ETHREAD_LIMIT: return "ETHREAD_LIMIT";
	case OPTEE_SMC_RETURN_EBUSY: return "EBUSY";
	case OPTEE_SMC_RETURN_ERESUME: return "ERESUME";
	case OPTEE_SMC_RETURN_EBADADDR: return "EBADADDR";
	case OPTEE_SMC_RETURN_EBADCMD: return "EBADCMD";
	case OPTEE_SMC_RETURN_ENOMEM: return "ENOMEM";
	case OPTEE_SMC_RETURN_ENOTAVAIL: return "ENOTAVAIL";
	case OPTEE_SMC_RETURN_UNKNOWN_FUNCTION: return "UNKNOWN_FUNCTION";
	case OPTEE_SMC_RETURN_RPC_ALLOC: return "RPC_ALLOC";
	case OPTEE_SMC_RETURN_RPC_FREE: return "RPC_FREE";
	case OPTEE_SMC_RETURN_RPC_FOREIGN_INTR: return "RPC_FOREIGN_INTR";
	case OPTEE_SMC_RETURN_RPC_CMD: return "RPC_CMD";
	default: return NULL;
	}
}

uint64_t wl_fnv1a(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * WL_FNV_PRIME;
	return h;
}

uint64_t wl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
