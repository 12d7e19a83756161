/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Cookie tables and shared-buffer objects.
 *
 * Guests name registered memory, RPC SHM buffers and RPC argument buffers
 * by 64-bit cookies of their choosing (ABI 7: opaque, passed untranslated).
 * Each domain keeps them in open-addressed hash tables (linear probing,
 * backward-shift deletion, load factor at most 1/2) so that every lookup on
 * the call path is O(1) on average. A guest choosing colliding cookies only
 * slows its own lookups, and never past its own max_domain_buffers.
 *
 * Callers hold the domain lock for every table operation.
 */
#include "internal.h"

static uint32_t cookie_hash(uint64_t cookie, uint32_t mask)
{
	/* Fibonacci hashing: spreads pointer-like cookies (aligned, clustered). */
	return (uint32_t)((cookie * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & mask;
}

static uint64_t obj_cookie(const void *obj)
{
	return *(const uint64_t *)obj;
}

void *tm_table_find(const struct tm_table *t, uint64_t cookie)
{
	uint32_t mask, i;

	if (!t->count)
		return NULL;
	mask = t->cap - 1;
	for (i = cookie_hash(cookie, mask); t->slots[i]; i = (i + 1) & mask)
		if (obj_cookie(t->slots[i]) == cookie)
			return t->slots[i];
	return NULL;
}

static void table_place(struct tm_table *t, void *obj)
{
	uint32_t mask = t->cap - 1;
	uint32_t i = cookie_hash(obj_cookie(obj), mask);

	while (t->slots[i])
		i = (i + 1) & mask;
	t->slots[i] = obj;
}

static int table_grow(struct teemed *tm, struct tm_table *t)
{
	uint32_t old_cap = t->cap, i;
	void **old = t->slots;
	uint32_t cap = old_cap ? old_cap * 2 : 16;
	void **slots = tm->port.alloc(tm->port.ctx, cap * sizeof(void *));

	if (!slots)
		return TEEMED_ENOMEM;
	memset(slots, 0, cap * sizeof(void *));
	t->slots = slots;
	t->cap = cap;
	for (i = 0; i < old_cap; i++)
		if (old[i])
			table_place(t, old[i]);
	if (old)
		tm->port.free(tm->port.ctx, old, old_cap * sizeof(void *));
	return TEEMED_OK;
}

/* Insert an object whose cookie is not in the table yet. */
int tm_table_insert(struct teemed *tm, struct tm_table *t, void *obj)
{
	if ((t->count + 1) * 2 > t->cap && table_grow(tm, t) != TEEMED_OK)
		return TEEMED_ENOMEM;
	table_place(t, obj);
	t->count++;
	return TEEMED_OK;
}

void *tm_table_remove(struct tm_table *t, uint64_t cookie)
{
	uint32_t mask, i, j, home;
	void *obj;

	if (!t->count)
		return NULL;
	mask = t->cap - 1;
	for (i = cookie_hash(cookie, mask); t->slots[i]; i = (i + 1) & mask)
		if (obj_cookie(t->slots[i]) == cookie)
			break;
	obj = t->slots[i];
	if (!obj)
		return NULL;
	t->slots[i] = NULL;
	t->count--;
	/* Shift back the entries of the probe run that follows the hole. */
	for (j = (i + 1) & mask; t->slots[j]; j = (j + 1) & mask) {
		home = cookie_hash(obj_cookie(t->slots[j]), mask);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			t->slots[i] = t->slots[j];
			t->slots[j] = NULL;
			i = j;
		}
	}
	return obj;
}

/* Remove and return any object (for teardown), or NULL when empty. */
void *tm_table_pop(struct tm_table *t)
{
	uint32_t i;

	for (i = 0; t->count && i < t->cap; i++)
		if (t->slots[i])
			return tm_table_remove(t, obj_cookie(t->slots[i]));
	return NULL;
}

void tm_table_free(struct teemed *tm, struct tm_table *t)
{
	if (t->slots)
		tm->port.free(tm->port.ctx, t->slots, t->cap * sizeof(void *));
	t->slots = NULL;
	t->cap = 0;
	t->count = 0;
}

static size_t buf_bytes(uint32_t nlists)
{
	return sizeof(struct tm_buf) + (size_t)nlists * sizeof(uint64_t *);
}

/*
 * Make a buffer object for `size` bytes at `buf_ptr` (guest list page IPA
 * | offset in its low 12 bits, ABI 4.5) and reserve its pages against the
 * domain's limits. Returns TEEC_SUCCESS or the TEE result the guest gets:
 * BAD_PARAMETERS for an empty or overflowing buffer, OUT_OF_MEMORY past a
 * limit or when memory runs out.
 */
uint32_t tm_buf_create(struct teemed_domain *d, uint8_t kind, uint64_t cookie,
		       uint64_t buf_ptr, uint64_t size, unsigned access,
		       struct tm_buf **out)
{
	struct teemed *tm = d->tm;
	uint64_t offset = buf_ptr & TEEMED_PAGE_MASK;
	uint64_t pages;
	uint32_t nlists;
	bool counted = kind != TM_BUF_TEMP;
	struct tm_buf *buf;

	*out = NULL;
	if (size == 0 || size > UINT64_MAX - TEEMED_PAGE_SIZE - offset)
		return TEEC_ERROR_BAD_PARAMETERS;
	pages = (size + offset + TEEMED_PAGE_MASK) >> TEEMED_PAGE_SHIFT;
	if (pages > tm->cfg.max_buffer_pages)
		return TEEC_ERROR_OUT_OF_MEMORY;
	nlists = (uint32_t)((pages + OPTEE_MSG_PAGELIST_ENTRIES - 1) / OPTEE_MSG_PAGELIST_ENTRIES);

	tm_dom_lock(d);
	if (pages > tm->cfg.max_domain_pages - d->pages_held ||
	    (counted && d->buffers_held >= tm->cfg.max_domain_buffers)) {
		tm_dom_unlock(d);
		return TEEC_ERROR_OUT_OF_MEMORY;
	}
	d->pages_held += (uint32_t)pages;
	if (counted)
		d->buffers_held++;
	tm_dom_unlock(d);

	buf = tm->port.alloc(tm->port.ctx, buf_bytes(nlists));
	if (!buf) {
		tm_dom_lock(d);
		d->pages_held -= (uint32_t)pages;
		if (counted)
			d->buffers_held--;
		tm_dom_unlock(d);
		return TEEC_ERROR_OUT_OF_MEMORY;
	}
	memset(buf, 0, buf_bytes(nlists));
	buf->cookie = cookie;
	buf->size = size;
	buf->npages = (uint32_t)pages;
	buf->nlists = nlists;
	buf->offset = (uint16_t)offset;
	buf->kind = kind;
	buf->state = TM_BUF_PENDING;
	buf->access = (uint8_t)access;
	buf->counted = counted;
	buf->guest_list = teemed_ipa(buf_ptr & ~TEEMED_PAGE_MASK);
	*out = buf;
	return TEEC_SUCCESS;
}

/* Free the object of a buffer whose pins and list pages are released. */
void tm_buf_free(struct teemed_domain *d, struct tm_buf *buf)
{
	struct teemed *tm = d->tm;

	tm_dom_lock(d);
	d->pages_held -= buf->npages;
	if (buf->counted)
		d->buffers_held--;
	tm_dom_unlock(d);
	tm->port.free(tm->port.ctx, buf, buf_bytes(buf->nlists));
}

/* What OP-TEE is given in tmem.buf_ptr: our list's PA | the offset. */
uint64_t tm_buf_shadow_ptr(const struct tm_buf *buf)
{
	return teemed_pa_val(buf->list_pa) | buf->offset;
}
