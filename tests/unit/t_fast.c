/* SPDX-License-Identifier: BSD-2-Clause */
/* Behaviour 3: fast calls. */
#include "fx.h"

#define HI UINT64_C(0xDEADBEEF00000000)

TEST(fast_calls_count_local)
{
	struct teemed_regs r;

	fx_up(NULL, 1);
	uint64_t n;

	n = sw_smc_count();
	r = fast_regs(OPTEE_SMC_CALLS_COUNT);
	call(0, &r);
	CHECK_EQ(sw_smc_count(), n);
	CHECK(r.a[0] != 0);
	CHECK(r.a[0] < 0x100);
}

static void forwarded(uint32_t fid, int nres)
{
	struct teemed_regs r;
	struct sw_step *s;

	s = sw_expect(fid, 1, HI | 0x11, HI | 0x22, HI | 0x33, HI | 0x44);
	r = fast_regs(fid);
	call(0, &r);
	CHECK(s->hit);
	CHECK_EQ((uint32_t)s->got.a[0], fid);
	CHECK_EQ(r.a[0], 0x11); /* zero-extended */
	if (nres > 1)
		CHECK_EQ(r.a[1], 0x22);
	if (nres > 2)
		CHECK_EQ(r.a[2], 0x33);
	if (nres > 3)
		CHECK_EQ(r.a[3], 0x44);
	for (int i = nres; i < 4; i++)
		CHECK((r.a[i] >> 32) == 0);
}

TEST(fast_uid_forwarded)
{
	fx_up(NULL, 1);
	forwarded(OPTEE_SMC_CALLS_UID, 4);
}

TEST(fast_revision_forwarded)
{
	fx_up(NULL, 1);
	forwarded(OPTEE_SMC_CALLS_REVISION, 2);
}

TEST(fast_os_uuid_forwarded)
{
	fx_up(NULL, 1);
	forwarded(OPTEE_SMC_CALL_GET_OS_UUID, 4);
}

TEST(fast_os_revision_forwarded_with_build_id)
{
	fx_up(NULL, 1);
	forwarded(OPTEE_SMC_CALL_GET_OS_REVISION, 3); /* Xen drops a2 */
}

TEST(fast_upper_bits_of_a0_ignored)
{
	struct teemed_regs r;
	struct sw_step *s;

	fx_up_threads(NULL, 1, 3);
	r = fast_regs(UINT64_C(0xFFFFFFFF00000000) | OPTEE_SMC_GET_THREAD_COUNT);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(r.a[1], 3);
	s = sw_expect(OPTEE_SMC_CALLS_UID, 1, 1, 2, 3, 4);
	r = fast_regs(UINT64_C(0x1234567800000000) | OPTEE_SMC_CALLS_UID);
	call(0, &r);
	CHECK(s->hit);
	CHECK_EQ(r.a[0], 1);
	r = fast_regs(UINT64_C(0xFFFFFFFF00000000) | OPTEE_SMC_GET_SHM_CONFIG);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ENOTAVAIL);
}

TEST(fast_exchange_caps_filtered_in)
{
	struct teemed_regs r;
	struct sw_step *s;

	fx_up(NULL, 1);
	s = sw_expect(OPTEE_SMC_EXCHANGE_CAPABILITIES, 1, 0, 0xfd, 0x50, 4);
	r = fast_regs(OPTEE_SMC_EXCHANGE_CAPABILITIES);
	r.a[1] = 0xFFFFFFFFFFFFFFFFull;
	call(0, &r);
	REQUIRE(s->hit);
	CHECK_EQ(s->got.a[1], OPTEE_SMC_NSEC_CAP_UNIPROCESSOR);

	s = sw_expect(OPTEE_SMC_EXCHANGE_CAPABILITIES, 1, 0, 0xfd, 0x50, 4);
	r = fast_regs(OPTEE_SMC_EXCHANGE_CAPABILITIES);
	r.a[1] = 0x2;
	call(0, &r);
	REQUIRE(s->hit);
	CHECK_EQ(s->got.a[1], 0);
}

TEST(fast_exchange_caps_filtered_out)
{
	struct teemed_regs r;

	fx_up(NULL, 1);
	sw_expect(OPTEE_SMC_EXCHANGE_CAPABILITIES, 1, HI, HI | 0x3FF, HI | 0x50, HI | 0x4);
	r = fast_regs(OPTEE_SMC_EXCHANGE_CAPABILITIES);
	r.a[1] = OPTEE_SMC_NSEC_CAP_UNIPROCESSOR;
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	/*
	 * RPMB_PROBE only adds RPC commands, which the generic RPC path
	 * carries; RPC_ARG is mediated (with OP-TEE's RPC parameter count in
	 * a3); reserved SHM, virtualization, async notification (off by
	 * default) and protected memory are not for guests.
	 */
	CHECK_EQ(r.a[1], OPTEE_SMC_SEC_CAP_DYNAMIC_SHM | OPTEE_SMC_SEC_CAP_MEMREF_NULL |
				 OPTEE_SMC_SEC_CAP_RPMB_PROBE | OPTEE_SMC_SEC_CAP_RPC_ARG);
	CHECK_EQ(r.a[2], 0);
	CHECK_EQ(r.a[3], 4);
}

TEST(fast_exchange_caps_rpc_arg_feature_off)
{
	struct teemed_config cfg;
	struct teemed_regs r;

	fx_config(&cfg);
	cfg.features = 0;
	fx_up(&cfg, 1);
	sw_expect(OPTEE_SMC_EXCHANGE_CAPABILITIES, 1, 0, 0x3FF, 0x50, 0x4);
	r = fast_regs(OPTEE_SMC_EXCHANGE_CAPABILITIES);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(r.a[1] & OPTEE_SMC_SEC_CAP_RPC_ARG, 0);
	CHECK_EQ(r.a[3], 0);
	r = fast_regs(OPTEE_SMC_CALL_WITH_RPC_ARG);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	r = fast_regs(OPTEE_SMC_CALL_WITH_REGD_ARG);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
}

TEST(fast_exchange_caps_without_memref_null)
{
	struct teemed_regs r;

	fx_up(NULL, 1);
	sw_expect(OPTEE_SMC_EXCHANGE_CAPABILITIES, 1, 0, 0x0c, 0, 4);
	r = fast_regs(OPTEE_SMC_EXCHANGE_CAPABILITIES);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	/* The probe saw RPC_ARG (0xfd), this answer does not: not offered. */
	CHECK_EQ(r.a[1], OPTEE_SMC_SEC_CAP_DYNAMIC_SHM);
}

TEST(fast_exchange_caps_no_dynamic_shm_enotavail)
{
	struct teemed_regs r;

	fx_up(NULL, 1);
	sw_expect(OPTEE_SMC_EXCHANGE_CAPABILITIES, 1, 0, 0xf9, 0, 4);
	r = fast_regs(OPTEE_SMC_EXCHANGE_CAPABILITIES);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ENOTAVAIL);
}

TEST(fast_exchange_caps_error_passed)
{
	struct teemed_regs r;

	fx_up(NULL, 1);
	sw_expect(OPTEE_SMC_EXCHANGE_CAPABILITIES, 1, OPTEE_SMC_RETURN_ENOTAVAIL, 0x1234, 0, 0);
	r = fast_regs(OPTEE_SMC_EXCHANGE_CAPABILITIES);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ENOTAVAIL);
}

TEST(fast_get_shm_config_enotavail)
{
	struct teemed_regs r;

	fx_up(NULL, 1);
	r = fast_regs(OPTEE_SMC_GET_SHM_CONFIG);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ENOTAVAIL);
}

TEST(fast_enable_shm_cache_forwarded)
{
	struct teemed_regs r;

	fx_up(NULL, 1);
	sw_expect(OPTEE_SMC_ENABLE_SHM_CACHE, 1, OPTEE_SMC_RETURN_EBUSY, 0, 0, 0);
	r = fast_regs(OPTEE_SMC_ENABLE_SHM_CACHE);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_EBUSY);
	sw_expect(OPTEE_SMC_ENABLE_SHM_CACHE, 1, OPTEE_SMC_RETURN_OK, 0, 0, 0);
	r = fast_regs(OPTEE_SMC_ENABLE_SHM_CACHE);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
}

TEST(fast_disable_shm_cache_empty)
{
	struct teemed_regs r;

	fx_up(NULL, 1);
	sw_expect(OPTEE_SMC_DISABLE_SHM_CACHE, 1, OPTEE_SMC_RETURN_ENOTAVAIL, 0, 0, 0);
	r = fast_regs(OPTEE_SMC_DISABLE_SHM_CACHE);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ENOTAVAIL);
}

TEST(fast_disable_shm_cache_releases_cookie)
{
	struct rpcbuf rb = { .cookie = UINT64_C(0x1122334455667788) };
	struct teemed_regs r;
	uint64_t slot, gpa;

	fx_up(NULL, 1);
	slot = start_suspended(0, 3, NULL);
	rpc_alloc(0, slot, 3, 160, &rb);
	finish_call(0, slot, 3); /* OP-TEE keeps it in its cache */
	gpa = g_pa(G(0), rb.guest_ipa);
	CHECK_EQ(pa_pins_all(gpa), 1);
	CHECK(pa_is_med_page(rb.shadow_pa));
	sw_expect(OPTEE_SMC_DISABLE_SHM_CACHE, 1, OPTEE_SMC_RETURN_OK, rb.optee_cookie >> 32,
		  rb.optee_cookie & 0xFFFFFFFFu, 0);
	r = fast_regs(OPTEE_SMC_DISABLE_SHM_CACHE);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(r.a[1], 0x11223344);
	CHECK_EQ(r.a[2], 0x55667788);
	CHECK_EQ(pa_pins_all(gpa), 0);
	CHECK(!pa_is_med_page(rb.shadow_pa));
	CHECK_EQ(dstats(0).rpc_args_held, 0);
	sw_expect(OPTEE_SMC_DISABLE_SHM_CACHE, 1, OPTEE_SMC_RETURN_ENOTAVAIL, 0, 0, 0);
	r = fast_regs(OPTEE_SMC_DISABLE_SHM_CACHE);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_ENOTAVAIL);
}

TEST(fast_disable_shm_cache_unknown_cookie)
{
	struct teemed_regs r;

	fx_up(NULL, 1);
	K.allow_error_log = true;
	sw_expect(OPTEE_SMC_DISABLE_SHM_CACHE, 1, OPTEE_SMC_RETURN_OK, 0, 0x4242, 0);
	r = fast_regs(OPTEE_SMC_DISABLE_SHM_CACHE);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
}

TEST(fast_get_thread_count_is_slot_count)
{
	struct teemed_regs r;

	fx_up_threads(NULL, 1, 7);
	r = fast_regs(OPTEE_SMC_GET_THREAD_COUNT);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(r.a[1], 7);
}

TEST(fast_refused_functions_unknown)
{
	static const uint64_t fids[] = {
		OPTEE_SMC_VM_CREATED,
		OPTEE_SMC_VM_DESTROYED,
		OPTEE_SMC_BOOT_SECONDARY,
		OPTEE_SMC_L2CC_MUTEX,
		OPTEE_SMC_CALL_LOAD_IMAGE,
		OPTEE_SMC_ENABLE_ASYNC_NOTIF,
		OPTEE_SMC_GET_ASYNC_NOTIF_VALUE,
		OPTEE_SMC_GET_PROTMEM_CONFIG,
		0xB2000099,
		0xB2000002, /* unused func number */
		0x32000099,
		0xBF00FF02,
		0x84000000, /* PSCI */
		0x82000000, /* SiP */
		0xFFFFFFFF,
		0,
		UINT64_C(0xFFFFFFFF00000000) | OPTEE_SMC_VM_DESTROYED,
	};
	struct teemed_regs r;
	uint64_t before = sw_smc_count();

	fx_up(NULL, 1);
	before = sw_smc_count();
	for (size_t i = 0; i < sizeof(fids) / sizeof(fids[0]); i++) {
		r = fast_regs(fids[i]);
		r.a[1] = 1; /* VM_CREATED/DESTROYED for guest 1 */
		call(0, &r);
		CHECK_MSG(r.a[0] == OPTEE_SMC_RETURN_UNKNOWN_FUNCTION,
			  "fid 0x%llx: a0 = 0x%llx", (unsigned long long)fids[i],
			  (unsigned long long)r.a[0]);
	}
	CHECK_EQ(sw_smc_count(), before);
	CHECK_EQ(dstats(0).unknown_function, sizeof(fids) / sizeof(fids[0]));
}

TEST(fast_results_zero_extended_calls_count_and_threads)
{
	struct teemed_regs r;

	fx_up(NULL, 1);
	r = fast_regs(OPTEE_SMC_CALLS_COUNT);
	r.a[0] |= UINT64_C(0xFFFFFFFF00000000);
	call(0, &r);
	CHECK((r.a[0] >> 32) == 0);
	r = fast_regs(OPTEE_SMC_GET_THREAD_COUNT);
	call(0, &r);
	CHECK((r.a[0] >> 32) == 0 && (r.a[1] >> 32) == 0);
}
