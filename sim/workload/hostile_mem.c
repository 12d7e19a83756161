/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Attacks with memory references: page lists into other guests, the
 * mediator, MMIO and holes; malformed, looping and oversized lists;
 * read-only pages; guessed and out-of-range RMEM cookies; bad
 * registrations. Expected answers: docs/errors.md.
 */
#include <string.h>

#include "sim/workload/hostile_int.h"
#include "sim/workload/wl_stats.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct answer {
	uint32_t a0, ret, origin;
	struct optee_msg_param p[2];
};

/* INVOKE on the buffer TA with p0, p1 as given. */
static void buf_call(struct hostile *h, uint32_t func, const struct optee_msg_param *p,
		     struct answer *ans)
{
	struct optee_msg_arg a;

	hx_arg(h, h->arg_page, OPTEE_MSG_CMD_INVOKE_COMMAND, h->sess_buf, func, 2, p, 2);
	ans->a0 = hx_call(h, h->arg_page, NULL);
	hx_arg_read(h, h->arg_page, &a, ans->p, 2);
	ans->ret = a.ret;
	ans->origin = a.ret_origin;
}

static void expect(struct hostile *h, enum hostile_attack at, const char *what,
		   const struct answer *ans, uint32_t ret, uint32_t origin)
{
	if (!hx_check(h, at, what, ans->a0, OPTEE_SMC_RETURN_OK))
		return;
	hx_check(h, at, what, ans->ret, ret);
	if (ret != TEEC_SUCCESS)
		hx_check(h, at, what, ans->origin, origin);
}

/* FILL of `size` bytes into the buffer whose list page 0 is at `list`. */
static void fill_list(struct hostile *h, uint64_t list, uint64_t size, struct answer *ans)
{
	struct optee_msg_param p[2];

	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = 0xa5;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	p[1].u.tmem.buf_ptr = list;
	p[1].u.tmem.size = size;
	buf_call(h, TA_BUF_CMD_FILL, p, ans);
}

/* A one-page list at list_page with `n` entries and `next`, then FILL. */
static void fill_entries(struct hostile *h, const uint64_t *e, size_t n, uint64_t next,
			 uint64_t size, struct answer *ans)
{
	graw_write_pagelist_page(h->env, h->list_page, e, n, next);
	fill_list(h, h->list_page, size, ans);
}

void hx_attack_pagelists(struct hostile *h)
{
	uint64_t e[OPTEE_MSG_PAGELIST_ENTRIES];
	struct answer ans;
	size_t i;

	hx_try(h, HA_PAGELIST_FOREIGN);
	for (i = 0; i < 4; i++)
		e[i] = hx_victim_pa(h);
	fill_entries(h, e, 4, 0, 4 * HX_PAGE, &ans);
	expect(h, HA_PAGELIST_FOREIGN, "list of other guests' pages", &ans,
		 TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_COMMS);
	e[0] = h->data[0];
	e[1] = hx_mediator_pa(h);
	fill_entries(h, e, 2, 0, 2 * HX_PAGE, &ans);
	expect(h, HA_PAGELIST_FOREIGN, "list with a mediator page", &ans,
	       TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_COMMS);
	e[1] = phys_region_base(h->phys, PHYS_REGION_SECURE);
	fill_entries(h, e, 2, 0, 2 * HX_PAGE, &ans);
	expect(h, HA_PAGELIST_FOREIGN, "list with a secure page", &ans,
	       TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_COMMS);
	fill_list(h, hx_victim_pa(h), HX_PAGE, &ans);
	expect(h, HA_PAGELIST_FOREIGN, "list page of another guest", &ans,
	       TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_COMMS);

	hx_try(h, HA_PAGELIST_MALFORMED);
	e[0] = h->data[0];
	e[1] = h->data[1] + 12;
	fill_entries(h, e, 2, 0, 2 * HX_PAGE, &ans);
	expect(h, HA_PAGELIST_MALFORMED, "unaligned entry", &ans, TEEC_ERROR_BAD_PARAMETERS,
	       TEEC_ORIGIN_COMMS);
	for (i = 0; i < OPTEE_MSG_PAGELIST_ENTRIES; i++)
		e[i] = h->data[i % 4];
	fill_entries(h, e, OPTEE_MSG_PAGELIST_ENTRIES, h->data[3] + 8, 600 * HX_PAGE, &ans);
	expect(h, HA_PAGELIST_MALFORMED, "unaligned next", &ans, TEEC_ERROR_BAD_PARAMETERS,
	       TEEC_ORIGIN_COMMS);
	fill_entries(h, e, OPTEE_MSG_PAGELIST_ENTRIES, hx_victim_pa(h), 600 * HX_PAGE, &ans);
	expect(h, HA_PAGELIST_MALFORMED, "next into another guest", &ans,
	       TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_COMMS);
	fill_entries(h, e, OPTEE_MSG_PAGELIST_ENTRIES, h->hole_ipa, 600 * HX_PAGE, &ans);
	expect(h, HA_PAGELIST_MALFORMED, "next unmapped", &ans, TEEC_ERROR_BAD_PARAMETERS,
	       TEEC_ORIGIN_COMMS);
	fill_list(h, h->mmio_ipa, HX_PAGE, &ans);
	expect(h, HA_PAGELIST_MALFORMED, "list page in MMIO", &ans, TEEC_ERROR_BAD_PARAMETERS,
	       TEEC_ORIGIN_COMMS);
	fill_list(h, h->beyond_ipa, HX_PAGE, &ans);
	expect(h, HA_PAGELIST_MALFORMED, "list page beyond RAM", &ans,
	       TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_COMMS);
	e[1] = h->mmio_ipa;
	fill_entries(h, e, 2, 0, 2 * HX_PAGE, &ans);
	expect(h, HA_PAGELIST_MALFORMED, "data page in MMIO", &ans, TEEC_ERROR_BAD_PARAMETERS,
	       TEEC_ORIGIN_COMMS);
	e[1] = h->hole_ipa;
	fill_entries(h, e, 2, 0, 2 * HX_PAGE, &ans);
	expect(h, HA_PAGELIST_MALFORMED, "data page unmapped", &ans, TEEC_ERROR_BAD_PARAMETERS,
	       TEEC_ORIGIN_COMMS);
	/* 1 TiB: past max_buffer_pages whatever the list says. */
	e[1] = h->data[1];
	fill_entries(h, e, 2, 0, 1ull << 40, &ans);
	expect(h, HA_PAGELIST_MALFORMED, "1 TiB buffer", &ans, TEEC_ERROR_OUT_OF_MEMORY,
	       TEEC_ORIGIN_COMMS);

	/*
	 * Read-only pages: refused in any direction, since OP-TEE maps every
	 * memref read-write for the TA (docs/errors.md).
	 */
	hx_try(h, HA_PAGELIST_READONLY);
	e[0] = h->data[0];
	e[1] = h->ro_page;
	fill_entries(h, e, 2, 0, 2 * HX_PAGE, &ans);
	expect(h, HA_PAGELIST_READONLY, "read-only page as output", &ans,
	       TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_COMMS);
	{
		struct optee_msg_param p[2];

		graw_write_pagelist_page(h->env, h->list_page, e, 2, 0);
		memset(p, 0, sizeof(p));
		p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT | OPTEE_MSG_ATTR_NONCONTIG;
		p[0].u.tmem.buf_ptr = h->list_page;
		p[0].u.tmem.size = 2 * HX_PAGE;
		p[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
		buf_call(h, TA_BUF_CMD_CHECKSUM, p, &ans);
		expect(h, HA_PAGELIST_READONLY, "read-only page as input", &ans,
		       TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_COMMS);
	}

	/* A list whose next page is itself: the same four pages over and over. */
	hx_try(h, HA_PAGELIST_LOOP);
	for (i = 0; i < OPTEE_MSG_PAGELIST_ENTRIES; i++)
		e[i] = h->data[i % 4];
	fill_entries(h, e, OPTEE_MSG_PAGELIST_ENTRIES, h->list_page, 1500 * HX_PAGE, &ans);
	expect(h, HA_PAGELIST_LOOP, "looping list of own pages", &ans, TEEC_SUCCESS, 0);
	fill_entries(h, e, OPTEE_MSG_PAGELIST_ENTRIES, h->list_page, 1ull << 31, &ans);
	expect(h, HA_PAGELIST_LOOP, "looping list of 2 GiB", &ans, TEEC_ERROR_OUT_OF_MEMORY,
	       TEEC_ORIGIN_COMMS);
}

static void rmem_checksum(struct hostile *h, uint64_t cookie, uint64_t offs, uint64_t size,
			  struct answer *ans)
{
	struct optee_msg_param p[2];

	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	p[0].u.rmem.shm_ref = cookie;
	p[0].u.rmem.offs = offs;
	p[0].u.rmem.size = size;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	buf_call(h, TA_BUF_CMD_CHECKSUM, p, ans);
}

void hx_attack_shm(struct hostile *h)
{
	/* The guest drivers' first cookies (cookie_base 0x1000), and noise. */
	const uint64_t guesses[] = { 0x1000, 0x1001, 0x1002, 0x1003, 0x1010,
				     0x1000 + (hx_rand(h) & 0xff), hx_rand(h), 0 };
	uint64_t pages[2], cookie;
	uint32_t ret, origin, a0;
	struct answer ans;
	size_t i;

	hx_try(h, HA_RMEM_GUESS);
	for (i = 0; i < ARRAY_LEN(guesses); i++) {
		rmem_checksum(h, guesses[i], 0, 64, &ans);
		expect(h, HA_RMEM_GUESS, "RMEM of a cookie not ours", &ans,
		       TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	}
	/* Its own buffer: 3 pages + 100 bytes, sized to the end of page 4. */
	rmem_checksum(h, h->shm_cookie, 0, 4 * HX_PAGE, &ans);
	expect(h, HA_RMEM_GUESS, "RMEM to the end of the last page", &ans, TEEC_SUCCESS, 0);
	rmem_checksum(h, h->shm_cookie, 0, 4 * HX_PAGE + 1, &ans);
	expect(h, HA_RMEM_GUESS, "RMEM past the end", &ans, TEEC_ERROR_SECURITY,
	       TEEC_ORIGIN_TEE);
	rmem_checksum(h, h->shm_cookie, 1ull << 63, 1ull << 63, &ans);
	expect(h, HA_RMEM_GUESS, "RMEM offs + size overflowing", &ans, TEEC_ERROR_SECURITY,
	       TEEC_ORIGIN_TEE);
	for (i = 0; i < 2; i++) {
		a0 = hx_unregister(h, guesses[i], &ret, &origin);
		if (hx_check(h, HA_RMEM_GUESS, "unregister of a cookie not ours", a0,
			     OPTEE_SMC_RETURN_OK)) {
			hx_check(h, HA_RMEM_GUESS, "unregister refused", ret,
				 TEEC_ERROR_BAD_PARAMETERS);
			hx_check(h, HA_RMEM_GUESS, "unregister origin untouched", origin,
				 HX_SENTINEL_ORIGIN);
		}
	}

	hx_try(h, HA_SHM_REGISTER);
	pages[0] = h->data[0];
	pages[1] = h->data[1];
	a0 = hx_register(h, pages, 2, 0, 2 * HX_PAGE, h->shm_cookie, &ret, &origin);
	if (hx_check(h, HA_SHM_REGISTER, "register with a cookie in use", a0,
		     OPTEE_SMC_RETURN_OK)) {
		hx_check(h, HA_SHM_REGISTER, "cookie in use", ret, TEEC_ERROR_BAD_PARAMETERS);
		hx_check(h, HA_SHM_REGISTER, "cookie in use origin", origin, TEEC_ORIGIN_COMMS);
	}
	pages[1] = hx_victim_pa(h);
	a0 = hx_register(h, pages, 2, 0, 2 * HX_PAGE, hx_new_cookie(h), &ret, &origin);
	if (hx_check(h, HA_SHM_REGISTER, "register another guest's page", a0,
		     OPTEE_SMC_RETURN_OK)) {
		hx_check(h, HA_SHM_REGISTER, "foreign page", ret, TEEC_ERROR_BAD_PARAMETERS);
		hx_check(h, HA_SHM_REGISTER, "foreign page origin", origin, TEEC_ORIGIN_COMMS);
	}
	pages[1] = h->ro_page;
	a0 = hx_register(h, pages, 2, 0, 2 * HX_PAGE, hx_new_cookie(h), &ret, &origin);
	if (hx_check(h, HA_SHM_REGISTER, "register a read-only page", a0,
		     OPTEE_SMC_RETURN_OK)) {
		hx_check(h, HA_SHM_REGISTER, "read-only page", ret, TEEC_ERROR_BAD_PARAMETERS);
		hx_check(h, HA_SHM_REGISTER, "read-only origin", origin, TEEC_ORIGIN_COMMS);
	}
	pages[1] = h->data[1];
	a0 = hx_register(h, pages, 2, 0, 0, hx_new_cookie(h), &ret, &origin);
	if (hx_check(h, HA_SHM_REGISTER, "register 0 bytes", a0, OPTEE_SMC_RETURN_OK)) {
		hx_check(h, HA_SHM_REGISTER, "0 bytes", ret, TEEC_ERROR_BAD_PARAMETERS);
		hx_check(h, HA_SHM_REGISTER, "0 bytes origin", origin, TEEC_ORIGIN_COMMS);
	}
	/* A good one: registered, unregistered, and then unknown. */
	cookie = hx_new_cookie(h);
	a0 = hx_register(h, pages, 2, 16, 2 * HX_PAGE - 16, cookie, &ret, &origin);
	if (hx_check(h, HA_SHM_REGISTER, "register", a0, OPTEE_SMC_RETURN_OK) &&
	    hx_check(h, HA_SHM_REGISTER, "register ret", ret, TEEC_SUCCESS)) {
		a0 = hx_unregister(h, cookie, &ret, &origin);
		hx_check(h, HA_SHM_REGISTER, "unregister", a0 == OPTEE_SMC_RETURN_OK &&
			 ret == TEEC_SUCCESS, 1);
		a0 = hx_unregister(h, cookie, &ret, &origin);
		hx_check(h, HA_SHM_REGISTER, "second unregister", a0 == OPTEE_SMC_RETURN_OK &&
			 ret == TEEC_ERROR_BAD_PARAMETERS && origin == HX_SENTINEL_ORIGIN, 1);
	}
}
