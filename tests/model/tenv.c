// SPDX-License-Identifier: BSD-2-Clause
/*
 * Flat-memory env for the model, and a small normal world: page
 * allocator, SMC loop answering RPC ALLOC/FREE/FOREIGN_INTR/CMD, and the
 * kernel/supplicant side of the RPC commands (GET_TIME, SUSPEND,
 * NOTIFICATION, SHM_ALLOC/FREE, FS with an in-memory file table).
 */
#include "tenv.h"

#include <stdlib.h>

unsigned tests_passed, tests_failed;

#define RPCARG_COOKIE_XOR UINT64_C(0xC0DE000000000000)
#define SHM_COOKIE_BASE   UINT64_C(0x5A5A000000000000)
#define MAX_SHM 32

struct nw_shm {
	bool used;
	uint64_t cookie;
	uint64_t *pages;
	size_t n;
	uint64_t list;
};

static struct nw_shm shms[MAX_SHM];
static uint64_t shm_seq;

static bool in_ram(uint64_t pa, size_t len)
{
	return pa >= RAM_BASE && len <= RAM_SIZE && pa - RAM_BASE <= RAM_SIZE - len;
}

static void note_client(struct tenv *e, uint16_t client)
{
	if (client < 32)
		e->clients_seen |= 1u << client;
}

static int env_read(void *ctx, uint16_t client, uint64_t pa, void *dst, size_t len)
{
	struct tenv *e = ctx;

	note_client(e, client);
	if (!in_ram(pa, len)) {
		e->bad_accesses++;
		return -1;
	}
	memcpy(dst, e->ram + (pa - RAM_BASE), len);
	return 0;
}

static int env_write(void *ctx, uint16_t client, uint64_t pa, const void *src, size_t len)
{
	struct tenv *e = ctx;

	note_client(e, client);
	if (!in_ram(pa, len)) {
		e->bad_accesses++;
		return -1;
	}
	memcpy(e->ram + (pa - RAM_BASE), src, len);
	return 0;
}

static int env_is_nsec(void *ctx, uint64_t pa, size_t len)
{
	(void)ctx;
	return in_ram(pa, len);
}

static void *env_alloc(void *ctx, size_t size)
{
	struct tenv *e = ctx;
	void *p = calloc(1, size);

	if (p) {
		e->live_allocs++;
		e->live_bytes += size;
	}
	return p;
}

static void env_free(void *ctx, void *ptr, size_t size)
{
	struct tenv *e = ctx;

	if (!ptr)
		return;
	e->live_allocs--;
	e->live_bytes -= size;
	free(ptr);
}

static void env_lock(void *ctx)
{
	(void)ctx;
}

static uint64_t env_time(void *ctx)
{
	struct tenv *e = ctx;

	return e->time_ns += 1000;
}

static void env_irq(void *ctx)
{
	struct tenv *e = ctx;

	e->notif_irqs++;
}

void tenv_init(struct tenv *e, const struct optee_model_config *cfg)
{
	int rc = 0;
	size_t i = 0;

	memset(e, 0, sizeof(*e));
	memset(shms, 0, sizeof(shms));
	e->ram = calloc(1, RAM_SIZE);
	e->next_page = RAM_BASE;
	e->env.ctx = e;
	e->env.read = env_read;
	e->env.write = env_write;
	e->env.is_nsec_ram = env_is_nsec;
	e->env.alloc = env_alloc;
	e->env.free = env_free;
	e->env.lock = env_lock;
	e->env.unlock = env_lock;
	e->env.time_ns = env_time;
	e->env.raise_notif_irq = env_irq;
	for (i = 0; i < MAX_FDS; i++)
		e->fds[i] = -1;
	rc = optee_model_init(&e->env, cfg, &e->m);
	if (rc) {
		printf("optee_model_init failed\n");
		exit(2);
	}
}

void tenv_fini(struct tenv *e)
{
	size_t i = 0;

	optee_model_fini(e->m);
	/* Every model allocation must be back. */
	CHECK_EQ(e->live_allocs, 0);
	CHECK_EQ(e->live_bytes, 0);
	CHECK_EQ(e->bad_accesses, 0);
	for (i = 0; i < MAX_SHM; i++)
		free(shms[i].pages);
	memset(shms, 0, sizeof(shms));
	free(e->ram);
}

uint64_t page_alloc(struct tenv *e)
{
	uint64_t pa = 0;

	if (e->nfree) {
		pa = e->free_pages[--e->nfree];
	} else {
		pa = e->next_page;
		e->next_page += PAGE;
		if (e->next_page > RAM_BASE + RAM_SIZE) {
			printf("test RAM exhausted\n");
			exit(2);
		}
	}
	memset(pa_ptr(e, pa), 0, PAGE);
	return pa;
}

uint64_t pages_alloc_contig(struct tenv *e, size_t n)
{
	uint64_t pa = e->next_page;

	if (e->next_page + n * PAGE > RAM_BASE + RAM_SIZE) {
		printf("test RAM exhausted\n");
		exit(2);
	}
	e->next_page += n * PAGE;
	memset(pa_ptr(e, pa), 0, n * PAGE);
	return pa;
}

void page_free(struct tenv *e, uint64_t pa)
{
	if (e->nfree < sizeof(e->free_pages) / sizeof(e->free_pages[0]))
		e->free_pages[e->nfree++] = pa;
}

void *pa_ptr(struct tenv *e, uint64_t pa)
{
	return e->ram + (pa - RAM_BASE);
}

void smc(struct tenv *e, uint64_t r[8])
{
	optee_model_smc(e->m, r);
}

uint64_t make_pagelist(struct tenv *e, const uint64_t *pages, size_t npages, uint32_t offset)
{
	size_t nlist = (npages + 510) / 511, i = 0;
	uint64_t first = 0, cur = 0;
	uint64_t *slots = NULL;

	if (!nlist)
		nlist = 1;
	for (i = 0; i < npages || (i == 0 && !npages); i++) {
		if (i % 511 == 0) {
			uint64_t next = page_alloc(e);

			if (!first)
				first = next;
			else
				slots[511] = next;
			cur = next;
			slots = pa_ptr(e, cur);
		}
		if (i < npages)
			slots[i % 511] = pages[i];
	}
	return first | offset;
}

/* ---- RPC handling of the normal world ---- */

static struct nw_shm *shm_by_cookie(uint64_t cookie)
{
	size_t i = 0;

	for (i = 0; i < MAX_SHM; i++)
		if (shms[i].used && shms[i].cookie == cookie)
			return &shms[i];
	return NULL;
}

static int shm_rw(struct tenv *e, uint64_t cookie, uint64_t offs, void *buf, size_t len,
		  bool write)
{
	struct nw_shm *s = shm_by_cookie(cookie);
	uint8_t *b = buf;

	if (!s || offs + len > s->n * PAGE)
		return -1;
	while (len) {
		size_t in = (size_t)(offs % PAGE), chunk = PAGE - in;
		uint8_t *p = (uint8_t *)pa_ptr(e, s->pages[offs / PAGE]) + in;

		if (chunk > len)
			chunk = len;
		if (write)
			memcpy(p, b, chunk);
		else
			memcpy(b, p, chunk);
		b += chunk;
		offs += chunk;
		len -= chunk;
	}
	return 0;
}

static void rpc_shm_alloc(struct tenv *e, struct optee_msg_arg *a)
{
	struct optee_msg_param *p = &a->params[0];
	uint64_t size = p->u.value.b;
	size_t n = (size_t)((size + PAGE - 1) / PAGE), i = 0, slot = 0;
	struct nw_shm *s = NULL;

	if (!n)
		n = 1;
	for (slot = 0; slot < MAX_SHM && shms[slot].used; slot++)
		;
	if (a->num_params != 1 || p->attr != OPTEE_MSG_ATTR_TYPE_VALUE_INPUT || slot == MAX_SHM) {
		a->ret = TEEC_ERROR_BAD_PARAMETERS;
		return;
	}
	s = &shms[slot];
	s->used = true;
	s->cookie = SHM_COOKIE_BASE | ++shm_seq;
	s->n = n;
	s->pages = calloc(n, sizeof(uint64_t));
	for (i = 0; i < n; i++)
		s->pages[i] = page_alloc(e);
	s->list = make_pagelist(e, s->pages, n, 0);
	e->shm_live++;
	p->attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	p->u.tmem.buf_ptr = s->list;
	p->u.tmem.size = n * PAGE;
	p->u.tmem.shm_ref = s->cookie;
	a->ret = TEEC_SUCCESS;
	switch (e->shm_mode) {
	case 1: /* wrong attr: refused, no SHM_FREE */
		p->attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
		break;
	case 2: /* smaller than asked: refused */
		p->u.tmem.size = size - 1;
		break;
	case 3: /* list entry misaligned: object cannot be built -> SHM_FREE */
		((uint64_t *)pa_ptr(e, s->list))[0] |= 0x10;
		break;
	case 4: /* contiguous, one page */
		p->attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT;
		p->u.tmem.buf_ptr = s->pages[0];
		p->u.tmem.size = PAGE;
		break;
	default:
		break;
	}
}

static void rpc_shm_free(struct tenv *e, struct optee_msg_arg *a)
{
	struct nw_shm *s = shm_by_cookie(a->params[0].u.value.b);
	size_t i = 0;

	e->last_shm_free_cookie = a->params[0].u.value.b;
	if (!s) {
		a->ret = TEEC_ERROR_BAD_PARAMETERS;
		return;
	}
	for (i = 0; i < s->n; i++)
		page_free(e, s->pages[i]);
	free(s->pages);
	s->pages = NULL;
	s->used = false;
	e->shm_live--;
	a->ret = TEEC_SUCCESS;
}

static struct tfile *file_find(struct tenv *e, const char *path)
{
	size_t i = 0;

	for (i = 0; i < MAX_FILES; i++)
		if (e->files[i].used && !strcmp(e->files[i].path, path))
			return &e->files[i];
	return NULL;
}

static void rpc_fs(struct tenv *e, struct optee_msg_arg *a)
{
	struct optee_msg_param *p = a->params;
	char path[64] = "";
	struct tfile *f = NULL;
	uint64_t fd = p[0].u.value.b;
	size_t i = 0;

	a->ret = TEEC_SUCCESS;
	if (p[0].u.value.a == OPTEE_RPC_FS_OPEN || p[0].u.value.a == OPTEE_RPC_FS_CREATE ||
	    p[0].u.value.a == OPTEE_RPC_FS_REMOVE) {
		if (p[1].attr != OPTEE_MSG_ATTR_TYPE_RMEM_INPUT || p[1].u.rmem.size > sizeof(path) ||
		    shm_rw(e, p[1].u.rmem.shm_ref, p[1].u.rmem.offs, path, p[1].u.rmem.size, false)) {
			a->ret = TEEC_ERROR_BAD_PARAMETERS;
			return;
		}
		path[sizeof(path) - 1] = 0;
		f = file_find(e, path);
	}
	switch (p[0].u.value.a) {
	case OPTEE_RPC_FS_CREATE:
		if (!f) {
			for (i = 0; i < MAX_FILES && e->files[i].used; i++)
				;
			f = &e->files[i];
			f->used = true;
			strcpy(f->path, path);
		}
		f->len = 0;
		/* fallthrough */
	case OPTEE_RPC_FS_OPEN:
		if (!f) {
			a->ret = TEEC_ERROR_ITEM_NOT_FOUND;
			return;
		}
		for (i = 0; i < MAX_FDS && e->fds[i] >= 0; i++)
			;
		e->fds[i] = (int)(f - e->files);
		p[2].u.value.a = i;
		return;
	case OPTEE_RPC_FS_CLOSE:
		e->fds[fd] = -1;
		return;
	case OPTEE_RPC_FS_READ: {
		uint64_t off = p[0].u.value.c, n = p[1].u.rmem.size;

		f = &e->files[e->fds[fd]];
		if (off >= f->len)
			n = 0;
		else if (n > f->len - off)
			n = f->len - off;
		shm_rw(e, p[1].u.rmem.shm_ref, p[1].u.rmem.offs, f->data + off, n, true);
		p[1].u.rmem.size = n;
		return;
	}
	case OPTEE_RPC_FS_WRITE: {
		uint64_t off = p[0].u.value.c, n = p[1].u.rmem.size;

		f = &e->files[e->fds[fd]];
		if (off + n > sizeof(f->data)) {
			a->ret = TEEC_ERROR_STORAGE_NO_SPACE;
			return;
		}
		shm_rw(e, p[1].u.rmem.shm_ref, p[1].u.rmem.offs, f->data + off, n, false);
		if (off + n > f->len)
			f->len = off + n;
		return;
	}
	case OPTEE_RPC_FS_REMOVE:
		if (!f)
			a->ret = TEEC_ERROR_ITEM_NOT_FOUND;
		else
			f->used = false;
		return;
	default:
		a->ret = TEEC_ERROR_BAD_PARAMETERS;
		return;
	}
}

static void rpc_cmd(struct tenv *e, uint64_t cookie)
{
	uint64_t pa = cookie ? cookie ^ RPCARG_COOKIE_XOR : e->inband_pa;
	struct optee_msg_arg *a = pa_ptr(e, pa);

	e->last_cmd_a1a2 = cookie;
	if (a->cmd < 32)
		e->cmd_count[a->cmd]++;
	switch (a->cmd) {
	case OPTEE_RPC_CMD_GET_TIME:
		a->params[0].u.value.a = 1234;
		a->params[0].u.value.b = 5678;
		a->ret = TEEC_SUCCESS;
		break;
	case OPTEE_RPC_CMD_SUSPEND:
		e->suspend_ms = a->params[0].u.value.a;
		a->ret = TEEC_SUCCESS;
		break;
	case OPTEE_RPC_CMD_NOTIFICATION:
		e->notif_op = a->params[0].u.value.a;
		e->notif_key = a->params[0].u.value.b;
		a->ret = TEEC_SUCCESS;
		break;
	case OPTEE_RPC_CMD_SHM_ALLOC:
		rpc_shm_alloc(e, a);
		break;
	case OPTEE_RPC_CMD_SHM_FREE:
		rpc_shm_free(e, a);
		break;
	case OPTEE_RPC_CMD_FS:
		rpc_fs(e, a);
		break;
	default:
		a->ret = TEEC_ERROR_NOT_SUPPORTED;
		break;
	}
	if (a->ret)
		a->ret_origin = TEEC_ORIGIN_COMMS;
}

uint32_t nw_call(struct tenv *e, uint64_t client, uint32_t fid, uint64_t a1a2, uint32_t a3)
{
	uint64_t r[8] = { fid, a1a2 >> 32, (uint32_t)a1a2, a3, 0, 0, 0, client };

	smc(e, r);
	return nw_loop(e, client, r);
}

uint32_t nw_loop(struct tenv *e, uint64_t client, uint64_t r[8])
{
	while (optee_smc_return_is_rpc((uint32_t)r[0])) {
		uint32_t func = (uint32_t)r[0] & OPTEE_SMC_RPC_FUNC_MASK;
		uint64_t pa = 0, cookie = 0;

		switch (func) {
		case OPTEE_SMC_RPC_FUNC_ALLOC:
			e->rpc_alloc++;
			pa = page_alloc(e);
			cookie = pa ^ RPCARG_COOKIE_XOR;
			e->rpc_arg_live++;
			if (e->alloc_mode == 1)
				pa += 8;
			else if (e->alloc_mode == 2)
				pa = SEC_BASE;
			else if (e->alloc_mode == 3)
				pa = 0;
			r[1] = pa >> 32;
			r[2] = (uint32_t)pa;
			r[4] = cookie >> 32;
			r[5] = (uint32_t)cookie;
			break;
		case OPTEE_SMC_RPC_FUNC_FREE:
			e->rpc_free++;
			cookie = ((uint64_t)(uint32_t)r[1] << 32) | (uint32_t)r[2];
			e->last_free_cookie = cookie;
			page_free(e, cookie ^ RPCARG_COOKIE_XOR);
			e->rpc_arg_live--;
			break;
		case OPTEE_SMC_RPC_FUNC_FOREIGN_INTR:
			e->rpc_intr++;
			break;
		case OPTEE_SMC_RPC_FUNC_CMD:
			e->rpc_cmd++;
			rpc_cmd(e, ((uint64_t)(uint32_t)r[1] << 32) | (uint32_t)r[2]);
			break;
		default:
			printf("unknown RPC 0x%x\n", func);
			break;
		}
		r[0] = OPTEE_SMC_CALL_RETURN_FROM_RPC;
		r[7] = client;
		smc(e, r);
	}
	return (uint32_t)r[0];
}

uint32_t call_arg(struct tenv *e, uint16_t client, uint64_t pa)
{
	return nw_call(e, client, OPTEE_SMC_CALL_WITH_ARG, pa, 0);
}

struct optee_msg_arg *arg_at(struct tenv *e, uint64_t pa)
{
	return pa_ptr(e, pa);
}

void arg_reset(struct tenv *e, uint64_t pa, uint32_t cmd, uint32_t num_params)
{
	struct optee_msg_arg *a = arg_at(e, pa);

	memset(a, 0, OPTEE_MSG_GET_ARG_SIZE(num_params));
	a->cmd = cmd;
	a->num_params = num_params;
}

void set_uuid_meta(struct optee_msg_param *p, const struct ta_uuid *u)
{
	uint8_t o[16];
	int i = 0;

	o[0] = (uint8_t)(u->time_low >> 24);
	o[1] = (uint8_t)(u->time_low >> 16);
	o[2] = (uint8_t)(u->time_low >> 8);
	o[3] = (uint8_t)u->time_low;
	o[4] = (uint8_t)(u->time_mid >> 8);
	o[5] = (uint8_t)u->time_mid;
	o[6] = (uint8_t)(u->time_hi_and_version >> 8);
	o[7] = (uint8_t)u->time_hi_and_version;
	memcpy(o + 8, u->clock_seq_and_node, 8);
	p->attr = OPTEE_MSG_ATTR_META | OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	p->u.value.a = 0;
	p->u.value.b = 0;
	for (i = 7; i >= 0; i--) {
		p->u.value.a = (p->u.value.a << 8) | o[i];
		p->u.value.b = (p->u.value.b << 8) | o[8 + i];
	}
}

uint32_t open_session(struct tenv *e, uint16_t client, uint64_t argpa, const struct ta_uuid *u,
		      uint32_t *sess)
{
	struct optee_msg_arg *a = arg_at(e, argpa);
	uint32_t rc = 0;

	arg_reset(e, argpa, OPTEE_MSG_CMD_OPEN_SESSION, 2);
	set_uuid_meta(&a->params[0], u);
	a->params[1].attr = OPTEE_MSG_ATTR_META | OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	a->params[1].u.value.c = TEEC_LOGIN_PUBLIC;
	rc = call_arg(e, client, argpa);
	if (rc)
		return 0xDEAD0000u | rc;
	*sess = a->session;
	return a->ret;
}

uint32_t close_session(struct tenv *e, uint16_t client, uint64_t argpa, uint32_t sess)
{
	struct optee_msg_arg *a = arg_at(e, argpa);
	uint32_t rc = 0;

	arg_reset(e, argpa, OPTEE_MSG_CMD_CLOSE_SESSION, 0);
	a->session = sess;
	rc = call_arg(e, client, argpa);
	return rc ? 0xDEAD0000u | rc : a->ret;
}

uint32_t register_shm(struct tenv *e, uint16_t client, uint64_t argpa, uint64_t buf_ptr,
		      uint64_t size, uint64_t cookie)
{
	struct optee_msg_arg *a = arg_at(e, argpa);
	uint32_t rc = 0;

	arg_reset(e, argpa, OPTEE_MSG_CMD_REGISTER_SHM, 1);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	a->params[0].u.tmem.buf_ptr = buf_ptr;
	a->params[0].u.tmem.size = size;
	a->params[0].u.tmem.shm_ref = cookie;
	rc = call_arg(e, client, argpa);
	return rc ? 0xDEAD0000u | rc : a->ret;
}

uint32_t invoke_fid(struct tenv *e, uint64_t client, uint32_t fid, uint64_t argpa, uint32_t sess,
		    uint32_t func, uint32_t n, struct optee_msg_param *p)
{
	struct optee_msg_arg *a = arg_at(e, argpa);
	uint32_t rc = 0;

	arg_reset(e, argpa, OPTEE_MSG_CMD_INVOKE_COMMAND, n);
	a->session = sess;
	a->func = func;
	memcpy(a->params, p, n * sizeof(*p));
	e->inband_pa = argpa + OPTEE_MSG_GET_ARG_SIZE(n);
	rc = nw_call(e, client, fid, argpa, 0);
	memcpy(p, a->params, n * sizeof(*p));
	e->last_origin = a->ret_origin;
	return rc ? 0xDEAD0000u | rc : a->ret;
}

uint32_t invoke(struct tenv *e, uint64_t client, uint64_t argpa, uint32_t sess, uint32_t func,
		uint32_t n, struct optee_msg_param *p)
{
	return invoke_fid(e, client, OPTEE_SMC_CALL_WITH_ARG, argpa, sess, func, n, p);
}

uint64_t fnv1a(const uint8_t *b, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i = 0;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

int main(void)
{
	test_fast();
	test_calls();
	test_pagelist();
	test_rpc();
	test_tas();
	printf("%u passed, %u failed\n", tests_passed, tests_failed);
	return tests_failed ? 1 : 0;
}
