/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared-memory objects: guest pages described by a page array, known to the
 * secure world by a cookie unique within this driver. Registration follows
 * ABI 8.5: REGISTER_SHM with one TMEM_OUTPUT|NONCONTIG (0x20A) param whose
 * buf_ptr is a page list; UNREGISTER_SHM with RMEM_INPUT and the cookie.
 *
 * Objects stay valid until gdrv_shm_free() (or, for RPC allocations, the
 * secure world's SHM_FREE/FREE); the driver takes no reference for the
 * duration of a call, so a client must not free memory it has in flight.
 */
#include "guest/drv_internal.h"
#include "teemed/optee_smc.h"

static size_t pages_for(uint32_t offset, size_t size)
{
	size_t n = (offset + size + GDRV_PAGE_SIZE - 1) / GDRV_PAGE_SIZE;

	return n ? n : 1; /* an empty buffer still names its page */
}

static void shm_link(struct gdrv *drv, struct gdrv_shm *shm)
{
	gdrv_lock(drv);
	shm->cookie = drv->next_cookie++;
	if (drv->next_cookie == 0)
		drv->next_cookie = 1; /* 0 means "no shm" in the ABI */
	shm->next = drv->shm_head;
	drv->shm_head = shm;
	gdrv_unlock(drv);
}

static struct gdrv_shm *shm_new(struct gdrv *drv, enum gshm_kind kind,
				size_t npages)
{
	struct gdrv_shm *shm = gdrv_zalloc(drv, sizeof(*shm));

	if (!shm)
		return NULL;
	shm->pages = gdrv_zalloc(drv, npages * sizeof(uint64_t));
	if (!shm->pages) {
		gdrv_free(drv, shm, sizeof(*shm));
		return NULL;
	}
	shm->kind = kind;
	shm->npages = npages;
	return shm;
}

static void shm_delete(struct gdrv *drv, struct gdrv_shm *shm)
{
	if (shm->owns_pages)
		gdrv_pages_free(drv, shm->pages, shm->npages);
	gdrv_free(drv, shm->pages, shm->npages * sizeof(uint64_t));
	gdrv_free(drv, shm, sizeof(*shm));
}

int gshm_create(struct gdrv *drv, enum gshm_kind kind, size_t size,
		unsigned int policy, struct gdrv_shm **out)
{
	size_t npages = pages_for(0, size);
	struct gdrv_shm *shm;
	int rc;

	if (size > drv->pages.npages * (uint64_t)GDRV_PAGE_SIZE)
		return GDRV_ENOMEM;
	shm = shm_new(drv, kind, npages);
	if (!shm)
		return GDRV_ENOMEM;
	rc = gdrv_pages_alloc(drv, npages, policy, shm->pages);
	if (rc) {
		shm_delete(drv, shm);
		return rc;
	}
	shm->owns_pages = true;
	shm->size = size;
	shm_link(drv, shm);
	*out = shm;
	return GDRV_OK;
}

int gshm_wrap(struct gdrv *drv, enum gshm_kind kind, const uint64_t *pages,
	      size_t npages, uint32_t offset, size_t size, struct gdrv_shm **out)
{
	struct gdrv_shm *shm;
	size_t i, need;

	/* A page offset past the first page skips whole pages. */
	while (offset >= GDRV_PAGE_SIZE && npages > 0) {
		offset -= GDRV_PAGE_SIZE;
		pages++;
		npages--;
	}
	need = pages_for(offset, size);
	if (!pages || npages < need)
		return GDRV_EINVAL;
	for (i = 0; i < need; i++) {
		if ((pages[i] & GDRV_PAGE_MASK) ||
		    !gmem_in_ram(drv, pages[i], GDRV_PAGE_SIZE))
			return GDRV_EINVAL;
	}
	shm = shm_new(drv, kind, need);
	if (!shm)
		return GDRV_ENOMEM;
	gmemcpy(shm->pages, pages, need * sizeof(uint64_t));
	shm->offset = offset;
	shm->size = size;
	shm_link(drv, shm);
	*out = shm;
	return GDRV_OK;
}

struct gdrv_shm *gshm_lookup(struct gdrv *drv, uint64_t cookie, bool unlink)
{
	struct gdrv_shm **pp, *shm = NULL;

	if (!cookie)
		return NULL;
	gdrv_lock(drv);
	for (pp = &drv->shm_head; *pp; pp = &(*pp)->next) {
		if ((*pp)->cookie == cookie) {
			shm = *pp;
			if (unlink) {
				*pp = shm->next;
				shm->next = NULL;
			}
			break;
		}
	}
	gdrv_unlock(drv);
	return shm;
}

void gshm_destroy(struct gdrv *drv, struct gdrv_shm *shm)
{
	if (!shm)
		return;
	(void)gshm_lookup(drv, shm->cookie, true);
	if (shm->registered)
		(void)gshm_unregister(drv, shm);
	shm_delete(drv, shm);
}

int gshm_register(struct gdrv *drv, struct gdrv_shm *shm)
{
	struct gpagesrc src = { shm->pages, 0, shm->npages, shm->offset };
	struct optee_msg_param p0;
	struct gpagelist pl;
	uint32_t ret = 0;
	int rc;

	rc = gpagelist_build(drv, &src, &pl);
	if (rc)
		return rc;
	gmemset(&p0, 0, sizeof(p0));
	p0.attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	p0.u.tmem.buf_ptr = pl.buf_ptr;
	p0.u.tmem.size = shm->size;
	p0.u.tmem.shm_ref = shm->cookie;
	rc = gcall_private(drv, OPTEE_MSG_CMD_REGISTER_SHM, &p0, &ret);
	gpagelist_free(drv, &pl);
	gdrv_lock(drv);
	if (rc == GDRV_OK && ret == TEEC_SUCCESS) {
		shm->registered = true;
		drv->stats.shm_registered++;
	} else {
		drv->stats.shm_register_failed++;
	}
	gdrv_unlock(drv);
	if (rc)
		return rc;
	return ret == TEEC_SUCCESS ? GDRV_OK : GDRV_ECOMM;
}

int gshm_unregister(struct gdrv *drv, struct gdrv_shm *shm)
{
	struct optee_msg_param p0;
	uint32_t ret = 0;
	int rc;

	gmemset(&p0, 0, sizeof(p0));
	p0.attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	p0.u.rmem.shm_ref = shm->cookie;
	rc = gcall_private(drv, OPTEE_MSG_CMD_UNREGISTER_SHM, &p0, &ret);
	/* Like Linux, the object is forgotten even if OP-TEE refused. */
	shm->registered = false;
	gdrv_lock(drv);
	drv->stats.shm_unregistered++;
	gdrv_unlock(drv);
	if (rc)
		return rc;
	return ret == TEEC_SUCCESS ? GDRV_OK : GDRV_ECOMM;
}

int64_t gshm_offset_of(const struct gdrv_shm *shm, uint64_t ipa)
{
	size_t i;

	for (i = 0; i < shm->npages; i++) {
		if (shm->pages[i] == (ipa & ~GDRV_PAGE_MASK)) {
			uint64_t pos = (uint64_t)i * GDRV_PAGE_SIZE +
				       (ipa & GDRV_PAGE_MASK);

			if (pos < shm->offset || pos - shm->offset > shm->size)
				return -1;
			return (int64_t)(pos - shm->offset);
		}
	}
	return -1;
}

bool gshm_contiguous(const struct gdrv_shm *shm)
{
	size_t i;

	for (i = 1; i < shm->npages; i++) {
		if (shm->pages[i] != shm->pages[0] + (uint64_t)i * GDRV_PAGE_SIZE)
			return false;
	}
	return true;
}

/* Copy inside the object; op 0 read, 1 write. */
static int shm_copy(const struct gdrv *drv, const struct gdrv_shm *shm,
		    size_t off, void *buf, size_t len, int op)
{
	uint8_t *b = buf;

	if (off > shm->size || len > shm->size - off)
		return GDRV_EINVAL;
	while (len) {
		uint64_t pos = (uint64_t)shm->offset + off;
		size_t idx = (size_t)(pos / GDRV_PAGE_SIZE);
		size_t in_page = GDRV_PAGE_SIZE - (size_t)(pos % GDRV_PAGE_SIZE);
		size_t chunk = len < in_page ? len : in_page;
		uint64_t ipa = shm->pages[idx] + pos % GDRV_PAGE_SIZE;
		int rc = op ? gdrv_mem_write(drv, ipa, b, chunk)
			    : gdrv_mem_read(drv, ipa, b, chunk);

		if (rc)
			return rc;
		b += chunk;
		off += chunk;
		len -= chunk;
	}
	return GDRV_OK;
}

/* --- public API --------------------------------------------------------- */

int gdrv_shm_alloc(struct gdrv *drv, size_t size, unsigned int policy,
		   bool do_register, struct gdrv_shm **out)
{
	struct gdrv_shm *shm;
	int rc;

	if (!out || size == 0)
		return GDRV_EINVAL;
	if (do_register && !drv->probed)
		return GDRV_EINVAL;
	rc = gshm_create(drv, GSHM_CLIENT, size, policy, &shm);
	if (rc)
		return rc;
	if (do_register) {
		rc = gshm_register(drv, shm);
		if (rc) {
			gshm_destroy(drv, shm);
			return rc;
		}
	}
	*out = shm;
	return GDRV_OK;
}

int gdrv_shm_register_pages(struct gdrv *drv, const uint64_t *pages,
			    size_t npages, uint32_t offset, size_t size,
			    struct gdrv_shm **out)
{
	struct gdrv_shm *shm;
	int rc;

	if (!out || size == 0 || !drv->probed)
		return GDRV_EINVAL;
	rc = gshm_wrap(drv, GSHM_CLIENT, pages, npages, offset, size, &shm);
	if (rc)
		return rc;
	rc = gshm_register(drv, shm);
	if (rc) {
		gshm_destroy(drv, shm);
		return rc;
	}
	*out = shm;
	return GDRV_OK;
}

int gdrv_shm_register_range(struct gdrv *drv, uint64_t ipa, size_t size,
			    struct gdrv_shm **out)
{
	uint32_t offset = (uint32_t)(ipa & GDRV_PAGE_MASK);
	size_t i, npages = pages_for(offset, size);
	uint64_t *pages;
	int rc;

	if (size == 0 || !gmem_in_ram(drv, ipa, size))
		return GDRV_EINVAL;
	pages = gdrv_zalloc(drv, npages * sizeof(uint64_t));
	if (!pages)
		return GDRV_ENOMEM;
	for (i = 0; i < npages; i++)
		pages[i] = (ipa & ~GDRV_PAGE_MASK) + (uint64_t)i * GDRV_PAGE_SIZE;
	rc = gdrv_shm_register_pages(drv, pages, npages, offset, size, out);
	gdrv_free(drv, pages, npages * sizeof(uint64_t));
	return rc;
}

void gdrv_shm_free(struct gdrv *drv, struct gdrv_shm *shm)
{
	gshm_destroy(drv, shm);
}

uint64_t gdrv_shm_cookie(const struct gdrv_shm *shm)
{
	return shm->cookie;
}

size_t gdrv_shm_size(const struct gdrv_shm *shm)
{
	return shm->size;
}

bool gdrv_shm_registered(const struct gdrv_shm *shm)
{
	return shm->registered;
}

uint64_t gdrv_shm_ipa(const struct gdrv_shm *shm)
{
	return gshm_contiguous(shm) ? shm->pages[0] + shm->offset : 0;
}

const uint64_t *gdrv_shm_pages(const struct gdrv_shm *shm, size_t *npages,
			       uint32_t *offset)
{
	if (npages)
		*npages = shm->npages;
	if (offset)
		*offset = shm->offset;
	return shm->pages;
}

int gdrv_shm_read(const struct gdrv *drv, const struct gdrv_shm *shm,
		  size_t off, void *dst, size_t len)
{
	return shm_copy(drv, shm, off, dst, len, 0);
}

int gdrv_shm_write(const struct gdrv *drv, const struct gdrv_shm *shm,
		   size_t off, const void *src, size_t len)
{
	return shm_copy(drv, shm, off, (void *)(uintptr_t)src, len, 1);
}
