/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fast calls (the driver's probe), sessions and value parameters, and
 * temporary memrefs of many pages, scattered in guest RAM.
 */
#include <stdlib.h>
#include <string.h>

#include "teemed/optee_smc.h"
#include "tests/integration/itest.h"

/* Probe goes through the mediator's fast calls: what the guest learns. */
static void probe_through_the_mediator(void)
{
	struct teemed_stats st;
	const struct gdrv_info *info;
	struct gdrv_stats ds;
	struct it_config c;
	struct it t;

	it_config_default(&c, MACHINE_MEDIATED);
	if (!it_setup(&t, &c))
		goto out;
	info = gdrv_get_info(t.drv);
	CHECK_EQ(info->api_major, OPTEE_MSG_REVISION_MAJOR);
	CHECK_EQ(info->os_major, 4);
	CHECK(info->sec_caps & OPTEE_SMC_SEC_CAP_DYNAMIC_SHM);
	CHECK_EQ(info->sec_caps & (OPTEE_SMC_SEC_CAP_HAVE_RESERVED_SHM |
				   OPTEE_SMC_SEC_CAP_VIRTUALIZATION), 0);
	CHECK(info->thread_count > 0);
	/* Device enumeration in probe: the model's TAs, 16 octets each. */
	CHECK(info->num_devices >= 4);
	gdrv_get_stats(t.drv, &ds);
	teemed_domain_stats(machine_mediator(t.m), machine_guest_domain(t.g), &st);
	CHECK_EQ(st.fast_calls, ds.fast_calls);
	CHECK_EQ(st.unknown_function, 0);
	CHECK_EQ(st.std_calls, st.std_calls_done);
out:
	it_teardown(&t);
}

static TEEC_Result arith(TEEC_Session *s, uint32_t cmd, uint64_t a, uint64_t b,
			 uint64_t *lo, uint64_t *hi)
{
	TEEC_Operation op;
	uint32_t origin;
	TEEC_Result r;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].value.a = a;
	op.params[0].value.b = b;
	r = TEEC_InvokeCommand(s, cmd, &op, &origin);
	*lo = op.params[1].value.a;
	*hi = op.params[1].value.b;
	return r;
}

static void sessions_and_values(void)
{
	TEEC_Session s, s2;
	TEEC_Operation op;
	struct it_config c;
	uint64_t lo, hi;
	uint32_t origin, i;
	struct it t;

	it_config_default(&c, MACHINE_MEDIATED);
	if (!it_setup(&t, &c))
		goto out;
	CHECK_EQ(TEEC_OpenSession(&t.ctx, &s, &it_uuid_arith, TEEC_LOGIN_PUBLIC, NULL, NULL,
				  &origin), TEEC_SUCCESS);
	CHECK_EQ(TEEC_OpenSession(&t.ctx, &s2, &it_uuid_arith, TEEC_LOGIN_PUBLIC, NULL, NULL,
				  &origin), TEEC_SUCCESS);
	CHECK(s.session_id != s2.session_id);
	CHECK_EQ(arith(&s, TA_ARITH_CMD_ADD, ~0ull, 2, &lo, &hi), TEEC_SUCCESS);
	CHECK_EQ(lo, 1);
	CHECK_EQ(hi, 1);
	CHECK_EQ(arith(&s, TA_ARITH_CMD_MUL, 1ull << 40, 1ull << 40, &lo, &hi), TEEC_SUCCESS);
	CHECK_EQ(lo, 0);
	CHECK_EQ(hi, 1ull << 16);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INOUT, TEEC_VALUE_INOUT, TEEC_VALUE_INOUT,
					 TEEC_VALUE_INOUT);
	for (i = 0; i < 4; i++)
		op.params[i].value.a = op.params[i].value.b = 100 * i;
	CHECK_EQ(TEEC_InvokeCommand(&s, TA_ARITH_CMD_INC4, &op, &origin), TEEC_SUCCESS);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(op.params[i].value.a, 100 * i + 1);
		CHECK_EQ(op.params[i].value.b, 100 * i + 2);
	}
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	CHECK_EQ(TEEC_InvokeCommand(&s, TA_ARITH_CMD_COUNT, &op, &origin), TEEC_SUCCESS);
	CHECK_EQ(op.params[0].value.a, 4);
	/* A wrong shape is the TA's answer, with origin TA. */
	CHECK_EQ(TEEC_InvokeCommand(&s2, TA_ARITH_CMD_ADD, &op, &origin),
		 TEEC_ERROR_BAD_PARAMETERS);
	TEEC_CloseSession(&s);
	TEEC_CloseSession(&s2);
out:
	it_teardown(&t);
}

/* FILL, CHECKSUM, REVERSE of a scattered temporary buffer of `pages` pages. */
static void temp_roundtrip(struct it *t, TEEC_Session *s, size_t pages, uint32_t offset)
{
	size_t size = pages * 4096 - offset - 5, i;
	TEEC_TempMemoryReference ref, use;
	uint8_t *want = malloc(size), *got = malloc(size);
	TEEC_Operation op;
	uint32_t origin;

	CHECK(want && got);
	if (!want || !got)
		goto out;
	CHECK_EQ(teec_temp_alloc(&t->ctx, size + offset, GDRV_PAGES_SCATTER, &ref), TEEC_SUCCESS);
	CHECK(pages == 1 || ref.pages != NULL); /* scattered: not contiguous */
	use = ref;
	use.page_offset = offset;
	use.size = size;
	for (i = 0; i < size; i++)
		want[i] = (uint8_t)(i * 31 + (i >> 12));
	CHECK_EQ(teec_temp_write(&t->ctx, &use, 0, want, size), TEEC_SUCCESS);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].tmpref = use;
	CHECK_EQ(TEEC_InvokeCommand(s, TA_BUF_CMD_CHECKSUM, &op, &origin), TEEC_SUCCESS);
	CHECK_EQ(op.params[1].value.a, wl_fnv1a(WL_FNV_BASIS, want, size));
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INOUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	op.params[0].tmpref = use;
	CHECK_EQ(TEEC_InvokeCommand(s, TA_BUF_CMD_REVERSE, &op, &origin), TEEC_SUCCESS);
	CHECK_EQ(teec_temp_read(&t->ctx, &use, 0, got, size), TEEC_SUCCESS);
	for (i = 0; i < size && got[i] == want[size - 1 - i]; i++)
		;
	CHECK_EQ(i, size);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].value.a = 0xc3;
	op.params[1].tmpref = use;
	CHECK_EQ(TEEC_InvokeCommand(s, TA_BUF_CMD_FILL, &op, &origin), TEEC_SUCCESS);
	CHECK_EQ(op.params[1].tmpref.size, size);
	CHECK_EQ(teec_temp_read(&t->ctx, &use, 0, got, size), TEEC_SUCCESS);
	for (i = 0; i < size && got[i] == 0xc3; i++)
		;
	CHECK_EQ(i, size);
	teec_temp_free(&t->ctx, &ref);
out:
	free(want);
	free(got);
}

/* Past 511 pages the page list spans list pages; past 4096 the mediator preempts. */
static void temp_memrefs_of_many_pages(void)
{
	static const size_t pages[] = { 1, 2, 511, 512, 1023, 2048, 6000 };
	struct teemed_stats st0, st;
	struct gdrv_stats ds;
	struct it_config c;
	TEEC_Session s;
	uint32_t origin;
	struct it t;
	size_t i;

	it_config_default(&c, MACHINE_MEDIATED);
	c.ram = 64ull << 20;
	if (!it_setup(&t, &c))
		goto out;
	/* What the driver itself holds (its registered argument pages). */
	teemed_domain_stats(machine_mediator(t.m), machine_guest_domain(t.g), &st0);
	CHECK_EQ(TEEC_OpenSession(&t.ctx, &s, &it_uuid_buf, TEEC_LOGIN_PUBLIC, NULL, NULL,
				  &origin), TEEC_SUCCESS);
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		temp_roundtrip(&t, &s, pages[i], (uint32_t)(i * 577) % 4096);
	TEEC_CloseSession(&s);
	gdrv_get_stats(t.drv, &ds);
	teemed_domain_stats(machine_mediator(t.m), machine_guest_domain(t.g), &st);
	/* 6000 pages is more than one work budget (4096 pages). */
	CHECK(st.preemptions > 0);
	CHECK(ds.rpc_foreign_intr >= st.preemptions);
	CHECK_EQ(st.pages_held, st0.pages_held);
out:
	it_teardown(&t);
}

void basic_tests(void)
{
	RUN(probe_through_the_mediator);
	RUN(sessions_and_values);
	RUN(temp_memrefs_of_many_pages);
}
