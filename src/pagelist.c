/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Non-contiguous page lists (ABI 4.5): translating a guest's list of IPAs
 * into the mediator's list of PAs while pinning every page, and releasing
 * them again. Both are resumable: they stop when the trap's budget is spent
 * and carry on from their cursor at the next trap.
 *
 * Each guest byte is read once: an entry is loaded into a local before it is
 * checked and used, and the guest list is never read again afterwards. A list
 * that loops or points anywhere only ever yields `npages` entries, each of
 * which must pass the pin check.
 */
#include "internal.h"

#define ENTRIES OPTEE_MSG_PAGELIST_ENTRIES
#define NEXT    OPTEE_MSG_PAGELIST_NEXT_SLOT

static uint64_t read_once(const uint64_t *p)
{
	return *(const volatile uint64_t *)p;
}

static enum tm_step fail(struct tm_buf *buf, uint32_t error)
{
	buf->error = error;
	return TM_STEP_FAIL;
}

/* Give list page k its mediator page and link it behind page k - 1. */
static bool add_list_page(struct teemed_domain *d, struct tm_buf *buf, uint32_t k)
{
	struct teemed *tm = d->tm;
	teemed_pa_t pa;
	uint64_t *va = tm->port.alloc_page(tm->port.ctx, d->host_dom, &pa);

	if (!va)
		return false;
	va[NEXT] = 0;
	if (k == 0)
		buf->list_pa = pa;
	else
		buf->list_va[k - 1][NEXT] = teemed_pa_val(pa);
	buf->list_va[k] = va;
	return true;
}

/*
 * Pin the entries of one guest list page, from entry `buf->done` on, as far
 * as the budget goes. Returns DONE when the page (or the buffer) is done.
 * The loop is the mediator's per-page cost: keep it tight.
 */
static enum tm_step translate_page(struct teemed_domain *d, struct tm_buf *buf,
				   const uint64_t *guest, uint64_t *shadow,
				   struct tm_budget *b)
{
	struct teemed *tm = d->tm;
	int (*pin)(void *, void *, teemed_ipa_t, unsigned, teemed_pa_t *) = tm->port.pin;
	void *ctx = tm->port.ctx, *host_dom = d->host_dom;
	unsigned access = buf->access;
	uint32_t s = buf->done % ENTRIES;
	uint32_t left = ENTRIES - s, i, n;
	uint64_t entry;

	if (left > buf->npages - buf->done)
		left = buf->npages - buf->done;
	while (left) {
		n = tm_budget_take(tm, b, left);
		if (!n)
			return TM_STEP_PREEMPT;
		for (i = 0; i < n; i++, s++) {
			entry = read_once(&guest[s]);
			/* Data pages are whole 4 KiB pages (ABI 4.5). */
			if ((entry & TEEMED_PAGE_MASK) ||
			    pin(ctx, host_dom, teemed_ipa(entry), access, (teemed_pa_t *)&shadow[s])) {
				buf->done += i;
				return fail(buf, TEEC_ERROR_BAD_PARAMETERS);
			}
		}
		buf->done += n;
		left -= n;
	}
	if (buf->done < buf->npages) {
		entry = read_once(&guest[NEXT]);
		if (entry & TEEMED_PAGE_MASK)
			return fail(buf, TEEC_ERROR_BAD_PARAMETERS);
		buf->guest_list = teemed_ipa(entry);
	}
	return TM_STEP_DONE;
}

/*
 * A buffer the guest gave as one IPA range (no page list): its pages are
 * consecutive IPAs from guest_list on; the mediator's list gets their PAs
 * as for any other buffer.
 */
static enum tm_step translate_contig(struct teemed_domain *d, struct tm_buf *buf,
				     uint64_t *shadow, struct tm_budget *b)
{
	struct teemed *tm = d->tm;
	uint32_t s = buf->done % ENTRIES;
	uint32_t left = ENTRIES - s, i, n;
	uint64_t ipa;

	if (left > buf->npages - buf->done)
		left = buf->npages - buf->done;
	while (left) {
		n = tm_budget_take(tm, b, left);
		if (!n)
			return TM_STEP_PREEMPT;
		for (i = 0; i < n; i++, s++) {
			ipa = teemed_ipa_val(buf->guest_list) +
			      ((uint64_t)(buf->done + i) << TEEMED_PAGE_SHIFT);
			if (tm->port.pin(tm->port.ctx, d->host_dom, teemed_ipa(ipa), buf->access,
					 (teemed_pa_t *)&shadow[s])) {
				buf->done += i;
				return fail(buf, TEEC_ERROR_BAD_PARAMETERS);
			}
		}
		buf->done += n;
		left -= n;
	}
	return TM_STEP_DONE;
}

enum tm_step tm_buf_translate(struct teemed_domain *d, struct tm_buf *buf,
			      struct tm_budget *b)
{
	struct teemed *tm = d->tm;
	enum tm_step step = TM_STEP_DONE;
	teemed_pa_t list_pa;
	const uint64_t *guest;
	uint32_t k;

	while (buf->done < buf->npages) {
		k = buf->done / ENTRIES;
		if (!buf->list_va[k] && !add_list_page(d, buf, k))
			return fail(buf, TEEC_ERROR_OUT_OF_MEMORY);
		if (buf->contig) {
			step = translate_contig(d, buf, buf->list_va[k], b);
			if (step != TM_STEP_DONE)
				return step;
			continue;
		}
		/* The guest's list page is pinned only while it is read. */
		if (tm->port.pin(tm->port.ctx, d->host_dom, buf->guest_list,
				 TEEMED_PIN_READ, &list_pa))
			return fail(buf, TEEC_ERROR_BAD_PARAMETERS);
		guest = tm->port.map(tm->port.ctx, list_pa);
		if (!guest) {
			tm->port.unpin(tm->port.ctx, d->host_dom, list_pa, TEEMED_PIN_READ);
			return fail(buf, TEEC_ERROR_OUT_OF_MEMORY);
		}
		step = translate_page(d, buf, guest, buf->list_va[k], b);
		tm->port.unmap(tm->port.ctx, (void *)(uintptr_t)guest);
		tm->port.unpin(tm->port.ctx, d->host_dom, list_pa, TEEMED_PIN_READ);
		if (step != TM_STEP_DONE)
			return step;
	}
	b->pages += buf->npages;
	b->bytes += buf->size;
	return TM_STEP_DONE;
}

/* Unpin what translation pinned, then free the mediator's list pages. */
enum tm_step tm_buf_release(struct teemed_domain *d, struct tm_buf *buf,
			    struct tm_budget *b)
{
	struct teemed *tm = d->tm;
	void (*unpin)(void *, void *, teemed_pa_t, unsigned) = tm->port.unpin;
	void *ctx = tm->port.ctx, *host_dom = d->host_dom;
	unsigned access = buf->access;
	const uint64_t *list;
	uint32_t i, n, s, left;
	teemed_pa_t pa;
	uint64_t next;

	while (buf->released < buf->done) {
		s = buf->released % ENTRIES;
		list = buf->list_va[buf->released / ENTRIES];
		left = ENTRIES - s;
		if (left > buf->done - buf->released)
			left = buf->done - buf->released;
		n = tm_budget_take(tm, b, left);
		if (!n)
			return TM_STEP_PREEMPT;
		for (i = 0; i < n; i++)
			unpin(ctx, host_dom, teemed_pa(list[s + i]), access);
		buf->released += n;
	}
	pa = buf->list_pa;
	for (i = 0; i < buf->nlists && buf->list_va[i]; i++) {
		next = buf->list_va[i][NEXT];
		tm->port.free_page(tm->port.ctx, d->host_dom, buf->list_va[i], pa);
		buf->list_va[i] = NULL;
		pa = teemed_pa(next);
	}
	return TM_STEP_DONE;
}

/* Release and free every buffer on `list`, as far as the budget goes. */
enum tm_step tm_drain(struct teemed_domain *d, struct tm_buf **list, struct tm_budget *b)
{
	struct tm_buf *buf;

	while ((buf = *list) != NULL) {
		if (tm_buf_release(d, buf, b) == TM_STEP_PREEMPT)
			return TM_STEP_PREEMPT;
		*list = buf->next;
		tm_buf_free(d, buf);
	}
	return TM_STEP_DONE;
}
