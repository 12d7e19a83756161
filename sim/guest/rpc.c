/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RPC handling (ABI 2.3, 6, 8.4): ALLOC/FREE of argument buffers, foreign
 * interrupts, and RPC commands. GET_TIME, SUSPEND, NOTIFICATION, SHM_ALLOC
 * and SHM_FREE are served here as Linux serves them in the kernel; every
 * other command goes to the supplicant (supp.c), run synchronously on the
 * calling vCPU.
 *
 * The RPC argument is copied out of guest memory, handled on the copy and
 * written back, so a handler that sleeps (SUSPEND, a notification wait, a
 * supplicant request) does not hold a mapping of guest memory meanwhile.
 */
#include "guest/drv_internal.h"
#include "guest/supp.h"
#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"

/*
 * Params of an RPC argument the driver accepts: OP-TEE sends at most 4
 * (THREAD_RPC_MAX_NUM_PARAMS, ABI 3.2); the spare room costs 128 bytes of
 * stack.
 */
#define GRPC_MAX_PARAMS 8u
/*
 * Largest RPC ALLOC served: OP-TEE asks for one optee_msg_arg, which must
 * fit in a 4 KiB page outside reserved SHM (ABI 2.3); a few pages of slack,
 * and a secure world cannot drain guest RAM through this path.
 */
#define GRPC_ALLOC_MAX (4u * GDRV_PAGE_SIZE)
/* Notification keys the driver tracks: OP-TEE uses 64 + CFG_NUM_THREADS. */
#define GNOTIF_MAX_KEYS 4096u

/*
 * A private copy of an RPC argument: the header and up to GRPC_MAX_PARAMS
 * params (the words give the flexible array its room).
 */
union grpc_arg {
	struct optee_msg_arg hdr;
	uint64_t words[OPTEE_MSG_GET_ARG_SIZE(GRPC_MAX_PARAMS) / 8];
};

static void count_rpc(struct gdrv *drv, uint64_t *counter)
{
	gdrv_lock(drv);
	(*counter)++;
	gdrv_unlock(drv);
}

/* --- ALLOC / FREE ------------------------------------------------------- */

static void handle_alloc(struct gdrv *drv, uint64_t regs[8])
{
	uint64_t size = (uint32_t)regs[1];
	struct gdrv_shm *shm;

	regs[1] = regs[2] = regs[4] = regs[5] = 0; /* failure unless below */
	if (size == 0 || size > GRPC_ALLOC_MAX)
		return;
	if (gshm_create(drv, GSHM_RPC_ARG, (size_t)size, GDRV_PAGES_CONTIG, &shm))
		return;
	greg_split(shm->pages[0], &regs[1], &regs[2]);
	greg_split(shm->cookie, &regs[4], &regs[5]);
}

static void handle_free(struct gdrv *drv, const uint64_t regs[8])
{
	uint64_t cookie = greg_pair(regs[1], regs[2]);
	struct gdrv_shm *shm = gshm_lookup(drv, cookie, false);

	if (!shm || shm->kind != GSHM_RPC_ARG) {
		gdrv_log(drv, "guest: RPC FREE of unknown cookie", cookie);
		return;
	}
	gshm_destroy(drv, shm);
}

/* --- kernel-served commands --------------------------------------------- */

static bool one_value(const union grpc_arg *a, uint64_t type)
{
	return a->hdr.num_params == 1 &&
	       (a->hdr.params[0].attr & OPTEE_MSG_ATTR_TYPE_MASK) == type;
}

static void cmd_get_time(struct gdrv *drv, union grpc_arg *a)
{
	uint64_t ns;

	if (!one_value(a, OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT)) {
		a->hdr.ret = TEEC_ERROR_BAD_PARAMETERS;
		return;
	}
	ns = drv->env->time_ns(drv->env->ctx);
	a->hdr.params[0].u.value.a = ns / 1000000000u;
	a->hdr.params[0].u.value.b = ns % 1000000000u;
	a->hdr.ret = TEEC_SUCCESS;
}

static void cmd_suspend(struct gdrv *drv, union grpc_arg *a)
{
	if (!one_value(a, OPTEE_MSG_ATTR_TYPE_VALUE_INPUT)) {
		a->hdr.ret = TEEC_ERROR_BAD_PARAMETERS;
		return;
	}
	drv->env->sleep_ms(drv->env->ctx, (uint32_t)a->hdr.params[0].u.value.a);
	a->hdr.ret = TEEC_SUCCESS;
}

static bool notif_pending(const struct gdrv *drv, uint32_t key)
{
	return (drv->notif_pending[key / 64] >> (key % 64)) & 1u;
}

static void notif_set_pending(struct gdrv *drv, uint32_t key, bool on)
{
	uint64_t bit = UINT64_C(1) << (key % 64);

	if (on)
		drv->notif_pending[key / 64] |= bit;
	else
		drv->notif_pending[key / 64] &= ~bit;
}

static void notif_unlink(struct gdrv *drv, struct gnotif_waiter *w)
{
	struct gnotif_waiter **pp = &drv->notif_head;

	while (*pp && *pp != w)
		pp = &(*pp)->next;
	if (*pp)
		*pp = w->next;
}

/* Linux optee_notif_wait(): returns TEEC_SUCCESS, TIMEOUT or BAD_PARAMETERS. */
static uint32_t notif_wait(struct gdrv *drv, uint64_t key, uint64_t timeout_ms)
{
	const struct guest_env *env = drv->env;
	struct gnotif_waiter w = { NULL, (uint32_t)key, false }, *o;
	uint64_t deadline;
	uint32_t ret = TEEC_SUCCESS;

	if (key > drv->notif_max)
		return TEEC_ERROR_BAD_PARAMETERS;
	gdrv_lock(drv);
	drv->stats.notif_waits++;
	if (notif_pending(drv, w.key)) {
		/* Sent before we waited: consume it. */
		notif_set_pending(drv, w.key, false);
		gdrv_unlock(drv);
		return TEEC_SUCCESS;
	}
	for (o = drv->notif_head; o; o = o->next) {
		if (o->key == w.key) {
			gdrv_unlock(drv); /* one waiter per key */
			return TEEC_ERROR_BAD_PARAMETERS;
		}
	}
	w.next = drv->notif_head;
	/* cppcheck-suppress autoVariables ; unlinked before returning */
	drv->notif_head = &w;
	deadline = env->time_ns(env->ctx) + timeout_ms * 1000000u;
	while (!w.done) {
		uint64_t now, left_ms;

		if (!timeout_ms) {
			env->cond_wait(env->ctx, drv->notif_cond, drv->lock);
			continue;
		}
		now = env->time_ns(env->ctx);
		if (now >= deadline) {
			ret = TEE_ERROR_TIMEOUT;
			drv->stats.notif_timeouts++;
			break;
		}
		left_ms = (deadline - now + 999999u) / 1000000u;
		(void)env->cond_timedwait(env->ctx, drv->notif_cond, drv->lock,
					  left_ms);
	}
	notif_unlink(drv, &w);
	gdrv_unlock(drv);
	return ret;
}

static uint32_t notif_send(struct gdrv *drv, uint64_t key)
{
	struct gnotif_waiter *w;

	if (key > drv->notif_max)
		return TEEC_ERROR_BAD_PARAMETERS;
	gdrv_lock(drv);
	drv->stats.notif_sends++;
	for (w = drv->notif_head; w; w = w->next) {
		if (w->key == key && !w->done)
			break;
	}
	if (w) {
		w->done = true;
		drv->env->cond_broadcast(drv->env->ctx, drv->notif_cond);
	} else {
		notif_set_pending(drv, (uint32_t)key, true);
	}
	gdrv_unlock(drv);
	return TEEC_SUCCESS;
}

static void cmd_notification(struct gdrv *drv, union grpc_arg *a)
{
	const struct optee_msg_param_value *v = &a->hdr.params[0].u.value;

	if (!one_value(a, OPTEE_MSG_ATTR_TYPE_VALUE_INPUT)) {
		a->hdr.ret = TEEC_ERROR_BAD_PARAMETERS;
		return;
	}
	if (v->a == OPTEE_RPC_NOTIFICATION_WAIT)
		a->hdr.ret = notif_wait(drv, v->b, v->c);
	else if (v->a == OPTEE_RPC_NOTIFICATION_SEND)
		a->hdr.ret = notif_send(drv, v->b);
	else
		a->hdr.ret = TEEC_ERROR_BAD_PARAMETERS;
}

uint32_t gnotif_wait(struct gdrv *drv, uint64_t key, uint64_t timeout_ms)
{
	return notif_wait(drv, key, timeout_ms);
}

uint32_t gnotif_send(struct gdrv *drv, uint64_t key)
{
	return notif_send(drv, key);
}

int gnotif_init(struct gdrv *drv, uint32_t max_value)
{
	if (max_value >= GNOTIF_MAX_KEYS)
		max_value = GNOTIF_MAX_KEYS - 1;
	drv->notif_max = max_value;
	drv->notif_pending = gdrv_zalloc(drv, GNOTIF_MAX_KEYS / 8);
	return drv->notif_pending ? GDRV_OK : GDRV_ENOMEM;
}

void gnotif_fini(struct gdrv *drv)
{
	gdrv_free(drv, drv->notif_pending, GNOTIF_MAX_KEYS / 8);
	drv->notif_pending = NULL;
}

/* SHM_ALLOC (ABI 6): page list reply 0x20A, as Linux with dynamic SHM. */
static void cmd_shm_alloc(struct gdrv *drv, struct gcall *call,
			  union grpc_arg *a)
{
	struct optee_msg_param *p0 = &a->hdr.params[0];
	struct gpagesrc src;
	struct gdrv_shm *shm;
	enum gshm_kind kind;
	uint32_t n;

	a->hdr.ret_origin = TEEC_ORIGIN_COMMS;
	a->hdr.ret = TEEC_ERROR_BAD_PARAMETERS;
	if (!a->hdr.num_params || p0->attr != OPTEE_MSG_ATTR_TYPE_VALUE_INPUT)
		return;
	for (n = 1; n < a->hdr.num_params; n++) {
		if (a->hdr.params[n].attr != OPTEE_MSG_ATTR_TYPE_NONE)
			return;
	}
	if (p0->u.value.a == OPTEE_RPC_SHM_TYPE_KERNEL)
		kind = GSHM_RPC_KERNEL;
	else if (p0->u.value.a == OPTEE_RPC_SHM_TYPE_APPL)
		kind = GSHM_RPC_APPL; /* the supplicant's, allocated here */
	else
		return; /* GLOBAL: refused by Linux too */
	a->hdr.ret = TEEC_ERROR_OUT_OF_MEMORY;
	if (p0->u.value.b == 0 || p0->u.value.b > (uint64_t)drv->pages.npages * GDRV_PAGE_SIZE ||
	    gshm_create(drv, kind, (size_t)p0->u.value.b, drv->cfg.page_policy,
			&shm))
		return;
	shm->size = shm->npages * GDRV_PAGE_SIZE; /* page-rounded */
	src.pages = shm->pages;
	src.first = 0;
	src.npages = shm->npages;
	src.offset = 0;
	if (gpagelist_build(drv, &src, &call->shm_alloc_list)) {
		gshm_destroy(drv, shm);
		return;
	}
	p0->attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	p0->u.tmem.buf_ptr = call->shm_alloc_list.buf_ptr;
	p0->u.tmem.size = shm->size;
	p0->u.tmem.shm_ref = shm->cookie;
	a->hdr.ret = TEEC_SUCCESS;
	gdrv_lock(drv);
	drv->stats.rpc_shm_allocs++;
	gdrv_unlock(drv);
}

static void cmd_shm_free(struct gdrv *drv, union grpc_arg *a)
{
	const struct optee_msg_param *p0 = &a->hdr.params[0];
	enum gshm_kind kind;
	struct gdrv_shm *shm;

	a->hdr.ret_origin = TEEC_ORIGIN_COMMS;
	a->hdr.ret = TEEC_ERROR_BAD_PARAMETERS;
	if (a->hdr.num_params != 1 ||
	    p0->attr != OPTEE_MSG_ATTR_TYPE_VALUE_INPUT)
		return;
	if (p0->u.value.a == OPTEE_RPC_SHM_TYPE_KERNEL)
		kind = GSHM_RPC_KERNEL;
	else if (p0->u.value.a == OPTEE_RPC_SHM_TYPE_APPL)
		kind = GSHM_RPC_APPL;
	else
		return;
	/* Linux trusts the cookie as a pointer; we look it up. */
	shm = gshm_lookup(drv, p0->u.value.b, false);
	if (!shm || shm->kind != kind)
		return;
	gshm_destroy(drv, shm);
	a->hdr.ret = TEEC_SUCCESS;
	gdrv_lock(drv);
	drv->stats.rpc_shm_frees++;
	gdrv_unlock(drv);
}

/* --- supplicant commands ------------------------------------------------ */

/* OPTEE_MSG param -> supplicant param (Linux optee_from_msg_param). */
static bool from_msg(struct gdrv *drv, const struct optee_msg_param *mp,
		     struct gsupp_param *p)
{
	uint64_t type = mp->attr & OPTEE_MSG_ATTR_TYPE_MASK;
	int64_t offs;

	gmemset(p, 0, sizeof(*p));
	switch (type) {
	case OPTEE_MSG_ATTR_TYPE_NONE:
		return true;
	case OPTEE_MSG_ATTR_TYPE_VALUE_INPUT:
	case OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT:
	case OPTEE_MSG_ATTR_TYPE_VALUE_INOUT:
		p->type = (uint32_t)type;
		p->a = mp->u.value.a;
		p->b = mp->u.value.b;
		p->c = mp->u.value.c;
		return true;
	case OPTEE_MSG_ATTR_TYPE_TMEM_INPUT:
	case OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT:
	case OPTEE_MSG_ATTR_TYPE_TMEM_INOUT:
		p->type = GDRV_PARAM_MEMREF_IN +
			  (uint32_t)(type - OPTEE_MSG_ATTR_TYPE_TMEM_INPUT);
		p->size = mp->u.tmem.size;
		if (!mp->u.tmem.shm_ref)
			return true; /* null memref */
		p->shm = gshm_lookup(drv, mp->u.tmem.shm_ref, false);
		if (!p->shm)
			return false;
		offs = gshm_offset_of(p->shm, mp->u.tmem.buf_ptr);
		p->offs = (uint64_t)offs;
		return offs >= 0;
	case OPTEE_MSG_ATTR_TYPE_RMEM_INPUT:
	case OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT:
	case OPTEE_MSG_ATTR_TYPE_RMEM_INOUT:
		p->type = GDRV_PARAM_MEMREF_IN +
			  (uint32_t)(type - OPTEE_MSG_ATTR_TYPE_RMEM_INPUT);
		p->size = mp->u.rmem.size;
		p->offs = mp->u.rmem.offs;
		if (!mp->u.rmem.shm_ref)
			return true;
		p->shm = gshm_lookup(drv, mp->u.rmem.shm_ref, false);
		return p->shm != NULL;
	default:
		return false;
	}
}

/* Outputs back into the OPTEE_MSG param: values and memref sizes only. */
static void to_msg(const struct gsupp_param *p, struct optee_msg_param *mp)
{
	if (p->type == GDRV_PARAM_VALUE_OUT || p->type == GDRV_PARAM_VALUE_INOUT) {
		mp->u.value.a = p->a;
		mp->u.value.b = p->b;
		mp->u.value.c = p->c;
	} else if (p->type == GDRV_PARAM_MEMREF_OUT ||
		   p->type == GDRV_PARAM_MEMREF_INOUT) {
		mp->u.tmem.size = p->size; /* rmem.size at the same offset */
	}
}

static void cmd_supplicant(struct gdrv *drv, union grpc_arg *a)
{
	struct gsupp_param sp[GRPC_MAX_PARAMS];
	uint32_t i, n = a->hdr.num_params;

	a->hdr.ret_origin = TEEC_ORIGIN_COMMS;
	for (i = 0; i < n; i++) {
		if (!from_msg(drv, &a->hdr.params[i], &sp[i])) {
			a->hdr.ret = TEEC_ERROR_BAD_PARAMETERS;
			return;
		}
	}
	if (!drv->supp) {
		a->hdr.ret = TEEC_ERROR_COMMUNICATION; /* no supplicant */
		return;
	}
	a->hdr.ret = gsupp_request(drv->supp, drv, a->hdr.cmd, sp, n);
	for (i = 0; i < n; i++)
		to_msg(&sp[i], &a->hdr.params[i]);
}

/* --- CMD dispatch ------------------------------------------------------- */

/* Where the RPC argument is and how many bytes it may span. */
static bool locate_rpc_arg(struct gdrv *drv, const struct gcall *call,
			   const uint64_t regs[8], uint64_t *ipa, size_t *cap)
{
	struct gdrv_shm *shm;

	if (call->rpc_arg_ipa) {
		/* In-band (8.2): Linux ignores a1:a2 then. */
		*ipa = call->rpc_arg_ipa;
		*cap = OPTEE_MSG_GET_ARG_SIZE(drv->info.rpc_param_count);
		return true;
	}
	shm = gshm_lookup(drv, greg_pair(regs[1], regs[2]), false);
	if (!shm || shm->kind != GSHM_RPC_ARG)
		return false;
	*ipa = shm->pages[0];
	*cap = shm->size;
	return true;
}

static void handle_cmd(struct gdrv *drv, struct gcall *call,
		       const uint64_t regs[8])
{
	union grpc_arg a;
	uint64_t ipa;
	size_t cap, n, len;

	if (!locate_rpc_arg(drv, call, regs, &ipa, &cap)) {
		gdrv_log(drv, "guest: RPC CMD without an argument", regs[1]);
		return;
	}
	if (gdrv_mem_read(drv, ipa, &a.hdr, sizeof(struct optee_msg_arg)))
		return;
	gdrv_lock(drv);
	drv->stats.rpc_cmd_by_id[a.hdr.cmd < GDRV_STAT_RPC_CMDS - 1 ?
				 a.hdr.cmd : GDRV_STAT_RPC_CMDS - 1]++;
	gdrv_unlock(drv);
	n = a.hdr.num_params;
	if (n > GRPC_MAX_PARAMS || OPTEE_MSG_GET_ARG_SIZE(n) > cap) {
		a.hdr.ret = TEEC_ERROR_BAD_PARAMETERS;
		a.hdr.ret_origin = TEEC_ORIGIN_COMMS;
		(void)gdrv_mem_write(drv, ipa, &a.hdr, sizeof(struct optee_msg_arg));
		return;
	}
	len = OPTEE_MSG_GET_ARG_SIZE(n);
	if (gdrv_mem_read(drv, ipa, a.words, len))
		return;
	switch (a.hdr.cmd) {
	case OPTEE_RPC_CMD_SHM_ALLOC:
		/* The previous SHM_ALLOC's list is no longer needed (ABI 6). */
		gpagelist_free(drv, &call->shm_alloc_list);
		cmd_shm_alloc(drv, call, &a);
		break;
	case OPTEE_RPC_CMD_SHM_FREE:
		cmd_shm_free(drv, &a);
		break;
	case OPTEE_RPC_CMD_GET_TIME:
		cmd_get_time(drv, &a);
		break;
	case OPTEE_RPC_CMD_SUSPEND:
		cmd_suspend(drv, &a);
		break;
	case OPTEE_RPC_CMD_NOTIFICATION:
		cmd_notification(drv, &a);
		break;
	default:
		cmd_supplicant(drv, &a);
		break;
	}
	(void)gdrv_mem_write(drv, ipa, a.words, len);
}

void grpc_handle(struct gdrv *drv, struct gcall *call, uint64_t regs[8])
{
	switch ((uint32_t)regs[0] & OPTEE_SMC_RPC_FUNC_MASK) {
	case OPTEE_SMC_RPC_FUNC_ALLOC:
		count_rpc(drv, &drv->stats.rpc_alloc);
		handle_alloc(drv, regs);
		break;
	case OPTEE_SMC_RPC_FUNC_FREE:
		count_rpc(drv, &drv->stats.rpc_free);
		handle_free(drv, regs);
		break;
	case OPTEE_SMC_RPC_FUNC_FOREIGN_INTR:
		/* The interrupt was taken on the way out: just resume. */
		count_rpc(drv, &drv->stats.rpc_foreign_intr);
		break;
	case OPTEE_SMC_RPC_FUNC_CMD:
		count_rpc(drv, &drv->stats.rpc_cmd);
		handle_cmd(drv, call, regs);
		break;
	default:
		count_rpc(drv, &drv->stats.rpc_unknown);
		gdrv_log(drv, "guest: unknown RPC", regs[0]);
		break;
	}
	regs[0] = OPTEE_SMC_CALL_RETURN_FROM_RPC;
}

void grpc_finalize(struct gdrv *drv, struct gcall *call)
{
	gpagelist_free(drv, &call->shm_alloc_list);
}
