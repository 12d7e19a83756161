// SPDX-License-Identifier: BSD-2-Clause
/*
 * Threads of a partition and the life of a yielding call, as OP-TEE's
 * thread.c and thread_optee_smc.c run them:
 *
 *   allocate a thread (ETHREAD_LIMIT if none) -> [FOREIGN_INTR] -> read
 *   and check the arg -> serve the command (RPCs in between) -> write the
 *   results -> RPC FREE of the RPC arg unless the SHM cache keeps it -> a0.
 *
 * A thread leaves at every RPC with its whole state in struct model_thread
 * and continues from there at RETURN_FROM_RPC with the same a3 and guest.
 * The RPC engine below turns "send this RPC command" into the exchange
 * OP-TEE makes: RPC ALLOC of an arg buffer when the thread has none and no
 * in-band RPC arg, RPC CMD, and reading back the answer.
 */
#include "model_priv.h"

bool thread_all_free(const struct model_part *part)
{
	uint32_t n = 0;

	for (n = 0; n < part->nthreads; n++)
		if (part->threads[n].state != THREAD_FREE)
			return false;
	return true;
}

/* Drop a thread and what its call holds, without any RPC (VM_DESTROYED). */
void thread_reset(struct optee_model *m, struct model_part *part, struct model_thread *t)
{
	msg_release(m, part, t);
	rpc_shm_delete(m, t->cmd.call.shm);
	t->cmd.call.shm = NULL;
	if (t->arg_shm)
		t->arg_shm->users--;
	t->arg_shm = NULL;
	t->state = THREAD_FREE;
	t->intr = false;
	t->rpcbuf = false;
	memset(&t->rpc, 0, sizeof(t->rpc));
}

/* xorshift64: reproducible from cfg.seed. */
static uint64_t prng_next(struct optee_model *m)
{
	uint64_t x = m->prng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	m->prng = x;
	return x;
}

/* Does a normal-world interrupt arrive as this thread starts running? */
static bool foreign_intr_now(struct optee_model *m)
{
	if (m->forced_intr) {
		m->forced_intr--;
		return true;
	}
	if (!m->cfg.foreign_intr_one_in)
		return false;
	return prng_next(m) % m->cfg.foreign_intr_one_in == 0;
}

/* ---- RPC engine ---- */

enum step rpc_cmd(struct model_thread *t, uint32_t cmd, uint32_t num_params,
		  const struct rpc_param *p)
{
	struct rpc_engine *e = &t->rpc;

	memset(e, 0, sizeof(*e));
	e->op = RPC_OP_CMD;
	e->cmd = cmd;
	e->num_params = num_params;
	memcpy(e->p, p, sizeof(*p) * num_params);
	e->state = RPC_START;
	return STEP_RPC;
}

/* thread_rpc_alloc(): SHM_ALLOC with alignment 8, as OP-TEE asks. */
enum step rpc_shm_alloc(struct model_thread *t, uint32_t type, uint64_t size)
{
	struct rpc_param p = { .attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT,
			       .a = type, .b = size, .c = 8 };
	enum step s = rpc_cmd(t, OPTEE_RPC_CMD_SHM_ALLOC, 1, &p);

	t->rpc.op = RPC_OP_SHM_ALLOC;
	t->rpc.shm_type = type;
	t->rpc.shm_size = size;
	return s;
}

/* thread_rpc_free(): the object goes first, then SHM_FREE (result ignored). */
enum step rpc_shm_free(struct optee_model *m, struct model_thread *t, struct rpc_shm *shm)
{
	struct rpc_param p = { .attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT,
			       .a = shm->type, .b = shm->cookie };

	rpc_shm_delete(m, shm);
	return rpc_cmd(t, OPTEE_RPC_CMD_SHM_FREE, 1, &p);
}

static void start_free_arg(struct model_thread *t)
{
	memset(&t->rpc, 0, sizeof(t->rpc));
	t->rpc.op = RPC_OP_FREE_ARG;
	t->rpc.free_cookie = t->rpcbuf_cookie;
	t->rpc.state = RPC_START;
	t->rpcbuf = false;
}

static void exit_rpc(uint64_t regs[8], uint32_t func, uint64_t val)
{
	regs[0] = OPTEE_SMC_RETURN_RPC(func);
	regs[1] = val >> 32;
	regs[2] = (uint32_t)val;
}

/* Where the RPC arg lives: in-band after the arg, or the ALLOC'd page. */
static void rpc_arg_mref(struct model_thread *t, struct model_mref *r, uint64_t *off)
{
	if (t->inband) {
		*r = t->arg_mem;
		*off = t->inband_off;
	} else {
		r->pages = &t->rpcbuf_page;
		r->npages = 1;
		r->start = 0;
		r->size = MODEL_RPC_ARG_SIZE;
		*off = 0;
	}
}

struct rpc_msg {
	struct model_msg_hdr hdr;
	struct optee_msg_param p[MODEL_RPC_NUM_PARAMS];
};

/*
 * get_rpc_arg() + thread_rpc_cmd(): write the RPC arg (zeroed, cmd,
 * num_params, ret = GENERIC, params) and leave with RPC CMD. Returns true
 * if the thread left; false if the arg could not be written (the platform
 * refused), which completes the op with TEEC_ERROR_GENERIC.
 */
static bool send_cmd(struct optee_model *m, struct model_part *part, struct model_thread *t,
		     uint64_t regs[8], enum rpc_state next)
{
	struct rpc_engine *e = &t->rpc;
	struct rpc_msg msg;
	struct model_mref r;
	uint64_t off = 0;
	uint32_t n = 0;

	memset(&msg, 0, sizeof(msg));
	msg.hdr.cmd = e->cmd;
	msg.hdr.num_params = e->num_params;
	msg.hdr.ret = TEEC_ERROR_GENERIC;
	for (n = 0; n < e->num_params; n++) {
		const struct rpc_param *p = &e->p[n];

		msg.p[n].attr = p->attr;
		if (p->shm) {
			msg.p[n].u.rmem.offs = p->offs;
			msg.p[n].u.rmem.size = p->size;
			msg.p[n].u.rmem.shm_ref = p->shm->cookie;
		} else {
			msg.p[n].u.value.a = p->a;
			msg.p[n].u.value.b = p->b;
			msg.p[n].u.value.c = p->c;
		}
	}
	rpc_arg_mref(t, &r, &off);
	if (mref_write(m, part, &r, off, &msg, OPTEE_MSG_GET_ARG_SIZE(e->num_params))) {
		e->ret = TEEC_ERROR_GENERIC;
		e->state = RPC_DONE;
		return false;
	}
	/* In-band RPC arg: no object, so the cookie is 0 (ABI 2.3). */
	exit_rpc(regs, OPTEE_SMC_RPC_FUNC_CMD, t->inband ? 0 : t->rpcbuf_cookie);
	e->state = next;
	return true;
}

/* get_rpc_arg_res(): only ret, value outputs and memref output sizes. */
static void read_cmd_result(struct optee_model *m, struct model_part *part,
			    struct model_thread *t, struct rpc_msg *msg)
{
	struct rpc_engine *e = &t->rpc;
	struct model_mref r;
	uint64_t off = 0;
	uint32_t n = 0;

	rpc_arg_mref(t, &r, &off);
	if (mref_read(m, part, &r, off, msg, OPTEE_MSG_GET_ARG_SIZE(e->num_params))) {
		memset(msg, 0, sizeof(*msg));
		msg->hdr.ret = TEEC_ERROR_GENERIC;
		e->ret = TEEC_ERROR_GENERIC;
		return;
	}
	e->ret = msg->hdr.ret;
	for (n = 0; n < e->num_params; n++) {
		struct rpc_param *p = &e->p[n];

		switch (p->attr) {
		case OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT:
		case OPTEE_MSG_ATTR_TYPE_VALUE_INOUT:
			p->a = msg->p[n].u.value.a;
			p->b = msg->p[n].u.value.b;
			p->c = msg->p[n].u.value.c;
			break;
		case OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT:
		case OPTEE_MSG_ATTR_TYPE_RMEM_INOUT:
			p->size = msg->p[n].u.rmem.size;
			break;
		default:
			break;
		}
	}
}

/*
 * get_rpc_alloc_res(): ret == 0, num_params == 1, attr TMEM_OUTPUT or
 * TMEM_OUTPUT|NONCONTIG, size >= requested. A reply of the right shape
 * whose memory is unusable gets SHM_FREE for its cookie; a reply of the
 * wrong shape is only refused, as OP-TEE does.
 */
static bool shm_alloc_result(struct optee_model *m, struct model_part *part,
			     struct model_thread *t, const struct rpc_msg *msg, uint64_t regs[8])
{
	struct rpc_engine *e = &t->rpc;
	const struct optee_msg_param *p = &msg->p[0];
	uint64_t *pages = NULL, np = 0, offset = 0;

	e->ret = TEEC_ERROR_OUT_OF_MEMORY;
	e->state = RPC_DONE;
	if (msg->hdr.ret || msg->hdr.num_params != 1 || p->u.tmem.size < e->shm_size)
		return false;
	if (p->attr == OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT) {
		/* rpc_shm_mobj_alloc(): one aligned non-secure page at most. */
		uint64_t pa = p->u.tmem.buf_ptr;

		if (!(pa & MODEL_PAGE_MASK) && p->u.tmem.size <= MODEL_PAGE_SIZE &&
		    m->env.is_nsec_ram(m->env.ctx, pa, MODEL_PAGE_SIZE)) {
			pages = m->env.alloc(m->env.ctx, sizeof(*pages));
			if (pages) {
				pages[0] = pa;
				np = 1;
			}
		}
	} else if (p->attr == (OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG)) {
		pages = pagelist_parse(m, part, p->u.tmem.buf_ptr, p->u.tmem.size, &np);
		offset = p->u.tmem.buf_ptr & MODEL_PAGE_MASK;
	} else {
		return false;
	}
	if (pages)
		e->shm = rpc_shm_new(m, pages, np, offset, p->u.tmem.shm_ref, e->shm_type);
	if (e->shm) {
		e->shm->req_size = e->shm_size;
		e->ret = TEEC_SUCCESS;
		return false;
	}
	/* Could not build the object: give the buffer back. */
	e->cmd = OPTEE_RPC_CMD_SHM_FREE;
	e->num_params = 1;
	memset(e->p, 0, sizeof(e->p));
	e->p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	e->p[0].a = e->shm_type;
	e->p[0].b = p->u.tmem.shm_ref;
	if (send_cmd(m, part, t, regs, RPC_SHM_FREE_WAIT))
		return true;
	e->ret = TEEC_ERROR_OUT_OF_MEMORY;
	return false;
}

/* rpc_shm_mobj_alloc() for the RPC arg: an aligned non-secure page. */
static bool rpc_arg_page_ok(const struct optee_model *m, uint64_t pa)
{
	return pa && !(pa & MODEL_PAGE_MASK) &&
	       m->env.is_nsec_ram(m->env.ctx, pa, MODEL_PAGE_SIZE);
}

/*
 * Advances the engine by one exchange. Returns true if the thread leaves
 * with an RPC (regs a0..a2 set), false once the op is complete.
 */
static bool rpc_advance(struct optee_model *m, struct model_part *part,
			struct model_thread *t, uint64_t regs[8])
{
	struct rpc_engine *e = &t->rpc;
	struct rpc_msg msg;

	switch (e->state) {
	case RPC_START:
		if (e->op == RPC_OP_FREE_ARG) {
			/* thread_rpc_free_arg(): nothing to free for cookie 0. */
			if (!e->free_cookie) {
				e->state = RPC_IDLE;
				return false;
			}
			exit_rpc(regs, OPTEE_SMC_RPC_FUNC_FREE, e->free_cookie);
			e->state = RPC_FREE_WAIT;
			return true;
		}
		if (!t->inband && !t->rpcbuf) {
			/* ALLOC carries the size in a1 alone, a2 = 0 (ABI 2.3). */
			exit_rpc(regs, OPTEE_SMC_RPC_FUNC_ALLOC, 0);
			regs[1] = MODEL_RPC_ARG_SIZE;
			e->state = RPC_ALLOC_WAIT;
			return true;
		}
		return send_cmd(m, part, t, regs, RPC_CMD_WAIT);
	case RPC_ALLOC_WAIT: {
		uint64_t pa = reg_pair(t->rs_a1, t->rs_a2);
		uint64_t cookie = reg_pair(t->rs_a4, t->rs_a5);

		if (!rpc_arg_page_ok(m, pa)) {
			if (cookie) {
				exit_rpc(regs, OPTEE_SMC_RPC_FUNC_FREE, cookie);
				e->state = RPC_ALLOC_BAD_WAIT;
				return true;
			}
			e->ret = TEEC_ERROR_OUT_OF_MEMORY;
			e->state = RPC_DONE;
			return false;
		}
		t->rpcbuf = true;
		t->rpcbuf_page = pa;
		t->rpcbuf_cookie = cookie;
		return send_cmd(m, part, t, regs, RPC_CMD_WAIT);
	}
	case RPC_ALLOC_BAD_WAIT:
	case RPC_SHM_FREE_WAIT:
		e->ret = TEEC_ERROR_OUT_OF_MEMORY;
		e->state = RPC_DONE;
		return false;
	case RPC_CMD_WAIT:
		read_cmd_result(m, part, t, &msg);
		if (e->op == RPC_OP_SHM_ALLOC)
			return shm_alloc_result(m, part, t, &msg, regs);
		e->state = RPC_DONE;
		return false;
	case RPC_FREE_WAIT:
		e->state = RPC_IDLE;
		return false;
	case RPC_IDLE:
	case RPC_DONE:
	default:
		return false;
	}
}

/* ---- the yielding call ---- */

static bool fid_known(const struct optee_model *m, uint32_t fid)
{
	if (fid == OPTEE_SMC_CALL_WITH_ARG)
		return true;
	return (fid == OPTEE_SMC_CALL_WITH_RPC_ARG || fid == OPTEE_SMC_CALL_WITH_REGD_ARG) &&
	       model_has_cap(m, OPTEE_SMC_SEC_CAP_RPC_ARG);
}

/* Runs the thread until the call ends or it leaves with an RPC. */
static void thread_run(struct optee_model *m, struct model_part *part, struct model_thread *t,
		       uint64_t regs[8])
{
	for (;;) {
		if (t->rpc.state != RPC_IDLE && t->rpc.state != RPC_DONE) {
			if (rpc_advance(m, part, t, regs)) {
				t->state = THREAD_SUSPENDED;
				regs[3] = t->id;
				return;
			}
			continue;
		}
		switch (t->phase) {
		case PHASE_START:
			t->phase = PHASE_END;
			if (!fid_known(m, t->fid)) {
				t->rv = OPTEE_SMC_RETURN_EBADCMD;
				break;
			}
			t->rv = msg_read_arg(m, part, t);
			if (t->rv != OPTEE_SMC_RETURN_OK)
				break;
			t->phase = PHASE_CMD;
			/* A supplied RPC arg replaces a cached one (call_entry_std). */
			if (t->inband && part->shm_cache && t->rpcbuf)
				start_free_arg(t);
			break;
		case PHASE_CMD:
			if (entry_std(m, part, t) == STEP_RPC)
				break;
			msg_copy_out(m, part, t);
			msg_release(m, part, t);
			t->phase = PHASE_FINISH;
			break;
		case PHASE_FINISH:
			t->phase = PHASE_END;
			if (t->rv == OPTEE_SMC_RETURN_OK && !part->shm_cache && t->rpcbuf)
				start_free_arg(t);
			break;
		case PHASE_END:
		default:
			if (t->arg_shm)
				t->arg_shm->users--;
			t->arg_shm = NULL;
			t->state = THREAD_FREE;
			regs[0] = t->rv;
			regs[1] = 0;
			regs[2] = 0;
			regs[3] = 0;
			return;
		}
	}
}

static void thread_start(struct model_thread *t, const uint64_t regs[8])
{
	t->fid = (uint32_t)regs[0];
	t->a1 = (uint32_t)regs[1];
	t->a2 = (uint32_t)regs[2];
	t->a3 = (uint32_t)regs[3];
	t->phase = PHASE_START;
	t->rv = OPTEE_SMC_RETURN_OK;
	t->arg_shm = NULL;
	t->inband = false;
	memset(&t->hdr, 0, sizeof(t->hdr));
	memset(t->params, 0, sizeof(t->params));
	memset(&t->cmd, 0, sizeof(t->cmd));
	memset(&t->rpc, 0, sizeof(t->rpc));
}

/*
 * A yielding SMC of partition `part`: a new call or RETURN_FROM_RPC. On
 * ETHREAD_LIMIT and ERESUME a1..a3 are left as they came.
 */
void thread_std_smc(struct optee_model *m, struct model_part *part, uint64_t regs[8])
{
	uint32_t fid = (uint32_t)regs[0];
	struct model_thread *t = NULL;
	uint32_t n = 0;

	if (fid == OPTEE_SMC_CALL_RETURN_FROM_RPC) {
		uint32_t id = (uint32_t)regs[3];

		if (id >= part->nthreads || part->threads[id].state != THREAD_SUSPENDED) {
			regs[0] = OPTEE_SMC_RETURN_ERESUME;
			return;
		}
		t = &part->threads[id];
		/* A foreign interrupt's resume carries no results. */
		if (!t->intr) {
			t->rs_a1 = (uint32_t)regs[1];
			t->rs_a2 = (uint32_t)regs[2];
			t->rs_a4 = (uint32_t)regs[4];
			t->rs_a5 = (uint32_t)regs[5];
		}
		t->intr = false;
	} else {
		for (n = 0; n < part->nthreads && !t; n++)
			if (part->threads[n].state == THREAD_FREE)
				t = &part->threads[n];
		if (!t) {
			regs[0] = OPTEE_SMC_RETURN_ETHREAD_LIMIT;
			return;
		}
		thread_start(t, regs);
	}

	t->state = THREAD_RUNNING;
	if (foreign_intr_now(m)) {
		t->state = THREAD_SUSPENDED;
		t->intr = true;
		exit_rpc(regs, OPTEE_SMC_RPC_FUNC_FOREIGN_INTR, 0);
		regs[3] = t->id;
		return;
	}
	thread_run(m, part, t, regs);
}
