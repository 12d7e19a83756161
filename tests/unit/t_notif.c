/* SPDX-License-Identifier: BSD-2-Clause */
/* Asynchronous notifications: one OP-TEE interrupt, values kept per guest. */
#include "fx.h"

#define VALID   OPTEE_SMC_ASYNC_NOTIF_VALID
#define PENDING OPTEE_SMC_ASYNC_NOTIF_PENDING

static void up_notif(int ndom)
{
	struct teemed_config cfg;

	fx_config(&cfg);
	cfg.features |= TEEMED_FEATURE_ASYNC_NOTIF;
	fx_up(&cfg, ndom);
}

static void enable(int d)
{
	struct teemed_regs r = fast_regs(OPTEE_SMC_ENABLE_ASYNC_NOTIF);

	sw_expect(OPTEE_SMC_ENABLE_ASYNC_NOTIF, CID(d), OPTEE_SMC_RETURN_OK, 0, 0, 0);
	call(d, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
}

static struct teemed_regs get_value(int d)
{
	struct teemed_regs r = fast_regs(OPTEE_SMC_GET_ASYNC_NOTIF_VALUE);

	call(d, &r);
	return r;
}

TEST(notif_not_offered_by_default)
{
	struct teemed_regs r;
	uint64_t ipa;

	fx_up(NULL, 1);
	r = fast_regs(OPTEE_SMC_ENABLE_ASYNC_NOTIF);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	r = get_value(0);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
	ipa = arg_new(0);
	msg_init(garg(0, ipa), OPTEE_MSG_CMD_DO_BOTTOM_HALF, 0);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_EBADCMD);
}

TEST(notif_caps_offered_with_max_value)
{
	struct teemed_regs r;

	up_notif(1);
	sw_expect(OPTEE_SMC_EXCHANGE_CAPABILITIES, CID(0), OPTEE_SMC_RETURN_OK, 0xfd, 66, 4);
	r = fast_regs(OPTEE_SMC_EXCHANGE_CAPABILITIES);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK(r.a[1] & OPTEE_SMC_SEC_CAP_ASYNC_NOTIF);
	CHECK_EQ(r.a[2], 66);
	/* A maximum beyond what the mediator keeps is capped. */
	sw_expect(OPTEE_SMC_EXCHANGE_CAPABILITIES, CID(0), OPTEE_SMC_RETURN_OK, 0xfd, 100000, 4);
	r = fast_regs(OPTEE_SMC_EXCHANGE_CAPABILITIES);
	call(0, &r);
	CHECK_EQ(r.a[2], 255);
}

TEST(notif_irq_routes_values_to_their_guest)
{
	struct teemed_regs r;

	up_notif(2);
	enable(0);
	/* Only guest 0 enabled: the interrupt asks OP-TEE for its values alone. */
	sw_expect(OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, CID(0), OPTEE_SMC_RETURN_OK, 5, VALID | PENDING, 0);
	sw_expect(OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, CID(0), OPTEE_SMC_RETURN_OK, 9, VALID, 0);
	teemed_notif_irq(X.tm);
	CHECK_EQ(fake_counts()->notifies, 1);
	CHECK(fake_counts()->last_notified == (void *)X.g[0]);
	/* Guest 1 cannot see them: its GET goes to OP-TEE under its own ID. */
	sw_expect(OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, CID(1), OPTEE_SMC_RETURN_OK, 0, 0, 0);
	r = get_value(1);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(r.a[2], 0);
	/* Guest 0 reads them lowest first, PENDING while more are kept. */
	r = get_value(0);
	CHECK_EQ(r.a[1], 5);
	CHECK_EQ(r.a[2], VALID | PENDING);
	r = get_value(0);
	CHECK_EQ(r.a[1], 9);
	CHECK_EQ(r.a[2], VALID);
	sw_expect(OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, CID(0), OPTEE_SMC_RETURN_OK, 0, 0, 0);
	r = get_value(0);
	CHECK_EQ(r.a[2], 0);
}

TEST(notif_flood_bounded_and_oversized_values_dropped)
{
	struct teemed_regs r;
	unsigned i;

	up_notif(1);
	K.allow_warn_log = true;
	enable(0);
	/* OP-TEE claims endless PENDING values: the poll stops at 256. */
	for (i = 0; i < 256; i++)
		sw_expect(OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, CID(0), OPTEE_SMC_RETURN_OK,
			  i == 3 ? 100000 : i % 8, VALID | PENDING, 0);
	teemed_notif_irq(X.tm);
	CHECK_EQ(sw_pending(), 0);
	CHECK_EQ(fake_counts()->notifies, 1);
	for (i = 0; i < 8; i++) {
		r = get_value(0);
		CHECK_EQ(r.a[1], i);
	}
	CHECK_EQ(r.a[2], VALID);
}

TEST(notif_destroyed_domain_not_polled)
{
	up_notif(2);
	enable(0);
	enable(1);
	fx_destroy(0);
	sw_expect(OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, CID(1), OPTEE_SMC_RETURN_OK, 0, 0, 0);
	teemed_notif_irq(X.tm);
	CHECK_EQ(fake_counts()->notifies, 0);
}

TEST(notif_bottom_half_forwarded_without_params)
{
	uint64_t ipa;
	struct teemed_regs r;
	struct callctx c = { .ret = 0 };
	struct optee_msg_arg *a;

	up_notif(1);
	ipa = arg_new(0);
	a = garg(0, ipa);
	msg_init(a, OPTEE_MSG_CMD_DO_BOTTOM_HALF, 0);
	sw_call(0, &c);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(c.calls, 1);
	msg_init(a, OPTEE_MSG_CMD_STOP_ASYNC_NOTIF, 1);
	r = std_regs(ipa);
	call(0, &r);
	CHECK_EQ(r.a[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(a->ret, TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(c.calls, 1);
}
