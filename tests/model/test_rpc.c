// SPDX-License-Identifier: BSD-2-Clause
/*
 * RPCs: ALLOC/FREE/CMD round trips, the SHM cache, bad ALLOC and SHM_ALLOC
 * answers, FOREIGN_INTR injection, async notifications (ABI 2.3, 3.2, 6).
 */
#include "tenv.h"

static const struct ta_uuid sleep_uuid = TA_SLEEP_UUID;
static const struct ta_uuid shmkeep_uuid = TA_SHMKEEP_UUID;

struct ctx {
	struct tenv e;
	uint64_t argpa;
	uint32_t sess;
};

static void setup_cfg(struct ctx *c, const struct optee_model_config *cfg,
		      const struct ta_uuid *u)
{
	tenv_init(&c->e, cfg);
	c->argpa = page_alloc(&c->e);
	CHECK_EQ(open_session(&c->e, 0, c->argpa, u, &c->sess), 0);
}

static void setup(struct ctx *c, const struct ta_uuid *u)
{
	struct optee_model_config cfg;

	optee_model_config_default(&cfg);
	setup_cfg(c, &cfg, u);
}

static void teardown(struct ctx *c)
{
	CHECK_EQ(close_session(&c->e, 0, c->argpa, c->sess), 0);
	tenv_fini(&c->e);
}

static uint32_t get_time(struct ctx *c, uint64_t *s, uint64_t *ns)
{
	struct optee_msg_param p[1];
	uint32_t ret = 0;

	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	ret = invoke(&c->e, 0, c->argpa, c->sess, TA_SLEEP_CMD_GET_TIME, 1, p);
	*s = p[0].u.value.a;
	*ns = p[0].u.value.b;
	return ret;
}

static uint32_t one_value(struct ctx *c, uint32_t func, uint64_t a, uint64_t b)
{
	struct optee_msg_param p[1];

	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = a;
	p[0].u.value.b = b;
	return invoke(&c->e, 0, c->argpa, c->sess, func, 1, p);
}

static void round_trips(void)
{
	struct ctx c;
	uint64_t s = 0, ns = 0;
	struct optee_msg_param p[2];

	setup(&c, &sleep_uuid);
	CHECK_EQ(get_time(&c, &s, &ns), 0);
	CHECK(s == 1234 && ns == 5678);
	/* Cache off: ALLOC, CMD, then FREE of the same cookie before OK. */
	CHECK_EQ(c.e.rpc_alloc, 1);
	CHECK_EQ(c.e.rpc_cmd, 1);
	CHECK_EQ(c.e.rpc_free, 1);
	CHECK_EQ(c.e.rpc_arg_live, 0);
	CHECK_EQ(c.e.cmd_count[OPTEE_RPC_CMD_GET_TIME], 1);

	CHECK_EQ(one_value(&c, TA_SLEEP_CMD_SUSPEND, 25, 0), 0);
	CHECK_EQ(c.e.suspend_ms, 25);
	CHECK_EQ(one_value(&c, TA_SLEEP_CMD_WAIT, 66, 100), 0);
	CHECK(c.e.notif_op == OPTEE_RPC_NOTIFICATION_WAIT && c.e.notif_key == 66);
	CHECK_EQ(one_value(&c, TA_SLEEP_CMD_SEND, 66, 0), 0);
	CHECK(c.e.notif_op == OPTEE_RPC_NOTIFICATION_SEND && c.e.notif_key == 66);

	/* RPC_LOOP: n GET_TIME RPCs in one call, one RPC arg buffer. */
	c.e.rpc_alloc = c.e.rpc_cmd = 0;
	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = 10;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_SLEEP_CMD_RPC_LOOP, 2, p), 0);
	CHECK_EQ(p[1].u.value.a, 10);
	CHECK_EQ(c.e.rpc_cmd, 10);
	CHECK_EQ(c.e.rpc_alloc, 1);
	teardown(&c);
}

static void shm_cache(void)
{
	struct ctx c;
	uint64_t s = 0, ns = 0, r[8], cookie = 0;
	struct optee_model_guest_stats st;

	setup(&c, &sleep_uuid);
	memset(r, 0, sizeof(r));
	r[0] = OPTEE_SMC_ENABLE_SHM_CACHE;
	smc(&c.e, r);
	CHECK_EQ(r[0], 0);
	CHECK_EQ(get_time(&c, &s, &ns), 0);
	CHECK_EQ(get_time(&c, &s, &ns), 0);
	/* One ALLOC, kept: no FREE. */
	CHECK_EQ(c.e.rpc_alloc, 1);
	CHECK_EQ(c.e.rpc_free, 0);
	CHECK(optee_model_guest_stats(c.e.m, 0, &st) == 0 && st.rpc_arg_buffers == 1);

	/* A thread that is not idle: EBUSY for both. */
	{
		struct optee_msg_arg *a = arg_at(&c.e, c.argpa);
		uint64_t rr[8];

		arg_reset(&c.e, c.argpa, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
		a->session = c.sess;
		a->func = TA_SLEEP_CMD_GET_TIME;
		a->params[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
		memset(rr, 0, sizeof(rr));
		rr[0] = OPTEE_SMC_CALL_WITH_ARG;
		rr[2] = (uint32_t)c.argpa;
		rr[1] = c.argpa >> 32;
		/* Thread 0 has the cached buffer: straight to RPC CMD. */
		smc(&c.e, rr);
		CHECK_EQ(rr[0], OPTEE_SMC_RETURN_RPC_CMD);
		memset(r, 0, sizeof(r));
		r[0] = OPTEE_SMC_DISABLE_SHM_CACHE;
		smc(&c.e, r);
		CHECK_EQ(r[0], OPTEE_SMC_RETURN_EBUSY);
		r[0] = OPTEE_SMC_ENABLE_SHM_CACHE;
		smc(&c.e, r);
		CHECK_EQ(r[0], OPTEE_SMC_RETURN_EBUSY);
		CHECK_EQ(nw_loop(&c.e, 0, rr), 0);
	}
	/* DISABLE: the cached cookie, then ENOTAVAIL. */
	memset(r, 0, sizeof(r));
	r[0] = OPTEE_SMC_DISABLE_SHM_CACHE;
	smc(&c.e, r);
	CHECK_EQ(r[0], 0);
	cookie = (r[1] << 32) | r[2];
	CHECK(cookie != 0);
	r[0] = OPTEE_SMC_DISABLE_SHM_CACHE;
	smc(&c.e, r);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_ENOTAVAIL);
	CHECK(optee_model_guest_stats(c.e.m, 0, &st) == 0 && st.rpc_arg_buffers == 0);
	c.e.rpc_arg_live--; /* the test NW frees it */
	/* Cache off again: ALLOC + FREE per call. */
	c.e.rpc_alloc = c.e.rpc_free = 0;
	CHECK_EQ(get_time(&c, &s, &ns), 0);
	CHECK(c.e.rpc_alloc == 1 && c.e.rpc_free == 1);

	/* Cache on with a cached buffer, then an in-band call: FREE first. */
	r[0] = OPTEE_SMC_ENABLE_SHM_CACHE;
	smc(&c.e, r);
	CHECK_EQ(get_time(&c, &s, &ns), 0);
	c.e.rpc_alloc = c.e.rpc_free = c.e.rpc_cmd = 0;
	{
		struct optee_msg_param p[1];

		memset(p, 0, sizeof(p));
		p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
		CHECK_EQ(invoke_fid(&c.e, 0, OPTEE_SMC_CALL_WITH_RPC_ARG, c.argpa, c.sess,
				    TA_SLEEP_CMD_GET_TIME, 1, p), 0);
		CHECK_EQ(p[0].u.value.a, 1234);
	}
	CHECK(c.e.rpc_free == 1 && c.e.rpc_alloc == 0 && c.e.rpc_cmd == 1);
	CHECK_EQ(c.e.rpc_arg_live, 0);
	teardown(&c);
}

static void bad_alloc_answers(void)
{
	struct ctx c;
	uint64_t s = 0, ns = 0;
	int mode = 0;

	for (mode = 1; mode <= 3; mode++) {
		setup(&c, &sleep_uuid);
		c.e.alloc_mode = mode;
		/* The model FREEs the cookie and the RPC fails: OUT_OF_MEMORY. */
		CHECK_EQ(get_time(&c, &s, &ns), TEEC_ERROR_OUT_OF_MEMORY);
		CHECK_EQ(c.e.rpc_alloc, 1);
		CHECK_EQ(c.e.rpc_free, 1);
		CHECK_EQ(c.e.rpc_cmd, 0);
		CHECK_EQ(c.e.rpc_arg_live, 0);
		c.e.alloc_mode = 0;
		teardown(&c);
	}
}

static void shm_alloc_answers(void)
{
	struct ctx c;
	struct optee_msg_param p[2];
	uint32_t ret = 0;

	setup(&c, &shmkeep_uuid);
	/* Wrong attr: refused without SHM_FREE (as OP-TEE). */
	c.e.shm_mode = 1;
	CHECK_EQ(one_value(&c, TA_SHMKEEP_CMD_ALLOC, 100, OPTEE_RPC_SHM_TYPE_APPL),
		 TEEC_ERROR_OUT_OF_MEMORY);
	CHECK_EQ(c.e.cmd_count[OPTEE_RPC_CMD_SHM_FREE], 0);
	/* Too small: refused without SHM_FREE. */
	c.e.shm_mode = 2;
	CHECK_EQ(one_value(&c, TA_SHMKEEP_CMD_ALLOC, 100, OPTEE_RPC_SHM_TYPE_APPL),
		 TEEC_ERROR_OUT_OF_MEMORY);
	CHECK_EQ(c.e.cmd_count[OPTEE_RPC_CMD_SHM_FREE], 0);
	/* Unusable page list: SHM_FREE for that cookie. */
	c.e.shm_mode = 3;
	CHECK_EQ(one_value(&c, TA_SHMKEEP_CMD_ALLOC, 100, OPTEE_RPC_SHM_TYPE_APPL),
		 TEEC_ERROR_OUT_OF_MEMORY);
	CHECK_EQ(c.e.cmd_count[OPTEE_RPC_CMD_SHM_FREE], 1);
	CHECK_EQ(c.e.shm_live, 2); /* the two refused ones leak, as with OP-TEE */
	/* Contiguous one-page answer (0xA) is accepted. */
	c.e.shm_mode = 4;
	CHECK_EQ(one_value(&c, TA_SHMKEEP_CMD_ALLOC, 100, OPTEE_RPC_SHM_TYPE_KERNEL), 0);
	CHECK_EQ(one_value(&c, TA_SHMKEEP_CMD_FILL, 9, 0), 0);
	memset(p, 0, sizeof(p));
	p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p[0].u.value.a = 9;
	p[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	ret = invoke(&c.e, 0, c.argpa, c.sess, TA_SHMKEEP_CMD_CHECK, 2, p);
	CHECK(ret == 0 && p[1].u.value.a == 1);
	CHECK_EQ(one_value(&c, TA_SHMKEEP_CMD_FREE, 0, 0), 0);
	CHECK_EQ(c.e.cmd_count[OPTEE_RPC_CMD_SHM_FREE], 2);
	CHECK_EQ(c.e.shm_live, 2);
	/* Kernel payloads over one page are refused before any RPC. */
	c.e.shm_mode = 0;
	CHECK_EQ(one_value(&c, TA_SHMKEEP_CMD_ALLOC, 5000, OPTEE_RPC_SHM_TYPE_KERNEL),
		 TEEC_ERROR_OUT_OF_MEMORY);
	teardown(&c);
}

static void foreign_intr(void)
{
	struct ctx c;
	struct optee_model_config cfg;
	uint64_t s = 0, ns = 0;
	int i = 0;
	struct optee_msg_param p[2];

	setup(&c, &sleep_uuid);
	optee_model_force_foreign_intr(c.e.m, 3);
	CHECK_EQ(get_time(&c, &s, &ns), 0);
	CHECK(s == 1234 && ns == 5678);
	CHECK_EQ(c.e.rpc_intr, 3);
	CHECK_EQ(c.e.rpc_arg_live, 0);
	teardown(&c);

	/* Random 1-in-2 injections: the calls still complete exactly. */
	optee_model_config_default(&cfg);
	cfg.foreign_intr_one_in = 2;
	cfg.seed = 42;
	setup_cfg(&c, &cfg, &sleep_uuid);
	for (i = 0; i < 20; i++) {
		memset(p, 0, sizeof(p));
		p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
		p[0].u.value.a = 5;
		p[1].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
		CHECK_EQ(invoke(&c.e, 0, c.argpa, c.sess, TA_SLEEP_CMD_RPC_LOOP, 2, p), 0);
		CHECK_EQ(p[1].u.value.a, 5);
	}
	CHECK(c.e.rpc_intr > 20);
	CHECK_EQ(c.e.rpc_arg_live, 0);
	teardown(&c);
}

static void async_notif(void)
{
	struct ctx c;
	struct optee_model_guest_stats st;
	uint64_t r[8];

	setup(&c, &sleep_uuid);
	CHECK_EQ(one_value(&c, TA_SLEEP_CMD_ASYNC_NOTIF, 7, 0), 0);
	CHECK_EQ(c.e.notif_irqs, 1);
	CHECK_EQ(one_value(&c, TA_SLEEP_CMD_ASYNC_NOTIF, 0, 0), 0);
	CHECK_EQ(one_value(&c, TA_SLEEP_CMD_ASYNC_NOTIF, 64, 0), TEEC_ERROR_BAD_PARAMETERS);
	memset(r, 0, sizeof(r));
	r[0] = OPTEE_SMC_GET_ASYNC_NOTIF_VALUE;
	smc(&c.e, r);
	CHECK(r[0] == 0 && r[1] == 0 && r[2] == 3); /* bottom half, VALID | PENDING */
	r[0] = OPTEE_SMC_GET_ASYNC_NOTIF_VALUE;
	smc(&c.e, r);
	CHECK(r[0] == 0 && r[1] == 7 && r[2] == 1);
	r[0] = OPTEE_SMC_GET_ASYNC_NOTIF_VALUE;
	smc(&c.e, r);
	CHECK(r[0] == 0 && r[1] == 0 && r[2] == 0);

	/* DO_BOTTOM_HALF and STOP_ASYNC_NOTIF: OK, arg.ret untouched. */
	arg_reset(&c.e, c.argpa, OPTEE_MSG_CMD_DO_BOTTOM_HALF, 0);
	arg_at(&c.e, c.argpa)->ret = 0x3333;
	CHECK_EQ(call_arg(&c.e, 0, c.argpa), 0);
	CHECK_EQ(arg_at(&c.e, c.argpa)->ret, 0x3333);
	CHECK(optee_model_guest_stats(c.e.m, 0, &st) == 0 && st.bottom_halves == 1);
	arg_reset(&c.e, c.argpa, OPTEE_MSG_CMD_STOP_ASYNC_NOTIF, 0);
	CHECK_EQ(call_arg(&c.e, 0, c.argpa), 0);
	teardown(&c);

	/* Without the capability: unknown commands, TA refuses. */
	{
		struct optee_model_config cfg;

		optee_model_config_default(&cfg);
		cfg.sec_caps &= ~OPTEE_SMC_SEC_CAP_ASYNC_NOTIF;
		setup_cfg(&c, &cfg, &sleep_uuid);
		arg_reset(&c.e, c.argpa, OPTEE_MSG_CMD_DO_BOTTOM_HALF, 0);
		CHECK_EQ(call_arg(&c.e, 0, c.argpa), OPTEE_SMC_RETURN_EBADCMD);
		arg_reset(&c.e, c.argpa, OPTEE_MSG_CMD_STOP_ASYNC_NOTIF, 0);
		CHECK_EQ(call_arg(&c.e, 0, c.argpa), OPTEE_SMC_RETURN_EBADCMD);
		CHECK_EQ(one_value(&c, TA_SLEEP_CMD_ASYNC_NOTIF, 1, 0), TEEC_ERROR_NOT_SUPPORTED);
		teardown(&c);
	}

	/* Per guest with virtualization. */
	{
		struct optee_model_config cfg;
		struct tenv *e = &c.e;
		uint32_t sess = 0;

		optee_model_config_default(&cfg);
		cfg.virtualization = 1;
		tenv_init(e, &cfg);
		c.argpa = page_alloc(e);
		memset(r, 0, sizeof(r));
		r[0] = OPTEE_SMC_VM_CREATED;
		r[1] = 1;
		smc(e, r);
		r[0] = OPTEE_SMC_VM_CREATED;
		r[1] = 2;
		r[7] = 0;
		smc(e, r);
		CHECK_EQ(open_session(e, 2, c.argpa, &sleep_uuid, &sess), 0);
		{
			struct optee_msg_param p[1];

			memset(p, 0, sizeof(p));
			p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
			p[0].u.value.a = 9;
			CHECK_EQ(invoke(e, 2, c.argpa, sess, TA_SLEEP_CMD_ASYNC_NOTIF, 1, p), 0);
		}
		memset(r, 0, sizeof(r));
		r[0] = OPTEE_SMC_GET_ASYNC_NOTIF_VALUE;
		r[7] = 1;
		smc(e, r);
		CHECK(r[0] == 0 && r[2] == 0); /* nothing for guest 1 */
		r[0] = OPTEE_SMC_GET_ASYNC_NOTIF_VALUE;
		r[7] = 2;
		smc(e, r);
		CHECK(r[0] == 0 && r[1] == 9 && r[2] == 1);
		/* Another guest cannot use guest 2's session. */
		{
			struct optee_msg_param p[1];

			memset(p, 0, sizeof(p));
			CHECK_EQ(invoke(e, 1, c.argpa, sess, TA_SLEEP_CMD_GET_TIME, 0, p),
				 TEEC_ERROR_BAD_PARAMETERS);
		}
		CHECK_EQ(close_session(e, 2, c.argpa, sess), 0);
		memset(r, 0, sizeof(r));
		r[0] = OPTEE_SMC_VM_DESTROYED;
		r[1] = 1;
		smc(e, r);
		r[0] = OPTEE_SMC_VM_DESTROYED;
		r[1] = 2;
		r[7] = 0;
		smc(e, r);
		CHECK_EQ(e->clients_seen, (1u << 1) | (1u << 2));
		tenv_fini(e);
	}
}

void test_rpc(void)
{
	round_trips();
	shm_cache();
	bad_alloc_answers();
	shm_alloc_answers();
	foreign_intr();
	async_notif();
}
