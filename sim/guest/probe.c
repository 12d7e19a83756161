/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Driver life cycle: creation, the probe sequence of ABI 8.1, the SHM cache
 * loops and removal.
 */
#include "guest/drv_internal.h"
#include "guest/supp.h"
#include "teemed/optee_smc.h"

/*
 * Bound on the DISABLE/ENABLE_SHM_CACHE loops. OP-TEE caches at most one
 * RPC argument per thread, so a real secure world ends the loop after
 * thread-count OK answers; the bound keeps a broken one from livelocking
 * probe or removal.
 */
#define GPROBE_CACHE_LOOP_MAX 1024u
/* Max notification value when ASYNC_NOTIF is not offered (Linux, ABI 3.2). */
#define GPROBE_DEFAULT_MAX_NOTIF 255u
/*
 * Largest GET_DEVICES answer accepted: 16 bytes a TA UUID, so 4096 devices;
 * a secure world cannot make probe allocate more than this.
 */
#define GPROBE_DEVICES_MAX_BYTES (64u * 1024u)

/* The device-enumeration PTA 7011a688-ddde-4053-a5a9-7b3c4ddf13b8 (ABI 11). */
static const uint8_t devenum_uuid[16] = {
	0x70, 0x11, 0xa6, 0x88, 0xdd, 0xde, 0x40, 0x53,
	0xa5, 0xa9, 0x7b, 0x3c, 0x4d, 0xdf, 0x13, 0xb8,
};
#define PTA_CMD_GET_DEVICES 0

void gdrv_config_default(struct gdrv_config *cfg)
{
	gmemset(cfg, 0, sizeof(*cfg));
	cfg->mode = GDRV_MODE_MODERN;
	cfg->num_vcpus = 1;
	cfg->cq_retry_ms = 100;
	cfg->cookie_base = 0x1000;
	cfg->page_policy = GDRV_PAGES_ANY;
	cfg->enumerate_devices = true;
	cfg->async_notif = true;
}

static bool env_complete(const struct guest_env *e)
{
	return e && e->smc && e->map && e->alloc && e->free && e->lock_create &&
	       e->lock_destroy && e->lock && e->unlock && e->cond_create &&
	       e->cond_destroy && e->cond_wait && e->cond_timedwait &&
	       e->cond_broadcast && e->time_ns && e->sleep_ms;
}

static void drv_release(struct gdrv *drv)
{
	const struct guest_env *env = drv->env;

	gnotif_fini(drv);
	gsupp_destroy(drv->supp);
	if (drv->notif_cond)
		env->cond_destroy(env->ctx, drv->notif_cond);
	if (drv->cq_cond)
		env->cond_destroy(env->ctx, drv->cq_cond);
	gpages_fini(drv);
	if (drv->lock)
		env->lock_destroy(env->ctx, drv->lock);
	env->free(env->ctx, drv, sizeof(*drv));
}

int gdrv_create(const struct guest_env *env, const struct gdrv_config *cfg,
		struct gdrv **out)
{
	struct gdrv *drv;
	int rc;

	if (!env_complete(env) || !out)
		return GDRV_EINVAL;
	if (cfg && (cfg->mode > GDRV_MODE_LEGACY ||
		    cfg->page_policy > GDRV_PAGES_SCATTER))
		return GDRV_EINVAL;
	drv = env->alloc(env->ctx, sizeof(*drv));
	if (!drv)
		return GDRV_ENOMEM;
	drv->env = env;
	if (cfg)
		drv->cfg = *cfg;
	else
		gdrv_config_default(&drv->cfg);
	drv->next_cookie = drv->cfg.cookie_base ? drv->cfg.cookie_base : 1;
	drv->lock = env->lock_create(env->ctx);
	drv->cq_cond = env->cond_create(env->ctx);
	drv->notif_cond = env->cond_create(env->ctx);
	rc = (drv->lock && drv->cq_cond && drv->notif_cond) ? GDRV_OK : GDRV_ENOMEM;
	if (rc == GDRV_OK)
		rc = gpages_init(drv);
	if (rc == GDRV_OK)
		rc = gsupp_create(env, &drv->supp);
	if (rc) {
		drv_release(drv);
		return rc;
	}
	*out = drv;
	return GDRV_OK;
}

/* DISABLE_SHM_CACHE until ENOTAVAIL, freeing the buffers that are ours. */
static void disable_shm_cache(struct gdrv *drv)
{
	struct gcq_waiter w;
	uint64_t r[8];
	size_t i;

	gcq_wait_init(drv, &w);
	for (i = 0; i < GPROBE_CACHE_LOOP_MAX; i++) {
		uint32_t a0;

		gdrv_fast_call(drv, OPTEE_SMC_DISABLE_SHM_CACHE, 0, r);
		a0 = (uint32_t)r[0];
		if (a0 == OPTEE_SMC_RETURN_ENOTAVAIL)
			break; /* cache empty, now disabled */
		if (a0 == OPTEE_SMC_RETURN_OK) {
			struct gdrv_shm *shm = gshm_lookup(drv,
							   greg_pair(r[1], r[2]), false);

			/* Not mapped by this driver (an earlier boot): ignore. */
			if (shm && shm->kind == GSHM_RPC_ARG)
				gshm_destroy(drv, shm);
			else
				drv->info.stale_cache_cookies++;
			continue;
		}
		if (a0 != OPTEE_SMC_RETURN_EBUSY) {
			/* Linux would wait forever here; give up instead. */
			gstat_smc_error(drv, a0);
			gdrv_log(drv, "guest: DISABLE_SHM_CACHE answered", a0);
			break;
		}
		gcq_wait_for_completion(drv, &w);
	}
	gcq_wait_final(drv, &w);
}

static void enable_shm_cache(struct gdrv *drv)
{
	struct gcq_waiter w;
	uint64_t r[8];
	size_t i;

	gcq_wait_init(drv, &w);
	for (i = 0; i < GPROBE_CACHE_LOOP_MAX; i++) {
		uint32_t a0;

		gdrv_fast_call(drv, OPTEE_SMC_ENABLE_SHM_CACHE, 0, r);
		a0 = (uint32_t)r[0];
		if (a0 == OPTEE_SMC_RETURN_OK)
			break;
		if (a0 != OPTEE_SMC_RETURN_EBUSY) {
			gstat_smc_error(drv, a0);
			gdrv_log(drv, "guest: ENABLE_SHM_CACHE answered", a0);
			break;
		}
		gcq_wait_for_completion(drv, &w);
	}
	gcq_wait_final(drv, &w);
}

/* GET_DEVICES into `shm` (NULL: the null-memref size query). */
static int get_devices(struct gdrv *drv, uint32_t session, struct gdrv_shm *shm,
		       uint64_t *size)
{
	struct gdrv_param p;
	struct gdrv_result res;
	int rc;

	gmemset(&p, 0, sizeof(p));
	p.type = GDRV_PARAM_MEMREF_OUT;
	p.u.mem.kind = shm ? GDRV_MEM_SHM : GDRV_MEM_NULL;
	p.u.mem.shm = shm;
	p.u.mem.size = *size;
	rc = gmsg_invoke(drv, session, PTA_CMD_GET_DEVICES, 0, &p, 1, true, &res);
	if (rc)
		return rc;
	if (res.ret != TEEC_SUCCESS && res.ret != TEEC_ERROR_SHORT_BUFFER)
		return GDRV_ECOMM;
	*size = p.u.mem.size;
	return GDRV_OK;
}

/* Device enumeration (ABI 8.1 step 10): open, query size, fetch, close. */
static int enumerate_devices(struct gdrv *drv)
{
	struct gdrv_result res;
	struct gdrv_shm *shm = NULL;
	uint64_t size = 0;
	uint32_t session, i;
	int rc;

	rc = gdrv_open_session(drv, devenum_uuid, TEEC_LOGIN_PUBLIC, NULL, 0,
			       NULL, 0, &res);
	if (rc)
		return rc;
	if (res.ret != TEEC_SUCCESS)
		return GDRV_OK; /* no enumeration PTA: no devices */
	session = res.session;
	rc = get_devices(drv, session, NULL, &size);
	if (rc || size == 0)
		goto out;
	if (size > GPROBE_DEVICES_MAX_BYTES) {
		rc = GDRV_ECOMM;
		goto out;
	}
	/* A kernel buffer: registered, so it goes as RMEM (8.5). */
	rc = gdrv_shm_alloc(drv, (size_t)size, GDRV_PAGES_ANY, true, &shm);
	if (rc)
		goto out;
	rc = get_devices(drv, session, shm, &size);
	if (rc)
		goto out;
	if (size > gdrv_shm_size(shm)) {
		rc = GDRV_ECOMM;
		goto out;
	}
	drv->info.num_devices = (uint32_t)(size / 16);
	for (i = 0; i < drv->info.num_devices && i < GDRV_MAX_DEVICES; i++) {
		rc = gdrv_shm_read(drv, shm, i * 16u, drv->info.devices[i], 16);
		if (rc)
			goto out;
	}
out:
	if (shm)
		gdrv_shm_free(drv, shm);
	(void)gdrv_close_session(drv, session, &res);
	return rc;
}

/* Steps 1-5 of ABI 8.1: identity, revisions, thread count, capabilities. */
static int probe_identity(struct gdrv *drv)
{
	struct gdrv_info *info = &drv->info;
	uint64_t r[8];

	gdrv_fast_call(drv, OPTEE_SMC_CALLS_UID, 0, r);
	if ((uint32_t)r[0] != OPTEE_MSG_UID_0 || (uint32_t)r[1] != OPTEE_MSG_UID_1 ||
	    (uint32_t)r[2] != OPTEE_MSG_UID_2 || (uint32_t)r[3] != OPTEE_MSG_UID_3)
		return GDRV_ENODEV; /* "api uid mismatch" */

	gdrv_fast_call(drv, OPTEE_SMC_CALL_GET_OS_REVISION, 0, r);
	info->os_major = (uint32_t)r[0];
	info->os_minor = (uint32_t)r[1];
	info->os_build_id = (uint32_t)r[2];

	gdrv_fast_call(drv, OPTEE_SMC_CALLS_REVISION, 0, r);
	info->api_major = (uint32_t)r[0];
	info->api_minor = (uint32_t)r[1];
	if (info->api_major != OPTEE_MSG_REVISION_MAJOR ||
	    (int32_t)info->api_minor < OPTEE_MSG_REVISION_MINOR)
		return GDRV_ENODEV; /* "api revision mismatch" */

	if (drv->cfg.mode == GDRV_MODE_MODERN) {
		gdrv_fast_call(drv, OPTEE_SMC_GET_THREAD_COUNT, 0, r);
		info->thread_count = (uint32_t)r[0] == OPTEE_SMC_RETURN_OK
					     ? (uint32_t)r[1] : 0;
	}

	gdrv_fast_call(drv, OPTEE_SMC_EXCHANGE_CAPABILITIES,
		       drv->cfg.num_vcpus == 1 ? OPTEE_SMC_NSEC_CAP_UNIPROCESSOR : 0,
		       r);
	if ((uint32_t)r[0] != OPTEE_SMC_RETURN_OK)
		return GDRV_ENODEV; /* "capabilities mismatch" */
	info->sec_caps = (uint32_t)r[1];
	info->max_notif_value = (info->sec_caps & OPTEE_SMC_SEC_CAP_ASYNC_NOTIF)
					? (uint32_t)r[2] : GPROBE_DEFAULT_MAX_NOTIF;
	/* An older driver knows nothing of in-band RPC arguments. */
	if (drv->cfg.mode == GDRV_MODE_MODERN &&
	    (info->sec_caps & OPTEE_SMC_SEC_CAP_RPC_ARG))
		info->rpc_param_count = (uint32_t)r[3] & OPTEE_SMC_CAP_RPC_PARAMS_MASK;
	return GDRV_OK;
}

int gdrv_probe(struct gdrv *drv, struct gdrv_info *out)
{
	struct gdrv_info *info = &drv->info;
	int rc;

	if (drv->probed)
		return GDRV_EINVAL;
	gmemset(info, 0, sizeof(*info));
	rc = probe_identity(drv);
	if (rc)
		return rc;
	/* No reserved-SHM pool in a guest: dynamic SHM is required. */
	if (!(info->sec_caps & OPTEE_SMC_SEC_CAP_DYNAMIC_SHM))
		return GDRV_ENOTSUP;

	/* Argument slots (8.2): 224 bytes, or 384 with 4 in-band RPC params. */
	drv->arg_slot_size = OPTEE_MSG_GET_ARG_SIZE(6);
	if (info->rpc_param_count)
		drv->arg_slot_size += OPTEE_MSG_GET_ARG_SIZE(info->rpc_param_count);
	if (drv->arg_slot_size > GDRV_PAGE_SIZE)
		return GDRV_ENODEV; /* an RPC param count no page can hold */
	drv->arg_shared = info->rpc_param_count > 0;
	drv->arg_slots_per_page = drv->arg_shared
				  ? GDRV_PAGE_SIZE / drv->arg_slot_size : 1;
	info->regd_arg = drv->arg_shared;

	gcq_init(drv, info->thread_count);
	gnotif_fini(drv);
	rc = gnotif_init(drv, info->max_notif_value);
	if (rc)
		return rc;
	drv->probed = true;

	/* Step 7: the interrupt first, then ENABLE_ASYNC_NOTIF. */
	gasync_start(drv);

	/* Forget what an earlier boot may have left cached (8.1 step 8). */
	disable_shm_cache(drv);
	/* Without in-band RPC args OP-TEE may cache its ALLOC buffers (step 9). */
	if (!info->rpc_param_count)
		enable_shm_cache(drv);

	if (drv->cfg.enumerate_devices) {
		rc = enumerate_devices(drv);
		if (rc) {
			if (!info->rpc_param_count)
				disable_shm_cache(drv);
			gasync_stop(drv);
			garg_fini(drv);
			drv->probed = false;
			return rc;
		}
	}
	if (out)
		*out = *info;
	return GDRV_OK;
}

void gdrv_destroy(struct gdrv *drv)
{
	struct gdrv_shm *shm;

	if (!drv)
		return;
	if (drv->probed && !drv->info.rpc_param_count)
		disable_shm_cache(drv);
	/* Linux optee_smc_notif_uninit_irq(): STOP_ASYNC_NOTIF, then free_irq. */
	gasync_stop(drv);
	garg_fini(drv);
	/* Whatever clients and the secure world left behind. */
	for (;;) {
		gdrv_lock(drv);
		shm = drv->shm_head;
		gdrv_unlock(drv);
		if (!shm)
			break;
		if (!drv->probed)
			shm->registered = false;
		gshm_destroy(drv, shm);
	}
	drv_release(drv);
}

bool gdrv_is_probed(const struct gdrv *drv)
{
	return drv->probed;
}

const struct gdrv_info *gdrv_get_info(const struct gdrv *drv)
{
	return &drv->info;
}

void gdrv_get_stats(struct gdrv *drv, struct gdrv_stats *out)
{
	gdrv_lock(drv);
	*out = drv->stats;
	gdrv_unlock(drv);
}

const struct guest_env *gdrv_env(const struct gdrv *drv)
{
	return drv->env;
}

struct gsupp *gdrv_supplicant(const struct gdrv *drv)
{
	return drv->supp;
}
