// SPDX-License-Identifier: BSD-2-Clause
/*
 * SMC entry of the OP-TEE model: the client-ID gate, fast calls
 * (OP-TEE's entry_fast.c) and hand-off of yielding calls to thread.c.
 *
 * SMC32 everywhere (ABI 1.1): only the low 32 bits of a0..a6 are read,
 * a7 is truncated to the 16-bit guest ID as OP-TEE does (ABI 7), every
 * result in a0..a3 is zero-extended and a4..a7 are left as they came.
 */
#include "model_priv.h"

bool model_has_cap(const struct optee_model *m, uint32_t cap)
{
	return (m->cfg.sec_caps & cap) != 0;
}

void model_log(const struct optee_model *m, const char *msg)
{
	if (m->env.log)
		m->env.log(m->env.ctx, msg);
}

/* notif_send_async(): make `value` pending for the guest and raise the IRQ. */
void model_notif_set(struct optee_model *m, struct model_part *part, uint32_t value)
{
	part->notif_pending |= UINT64_C(1) << value;
	if (m->env.raise_notif_irq)
		m->env.raise_notif_irq(m->env.ctx);
}

void optee_model_config_default(struct optee_model_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	/* What OP-TEE 4.10 offers without reserved SHM (ABI 3.2). */
	cfg->sec_caps = OPTEE_SMC_SEC_CAP_DYNAMIC_SHM | OPTEE_SMC_SEC_CAP_MEMREF_NULL |
			OPTEE_SMC_SEC_CAP_ASYNC_NOTIF | OPTEE_SMC_SEC_CAP_RPC_ARG;
	cfg->virtualization = 0;
	cfg->num_threads = 2;      /* CFG_NUM_THREADS default */
	cfg->max_guests = 2;       /* CFG_VIRT_GUEST_COUNT default */
	cfg->implement_thread_count = 1;
	cfg->foreign_intr_one_in = 0;
	cfg->seed = 1;
}

int optee_model_init(const struct optee_model_env *env,
		     const struct optee_model_config *cfg, struct optee_model **out)
{
	struct optee_model *m = NULL;
	uint32_t nparts = 0;

	*out = NULL;
	if (!env || !cfg || !env->read || !env->write || !env->is_nsec_ram || !env->alloc ||
	    !env->free || !env->lock || !env->unlock || !env->time_ns)
		return -1;
	if (cfg->num_threads == 0 || cfg->num_threads > MODEL_MAX_THREADS)
		return -1;
	nparts = cfg->virtualization ? cfg->max_guests : 1;
	if (nparts == 0)
		return -1;

	m = env->alloc(env->ctx, sizeof(*m));
	if (!m)
		return -1;
	m->env = *env;
	m->cfg = *cfg;
	m->nparts = nparts;
	/* xorshift64 must not start at 0. */
	m->prng = cfg->seed ? cfg->seed : UINT64_C(0x9E3779B97F4A7C15);
	m->parts = env->alloc(env->ctx, sizeof(*m->parts) * nparts);
	if (!m->parts) {
		env->free(env->ctx, m, sizeof(*m));
		return -1;
	}
	/* Direct mode: the one partition exists from boot, as guest 0. */
	if (!cfg->virtualization && part_init(m, &m->parts[0], 0)) {
		env->free(env->ctx, m->parts, sizeof(*m->parts) * nparts);
		env->free(env->ctx, m, sizeof(*m));
		return -1;
	}
	*out = m;
	return 0;
}

void optee_model_fini(struct optee_model *m)
{
	uint32_t i = 0;

	if (!m)
		return;
	for (i = 0; i < m->nparts; i++)
		if (m->parts[i].used)
			part_fini(m, &m->parts[i]);
	m->env.free(m->env.ctx, m->parts, sizeof(*m->parts) * m->nparts);
	m->env.free(m->env.ctx, m, sizeof(*m));
}

static void fast_exchange_caps(struct optee_model *m, uint64_t r[8])
{
	/* Only UNIPROCESSOR is known; anything else: ENOTAVAIL, a1 kept. */
	if ((uint32_t)r[1] & ~OPTEE_SMC_NSEC_CAP_UNIPROCESSOR) {
		r[0] = OPTEE_SMC_RETURN_ENOTAVAIL;
		return;
	}
	r[0] = OPTEE_SMC_RETURN_OK;
	r[1] = m->cfg.sec_caps;
	if (model_has_cap(m, OPTEE_SMC_SEC_CAP_ASYNC_NOTIF))
		r[2] = MODEL_NOTIF_SYNC_BASE + m->cfg.num_threads;
	/* RPC params in-band; 0 when RPC_ARG is not offered. */
	r[3] = model_has_cap(m, OPTEE_SMC_SEC_CAP_RPC_ARG) ? MODEL_RPC_NUM_PARAMS : 0;
}

/* DISABLE_SHM_CACHE: one cached RPC arg cookie per call, then ENOTAVAIL. */
static void fast_disable_shm_cache(struct model_part *part, uint32_t nthreads, uint64_t r[8])
{
	uint32_t n = 0;

	if (!part) { /* hypervisor context: no threads, nothing cached */
		r[0] = OPTEE_SMC_RETURN_ENOTAVAIL;
		return;
	}
	if (!thread_all_free(part)) {
		r[0] = OPTEE_SMC_RETURN_EBUSY;
		return;
	}
	for (n = 0; n < nthreads; n++) {
		struct model_thread *t = &part->threads[n];

		if (t->rpcbuf) {
			t->rpcbuf = false;
			r[0] = OPTEE_SMC_RETURN_OK;
			r[1] = t->rpcbuf_cookie >> 32;
			r[2] = (uint32_t)t->rpcbuf_cookie;
			return;
		}
	}
	part->shm_cache = false;
	r[0] = OPTEE_SMC_RETURN_ENOTAVAIL;
}

static void fast_enable_shm_cache(struct model_part *part, uint64_t r[8])
{
	if (part && !thread_all_free(part)) {
		r[0] = OPTEE_SMC_RETURN_EBUSY;
		return;
	}
	if (part)
		part->shm_cache = true;
	r[0] = OPTEE_SMC_RETURN_OK;
}

/* notif_get_value(): lowest pending value, and whether more remain. */
static void fast_get_async_notif(struct model_part *part, uint64_t r[8])
{
	uint32_t v = 0;

	r[0] = OPTEE_SMC_RETURN_OK;
	r[1] = 0;
	r[2] = 0;
	if (!part || !part->notif_pending)
		return;
	while (!(part->notif_pending & (UINT64_C(1) << v)))
		v++;
	part->notif_pending &= ~(UINT64_C(1) << v);
	r[1] = v;
	r[2] = OPTEE_SMC_ASYNC_NOTIF_VALID;
	if (part->notif_pending)
		r[2] |= OPTEE_SMC_ASYNC_NOTIF_PENDING;
}

static void fast_vm(struct optee_model *m, uint32_t fid, uint16_t client, uint64_t r[8])
{
	uint16_t guest = (uint16_t)r[1];

	if (client != OPTEE_HYP_CLIENT_ID) {
		r[0] = OPTEE_SMC_RETURN_ENOTAVAIL;
		return;
	}
	if (fid == OPTEE_SMC_VM_CREATED) {
		r[0] = virt_vm_created(m, guest);
	} else {
		virt_vm_destroyed(m, guest);
		r[0] = OPTEE_SMC_RETURN_OK;
	}
}

/* OP-TEE's tee_entry_fast(); `part` is NULL for the hypervisor (a7 = 0). */
static void fast_call(struct optee_model *m, struct model_part *part, uint16_t client,
		      uint64_t r[8])
{
	uint32_t fid = (uint32_t)r[0];
	bool async = model_has_cap(m, OPTEE_SMC_SEC_CAP_ASYNC_NOTIF);

	switch (fid) {
	case OPTEE_SMC_CALLS_COUNT:
		r[0] = m->cfg.virtualization ? MODEL_CALLS_COUNT_VIRT : MODEL_CALLS_COUNT;
		break;
	case OPTEE_SMC_CALLS_UID:
		r[0] = OPTEE_MSG_UID_0;
		r[1] = OPTEE_MSG_UID_1;
		r[2] = OPTEE_MSG_UID_2;
		r[3] = OPTEE_MSG_UID_3;
		break;
	case OPTEE_SMC_CALLS_REVISION:
		r[0] = OPTEE_MSG_REVISION_MAJOR;
		r[1] = OPTEE_MSG_REVISION_MINOR;
		break;
	case OPTEE_SMC_CALL_GET_OS_UUID:
		r[0] = OPTEE_OS_UUID_0;
		r[1] = OPTEE_OS_UUID_1;
		r[2] = OPTEE_OS_UUID_2;
		r[3] = OPTEE_OS_UUID_3;
		break;
	case OPTEE_SMC_CALL_GET_OS_REVISION:
		r[0] = MODEL_OS_REVISION_MAJOR;
		r[1] = MODEL_OS_REVISION_MINOR;
		r[2] = 0; /* build ID unspecified */
		break;
	case OPTEE_SMC_EXCHANGE_CAPABILITIES:
		fast_exchange_caps(m, r);
		break;
	case OPTEE_SMC_DISABLE_SHM_CACHE:
		fast_disable_shm_cache(part, m->cfg.num_threads, r);
		break;
	case OPTEE_SMC_ENABLE_SHM_CACHE:
		fast_enable_shm_cache(part, r);
		break;
	case OPTEE_SMC_BOOT_SECONDARY:
		/* CFG_BOOT_SECONDARY_REQUEST=n, the default. */
		r[0] = OPTEE_SMC_RETURN_ENOTAVAIL;
		break;
	case OPTEE_SMC_VM_CREATED:
	case OPTEE_SMC_VM_DESTROYED:
		if (m->cfg.virtualization)
			fast_vm(m, fid, client, r);
		else
			r[0] = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
		break;
	case OPTEE_SMC_GET_THREAD_COUNT:
		if (m->cfg.implement_thread_count) {
			r[0] = OPTEE_SMC_RETURN_OK;
			r[1] = m->cfg.num_threads;
		} else {
			r[0] = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
		}
		break;
	case OPTEE_SMC_ENABLE_ASYNC_NOTIF:
		if (async) {
			if (part)
				part->notif_started = true;
			r[0] = OPTEE_SMC_RETURN_OK;
		} else {
			r[0] = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
		}
		break;
	case OPTEE_SMC_GET_ASYNC_NOTIF_VALUE:
		if (async)
			fast_get_async_notif(part, r);
		else
			r[0] = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
		break;
	default:
		/*
		 * Includes GET_SHM_CONFIG (no reserved SHM is compiled in),
		 * L2CC_MUTEX (AArch64), GET_PROTMEM_CONFIG (no SDP) and
		 * TF-A's LOAD_IMAGE.
		 */
		r[0] = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
		break;
	}
}

static void zero_extend(uint64_t regs[8])
{
	int i = 0;

	for (i = 0; i < 4; i++)
		regs[i] = (uint32_t)regs[i];
}

void optee_model_smc(struct optee_model *m, uint64_t regs[8])
{
	uint32_t fid = (uint32_t)regs[0];
	uint16_t client = (uint16_t)regs[7]; /* virt_set_guest(uint16_t) */
	struct model_part *part = NULL;
	int i = 0;

	m->env.lock(m->env.ctx);
	/* SMC32: OP-TEE sees w1..w6 (ABI 1.1). */
	for (i = 1; i < 4; i++)
		regs[i] = (uint32_t)regs[i];

	if (!m->cfg.virtualization) {
		part = &m->parts[0];
	} else {
		part = part_find(m, client);
		if (!part && (client != OPTEE_HYP_CLIENT_ID || !optee_smc_is_fast(fid))) {
			/* Unknown guest; yielding calls need one (ABI 7). */
			regs[0] = OPTEE_SMC_RETURN_ENOTAVAIL;
			goto out;
		}
	}

	if (optee_smc_is_fast(fid))
		fast_call(m, part, client, regs);
	else
		thread_std_smc(m, part, regs);
out:
	zero_extend(regs);
	m->env.unlock(m->env.ctx);
}

void optee_model_force_foreign_intr(struct optee_model *m, uint32_t count)
{
	m->env.lock(m->env.ctx);
	m->forced_intr += count;
	m->env.unlock(m->env.ctx);
}

int optee_model_guest_stats(struct optee_model *m, uint16_t guest,
			    struct optee_model_guest_stats *out)
{
	struct model_part *part = NULL;
	const struct reg_shm *shm = NULL;
	uint32_t n = 0;

	memset(out, 0, sizeof(*out));
	m->env.lock(m->env.ctx);
	part = m->cfg.virtualization ? part_find(m, guest) : &m->parts[0];
	if (!part) {
		m->env.unlock(m->env.ctx);
		return -1;
	}
	for (n = 0; n < m->cfg.num_threads; n++) {
		if (part->threads[n].state != THREAD_FREE)
			out->threads_busy++;
		if (part->threads[n].rpcbuf)
			out->rpc_arg_buffers++;
	}
	for (n = 0; n < MODEL_MAX_SESSIONS; n++) {
		if (!part->sessions[n].used)
			continue;
		out->sessions++;
		if (part->sessions[n].kept)
			out->rpc_shm++;
	}
	for (shm = part->shms; shm; shm = shm->next)
		out->reg_shm++;
	out->notif_pending = part->notif_pending;
	out->bottom_halves = part->bottom_halves;
	m->env.unlock(m->env.ctx);
	return 0;
}
