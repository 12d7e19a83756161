/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The small C library every image links: string functions (the core, the
 * model and the driver call memcpy/memset/memmove/memcmp), bounded text
 * formatting, a headerless size-class heap, spinlocks.
 */
#ifndef TEEMED_AARCH64_LIB_H
#define TEEMED_AARCH64_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/*
 * printf subset: %d %i %u %x %X %p %s %c %%, flags '0' and '-', a width,
 * length modifiers l, ll, z. Always NUL-terminates; returns the length
 * written (truncated output is cut, never overflowed).
 */
int vformat(char *buf, size_t size, const char *fmt, va_list ap);
int format(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* --- Spinlocks (ldaxr/stxr; need the MMU on: exclusives on Normal memory) --- */
typedef struct {
	volatile uint32_t v;
} spinlock_t;
/* clang-format off */
#define SPINLOCK_INIT { 0 }
/* clang-format on */

static inline void spin_lock(spinlock_t *l)
{
	uint32_t tmp;

	__asm__ volatile("	sevl\n"
			 "1:	wfe\n"
			 "2:	ldaxr	%w0, [%1]\n"
			 "	cbnz	%w0, 1b\n"
			 "	stxr	%w0, %w2, [%1]\n"
			 "	cbnz	%w0, 2b\n"
			 : "=&r"(tmp)
			 : "r"(&l->v), "r"(1u)
			 : "memory");
}

static inline int spin_trylock(spinlock_t *l)
{
	uint32_t tmp, fail;

	__asm__ volatile("	ldaxr	%w0, [%2]\n"
			 "	mov	%w1, #1\n"
			 "	cbnz	%w0, 1f\n"
			 "	stxr	%w1, %w3, [%2]\n"
			 "1:\n"
			 : "=&r"(tmp), "=&r"(fail)
			 : "r"(&l->v), "r"(1u)
			 : "memory");
	return fail == 0;
}

/* The release store clears waiters' exclusive monitors: that wakes their WFE. */
static inline void spin_unlock(spinlock_t *l)
{
	__asm__ volatile("stlr wzr, [%0]" : : "r"(&l->v) : "memory");
}

/* Atomic add on a 64-bit counter; returns the new value. */
static inline uint64_t atomic_add64(volatile uint64_t *p, uint64_t v)
{
	uint64_t old, tmp;
	uint32_t fail;

	__asm__ volatile("1:	ldaxr	%0, [%3]\n"
			 "	add	%1, %0, %4\n"
			 "	stlxr	%w2, %1, [%3]\n"
			 "	cbnz	%w2, 1b\n"
			 : "=&r"(old), "=&r"(tmp), "=&r"(fail)
			 : "r"(p), "r"(v)
			 : "memory");
	return old + v;
}

/* --- Heap: size classes, no headers (every caller passes the size to free) --- */
#define HEAP_MIN_SHIFT 4u  /* 16-byte blocks, the alignment malloc gives */
#define HEAP_MAX_SHIFT 21u /* 2 MiB: the largest block (a 1 MiB storage file + slack) */
#define HEAP_CLASSES   (HEAP_MAX_SHIFT - HEAP_MIN_SHIFT + 1u)

struct heap {
	spinlock_t lock;
	uintptr_t cur, end;	  /* bump region for new blocks */
	void *free[HEAP_CLASSES]; /* one free list per class */
	uint64_t allocs_live, bytes_live, failures, high_water;
};

void heap_init(struct heap *h, void *base, size_t size);
void *heap_alloc(struct heap *h, size_t size); /* zeroed; NULL if too big or full */
void heap_free(struct heap *h, void *ptr, size_t size);

#endif /* TEEMED_AARCH64_LIB_H */
