/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RPCs through the mediator: ALLOC and FREE of RPC arguments (an older
 * driver), CMD to the kernel and to the supplicant, SHM_ALLOC and SHM_FREE
 * (storage and shmkeep TAs); and contention for OP-TEE's threads by more
 * vCPUs than there are threads (ETHREAD_LIMIT).
 */
#include <string.h>

#include "sim/guest/supp.h"
#include "teemed/optee_rpc_cmd.h"
#include "tests/integration/itest.h"

static TEEC_Result value_call(TEEC_Session *s, uint32_t cmd, uint32_t types, uint64_t a,
			      uint64_t b, uint64_t *out)
{
	TEEC_Operation op;
	uint32_t origin;
	TEEC_Result r;

	memset(&op, 0, sizeof(op));
	op.paramTypes = types;
	op.params[0].value.a = a;
	op.params[0].value.b = b;
	r = TEEC_InvokeCommand(s, cmd, &op, &origin);
	if (out)
		*out = op.params[1].value.a;
	return r;
}

static const uint32_t in1 = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
static const uint32_t in_out = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE,
						TEEC_NONE);

static void storage_roundtrip(struct it *t)
{
	uint8_t data[10000], back[10000];
	TEEC_TempMemoryReference ref;
	TEEC_Operation op;
	TEEC_Session s;
	uint32_t origin;
	size_t i;

	CHECK_EQ(TEEC_OpenSession(&t->ctx, &s, &it_uuid_storage, TEEC_LOGIN_PUBLIC, NULL, NULL,
				  &origin), TEEC_SUCCESS);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	CHECK_EQ(teec_temp_alloc(&t->ctx, sizeof(data), GDRV_PAGES_SCATTER, &ref), TEEC_SUCCESS);
	CHECK_EQ(teec_temp_write(&t->ctx, &ref, 0, data, sizeof(data)), TEEC_SUCCESS);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].value.a = 77;
	op.params[1].tmpref = ref;
	CHECK_EQ(TEEC_InvokeCommand(&s, TA_STORAGE_CMD_WRITE, &op, &origin), TEEC_SUCCESS);
	CHECK_EQ(gsupp_file_count(gdrv_supplicant(t->drv)), 1);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].value.a = 77;
	op.params[1].tmpref = ref;
	CHECK_EQ(TEEC_InvokeCommand(&s, TA_STORAGE_CMD_READ, &op, &origin), TEEC_SUCCESS);
	CHECK_EQ(op.params[1].tmpref.size, sizeof(data));
	CHECK_EQ(teec_temp_read(&t->ctx, &ref, 0, back, sizeof(back)), TEEC_SUCCESS);
	CHECK(!memcmp(data, back, sizeof(data)));
	teec_temp_free(&t->ctx, &ref);
	CHECK_EQ(value_call(&s, TA_STORAGE_CMD_DELETE, in1, 77, 0, NULL), TEEC_SUCCESS);
	CHECK_EQ(value_call(&s, TA_STORAGE_CMD_DELETE, in1, 77, 0, NULL),
		 TEEC_ERROR_ITEM_NOT_FOUND);
	TEEC_CloseSession(&s);
}

static void shmkeep_roundtrip(struct it *t)
{
	TEEC_Session s;
	uint32_t origin;
	uint64_t out = 0;

	CHECK_EQ(TEEC_OpenSession(&t->ctx, &s, &it_uuid_shmkeep, TEEC_LOGIN_PUBLIC, NULL, NULL,
				  &origin), TEEC_SUCCESS);
	CHECK_EQ(value_call(&s, TA_SHMKEEP_CMD_ALLOC, in1, 100000, OPTEE_RPC_SHM_TYPE_APPL,
			    NULL), TEEC_SUCCESS);
	CHECK_EQ(value_call(&s, TA_SHMKEEP_CMD_FILL, in1, 9, 0, NULL), TEEC_SUCCESS);
	/* Kept across invokes, and across other calls of the guest. */
	storage_roundtrip(t);
	CHECK_EQ(value_call(&s, TA_SHMKEEP_CMD_CHECK, in_out, 9, 0, &out), TEEC_SUCCESS);
	CHECK_EQ(out, 1);
	CHECK_EQ(value_call(&s, TA_SHMKEEP_CMD_FREE, 0, 0, 0, NULL), TEEC_SUCCESS);
	/* A second one stays with the session and goes when it closes. */
	CHECK_EQ(value_call(&s, TA_SHMKEEP_CMD_ALLOC, in1, 4096, OPTEE_RPC_SHM_TYPE_KERNEL,
			    NULL), TEEC_SUCCESS);
	TEEC_CloseSession(&s);
}

static void rpc_kinds(bool legacy)
{
	struct teemed_stats st0, st;
	struct gdrv_stats ds;
	struct it_config c;
	TEEC_Session s;
	uint32_t origin;
	uint64_t out = 0;
	struct it t;

	it_config_default(&c, MACHINE_MEDIATED);
	c.legacy = legacy;
	if (!it_setup(&t, &c))
		goto out;
	teemed_domain_stats(machine_mediator(t.m), machine_guest_domain(t.g), &st0);
	CHECK_EQ(TEEC_OpenSession(&t.ctx, &s, &it_uuid_sleep, TEEC_LOGIN_PUBLIC, NULL, NULL,
				  &origin), TEEC_SUCCESS);
	CHECK_EQ(value_call(&s, TA_SLEEP_CMD_RPC_LOOP, in_out, 20, 0, &out), TEEC_SUCCESS);
	CHECK_EQ(out, 20);
	CHECK_EQ(value_call(&s, TA_SLEEP_CMD_SUSPEND, in1, 2, 0, NULL), TEEC_SUCCESS);
	TEEC_CloseSession(&s);
	shmkeep_roundtrip(&t);
	gdrv_get_stats(t.drv, &ds);
	teemed_domain_stats(machine_mediator(t.m), machine_guest_domain(t.g), &st);
	CHECK(ds.rpc_cmd_by_id[OPTEE_RPC_CMD_GET_TIME] >= 20);
	CHECK(ds.rpc_cmd_by_id[OPTEE_RPC_CMD_SUSPEND] >= 1);
	CHECK(ds.rpc_cmd_by_id[OPTEE_RPC_CMD_FS] >= 6);
	CHECK(ds.rpc_shm_allocs >= 4);
	CHECK_EQ(ds.rpc_shm_allocs, ds.rpc_shm_frees);
	CHECK_EQ(st.rpc_cmd - st0.rpc_cmd, ds.rpc_cmd);
	if (legacy) {
		/* Arguments of RPCs by ALLOC, given back by FREE. */
		CHECK(ds.rpc_alloc > 0);
		CHECK_EQ(st.rpc_alloc, ds.rpc_alloc);
	}
	CHECK_EQ(st.buffers_held, st0.buffers_held);
	CHECK_EQ(st.calls_active, 0);
out:
	it_teardown(&t);
}

static void rpcs_modern_driver(void)
{
	rpc_kinds(false);
}

static void rpcs_legacy_driver(void)
{
	rpc_kinds(true);
}

/* Each vCPU suspends in the TA so that the threads stay busy. */
static int contend(const struct guest_env *env, void *arg)
{
	TEEC_Context *ctx = arg;
	TEEC_Session s;
	uint32_t origin;
	int i, bad = 0;

	wl_env_enter(env);
	bad += TEEC_OpenSession(ctx, &s, &it_uuid_sleep, TEEC_LOGIN_PUBLIC, NULL, NULL,
				&origin) != TEEC_SUCCESS;
	for (i = 0; !bad && i < 10; i++)
		/* 20 ms each: four vCPUs of ~200 ms each always overlap. */
		bad += value_call(&s, TA_SLEEP_CMD_SUSPEND, in1, 20, 0, NULL) != TEEC_SUCCESS;
	if (!bad)
		TEEC_CloseSession(&s);
	wl_env_enter(NULL);
	return bad;
}

static void more_vcpus_than_threads(void)
{
	struct teemed_stats st;
	struct gdrv_stats ds;
	struct it_config c;
	struct it t;

	it_config_default(&c, MACHINE_MEDIATED);
	c.vcpus = 4;
	c.threads = 2;
	c.legacy = true; /* no GET_THREAD_COUNT: it learns the limit from ETHREAD_LIMIT */
	if (!it_setup(&t, &c))
		goto out;
	CHECK_EQ(machine_guest_start_all(t.g, contend, &t.ctx), 0);
	CHECK_EQ(machine_guest_join(t.g), 0);
	gdrv_get_stats(t.drv, &ds);
	teemed_domain_stats(machine_mediator(t.m), machine_guest_domain(t.g), &st);
	CHECK(st.thread_limit > 0);
	CHECK_EQ(ds.ethread_retries, st.thread_limit);
	CHECK_EQ(st.calls_active, 0);
out:
	it_teardown(&t);
}

void rpc_tests(void)
{
	RUN(rpcs_modern_driver);
	RUN(rpcs_legacy_driver);
	RUN(more_vcpus_than_threads);
}
