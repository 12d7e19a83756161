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
 * Pin the entries of one guest list page, from entry `buf->done` on.
 * Returns DONE when the page (or the buffer) is finished.
 */
static enum tm_step translate_page(struct teemed_domain *d, struct tm_buf *buf,
				   const uint64_t *guest, uint64_t *shadow,
				   struct tm_budget *b)
{
	struct teemed *tm = d->tm;
	uint32_t s = buf->done % ENTRIES;
	uint64_t entry;
	teemed_pa_t pa;

	for (; s < ENTRIES && buf->done < buf->npages; s++) {
		if (!tm_budget_spend(tm, b))
			return TM_STEP_PREEMPT;
		entry = read_once(&guest[s]);
		/* Data pages are whole 4 KiB pages (ABI 4.5). */
		if (entry & TEEMED_PAGE_MASK)
			return fail(buf, TEEC_ERROR_BAD_PARAMETERS);
		if (tm->port.pin(tm->port.ctx, d->host_dom, teemed_ipa(entry), buf->access, &pa))
			return fail(buf, TEEC_ERROR_BAD_PARAMETERS);
		shadow[s] = teemed_pa_val(pa);
		buf->done++;
	}
	if (buf->done < buf->npages) {
		entry = read_once(&guest[NEXT]);
		if (entry & TEEMED_PAGE_MASK)
			return fail(buf, TEEC_ERROR_BAD_PARAMETERS);
		buf->guest_list = teemed_ipa(entry);
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
	teemed_pa_t pa;
	uint64_t next;
	uint32_t k;

	while (buf->released < buf->done) {
		if (!tm_budget_spend(tm, b))
			return TM_STEP_PREEMPT;
		k = buf->released / ENTRIES;
		pa = teemed_pa(buf->list_va[k][buf->released % ENTRIES]);
		tm->port.unpin(tm->port.ctx, d->host_dom, pa, buf->access);
		buf->released++;
	}
	pa = buf->list_pa;
	for (k = 0; k < buf->nlists && buf->list_va[k]; k++) {
		next = buf->list_va[k][NEXT];
		tm->port.free_page(tm->port.ctx, d->host_dom, buf->list_va[k], pa);
		buf->list_va[k] = NULL;
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
