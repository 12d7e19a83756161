// SPDX-License-Identifier: BSD-2-Clause
/*
 * A headerless size-class heap: every request rounds up to a power of two
 * between 16 bytes and 2 MiB; freed blocks go on their class's list and are
 * reused, never merged (the users allocate a few fixed shapes over and over:
 * call objects, page arrays, files). Blocks of a page or more are page
 * aligned. One spinlock; allocation is O(1) apart from zeroing.
 */
#include "lib.h"

static unsigned size_class(size_t size)
{
	unsigned c = 0;

	while (((size_t)1 << (HEAP_MIN_SHIFT + c)) < size)
		c++;
	return c;
}

void heap_init(struct heap *h, void *base, size_t size)
{
	memset(h, 0, sizeof(*h));
	h->cur = (uintptr_t)base;
	h->end = (uintptr_t)base + size;
}

void *heap_alloc(struct heap *h, size_t size)
{
	unsigned c;
	size_t bsize, align;
	void *p = NULL;

	if (size == 0)
		size = 1;
	if (size > ((size_t)1 << HEAP_MAX_SHIFT)) {
		h->failures++;
		return NULL;
	}
	c = size_class(size);
	bsize = (size_t)1 << (HEAP_MIN_SHIFT + c);
	align = bsize < 4096 ? bsize : 4096;
	spin_lock(&h->lock);
	if (h->free[c]) {
		p = h->free[c];
		h->free[c] = *(void **)p;
	} else {
		uintptr_t a = (h->cur + align - 1) & ~(uintptr_t)(align - 1);

		if (a + bsize <= h->end) {
			p = (void *)a;
			h->cur = a + bsize;
		}
	}
	if (p) {
		h->allocs_live++;
		h->bytes_live += bsize;
		if (h->bytes_live > h->high_water)
			h->high_water = h->bytes_live;
	} else {
		h->failures++;
	}
	spin_unlock(&h->lock);
	if (p)
		memset(p, 0, bsize);
	return p;
}

void heap_free(struct heap *h, void *ptr, size_t size)
{
	unsigned c;

	if (!ptr)
		return;
	if (size == 0)
		size = 1;
	c = size_class(size);
	spin_lock(&h->lock);
	*(void **)ptr = h->free[c];
	h->free[c] = ptr;
	h->allocs_live--;
	h->bytes_live -= (size_t)1 << (HEAP_MIN_SHIFT + c);
	spin_unlock(&h->lock);
}
