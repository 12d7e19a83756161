/* SPDX-License-Identifier: BSD-2-Clause */
/* Behaviour 1: the probe at teemed_init. */
#include "fx.h"

static int init_with(const struct probe *p, const struct teemed_config *cfg)
{
	struct teemed_port port;
	struct teemed *tm = (struct teemed *)0x1;
	int rc;

	/* a secure world that is not OP-TEE deserves an ERROR line */
	K.allow_error_log = p->may_stop;
	sw_probe(p);
	fake_port_get(&port);
	rc = teemed_init(&port, cfg, &tm);
	if (rc == TEEMED_OK) {
		X.tm = tm;
		X.up = true;
	}
	return rc;
}

TEST(init_ok_defaults)
{
	struct probe p;
	struct teemed_info info;

	probe_default(&p);
	p.threads = 3;
	REQUIRE_RC(init_with(&p, NULL), TEEMED_OK);
	sw_check_done(__FILE__, __LINE__);
	teemed_get_info(X.tm, &info);
	CHECK_EQ(info.thread_count, 3);
	CHECK_EQ(info.os_revision_major, 4);
	CHECK_EQ(info.os_revision_minor, 10);
	CHECK_EQ(info.secure_caps, 0xfd);
	CHECK_EQ(info.rpc_param_count, 4);
	/* Every probe SMC was made by the hypervisor itself: a7 = 0 (checked per step). */
}

TEST(init_config_default_values)
{
	struct teemed_config cfg;

	memset(&cfg, 0xEE, sizeof(cfg));
	teemed_config_default(&cfg);
	CHECK_EQ(cfg.threads_per_domain, 0);
	CHECK_EQ(cfg.fallback_threads, 2);
	CHECK_EQ(cfg.max_buffer_pages, 262145);
	CHECK(cfg.max_domain_pages >= 262145);
	CHECK(cfg.max_domain_buffers > 0);
	CHECK(cfg.max_domain_rpc_args > 0);
	CHECK(cfg.work_budget_pages > 0);
}

TEST(init_wrong_uid_enodev)
{
	struct probe p;

	probe_default(&p);
	p.uid[2] ^= 1;
	p.may_stop = true;
	CHECK_RC(init_with(&p, NULL), TEEMED_ENODEV);
	/* nothing leaked: checked after the test */
}

TEST(init_image_loader_uid_enodev)
{
	struct probe p;

	probe_default(&p);
	p.uid[0] = 0xa3fbeab1;
	p.uid[1] = 0x1246315d;
	p.uid[2] = 0xc7c406b9;
	p.uid[3] = 0xc03cbea4;
	p.may_stop = true;
	CHECK_RC(init_with(&p, NULL), TEEMED_ENODEV);
}

TEST(init_uid_unknown_function_enodev)
{
	struct probe p;

	probe_default(&p);
	p.uid[0] = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
	p.may_stop = true;
	CHECK_RC(init_with(&p, NULL), TEEMED_ENODEV);
}

TEST(init_revision_major_1_enodev)
{
	struct probe p;

	probe_default(&p);
	p.rev_major = 1;
	p.may_stop = true;
	CHECK_RC(init_with(&p, NULL), TEEMED_ENODEV);
}

TEST(init_revision_major_3_enodev)
{
	struct probe p;

	probe_default(&p);
	p.rev_major = 3;
	p.may_stop = true;
	CHECK_RC(init_with(&p, NULL), TEEMED_ENODEV);
}

TEST(init_revision_minor_ok)
{
	struct probe p;

	probe_default(&p);
	p.rev_minor = 7;
	CHECK_RC(init_with(&p, NULL), TEEMED_OK);
}

TEST(init_no_dynamic_shm_enotsup)
{
	struct probe p;

	probe_default(&p);
	p.caps = 0xfd & ~OPTEE_SMC_SEC_CAP_DYNAMIC_SHM;
	p.may_stop = true;
	CHECK_RC(init_with(&p, NULL), TEEMED_ENOTSUP);
}

TEST(init_no_virtualization_enotsup)
{
	struct probe p;

	probe_default(&p);
	p.caps = 0xfd & ~OPTEE_SMC_SEC_CAP_VIRTUALIZATION;
	p.may_stop = true;
	CHECK_RC(init_with(&p, NULL), TEEMED_ENOTSUP);
}

TEST(init_minimal_caps_ok)
{
	struct probe p;

	probe_default(&p);
	p.caps = OPTEE_SMC_SEC_CAP_DYNAMIC_SHM | OPTEE_SMC_SEC_CAP_VIRTUALIZATION;
	CHECK_RC(init_with(&p, NULL), TEEMED_OK);
}

TEST(init_caps_error_fails)
{
	struct probe p;
	int rc;

	probe_default(&p);
	p.caps_a0 = OPTEE_SMC_RETURN_ENOTAVAIL;
	p.may_stop = true;
	rc = init_with(&p, NULL);
	CHECK_MSG(rc == TEEMED_ENOTSUP || rc == TEEMED_ENODEV,
		  "EXCHANGE_CAPABILITIES failing: init gave %d", rc);
}

TEST(init_thread_count_unknown_fallback)
{
	struct probe p;
	struct teemed_config cfg;
	struct teemed_info info;

	probe_default(&p);
	p.tc_a0 = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
	p.threads = 0x55; /* garbage in a1: must not be used */
	teemed_config_default(&cfg);
	cfg.fallback_threads = 3;
	REQUIRE_RC(init_with(&p, &cfg), TEEMED_OK);
	teemed_get_info(X.tm, &info);
	CHECK_EQ(info.thread_count, 3);
}

TEST(init_thread_count_default_fallback_is_2)
{
	struct probe p;
	struct teemed_info info;

	probe_default(&p);
	p.tc_a0 = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
	REQUIRE_RC(init_with(&p, NULL), TEEMED_OK);
	teemed_get_info(X.tm, &info);
	CHECK_EQ(info.thread_count, 2);
}

TEST(init_thread_count_config_override)
{
	struct probe p;
	struct teemed_config cfg;
	struct teemed_info info;

	probe_default(&p);
	p.threads = 4;
	p.may_stop = true; /* GET_THREAD_COUNT may be skipped when configured */
	teemed_config_default(&cfg);
	cfg.threads_per_domain = 1;
	REQUIRE_RC(init_with(&p, &cfg), TEEMED_OK);
	teemed_get_info(X.tm, &info);
	CHECK_EQ(info.thread_count, 1);
}

TEST(init_slot_count_is_guest_thread_count)
{
	struct teemed_regs r;

	fx_up_threads(NULL, 1, 5);
	CHECK_EQ(X.threads, 5);
	r = fast_regs(OPTEE_SMC_GET_THREAD_COUNT);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(r.a[1], 5);
}

TEST(init_null_args_einval)
{
	struct teemed_port port;
	struct teemed *tm = NULL;

	fake_port_get(&port);
	CHECK_RC(teemed_init(NULL, NULL, &tm), TEEMED_EINVAL);
	CHECK_RC(teemed_init(&port, NULL, NULL), TEEMED_EINVAL);
	CHECK_EQ(sw_smc_count(), 0);
}

TEST(init_missing_mandatory_port_op_einval)
{
	struct teemed_port port;
	struct teemed *tm = NULL;

	fake_port_get(&port);
	port.pin = NULL;
	CHECK_RC(teemed_init(&port, NULL, &tm), TEEMED_EINVAL);
	fake_port_get(&port);
	port.smc = NULL;
	CHECK_RC(teemed_init(&port, NULL, &tm), TEEMED_EINVAL);
}

TEST(init_optional_port_ops_may_be_null)
{
	struct probe p;
	struct teemed_port port;
	struct teemed *tm = NULL;

	probe_default(&p);
	sw_probe(&p);
	fake_port_get(&port);
	port.should_yield = NULL;
	port.log = NULL;
	port.notify = NULL;
	REQUIRE_RC(teemed_init(&port, NULL, &tm), TEEMED_OK);
	X.tm = tm;
	X.up = true;
}

TEST(init_port_table_is_copied)
{
	struct probe p;
	struct teemed_port port;
	struct teemed *tm = NULL;
	struct teemed_regs r;

	probe_default(&p);
	sw_probe(&p);
	fake_port_get(&port);
	REQUIRE_RC(teemed_init(&port, NULL, &tm), TEEMED_OK);
	X.tm = tm;
	X.up = true;
	memset(&port, 0, sizeof(port)); /* the caller's copy goes away */
	X.g[0] = guest_new();
	X.cid[0] = 1;
	sw_vm_created(1, OPTEE_SMC_RETURN_OK);
	REQUIRE_RC(teemed_domain_create(X.tm, 1, X.g[0], &X.d[0]), TEEMED_OK);
	X.ndom = 1;
	r = fast_regs(OPTEE_SMC_CALLS_COUNT);
	call(0, &r);
}

/* Allocation failures at init: ENOMEM (or success), never a leak. */
TEST(init_alloc_failure_sweep)
{
	for (uint64_t n = 1; n <= 12; n++) {
		struct probe p;
		struct teemed_port port;
		struct teemed *tm = NULL;
		int rc;

		fake_reset();
		K.fail_alloc_at = n;
		K.allow_error_log = true;
		probe_default(&p);
		p.may_stop = true;
		sw_probe(&p);
		fake_port_get(&port);
		rc = teemed_init(&port, NULL, &tm);
		CHECK_MSG(rc == TEEMED_OK || rc == TEEMED_ENOMEM, "alloc %llu failing: init gave %d",
			  (unsigned long long)n, rc);
		if (rc == TEEMED_OK)
			CHECK_RC(teemed_fini(tm), TEEMED_OK);
		sw_check_done(__FILE__, __LINE__);
		fake_check_clean(__FILE__, __LINE__);
	}
	fake_reset();
}

TEST(init_lock_and_page_failure_sweep)
{
	for (int kind = 0; kind < 2; kind++) {
		for (uint64_t n = 1; n <= 4; n++) {
			struct probe p;
			struct teemed_port port;
			struct teemed *tm = NULL;
			int rc;

			fake_reset();
			if (kind)
				K.fail_page_at = n;
			else
				K.fail_lock_at = n;
			K.allow_error_log = true;
			probe_default(&p);
			p.may_stop = true;
			sw_probe(&p);
			fake_port_get(&port);
			rc = teemed_init(&port, NULL, &tm);
			CHECK_MSG(rc == TEEMED_OK || rc == TEEMED_ENOMEM,
				  "%s %llu failing: init gave %d", kind ? "page" : "lock",
				  (unsigned long long)n, rc);
			if (rc == TEEMED_OK)
				CHECK_RC(teemed_fini(tm), TEEMED_OK);
			sw_check_done(__FILE__, __LINE__);
			fake_check_clean(__FILE__, __LINE__);
		}
	}
	fake_reset();
}

TEST(init_fini_no_leak)
{
	fx_up(NULL, 0);
	/* fx_down in the after-hook checks that fini released everything */
}

TEST(is_optee_fid)
{
	CHECK(teemed_is_optee_fid(OPTEE_SMC_CALLS_UID));
	CHECK(teemed_is_optee_fid(OPTEE_SMC_CALL_GET_OS_UUID));
	CHECK(teemed_is_optee_fid(OPTEE_SMC_CALL_WITH_ARG));
	CHECK(teemed_is_optee_fid(OPTEE_SMC_CALL_RETURN_FROM_RPC));
	CHECK(teemed_is_optee_fid(OPTEE_SMC_GET_THREAD_COUNT));
	CHECK(!teemed_is_optee_fid(0x84000000u)); /* PSCI (standard service) */
	CHECK(!teemed_is_optee_fid(0x82000000u)); /* SiP */
	CHECK(!teemed_is_optee_fid(0x80000000u)); /* Arm architecture */
}
