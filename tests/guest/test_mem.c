/* SPDX-License-Identifier: BSD-2-Clause */
/* Page lists (ABI 4.5), the page allocator, the supplicant and raw.h. */
#include <stdlib.h>
#include <string.h>

#include "guest/raw.h"
#include "guest/supp.h"
#include "harness.h"
#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"
#include "tests.h"
#include "util.h"

#define PAGE 4096u

static uint64_t *slots_of(struct fake *f, uint64_t list_ipa)
{
	return (uint64_t *)(void *)fake_mem(f, list_ipa);
}

void test_pagelist_small(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv = util_probe(f, GDRV_MODE_MODERN, 1, 100);
	struct graw_pagelist pl;
	uint64_t pages[3], *slots;
	size_t i;

	if (!drv)
		return;
	CHECK_EQ(gdrv_pages_alloc(drv, 3, GDRV_PAGES_CONTIG, pages), GDRV_OK);
	/* ABI 11: a 3-page buffer starting 0x234 into its first page. */
	CHECK_EQ(graw_pagelist_build(drv, pages, 3, 0x234, &pl), GDRV_OK);
	CHECK_EQ(pl.nlist, 1);
	CHECK_EQ(pl.buf_ptr, pl.list[0] | 0x234);
	slots = slots_of(f, pl.list[0]);
	CHECK(slots != NULL);
	if (slots) {
		for (i = 0; i < 3; i++)
			CHECK_EQ(slots[i], pages[i]);
		for (i = 3; i < 512; i++)
			CHECK_EQ(slots[i], 0); /* slot 511: no next page */
	}
	graw_pagelist_free(drv, &pl);
	gdrv_pages_free(drv, pages, 3);
	util_teardown(f, drv);
}

static void check_list(struct fake *f, struct gdrv *drv, size_t n)
{
	uint64_t *entries = malloc(n * sizeof(uint64_t));
	struct graw_pagelist pl;
	size_t i, k, want_lists = (n + 510) / 511;

	for (i = 0; i < n; i++)
		entries[i] = FAKE_RAM_BASE + ((i * 7) % FAKE_RAM_PAGES) * PAGE;
	CHECK_EQ(graw_pagelist_build(drv, entries, n, 0, &pl), GDRV_OK);
	CHECK_EQ(pl.nlist, want_lists);
	for (k = 0; k < pl.nlist; k++) {
		uint64_t *slots = slots_of(f, pl.list[k]);
		size_t first = k * 511, cnt = n - first < 511 ? n - first : 511;

		if (!slots) {
			CHECK(slots != NULL);
			continue;
		}
		for (i = 0; i < cnt; i++)
			CHECK_EQ(slots[i], entries[first + i]);
		for (; i < 511; i++)
			CHECK_EQ(slots[i], 0);
		CHECK_EQ(slots[511], k + 1 < pl.nlist ? pl.list[k + 1] : 0);
	}
	graw_pagelist_free(drv, &pl);
	free(entries);
}

void test_pagelist_multi(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv = util_probe(f, GDRV_MODE_MODERN, 1, 100);

	if (!drv)
		return;
	check_list(f, drv, 1);
	check_list(f, drv, 511);  /* exactly one full list page */
	check_list(f, drv, 512);  /* one entry spills over */
	check_list(f, drv, 600);
	check_list(f, drv, 1022);
	check_list(f, drv, 1023);
	util_teardown(f, drv);
}

void test_register_large(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv = util_probe(f, GDRV_MODE_MODERN, 1, 100);
	struct gdrv_shm *shm;
	const uint64_t *pages;
	struct fake_reg *reg;
	uint64_t cookie;
	size_t np;

	if (!drv)
		return;
	CHECK_EQ(gdrv_shm_alloc(drv, 600 * PAGE, GDRV_PAGES_SCATTER, true, &shm),
		 GDRV_OK);
	pages = gdrv_shm_pages(shm, &np, NULL);
	CHECK_EQ(np, 600);
	cookie = gdrv_shm_cookie(shm);
	reg = fake_find_reg(f, cookie);
	CHECK(reg != NULL);
	if (reg) {
		CHECK_EQ(reg->npages, 600);
		CHECK(memcmp(reg->pages, pages, 600 * sizeof(uint64_t)) == 0);
		CHECK_EQ(reg->size, 600 * PAGE);
	}
	CHECK(gdrv_shm_registered(shm));
	gdrv_shm_free(drv, shm);
	CHECK(fake_find_reg(f, cookie) == NULL);
	util_teardown(f, drv);
}

void test_page_allocator(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv;
	uint64_t *p = malloc(FAKE_RAM_PAGES * sizeof(uint64_t));
	uint64_t q[100];
	size_t i, total;

	CHECK_EQ(gdrv_create(&f->env, NULL, &drv), GDRV_OK);
	total = gdrv_pages_free_count(drv);
	CHECK_EQ(total, FAKE_RAM_PAGES);

	CHECK_EQ(gdrv_pages_alloc(drv, 10, GDRV_PAGES_CONTIG, p), GDRV_OK);
	for (i = 1; i < 10; i++)
		CHECK_EQ(p[i], p[0] + i * PAGE);
	CHECK_EQ(fake_mem(f, p[3])[17], 0); /* zeroed (RAM starts as 0xEE) */
	gdrv_pages_free(drv, p, 10);
	CHECK_EQ(gdrv_pages_free_count(drv), total);

	/* Scattered: 1000 pages, none adjacent to the previous one. */
	CHECK_EQ(gdrv_pages_alloc(drv, 1000, GDRV_PAGES_SCATTER, p), GDRV_OK);
	for (i = 1; i < 1000; i++)
		CHECK(p[i] != p[i - 1] + PAGE);
	/* RAM is now fragmented: no run of 100, but 100 pages anyway. */
	CHECK_EQ(gdrv_pages_alloc(drv, 100, GDRV_PAGES_CONTIG, q), GDRV_ENOMEM);
	CHECK_EQ(gdrv_pages_alloc(drv, 100, GDRV_PAGES_ANY, q), GDRV_OK);
	gdrv_pages_free(drv, q, 100);
	gdrv_pages_free(drv, p, 1000);
	CHECK_EQ(gdrv_pages_free_count(drv), total);

	/* Reserved ranges are never handed out. */
	CHECK_EQ(gdrv_pages_reserve(drv, FAKE_RAM_BASE + 0x10, 3 * PAGE), GDRV_OK);
	CHECK_EQ(gdrv_pages_free_count(drv), total - 4);
	CHECK_EQ(gdrv_pages_alloc(drv, total - 4, GDRV_PAGES_ANY, p), GDRV_OK);
	for (i = 0; i < total - 4; i++)
		CHECK(p[i] >= FAKE_RAM_BASE + 4 * PAGE);
	CHECK_EQ(gdrv_pages_alloc(drv, 1, GDRV_PAGES_ANY, q), GDRV_ENOMEM);
	gdrv_pages_free(drv, p, total - 4);
	gdrv_pages_free(drv, p, 1); /* freed twice: ignored */
	CHECK_EQ(gdrv_pages_free_count(drv), total - 4);
	CHECK_EQ(gdrv_pages_alloc(drv, 0, GDRV_PAGES_ANY, q), GDRV_EINVAL);
	CHECK_EQ(gdrv_pages_alloc(drv, 1, 7, q), GDRV_EINVAL);

	free(p);
	gdrv_destroy(drv);
	CHECK_EQ(f->allocs, f->frees);
	fake_destroy(f);
}

/* --- supplicant, called directly ------------------------------------------ */

struct supp_ctx {
	struct gdrv *drv;
	struct gsupp *s;
	struct gdrv_shm *shm; /* path at 0, data at 1024 */
};

static uint32_t fs(struct supp_ctx *c, uint64_t op, uint64_t b, uint64_t cc,
		   struct gsupp_param *p1, struct gsupp_param *p2, size_t n)
{
	struct gsupp_param p[3];

	memset(p, 0, sizeof(p));
	p[0].type = GDRV_PARAM_VALUE_IN;
	p[0].a = op;
	p[0].b = b;
	p[0].c = cc;
	if (p1)
		p[1] = *p1;
	if (p2)
		p[2] = *p2;
	{
		uint32_t r = gsupp_request(c->s, c->drv, OPTEE_RPC_CMD_FS, p, n);

		if (p1)
			*p1 = p[1];
		if (p2)
			*p2 = p[2];
		return r;
	}
}

static struct gsupp_param path_at(struct supp_ctx *c, uint64_t off,
				  const char *path)
{
	struct gsupp_param p = { GDRV_PARAM_MEMREF_IN, 0, 0, 0, c->shm, off,
				 strlen(path) + 1 };

	gdrv_shm_write(c->drv, c->shm, (size_t)off, path, strlen(path) + 1);
	return p;
}

static struct gsupp_param data_at(struct supp_ctx *c, uint32_t type,
				  uint64_t off, uint64_t size)
{
	struct gsupp_param p = { type, 0, 0, 0, c->shm, off, size };

	return p;
}

static uint64_t open_fd(struct supp_ctx *c, uint64_t op, const char *path,
			uint32_t *ret)
{
	struct gsupp_param p1 = path_at(c, 0, path);
	struct gsupp_param p2 = { GDRV_PARAM_VALUE_OUT, 0, 0, 0, NULL, 0, 0 };

	*ret = fs(c, op, 0, 0, &p1, &p2, 3);
	return p2.a;
}

void test_supp_direct(void)
{
	struct fake *f = fake_create();
	struct supp_ctx c;
	struct gsupp_param p1, p2;
	uint32_t ret;
	uint64_t fd, fd2, dir;
	char buf[64];
	size_t size;

	CHECK_EQ(gdrv_create(&f->env, NULL, &c.drv), GDRV_OK);
	c.s = gdrv_supplicant(c.drv);
	CHECK_EQ(gdrv_shm_alloc(c.drv, 4096, GDRV_PAGES_ANY, false, &c.shm), GDRV_OK);

	open_fd(&c, OPTEE_RPC_FS_OPEN, "teemed/x", &ret);
	CHECK_EQ(ret, TEEC_ERROR_ITEM_NOT_FOUND);
	fd = open_fd(&c, OPTEE_RPC_FS_CREATE, "teemed/x", &ret);
	CHECK_EQ(ret, TEEC_SUCCESS);
	CHECK(fd != 0);
	gdrv_shm_write(c.drv, c.shm, 1024, "0123456789", 10);
	p1 = data_at(&c, GDRV_PARAM_MEMREF_IN, 1024, 10);
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_WRITE, fd, 100, &p1, NULL, 2), TEEC_SUCCESS);
	CHECK_EQ(gsupp_file_read(c.s, "teemed/x", NULL, 0, &size), TEEC_SUCCESS);
	CHECK_EQ(size, 110);
	p1 = data_at(&c, GDRV_PARAM_MEMREF_OUT, 2048, 20);
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_READ, fd, 105, &p1, NULL, 2), TEEC_SUCCESS);
	CHECK_EQ(p1.size, 5);
	gdrv_shm_read(c.drv, c.shm, 2048, buf, 5);
	CHECK(memcmp(buf, "56789", 5) == 0);
	p1 = data_at(&c, GDRV_PARAM_MEMREF_OUT, 2048, 20);
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_READ, fd, 500, &p1, NULL, 2), TEEC_SUCCESS);
	CHECK_EQ(p1.size, 0); /* past the end */
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_TRUNCATE, fd, 50, NULL, NULL, 1), TEEC_SUCCESS);
	CHECK_EQ(gsupp_file_read(c.s, "teemed/x", NULL, 0, &size), TEEC_SUCCESS);
	CHECK_EQ(size, 50);
	/* Data memref past the end of its shared memory. */
	p1 = data_at(&c, GDRV_PARAM_MEMREF_IN, 4090, 10);
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_WRITE, fd, 0, &p1, NULL, 2),
		 TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_CLOSE, fd, 0, NULL, NULL, 1), TEEC_SUCCESS);
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_CLOSE, fd, 0, NULL, NULL, 1), TEEC_ERROR_GENERIC);

	/* RENAME: conflict unless overwrite. */
	fd2 = open_fd(&c, OPTEE_RPC_FS_CREATE, "teemed/y", &ret);
	CHECK_EQ(ret, TEEC_SUCCESS);
	p1 = path_at(&c, 0, "teemed/x");
	p2 = path_at(&c, 256, "teemed/y");
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_RENAME, 0, 0, &p1, &p2, 3),
		 TEEC_ERROR_ACCESS_CONFLICT);
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_RENAME, 1, 0, &p1, &p2, 3), TEEC_SUCCESS);
	CHECK_EQ(gsupp_file_count(c.s), 1);
	CHECK_EQ(gsupp_file_read(c.s, "teemed/y", NULL, 0, &size), TEEC_SUCCESS);
	CHECK_EQ(size, 50);
	/* The fd of the overwritten file is stale now. */
	p1 = data_at(&c, GDRV_PARAM_MEMREF_OUT, 2048, 20);
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_READ, fd2, 0, &p1, NULL, 2), TEEC_ERROR_GENERIC);

	/* Directories. */
	open_fd(&c, OPTEE_RPC_FS_CREATE, "other/z", &ret);
	p1 = path_at(&c, 0, "teemed");
	p2 = (struct gsupp_param){ GDRV_PARAM_VALUE_OUT, 0, 0, 0, NULL, 0, 0 };
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_OPENDIR, 0, 0, &p1, &p2, 3), TEEC_SUCCESS);
	dir = p2.a;
	p1 = data_at(&c, GDRV_PARAM_MEMREF_OUT, 2048, 1);
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_READDIR, dir, 0, &p1, NULL, 2),
		 TEEC_ERROR_SHORT_BUFFER);
	CHECK_EQ(p1.size, 2); /* "y" and its NUL */
	p1 = data_at(&c, GDRV_PARAM_MEMREF_OUT, 2048, 64);
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_READDIR, dir, 0, &p1, NULL, 2), TEEC_SUCCESS);
	gdrv_shm_read(c.drv, c.shm, 2048, buf, 2);
	CHECK(memcmp(buf, "y", 2) == 0);
	p1 = data_at(&c, GDRV_PARAM_MEMREF_OUT, 2048, 64);
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_READDIR, dir, 0, &p1, NULL, 2),
		 TEEC_ERROR_ITEM_NOT_FOUND);
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_CLOSEDIR, dir, 0, NULL, NULL, 1), TEEC_SUCCESS);

	/* REMOVE, twice. */
	p1 = path_at(&c, 0, "teemed/y");
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_REMOVE, 0, 0, &p1, NULL, 2), TEEC_SUCCESS);
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_REMOVE, 0, 0, &p1, NULL, 2),
		 TEEC_ERROR_ITEM_NOT_FOUND);
	/* A path that is not NUL-terminated inside its memref. */
	p1 = path_at(&c, 0, "teemed/q");
	p1.size -= 1;
	CHECK_EQ(fs(&c, OPTEE_RPC_FS_REMOVE, 0, 0, &p1, NULL, 2),
		 TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(fs(&c, 77, 0, 0, NULL, NULL, 1), TEEC_ERROR_BAD_PARAMETERS);
	CHECK_EQ(gsupp_request(c.s, c.drv, OPTEE_RPC_CMD_LOAD_TA, NULL, 0),
		 TEEC_ERROR_ITEM_NOT_FOUND);
	CHECK_EQ(gsupp_request(c.s, c.drv, OPTEE_RPC_CMD_SOCKET, NULL, 0),
		 TEEC_ERROR_NOT_SUPPORTED);

	gdrv_shm_free(c.drv, c.shm);
	gdrv_destroy(c.drv);
	CHECK_EQ(f->allocs, f->frees);
	fake_destroy(f);
}

/* --- raw interface ------------------------------------------------------- */

void test_raw_interface(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv = util_probe(f, GDRV_MODE_MODERN, 1, 100);
	struct optee_msg_arg hdr;
	struct optee_msg_param prm;
	uint64_t regs[8], page[2], list[3] = { 0x1001, 0x2000, 0x3000 };
	uint8_t bytes[32], back[32];
	uint32_t s;
	int n;

	if (!drv)
		return;
	s = util_open(drv);
	memset(regs, 0, sizeof(regs));
	regs[0] = OPTEE_SMC_CALLS_UID;
	regs[7] = 5; /* any client ID: the driver never checks */
	graw_smc(&f->env, regs);
	CHECK_EQ(regs[0], OPTEE_MSG_UID_0);
	CHECK_EQ(f->nonzero_a7, 1);

	CHECK_EQ(gdrv_pages_alloc(drv, 2, GDRV_PAGES_CONTIG, page), GDRV_OK);
	memset(bytes, 0x77, sizeof(bytes));
	CHECK_EQ(graw_write(&f->env, page[0] + PAGE - 16, bytes, sizeof(bytes)),
		 GDRV_OK);
	CHECK_EQ(graw_read(&f->env, page[0] + PAGE - 16, back, sizeof(back)), GDRV_OK);
	CHECK(memcmp(bytes, back, sizeof(bytes)) == 0);
	CHECK_EQ(graw_write(&f->env, 0x1000, bytes, 4), GDRV_EFAULT);

	CHECK_EQ(graw_write_pagelist_page(&f->env, page[1], list, 3, 0xdead000),
		 GDRV_OK);
	CHECK_EQ(slots_of(f, page[1])[0], 0x1001);
	CHECK_EQ(slots_of(f, page[1])[3], 0);
	CHECK_EQ(slots_of(f, page[1])[511], 0xdead000);

	/* A hand-made INVOKE through CALL_WITH_ARG, RPCs served by the driver. */
	memset(&hdr, 0, sizeof(hdr));
	hdr.cmd = OPTEE_MSG_CMD_INVOKE_COMMAND;
	hdr.func = F_ECHO;
	hdr.session = s;
	hdr.num_params = 1;
	memset(&prm, 0, sizeof(prm));
	prm.attr = OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	prm.u.value.a = 41;
	CHECK_EQ(graw_write_arg(&f->env, page[0], &hdr, &prm, 1), GDRV_OK);
	memset(regs, 0, sizeof(regs));
	regs[0] = OPTEE_SMC_CALL_WITH_ARG;
	regs[1] = page[0] >> 32;
	regs[2] = page[0] & 0xFFFFFFFFu;
	CHECK_EQ(graw_std_call(drv, regs, 0), GDRV_OK);
	CHECK_EQ(regs[0], OPTEE_SMC_RETURN_OK);
	CHECK_EQ(((struct optee_msg_arg *)(void *)fake_mem(f, page[0]))->params[0].u.value.a,
		 42);
	/* Misaligned argument: the secure world refuses it. */
	regs[0] = OPTEE_SMC_CALL_WITH_ARG;
	regs[1] = 0;
	regs[2] = (page[0] + 8) & 0xFFFFFFFFu;
	regs[1] = (page[0] + 8) >> 32;
	n = f->nsmc;
	CHECK_EQ(graw_std_call(drv, regs, 0), GDRV_ECOMM);
	CHECK_EQ(regs[0], OPTEE_SMC_RETURN_EBADADDR);
	CHECK_EQ(f->nsmc, n + 1);
	gdrv_pages_free(drv, page, 2);
	util_teardown(f, drv);
}

/* The machine unmaps the argument page: a local error, then recovery. */
void test_unmapped_arg_page(void)
{
	struct fake *f = fake_create();
	struct gdrv *drv = util_probe(f, GDRV_MODE_MODERN, 1, 100);
	struct gdrv_result res;
	struct fake_reg *arg_reg = NULL;
	uint32_t s;
	int i, n;

	if (!drv)
		return;
	s = util_open(drv);
	for (i = 0; i < FAKE_MAX_REGS; i++)
		if (f->regs[i].used && f->regs[i].size == PAGE)
			arg_reg = &f->regs[i];
	CHECK(arg_reg != NULL);
	if (!arg_reg) {
		util_teardown(f, drv);
		return;
	}
	f->unmapped_page = (long long)((arg_reg->pages[0] - FAKE_RAM_BASE) / PAGE);
	n = f->nsmc;
	CHECK(gdrv_invoke(drv, s, F_ECHO, 0, NULL, 0, &res) < 0);
	CHECK_EQ(res.origin, TEEC_ORIGIN_API);
	CHECK_EQ(f->nsmc, n);
	f->unmapped_page = -1;
	CHECK_EQ(gdrv_invoke(drv, s, F_ECHO, 0, NULL, 0, &res), GDRV_OK);
	CHECK_EQ(res.ret, TEEC_SUCCESS);
	util_teardown(f, drv);
}
