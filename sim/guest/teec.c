/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The client API (teec.h): GlobalPlatform-style calls mapped onto the guest
 * driver's messages.
 */
#include "guest/teec.h"
#include "guest/gutil.h"

#define TEEC_PAGE_SIZE 4096u

static const struct guest_env *ctx_env(const TEEC_Context *ctx)
{
	return gdrv_env(ctx->drv);
}

static void ctx_lock(const TEEC_Context *ctx)
{
	ctx_env(ctx)->lock(ctx_env(ctx)->ctx, ctx->lock);
}

static void ctx_unlock(const TEEC_Context *ctx)
{
	ctx_env(ctx)->unlock(ctx_env(ctx)->ctx, ctx->lock);
}

static TEEC_Result from_gdrv(int rc)
{
	switch (rc) {
	case GDRV_OK:
		return TEEC_SUCCESS;
	case GDRV_ENOMEM:
		return TEEC_ERROR_OUT_OF_MEMORY;
	case GDRV_ECOMM:
		return TEEC_ERROR_COMMUNICATION;
	case GDRV_ENOTSUP:
		return TEEC_ERROR_NOT_SUPPORTED;
	default:
		return TEEC_ERROR_BAD_PARAMETERS;
	}
}

static void set_origin(uint32_t *origin, uint32_t value)
{
	if (origin)
		*origin = value;
}

void teec_uuid_octets(const TEEC_UUID *uuid, uint8_t out[16])
{
	out[0] = (uint8_t)(uuid->timeLow >> 24);
	out[1] = (uint8_t)(uuid->timeLow >> 16);
	out[2] = (uint8_t)(uuid->timeLow >> 8);
	out[3] = (uint8_t)uuid->timeLow;
	out[4] = (uint8_t)(uuid->timeMid >> 8);
	out[5] = (uint8_t)uuid->timeMid;
	out[6] = (uint8_t)(uuid->timeHiAndVersion >> 8);
	out[7] = (uint8_t)uuid->timeHiAndVersion;
	gmemcpy(out + 8, uuid->clockSeqAndNode, 8);
}

TEEC_Result TEEC_InitializeContext(struct gdrv *drv, TEEC_Context *context)
{
	const struct guest_env *env;

	if (!drv || !context || !gdrv_is_probed(drv))
		return TEEC_ERROR_BAD_PARAMETERS;
	env = gdrv_env(drv);
	gmemset(context, 0, sizeof(*context));
	context->drv = drv;
	context->lock = env->lock_create(env->ctx);
	if (!context->lock)
		return TEEC_ERROR_OUT_OF_MEMORY;
	context->next_cancel_id = 1;
	return TEEC_SUCCESS;
}

static void session_unlink(TEEC_Context *ctx, TEEC_Session *s)
{
	TEEC_Session **pp;

	ctx_lock(ctx);
	for (pp = &ctx->sessions; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	ctx_unlock(ctx);
	s->next = NULL;
}

void TEEC_FinalizeContext(TEEC_Context *context)
{
	TEEC_Session *s;

	if (!context || !context->drv)
		return;
	for (;;) {
		ctx_lock(context);
		s = context->sessions;
		ctx_unlock(context);
		if (!s)
			break;
		TEEC_CloseSession(s);
	}
	ctx_env(context)->lock_destroy(ctx_env(context)->ctx, context->lock);
	gmemset(context, 0, sizeof(*context));
}

/* Encode one GP parameter into the driver's form. */
static TEEC_Result encode(const TEEC_Parameter *gp, uint32_t type,
			  struct gdrv_param *p)
{
	const TEEC_RegisteredMemoryReference *mr = &gp->memref;
	const TEEC_TempMemoryReference *t = &gp->tmpref;
	uint32_t need = 0;

	gmemset(p, 0, sizeof(*p));
	switch (type) {
	case TEEC_NONE:
		p->type = GDRV_PARAM_NONE;
		return TEEC_SUCCESS;
	case TEEC_VALUE_INPUT:
	case TEEC_VALUE_OUTPUT:
	case TEEC_VALUE_INOUT:
		p->type = type; /* same numbering */
		p->u.value.a = gp->value.a;
		p->u.value.b = gp->value.b;
		return TEEC_SUCCESS;
	case TEEC_MEMREF_TEMP_INPUT:
	case TEEC_MEMREF_TEMP_OUTPUT:
	case TEEC_MEMREF_TEMP_INOUT:
		p->type = GDRV_PARAM_MEMREF_IN + (type - TEEC_MEMREF_TEMP_INPUT);
		p->u.mem.size = t->size;
		if (t->pages) {
			p->u.mem.kind = GDRV_MEM_PAGES;
			p->u.mem.pages = t->pages;
			p->u.mem.npages = t->npages;
			p->u.mem.page_offset = t->page_offset;
		} else if (t->buffer) {
			p->u.mem.kind = GDRV_MEM_RANGE;
			p->u.mem.ipa = t->buffer;
		} else {
			p->u.mem.kind = GDRV_MEM_NULL;
		}
		return TEEC_SUCCESS;
	case TEEC_MEMREF_WHOLE:
		if (!mr->parent || !mr->parent->imp)
			return TEEC_ERROR_BAD_PARAMETERS;
		need = mr->parent->flags & (TEEC_MEM_INPUT | TEEC_MEM_OUTPUT);
		if (!need)
			return TEEC_ERROR_BAD_PARAMETERS;
		p->type = need == TEEC_MEM_INPUT    ? GDRV_PARAM_MEMREF_IN
			  : need == TEEC_MEM_OUTPUT ? GDRV_PARAM_MEMREF_OUT
						    : GDRV_PARAM_MEMREF_INOUT;
		p->u.mem.kind = GDRV_MEM_SHM;
		p->u.mem.shm = mr->parent->imp;
		p->u.mem.size = mr->parent->size;
		return TEEC_SUCCESS;
	case TEEC_MEMREF_PARTIAL_INPUT:
	case TEEC_MEMREF_PARTIAL_OUTPUT:
	case TEEC_MEMREF_PARTIAL_INOUT:
		if (!mr->parent || !mr->parent->imp)
			return TEEC_ERROR_BAD_PARAMETERS;
		need = type - TEEC_MEMREF_PARTIAL_INPUT + 1; /* 1 in, 2 out, 3 both */
		if ((mr->parent->flags & need) != need ||
		    mr->offset > mr->parent->size ||
		    mr->size > mr->parent->size - mr->offset)
			return TEEC_ERROR_BAD_PARAMETERS;
		p->type = GDRV_PARAM_MEMREF_IN + (type - TEEC_MEMREF_PARTIAL_INPUT);
		p->u.mem.kind = GDRV_MEM_SHM;
		p->u.mem.shm = mr->parent->imp;
		p->u.mem.offs = mr->offset;
		p->u.mem.size = mr->size;
		return TEEC_SUCCESS;
	default:
		return TEEC_ERROR_BAD_PARAMETERS;
	}
}

static void decode(TEEC_Parameter *gp, uint32_t type, const struct gdrv_param *p)
{
	switch (type) {
	case TEEC_VALUE_OUTPUT:
	case TEEC_VALUE_INOUT:
		gp->value.a = p->u.value.a;
		gp->value.b = p->u.value.b;
		break;
	case TEEC_MEMREF_TEMP_OUTPUT:
	case TEEC_MEMREF_TEMP_INOUT:
		gp->tmpref.size = (size_t)p->u.mem.size;
		break;
	case TEEC_MEMREF_WHOLE:
	case TEEC_MEMREF_PARTIAL_OUTPUT:
	case TEEC_MEMREF_PARTIAL_INOUT:
		if (p->type != GDRV_PARAM_MEMREF_IN)
			gp->memref.size = (size_t)p->u.mem.size;
		break;
	default:
		break;
	}
}

static TEEC_Result encode_op(const TEEC_Operation *op,
			     struct gdrv_param params[4])
{
	size_t i;

	gmemset(params, 0, 4 * sizeof(*params));
	if (!op)
		return TEEC_SUCCESS;
	for (i = 0; i < 4; i++) {
		TEEC_Result r = encode(&op->params[i],
				       TEEC_PARAM_TYPE_GET(op->paramTypes, i),
				       &params[i]);

		if (r != TEEC_SUCCESS)
			return r;
	}
	return TEEC_SUCCESS;
}

static void decode_op(TEEC_Operation *op, const struct gdrv_param params[4])
{
	size_t i;

	if (!op)
		return;
	for (i = 0; i < 4; i++)
		decode(&op->params[i], TEEC_PARAM_TYPE_GET(op->paramTypes, i),
		       &params[i]);
}

static uint32_t take_cancel_id(TEEC_Context *ctx)
{
	uint32_t id;

	ctx_lock(ctx);
	id = ctx->next_cancel_id++;
	if (!ctx->next_cancel_id)
		ctx->next_cancel_id = 1;
	ctx_unlock(ctx);
	return id;
}

/*
 * Params to send: all four when there is an operation, NONE included, as
 * libteec sends TEEC_CONFIG_PAYLOAD_REF_COUNT params; none without one.
 */
static size_t used_params(const TEEC_Operation *op)
{
	return op ? 4 : 0;
}

TEEC_Result TEEC_OpenSession(TEEC_Context *context, TEEC_Session *session,
			     const TEEC_UUID *destination,
			     uint32_t connectionMethod,
			     const void *connectionData,
			     TEEC_Operation *operation, uint32_t *returnOrigin)
{
	struct gdrv_param params[4];
	struct gdrv_result res;
	uint8_t uuid[16];
	TEEC_Result r;
	uint32_t cancel_id;
	int rc;

	set_origin(returnOrigin, TEEC_ORIGIN_API);
	if (!context || !context->drv || !session || !destination)
		return TEEC_ERROR_BAD_PARAMETERS;
	r = encode_op(operation, params);
	if (r != TEEC_SUCCESS)
		return r;
	teec_uuid_octets(destination, uuid);
	cancel_id = take_cancel_id(context);
	if (operation) {
		operation->session = NULL; /* no session to cancel on yet */
		operation->cancel_id = cancel_id;
		operation->started = 1;
	}
	rc = gdrv_open_session(context->drv, uuid, connectionMethod,
			       connectionMethod == TEEC_LOGIN_PUBLIC ? NULL
								     : connectionData,
			       cancel_id, params, used_params(operation), &res);
	if (rc)
		return from_gdrv(rc);
	decode_op(operation, params);
	set_origin(returnOrigin, res.origin);
	if (res.ret != TEEC_SUCCESS)
		return res.ret;
	session->ctx = context;
	session->session_id = res.session;
	ctx_lock(context);
	session->next = context->sessions;
	context->sessions = session;
	ctx_unlock(context);
	return TEEC_SUCCESS;
}

void TEEC_CloseSession(TEEC_Session *session)
{
	struct gdrv_result res;

	if (!session || !session->ctx)
		return;
	session_unlink(session->ctx, session);
	(void)gdrv_close_session(session->ctx->drv, session->session_id, &res);
	session->ctx = NULL;
}

TEEC_Result TEEC_InvokeCommand(TEEC_Session *session, uint32_t commandID,
			       TEEC_Operation *operation, uint32_t *returnOrigin)
{
	struct gdrv_param params[4];
	struct gdrv_result res;
	uint32_t cancel_id;
	TEEC_Result r;
	int rc;

	set_origin(returnOrigin, TEEC_ORIGIN_API);
	if (!session || !session->ctx)
		return TEEC_ERROR_BAD_PARAMETERS;
	r = encode_op(operation, params);
	if (r != TEEC_SUCCESS)
		return r;
	cancel_id = take_cancel_id(session->ctx);
	if (operation) {
		operation->session = session;
		operation->cancel_id = cancel_id;
		operation->started = 1;
	}
	rc = gdrv_invoke(session->ctx->drv, session->session_id, commandID,
			 cancel_id, params, used_params(operation), &res);
	if (rc)
		return from_gdrv(rc);
	decode_op(operation, params);
	set_origin(returnOrigin, res.origin);
	return res.ret;
}

void TEEC_RequestCancellation(TEEC_Operation *operation)
{
	struct gdrv_result res;
	TEEC_Session *s;

	if (!operation || !operation->started || !operation->session)
		return;
	s = operation->session;
	if (s->ctx)
		(void)gdrv_cancel(s->ctx->drv, s->session_id, operation->cancel_id,
				  &res);
}

TEEC_Result TEEC_RegisterSharedMemory(TEEC_Context *context,
				      TEEC_SharedMemory *sharedMem)
{
	int rc;

	if (!context || !context->drv || !sharedMem || !sharedMem->size ||
	    (sharedMem->flags & ~(TEEC_MEM_INPUT | TEEC_MEM_OUTPUT)))
		return TEEC_ERROR_BAD_PARAMETERS;
	rc = gdrv_shm_register_range(context->drv, sharedMem->buffer,
				     sharedMem->size, &sharedMem->imp);
	if (rc) {
		sharedMem->imp = NULL;
		return from_gdrv(rc);
	}
	sharedMem->ctx = context;
	return TEEC_SUCCESS;
}

TEEC_Result teec_allocate_shared_memory_policy(TEEC_Context *context,
					       TEEC_SharedMemory *sharedMem,
					       unsigned int policy)
{
	int rc;

	if (!context || !context->drv || !sharedMem || !sharedMem->size ||
	    (sharedMem->flags & ~(TEEC_MEM_INPUT | TEEC_MEM_OUTPUT)))
		return TEEC_ERROR_BAD_PARAMETERS;
	rc = gdrv_shm_alloc(context->drv, sharedMem->size, policy, true,
			    &sharedMem->imp);
	if (rc) {
		sharedMem->imp = NULL;
		return from_gdrv(rc);
	}
	sharedMem->buffer = gdrv_shm_ipa(sharedMem->imp);
	sharedMem->ctx = context;
	return TEEC_SUCCESS;
}

TEEC_Result TEEC_AllocateSharedMemory(TEEC_Context *context,
				      TEEC_SharedMemory *sharedMem)
{
	return teec_allocate_shared_memory_policy(context, sharedMem,
						  GDRV_PAGES_ANY);
}

void TEEC_ReleaseSharedMemory(TEEC_SharedMemory *sharedMem)
{
	if (!sharedMem || !sharedMem->imp || !sharedMem->ctx)
		return;
	gdrv_shm_free(sharedMem->ctx->drv, sharedMem->imp);
	sharedMem->imp = NULL;
	sharedMem->ctx = NULL;
}

TEEC_Result teec_shm_write(TEEC_SharedMemory *sharedMem, size_t offset,
			   const void *src, size_t len)
{
	if (!sharedMem || !sharedMem->imp)
		return TEEC_ERROR_BAD_PARAMETERS;
	return from_gdrv(gdrv_shm_write(sharedMem->ctx->drv, sharedMem->imp,
					offset, src, len));
}

TEEC_Result teec_shm_read(TEEC_SharedMemory *sharedMem, size_t offset,
			  void *dst, size_t len)
{
	if (!sharedMem || !sharedMem->imp)
		return TEEC_ERROR_BAD_PARAMETERS;
	return from_gdrv(gdrv_shm_read(sharedMem->ctx->drv, sharedMem->imp,
				       offset, dst, len));
}

/* --- temporary buffers --------------------------------------------------- */

TEEC_Result teec_temp_alloc(TEEC_Context *context, size_t size,
			    unsigned int policy, TEEC_TempMemoryReference *ref)
{
	const struct guest_env *env;
	size_t i, n = (size + TEEC_PAGE_SIZE - 1) / TEEC_PAGE_SIZE;
	uint64_t *pages;
	int rc;

	if (!context || !context->drv || !ref || !size)
		return TEEC_ERROR_BAD_PARAMETERS;
	env = ctx_env(context);
	pages = env->alloc(env->ctx, n * sizeof(uint64_t));
	if (!pages)
		return TEEC_ERROR_OUT_OF_MEMORY;
	rc = gdrv_pages_alloc(context->drv, n, policy, pages);
	if (rc) {
		env->free(env->ctx, pages, n * sizeof(uint64_t));
		return from_gdrv(rc);
	}
	gmemset(ref, 0, sizeof(*ref));
	ref->size = size;
	ref->npages = n;
	for (i = 1; i < n && pages[i] == pages[0] + i * TEEC_PAGE_SIZE; i++)
		;
	if (i == n) {
		/* Contiguous: a plain IPA range; the vector is not needed. */
		ref->buffer = pages[0];
		env->free(env->ctx, pages, n * sizeof(uint64_t));
	} else {
		ref->pages = pages;
	}
	return TEEC_SUCCESS;
}

void teec_temp_free(TEEC_Context *context, TEEC_TempMemoryReference *ref)
{
	const struct guest_env *env;
	size_t i;

	if (!context || !context->drv || !ref || !ref->npages)
		return;
	env = ctx_env(context);
	if (ref->pages) {
		gdrv_pages_free(context->drv, ref->pages, ref->npages);
		env->free(env->ctx, (void *)(uintptr_t)ref->pages,
			  ref->npages * sizeof(uint64_t));
	} else {
		for (i = 0; i < ref->npages; i++) {
			uint64_t page = (ref->buffer & ~(uint64_t)(TEEC_PAGE_SIZE - 1)) +
					i * TEEC_PAGE_SIZE;

			gdrv_pages_free(context->drv, &page, 1);
		}
	}
	gmemset(ref, 0, sizeof(*ref));
}

/* Copy in the buffer's pages; op 0 read, 1 write. */
static TEEC_Result temp_copy(TEEC_Context *context,
			     const TEEC_TempMemoryReference *ref, size_t offset,
			     void *buf, size_t len, int op)
{
	uint8_t *b = buf;
	size_t span;

	if (!context || !context->drv || !ref)
		return TEEC_ERROR_BAD_PARAMETERS;
	if (!ref->pages) {
		int rc = op ? gdrv_mem_write(context->drv, ref->buffer + offset, b, len)
			    : gdrv_mem_read(context->drv, ref->buffer + offset, b, len);

		return from_gdrv(rc);
	}
	span = ref->npages * TEEC_PAGE_SIZE - ref->page_offset;
	if (offset > span || len > span - offset)
		return TEEC_ERROR_BAD_PARAMETERS;
	while (len) {
		size_t pos = ref->page_offset + offset;
		size_t in_page = TEEC_PAGE_SIZE - pos % TEEC_PAGE_SIZE;
		size_t chunk = len < in_page ? len : in_page;
		uint64_t ipa = ref->pages[pos / TEEC_PAGE_SIZE] + pos % TEEC_PAGE_SIZE;
		int rc = op ? gdrv_mem_write(context->drv, ipa, b, chunk)
			    : gdrv_mem_read(context->drv, ipa, b, chunk);

		if (rc)
			return from_gdrv(rc);
		b += chunk;
		offset += chunk;
		len -= chunk;
	}
	return TEEC_SUCCESS;
}

TEEC_Result teec_temp_write(TEEC_Context *context,
			    const TEEC_TempMemoryReference *ref, size_t offset,
			    const void *src, size_t len)
{
	return temp_copy(context, ref, offset, (void *)(uintptr_t)src, len, 1);
}

TEEC_Result teec_temp_read(TEEC_Context *context,
			   const TEEC_TempMemoryReference *ref, size_t offset,
			   void *dst, size_t len)
{
	return temp_copy(context, ref, offset, dst, len, 0);
}
