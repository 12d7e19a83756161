/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Freestanding helpers for the guest side: the compiler's builtins for the
 * memory functions (they may become calls to memcpy/memset/memcmp, which
 * every target provides) and small string helpers.
 */
#ifndef TEEMED_SIM_GUEST_GUTIL_H
#define TEEMED_SIM_GUEST_GUTIL_H

#include <stddef.h>
#include <stdint.h>

#define gmemcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define gmemset(d, c, n) __builtin_memset((d), (c), (n))
#define gmemcmp(a, b, n) __builtin_memcmp((a), (b), (n))

/* Length of `s`, at most `max`. */
static inline size_t gstrnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* Write "<msg> 0x<value>" into buf (size >= 2); always terminated. */
static inline void gfmt_hex(char *buf, size_t size, const char *msg, uint64_t value)
{
	static const char digits[] = "0123456789abcdef";
	size_t n = 0;
	int shift;
	int started = 0;

	while (*msg && n + 1 < size)
		buf[n++] = *msg++;
	if (n + 3 < size) {
		buf[n++] = ' ';
		buf[n++] = '0';
		buf[n++] = 'x';
	}
	for (shift = 60; shift >= 0 && n + 1 < size; shift -= 4) {
		unsigned int d = (unsigned int)(value >> shift) & 0xFu;

		if (d || started || shift == 0) {
			buf[n++] = digits[d];
			started = 1;
		}
	}
	buf[n] = '\0';
}

#endif /* TEEMED_SIM_GUEST_GUTIL_H */
