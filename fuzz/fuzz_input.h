/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A byte reader for the fuzz harnesses: every read succeeds (zeros once the
 * input is used up), so any input decodes to some action sequence, and the
 * same input always decodes the same way.
 */
#ifndef TEEMED_FUZZ_INPUT_H
#define TEEMED_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct fin {
	const uint8_t *p;
	size_t n;
};

static inline int fin_left(const struct fin *f)
{
	return f->n != 0;
}

static inline uint8_t fin_u8(struct fin *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

static inline uint16_t fin_u16(struct fin *f)
{
	uint16_t v = fin_u8(f);

	return (uint16_t)(v | (uint16_t)fin_u8(f) << 8);
}

static inline uint32_t fin_u32(struct fin *f)
{
	uint32_t v = fin_u16(f);

	return v | (uint32_t)fin_u16(f) << 16;
}

static inline uint64_t fin_u64(struct fin *f)
{
	uint64_t v = fin_u32(f);

	return v | (uint64_t)fin_u32(f) << 32;
}

/* A value in [0, n), n > 0, from as few bytes as it needs. */
static inline uint32_t fin_below(struct fin *f, uint32_t n)
{
	if (n <= 256)
		return fin_u8(f) % n;
	if (n <= 65536)
		return fin_u16(f) % n;
	return fin_u32(f) % n;
}

/* A 64-bit value biased towards the interesting ones. */
static inline uint64_t fin_val(struct fin *f)
{
	switch (fin_u8(f) % 8) {
	case 0:
		return 0;
	case 1:
		return fin_u8(f);
	case 2:
		return fin_u16(f);
	case 3:
		return fin_u32(f);
	case 4:
		return UINT64_MAX - fin_u8(f);
	case 5:
		return (uint64_t)fin_u8(f) << 12;
	case 6:
		return (uint64_t)1 << (fin_u8(f) % 64);
	default:
		return fin_u64(f);
	}
}

#endif /* TEEMED_FUZZ_INPUT_H */
