/* SPDX-License-Identifier: BSD-2-Clause */
/* Probe (ABI 8.1), removal and the SHM cache loops. */
#include <string.h>

#include "harness.h"
#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"
#include "tests.h"
#include "util.h"

static void check_sequence(const struct fake *f, const uint32_t *want, int n)
{
	int i;

	CHECK(f->nsmc >= n);
	for (i = 0; i < n && i < f->nsmc; i++) {
		if (f->fids[i] != want[i])
			fprintf(stderr, "  SMC #%d: 0x%08x, expected 0x%08x\n", i,
				f->fids[i], want[i]);
		CHECK_EQ(f->fids[i], want[i]);
	}
}

void test_probe_modern(void)
{
	static const uint32_t want[] = {
		OPTEE_SMC_CALLS_UID, OPTEE_SMC_CALL_GET_OS_REVISION,
		OPTEE_SMC_CALLS_REVISION, OPTEE_SMC_GET_THREAD_COUNT,
		OPTEE_SMC_EXCHANGE_CAPABILITIES, OPTEE_SMC_DISABLE_SHM_CACHE,
		/* device enumeration: arg page registered first (8.2) */
		OPTEE_SMC_CALL_WITH_RPC_ARG,  /* REGISTER_SHM of the arg page */
		OPTEE_SMC_CALL_WITH_REGD_ARG, /* OPEN_SESSION */
		OPTEE_SMC_CALL_WITH_REGD_ARG, /* GET_DEVICES, null memref */
		OPTEE_SMC_CALL_WITH_RPC_ARG,  /* REGISTER_SHM of the buffer */
		OPTEE_SMC_CALL_WITH_REGD_ARG, /* GET_DEVICES, RMEM */
		OPTEE_SMC_CALL_WITH_RPC_ARG,  /* UNREGISTER_SHM */
		OPTEE_SMC_CALL_WITH_REGD_ARG, /* CLOSE_SESSION */
	};
	struct fake *f = fake_create();
	struct gdrv_config cfg;
	struct gdrv_info info;
	struct gdrv *drv;
	int n;

	gdrv_config_default(&cfg);
	CHECK_EQ(gdrv_create(&f->env, &cfg, &drv), GDRV_OK);
	CHECK_EQ(f->nsmc, 0); /* nothing before probe */
	CHECK_EQ(gdrv_probe(drv, &info), GDRV_OK);
	check_sequence(f, want, (int)(sizeof(want) / sizeof(want[0])));
	CHECK_EQ(f->nsmc, (int)(sizeof(want) / sizeof(want[0])));
	CHECK_EQ(f->exch_a1, OPTEE_SMC_NSEC_CAP_UNIPROCESSOR);
	CHECK_EQ(f->nonzero_a7, 0);
	CHECK_EQ(f->nonzero_a4_a7_first, 0);
	CHECK_EQ(f->register_attr_bad, 0);
	CHECK_EQ(info.os_major, 4);
	CHECK_EQ(info.os_minor, 10);
	CHECK_EQ(info.os_build_id, 0xabcdef);
	CHECK_EQ(info.api_major, 2);
	CHECK_EQ(info.sec_caps, f->caps);
	CHECK_EQ(info.thread_count, 2);
	CHECK_EQ(info.rpc_param_count, 4);
	CHECK_EQ(info.max_notif_value, 255);
	CHECK(info.regd_arg);
	CHECK_EQ(info.num_devices, 2);
	CHECK_EQ(info.devices[0][0], 0x10);
	CHECK_EQ(info.devices[1][15], 0x2f);
	CHECK(memcmp(gdrv_get_info(drv), &info, sizeof(info)) == 0);

	/* Removal with RPC_ARG: no DISABLE loop; the arg page is unregistered. */
	n = f->disable_calls;
	gdrv_destroy(drv);
	CHECK_EQ(f->disable_calls, n);
	CHECK_EQ(f->fids[f->nsmc - 1], OPTEE_SMC_CALL_WITH_RPC_ARG);
	CHECK_EQ(f->allocs, f->frees);
	fake_destroy(f);
}

void test_probe_legacy(void)
{
	static const uint32_t want[] = {
		OPTEE_SMC_CALLS_UID, OPTEE_SMC_CALL_GET_OS_REVISION,
		OPTEE_SMC_CALLS_REVISION, OPTEE_SMC_EXCHANGE_CAPABILITIES,
		OPTEE_SMC_DISABLE_SHM_CACHE, OPTEE_SMC_ENABLE_SHM_CACHE,
		OPTEE_SMC_CALL_WITH_ARG, /* OPEN_SESSION */
		OPTEE_SMC_CALL_WITH_ARG, /* GET_DEVICES, null */
		OPTEE_SMC_CALL_WITH_ARG, /* REGISTER_SHM */
		OPTEE_SMC_CALL_WITH_ARG, /* GET_DEVICES */
		OPTEE_SMC_CALL_WITH_ARG, /* UNREGISTER_SHM */
		OPTEE_SMC_CALL_WITH_ARG, /* CLOSE_SESSION */
	};
	struct fake *f = fake_create();
	struct gdrv *drv = util_probe(f, GDRV_MODE_LEGACY, 2, 100);
	const struct gdrv_info *info;

	if (!drv)
		return;
	info = gdrv_get_info(drv);
	check_sequence(f, want, (int)(sizeof(want) / sizeof(want[0])));
	CHECK_EQ(f->exch_a1, 0); /* two vCPUs: no UNIPROCESSOR bit */
	CHECK_EQ(info->thread_count, 0);
	CHECK_EQ(info->rpc_param_count, 0);
	CHECK(!info->regd_arg);
	CHECK_EQ(info->num_devices, 2);
	CHECK_EQ(f->nonzero_a4_a7_first, 0);
	util_teardown(f, drv);
}

static int probe_rc(struct fake *f, int *nsmc)
{
	struct gdrv *drv;
	int rc;

	CHECK_EQ(gdrv_create(&f->env, NULL, &drv), GDRV_OK);
	rc = gdrv_probe(drv, NULL);
	*nsmc = f->nsmc;
	CHECK(!gdrv_is_probed(drv));
	gdrv_destroy(drv);
	CHECK_EQ(f->allocs, f->frees);
	fake_destroy(f);
	return rc;
}

void test_probe_failures(void)
{
	struct fake *f;
	int n;

	f = fake_create();
	f->bad_uid = true;
	CHECK_EQ(probe_rc(f, &n), GDRV_ENODEV);
	CHECK_EQ(n, 1);

	f = fake_create();
	f->api_major = 3;
	CHECK_EQ(probe_rc(f, &n), GDRV_ENODEV);
	CHECK_EQ(n, 3);

	f = fake_create();
	f->exch_status = OPTEE_SMC_RETURN_ENOTAVAIL;
	CHECK_EQ(probe_rc(f, &n), GDRV_ENODEV);
	CHECK_EQ(n, 5);

	f = fake_create();
	f->caps &= ~OPTEE_SMC_SEC_CAP_DYNAMIC_SHM;
	CHECK_EQ(probe_rc(f, &n), GDRV_ENOTSUP);
	CHECK_EQ(n, 5);

	/* An RPC param count no 4 KiB page can hold. */
	f = fake_create();
	f->rpc_params = 255;
	CHECK_EQ(probe_rc(f, &n), GDRV_ENODEV);
}

void test_probe_thread_count_unknown(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv;

	f->thread_count = -1;
	drv = util_probe(f, GDRV_MODE_MODERN, 1, 100);
	if (!drv)
		return;
	CHECK_EQ(gdrv_get_info(drv)->thread_count, 0);
	util_teardown(f, drv);
}

/* DISABLE_SHM_CACHE: EBUSY retried, foreign cookies ignored, ours freed. */
void test_shm_cache(void)
{
	struct fake *f = fake_create();
	struct gdrv_stats st;
	struct gdrv *drv;
	uint32_t s;
	size_t free_before;
	int n;

	f->disable_busy = 1;
	f->disable_cookies[0] = 0xdead0001;
	f->ndisable = 1;
	drv = util_probe(f, GDRV_MODE_LEGACY, 1, 100);
	if (!drv)
		return;
	CHECK_EQ(gdrv_get_info(drv)->stale_cache_cookies, 1);
	CHECK_EQ(f->disable_calls, 3); /* EBUSY, OK(cookie), ENOTAVAIL */
	CHECK_EQ(f->enable_calls, 1);

	/* A CMD RPC in legacy mode: OP-TEE ALLOCs its argument and caches it. */
	s = util_open(drv);
	free_before = gdrv_pages_free_count(drv);
	util_step_value(f, 0, 0, OPTEE_RPC_CMD_GET_TIME,
			OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT, 0, 0, 0);
	CHECK_EQ(util_invoke(drv, s, F_SCRIPT), TEEC_SUCCESS);
	CHECK_EQ(gdrv_pages_free_count(drv), free_before - 1);
	gdrv_get_stats(drv, &st);
	CHECK_EQ(st.rpc_alloc, 1);
	CHECK_EQ(st.rpc_cmd, 1);
	/* The CMD named its argument by the ALLOC cookie (a1:a2). */
	CHECK_EQ((f->scripts[0].log[0].exit[1] << 32) | f->scripts[0].log[0].exit[2],
		 f->thr[0].cache_cookie ? f->thr[0].cache_cookie
					: f->thr[1].cache_cookie);
	/* A second call reuses the cached buffer: no new ALLOC. */
	CHECK_EQ(util_invoke(drv, s, F_SCRIPT), TEEC_SUCCESS);
	gdrv_get_stats(drv, &st);
	CHECK_EQ(st.rpc_alloc, 1);
	CHECK_EQ(gdrv_close_session(drv, s, &(struct gdrv_result){ 0 }), GDRV_OK);

	/* Removal disables the cache and frees what OP-TEE hands back. */
	n = f->disable_calls;
	gdrv_destroy(drv);
	CHECK_EQ(f->disable_calls, n + 2); /* OK(our cookie), ENOTAVAIL */
	CHECK_EQ(f->thr[0].cache_cookie | f->thr[1].cache_cookie, 0);
	CHECK_EQ(f->allocs, f->frees);
	fake_destroy(f);
}
