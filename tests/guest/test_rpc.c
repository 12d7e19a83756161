/* SPDX-License-Identifier: BSD-2-Clause */
/* The RPC loop (ABI 2.3, 6, 8.4) and the call queue (8.3). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guest/supp.h"
#include "harness.h"
#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"
#include "tests.h"
#include "util.h"

#define PAGE 4096u

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const struct optee_msg_arg *log_arg(struct fake *f, int s, int i)
{
	return (const struct optee_msg_arg *)(const void *)f->scripts[s].log[i].arg;
}

static uint64_t pair(uint64_t hi, uint64_t lo)
{
	return (hi << 32) | (lo & 0xFFFFFFFFu);
}

void test_rpc_fintr_time_suspend(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv = util_probe(f, GDRV_MODE_MODERN, 1, 100);
	struct gdrv_stats st;
	uint64_t t0;
	uint32_t s;

	if (!drv)
		return;
	s = util_open(drv);
	f->scripts[0].steps[0].kind = FS_FINTR;
	f->scripts[0].n = 1;
	util_step_value(f, 0, 1, OPTEE_RPC_CMD_GET_TIME,
			OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT, 0, 0, 0);
	util_step_value(f, 0, 2, OPTEE_RPC_CMD_SUSPEND,
			OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 30, 0, 0);
	f->scripts[0].ret = 0x1234;
	t0 = now_ms();
	CHECK_EQ(util_invoke(drv, s, F_SCRIPT), 0x1234);
	CHECK(now_ms() - t0 >= 30);

	/* FOREIGN_INTR: resumed with RETURN_FROM_RPC and a1..a3 as received. */
	CHECK_EQ(f->scripts[0].log[0].resume[0], OPTEE_SMC_CALL_RETURN_FROM_RPC);
	CHECK_EQ(f->scripts[0].log[0].resume[3], f->scripts[0].log[0].exit[3]);
	CHECK_EQ(f->scripts[0].log[0].resume[1], 0);
	/* GET_TIME: value out, in-band arg (a1:a2 = 0). */
	CHECK_EQ(f->scripts[0].log[1].exit[1] | f->scripts[0].log[1].exit[2], 0);
	CHECK_EQ(log_arg(f, 0, 1)->ret, TEEC_SUCCESS);
	CHECK(log_arg(f, 0, 1)->params[0].u.value.b < 1000000000u);
	CHECK(log_arg(f, 0, 1)->params[0].u.value.a + log_arg(f, 0, 1)->params[0].u.value.b > 0);
	CHECK_EQ(log_arg(f, 0, 2)->ret, TEEC_SUCCESS);
	gdrv_get_stats(drv, &st);
	CHECK_EQ(st.rpc_foreign_intr, 1);
	CHECK_EQ(st.rpc_cmd, 2);
	CHECK_EQ(st.rpc_cmd_by_id[OPTEE_RPC_CMD_GET_TIME], 1);
	CHECK_EQ(st.rpc_cmd_by_id[OPTEE_RPC_CMD_SUSPEND], 1);
	util_teardown(f, drv);
}

void test_rpc_alloc_free(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv = util_probe(f, GDRV_MODE_MODERN, 1, 100);
	struct fake_script *sc = &f->scripts[0];
	uint64_t ipa;
	size_t free_before;
	uint32_t s;

	if (!drv)
		return;
	s = util_open(drv);
	free_before = gdrv_pages_free_count(drv);
	sc->steps[0].kind = FS_ALLOC;
	sc->steps[0].size = 160;
	sc->steps[1].kind = FS_FINTR;
	sc->steps[2].kind = FS_FREE; /* the cookie of step 0 */
	sc->steps[3].kind = FS_ALLOC;
	sc->steps[3].size = 0;       /* refused: all four registers 0 */
	sc->steps[4].kind = FS_ALLOC;
	sc->steps[4].size = 1u << 20; /* beyond the ALLOC limit */
	sc->n = 5;
	CHECK_EQ(util_invoke(drv, s, F_SCRIPT), TEEC_SUCCESS);

	ipa = pair(sc->log[0].resume[1], sc->log[0].resume[2]);
	CHECK_EQ(ipa & (PAGE - 1), 0);
	CHECK(ipa >= FAKE_RAM_BASE && ipa < FAKE_RAM_BASE + FAKE_RAM_PAGES * PAGE);
	CHECK(pair(sc->log[0].resume[4], sc->log[0].resume[5]) != 0);
	CHECK_EQ(sc->log[0].resume[3], sc->log[0].exit[3]);
	/* a4/a5 keep the last ALLOC answer on later resumes (Linux). */
	CHECK_EQ(sc->log[1].resume[4], sc->log[0].resume[4]);
	CHECK_EQ(sc->log[1].resume[5], sc->log[0].resume[5]);
	CHECK_EQ(sc->log[3].resume[1] | sc->log[3].resume[2] |
		 sc->log[3].resume[4] | sc->log[3].resume[5], 0);
	CHECK_EQ(sc->log[4].resume[1] | sc->log[4].resume[2], 0);
	CHECK_EQ(gdrv_pages_free_count(drv), free_before);
	util_teardown(f, drv);
}

/* SHM_ALLOC replies, inspected while the page list is still alive. */
static struct fake_buf shm_alloc_seen;
static bool shm_alloc_parsed;

static void prep_parse_and_free(struct fake *f, int step,
				struct optee_msg_arg *rpc)
{
	const struct optee_msg_arg *prev = log_arg(f, 0, step - 1);

	shm_alloc_parsed = fake_resolve(f, &prev->params[0], &shm_alloc_seen);
	rpc->params[0].u.value.b = prev->params[0].u.tmem.shm_ref;
}

/* The same cookie again (step 0's), now unknown to the driver. */
static void prep_free_again(struct fake *f, int step, struct optee_msg_arg *rpc)
{
	(void)step;
	rpc->params[0].u.value.b = log_arg(f, 0, 0)->params[0].u.tmem.shm_ref;
}

void test_rpc_shm_alloc(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv = util_probe(f, GDRV_MODE_MODERN, 1, 100);
	struct fake_script *sc = &f->scripts[0];
	const struct optee_msg_arg *a;
	struct gdrv_stats st;
	size_t free_before, i;
	uint32_t s;

	if (!drv)
		return;
	s = util_open(drv);
	free_before = gdrv_pages_free_count(drv);
	util_step_value(f, 0, 0, OPTEE_RPC_CMD_SHM_ALLOC,
			OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_SHM_TYPE_KERNEL,
			5000, 8);
	util_step_value(f, 0, 1, OPTEE_RPC_CMD_SHM_FREE,
			OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_SHM_TYPE_KERNEL,
			0, 0);
	sc->steps[1].prep = prep_parse_and_free;
	/* Freed twice: the cookie is unknown now. */
	util_step_value(f, 0, 2, OPTEE_RPC_CMD_SHM_FREE,
			OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_SHM_TYPE_KERNEL,
			0, 0);
	sc->steps[2].prep = prep_free_again;
	util_step_value(f, 0, 3, OPTEE_RPC_CMD_SHM_ALLOC,
			OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_SHM_TYPE_GLOBAL,
			4096, 8);
	/* A second param that is not NONE. */
	util_step_value(f, 0, 4, OPTEE_RPC_CMD_SHM_ALLOC,
			OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_SHM_TYPE_KERNEL,
			4096, 8);
	sc->steps[4].nparams = 2;
	sc->steps[4].params[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	CHECK_EQ(util_invoke(drv, s, F_SCRIPT), TEEC_SUCCESS);

	a = log_arg(f, 0, 0);
	CHECK_EQ(a->ret, TEEC_SUCCESS);
	CHECK_EQ(a->ret_origin, TEEC_ORIGIN_COMMS);
	CHECK_EQ(a->params[0].attr, 0x20A);
	CHECK_EQ(a->params[0].u.tmem.size, 8192); /* page-rounded */
	CHECK(a->params[0].u.tmem.shm_ref != 0);
	CHECK_EQ(a->params[0].u.tmem.buf_ptr & (PAGE - 1), 0);
	CHECK(shm_alloc_parsed);
	CHECK_EQ(shm_alloc_seen.npages, 2);
	for (i = 0; i < shm_alloc_seen.npages; i++) {
		uint8_t *m = fake_mem(f, shm_alloc_seen.pages[i]);

		CHECK(m && m[0] == 0 && m[PAGE - 1] == 0); /* zeroed guest pages */
	}
	CHECK_EQ(log_arg(f, 0, 1)->ret, TEEC_SUCCESS);
	CHECK_EQ(log_arg(f, 0, 2)->ret, TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(log_arg(f, 0, 3)->ret, TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(log_arg(f, 0, 4)->ret, TEEC_ERROR_BAD_PARAMETERS);
	gdrv_get_stats(drv, &st);
	CHECK_EQ(st.rpc_shm_allocs, 1);
	CHECK_EQ(st.rpc_shm_frees, 1);
	/* Buffer and page list both returned to the allocator. */
	CHECK_EQ(gdrv_pages_free_count(drv), free_before);
	util_teardown(f, drv);
}

/* Malformed RPC arguments get BAD_PARAMETERS, and the call still ends. */
void test_rpc_bad_args(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv = util_probe(f, GDRV_MODE_MODERN, 1, 100);
	uint32_t s;

	if (!drv)
		return;
	s = util_open(drv);
	util_step_value(f, 0, 0, OPTEE_RPC_CMD_GET_TIME,
			OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 0, 0, 0); /* wrong direction */
	util_step_value(f, 0, 1, OPTEE_RPC_CMD_SUSPEND,
			OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 0, 0, 0);
	f->scripts[0].steps[1].nparams = 0;
	util_step_value(f, 0, 2, OPTEE_RPC_CMD_NOTIFICATION,
			OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 7, 1, 0); /* bad sub-op */
	util_step_value(f, 0, 3, OPTEE_RPC_CMD_SOCKET,
			OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 0, 0, 0); /* supplicant */
	util_step_value(f, 0, 4, OPTEE_RPC_CMD_LOAD_TA,
			OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 0, 0, 0);
	util_step_value(f, 0, 5, OPTEE_RPC_CMD_FS,
			OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 99, 0, 0);
	CHECK_EQ(util_invoke(drv, s, F_SCRIPT), TEEC_SUCCESS);
	CHECK_EQ(log_arg(f, 0, 0)->ret, TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(log_arg(f, 0, 1)->ret, TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(log_arg(f, 0, 2)->ret, TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(log_arg(f, 0, 3)->ret, TEEC_ERROR_NOT_SUPPORTED);
	CHECK_EQ(log_arg(f, 0, 3)->ret_origin, TEEC_ORIGIN_COMMS);
	CHECK_EQ(log_arg(f, 0, 4)->ret, TEEC_ERROR_ITEM_NOT_FOUND);
	CHECK_EQ(log_arg(f, 0, 5)->ret, TEEC_ERROR_BAD_PARAMETERS);
	util_teardown(f, drv);
}

void test_rpc_notification(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv = util_probe(f, GDRV_MODE_MODERN, 1, 100);
	const uint64_t vin = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	struct gdrv_stats st;
	uint64_t t0;
	uint32_t s;

	if (!drv)
		return;
	s = util_open(drv);
	/* SEND before WAIT: the WAIT consumes it at once. */
	util_step_value(f, 0, 0, OPTEE_RPC_CMD_NOTIFICATION, vin,
			OPTEE_RPC_NOTIFICATION_SEND, 7, 0);
	util_step_value(f, 0, 1, OPTEE_RPC_CMD_NOTIFICATION, vin,
			OPTEE_RPC_NOTIFICATION_WAIT, 7, 5000);
	/* Nobody sends 8: timeout. */
	util_step_value(f, 0, 2, OPTEE_RPC_CMD_NOTIFICATION, vin,
			OPTEE_RPC_NOTIFICATION_WAIT, 8, 50);
	/* Keys past the max value (255 without ASYNC_NOTIF). */
	util_step_value(f, 0, 3, OPTEE_RPC_CMD_NOTIFICATION, vin,
			OPTEE_RPC_NOTIFICATION_SEND, 256, 0);
	t0 = now_ms();
	CHECK_EQ(util_invoke(drv, s, F_SCRIPT), TEEC_SUCCESS);
	CHECK(now_ms() - t0 >= 50);
	CHECK(now_ms() - t0 < 3000);
	CHECK_EQ(log_arg(f, 0, 0)->ret, TEEC_SUCCESS);
	CHECK_EQ(log_arg(f, 0, 1)->ret, TEEC_SUCCESS);
	CHECK_EQ(log_arg(f, 0, 2)->ret, TEE_ERROR_TIMEOUT);
	CHECK_EQ(log_arg(f, 0, 3)->ret, TEEC_ERROR_BAD_PARAMETERS);
	gdrv_get_stats(drv, &st);
	CHECK_EQ(st.notif_timeouts, 1);
	util_teardown(f, drv);
}

struct invoker {
	struct gdrv *drv;
	uint32_t session;
	uint32_t func;
	uint32_t delay_ms;
	uint32_t ret;
	uint64_t done_ms;
};

static void *invoke_thread(void *p)
{
	struct invoker *in = p;
	struct gdrv_result res;

	if (in->delay_ms)
		usleep(in->delay_ms * 1000u);
	gdrv_invoke(in->drv, in->session, in->func, 0, NULL, 0, &res);
	in->ret = res.ret;
	in->done_ms = now_ms();
	return NULL;
}

void test_rpc_notification_threads(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv = util_probe(f, GDRV_MODE_MODERN, 2, 100);
	const uint64_t vin = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	struct invoker a, b;
	pthread_t ta, tb;
	uint64_t t0;
	uint32_t s;

	if (!drv)
		return;
	s = util_open(drv);
	util_step_value(f, 1, 0, OPTEE_RPC_CMD_NOTIFICATION, vin,
			OPTEE_RPC_NOTIFICATION_WAIT, 9, 5000);
	util_step_value(f, 0, 0, OPTEE_RPC_CMD_NOTIFICATION, vin,
			OPTEE_RPC_NOTIFICATION_SEND, 9, 0);
	a = (struct invoker){ drv, s, F_SCRIPT2, 0, 0, 0 };
	b = (struct invoker){ drv, s, F_SCRIPT, 100, 0, 0 };
	t0 = now_ms();
	pthread_create(&ta, NULL, invoke_thread, &a);
	pthread_create(&tb, NULL, invoke_thread, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK_EQ(a.ret, TEEC_SUCCESS);
	CHECK_EQ(b.ret, TEEC_SUCCESS);
	CHECK_EQ(log_arg(f, 1, 0)->ret, TEEC_SUCCESS); /* woken, not timed out */
	CHECK(a.done_ms - t0 >= 100);
	CHECK(a.done_ms - t0 < 4000);
	util_teardown(f, drv);
}

/* Secure world with one thread, client limit unknown: ETHREAD_LIMIT path. */
void test_ethread_limit_retry(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv;
	struct invoker a, b;
	struct gdrv_stats st;
	pthread_t ta, tb;
	uint32_t s;

	f->thread_count = -1;
	f->nthreads = 1;
	drv = util_probe(f, GDRV_MODE_MODERN, 2, 0 /* strict Linux waits */);
	if (!drv)
		return;
	s = util_open(drv);
	util_step_value(f, 0, 0, OPTEE_RPC_CMD_SUSPEND,
			OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 150, 0, 0);
	a = (struct invoker){ drv, s, F_SCRIPT, 0, 0, 0 };
	b = (struct invoker){ drv, s, F_ECHO, 40, 0, 0 };
	pthread_create(&ta, NULL, invoke_thread, &a);
	pthread_create(&tb, NULL, invoke_thread, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK_EQ(a.ret, TEEC_SUCCESS);
	CHECK_EQ(b.ret, TEEC_SUCCESS);
	CHECK(f->ethread_answers >= 1);
	CHECK(f->reissued_same); /* the same SMC, same registers */
	gdrv_get_stats(drv, &st);
	CHECK_EQ(st.ethread_retries, (uint64_t)f->ethread_answers);
	CHECK(b.done_ms >= a.done_ms); /* B could only run after A */
	util_teardown(f, drv);
}

/* Known thread count: the second caller waits before issuing anything. */
void test_thread_count_wait(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv;
	struct invoker a, b;
	struct gdrv_stats st;
	pthread_t ta, tb;
	uint32_t s;

	f->thread_count = 1;
	f->nthreads = 1;
	drv = util_probe(f, GDRV_MODE_MODERN, 2, 0);
	if (!drv)
		return;
	s = util_open(drv);
	util_step_value(f, 0, 0, OPTEE_RPC_CMD_SUSPEND,
			OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 150, 0, 0);
	a = (struct invoker){ drv, s, F_SCRIPT, 0, 0, 0 };
	b = (struct invoker){ drv, s, F_ECHO, 40, 0, 0 };
	pthread_create(&ta, NULL, invoke_thread, &a);
	pthread_create(&tb, NULL, invoke_thread, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK_EQ(a.ret, TEEC_SUCCESS);
	CHECK_EQ(b.ret, TEEC_SUCCESS);
	CHECK_EQ(f->ethread_answers, 0);
	gdrv_get_stats(drv, &st);
	CHECK(st.cq_waits >= 1);
	CHECK_EQ(st.cq_timeouts, 0);
	util_teardown(f, drv);
}

/* Legacy mode: every CMD's argument comes from an RPC ALLOC. */
void test_rpc_legacy_all_kinds(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv = util_probe(f, GDRV_MODE_LEGACY, 1, 100);
	struct fake_script *sc = &f->scripts[0];
	uint32_t s;

	if (!drv)
		return;
	s = util_open(drv);
	sc->steps[0].kind = FS_FINTR;
	sc->n = 1;
	util_step_value(f, 0, 1, OPTEE_RPC_CMD_GET_TIME,
			OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT, 0, 0, 0);
	util_step_value(f, 0, 2, OPTEE_RPC_CMD_SHM_ALLOC,
			OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, OPTEE_RPC_SHM_TYPE_APPL,
			100, 8);
	CHECK_EQ(util_invoke(drv, s, F_SCRIPT), TEEC_SUCCESS);
	CHECK_EQ(f->last_fid, OPTEE_SMC_CALL_WITH_ARG);
	CHECK(pair(sc->log[1].exit[1], sc->log[1].exit[2]) != 0); /* cookie */
	CHECK_EQ(log_arg(f, 0, 1)->ret, TEEC_SUCCESS);
	CHECK_EQ(log_arg(f, 0, 2)->ret, TEEC_SUCCESS);
	CHECK_EQ(log_arg(f, 0, 2)->params[0].u.tmem.size, PAGE);
	/* The APPL buffer stays until SHM_FREE; removal frees it. */
	util_teardown(f, drv);
}

/* FS over RPC: SHM_ALLOC(APPL), then CREATE/WRITE/CLOSE with RMEM params. */
static const char fs_path[] = "teemed/storage/0000000000000001";

static void prep_fs(struct fake *f, int step, struct optee_msg_arg *rpc)
{
	const struct optee_msg_arg *alloc = log_arg(f, 0, 0);
	uint64_t cookie = alloc->params[0].u.tmem.shm_ref;
	const struct optee_msg_arg *create = log_arg(f, 0, 1);
	struct fake_buf b;

	fake_resolve(f, &alloc->params[0], &b);
	switch (step) {
	case 1: /* CREATE: p1 path at offset 0, p2 fd out */
		fake_buf_write(f, &b, 0, fs_path, sizeof(fs_path));
		rpc->params[1].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
		rpc->params[1].u.rmem.shm_ref = cookie;
		rpc->params[1].u.rmem.size = sizeof(fs_path);
		rpc->params[2].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
		rpc->num_params = 3;
		break;
	case 2: /* WRITE "hello" from offset 64 */
		fake_buf_write(f, &b, 64, "hello", 5);
		rpc->params[0].u.value.b = create->params[2].u.value.a;
		rpc->params[1].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
		rpc->params[1].u.rmem.shm_ref = cookie;
		rpc->params[1].u.rmem.offs = 64;
		rpc->params[1].u.rmem.size = 5;
		rpc->num_params = 2;
		break;
	case 3: /* READ 16 bytes at file offset 1 into offset 128 */
		rpc->params[0].u.value.b = create->params[2].u.value.a;
		rpc->params[0].u.value.c = 1;
		rpc->params[1].attr = OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
		rpc->params[1].u.rmem.shm_ref = cookie;
		rpc->params[1].u.rmem.offs = 128;
		rpc->params[1].u.rmem.size = 16;
		rpc->num_params = 2;
		break;
	case 4: /* CLOSE */
		rpc->params[0].u.value.b = create->params[2].u.value.a;
		break;
	case 5: /* SHM_FREE */
		rpc->params[0].u.value.b = cookie;
		break;
	default:
		break;
	}
}

void test_rpc_supplicant_fs(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv = util_probe(f, GDRV_MODE_MODERN, 1, 100);
	const uint64_t vin = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	struct fake_script *sc = &f->scripts[0];
	char data[16] = { 0 };
	struct fake_buf b;
	size_t size = 0;
	uint32_t s;
	int i;

	if (!drv)
		return;
	s = util_open(drv);
	util_step_value(f, 0, 0, OPTEE_RPC_CMD_SHM_ALLOC, vin,
			OPTEE_RPC_SHM_TYPE_APPL, 256, 8);
	util_step_value(f, 0, 1, OPTEE_RPC_CMD_FS, vin, OPTEE_RPC_FS_CREATE, 0, 0);
	util_step_value(f, 0, 2, OPTEE_RPC_CMD_FS, vin, OPTEE_RPC_FS_WRITE, 0, 0);
	util_step_value(f, 0, 3, OPTEE_RPC_CMD_FS, vin, OPTEE_RPC_FS_READ, 0, 0);
	util_step_value(f, 0, 4, OPTEE_RPC_CMD_FS, vin, OPTEE_RPC_FS_CLOSE, 0, 0);
	util_step_value(f, 0, 5, OPTEE_RPC_CMD_SHM_FREE, vin,
			OPTEE_RPC_SHM_TYPE_APPL, 0, 0);
	for (i = 1; i <= 5; i++)
		sc->steps[i].prep = prep_fs;
	CHECK_EQ(util_invoke(drv, s, F_SCRIPT), TEEC_SUCCESS);
	for (i = 0; i < 6; i++)
		CHECK_EQ(log_arg(f, 0, i)->ret, TEEC_SUCCESS);
	CHECK(log_arg(f, 0, 1)->params[2].u.value.a != 0); /* an fd */
	CHECK_EQ(log_arg(f, 0, 3)->params[1].u.rmem.size, 4); /* "ello" */
	fake_resolve(f, &log_arg(f, 0, 0)->params[0], &b);
	fake_buf_read(f, &b, 128, data, 4);
	CHECK(memcmp(data, "ello", 4) == 0);
	CHECK_EQ(gsupp_file_read(gdrv_supplicant(drv), fs_path, data, sizeof(data),
				 &size), TEEC_SUCCESS);
	CHECK_EQ(size, 5);
	CHECK(memcmp(data, "hello", 5) == 0);
	util_teardown(f, drv);
}

/* Several vCPUs hammering the driver; the fake has fewer threads. */
struct stress {
	struct gdrv *drv;
	uint32_t session;
	int ok, failed;
};

static void *stress_thread(void *p)
{
	struct stress *st = p;
	struct gdrv_param prm[2];
	struct gdrv_result res;
	struct gdrv_shm *shm;
	uint64_t pages[2];
	int i;

	if (gdrv_pages_alloc(st->drv, 2, GDRV_PAGES_SCATTER, pages)) {
		st->failed++;
		return NULL;
	}
	for (i = 0; i < 40; i++) {
		memset(prm, 0, sizeof(prm));
		prm[0].type = GDRV_PARAM_MEMREF_INOUT;
		prm[0].u.mem.kind = GDRV_MEM_PAGES;
		prm[0].u.mem.pages = pages;
		prm[0].u.mem.npages = 2;
		prm[0].u.mem.page_offset = 100;
		prm[0].u.mem.size = 5000;
		prm[1].type = GDRV_PARAM_VALUE_INOUT;
		prm[1].u.value.a = (uint64_t)i;
		if (gdrv_invoke(st->drv, st->session, F_ECHO, 0, prm, 2, &res) ||
		    res.ret != TEEC_SUCCESS || prm[1].u.value.a != (uint64_t)i + 1)
			st->failed++;
		else
			st->ok++;
		/* A call that stays in the secure world across RPCs. */
		if (util_invoke(st->drv, st->session, F_SCRIPT) != TEEC_SUCCESS)
			st->failed++;
		if (i % 8 == 0) {
			if (gdrv_shm_alloc(st->drv, 3 * PAGE, GDRV_PAGES_ANY, true, &shm))
				st->failed++;
			else
				gdrv_shm_free(st->drv, shm);
		}
	}
	gdrv_pages_free(st->drv, pages, 2);
	return NULL;
}

static void stress_run(int thread_count, uint32_t nthreads, uint32_t retry_ms)
{
	struct fake *f = fake_create();
	struct stress st[4];
	struct gdrv_stats stats;
	pthread_t t[4];
	struct gdrv *drv;
	uint32_t s;
	size_t free_before;
	int i;

	f->thread_count = thread_count;
	f->nthreads = nthreads;
	drv = util_probe(f, GDRV_MODE_MODERN, 4, retry_ms);
	if (!drv)
		return;
	s = util_open(drv);
	f->scripts[0].steps[0].kind = FS_FINTR;
	f->scripts[0].n = 1;
	util_step_value(f, 0, 1, OPTEE_RPC_CMD_GET_TIME,
			OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT, 0, 0, 0);
	free_before = gdrv_pages_free_count(drv);
	for (i = 0; i < 4; i++) {
		st[i] = (struct stress){ drv, s, 0, 0 };
		pthread_create(&t[i], NULL, stress_thread, &st[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(st[i].failed, 0);
		CHECK_EQ(st[i].ok, 40);
	}
	/* Arg-cache pages may have grown; nothing else stays allocated. */
	CHECK(gdrv_pages_free_count(drv) + 4 >= free_before);
	gdrv_get_stats(drv, &stats);
	CHECK_EQ(stats.smc_errors[1] + stats.smc_errors[2] + stats.smc_errors[3], 0);
	if (getenv("GUEST_TEST_VERBOSE"))
		fprintf(stderr, "    ethread retries %llu, queue waits %llu\n",
			(unsigned long long)stats.ethread_retries,
			(unsigned long long)stats.cq_waits);
	util_teardown(f, drv);
}

void test_concurrent_calls(void)
{
	stress_run(-1, 1, 0); /* ETHREAD_LIMIT path, strict Linux waits */
	stress_run(-1, 2, 0);
	stress_run(2, 2, 0);  /* known thread count: wait before issuing */
}
