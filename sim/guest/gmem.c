/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Guest RAM: the driver's page allocator over [ram_base, ram_base+ram_size)
 * and byte copies by IPA. Every access maps one 4 KiB page at a time through
 * env->map(), because guest pages need not be adjacent in host memory and
 * the machine may unmap a page at any moment.
 */
#include "guest/drv_internal.h"

#define BITS_PER_WORD 64u

static bool page_used(const struct gdrv_pages *p, size_t i)
{
	return (p->bitmap[i / BITS_PER_WORD] >> (i % BITS_PER_WORD)) & 1u;
}

static void page_set(struct gdrv_pages *p, size_t i, bool used)
{
	uint64_t bit = UINT64_C(1) << (i % BITS_PER_WORD);

	if (used)
		p->bitmap[i / BITS_PER_WORD] |= bit;
	else
		p->bitmap[i / BITS_PER_WORD] &= ~bit;
}

static size_t bitmap_bytes(size_t npages)
{
	return (npages + BITS_PER_WORD - 1) / BITS_PER_WORD * sizeof(uint64_t);
}

int gpages_init(struct gdrv *drv)
{
	const struct guest_env *env = drv->env;
	struct gdrv_pages *p = &drv->pages;
	uint64_t start = (env->ram_base + GDRV_PAGE_MASK) & ~GDRV_PAGE_MASK;
	uint64_t end = (env->ram_base + env->ram_size) & ~GDRV_PAGE_MASK;

	if (end <= start)
		return GDRV_EINVAL;
	p->base = start;
	p->npages = (size_t)((end - start) / GDRV_PAGE_SIZE);
	p->nfree = p->npages;
	p->bitmap = gdrv_zalloc(drv, bitmap_bytes(p->npages));
	p->lock = env->lock_create(env->ctx);
	if (!p->bitmap || !p->lock) {
		gpages_fini(drv);
		return GDRV_ENOMEM;
	}
	/*
	 * IPA 0 stands for "no buffer" in the ABI (null memref, failed ALLOC),
	 * so a guest whose RAM starts at 0 never hands that page out.
	 */
	if (p->base == 0) {
		page_set(p, 0, true);
		p->nfree--;
	}
	return GDRV_OK;
}

void gpages_fini(struct gdrv *drv)
{
	struct gdrv_pages *p = &drv->pages;

	gdrv_free(drv, p->bitmap, bitmap_bytes(p->npages));
	p->bitmap = NULL;
	if (p->lock)
		drv->env->lock_destroy(drv->env->ctx, p->lock);
	p->lock = NULL;
}

/* First run of n free pages from the hint on, wrapping once. */
static bool find_contig(const struct gdrv_pages *p, size_t n, size_t *first)
{
	size_t tries, i, run = 0;

	if (n > p->npages)
		return false;
	for (tries = 0; tries < p->npages + n; tries++) {
		i = (p->hint + tries) % p->npages;
		if (i == 0)
			run = 0; /* a run cannot wrap around the end of RAM */
		if (page_used(p, i)) {
			run = 0;
			continue;
		}
		if (++run == n) {
			*first = i + 1 - n;
			return true;
		}
	}
	return false;
}

/* Free pages of which no two are adjacent (or any free pages). */
static bool find_spread(const struct gdrv_pages *p, size_t n, bool scatter,
			uint64_t *idx)
{
	size_t i, got = 0;

	for (i = 0; i < p->npages && got < n; i++) {
		if (page_used(p, i))
			continue;
		if (scatter && got > 0 && idx[got - 1] + 1 == i)
			continue;
		idx[got++] = i;
	}
	return got == n;
}

int gdrv_pages_alloc(struct gdrv *drv, size_t n, unsigned int policy,
		     uint64_t *ipas)
{
	struct gdrv_pages *p = &drv->pages;
	size_t i, first = 0;
	bool ok;

	if (n == 0 || !ipas || policy > GDRV_PAGES_SCATTER)
		return GDRV_EINVAL;
	drv->env->lock(drv->env->ctx, p->lock);
	ok = n <= p->nfree;
	if (ok && policy != GDRV_PAGES_SCATTER && find_contig(p, n, &first)) {
		for (i = 0; i < n; i++)
			ipas[i] = first + i; /* indices for now */
		p->hint = (first + n) % p->npages;
	} else if (ok && policy != GDRV_PAGES_CONTIG) {
		/* Page indices first; turned into IPAs below. */
		ok = find_spread(p, n, policy == GDRV_PAGES_SCATTER, ipas);
	} else {
		ok = false;
	}
	if (ok) {
		for (i = 0; i < n; i++) {
			page_set(p, (size_t)ipas[i], true);
			ipas[i] = p->base + ipas[i] * GDRV_PAGE_SIZE;
		}
		p->nfree -= n;
	}
	drv->env->unlock(drv->env->ctx, p->lock);
	if (!ok)
		return GDRV_ENOMEM;
	for (i = 0; i < n; i++)
		(void)gdrv_mem_zero(drv, ipas[i], GDRV_PAGE_SIZE);
	return GDRV_OK;
}

void gdrv_pages_free(struct gdrv *drv, const uint64_t *ipas, size_t n)
{
	struct gdrv_pages *p = &drv->pages;
	size_t i, idx;

	if (!ipas)
		return;
	drv->env->lock(drv->env->ctx, p->lock);
	for (i = 0; i < n; i++) {
		if (ipas[i] < p->base || (ipas[i] & GDRV_PAGE_MASK))
			continue;
		idx = (size_t)((ipas[i] - p->base) / GDRV_PAGE_SIZE);
		if (idx >= p->npages || !page_used(p, idx))
			continue; /* not ours, or freed twice: ignore */
		page_set(p, idx, false);
		p->nfree++;
	}
	drv->env->unlock(drv->env->ctx, p->lock);
}

int gdrv_pages_reserve(struct gdrv *drv, uint64_t ipa, uint64_t size)
{
	struct gdrv_pages *p = &drv->pages;
	uint64_t start = ipa & ~GDRV_PAGE_MASK;
	uint64_t end = (ipa + size + GDRV_PAGE_MASK) & ~GDRV_PAGE_MASK;
	uint64_t a;

	if (size == 0 || end < start)
		return GDRV_EINVAL;
	drv->env->lock(drv->env->ctx, p->lock);
	for (a = start; a < end; a += GDRV_PAGE_SIZE) {
		size_t idx;

		if (a < p->base)
			continue;
		idx = (size_t)((a - p->base) / GDRV_PAGE_SIZE);
		if (idx >= p->npages || page_used(p, idx))
			continue;
		page_set(p, idx, true);
		p->nfree--;
	}
	drv->env->unlock(drv->env->ctx, p->lock);
	return GDRV_OK;
}

size_t gdrv_pages_free_count(struct gdrv *drv)
{
	size_t n;

	drv->env->lock(drv->env->ctx, drv->pages.lock);
	n = drv->pages.nfree;
	drv->env->unlock(drv->env->ctx, drv->pages.lock);
	return n;
}

bool gmem_in_ram(const struct gdrv *drv, uint64_t ipa, uint64_t len)
{
	uint64_t base = drv->env->ram_base;
	uint64_t size = drv->env->ram_size;

	return ipa >= base && len <= size && ipa - base <= size - len;
}

void *gmem_map_page(const struct gdrv *drv, uint64_t ipa)
{
	return drv->env->map(drv->env->ctx, ipa & ~GDRV_PAGE_MASK);
}

/* Walk [ipa, ipa+len) page by page; op 0 read, 1 write, 2 zero. */
static int mem_walk(const struct gdrv *drv, uint64_t ipa, void *buf, size_t len,
		    int op)
{
	uint8_t *b = buf;

	if (len && ipa + len < ipa)
		return GDRV_EINVAL;
	while (len) {
		size_t in_page = GDRV_PAGE_SIZE - (size_t)(ipa & GDRV_PAGE_MASK);
		size_t chunk = len < in_page ? len : in_page;
		uint8_t *page = gmem_map_page(drv, ipa);

		if (!page)
			return GDRV_EFAULT;
		page += ipa & GDRV_PAGE_MASK;
		if (op == 0)
			gmemcpy(b, page, chunk);
		else if (op == 1)
			gmemcpy(page, b, chunk);
		else
			gmemset(page, 0, chunk);
		if (b)
			b += chunk;
		ipa += chunk;
		len -= chunk;
	}
	return GDRV_OK;
}

int gdrv_mem_read(const struct gdrv *drv, uint64_t ipa, void *dst, size_t len)
{
	return mem_walk(drv, ipa, dst, len, 0);
}

int gdrv_mem_write(const struct gdrv *drv, uint64_t ipa, const void *src,
		   size_t len)
{
	/* mem_walk only reads through `buf` when op is 1. */
	return mem_walk(drv, ipa, (void *)(uintptr_t)src, len, 1);
}

int gdrv_mem_zero(const struct gdrv *drv, uint64_t ipa, size_t len)
{
	return mem_walk(drv, ipa, NULL, len, 2);
}

void gdrv_log(const struct gdrv *drv, const char *msg, uint64_t value)
{
	/* Room for a short message and a 64-bit hex value. */
	char buf[96];

	if (!drv->env->log)
		return;
	gfmt_hex(buf, sizeof(buf), msg, value);
	drv->env->log(drv->env->ctx, buf);
}
