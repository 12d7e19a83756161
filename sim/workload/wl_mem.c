/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Operations on memory references: temporary buffers (TMEM|NONCONTIG page
 * lists built per call), caller memory registered with REGISTER_SHM, and
 * allocated shared memory, all through the buffer TA, with every byte
 * checked.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/optee/ta_api.h"
#include "sim/workload/wl_internal.h"

#define PAGE 4096u

/* --- temporary buffers ---------------------------------------------------- */

/* A temporary buffer starting `offset` bytes into its first page. */
struct temp {
	TEEC_TempMemoryReference alloc; /* as allocated, for teec_temp_free */
	TEEC_TempMemoryReference ref;   /* as passed */
};

static bool temp_get(struct wl_vcpu *v, size_t size, uint32_t offset, struct temp *t)
{
	/* Three in four scattered (no two pages adjacent), else any placement. */
	unsigned policy = wl_below(v, 4) ? GDRV_PAGES_SCATTER : GDRV_PAGES_ANY;
	TEEC_Result r = teec_temp_alloc(&v->g->ctx, size + offset, policy, &t->alloc);

	if (r != TEEC_SUCCESS) {
		wl_local_error(v, WL_BUF, "temporary buffer", r);
		return false;
	}
	t->ref = t->alloc;
	t->ref.size = size;
	if (t->ref.pages)
		t->ref.page_offset = offset;
	else
		t->ref.buffer += offset;
	return true;
}

static void temp_put(struct wl_vcpu *v, struct temp *t)
{
	teec_temp_free(&v->g->ctx, &t->alloc);
}

static bool temp_write(struct wl_vcpu *v, struct temp *t, const uint8_t *src, size_t n)
{
	return teec_temp_write(&v->g->ctx, &t->ref, 0, src, n) == TEEC_SUCCESS;
}

static bool temp_read(struct wl_vcpu *v, struct temp *t, uint8_t *dst, size_t n)
{
	if (teec_temp_read(&v->g->ctx, &t->ref, 0, dst, n) == TEEC_SUCCESS)
		return true;
	wl_local_error(v, WL_BUF, "temporary buffer read", 0);
	return false;
}

static void reverse(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n / 2; i++) {
		uint8_t x = p[i];

		p[i] = p[n - 1 - i];
		p[n - 1 - i] = x;
	}
}

static TEEC_Operation op_of(uint32_t types)
{
	TEEC_Operation op;

	memset(&op, 0, sizeof(op));
	op.paramTypes = types;
	return op;
}

static bool buf_session(struct wl_vcpu *v, enum wl_kind k)
{
	if (!v->buf_open)
		v->buf_open = wl_open(v, k, &v->buf, &wl_uuid_buf);
	return v->buf_open;
}

static void buf_copy(struct wl_vcpu *v, size_t size)
{
	/* One COPY in four into a destination too small: SHORT_BUFFER. */
	bool short_dst = size > 1 && wl_below(v, 4) == 0;
	size_t dsize = short_dst ? size / 2 : size + wl_below(v, PAGE);
	TEEC_Operation op;
	struct temp src, dst;
	uint32_t origin;
	uint64_t sum = 0;
	TEEC_Result r;

	if (!wl_scratch(v, dsize) || !temp_get(v, size, (uint32_t)wl_below(v, PAGE), &src))
		return;
	if (!temp_get(v, dsize, (uint32_t)wl_below(v, PAGE), &dst)) {
		temp_put(v, &src);
		return;
	}
	wl_fill_seeded(v->want, size, wl_rand(v));
	if (temp_write(v, &src, v->want, size)) {
		op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT,
					    TEEC_NONE, TEEC_NONE));
		op.params[0].tmpref = src.ref;
		op.params[1].tmpref = dst.ref;
		r = wl_invoke(v, WL_CALL_BUF, &v->buf, TA_BUF_CMD_COPY, &op, &origin);
		v->bytes += size + dsize;
		if (short_dst) {
			wl_expect(v, WL_BUF, "copy to a short buffer", r, TEEC_ERROR_SHORT_BUFFER);
		} else if (wl_expect(v, WL_BUF, "copy", r, TEEC_SUCCESS) &&
			   temp_read(v, &dst, v->got, size)) {
			sum = wl_fnv1a(WL_FNV_BASIS, v->got, size);
			wl_expect(v, WL_BUF, "copied bytes", sum, wl_fnv1a(WL_FNV_BASIS, v->want, size));
		}
		wl_expect(v, WL_BUF, "copy size", op.params[1].tmpref.size, size);
		wl_record(v, WL_BUF, WL_CALL_BUF, TA_BUF_CMD_COPY, size, r, origin,
			  op.params[1].tmpref.size, sum);
	}
	temp_put(v, &dst);
	temp_put(v, &src);
}

void wl_op_buf(struct wl_vcpu *v)
{
	uint32_t cmd = (uint32_t)wl_below(v, 4), origin, offset;
	size_t size = wl_pick_size(v, 1, v->g->cfg.temp_max), i;
	uint64_t sum = 0, want_sum;
	TEEC_Operation op;
	struct temp t;
	TEEC_Result r;
	uint8_t fill;

	if (!buf_session(v, WL_BUF) || !wl_scratch(v, size))
		return;
	if (cmd == TA_BUF_CMD_COPY) {
		buf_copy(v, size);
		return;
	}
	offset = wl_below(v, 2) ? (uint32_t)wl_below(v, PAGE) : 0;
	if (!temp_get(v, size, offset, &t))
		return;
	v->bytes += size;
	switch (cmd) {
	case TA_BUF_CMD_FILL:
		fill = (uint8_t)wl_rand(v);
		op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					    TEEC_NONE));
		op.params[0].value.a = fill;
		op.params[1].tmpref = t.ref;
		r = wl_invoke(v, WL_CALL_BUF, &v->buf, cmd, &op, &origin);
		if (wl_expect(v, WL_BUF, "fill", r, TEEC_SUCCESS) &&
		    wl_expect(v, WL_BUF, "fill size", op.params[1].tmpref.size, size) &&
		    temp_read(v, &t, v->got, size)) {
			for (i = 0; i < size && v->got[i] == fill; i++)
				;
			wl_expect(v, WL_BUF, "first byte not filled", i, size);
			sum = wl_fnv1a(WL_FNV_BASIS, v->got, size);
		}
		wl_record(v, WL_BUF, WL_CALL_BUF, cmd, size, r, origin, op.params[1].tmpref.size,
			  sum);
		break;
	case TA_BUF_CMD_CHECKSUM:
		wl_fill_seeded(v->want, size, wl_rand(v));
		if (!temp_write(v, &t, v->want, size))
			break;
		op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE,
					    TEEC_NONE));
		op.params[0].tmpref = t.ref;
		r = wl_invoke(v, WL_CALL_BUF, &v->buf, cmd, &op, &origin);
		want_sum = wl_fnv1a(WL_FNV_BASIS, v->want, size);
		if (wl_expect(v, WL_BUF, "checksum", r, TEEC_SUCCESS))
			wl_expect(v, WL_BUF, "checksum value", op.params[1].value.a, want_sum);
		wl_record(v, WL_BUF, WL_CALL_BUF, cmd, size, r, origin, op.params[1].value.a, 0);
		break;
	default: /* REVERSE */
		wl_fill_seeded(v->want, size, wl_rand(v));
		if (!temp_write(v, &t, v->want, size))
			break;
		op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INOUT, TEEC_NONE, TEEC_NONE,
					    TEEC_NONE));
		op.params[0].tmpref = t.ref;
		r = wl_invoke(v, WL_CALL_BUF, &v->buf, TA_BUF_CMD_REVERSE, &op, &origin);
		reverse(v->want, size);
		if (wl_expect(v, WL_BUF, "reverse", r, TEEC_SUCCESS) &&
		    temp_read(v, &t, v->got, size)) {
			sum = wl_fnv1a(WL_FNV_BASIS, v->got, size);
			wl_expect(v, WL_BUF, "reversed bytes", sum,
				  wl_fnv1a(WL_FNV_BASIS, v->want, size));
		}
		wl_record(v, WL_BUF, WL_CALL_BUF, TA_BUF_CMD_REVERSE, size, r, origin,
			  op.params[0].tmpref.size, sum);
		break;
	}
	temp_put(v, &t);
}

/* --- registered shared memory ------------------------------------------- */

/*
 * Use a registered object: write it whole, CHECKSUM a sub-range, FILL
 * another, and check every byte of the object after. `k` is the kind.
 */
static void use_shm(struct wl_vcpu *v, enum wl_kind k, TEEC_SharedMemory *sh)
{
	size_t size = sh->size, o1, l1, o2, l2, i;
	uint64_t sum = 0;
	TEEC_Operation op;
	uint32_t origin;
	TEEC_Result r;
	uint8_t fill = (uint8_t)wl_rand(v);

	wl_fill_seeded(v->want, size, wl_rand(v));
	if (teec_shm_write(sh, 0, v->want, size) != TEEC_SUCCESS) {
		wl_local_error(v, k, "shared memory write", 0);
		return;
	}
	o1 = wl_below(v, size);
	l1 = 1 + wl_below(v, size - o1);
	op = op_of(TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE,
				    TEEC_NONE));
	op.params[0].memref.parent = sh;
	op.params[0].memref.offset = o1;
	op.params[0].memref.size = l1;
	r = wl_invoke(v, WL_CALL_BUF, &v->buf, TA_BUF_CMD_CHECKSUM, &op, &origin);
	if (wl_expect(v, k, "rmem checksum", r, TEEC_SUCCESS))
		wl_expect(v, k, "rmem checksum value", op.params[1].value.a,
			  wl_fnv1a(WL_FNV_BASIS, v->want + o1, l1));
	wl_record(v, k, WL_CALL_BUF, TA_BUF_CMD_CHECKSUM, o1 ^ (l1 << 32), r, origin,
		  op.params[1].value.a, 0);

	o2 = wl_below(v, size);
	l2 = 1 + wl_below(v, size - o2);
	op = op_of(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_PARTIAL_OUTPUT, TEEC_NONE,
				    TEEC_NONE));
	op.params[0].value.a = fill;
	op.params[1].memref.parent = sh;
	op.params[1].memref.offset = o2;
	op.params[1].memref.size = l2;
	r = wl_invoke(v, WL_CALL_BUF, &v->buf, TA_BUF_CMD_FILL, &op, &origin);
	v->bytes += l1 + l2;
	if (wl_expect(v, k, "rmem fill", r, TEEC_SUCCESS) &&
	    wl_expect(v, k, "rmem fill size", op.params[1].memref.size, l2)) {
		memset(v->want + o2, fill, l2);
		if (teec_shm_read(sh, 0, v->got, size) == TEEC_SUCCESS) {
			for (i = 0; i < size && v->got[i] == v->want[i]; i++)
				;
			wl_expect(v, k, "first wrong byte of the object", i, size);
			sum = wl_fnv1a(WL_FNV_BASIS, v->got, size);
		}
	}
	wl_record(v, k, WL_CALL_BUF, TA_BUF_CMD_FILL, o2 ^ (l2 << 32), r, origin,
		  op.params[1].memref.size, sum);
}

static void release_shm(struct wl_vcpu *v, enum wl_kind k, TEEC_SharedMemory *sh)
{
	uint64_t t0 = wl_now_ns();

	TEEC_ReleaseSharedMemory(sh);
	wl_account(v, WL_CALL_RELEASE, t0, TEEC_SUCCESS);
	wl_record(v, k, WL_CALL_RELEASE, 0, 0, 0, 0, 0, 0);
}

/* Caller memory: a contiguous IPA range, maybe not page aligned. */
void wl_op_shm_reg(struct wl_vcpu *v)
{
	size_t max = v->g->cfg.temp_max < (4u << 20) ? v->g->cfg.temp_max : (4u << 20);
	size_t size = wl_pick_size(v, 1, max);
	uint32_t offset = wl_below(v, 2) ? (uint32_t)wl_below(v, PAGE) : 0;
	size_t npages = (offset + size + PAGE - 1) / PAGE;
	TEEC_SharedMemory sh;
	uint64_t *pages, t0;
	TEEC_Result r;

	if (!buf_session(v, WL_SHM_REG) || !wl_scratch(v, size))
		return;
	pages = malloc(npages * sizeof(*pages));
	if (!pages || gdrv_pages_alloc(v->g->drv, npages, GDRV_PAGES_CONTIG, pages)) {
		wl_local_error(v, WL_SHM_REG, "contiguous guest pages", 0);
		free(pages);
		return;
	}
	memset(&sh, 0, sizeof(sh));
	sh.buffer = pages[0] + offset;
	sh.size = size;
	sh.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	t0 = wl_now_ns();
	r = TEEC_RegisterSharedMemory(&v->g->ctx, &sh);
	wl_account(v, WL_CALL_REGISTER, t0, r);
	wl_record(v, WL_SHM_REG, WL_CALL_REGISTER, 0, size, r, 0, 0, 0);
	if (wl_expect(v, WL_SHM_REG, "register", r, TEEC_SUCCESS)) {
		use_shm(v, WL_SHM_REG, &sh);
		release_shm(v, WL_SHM_REG, &sh);
	}
	gdrv_pages_free(v->g->drv, pages, npages);
	free(pages);
}

/* Allocated shared memory; vCPU 0 sometimes takes the large size. */
void wl_op_shm_alloc(struct wl_vcpu *v)
{
	bool large = v->index == 0 && v->g->cfg.large_max && wl_below(v, 8) == 0;
	size_t size = large ? v->g->cfg.large_max : wl_pick_size(v, 1, v->g->cfg.temp_max);
	/* Scattered pages span twice their size: the large buffer takes any. */
	unsigned policy = wl_below(v, 2) && !large ? GDRV_PAGES_SCATTER : GDRV_PAGES_ANY;
	TEEC_SharedMemory sh;
	uint64_t t0;
	TEEC_Result r;

	if (!buf_session(v, WL_SHM_ALLOC) || !wl_scratch(v, size))
		return;
	memset(&sh, 0, sizeof(sh));
	sh.size = size;
	sh.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	t0 = wl_now_ns();
	r = teec_allocate_shared_memory_policy(&v->g->ctx, &sh, policy);
	wl_account(v, WL_CALL_REGISTER, t0, r);
	wl_record(v, WL_SHM_ALLOC, WL_CALL_REGISTER, 1, size, r, 0, 0, 0);
	if (!wl_expect(v, WL_SHM_ALLOC, "allocate shared memory", r, TEEC_SUCCESS))
		return;
	use_shm(v, WL_SHM_ALLOC, &sh);
	release_shm(v, WL_SHM_ALLOC, &sh);
}
