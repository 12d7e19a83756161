/* SPDX-License-Identifier: BSD-2-Clause */
#include "util.h"

#include <string.h>

#include "harness.h"

struct gdrv *util_probe(struct fake *f, enum gdrv_mode mode, unsigned int vcpus,
			uint32_t cq_retry_ms)
{
	struct gdrv_config cfg;
	struct gdrv *drv = NULL;
	int rc;

	gdrv_config_default(&cfg);
	cfg.mode = mode;
	cfg.num_vcpus = vcpus;
	cfg.cq_retry_ms = cq_retry_ms;
	rc = gdrv_create(&f->env, &cfg, &drv);
	CHECK_EQ(rc, GDRV_OK);
	if (rc)
		return NULL;
	rc = gdrv_probe(drv, NULL);
	CHECK_EQ(rc, GDRV_OK);
	if (rc) {
		gdrv_destroy(drv);
		return NULL;
	}
	return drv;
}

void util_teardown(struct fake *f, struct gdrv *drv)
{
	int i, regs = 0;

	gdrv_destroy(drv);
	CHECK_EQ(f->allocs, f->frees);
	for (i = 0; i < FAKE_MAX_REGS; i++)
		regs += f->regs[i].used;
	CHECK_EQ(regs, 0); /* every registration undone */
	fake_destroy(f);
}

uint32_t util_open(struct gdrv *drv)
{
	static const TEEC_UUID ta = TEST_TA_UUID;
	struct gdrv_result res;
	uint8_t uuid[16];

	teec_uuid_octets(&ta, uuid);
	CHECK_EQ(gdrv_open_session(drv, uuid, TEEC_LOGIN_PUBLIC, NULL, 0, NULL, 0,
				   &res), GDRV_OK);
	CHECK_EQ(res.ret, TEEC_SUCCESS);
	return res.session;
}

uint32_t util_invoke(struct gdrv *drv, uint32_t session, uint32_t func)
{
	struct gdrv_result res;
	int rc = gdrv_invoke(drv, session, func, 0, NULL, 0, &res);

	CHECK_EQ(rc, GDRV_OK);
	return res.ret;
}

void util_step_value(struct fake *f, int s, int i, uint32_t cmd, uint64_t attr,
		     uint64_t a, uint64_t b, uint64_t c)
{
	struct fake_step *st = &f->scripts[s].steps[i];

	memset(st, 0, sizeof(*st));
	st->kind = FS_CMD;
	st->cmd = cmd;
	st->nparams = 1;
	st->params[0].attr = attr;
	st->params[0].u.value.a = a;
	st->params[0].u.value.b = b;
	st->params[0].u.value.c = c;
	if (f->scripts[s].n <= i)
		f->scripts[s].n = i + 1;
}
