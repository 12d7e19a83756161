/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Address types. A guest's intermediate physical address (IPA) and a real
 * physical address (PA) are distinct one-field structs so that the compiler
 * refuses to mix them; they are built and opened only through the helpers
 * below.
 */
#ifndef TEEMED_TYPES_H
#define TEEMED_TYPES_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
	uint64_t ipa;
} teemed_ipa_t;

typedef struct {
	uint64_t pa;
} teemed_pa_t;

/* The ABI's page size for page lists and argument buffers (ABI 4.5). */
#define TEEMED_PAGE_SIZE  4096u
#define TEEMED_PAGE_SHIFT 12u
#define TEEMED_PAGE_MASK  ((uint64_t)TEEMED_PAGE_SIZE - 1u)

static inline teemed_ipa_t teemed_ipa(uint64_t v)
{
	teemed_ipa_t r = { v };
	return r;
}

static inline uint64_t teemed_ipa_val(teemed_ipa_t a)
{
	return a.ipa;
}

static inline teemed_pa_t teemed_pa(uint64_t v)
{
	teemed_pa_t r = { v };
	return r;
}

static inline uint64_t teemed_pa_val(teemed_pa_t a)
{
	return a.pa;
}

static inline teemed_ipa_t teemed_ipa_add(teemed_ipa_t a, uint64_t off)
{
	return teemed_ipa(a.ipa + off);
}

static inline teemed_pa_t teemed_pa_add(teemed_pa_t a, uint64_t off)
{
	return teemed_pa(a.pa + off);
}

static inline bool teemed_ipa_page_aligned(teemed_ipa_t a)
{
	return (a.ipa & TEEMED_PAGE_MASK) == 0;
}

/* Eight SMC argument/result registers a0..a7 (SMCCC, ABI 1.1). */
struct teemed_regs {
	uint64_t a[8];
};

#endif /* TEEMED_TYPES_H */
