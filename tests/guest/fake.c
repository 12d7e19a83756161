/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The scripted fake OP-TEE of the guest tests: fast calls, messages,
 * registered SHM and RPC scripts (see fake.h).
 */
#include "fake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"

#define PAGE 4096u

static const uint8_t devenum_uuid[16] = {
	0x70, 0x11, 0xa6, 0x88, 0xdd, 0xde, 0x40, 0x53,
	0xa5, 0xa9, 0x7b, 0x3c, 0x4d, 0xdf, 0x13, 0xb8,
};

/* --- memory views ---------------------------------------------------------- */

static bool parse_list(struct fake *f, uint64_t buf_ptr, uint64_t size,
		       struct fake_buf *b)
{
	uint64_t list = buf_ptr & ~(uint64_t)(PAGE - 1);
	uint64_t *slots = (uint64_t *)fake_mem(f, list);
	size_t i, idx = 0, n;

	b->offset = (uint32_t)(buf_ptr & (PAGE - 1));
	b->size = size;
	n = (size_t)((b->offset + size + PAGE - 1) / PAGE);
	if (n == 0)
		n = 1;
	if (n > sizeof(b->pages) / sizeof(b->pages[0]) || !slots)
		return false;
	for (i = 0; i < n; i++) {
		if (idx == OPTEE_MSG_PAGELIST_ENTRIES) {
			slots = (uint64_t *)fake_mem(f, slots[OPTEE_MSG_PAGELIST_NEXT_SLOT]);
			if (!slots)
				return false;
			idx = 0;
		}
		b->pages[i] = slots[idx++];
		if ((b->pages[i] & (PAGE - 1)) || !fake_mem(f, b->pages[i]))
			return false;
	}
	b->npages = n;
	return true;
}

struct fake_reg *fake_find_reg(struct fake *f, uint64_t cookie)
{
	int i;

	for (i = 0; i < FAKE_MAX_REGS; i++)
		if (f->regs[i].used && f->regs[i].cookie == cookie)
			return &f->regs[i];
	return NULL;
}

bool fake_resolve(struct fake *f, const struct optee_msg_param *p,
		  struct fake_buf *b)
{
	uint64_t type = p->attr & OPTEE_MSG_ATTR_TYPE_MASK;

	memset(b, 0, sizeof(*b));
	if (type >= OPTEE_MSG_ATTR_TYPE_TMEM_INPUT &&
	    type <= OPTEE_MSG_ATTR_TYPE_TMEM_INOUT) {
		if (!p->u.tmem.buf_ptr) {
			b->null = true;
			b->size = p->u.tmem.size;
			return true;
		}
		if (!(p->attr & OPTEE_MSG_ATTR_NONCONTIG))
			return false; /* no reserved SHM here */
		return parse_list(f, p->u.tmem.buf_ptr, p->u.tmem.size, b);
	}
	if (type >= OPTEE_MSG_ATTR_TYPE_RMEM_INPUT &&
	    type <= OPTEE_MSG_ATTR_TYPE_RMEM_INOUT) {
		struct fake_reg *r = fake_find_reg(f, p->u.rmem.shm_ref);
		uint64_t pos;
		size_t i;

		if (!r || p->u.rmem.offs > r->size ||
		    p->u.rmem.size > r->size - p->u.rmem.offs)
			return false;
		pos = r->offset + p->u.rmem.offs;
		b->offset = (uint32_t)(pos % PAGE);
		b->size = p->u.rmem.size;
		b->npages = r->npages - (size_t)(pos / PAGE);
		for (i = 0; i < b->npages; i++)
			b->pages[i] = r->pages[pos / PAGE + i];
		return true;
	}
	return false;
}

static bool buf_copy(struct fake *f, const struct fake_buf *b, size_t off,
		     uint8_t *data, size_t len, bool write)
{
	while (len) {
		size_t pos = b->offset + off;
		size_t chunk = PAGE - pos % PAGE;
		uint8_t *m;

		if (chunk > len)
			chunk = len;
		if (pos / PAGE >= b->npages)
			return false;
		m = fake_mem(f, b->pages[pos / PAGE] + pos % PAGE);
		if (!m)
			return false;
		if (write)
			memcpy(m, data, chunk);
		else
			memcpy(data, m, chunk);
		off += chunk;
		data += chunk;
		len -= chunk;
	}
	return true;
}

bool fake_buf_read(struct fake *f, const struct fake_buf *b, size_t off,
		   void *dst, size_t len)
{
	return buf_copy(f, b, off, dst, len, false);
}

bool fake_buf_write(struct fake *f, const struct fake_buf *b, size_t off,
		    const void *src, size_t len)
{
	return buf_copy(f, b, off, (uint8_t *)(uintptr_t)src, len, true);
}

int fake_count_fid(const struct fake *f, uint32_t fid)
{
	int i, n = 0;

	for (i = 0; i < f->nsmc && i < FAKE_MAX_SMCS; i++)
		n += f->fids[i] == fid;
	return n;
}

/* --- messages --------------------------------------------------------------- */

static uint64_t pair(uint64_t hi, uint64_t lo)
{
	return (hi << 32) | (lo & 0xFFFFFFFFu);
}

static void split(uint64_t v, uint64_t *hi, uint64_t *lo)
{
	*hi = v >> 32;
	*lo = v & 0xFFFFFFFFu;
}

static void msg_register(struct fake *f, struct optee_msg_arg *arg)
{
	struct optee_msg_param *p = &arg->params[0];
	struct fake_buf *b;
	int i;

	arg->ret = TEEC_ERROR_BAD_PARAMETERS;
	if (arg->num_params != 1 ||
	    p->attr != (OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG)) {
		f->register_attr_bad++;
		return;
	}
	b = calloc(1, sizeof(*b));
	if (!parse_list(f, p->u.tmem.buf_ptr, p->u.tmem.size, b) ||
	    fake_find_reg(f, p->u.tmem.shm_ref)) {
		free(b);
		return;
	}
	for (i = 0; i < FAKE_MAX_REGS && f->regs[i].used; i++)
		;
	if (i == FAKE_MAX_REGS) {
		free(b);
		arg->ret = TEEC_ERROR_OUT_OF_MEMORY;
		return;
	}
	f->regs[i].used = true;
	f->regs[i].cookie = p->u.tmem.shm_ref;
	f->regs[i].size = p->u.tmem.size;
	f->regs[i].offset = b->offset;
	f->regs[i].npages = b->npages;
	f->regs[i].pages = malloc(b->npages * sizeof(uint64_t));
	memcpy(f->regs[i].pages, b->pages, b->npages * sizeof(uint64_t));
	f->regs[i].list_buf_ptr = p->u.tmem.buf_ptr;
	free(b);
	arg->ret = TEEC_SUCCESS;
}

static void msg_unregister(struct fake *f, struct optee_msg_arg *arg)
{
	struct fake_reg *r = fake_find_reg(f, arg->params[0].u.rmem.shm_ref);

	if (arg->num_params != 1 || !r) {
		arg->ret = TEEC_ERROR_BAD_PARAMETERS;
		return;
	}
	free(r->pages);
	memset(r, 0, sizeof(*r));
	arg->ret = TEEC_SUCCESS;
}

static void msg_open(struct fake *f, struct optee_msg_arg *arg)
{
	const uint64_t meta = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT | OPTEE_MSG_ATTR_META;

	if (arg->num_params < 2 || arg->params[0].attr != meta ||
	    arg->params[1].attr != meta) {
		arg->ret = TEEC_ERROR_BAD_PARAMETERS;
		arg->ret_origin = TEEC_ORIGIN_TEE;
		return;
	}
	arg->session = ++f->next_session;
	if (memcmp(arg->params[0].u.octets, devenum_uuid, 16) == 0)
		f->devenum_session = arg->session;
	arg->ret = TEEC_SUCCESS;
	arg->ret_origin = TEEC_ORIGIN_TEE;
}

static void get_devices(struct fake *f, struct optee_msg_arg *arg)
{
	struct optee_msg_param *p = &arg->params[0];
	struct fake_buf *b = &f->last_bufs[0];
	uint8_t uuids[32];
	int i;

	arg->ret_origin = TEEC_ORIGIN_TEE;
	if (arg->num_params != 1 || !fake_resolve(f, p, b)) {
		arg->ret = TEEC_ERROR_BAD_PARAMETERS;
		return;
	}
	if (b->null || b->size < sizeof(uuids)) {
		p->u.tmem.size = sizeof(uuids);
		arg->ret = TEEC_ERROR_SHORT_BUFFER;
		return;
	}
	for (i = 0; i < 32; i++)
		uuids[i] = (uint8_t)(0x10 + i);
	fake_buf_write(f, b, 0, uuids, sizeof(uuids));
	p->u.tmem.size = sizeof(uuids);
	arg->ret = TEEC_SUCCESS;
}

static void ta_echo(struct fake *f, struct optee_msg_arg *arg)
{
	uint32_t i;

	arg->ret_origin = TEEC_ORIGIN_TRUSTED_APP;
	arg->ret = TEEC_SUCCESS;
	for (i = 0; i < arg->num_params && i < 4; i++) {
		struct optee_msg_param *p = &arg->params[i];
		uint64_t type = p->attr & OPTEE_MSG_ATTR_TYPE_MASK;
		struct fake_buf *b = &f->last_bufs[i];
		bool in, out;
		size_t j;

		if (type == OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT) {
			p->u.value.a = 0x1111;
			p->u.value.b = 0x2222;
			continue;
		}
		if (type == OPTEE_MSG_ATTR_TYPE_VALUE_INOUT) {
			p->u.value.a += 1;
			p->u.value.b += 2;
			continue;
		}
		if (type < OPTEE_MSG_ATTR_TYPE_RMEM_INPUT)
			continue;
		if (!fake_resolve(f, p, b)) {
			arg->ret = TEEC_ERROR_BAD_PARAMETERS;
			arg->ret_origin = TEEC_ORIGIN_TEE;
			return;
		}
		if (b->null)
			continue;
		in = (type & 3) != 2;
		out = (type & 3) != 1;
		if (in)
			fake_buf_read(f, b, 0, f->last_in[i],
				      b->size < 256 ? (size_t)b->size : 256);
		if (out) {
			for (j = 0; j < b->size; j++) {
				uint8_t v = (uint8_t)(j ^ 0x5a);

				fake_buf_write(f, b, j, &v, 1);
			}
			if (f->echo_out_size)
				p->u.tmem.size = f->echo_out_size;
		}
	}
}

/* --- threads and scripts ---------------------------------------------------- */

static void thread_done(struct fake *f, struct fake_thread *t, uint64_t r[8],
			uint32_t a0)
{
	(void)f;
	t->busy = false;
	t->script = NULL;
	r[0] = a0;
	r[1] = r[2] = r[3] = 0;
}

/* Next script step: an RPC exit, or completion. */
static void script_run(struct fake *f, struct fake_thread *t, uint64_t r[8])
{
	struct fake_script *s = t->script;
	uint64_t tid = (uint64_t)(t - f->thr);
	struct optee_msg_arg *arg = (struct optee_msg_arg *)fake_mem(f, t->arg_ipa);
	const struct fake_step *st;
	struct optee_msg_arg *rpc;
	uint64_t rpc_ipa;

	if (t->step >= s->n) {
		arg->ret = s->ret;
		arg->ret_origin = TEEC_ORIGIN_TRUSTED_APP;
		thread_done(f, t, r, OPTEE_SMC_RETURN_OK);
		return;
	}
	st = &s->steps[t->step];
	r[3] = tid;
	switch (st->kind) {
	case FS_ALLOC:
		r[0] = OPTEE_SMC_RETURN_RPC_ALLOC;
		r[1] = st->size;
		r[2] = 0;
		break;
	case FS_FREE:
		r[0] = OPTEE_SMC_RETURN_RPC_FREE;
		split(st->cookie ? st->cookie : t->step_alloc_cookie, &r[1], &r[2]);
		break;
	case FS_FINTR:
		r[0] = OPTEE_SMC_RETURN_RPC_FOREIGN_INTR;
		r[1] = r[2] = 0;
		break;
	case FS_CMD:
		rpc_ipa = t->rpc_ipa ? t->rpc_ipa : t->cache_ipa;
		if (!rpc_ipa) {
			/* Ask for an RPC argument buffer first (ABI 2.3). */
			t->awaiting_alloc = true;
			r[0] = OPTEE_SMC_RETURN_RPC_ALLOC;
			r[1] = OPTEE_MSG_GET_ARG_SIZE(4);
			r[2] = 0;
			return;
		}
		rpc = (struct optee_msg_arg *)fake_mem(f, rpc_ipa);
		memset(rpc, 0, OPTEE_MSG_GET_ARG_SIZE(4));
		rpc->cmd = st->cmd;
		rpc->num_params = st->nparams;
		rpc->ret = TEEC_ERROR_GENERIC;
		memcpy(rpc->params, st->params, sizeof(st->params[0]) * st->nparams);
		if (st->prep)
			st->prep(f, t->step, rpc);
		r[0] = OPTEE_SMC_RETURN_RPC_CMD;
		if (t->rpc_ipa)
			r[1] = r[2] = 0;
		else
			split(t->cache_cookie, &r[1], &r[2]);
		break;
	}
	t->in_flight = true;
	memcpy(s->log[t->step].exit, r, 8 * sizeof(uint64_t));
}

static void script_resume(struct fake *f, struct fake_thread *t, uint64_t r[8])
{
	struct fake_script *s = t->script;

	if (t->awaiting_alloc) {
		t->awaiting_alloc = false;
		t->cache_ipa = pair(r[1], r[2]);
		t->cache_cookie = pair(r[4], r[5]);
		if (!t->cache_ipa || (t->cache_ipa & (PAGE - 1))) {
			struct optee_msg_arg *arg =
				(struct optee_msg_arg *)fake_mem(f, t->arg_ipa);

			t->cache_ipa = t->cache_cookie = 0;
			arg->ret = TEEC_ERROR_OUT_OF_MEMORY;
			thread_done(f, t, r, OPTEE_SMC_RETURN_OK);
			return;
		}
	} else if (t->in_flight) {
		struct fake_step_log *l = &s->log[t->step];
		const struct fake_step *st = &s->steps[t->step];
		uint64_t rpc_ipa = t->rpc_ipa ? t->rpc_ipa : t->cache_ipa;

		memcpy(l->resume, r, sizeof(l->resume));
		if (st->kind == FS_CMD)
			memcpy(l->arg, fake_mem(f, rpc_ipa), sizeof(l->arg));
		if (st->kind == FS_ALLOC)
			t->step_alloc_cookie = pair(r[4], r[5]);
		t->in_flight = false;
		t->step++;
	}
	script_run(f, t, r);
}

static void msg_invoke(struct fake *f, struct fake_thread *t,
		       struct optee_msg_arg *arg, uint64_t r[8])
{
	if (arg->session == f->devenum_session) {
		get_devices(f, arg);
	} else if (arg->func == F_ECHO) {
		ta_echo(f, arg);
	} else if (arg->func == F_SCRIPT || arg->func == F_SCRIPT2) {
		t->script = &f->scripts[arg->func == F_SCRIPT ? 0 : 1];
		t->step = 0;
		script_run(f, t, r);
		return;
	} else if (arg->func == F_EBADCMD) {
		thread_done(f, t, r, OPTEE_SMC_RETURN_EBADCMD);
		return;
	} else if (arg->func == F_SHORT) {
		arg->params[0].u.tmem.size = 77;
		arg->ret = TEEC_ERROR_SHORT_BUFFER;
		arg->ret_origin = TEEC_ORIGIN_TRUSTED_APP;
	} else {
		arg->ret = TEEC_ERROR_NOT_SUPPORTED;
	}
	thread_done(f, t, r, OPTEE_SMC_RETURN_OK);
}

/* Where the call's argument is (ABI 1.3); 0 for a bad address. */
static uint64_t locate_arg(struct fake *f, const uint64_t r[8], uint64_t *rpc)
{
	uint32_t fid = (uint32_t)r[0];
	uint64_t ipa;
	struct optee_msg_arg *arg;

	*rpc = 0;
	if (fid == OPTEE_SMC_CALL_WITH_REGD_ARG) {
		struct fake_reg *reg = fake_find_reg(f, pair(r[1], r[2]));
		uint64_t pos;

		if (!reg || r[3] + OPTEE_MSG_GET_ARG_SIZE(0) > reg->size)
			return 0;
		pos = reg->offset + r[3];
		ipa = reg->pages[pos / PAGE] + pos % PAGE;
	} else {
		ipa = pair(r[1], r[2]);
		if (ipa & (PAGE - 1))
			return 0; /* dynamic SHM: 4 KiB aligned */
	}
	arg = (struct optee_msg_arg *)fake_mem(f, ipa);
	if (!arg || arg->num_params > 6 ||
	    (ipa % PAGE) + OPTEE_MSG_GET_ARG_SIZE(arg->num_params) > PAGE)
		return 0;
	if (fid != OPTEE_SMC_CALL_WITH_ARG) {
		*rpc = ipa + OPTEE_MSG_GET_ARG_SIZE(arg->num_params);
		if ((ipa % PAGE) + OPTEE_MSG_GET_ARG_SIZE(arg->num_params) +
		    OPTEE_MSG_GET_ARG_SIZE(4) > PAGE)
			return 0;
	}
	return ipa;
}

static void std_entry(struct fake *f, uint64_t r[8])
{
	struct fake_thread *t = NULL;
	struct optee_msg_arg *arg;
	uint64_t ipa, rpc;
	uint32_t i;

	if (r[4] || r[5] || r[6] || r[7])
		f->nonzero_a4_a7_first++;
	if (f->ethread_answers && !f->reissued_same &&
	    memcmp(r, f->ethread_regs, sizeof(f->ethread_regs)) == 0)
		f->reissued_same = true;
	for (i = 0; i < f->nthreads && i < FAKE_MAX_THREADS; i++) {
		if (!f->thr[i].busy) {
			t = &f->thr[i];
			break;
		}
	}
	if (!t) {
		if (!f->ethread_answers++)
			memcpy(f->ethread_regs, r, sizeof(f->ethread_regs));
		r[0] = OPTEE_SMC_RETURN_ETHREAD_LIMIT;
		return;
	}
	ipa = locate_arg(f, r, &rpc);
	if (!ipa) {
		r[0] = OPTEE_SMC_RETURN_EBADADDR;
		return;
	}
	t->busy = true;
	t->arg_ipa = ipa;
	t->rpc_ipa = rpc;
	t->in_flight = t->awaiting_alloc = false;
	arg = (struct optee_msg_arg *)fake_mem(f, ipa);
	f->last_fid = (uint32_t)r[0];
	memcpy(f->last_arg, arg, OPTEE_MSG_GET_ARG_SIZE(arg->num_params));
	switch (arg->cmd) {
	case OPTEE_MSG_CMD_REGISTER_SHM:
		msg_register(f, arg);
		break;
	case OPTEE_MSG_CMD_UNREGISTER_SHM:
		msg_unregister(f, arg);
		break;
	case OPTEE_MSG_CMD_OPEN_SESSION:
		msg_open(f, arg);
		break;
	case OPTEE_MSG_CMD_CLOSE_SESSION:
		f->close_count++;
		/* fall through */
	case OPTEE_MSG_CMD_CANCEL:
		arg->ret = arg->num_params ? TEEC_ERROR_BAD_PARAMETERS : TEEC_SUCCESS;
		break;
	case OPTEE_MSG_CMD_INVOKE_COMMAND:
		msg_invoke(f, t, arg, r);
		return;
	default:
		thread_done(f, t, r, OPTEE_SMC_RETURN_EBADCMD);
		return;
	}
	thread_done(f, t, r, OPTEE_SMC_RETURN_OK);
}

static void std_resume(struct fake *f, uint64_t r[8])
{
	uint64_t tid = r[3];
	struct fake_thread *t;

	if (tid >= f->nthreads || !f->thr[tid].busy || !f->thr[tid].script) {
		r[0] = OPTEE_SMC_RETURN_ERESUME;
		return;
	}
	t = &f->thr[tid];
	script_resume(f, t, r);
}

static void fast_disable_cache(struct fake *f, uint64_t r[8])
{
	uint32_t i;

	f->disable_calls++;
	if (f->disable_busy > 0) {
		f->disable_busy--;
		r[0] = OPTEE_SMC_RETURN_EBUSY;
		return;
	}
	if (f->ndisable > 0) {
		split(f->disable_cookies[--f->ndisable], &r[1], &r[2]);
		r[0] = OPTEE_SMC_RETURN_OK;
		return;
	}
	for (i = 0; i < f->nthreads && i < FAKE_MAX_THREADS; i++) {
		struct fake_thread *t = &f->thr[i];

		if (!t->busy && t->cache_cookie) {
			split(t->cache_cookie, &r[1], &r[2]);
			t->cache_cookie = t->cache_ipa = 0;
			r[0] = OPTEE_SMC_RETURN_OK;
			return;
		}
	}
	r[0] = OPTEE_SMC_RETURN_ENOTAVAIL;
}

void fake_smc(void *ctx, uint64_t r[8])
{
	struct fake *f = ctx;
	uint32_t fid = (uint32_t)r[0];

	pthread_mutex_lock(&f->mu);
	if (f->nsmc < FAKE_MAX_SMCS)
		f->fids[f->nsmc] = fid;
	f->nsmc++;
	if (r[7])
		f->nonzero_a7++;
	switch (fid) {
	case OPTEE_SMC_CALLS_UID:
		r[0] = f->bad_uid ? 0x12345678u : OPTEE_MSG_UID_0;
		r[1] = OPTEE_MSG_UID_1;
		r[2] = OPTEE_MSG_UID_2;
		r[3] = OPTEE_MSG_UID_3;
		break;
	case OPTEE_SMC_CALL_GET_OS_REVISION:
		r[0] = 4;
		r[1] = 10;
		r[2] = 0xabcdef;
		break;
	case OPTEE_SMC_CALLS_REVISION:
		r[0] = f->api_major;
		r[1] = 0;
		break;
	case OPTEE_SMC_GET_THREAD_COUNT:
		if (f->thread_count < 0) {
			r[0] = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
		} else {
			r[0] = OPTEE_SMC_RETURN_OK;
			r[1] = (uint64_t)f->thread_count;
		}
		break;
	case OPTEE_SMC_EXCHANGE_CAPABILITIES:
		if (r[1] & ~(uint64_t)OPTEE_SMC_NSEC_CAP_UNIPROCESSOR) {
			r[0] = OPTEE_SMC_RETURN_ENOTAVAIL;
			break;
		}
		f->exch_a1 = r[1];
		r[0] = f->exch_status;
		r[1] = f->caps;
		r[2] = 0;
		r[3] = f->rpc_params;
		break;
	case OPTEE_SMC_DISABLE_SHM_CACHE:
		fast_disable_cache(f, r);
		break;
	case OPTEE_SMC_ENABLE_SHM_CACHE:
		f->enable_calls++;
		r[0] = OPTEE_SMC_RETURN_OK;
		break;
	case OPTEE_SMC_CALL_WITH_ARG:
	case OPTEE_SMC_CALL_WITH_RPC_ARG:
	case OPTEE_SMC_CALL_WITH_REGD_ARG:
		std_entry(f, r);
		break;
	case OPTEE_SMC_CALL_RETURN_FROM_RPC:
		std_resume(f, r);
		break;
	default:
		r[0] = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
		break;
	}
	pthread_mutex_unlock(&f->mu);
}
