/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The newer OP-TEE calls end to end: guest driver (modern, asynchronous
 * notifications on) -> mediator -> OP-TEE model, with the isolation oracle
 * and the leak checks of every teardown. The address attacks on
 * CALL_WITH_RPC_ARG / CALL_WITH_REGD_ARG and the REGD_ARG life cycle are
 * scenarios (scenarios/addr-rpc-arg-straddle.scn, addr-regd-arg-bounds.scn,
 * id-regd-cookie-other-guest.scn, life-unregister-regd-in-flight.scn,
 * notif-other-guest.scn); here are the ones that need threads and the
 * driver: notification delivery through the machine's interrupt path, a
 * flood from one guest beside another that waits for its own values, and
 * a notification workload run direct and mediated.
 */
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "teemed/optee_smc.h"
#include "tests/integration/itest.h"

#define NC_RAM (16ull << 20)
/* A notification wait that fails the test rather than hang it. */
#define NC_WAIT_MS 5000u
/* Values the waiting guest uses, and how many rounds it runs. */
#define NC_ROUNDS 24u
#define NC_FLOOD_MIN 300u
#define NC_FLOOD_MAX 200000u

/* One guest with its own driver on a workload env that forwards interrupts. */
struct nc_guest {
	struct machine_guest *g;
	struct wl_env wenv;
	struct gdrv *drv;
	TEEC_Context ctx;
	TEEC_Session sleep;
	bool ctx_open, sess_open;
};

static struct machine *nc_machine(enum machine_mode mode, uint32_t guests)
{
	struct machine_config mc;
	struct machine *m = NULL;

	machine_config_default(&mc, mode);
	mc.phys.region_bytes[PHYS_REGION_GUEST] = NC_RAM * guests;
	CHECK_EQ(machine_create(&mc, &m), 0);
	return m;
}

static bool nc_guest_up(struct machine *m, struct nc_guest *ng, bool async, uint64_t cookies)
{
	struct machine_guest_config gc;
	struct gdrv_config dc;
	uint32_t origin = 0;

	memset(ng, 0, sizeof(*ng));
	machine_guest_config_default(&gc);
	gc.ram_size = NC_RAM;
	gc.ram_base = S2_DEFAULT_RAM_BASE;
	CHECK_EQ(machine_guest_create(m, &gc, &ng->g), 0);
	if (!ng->g)
		return false;
	CHECK_EQ(wl_env_init(&ng->wenv, m, ng->g), 0);
	/* wl_env forwards all but the interrupt path: take vCPU 0's. */
	ng->wenv.env.irq_ctx = ng->wenv.base->irq_ctx;
	ng->wenv.env.irq_register = ng->wenv.base->irq_register;
	gdrv_config_default(&dc);
	dc.async_notif = async;
	dc.cookie_base = cookies;
	CHECK_EQ(gdrv_create(&ng->wenv.env, &dc, &ng->drv), GDRV_OK);
	if (!ng->drv)
		return false;
	CHECK_EQ(gdrv_probe(ng->drv, NULL), GDRV_OK);
	CHECK_EQ(gdrv_async_enabled(ng->drv), async);
	CHECK_EQ(TEEC_InitializeContext(ng->drv, &ng->ctx), TEEC_SUCCESS);
	ng->ctx_open = true;
	CHECK_EQ(TEEC_OpenSession(&ng->ctx, &ng->sleep, &it_uuid_sleep, TEEC_LOGIN_PUBLIC, NULL,
				  NULL, &origin),
		 TEEC_SUCCESS);
	ng->sess_open = true;
	return true;
}

/* Close, remove the driver (STOP_ASYNC_NOTIF, handler removed). */
static void nc_guest_down(struct nc_guest *ng)
{
	if (ng->sess_open)
		TEEC_CloseSession(&ng->sleep);
	if (ng->ctx_open)
		TEEC_FinalizeContext(&ng->ctx);
	if (ng->drv)
		gdrv_destroy(ng->drv);
	ng->sess_open = ng->ctx_open = false;
	ng->drv = NULL;
}

/* TA_SLEEP_CMD_ASYNC_NOTIF: make `value` pending for this guest. */
static TEEC_Result nc_notify(struct nc_guest *ng, uint32_t value)
{
	TEEC_Operation op;
	uint32_t origin = 0;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = value;
	return TEEC_InvokeCommand(&ng->sleep, TA_SLEEP_CMD_ASYNC_NOTIF, &op, &origin);
}

static void nc_fast(struct nc_guest *ng, uint32_t fid, uint64_t a7, uint64_t r[8])
{
	memset(r, 0, 8 * sizeof(uint64_t));
	r[0] = fid;
	r[7] = a7;
	graw_smc(&ng->wenv.env, r);
}

/* The model's partition of a guest: its client ID, or 0 in direct mode. */
static uint16_t nc_part(struct machine *m, struct machine_guest *g)
{
	return machine_mode(m) == MACHINE_DIRECT ? 0 : machine_guest_client_id(g);
}

static uint64_t nc_model_bottom_halves(struct machine *m, uint16_t guest)
{
	struct optee_model_guest_stats st;

	if (optee_model_guest_stats(machine_model(m), guest, &st))
		return ~0ull;
	return st.bottom_halves;
}

/* Wait (bounded) until the model has served `n` DO_BOTTOM_HALF calls. */
static bool nc_wait_bottom_halves(struct machine *m, uint16_t guest, uint64_t n)
{
	uint64_t t0 = wl_now_ns();

	while (nc_model_bottom_halves(m, guest) != n) {
		if (wl_now_ns() - t0 > (uint64_t)NC_WAIT_MS * 1000000u)
			return false;
		sched_yield();
	}
	return true;
}

static void nc_teardown(struct machine *m, struct nc_guest *gs, size_t n)
{
	struct machine_report rep;
	size_t i;

	for (i = 0; i < n; i++)
		nc_guest_down(&gs[i]);
	machine_destroy(m, &rep);
	it_check_clean(&rep);
}

/* --- one guest: delivery, waits, bottom half ---------------------------- */

static void notif_one_guest(enum machine_mode mode)
{
	struct machine *m = nc_machine(mode, 1);
	struct nc_guest a;
	struct gdrv_stats st;
	uint64_t t0;
	uint32_t v;

	if (!m)
		return;
	if (!nc_guest_up(m, &a, true, 0x1000))
		goto out;
	/* Each value is delivered to its waiter; one sent before the wait is kept. */
	for (v = 1; v <= 8; v++) {
		CHECK_EQ(nc_notify(&a, v), TEEC_SUCCESS);
		CHECK_EQ(gdrv_async_wait(a.drv, v, NC_WAIT_MS), GDRV_OK);
	}
	/* Nothing more arrives for value 5: the wait times out. */
	t0 = wl_now_ns();
	CHECK_EQ(gdrv_async_wait(a.drv, 5, 30), GDRV_ETIMEDOUT);
	CHECK(wl_now_ns() - t0 >= 25u * 1000000u);
	/* API errors: the bottom-half value and values out of range. */
	CHECK_EQ(gdrv_async_wait(a.drv, 0, 10), GDRV_EINVAL);
	CHECK_EQ(gdrv_async_wait(a.drv, 100000, 10), GDRV_EINVAL);
	/* OP-TEE refuses values over 63 itself. */
	CHECK_EQ(nc_notify(&a, 64), TEEC_ERROR_BAD_PARAMETERS);
	/* Value 0: the driver issues DO_BOTTOM_HALF. */
	CHECK_EQ(nc_notify(&a, 0), TEEC_SUCCESS);
	CHECK(nc_wait_bottom_halves(m, nc_part(m, a.g), 1));
	gdrv_get_stats(a.drv, &st);
	CHECK_EQ(st.async_values, 9);
	CHECK_EQ(st.async_by_value[0], 1);
	for (v = 1; v <= 8; v++)
		CHECK_EQ(st.async_by_value[v], 1);
	CHECK_EQ(st.async_bottom_halves, 1);
	CHECK_EQ(st.async_errors, 0);
	CHECK(st.async_irqs >= 1 && st.async_irqs <= 9);
out:
	nc_teardown(m, &a, 1);
}

static void notif_direct(void)
{
	notif_one_guest(MACHINE_DIRECT);
}

static void notif_mediated(void)
{
	notif_one_guest(MACHINE_MEDIATED);
}

/* Without the interrupt path (an env without irq_register) nothing is enabled. */
static void notif_needs_an_interrupt(void)
{
	struct machine *m = nc_machine(MACHINE_MEDIATED, 1);
	struct machine_guest_config gc;
	struct machine_guest *g = NULL;
	struct machine_report rep;
	struct gdrv_stats st;
	struct wl_env we;
	struct gdrv *drv = NULL;
	bool ok;

	if (!m)
		return;
	machine_guest_config_default(&gc);
	gc.ram_size = NC_RAM;
	CHECK_EQ(machine_guest_create(m, &gc, &g), 0);
	ok = g && wl_env_init(&we, m, g) == 0;
	if (ok) {
		/* An env without the interrupt path (as the AArch64 port's guests). */
		we.env.irq_ctx = NULL;
		we.env.irq_register = NULL;
	}
	if (ok && gdrv_create(&we.env, NULL, &drv) == GDRV_OK) {
		CHECK_EQ(gdrv_probe(drv, NULL), GDRV_OK);
		CHECK(gdrv_get_info(drv)->sec_caps & OPTEE_SMC_SEC_CAP_ASYNC_NOTIF);
		CHECK(!gdrv_async_enabled(drv));
		CHECK_EQ(gdrv_async_wait(drv, 1, 10), GDRV_ENOTSUP);
		gdrv_get_stats(drv, &st);
		CHECK_EQ(st.async_irqs, 0);
		gdrv_destroy(drv);
	}
	machine_destroy(m, &rep);
	it_check_clean(&rep);
}

/* --- a flood beside a guest that waits for its own values ---------------- */

struct flood {
	struct nc_guest *ng;
	atomic_int stop;
	uint32_t sent;
	uint32_t failures;
};

/* The hostile guest: values 0..63 as fast as it can, never read. */
static int flood_vcpu(const struct guest_env *env, void *arg)
{
	struct flood *f = arg;

	wl_env_enter(env);
	while (f->sent < NC_FLOOD_MAX &&
	       (f->sent < NC_FLOOD_MIN || !atomic_load(&f->stop))) {
		if (nc_notify(f->ng, f->sent % 64u) != TEEC_SUCCESS)
			f->failures++;
		f->sent++;
	}
	wl_env_enter(NULL);
	return 0;
}

struct waiter {
	struct nc_guest *ng;
	struct flood *f;
	uint32_t sent[GDRV_ASYNC_VALUES];
	uint32_t failures, timeouts;
};

/* The victim: its own values 1..3 (which the flood uses too), each awaited. */
static int waiter_vcpu(const struct guest_env *env, void *arg)
{
	struct waiter *w = arg;
	uint32_t i;

	wl_env_enter(env);
	for (i = 0; i < NC_ROUNDS; i++) {
		uint32_t v = 1u + i % 3u;

		if (nc_notify(w->ng, v) != TEEC_SUCCESS) {
			w->failures++;
			continue;
		}
		w->sent[v]++;
		if (gdrv_async_wait(w->ng->drv, v, NC_WAIT_MS) != GDRV_OK)
			w->timeouts++;
	}
	atomic_store(&w->f->stop, 1);
	wl_env_enter(NULL);
	return 0;
}

static void notif_flood_beside_a_waiter(void)
{
	struct machine *m = nc_machine(MACHINE_MEDIATED, 2);
	struct nc_guest gs[2];
	struct nc_guest *a = &gs[0], *b = &gs[1];
	struct flood f;
	struct waiter w;
	struct gdrv_stats st;
	struct optee_model_guest_stats ms;
	uint64_t r[8], raised, taken;
	uint32_t i, values = 0, count[64];

	memset(gs, 0, sizeof(gs));
	if (!m)
		return;
	/* a: a driver that leaves notifications off; it enables them raw and never reads. */
	if (!nc_guest_up(m, a, false, 0x1000) || !nc_guest_up(m, b, true, 0x1000))
		goto out;
	nc_fast(a, OPTEE_SMC_ENABLE_ASYNC_NOTIF, 0, r);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_OK);

	memset(&f, 0, sizeof(f));
	memset(&w, 0, sizeof(w));
	f.ng = a;
	atomic_init(&f.stop, 0);
	w.ng = b;
	w.f = &f;
	CHECK_EQ(machine_guest_start(a->g, 0, flood_vcpu, &f), 0);
	CHECK_EQ(machine_guest_start(b->g, 0, waiter_vcpu, &w), 0);
	CHECK_EQ(machine_guest_join(b->g), 0);
	CHECK_EQ(machine_guest_join(a->g), 0);

	/* b got exactly its own values, each once per time it sent it. */
	CHECK_EQ(w.failures, 0);
	CHECK_EQ(w.timeouts, 0);
	gdrv_get_stats(b->drv, &st);
	CHECK_EQ(st.async_values, NC_ROUNDS);
	for (i = 0; i < GDRV_ASYNC_VALUES; i++)
		CHECK_EQ(st.async_by_value[i], w.sent[i]);
	CHECK_EQ(st.async_bottom_halves, 0);
	CHECK_EQ(st.async_errors, 0);
	/* ... and was interrupted only for them, never for a's flood. */
	CHECK(atomic_load(&machine_guest_vcpu_state(b->g)->irqs_raised) <= NC_ROUNDS);
	CHECK_EQ(nc_model_bottom_halves(m, nc_part(m, b->g)), 0);

	CHECK_EQ(f.failures, 0);
	CHECK(f.sent >= NC_FLOOD_MIN);
	machine_irq_stats(m, &raised, &taken);
	CHECK(raised >= f.sent + NC_ROUNDS);
	CHECK(taken >= 1 && taken <= raised);

	/* b cannot read a's values, whatever it puts in a7. */
	nc_fast(b, OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, 0, r);
	CHECK_EQ(r[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(r[2] & OPTEE_SMC_ASYNC_NOTIF_VALID, 0);
	nc_fast(b, OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, machine_guest_client_id(a->g), r);
	CHECK_EQ(r[2] & OPTEE_SMC_ASYNC_NOTIF_VALID, 0);

	/*
	 * a's flood stayed bounded: thousands of notifications are at most one
	 * pending bit per value (0..63) in OP-TEE and one in the mediator's
	 * bitmap (a value fetched by the mediator may be set again in OP-TEE
	 * before a reads it), so a drains at most 2 x 64 values, each at most
	 * twice.
	 */
	memset(count, 0, sizeof(count));
	for (i = 0; i < 1000; i++) {
		nc_fast(a, OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, 0, r);
		CHECK_EQ(r[0], OPTEE_SMC_RETURN_OK);
		if (!(r[2] & OPTEE_SMC_ASYNC_NOTIF_VALID))
			break;
		CHECK(r[1] < 64);
		if (r[1] < 64)
			count[r[1]]++;
		values++;
	}
	CHECK(values >= 1 && values <= 128);
	for (i = 0; i < 64; i++)
		CHECK(count[i] <= 2);
	CHECK_EQ(optee_model_guest_stats(machine_model(m), nc_part(m, a->g), &ms), 0);
	CHECK_EQ(ms.notif_pending, 0);
	CHECK_EQ(ms.bottom_halves, 0);
	/* The flood interrupted a, not b. */
	CHECK(atomic_load(&machine_guest_vcpu_state(a->g)->irqs_raised) >= 1);
out:
	nc_teardown(m, gs, 2);
}

/* --- the same notification workload, direct and mediated ----------------- */

#define NC_DIFF_OPS 40u

struct nc_trace {
	uint32_t result[NC_DIFF_OPS];
	uint32_t wait[NC_DIFF_OPS];
	uint64_t by_value[GDRV_ASYNC_VALUES];
	uint64_t values, bottom_halves, model_bottom_halves;
};

/*
 * A seeded mix of ordinary calls and notifications: arith additions,
 * values sent then awaited, values sent twice before one wait (they
 * coalesce), bottom halves. Everything the guest observes is recorded.
 */
static void nc_diff_run(enum machine_mode mode, struct nc_trace *tr)
{
	struct machine *m = nc_machine(mode, 1);
	struct nc_guest a;
	struct gdrv_stats st;
	TEEC_Session arith;
	TEEC_Operation op;
	uint32_t origin, i, rng = 7;
	uint64_t bh = 0;

	memset(tr, 0, sizeof(*tr));
	if (!m)
		return;
	if (!nc_guest_up(m, &a, true, 0x1000))
		goto out;
	CHECK_EQ(TEEC_OpenSession(&a.ctx, &arith, &it_uuid_arith, TEEC_LOGIN_PUBLIC, NULL, NULL,
				  &origin),
		 TEEC_SUCCESS);
	for (i = 0; i < NC_DIFF_OPS; i++) {
		uint32_t v;

		rng = rng * 1103515245u + 12345u;
		v = 1u + (rng >> 16) % 20u;
		switch ((rng >> 8) % 4u) {
		case 0:
			memset(&op, 0, sizeof(op));
			op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT,
							 TEEC_NONE, TEEC_NONE);
			op.params[0].value.a = i;
			op.params[0].value.b = v;
			tr->result[i] = TEEC_InvokeCommand(&arith, TA_ARITH_CMD_ADD, &op, &origin);
			tr->wait[i] = op.params[1].value.a;
			break;
		case 1:
			tr->result[i] = nc_notify(&a, v);
			tr->wait[i] = (uint32_t)gdrv_async_wait(a.drv, v, NC_WAIT_MS);
			break;
		case 2:
			tr->result[i] = nc_notify(&a, v) | nc_notify(&a, v);
			tr->wait[i] = (uint32_t)gdrv_async_wait(a.drv, v, NC_WAIT_MS);
			break;
		default:
			tr->result[i] = nc_notify(&a, 0);
			bh++;
			tr->wait[i] = nc_wait_bottom_halves(m, nc_part(m, a.g), bh);
			break;
		}
	}
	TEEC_CloseSession(&arith);
	gdrv_get_stats(a.drv, &st);
	memcpy(tr->by_value, st.async_by_value, sizeof(tr->by_value));
	tr->values = st.async_values;
	tr->bottom_halves = st.async_bottom_halves;
	tr->model_bottom_halves = bh;
	CHECK(bh > 0);
out:
	nc_teardown(m, &a, 1);
}

static void notif_workload_direct_vs_mediated(void)
{
	static struct nc_trace d, med;
	uint32_t i;

	nc_diff_run(MACHINE_DIRECT, &d);
	nc_diff_run(MACHINE_MEDIATED, &med);
	for (i = 0; i < NC_DIFF_OPS; i++) {
		CHECK_EQ(d.result[i], TEEC_SUCCESS);
		CHECK_EQ(med.result[i], d.result[i]);
		CHECK_EQ(med.wait[i], d.wait[i]);
	}
	/* Coalesced pairs may arrive once or twice (one interrupt or two). */
	CHECK_EQ(med.bottom_halves, d.bottom_halves);
	CHECK_EQ(med.by_value[0], d.by_value[0]);
	CHECK(d.values >= d.bottom_halves && med.values >= med.bottom_halves);
}

void newcalls_tests(void)
{
	RUN(notif_direct);
	RUN(notif_mediated);
	RUN(notif_needs_an_interrupt);
	RUN(notif_flood_beside_a_waiter);
	RUN(notif_workload_direct_vs_mediated);
}
