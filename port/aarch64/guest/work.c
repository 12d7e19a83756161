// SPDX-License-Identifier: BSD-2-Clause
/*
 * The well-behaved workload, run by every vCPU of a guest at once through
 * one driver and one TEEC context: values (arith TA), registered shared
 * memory of several MiB (buf TA: checksum, reverse, fill), temporary
 * buffers of several MiB scattered in guest RAM (checksum, copy, short
 * buffer), RPC-heavy calls (sleep TA: RPC loops, time, suspend), secure
 * storage through the guest's supplicant (storage TA), RPC-allocated
 * memory kept across calls (shmkeep TA), a panicking TA. Every result is
 * checked against what the guest computes itself. With two vCPUs, a last
 * test resumes one call's RPCs alternately on both (xvcpu.c).
 */
#include "work.h"

/* Sizes: vCPU 0 and a single-vCPU guest / vCPU 1. Several MiB each. */
#define REG_SIZE0  (4ul << 20)
#define REG_SIZE1  (2ul << 20)
#define TEMP_SIZE0 (6ul << 20)
#define TEMP_SIZE1 (3ul << 20)
#define COPY_SIZE  (1ul << 20)
#define OBJ_SIZE   (64ul << 10)
#define RPC_LOOPS  100u
#define CHUNK	   4096u

static const TEEC_UUID uuid_arith = TA_ARITH_UUID, uuid_buf = TA_BUF_UUID,
		       uuid_sleep = TA_SLEEP_UUID, uuid_storage = TA_STORAGE_UUID,
		       uuid_shmkeep = TA_SHMKEEP_UUID, uuid_panic = TA_PANIC_UUID;

static struct gdrv *drv;
static TEEC_Context ctx;

uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * FNV1A64_PRIME;
	return h;
}

static void chunk_fill(uint8_t *b, size_t n, uint64_t seed, uint64_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = pattern_byte(seed, off + i);
}

uint64_t temp_fill(TEEC_Context *c, TEEC_TempMemoryReference *t, size_t size, uint64_t seed)
{
	uint8_t b[CHUNK];
	uint64_t h = FNV1A64_BASIS;
	size_t off, n;

	for (off = 0; off < size; off += n) {
		n = size - off < CHUNK ? size - off : CHUNK;
		chunk_fill(b, n, seed, off);
		teec_temp_write(c, t, off, b, n);
		h = fnv1a(h, b, n);
	}
	return h;
}

uint64_t temp_hash(TEEC_Context *c, const TEEC_TempMemoryReference *t, size_t size)
{
	uint8_t b[CHUNK];
	uint64_t h = FNV1A64_BASIS;
	size_t off, n;

	for (off = 0; off < size; off += n) {
		n = size - off < CHUNK ? size - off : CHUNK;
		teec_temp_read(c, t, off, b, n);
		h = fnv1a(h, b, n);
	}
	return h;
}

uint64_t shm_fill(TEEC_SharedMemory *shm, size_t size, uint64_t seed)
{
	uint8_t b[CHUNK];
	uint64_t h = FNV1A64_BASIS;
	size_t off, n;

	for (off = 0; off < size; off += n) {
		n = size - off < CHUNK ? size - off : CHUNK;
		chunk_fill(b, n, seed, off);
		teec_shm_write(shm, off, b, n);
		h = fnv1a(h, b, n);
	}
	return h;
}

TEEC_Result open_ta(TEEC_Context *c, TEEC_Session *s, const TEEC_UUID *uuid)
{
	uint32_t origin = 0;

	return TEEC_OpenSession(c, s, uuid, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
}

static TEEC_Result invoke(TEEC_Session *s, uint32_t cmd, TEEC_Operation *op)
{
	uint32_t origin = 0;

	return TEEC_InvokeCommand(s, cmd, op, &origin);
}

static void op_init(TEEC_Operation *op, uint32_t t0, uint32_t t1, uint32_t t2, uint32_t t3)
{
	memset(op, 0, sizeof(*op));
	op->paramTypes = TEEC_PARAM_TYPES(t0, t1, t2, t3);
}

static void test_values(unsigned v, uint64_t seed)
{
	TEEC_Session s;
	TEEC_Operation op;
	uint64_t a = seed * 0x2545F4914F6CDD1Dull, b = ~seed + 12345;
	unsigned __int128 prod = (unsigned __int128)a * b;
	TEEC_Result r;
	unsigned i, n = 0;

	if (!check(open_ta(&ctx, &s, &uuid_arith) == TEEC_SUCCESS, "v%u open arith", v))
		return;
	for (i = 0; i < 8; i++, n++) {
		op_init(&op, TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
		op.params[0].value.a = a + i;
		op.params[0].value.b = b;
		r = invoke(&s, TA_ARITH_CMD_ADD, &op);
		check(r == TEEC_SUCCESS && op.params[1].value.a == a + i + b &&
			  op.params[1].value.b == (a + i + b < b),
		      "v%u ADD: 0x%x", v, r);
	}
	op_init(&op, TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = a;
	op.params[0].value.b = b;
	r = invoke(&s, TA_ARITH_CMD_MUL, &op);
	check(r == TEEC_SUCCESS && op.params[1].value.a == (uint64_t)prod &&
		  op.params[1].value.b == (uint64_t)(prod >> 64),
	      "v%u MUL: 0x%x", v, r);
	op_init(&op, TEEC_VALUE_INOUT, TEEC_VALUE_INOUT, TEEC_VALUE_INOUT, TEEC_VALUE_INOUT);
	for (i = 0; i < 4; i++) {
		op.params[i].value.a = a + i;
		op.params[i].value.b = b + i;
	}
	r = invoke(&s, TA_ARITH_CMD_INC4, &op);
	for (i = 0; i < 4; i++)
		r |= (op.params[i].value.a != a + i + 1 || op.params[i].value.b != b + i + 2);
	check(r == TEEC_SUCCESS, "v%u INC4", v);
	op_init(&op, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	r = invoke(&s, TA_ARITH_CMD_COUNT, &op);
	check(r == TEEC_SUCCESS && op.params[0].value.a == n + 3, "v%u COUNT = %lu", v,
	      (unsigned long)op.params[0].value.a);
	TEEC_CloseSession(&s);
}

static void test_registered(unsigned v, TEEC_Session *s, size_t size, uint64_t seed)
{
	TEEC_SharedMemory shm = {.size = size, .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT};
	TEEC_Operation op;
	uint8_t b[256];
	uint64_t h;
	TEEC_Result r;
	size_t i;
	bool ok;

	r = TEEC_AllocateSharedMemory(&ctx, &shm);
	if (!check(r == TEEC_SUCCESS, "v%u register %zu KiB: 0x%x", v, size >> 10, r))
		return;
	h = shm_fill(&shm, size, seed);
	/* The whole buffer as an input (MEMREF_WHOLE of INOUT memory is INOUT). */
	op_init(&op, TEEC_MEMREF_PARTIAL_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].memref.parent = &shm;
	op.params[0].memref.size = size;
	r = invoke(s, TA_BUF_CMD_CHECKSUM, &op);
	check(r == TEEC_SUCCESS && op.params[1].value.a == h,
	      "v%u checksum of %zu KiB registered: 0x%x", v, size >> 10, r);
	/* Reverse 256 bytes straddling a page boundary, in place. */
	op_init(&op, TEEC_MEMREF_PARTIAL_INOUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	op.params[0].memref.parent = &shm;
	op.params[0].memref.offset = 3 * 4096 - 100;
	op.params[0].memref.size = sizeof(b);
	r = invoke(s, TA_BUF_CMD_REVERSE, &op);
	teec_shm_read(&shm, 3 * 4096 - 100, b, sizeof(b));
	ok = r == TEEC_SUCCESS;
	for (i = 0; i < sizeof(b); i++)
		ok = ok && b[i] == pattern_byte(seed, 3 * 4096 - 100 + sizeof(b) - 1 - i);
	check(ok, "v%u reverse in registered memory: 0x%x", v, r);
	/* Fill a partial output; the bytes around it must not move. */
	op_init(&op, TEEC_VALUE_INPUT, TEEC_MEMREF_PARTIAL_OUTPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = 0x5A;
	op.params[1].memref.parent = &shm;
	op.params[1].memref.offset = size / 2;
	op.params[1].memref.size = 10000;
	r = invoke(s, TA_BUF_CMD_FILL, &op);
	teec_shm_read(&shm, size / 2 - 1, b, 2);
	ok = r == TEEC_SUCCESS && b[0] == pattern_byte(seed, size / 2 - 1) && b[1] == 0x5A;
	teec_shm_read(&shm, size / 2 + 10000 - 1, b, 2);
	ok = ok && b[0] == 0x5A && b[1] == pattern_byte(seed, size / 2 + 10000);
	check(ok, "v%u fill of a partial output: 0x%x", v, r);
	TEEC_ReleaseSharedMemory(&shm);
}

static void test_temporary(unsigned v, TEEC_Session *s, size_t size, uint64_t seed)
{
	TEEC_TempMemoryReference big, src, dst;
	TEEC_Operation op;
	uint64_t h, hs;
	TEEC_Result r;

	r = teec_temp_alloc(&ctx, size, GDRV_PAGES_SCATTER, &big);
	if (!check(r == TEEC_SUCCESS, "v%u temp alloc %zu KiB: 0x%x", v, size >> 10, r))
		return;
	h = temp_fill(&ctx, &big, size, seed);
	op_init(&op, TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].tmpref = big;
	r = invoke(s, TA_BUF_CMD_CHECKSUM, &op);
	check(r == TEEC_SUCCESS && op.params[1].value.a == h,
	      "v%u checksum of %zu KiB temporary (scattered): 0x%x", v, size >> 10, r);
	teec_temp_free(&ctx, &big);

	if (teec_temp_alloc(&ctx, COPY_SIZE, GDRV_PAGES_ANY, &src) != TEEC_SUCCESS)
		return (void)check(false, "v%u temp alloc src", v);
	if (teec_temp_alloc(&ctx, COPY_SIZE, GDRV_PAGES_SCATTER, &dst) != TEEC_SUCCESS) {
		teec_temp_free(&ctx, &src);
		return (void)check(false, "v%u temp alloc dst", v);
	}
	hs = temp_fill(&ctx, &src, COPY_SIZE, seed + 1);
	op_init(&op, TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].tmpref = src;
	op.params[1].tmpref = dst;
	r = invoke(s, TA_BUF_CMD_COPY, &op);
	check(r == TEEC_SUCCESS && op.params[1].tmpref.size == COPY_SIZE &&
		  temp_hash(&ctx, &dst, COPY_SIZE) == hs,
	      "v%u copy 1 MiB temporary to temporary: 0x%x", v, r);
	op_init(&op, TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].tmpref = src;
	op.params[1].tmpref = dst;
	op.params[1].tmpref.size = COPY_SIZE / 2;
	r = invoke(s, TA_BUF_CMD_COPY, &op);
	check(r == TEEC_ERROR_SHORT_BUFFER && op.params[1].tmpref.size == COPY_SIZE,
	      "v%u copy into a short buffer: 0x%x, size %zu", v, r, op.params[1].tmpref.size);
	teec_temp_free(&ctx, &src);
	teec_temp_free(&ctx, &dst);
}

static void test_rpc(unsigned v)
{
	TEEC_Session s;
	TEEC_Operation op;
	uint64_t t0;
	TEEC_Result r;

	if (!check(open_ta(&ctx, &s, &uuid_sleep) == TEEC_SUCCESS, "v%u open sleep", v))
		return;
	op_init(&op, TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = RPC_LOOPS;
	r = invoke(&s, TA_SLEEP_CMD_RPC_LOOP, &op);
	check(r == TEEC_SUCCESS && op.params[1].value.a == RPC_LOOPS,
	      "v%u %u RPCs in one call: 0x%x", v, RPC_LOOPS, r);
	op_init(&op, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	r = invoke(&s, TA_SLEEP_CMD_GET_TIME, &op);
	check(r == TEEC_SUCCESS && op.params[0].value.b < 1000000000ull, "v%u GET_TIME: 0x%x", v,
	      r);
	op_init(&op, TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = 3;
	t0 = now_ns();
	r = invoke(&s, TA_SLEEP_CMD_SUSPEND, &op);
	check(r == TEEC_SUCCESS && now_ns() - t0 >= 3000000ull, "v%u SUSPEND 3 ms: 0x%x", v, r);
	TEEC_CloseSession(&s);
}

static void test_storage(unsigned v, uint64_t id)
{
	TEEC_TempMemoryReference obj, back;
	TEEC_Session s;
	TEEC_Operation op;
	uint64_t h;
	TEEC_Result r;

	if (!check(open_ta(&ctx, &s, &uuid_storage) == TEEC_SUCCESS, "v%u open storage", v))
		return;
	if (teec_temp_alloc(&ctx, OBJ_SIZE, GDRV_PAGES_ANY, &obj) ||
	    teec_temp_alloc(&ctx, OBJ_SIZE, GDRV_PAGES_SCATTER, &back)) {
		check(false, "v%u storage buffers", v);
		TEEC_CloseSession(&s);
		return;
	}
	h = temp_fill(&ctx, &obj, OBJ_SIZE, id);
	op_init(&op, TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = id;
	op.params[1].tmpref = obj;
	r = invoke(&s, TA_STORAGE_CMD_WRITE, &op);
	check(r == TEEC_SUCCESS, "v%u storage write 64 KiB: 0x%x", v, r);
	op_init(&op, TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = id;
	op.params[1].tmpref = back;
	r = invoke(&s, TA_STORAGE_CMD_READ, &op);
	check(r == TEEC_SUCCESS && op.params[1].tmpref.size == OBJ_SIZE &&
		  temp_hash(&ctx, &back, OBJ_SIZE) == h,
	      "v%u storage read back: 0x%x", v, r);
	op.params[1].tmpref = back;
	op.params[1].tmpref.size = 100;
	r = invoke(&s, TA_STORAGE_CMD_READ, &op);
	check(r == TEEC_ERROR_SHORT_BUFFER && op.params[1].tmpref.size == OBJ_SIZE,
	      "v%u storage read short: 0x%x", v, r);
	op_init(&op, TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = id;
	r = invoke(&s, TA_STORAGE_CMD_DELETE, &op);
	check(r == TEEC_SUCCESS, "v%u storage delete: 0x%x", v, r);
	r = invoke(&s, TA_STORAGE_CMD_DELETE, &op);
	check(r == TEEC_ERROR_ITEM_NOT_FOUND, "v%u storage delete again: 0x%x", v, r);
	teec_temp_free(&ctx, &obj);
	teec_temp_free(&ctx, &back);
	TEEC_CloseSession(&s);
}

static void test_shmkeep_panic(unsigned v, uint64_t seed)
{
	TEEC_Session s;
	TEEC_Operation op;
	TEEC_Result r;

	if (check(open_ta(&ctx, &s, &uuid_shmkeep) == TEEC_SUCCESS, "v%u open shmkeep", v)) {
		op_init(&op, TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
		op.params[0].value.a = 20000;
		op.params[0].value.b = 0; /* OPTEE_RPC_SHM_TYPE_APPL: any size */
		r = invoke(&s, TA_SHMKEEP_CMD_ALLOC, &op);
		check(r == TEEC_SUCCESS, "v%u shmkeep alloc: 0x%x", v, r);
		op.params[0].value.a = seed;
		r = invoke(&s, TA_SHMKEEP_CMD_FILL, &op);
		check(r == TEEC_SUCCESS, "v%u shmkeep fill: 0x%x", v, r);
		op_init(&op, TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
		op.params[0].value.a = seed;
		r = invoke(&s, TA_SHMKEEP_CMD_CHECK, &op);
		check(r == TEEC_SUCCESS && op.params[1].value.a == 1, "v%u shmkeep check: 0x%x", v,
		      r);
		r = invoke(&s, TA_SHMKEEP_CMD_FREE, NULL);
		check(r == TEEC_SUCCESS, "v%u shmkeep free: 0x%x", v, r);
		TEEC_CloseSession(&s);
	}
	if (check(open_ta(&ctx, &s, &uuid_panic) == TEEC_SUCCESS, "v%u open panic", v)) {
		r = invoke(&s, TA_PANIC_CMD_PANIC, NULL);
		check(r == TEEC_ERROR_TARGET_DEAD, "v%u panic: 0x%x", v, r);
		r = invoke(&s, TA_PANIC_CMD_PANIC, NULL);
		check(r == TEEC_ERROR_TARGET_DEAD, "v%u dead session: 0x%x", v, r);
		TEEC_CloseSession(&s);
	}
}

static void work_loop(unsigned v)
{
	TEEC_Session buf;
	unsigned round;
	uint64_t seed;

	for (round = 0; round < bi->iterations; round++) {
		uint64_t t0 = now_ns(), f0 = checks_failed();

		seed = ((uint64_t)bi->slot << 32) | (v << 16) | round;
		test_values(v, seed);
		if (check(open_ta(&ctx, &buf, &uuid_buf) == TEEC_SUCCESS, "v%u open buf", v)) {
			test_registered(v, &buf, v ? REG_SIZE1 : REG_SIZE0, seed);
			test_temporary(v, &buf, v ? TEMP_SIZE1 : TEMP_SIZE0, seed);
			TEEC_CloseSession(&buf);
		}
		test_rpc(v);
		test_storage(v, seed);
		test_shmkeep_panic(v, seed);
		gprintf("round %u: values, %lu+%lu KiB buffers, %u RPCs, storage, shmkeep, panic: "
			"%s (%lu ms)\n",
			round, (unsigned long)((v ? REG_SIZE1 : REG_SIZE0) >> 10),
			(unsigned long)((v ? TEMP_SIZE1 : TEMP_SIZE0) >> 10), RPC_LOOPS,
			checks_failed() == f0 ? "ok" : "FAILURES",
			(unsigned long)((now_ns() - t0) / 1000000));
	}
}

void role_well(void)
{
	struct guest_env env;
	uint64_t base, size;
	unsigned v;

	guest_driver_ram(&base, &size);
	env_init(&env, (bi->flags & GUEST_F_HVC) ? ENV_HVC : ENV_SMC, base, size);
	drv = driver_start(&env, (bi->flags & GUEST_F_LEGACY) ? GDRV_MODE_LEGACY : GDRV_MODE_MODERN,
			   bi->nvcpus, 0x1000, true);
	if (!drv)
		return;
	if (!check(TEEC_InitializeContext(drv, &ctx) == TEEC_SUCCESS, "InitializeContext"))
		return;
	for (v = 1; v < bi->nvcpus; v++)
		check(psci_cpu_on(v, 0) == 0, "PSCI CPU_ON(%u)", v);
	work_loop(0);
	if (bi->nvcpus > 1)
		xvcpu_run(drv, &ctx, 0);
	for (v = 1; v < bi->nvcpus; v++) {
		uint64_t deadline = now_ns() + 60000000000ull;

		while (psci_affinity_info(v) != 1 && now_ns() < deadline)
			delay_ms(1);
		check(psci_affinity_info(v) == 1, "vCPU %u off", v);
	}
	TEEC_FinalizeContext(&ctx);
	gdrv_destroy(drv);
}

void role_well_secondary(unsigned v)
{
	gprintf("vCPU %u up\n", v);
	work_loop(v);
	xvcpu_run(drv, &ctx, v);
}
