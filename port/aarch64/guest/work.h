/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers shared by the guest roles that call TAs. */
#ifndef TEEMED_AARCH64_GUEST_WORK_H
#define TEEMED_AARCH64_GUEST_WORK_H

#include "guest/teec.h"
#include "optee/ta_api.h"
#include "sys.h"

#define FNV1A64_BASIS 0xcbf29ce484222325ull
#define FNV1A64_PRIME 0x100000001b3ull

uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n);
/* Byte `off` of pattern `seed`. */
static inline uint8_t pattern_byte(uint64_t seed, uint64_t off)
{
	uint64_t x = (off + seed) * 0x9E3779B97F4A7C15ull;

	return (uint8_t)(x >> 56);
}
/* Fill a temporary buffer with a pattern; returns its FNV-1a hash. */
uint64_t temp_fill(TEEC_Context *ctx, TEEC_TempMemoryReference *t, size_t size, uint64_t seed);
uint64_t shm_fill(TEEC_SharedMemory *shm, size_t size, uint64_t seed);
uint64_t temp_hash(TEEC_Context *ctx, const TEEC_TempMemoryReference *t, size_t size);
TEEC_Result open_ta(TEEC_Context *ctx, TEEC_Session *s, const TEEC_UUID *uuid);

/* xvcpu.c: one call whose RPCs are resumed alternately on vCPUs 0 and 1. */
void xvcpu_run(struct gdrv *drv, TEEC_Context *ctx, unsigned vcpu);

#endif /* TEEMED_AARCH64_GUEST_WORK_H */
