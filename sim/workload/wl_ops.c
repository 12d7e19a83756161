/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Operations on the TAs that take values, small buffers and RPCs: arith,
 * storage, shmkeep, sleep, devenum, panic. Each checks every result against
 * what it must be and records every call.
 */
#include <string.h>

#include "sim/optee/ta_api.h"
#include "sim/workload/wl_internal.h"
#include "teemed/optee_rpc_cmd.h"

static TEEC_Operation op_values(uint32_t types)
{
	TEEC_Operation op;

	memset(&op, 0, sizeof(op));
	op.paramTypes = types;
	return op;
}

/* --- arith ---------------------------------------------------------------- */

static void mul128(uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
	unsigned __int128 p = (unsigned __int128)a * b;

	*lo = (uint64_t)p;
	*hi = (uint64_t)(p >> 64);
}

void wl_op_arith(struct wl_vcpu *v)
{
	const uint32_t in_out = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT,
						 TEEC_NONE, TEEC_NONE);
	uint32_t cmd = (uint32_t)wl_below(v, 4), origin = 0, i;
	uint64_t a = wl_rand(v), b = wl_rand(v), lo = 0, hi = 0;
	TEEC_Operation op;
	TEEC_Result r;

	if (v->arith_open && v->arith_invokes >= WL_SESSION_CHURN) {
		wl_close(v, WL_ARITH, &v->arith);
		v->arith_open = false;
	}
	if (!v->arith_open) {
		if (!wl_open(v, WL_ARITH, &v->arith, &wl_uuid_arith))
			return;
		v->arith_open = true;
		v->arith_invokes = 0;
	}
	v->arith_invokes++;
	switch (cmd) {
	case TA_ARITH_CMD_ADD:
	case TA_ARITH_CMD_MUL:
		op = op_values(in_out);
		op.params[0].value.a = a;
		op.params[0].value.b = b;
		r = wl_invoke(v, WL_CALL_ARITH, &v->arith, cmd, &op, &origin);
		if (cmd == TA_ARITH_CMD_ADD) {
			lo = a + b;
			hi = lo < a;
		} else {
			mul128(a, b, &lo, &hi);
		}
		if (wl_expect(v, WL_ARITH, "arith ret", r, TEEC_SUCCESS)) {
			wl_expect(v, WL_ARITH, "arith low", op.params[1].value.a, lo);
			wl_expect(v, WL_ARITH, "arith high/carry", op.params[1].value.b, hi);
		}
		wl_record(v, WL_ARITH, WL_CALL_ARITH, cmd, a ^ b, r, origin, op.params[1].value.a,
			  op.params[1].value.b);
		break;
	case TA_ARITH_CMD_INC4:
		op = op_values(TEEC_PARAM_TYPES(TEEC_VALUE_INOUT, TEEC_VALUE_INOUT,
						TEEC_VALUE_INOUT, TEEC_VALUE_INOUT));
		for (i = 0; i < 4; i++) {
			op.params[i].value.a = a + i;
			op.params[i].value.b = b + i;
		}
		r = wl_invoke(v, WL_CALL_ARITH, &v->arith, cmd, &op, &origin);
		if (wl_expect(v, WL_ARITH, "inc4 ret", r, TEEC_SUCCESS)) {
			for (i = 0; i < 4; i++) {
				wl_expect(v, WL_ARITH, "inc4 a", op.params[i].value.a, a + i + 1);
				wl_expect(v, WL_ARITH, "inc4 b", op.params[i].value.b, b + i + 2);
			}
		}
		wl_record(v, WL_ARITH, WL_CALL_ARITH, cmd, a ^ b, r, origin, op.params[0].value.a,
			  op.params[3].value.b);
		break;
	default:
		op = op_values(TEEC_PARAM_TYPES(TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE));
		r = wl_invoke(v, WL_CALL_ARITH, &v->arith, TA_ARITH_CMD_COUNT, &op, &origin);
		if (wl_expect(v, WL_ARITH, "count ret", r, TEEC_SUCCESS))
			wl_expect(v, WL_ARITH, "count", op.params[0].value.a, v->arith_invokes);
		wl_record(v, WL_ARITH, WL_CALL_ARITH, TA_ARITH_CMD_COUNT, 0, r, origin,
			  op.params[0].value.a, 0);
		break;
	}
}

/* --- storage -------------------------------------------------------------- */

static uint64_t object_id(const struct wl_vcpu *v, unsigned slot)
{
	return ((uint64_t)v->g->index << 32) | ((uint64_t)v->index << 8) | slot;
}

/* A temporary buffer of `len` bytes holding want[0..len) if `input`. */
static bool temp_buffer(struct wl_vcpu *v, enum wl_kind k, size_t len, bool input,
			TEEC_TempMemoryReference *ref)
{
	TEEC_Result r = teec_temp_alloc(&v->g->ctx, len, GDRV_PAGES_SCATTER, ref);

	if (r != TEEC_SUCCESS) {
		wl_local_error(v, k, "temporary buffer", r);
		return false;
	}
	if (input && teec_temp_write(&v->g->ctx, ref, 0, v->want, len) != TEEC_SUCCESS) {
		teec_temp_free(&v->g->ctx, ref);
		wl_local_error(v, k, "temporary buffer write", 0);
		return false;
	}
	return true;
}

static void storage_write(struct wl_vcpu *v, unsigned slot)
{
	uint32_t len = (uint32_t)wl_pick_size(v, 1, WL_STORAGE_MAX), origin;
	uint64_t seed = wl_rand(v);
	TEEC_TempMemoryReference ref;
	TEEC_Operation op;
	TEEC_Result r;

	if (!wl_scratch(v, len))
		return;
	wl_fill_seeded(v->want, len, seed);
	if (!temp_buffer(v, WL_STORAGE, len, true, &ref))
		return;
	op = op_values(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_NONE,
					TEEC_NONE));
	op.params[0].value.a = object_id(v, slot);
	op.params[1].tmpref = ref;
	r = wl_invoke(v, WL_CALL_STORAGE, &v->storage, TA_STORAGE_CMD_WRITE, &op, &origin);
	v->bytes += len;
	if (wl_expect(v, WL_STORAGE, "storage write", r, TEEC_SUCCESS)) {
		v->obj[slot].exists = true;
		v->obj[slot].seed = seed;
		v->obj[slot].len = len;
	}
	wl_record(v, WL_STORAGE, WL_CALL_STORAGE, TA_STORAGE_CMD_WRITE, len, r, origin,
		  wl_fnv1a(WL_FNV_BASIS, v->want, len), 0);
	teec_temp_free(&v->g->ctx, &ref);
}

static void storage_read(struct wl_vcpu *v, unsigned slot)
{
	uint32_t len = v->obj[slot].exists ? v->obj[slot].len : 4096, origin;
	/* One read in four with a buffer too small: SHORT_BUFFER. */
	size_t cap = wl_below(v, 4) == 0 && len > 1 ? len / 2 : len;
	uint64_t sum = 0;
	TEEC_TempMemoryReference ref;
	TEEC_Operation op;
	TEEC_Result r;

	if (!wl_scratch(v, len) || !temp_buffer(v, WL_STORAGE, cap, false, &ref))
		return;
	op = op_values(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					TEEC_NONE));
	op.params[0].value.a = object_id(v, slot);
	op.params[1].tmpref = ref;
	r = wl_invoke(v, WL_CALL_STORAGE, &v->storage, TA_STORAGE_CMD_READ, &op, &origin);
	v->bytes += cap;
	if (!v->obj[slot].exists) {
		wl_expect(v, WL_STORAGE, "read of a deleted object", r, TEEC_ERROR_ITEM_NOT_FOUND);
	} else if (cap < len) {
		if (wl_expect(v, WL_STORAGE, "short read", r, TEEC_ERROR_SHORT_BUFFER))
			wl_expect(v, WL_STORAGE, "short read size", op.params[1].tmpref.size, len);
	} else if (wl_expect(v, WL_STORAGE, "read", r, TEEC_SUCCESS) &&
		   wl_expect(v, WL_STORAGE, "read size", op.params[1].tmpref.size, len)) {
		wl_fill_seeded(v->want, len, v->obj[slot].seed);
		if (teec_temp_read(&v->g->ctx, &ref, 0, v->got, len) == TEEC_SUCCESS) {
			sum = wl_fnv1a(WL_FNV_BASIS, v->got, len);
			wl_expect(v, WL_STORAGE, "read content", sum,
				  wl_fnv1a(WL_FNV_BASIS, v->want, len));
		}
	}
	wl_record(v, WL_STORAGE, WL_CALL_STORAGE, TA_STORAGE_CMD_READ, cap, r, origin,
		  op.params[1].tmpref.size, sum);
	teec_temp_free(&v->g->ctx, &ref);
}

static void storage_delete(struct wl_vcpu *v, unsigned slot)
{
	TEEC_Operation op = op_values(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE,
						       TEEC_NONE));
	uint32_t origin;
	TEEC_Result r;

	op.params[0].value.a = object_id(v, slot);
	r = wl_invoke(v, WL_CALL_STORAGE, &v->storage, TA_STORAGE_CMD_DELETE, &op, &origin);
	wl_expect(v, WL_STORAGE, "delete", r,
		  v->obj[slot].exists ? TEEC_SUCCESS : TEEC_ERROR_ITEM_NOT_FOUND);
	v->obj[slot].exists = false;
	wl_record(v, WL_STORAGE, WL_CALL_STORAGE, TA_STORAGE_CMD_DELETE, slot, r, origin, 0, 0);
}

void wl_op_storage(struct wl_vcpu *v)
{
	unsigned slot = (unsigned)wl_below(v, WL_STORAGE_OBJECTS);

	if (!v->storage_open) {
		if (!wl_open(v, WL_STORAGE, &v->storage, &wl_uuid_storage))
			return;
		v->storage_open = true;
	}
	switch (wl_below(v, 4)) {
	case 0:
	case 1:
		storage_write(v, slot);
		break;
	case 2:
		storage_read(v, slot);
		break;
	default:
		storage_delete(v, slot);
		break;
	}
}

/* --- shmkeep -------------------------------------------------------------- */

static TEEC_Result shmkeep_call(struct wl_vcpu *v, uint32_t cmd, uint64_t a, uint64_t b,
				uint64_t *out)
{
	uint32_t types = cmd == TA_SHMKEEP_CMD_FREE ? TEEC_PARAM_TYPES(TEEC_NONE, TEEC_NONE,
								       TEEC_NONE, TEEC_NONE)
			 : cmd == TA_SHMKEEP_CMD_CHECK
				 ? TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT,
						    TEEC_NONE, TEEC_NONE)
				 : TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE,
						    TEEC_NONE);
	TEEC_Operation op = op_values(types);
	uint32_t origin;
	TEEC_Result r;

	op.params[0].value.a = a;
	op.params[0].value.b = b;
	r = wl_invoke(v, WL_CALL_SHMKEEP, &v->shmkeep, cmd, &op, &origin);
	*out = op.params[1].value.a;
	wl_record(v, WL_SHMKEEP, WL_CALL_SHMKEEP, cmd, a, r, origin, *out, 0);
	return r;
}

void wl_op_shmkeep(struct wl_vcpu *v)
{
	uint64_t out = 0, type, size;
	TEEC_Result r;

	if (!v->shmkeep_open) {
		if (!wl_open(v, WL_SHMKEEP, &v->shmkeep, &wl_uuid_shmkeep))
			return;
		v->shmkeep_open = true;
	}
	if (!v->kept) {
		/* KERNEL buffers are one page at most (dynamic SHM); APPL any size. */
		type = wl_below(v, 4) ? OPTEE_RPC_SHM_TYPE_APPL : OPTEE_RPC_SHM_TYPE_KERNEL;
		size = wl_pick_size(v, 1, type == OPTEE_RPC_SHM_TYPE_KERNEL ? 4096 : WL_SHMKEEP_MAX);
		r = shmkeep_call(v, TA_SHMKEEP_CMD_ALLOC, size, type, &out);
		if (!wl_expect(v, WL_SHMKEEP, "shmkeep alloc", r, TEEC_SUCCESS))
			return;
		v->kept = true;
		v->kept_size = size;
		v->kept_seed = wl_rand(v);
		r = shmkeep_call(v, TA_SHMKEEP_CMD_FILL, v->kept_seed, 0, &out);
		v->kept_filled = wl_expect(v, WL_SHMKEEP, "shmkeep fill", r, TEEC_SUCCESS);
		v->bytes += size;
		return;
	}
	/* A second ALLOC while one is kept: the TA's BAD_STATE. */
	if (wl_below(v, 8) == 0) {
		r = shmkeep_call(v, TA_SHMKEEP_CMD_ALLOC, 4096, OPTEE_RPC_SHM_TYPE_APPL, &out);
		wl_expect(v, WL_SHMKEEP, "second alloc", r, TEEC_ERROR_BAD_STATE);
	}
	r = shmkeep_call(v, TA_SHMKEEP_CMD_CHECK, v->kept_seed, 0, &out);
	if (wl_expect(v, WL_SHMKEEP, "shmkeep check", r, TEEC_SUCCESS) && v->kept_filled)
		wl_expect(v, WL_SHMKEEP, "kept buffer intact", out, 1);
	/* The pattern of another seed differs in every byte. */
	r = shmkeep_call(v, TA_SHMKEEP_CMD_CHECK, v->kept_seed + 1, 0, &out);
	if (wl_expect(v, WL_SHMKEEP, "shmkeep check other", r, TEEC_SUCCESS))
		wl_expect(v, WL_SHMKEEP, "other seed mismatch", out, 0);
	if (wl_below(v, 3) == 0) {
		r = shmkeep_call(v, TA_SHMKEEP_CMD_FREE, 0, 0, &out);
		wl_expect(v, WL_SHMKEEP, "shmkeep free", r, TEEC_SUCCESS);
		v->kept = false;
	}
}

/* --- sleep / RPC-heavy --------------------------------------------------- */

void wl_op_sleep(struct wl_vcpu *v)
{
	uint32_t origin, cmd;
	uint64_t n, t0, t1, t;
	TEEC_Operation op;
	TEEC_Result r, r2;

	if (!v->sleep_open) {
		if (!wl_open(v, WL_SLEEP, &v->sleep, &wl_uuid_sleep))
			return;
		v->sleep_open = true;
	}
	switch (wl_below(v, 5)) {
	case 0:
	case 1:
		n = 1 + wl_below(v, WL_RPC_LOOP_MAX);
		op = op_values(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE,
						TEEC_NONE));
		op.params[0].value.a = n;
		r = wl_invoke(v, WL_CALL_SLEEP, &v->sleep, TA_SLEEP_CMD_RPC_LOOP, &op, &origin);
		if (wl_expect(v, WL_SLEEP, "rpc loop", r, TEEC_SUCCESS))
			wl_expect(v, WL_SLEEP, "rpc loop count", op.params[1].value.a, n);
		wl_record(v, WL_SLEEP, WL_CALL_SLEEP, TA_SLEEP_CMD_RPC_LOOP, n, r, origin,
			  op.params[1].value.a, 0);
		break;
	case 2:
		op = op_values(TEEC_PARAM_TYPES(TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE));
		t0 = wl_now_ns();
		r = wl_invoke(v, WL_CALL_SLEEP, &v->sleep, TA_SLEEP_CMD_GET_TIME, &op, &origin);
		t1 = wl_now_ns();
		t = op.params[0].value.a * 1000000000ull + op.params[0].value.b;
		/* The guest's own monotonic clock, read inside the call. */
		if (wl_expect(v, WL_SLEEP, "get time", r, TEEC_SUCCESS) &&
		    wl_expect(v, WL_SLEEP, "time ns < 1e9", op.params[0].value.b < 1000000000u, 1))
			wl_expect(v, WL_SLEEP, "time inside the call", t >= t0 && t <= t1, 1);
		wl_record(v, WL_SLEEP, WL_CALL_SLEEP, TA_SLEEP_CMD_GET_TIME, 0, r, origin,
			  t >= t0 && t <= t1, 0);
		break;
	case 3:
		n = 1 + wl_below(v, WL_SUSPEND_MAX_MS);
		op = op_values(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE));
		op.params[0].value.a = n;
		t0 = wl_now_ns();
		r = wl_invoke(v, WL_CALL_SLEEP, &v->sleep, TA_SLEEP_CMD_SUSPEND, &op, &origin);
		t1 = wl_now_ns();
		if (wl_expect(v, WL_SLEEP, "suspend", r, TEEC_SUCCESS))
			wl_expect(v, WL_SLEEP, "suspended long enough",
				  t1 - t0 >= n * 1000000u, 1);
		wl_record(v, WL_SLEEP, WL_CALL_SLEEP, TA_SLEEP_CMD_SUSPEND, n, r, origin, 0, 0);
		break;
	default:
		/* SEND then WAIT on a key of this vCPU: the wait finds it pending. */
		cmd = TA_SLEEP_CMD_SEND;
		op = op_values(TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE));
		op.params[0].value.a = 1 + v->index;
		r = wl_invoke(v, WL_CALL_SLEEP, &v->sleep, cmd, &op, &origin);
		wl_expect(v, WL_SLEEP, "notification send", r, TEEC_SUCCESS);
		wl_record(v, WL_SLEEP, WL_CALL_SLEEP, cmd, 1 + v->index, r, origin, 0, 0);
		cmd = TA_SLEEP_CMD_WAIT;
		op.params[0].value.b = 5000; /* ms: never reached, the key is pending */
		r2 = wl_invoke(v, WL_CALL_SLEEP, &v->sleep, cmd, &op, &origin);
		wl_expect(v, WL_SLEEP, "notification wait", r2, TEEC_SUCCESS);
		wl_record(v, WL_SLEEP, WL_CALL_SLEEP, cmd, 1 + v->index, r2, origin, 0, 0);
		break;
	}
}

/* --- device enumeration -------------------------------------------------- */

static bool has_uuid(const uint8_t *list, size_t len, const TEEC_UUID *u)
{
	uint8_t o[16];
	size_t i;

	teec_uuid_octets(u, o);
	for (i = 0; i + 16 <= len; i += 16)
		if (!memcmp(list + i, o, 16))
			return true;
	return false;
}

void wl_op_devenum(struct wl_vcpu *v)
{
	uint32_t cmd = (uint32_t)wl_below(v, 3), origin;
	TEEC_TempMemoryReference ref;
	TEEC_Session s;
	TEEC_Operation op;
	TEEC_Result r;
	uint64_t need, sum = 0;

	if (!wl_open(v, WL_DEVENUM, &s, &wl_uuid_devenum))
		return;
	/* Size query with a null memref (MEMREF_NULL). */
	op = op_values(TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE));
	r = wl_invoke(v, WL_CALL_DEVENUM, &s, cmd, &op, &origin);
	need = op.params[0].tmpref.size;
	wl_record(v, WL_DEVENUM, WL_CALL_DEVENUM, cmd, 0, r, origin, need, 0);
	if (cmd == TA_DEVENUM_CMD_GET_DEVICES_RPMB) {
		wl_expect(v, WL_DEVENUM, "no RPMB devices", r, TEEC_SUCCESS);
		wl_expect(v, WL_DEVENUM, "no RPMB devices size", need, 0);
	} else if (wl_expect(v, WL_DEVENUM, "size query", r, TEEC_ERROR_SHORT_BUFFER) &&
		   wl_expect(v, WL_DEVENUM, "devices size", need && need % 16 == 0, 1) &&
		   wl_scratch(v, need) && temp_buffer(v, WL_DEVENUM, need, false, &ref)) {
		op.params[0].tmpref = ref;
		r = wl_invoke(v, WL_CALL_DEVENUM, &s, cmd, &op, &origin);
		if (wl_expect(v, WL_DEVENUM, "get devices", r, TEEC_SUCCESS) &&
		    wl_expect(v, WL_DEVENUM, "devices size", op.params[0].tmpref.size, need) &&
		    teec_temp_read(&v->g->ctx, &ref, 0, v->got, need) == TEEC_SUCCESS) {
			sum = wl_fnv1a(WL_FNV_BASIS, v->got, need);
			wl_expect(v, WL_DEVENUM, "expected TA listed",
				  has_uuid(v->got, need,
					   cmd == TA_DEVENUM_CMD_GET_DEVICES ? &wl_uuid_arith
									     : &wl_uuid_storage),
				  1);
		}
		wl_record(v, WL_DEVENUM, WL_CALL_DEVENUM, cmd, need, r, origin,
			  op.params[0].tmpref.size, sum);
		teec_temp_free(&v->g->ctx, &ref);
	}
	wl_close(v, WL_DEVENUM, &s);
}

/* --- panic ---------------------------------------------------------------- */

void wl_op_panic(struct wl_vcpu *v)
{
	TEEC_Operation op = op_values(0);
	TEEC_Session s;
	uint32_t origin, i;
	TEEC_Result r;

	if (!wl_open(v, WL_PANIC, &s, &wl_uuid_panic))
		return;
	/* The first invoke panics the TA; the session stays dead. */
	for (i = 0; i < 2; i++) {
		r = wl_invoke(v, WL_CALL_PANIC, &s, TA_PANIC_CMD_PANIC, &op, &origin);
		wl_expect(v, WL_PANIC, "panic", r, TEEC_ERROR_TARGET_DEAD);
		wl_expect(v, WL_PANIC, "panic origin", origin, TEEC_ORIGIN_TEE);
		wl_record(v, WL_PANIC, WL_CALL_PANIC, TA_PANIC_CMD_PANIC, i, r, origin, 0, 0);
	}
	wl_close(v, WL_PANIC, &s);
}
