/* SPDX-License-Identifier: BSD-2-Clause */
/* Machines, guests and drivers for the integration tests. */
#include <string.h>

#include "tests/integration/itest.h"

/* TEEC_UUID has the layout of struct ta_uuid. */
const TEEC_UUID it_uuid_arith = TA_ARITH_UUID;
const TEEC_UUID it_uuid_buf = TA_BUF_UUID;
const TEEC_UUID it_uuid_storage = TA_STORAGE_UUID;
const TEEC_UUID it_uuid_shmkeep = TA_SHMKEEP_UUID;
const TEEC_UUID it_uuid_sleep = TA_SLEEP_UUID;
const TEEC_UUID it_uuid_devenum = TA_DEVENUM_UUID;

void it_config_default(struct it_config *c, enum machine_mode mode)
{
	memset(c, 0, sizeof(*c));
	c->mode = mode;
	c->vcpus = 1;
	c->ram = 32ull << 20;
}

bool it_setup(struct it *t, const struct it_config *c)
{
	struct machine_guest_config gc;
	struct machine_config mc;
	struct gdrv_config dc;

	memset(t, 0, sizeof(*t));
	machine_config_default(&mc, c->mode);
	/* Direct mode: the guest's RAM is the whole guest region (wl_env.h). */
	mc.phys.region_bytes[PHYS_REGION_GUEST] = c->ram;
	if (c->threads)
		mc.model.num_threads = c->threads;
	machine_guest_config_default(&gc);
	gc.vcpus = c->vcpus;
	gc.ram_size = c->ram;
	gdrv_config_default(&dc);
	dc.mode = c->legacy ? GDRV_MODE_LEGACY : GDRV_MODE_MODERN;
	dc.num_vcpus = c->vcpus;
	CHECK_EQ(machine_create(&mc, &t->m), 0);
	if (!t->m)
		return false;
	CHECK_EQ(machine_guest_create(t->m, &gc, &t->g), 0);
	if (!t->g)
		return false;
	CHECK_EQ(wl_env_init(&t->wenv, t->m, t->g), 0);
	CHECK_EQ(gdrv_create(&t->wenv.env, &dc, &t->drv), GDRV_OK);
	if (!t->drv)
		return false;
	CHECK_EQ(gdrv_probe(t->drv, NULL), GDRV_OK);
	if (!gdrv_is_probed(t->drv))
		return false;
	CHECK_EQ(TEEC_InitializeContext(t->drv, &t->ctx), TEEC_SUCCESS);
	t->ctx_open = true;
	return true;
}

void it_check_clean(const struct machine_report *rep)
{
	CHECK_EQ(rep->violations, 0);
	CHECK_EQ(rep->map_violations, 0);
	CHECK_EQ(rep->pins, 0);
	CHECK_EQ(rep->held_total, 0);
	CHECK_EQ(rep->errors_total, 0);
}

void it_teardown(struct it *t)
{
	struct machine_report rep;

	if (t->ctx_open)
		TEEC_FinalizeContext(&t->ctx);
	if (t->drv)
		gdrv_destroy(t->drv);
	if (!t->m)
		return;
	machine_destroy(t->m, &rep);
	it_check_clean(&rep);
	memset(t, 0, sizeof(*t));
}
