/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Asynchronous notifications (ABI 3.2, 8.1 step 7), as Linux's
 * drivers/tee/optee/smc_abi.c: the interrupt handler fetches every pending
 * value with GET_ASYNC_NOTIF_VALUE, value 0 (DO_BOTTOM_HALF) makes it issue
 * a DO_BOTTOM_HALF yielding call (Linux's threaded half), other values go
 * to optee_notif_send() (gnotif_send: wake the waiter of that key or leave
 * it pending). Removal issues STOP_ASYNC_NOTIF, then frees the interrupt.
 *
 * The handler runs on the env's interrupt context (guest_env irq_register),
 * which may sleep and issue SMCs; it holds no driver lock across an SMC.
 */
#include "guest/drv_internal.h"
#include "teemed/optee_smc.h"

/*
 * GET_ASYNC_NOTIF_VALUE calls in one interrupt: far above the values OP-TEE
 * can have pending at once (64 + threads), so only a secure world that
 * keeps answering PENDING hits it; the next interrupt carries on.
 */
#define GASYNC_LOOP_MAX 1024u

static void gasync_irq(void *arg)
{
	struct gdrv *drv = arg;
	bool bottom_half = false;
	uint64_t r[8];
	uint32_t i;

	gdrv_lock(drv);
	drv->stats.async_irqs++;
	gdrv_unlock(drv);
	for (i = 0; i < GASYNC_LOOP_MAX; i++) {
		uint64_t value;

		gdrv_fast_call(drv, OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, 0, r);
		if ((uint32_t)r[0] != OPTEE_SMC_RETURN_OK) {
			gdrv_lock(drv);
			drv->stats.async_errors++;
			gdrv_unlock(drv);
			break;
		}
		if (!(r[2] & OPTEE_SMC_ASYNC_NOTIF_VALID))
			break;
		value = (uint32_t)r[1];
		gdrv_lock(drv);
		drv->stats.async_values++;
		if (value < GDRV_ASYNC_VALUES)
			drv->stats.async_by_value[value]++;
		gdrv_unlock(drv);
		if (value == OPTEE_SMC_ASYNC_NOTIF_VALUE_DO_BOTTOM_HALF)
			bottom_half = true;
		else
			(void)gnotif_send(drv, value); /* out of range: dropped */
		if (!(r[2] & OPTEE_SMC_ASYNC_NOTIF_PENDING))
			break;
	}
	if (bottom_half) {
		uint32_t ret = 0;

		gdrv_lock(drv);
		drv->stats.async_bottom_halves++;
		gdrv_unlock(drv);
		/* Linux optee_smc_do_bottom_half(): no parameters, result ignored. */
		if (gcall_private(drv, OPTEE_MSG_CMD_DO_BOTTOM_HALF, NULL, &ret) == GDRV_OK &&
		    ret != TEEC_SUCCESS)
			gdrv_log(drv, "guest: DO_BOTTOM_HALF answered", ret);
	}
}

void gasync_start(struct gdrv *drv)
{
	const struct guest_env *env = drv->env;
	uint64_t r[8];
	bool ok;

	if (!drv->cfg.async_notif || !env->irq_register ||
	    !(drv->info.sec_caps & OPTEE_SMC_SEC_CAP_ASYNC_NOTIF))
		return;
	if (env->irq_register(env->irq_ctx, gasync_irq, drv)) {
		gdrv_log(drv, "guest: no notification interrupt", 0);
		return;
	}
	drv->async_irq = true;
	gdrv_fast_call(drv, OPTEE_SMC_ENABLE_ASYNC_NOTIF, 0, r);
	ok = (uint32_t)r[0] == OPTEE_SMC_RETURN_OK;
	if (!ok)
		gdrv_log(drv, "guest: ENABLE_ASYNC_NOTIF answered", r[0]);
	gdrv_lock(drv);
	drv->async_enabled = ok;
	gdrv_unlock(drv);
}

void gasync_stop(struct gdrv *drv)
{
	const struct guest_env *env = drv->env;
	bool enabled;
	uint32_t ret = 0;

	gdrv_lock(drv);
	enabled = drv->async_enabled;
	drv->async_enabled = false;
	gdrv_unlock(drv);
	if (enabled && drv->probed &&
	    gcall_private(drv, OPTEE_MSG_CMD_STOP_ASYNC_NOTIF, NULL, &ret) == GDRV_OK &&
	    ret != TEEC_SUCCESS)
		gdrv_log(drv, "guest: STOP_ASYNC_NOTIF answered", ret);
	if (drv->async_irq) {
		(void)env->irq_register(env->irq_ctx, NULL, NULL);
		drv->async_irq = false;
	}
}

bool gdrv_async_enabled(const struct gdrv *drv)
{
	bool on;

	gdrv_lock(drv);
	on = drv->async_enabled;
	gdrv_unlock(drv);
	return on;
}

int gdrv_async_wait(struct gdrv *drv, uint32_t value, uint64_t timeout_ms)
{
	uint32_t ret;

	if (!gdrv_async_enabled(drv))
		return GDRV_ENOTSUP;
	if (value == OPTEE_SMC_ASYNC_NOTIF_VALUE_DO_BOTTOM_HALF)
		return GDRV_EINVAL;
	ret = gnotif_wait(drv, value, timeout_ms);
	if (ret == TEEC_SUCCESS)
		return GDRV_OK;
	return ret == TEE_ERROR_TIMEOUT ? GDRV_ETIMEDOUT : GDRV_EINVAL;
}
