/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * splitmix64: a tiny reproducible generator for the machine's shuffles and
 * for tests. Not for anything that needs to be unpredictable.
 */
#ifndef TEEMED_SIM_MACHINE_RNG_H
#define TEEMED_SIM_MACHINE_RNG_H

#include <stdint.h>

static inline uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (the modulo bias is irrelevant here). */
static inline uint64_t rng_below(uint64_t *state, uint64_t n)
{
	return rng_next(state) % n;
}

#endif /* TEEMED_SIM_MACHINE_RNG_H */
