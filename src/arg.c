/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where a standard call's argument lives, and copying it in and out.
 *
 * CALL_WITH_ARG and CALL_WITH_RPC_ARG name a 4 KiB-aligned guest page by
 * IPA; it is pinned only while it is read or written. CALL_WITH_REGD_ARG
 * names a registered buffer by cookie and an offset into it (ABI 1.3); the
 * call holds the buffer (its pages stay pinned) until it completes. Either
 * way the argument, and the in-band RPC argument after it, must lie in one
 * guest page: the mediator refuses a straddling one with EBADADDR (OP-TEE
 * maps registered memory contiguously and would accept it; no driver makes
 * one: Linux uses page-sized buffers of 384-byte slots).
 */
#include "internal.h"

/* Bytes of the in-band RPC argument OP-TEE expects after the argument. */
uint32_t tm_rpc_arg_size(const struct teemed *tm)
{
	return (uint32_t)OPTEE_MSG_GET_ARG_SIZE(tm->info.rpc_param_count);
}

/* The argument starts at `off` in its page: how much of the page is left. */
static uint32_t room(uint32_t off)
{
	return TEEMED_PAGE_SIZE - off;
}

/*
 * Find the guest's argument from the SMC registers. Returns OK, or the a0
 * to answer: EBADADDR for an unaligned address, an unknown cookie or an
 * offset outside the buffer.
 */
uint32_t tm_arg_locate(struct teemed_domain *d, struct tm_call *c, uint32_t fid,
		       const struct teemed_regs *r)
{
	uint64_t cookie, pos;
	uint32_t offset = (uint32_t)r->a[3];
	struct tm_buf *buf;
	uint32_t k;

	c->inband = fid != OPTEE_SMC_CALL_WITH_ARG;
	c->arg_buf = NULL;
	c->arg_off = 0;
	if (fid != OPTEE_SMC_CALL_WITH_REGD_ARG) {
		c->arg_kind = TM_ARG_IPA;
		c->guest_arg = teemed_ipa(tm_reg_pair(r->a[1], r->a[2]));
		if (!teemed_ipa_page_aligned(c->guest_arg))
			return OPTEE_SMC_RETURN_EBADADDR;
		return OPTEE_SMC_RETURN_OK;
	}
	c->arg_kind = TM_ARG_REGD;
	cookie = tm_reg_pair(r->a[1], r->a[2]);
	tm_dom_lock(d);
	buf = tm_table_find(&d->bufs, cookie);
	if (buf && (buf->kind != TM_BUF_REGISTERED || buf->state != TM_BUF_ACTIVE))
		buf = NULL;
	pos = buf ? (uint64_t)buf->offset + offset : 0;
	/*
	 * OP-TEE wants the argument aligned for its type (8 bytes) where it
	 * lies, that is counting the buffer's offset in its first page.
	 */
	if (buf && (pos % _Alignof(struct optee_msg_arg) ||
		    pos + sizeof(struct optee_msg_arg) > (uint64_t)buf->npages * TEEMED_PAGE_SIZE))
		buf = NULL;
	if (buf)
		buf->users++;
	tm_dom_unlock(d);
	if (!buf)
		return OPTEE_SMC_RETURN_EBADADDR;
	k = (uint32_t)(pos >> TEEMED_PAGE_SHIFT);
	c->arg_buf = buf;
	c->arg_pa = teemed_pa(buf->list_va[k / OPTEE_MSG_PAGELIST_ENTRIES]
					  [k % OPTEE_MSG_PAGELIST_ENTRIES]);
	c->arg_off = (uint32_t)(pos & TEEMED_PAGE_MASK);
	return OPTEE_SMC_RETURN_OK;
}

/* Let go of the registered buffer holding the argument, if any. */
void tm_arg_release(struct teemed_domain *d, struct tm_call *c)
{
	if (!c->arg_buf)
		return;
	tm_dom_lock(d);
	c->arg_buf->users--;
	tm_dom_unlock(d);
	c->arg_buf = NULL;
}

void *tm_arg_map(struct teemed_domain *d, struct tm_call *c, unsigned access,
		 teemed_pa_t *pinned)
{
	struct teemed *tm = d->tm;
	uint8_t *page;

	if (c->arg_kind == TM_ARG_REGD) {
		/* Pinned for write since it was registered (TMEM_OUTPUT). */
		page = tm->port.map(tm->port.ctx, c->arg_pa);
		return page ? page + c->arg_off : NULL;
	}
	if (tm->port.pin(tm->port.ctx, d->host_dom, c->guest_arg, access, pinned))
		return NULL;
	page = tm->port.map(tm->port.ctx, *pinned);
	if (!page)
		tm->port.unpin(tm->port.ctx, d->host_dom, *pinned, access);
	return page;
}

void tm_arg_unmap(struct teemed_domain *d, struct tm_call *c, void *arg, teemed_pa_t pinned,
		  unsigned access)
{
	struct teemed *tm = d->tm;

	tm->port.unmap(tm->port.ctx, (uint8_t *)arg - c->arg_off);
	if (c->arg_kind == TM_ARG_IPA)
		tm->port.unpin(tm->port.ctx, d->host_dom, pinned, access);
}

/*
 * Copy the guest's argument into the shadow: the header, then exactly the
 * parameters it announces, each byte read once. Returns OK or EBADADDR (not
 * RAM, or the argument and its in-band RPC argument leave the page).
 */
uint32_t tm_arg_copy_in(struct teemed_domain *d, struct tm_call *c)
{
	const uint8_t *guest;
	teemed_pa_t pinned = teemed_pa(0);
	uint64_t need;
	uint32_t n;

	if (room(c->arg_off) < sizeof(*c->shadow))
		return OPTEE_SMC_RETURN_EBADADDR;
	guest = tm_arg_map(d, c, TEEMED_PIN_READ, &pinned);
	if (!guest)
		return OPTEE_SMC_RETURN_EBADADDR;
	memcpy(c->shadow, guest, sizeof(*c->shadow));
	n = c->shadow->num_params;
	need = OPTEE_MSG_GET_ARG_SIZE((uint64_t)n);
	c->rpc_off = (uint32_t)need;
	if (c->inband)
		need += tm_rpc_arg_size(d->tm);
	if (n <= TM_ARG_MAX_PARAMS && need <= room(c->arg_off))
		memcpy(c->shadow->params, guest + sizeof(*c->shadow),
		       n * sizeof(struct optee_msg_param));
	tm_arg_unmap(d, c, (void *)(uintptr_t)guest, pinned, TEEMED_PIN_READ);
	c->cmd = c->shadow->cmd;
	c->num_params = n;
	if (n > TM_ARG_MAX_PARAMS || need > room(c->arg_off))
		return OPTEE_SMC_RETURN_EBADADDR;
	return OPTEE_SMC_RETURN_OK;
}

/* Write the results into the guest's argument, if it is still writable RAM. */
bool tm_arg_copy_back(struct teemed_domain *d, struct tm_call *c)
{
	teemed_pa_t pinned = teemed_pa(0);
	struct optee_msg_arg *guest = tm_arg_map(d, c, TEEMED_PIN_WRITE, &pinned);

	if (!guest)
		return false;
	guest->ret = c->shadow->ret;
	guest->ret_origin = c->shadow->ret_origin;
	if (c->cmd == OPTEE_MSG_CMD_OPEN_SESSION)
		guest->session = c->shadow->session;
	tm_params_copy_back(c, guest);
	tm_arg_unmap(d, c, guest, pinned, TEEMED_PIN_WRITE);
	return true;
}
