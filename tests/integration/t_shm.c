/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Registered shared memory: caller memory and allocated buffers used as
 * RMEM, and a 1 GiB registration whose pinning and release the mediator
 * preempts (visible in the driver's FOREIGN_INTR count).
 */
#include <stdlib.h>
#include <string.h>

#include "tests/integration/itest.h"

#define MIB (1ull << 20)

static uint64_t rmem_checksum(TEEC_Session *s, TEEC_SharedMemory *sh, size_t off, size_t len,
			      TEEC_Result *r)
{
	TEEC_Operation op;
	uint32_t origin;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, TEEC_VALUE_OUTPUT,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].memref.parent = sh;
	op.params[0].memref.offset = off;
	op.params[0].memref.size = len;
	*r = TEEC_InvokeCommand(s, TA_BUF_CMD_CHECKSUM, &op, &origin);
	return op.params[1].value.a;
}

static TEEC_Result rmem_fill(TEEC_Session *s, TEEC_SharedMemory *sh, size_t off, size_t len,
			     uint8_t byte)
{
	TEEC_Operation op;
	uint32_t origin;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_PARTIAL_OUTPUT,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = byte;
	op.params[1].memref.parent = sh;
	op.params[1].memref.offset = off;
	op.params[1].memref.size = len;
	return TEEC_InvokeCommand(s, TA_BUF_CMD_FILL, &op, &origin);
}

static void registered_and_allocated_memory(void)
{
	size_t size = 3 * MIB + 123, i;
	uint8_t *want = malloc(size), *got = malloc(size);
	TEEC_SharedMemory reg, alloc;
	struct teemed_stats st0, st;
	struct it_config c;
	TEEC_Session s;
	uint64_t *pages = NULL;
	size_t npages = (size + 100 + 4095) / 4096;
	uint32_t origin;
	TEEC_Result r;
	struct it t;

	it_config_default(&c, MACHINE_MEDIATED);
	c.ram = 64 * MIB;
	if (!want || !got || !it_setup(&t, &c))
		goto out;
	/* What the driver itself holds (its registered argument pages). */
	teemed_domain_stats(machine_mediator(t.m), machine_guest_domain(t.g), &st0);
	CHECK_EQ(TEEC_OpenSession(&t.ctx, &s, &it_uuid_buf, TEEC_LOGIN_PUBLIC, NULL, NULL,
				  &origin), TEEC_SUCCESS);
	/* Caller memory: a contiguous IPA range starting 100 bytes into a page. */
	pages = calloc(npages, sizeof(*pages));
	CHECK(pages && gdrv_pages_alloc(t.drv, npages, GDRV_PAGES_CONTIG, pages) == GDRV_OK);
	memset(&reg, 0, sizeof(reg));
	reg.buffer = pages[0] + 100;
	reg.size = size;
	reg.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	CHECK_EQ(TEEC_RegisterSharedMemory(&t.ctx, &reg), TEEC_SUCCESS);
	for (i = 0; i < size; i++)
		want[i] = (uint8_t)(i ^ (i >> 9));
	CHECK_EQ(teec_shm_write(&reg, 0, want, size), TEEC_SUCCESS);
	CHECK_EQ(rmem_checksum(&s, &reg, 0, size, &r), wl_fnv1a(WL_FNV_BASIS, want, size));
	CHECK_EQ(r, TEEC_SUCCESS);
	CHECK_EQ(rmem_checksum(&s, &reg, 4000, 10000, &r),
		 wl_fnv1a(WL_FNV_BASIS, want + 4000, 10000));
	CHECK_EQ(rmem_fill(&s, &reg, MIB, 5000, 0x11), TEEC_SUCCESS);
	memset(want + MIB, 0x11, 5000);
	CHECK_EQ(teec_shm_read(&reg, 0, got, size), TEEC_SUCCESS);
	CHECK(!memcmp(want, got, size));
	TEEC_ReleaseSharedMemory(&reg);
	gdrv_pages_free(t.drv, pages, npages);

	/* Allocated, scattered pages. */
	memset(&alloc, 0, sizeof(alloc));
	alloc.size = 16 * MIB;
	alloc.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	CHECK_EQ(teec_allocate_shared_memory_policy(&t.ctx, &alloc, GDRV_PAGES_SCATTER),
		 TEEC_SUCCESS);
	CHECK_EQ(rmem_fill(&s, &alloc, 0, alloc.size, 0x42), TEEC_SUCCESS);
	CHECK_EQ(teec_shm_read(&alloc, alloc.size - 16, got, 16), TEEC_SUCCESS);
	CHECK_EQ(got[15], 0x42);
	TEEC_ReleaseSharedMemory(&alloc);
	teemed_domain_stats(machine_mediator(t.m), machine_guest_domain(t.g), &st);
	CHECK_EQ(st.buffers_registered - st0.buffers_registered, 2);
	CHECK_EQ(st.buffers_held, st0.buffers_held);
	CHECK_EQ(st.pages_held, st0.pages_held);
	TEEC_CloseSession(&s);
out:
	free(pages);
	free(want);
	free(got);
	it_teardown(&t);
}

/* 1 GiB: the largest buffer (max_buffer_pages), pinned in many budgets. */
static void one_gib_registration(void)
{
	uint8_t tail[4096], back[4096];
	struct teemed_stats st0, st;
	struct gdrv_stats before, after;
	TEEC_SharedMemory sh;
	struct it_config c;
	TEEC_Session s;
	uint32_t origin;
	TEEC_Result r;
	struct it t;

	it_config_default(&c, MACHINE_MEDIATED);
	/* The buffer, its 513 list pages and the driver's own pages. */
	c.ram = 1024 * MIB + 16 * MIB;
	if (!it_setup(&t, &c))
		goto out;
	CHECK_EQ(TEEC_OpenSession(&t.ctx, &s, &it_uuid_buf, TEEC_LOGIN_PUBLIC, NULL, NULL,
				  &origin), TEEC_SUCCESS);
	gdrv_get_stats(t.drv, &before);
	teemed_domain_stats(machine_mediator(t.m), machine_guest_domain(t.g), &st0);
	memset(&sh, 0, sizeof(sh));
	sh.size = 1024 * MIB;
	sh.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	CHECK_EQ(TEEC_AllocateSharedMemory(&t.ctx, &sh), TEEC_SUCCESS);
	if (!sh.imp)
		goto close;
	gdrv_get_stats(t.drv, &after);
	teemed_domain_stats(machine_mediator(t.m), machine_guest_domain(t.g), &st);
	/* 262144 pages in budgets of 4096: the guest saw the preemptions. */
	CHECK(st.preemptions >= 262144 / 4096 - 1);
	CHECK(after.rpc_foreign_intr - before.rpc_foreign_intr >= 262144 / 4096 - 1);
	CHECK(st.pages_held - st0.pages_held >= 262144);
	memset(tail, 0x9d, sizeof(tail));
	CHECK_EQ(teec_shm_write(&sh, sh.size - sizeof(tail), tail, sizeof(tail)), TEEC_SUCCESS);
	CHECK_EQ(rmem_checksum(&s, &sh, sh.size - sizeof(tail), sizeof(tail), &r),
		 wl_fnv1a(WL_FNV_BASIS, tail, sizeof(tail)));
	CHECK_EQ(r, TEEC_SUCCESS);
	CHECK_EQ(rmem_fill(&s, &sh, 512 * MIB - 10, 20, 0x6b), TEEC_SUCCESS);
	CHECK_EQ(teec_shm_read(&sh, 512 * MIB - 4096, back, sizeof(back)), TEEC_SUCCESS);
	CHECK_EQ(back[4096 - 11], 0);
	CHECK_EQ(back[4096 - 10], 0x6b);
	TEEC_ReleaseSharedMemory(&sh);
	teemed_domain_stats(machine_mediator(t.m), machine_guest_domain(t.g), &st);
	CHECK_EQ(st.pages_held, st0.pages_held);
	CHECK_EQ(st.buffers_held, st0.buffers_held);
close:
	TEEC_CloseSession(&s);
out:
	it_teardown(&t);
}

void shm_tests(void)
{
	RUN(registered_and_allocated_memory);
	RUN(one_gib_registration);
}
