/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The supplicant's in-memory file store and its REE FS request handling
 * (ops and semantics of tee-supplicant, as sim/optee/ta_api.h lists them).
 */
#include "guest/supp.h"
#include "guest/gutil.h"
#include "teemed/optee_msg.h"
#include "teemed/optee_rpc_cmd.h"

struct gsupp_file {
	bool used;
	char name[GSUPP_NAME_MAX];
	uint8_t *data;
	size_t size;
	size_t cap;
};

struct gsupp_fd {
	bool used;
	uint32_t file; /* index in files[] */
	uint32_t gen;  /* file generation when opened: stale after REMOVE */
};

struct gsupp_dir {
	bool used;
	char prefix[GSUPP_NAME_MAX]; /* "<path>/" */
	uint32_t next;               /* next file index to look at */
};

struct gsupp {
	const struct guest_env *env;
	void *lock;
	struct gsupp_file files[GSUPP_MAX_FILES];
	uint32_t gen[GSUPP_MAX_FILES];
	struct gsupp_fd fds[GSUPP_MAX_FDS];
	struct gsupp_dir dirs[GSUPP_MAX_DIRS];
};

int gsupp_create(const struct guest_env *env, struct gsupp **out)
{
	struct gsupp *s = env->alloc(env->ctx, sizeof(*s));

	if (!s)
		return GDRV_ENOMEM;
	s->env = env;
	s->lock = env->lock_create(env->ctx);
	if (!s->lock) {
		env->free(env->ctx, s, sizeof(*s));
		return GDRV_ENOMEM;
	}
	*out = s;
	return GDRV_OK;
}

static void file_drop(struct gsupp *s, struct gsupp_file *f)
{
	if (f->data)
		s->env->free(s->env->ctx, f->data, f->cap);
	gmemset(f, 0, sizeof(*f));
}

void gsupp_destroy(struct gsupp *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < GSUPP_MAX_FILES; i++)
		file_drop(s, &s->files[i]);
	s->env->lock_destroy(s->env->ctx, s->lock);
	s->env->free(s->env->ctx, s, sizeof(*s));
}

static int find_file(const struct gsupp *s, const char *name)
{
	size_t i;

	for (i = 0; i < GSUPP_MAX_FILES; i++) {
		if (s->files[i].used &&
		    gmemcmp(s->files[i].name, name, GSUPP_NAME_MAX) == 0)
			return (int)i;
	}
	return -1;
}

/* Grow the file's buffer to hold `size` bytes (new bytes zero). */
static uint32_t file_reserve(struct gsupp *s, struct gsupp_file *f, size_t size)
{
	size_t cap;
	uint8_t *data;

	if (size > GSUPP_FILE_MAX)
		return TEEC_ERROR_STORAGE_NO_SPACE;
	if (size <= f->cap)
		return TEEC_SUCCESS;
	cap = f->cap ? f->cap : 256;
	while (cap < size)
		cap *= 2;
	if (cap > GSUPP_FILE_MAX)
		cap = GSUPP_FILE_MAX;
	data = s->env->alloc(s->env->ctx, cap);
	if (!data)
		return TEEC_ERROR_STORAGE_NO_SPACE;
	if (f->data) {
		gmemcpy(data, f->data, f->size);
		s->env->free(s->env->ctx, f->data, f->cap);
	}
	f->data = data;
	f->cap = cap;
	return TEEC_SUCCESS;
}

static void file_resize(struct gsupp_file *f, size_t size)
{
	if (size > f->size)
		gmemset(f->data + f->size, 0, size - f->size);
	f->size = size;
}

/* Read a NUL-terminated path from a memref param into name[]. */
static bool read_path(struct gdrv *drv, const struct gsupp_param *p,
		      char name[GSUPP_NAME_MAX])
{
	gmemset(name, 0, GSUPP_NAME_MAX);
	if (p->type != GDRV_PARAM_MEMREF_IN || !p->shm || p->size == 0 ||
	    p->size > GSUPP_NAME_MAX)
		return false;
	if (gdrv_shm_read(drv, p->shm, (size_t)p->offs, name, (size_t)p->size))
		return false;
	/* Must be terminated inside the buffer, and not empty. */
	return name[0] && gstrnlen(name, (size_t)p->size) < p->size;
}

static bool is_value(const struct gsupp_param *p, uint32_t type)
{
	return p->type == type;
}

static uint32_t fd_open(struct gsupp *s, uint32_t file, uint64_t *fd)
{
	uint32_t i;

	for (i = 0; i < GSUPP_MAX_FDS; i++) {
		if (!s->fds[i].used) {
			s->fds[i].used = true;
			s->fds[i].file = file;
			s->fds[i].gen = s->gen[file];
			*fd = i + 1; /* 0 is never a valid fd */
			return TEEC_SUCCESS;
		}
	}
	return TEEC_ERROR_GENERIC; /* out of descriptors */
}

static struct gsupp_file *fd_file(struct gsupp *s, uint64_t fd)
{
	struct gsupp_fd *d;

	if (fd == 0 || fd > GSUPP_MAX_FDS)
		return NULL;
	d = &s->fds[fd - 1];
	if (!d->used || s->gen[d->file] != d->gen || !s->files[d->file].used)
		return NULL;
	return &s->files[d->file];
}

static uint32_t fs_open(struct gsupp *s, struct gdrv *drv,
			struct gsupp_param *p, size_t n, bool create)
{
	char name[GSUPP_NAME_MAX];
	int idx;
	size_t i;

	if (n != 3 || !read_path(drv, &p[1], name) ||
	    !is_value(&p[2], GDRV_PARAM_VALUE_OUT))
		return TEEC_ERROR_BAD_PARAMETERS;
	idx = find_file(s, name);
	if (idx < 0 && !create)
		return TEEC_ERROR_ITEM_NOT_FOUND;
	if (idx < 0) {
		for (i = 0; i < GSUPP_MAX_FILES && s->files[i].used; i++)
			;
		if (i == GSUPP_MAX_FILES)
			return TEEC_ERROR_STORAGE_NO_SPACE;
		idx = (int)i;
		s->files[i].used = true;
		gmemcpy(s->files[i].name, name, GSUPP_NAME_MAX);
		s->gen[i]++;
	} else if (create) {
		s->files[idx].size = 0; /* O_TRUNC */
	}
	return fd_open(s, (uint32_t)idx, &p[2].a);
}

static uint32_t fs_close(struct gsupp *s, const struct gsupp_param *p, size_t n)
{
	if (n != 1 || p[0].b == 0 || p[0].b > GSUPP_MAX_FDS ||
	    !s->fds[p[0].b - 1].used)
		return TEEC_ERROR_GENERIC;
	s->fds[p[0].b - 1].used = false;
	return TEEC_SUCCESS;
}

static uint32_t fs_read(struct gsupp *s, struct gdrv *drv,
			struct gsupp_param *p, size_t n)
{
	struct gsupp_file *f;
	uint64_t off = p[0].c;
	size_t len = 0;

	if (n != 2 || p[1].type != GDRV_PARAM_MEMREF_OUT || !p[1].shm)
		return TEEC_ERROR_BAD_PARAMETERS;
	f = fd_file(s, p[0].b);
	if (!f)
		return TEEC_ERROR_GENERIC;
	if (off < f->size)
		len = f->size - (size_t)off < p[1].size ? f->size - (size_t)off
							: (size_t)p[1].size;
	if (len && gdrv_shm_write(drv, p[1].shm, (size_t)p[1].offs,
				  f->data + off, len))
		return TEEC_ERROR_BAD_PARAMETERS;
	p[1].size = len;
	return TEEC_SUCCESS;
}

static uint32_t fs_write(struct gsupp *s, struct gdrv *drv,
			 const struct gsupp_param *p, size_t n)
{
	struct gsupp_file *f;
	uint64_t off = p[0].c, end;
	uint32_t ret;

	if (n != 2 || p[1].type != GDRV_PARAM_MEMREF_IN ||
	    (!p[1].shm && p[1].size))
		return TEEC_ERROR_BAD_PARAMETERS;
	f = fd_file(s, p[0].b);
	if (!f)
		return TEEC_ERROR_GENERIC;
	end = off + p[1].size;
	if (end < off || end > GSUPP_FILE_MAX)
		return TEEC_ERROR_STORAGE_NO_SPACE;
	ret = file_reserve(s, f, (size_t)end);
	if (ret)
		return ret;
	if (end > f->size)
		file_resize(f, (size_t)end);
	if (p[1].size && gdrv_shm_read(drv, p[1].shm, (size_t)p[1].offs,
				       f->data + off, (size_t)p[1].size))
		return TEEC_ERROR_BAD_PARAMETERS;
	return TEEC_SUCCESS;
}

static uint32_t fs_truncate(struct gsupp *s, const struct gsupp_param *p,
			    size_t n)
{
	struct gsupp_file *f;
	uint32_t ret;

	if (n != 1)
		return TEEC_ERROR_BAD_PARAMETERS;
	f = fd_file(s, p[0].b);
	if (!f)
		return TEEC_ERROR_GENERIC;
	if (p[0].c > GSUPP_FILE_MAX)
		return TEEC_ERROR_STORAGE_NO_SPACE;
	ret = file_reserve(s, f, (size_t)p[0].c);
	if (ret == TEEC_SUCCESS)
		file_resize(f, (size_t)p[0].c);
	return ret;
}

static uint32_t fs_remove(struct gsupp *s, struct gdrv *drv,
			  const struct gsupp_param *p, size_t n)
{
	char name[GSUPP_NAME_MAX];
	int idx;

	if (n != 2 || !read_path(drv, &p[1], name))
		return TEEC_ERROR_BAD_PARAMETERS;
	idx = find_file(s, name);
	if (idx < 0)
		return TEEC_ERROR_ITEM_NOT_FOUND;
	file_drop(s, &s->files[idx]);
	s->gen[idx]++; /* descriptors still open on it go stale */
	return TEEC_SUCCESS;
}

static uint32_t fs_rename(struct gsupp *s, struct gdrv *drv,
			  const struct gsupp_param *p, size_t n)
{
	char from[GSUPP_NAME_MAX], to[GSUPP_NAME_MAX];
	int src, dst;

	if (n != 3 || !read_path(drv, &p[1], from) || !read_path(drv, &p[2], to))
		return TEEC_ERROR_BAD_PARAMETERS;
	src = find_file(s, from);
	if (src < 0)
		return TEEC_ERROR_ITEM_NOT_FOUND;
	dst = find_file(s, to);
	if (dst == src)
		return TEEC_SUCCESS;
	if (dst >= 0) {
		if (!p[0].b)
			return TEEC_ERROR_ACCESS_CONFLICT;
		file_drop(s, &s->files[dst]);
		s->gen[dst]++;
	}
	gmemcpy(s->files[src].name, to, GSUPP_NAME_MAX);
	return TEEC_SUCCESS;
}

static uint32_t fs_opendir(struct gsupp *s, struct gdrv *drv,
			   struct gsupp_param *p, size_t n)
{
	char name[GSUPP_NAME_MAX];
	size_t i, len;

	if (n != 3 || !read_path(drv, &p[1], name) ||
	    !is_value(&p[2], GDRV_PARAM_VALUE_OUT))
		return TEEC_ERROR_BAD_PARAMETERS;
	len = gstrnlen(name, GSUPP_NAME_MAX);
	if (len + 2 > GSUPP_NAME_MAX)
		return TEEC_ERROR_BAD_PARAMETERS;
	for (i = 0; i < GSUPP_MAX_DIRS && s->dirs[i].used; i++)
		;
	if (i == GSUPP_MAX_DIRS)
		return TEEC_ERROR_GENERIC;
	gmemset(&s->dirs[i], 0, sizeof(s->dirs[i]));
	s->dirs[i].used = true;
	gmemcpy(s->dirs[i].prefix, name, len);
	s->dirs[i].prefix[len] = '/';
	p[2].a = i + 1;
	return TEEC_SUCCESS;
}

static struct gsupp_dir *dir_get(struct gsupp *s, uint64_t id)
{
	if (id == 0 || id > GSUPP_MAX_DIRS || !s->dirs[id - 1].used)
		return NULL;
	return &s->dirs[id - 1];
}

/* Next entry directly under the directory (files only: no subdirectories). */
static uint32_t fs_readdir(struct gsupp *s, struct gdrv *drv,
			   struct gsupp_param *p, size_t n)
{
	struct gsupp_dir *d;
	size_t plen;

	if (n != 2 || p[1].type != GDRV_PARAM_MEMREF_OUT)
		return TEEC_ERROR_BAD_PARAMETERS;
	d = dir_get(s, p[0].b);
	if (!d)
		return TEEC_ERROR_BAD_PARAMETERS;
	plen = gstrnlen(d->prefix, GSUPP_NAME_MAX);
	for (; d->next < GSUPP_MAX_FILES; d->next++) {
		const char *name = s->files[d->next].name;
		size_t len;

		if (!s->files[d->next].used || gmemcmp(name, d->prefix, plen))
			continue;
		len = gstrnlen(name + plen, GSUPP_NAME_MAX - plen) + 1;
		if (p[1].size < len || !p[1].shm) {
			p[1].size = len;
			return TEEC_ERROR_SHORT_BUFFER; /* retried, same entry */
		}
		if (gdrv_shm_write(drv, p[1].shm, (size_t)p[1].offs, name + plen,
				   len))
			return TEEC_ERROR_BAD_PARAMETERS;
		p[1].size = len;
		d->next++;
		return TEEC_SUCCESS;
	}
	return TEEC_ERROR_ITEM_NOT_FOUND;
}

static uint32_t fs_request(struct gsupp *s, struct gdrv *drv,
			   struct gsupp_param *p, size_t n)
{
	if (n < 1 || p[0].type != GDRV_PARAM_VALUE_IN)
		return TEEC_ERROR_BAD_PARAMETERS;
	switch (p[0].a) {
	case OPTEE_RPC_FS_OPEN:
		return fs_open(s, drv, p, n, false);
	case OPTEE_RPC_FS_CREATE:
		return fs_open(s, drv, p, n, true);
	case OPTEE_RPC_FS_CLOSE:
		return fs_close(s, p, n);
	case OPTEE_RPC_FS_READ:
		return fs_read(s, drv, p, n);
	case OPTEE_RPC_FS_WRITE:
		return fs_write(s, drv, p, n);
	case OPTEE_RPC_FS_TRUNCATE:
		return fs_truncate(s, p, n);
	case OPTEE_RPC_FS_REMOVE:
		return fs_remove(s, drv, p, n);
	case OPTEE_RPC_FS_RENAME:
		return fs_rename(s, drv, p, n);
	case OPTEE_RPC_FS_OPENDIR:
		return fs_opendir(s, drv, p, n);
	case OPTEE_RPC_FS_CLOSEDIR:
		if (n != 1 || !dir_get(s, p[0].b))
			return TEEC_ERROR_BAD_PARAMETERS;
		dir_get(s, p[0].b)->used = false;
		return TEEC_SUCCESS;
	case OPTEE_RPC_FS_READDIR:
		return fs_readdir(s, drv, p, n);
	default:
		return TEEC_ERROR_BAD_PARAMETERS;
	}
}

uint32_t gsupp_request(struct gsupp *s, struct gdrv *drv, uint32_t cmd,
		       struct gsupp_param *params, size_t n)
{
	uint32_t ret;

	switch (cmd) {
	case OPTEE_RPC_CMD_FS:
		s->env->lock(s->env->ctx, s->lock);
		ret = fs_request(s, drv, params, n);
		s->env->unlock(s->env->ctx, s->lock);
		return ret;
	case OPTEE_RPC_CMD_LOAD_TA:
		return TEEC_ERROR_ITEM_NOT_FOUND;
	default:
		return TEEC_ERROR_NOT_SUPPORTED;
	}
}

size_t gsupp_file_count(struct gsupp *s)
{
	size_t i, n = 0;

	s->env->lock(s->env->ctx, s->lock);
	for (i = 0; i < GSUPP_MAX_FILES; i++)
		n += s->files[i].used;
	s->env->unlock(s->env->ctx, s->lock);
	return n;
}

uint32_t gsupp_file_read(struct gsupp *s, const char *name, void *buf,
			 size_t cap, size_t *size)
{
	char key[GSUPP_NAME_MAX];
	size_t len = gstrnlen(name, GSUPP_NAME_MAX);
	uint32_t ret = TEEC_ERROR_ITEM_NOT_FOUND;
	int idx;

	if (len >= GSUPP_NAME_MAX)
		return TEEC_ERROR_BAD_PARAMETERS;
	gmemset(key, 0, sizeof(key));
	gmemcpy(key, name, len);
	s->env->lock(s->env->ctx, s->lock);
	idx = find_file(s, key);
	if (idx >= 0) {
		const struct gsupp_file *f = &s->files[idx];

		*size = f->size;
		if (buf && cap && f->data)
			gmemcpy(buf, f->data, cap < f->size ? cap : f->size);
		ret = TEEC_SUCCESS;
	}
	s->env->unlock(s->env->ctx, s->lock);
	return ret;
}
