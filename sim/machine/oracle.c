/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The OP-TEE model's environment and the isolation oracle (see oracle.h).
 *
 * Lock order: o->model_lock (held by the model around an SMC), then either
 * the phys mutex (inside phys_access) or o->rec_lock, never both at once.
 */
#include "sim/machine/oracle.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Written before every env alloc() payload, checked by free(). */
#define ALLOC_MAGIC 0x6f7074656541434cull
struct alloc_hdr {
	uint64_t magic;
	uint64_t size; /* keeps the payload 16-byte aligned */
};

struct oracle {
	struct phys *phys;
	struct oracle_config cfg;
	pthread_mutex_t model_lock;
	pthread_mutex_t rec_lock; /* records and stats */
	struct oracle_violation records[ORACLE_RECORDS_MAX];
	size_t nrecords;
	struct oracle_stats stats;
	void (*notif)(void *arg);
	void *notif_arg;
};

/* What phys_access's allow() saw when it refused. */
struct verdict {
	const struct oracle *o;
	uint16_t client;
	const char *why;
	uint64_t frame_pa;
	struct phys_frame_info frame;
};

/* NULL if client `client` may access a frame like `f`, else the reason. */
static const char *judge(const struct oracle *o, uint16_t client,
			 const struct phys_frame_info *f, bool write)
{
	uint16_t guest;

	if (o->cfg.direct)
		return f->owner == PHYS_GUEST && f->dom == o->cfg.direct_guest ?
			       NULL : "not the guest's page";
	if (client == 0)
		return "access on behalf of no guest (client 0)";
	guest = (uint16_t)(client - 1);
	switch (f->owner) {
	case PHYS_GUEST:
		if (f->dom != guest)
			return "another guest's page";
		if (write && !f->wpins)
			return f->rpins ? "page pinned for read only" : "page not pinned";
		if (!f->rpins && !f->wpins)
			return "page not pinned";
		return NULL;
	case PHYS_MEDIATOR:
		if (f->dom == PHYS_NO_DOM)
			return "mediator page serving no guest";
		return f->dom == guest ? NULL : "mediator page serving another guest";
	case PHYS_SECURE:
		return "secure memory";
	case PHYS_HYPERVISOR:
		return "hypervisor's page";
	default:
		return "free page";
	}
}

static bool allow(void *arg, uint64_t frame_pa, const struct phys_frame_info *info,
		  bool write)
{
	struct verdict *v = arg;

	v->why = judge(v->o, v->client, info, write);
	if (!v->why)
		return true;
	v->frame_pa = frame_pa;
	v->frame = *info;
	return false;
}

static void print_violation(const struct oracle_violation *r)
{
	fprintf(stderr,
		"oracle: VIOLATION client %u %s pa 0x%llx len %llu: %s (frame 0x%llx owner %s dom %u pins r%u w%u%s)\n",
		r->client, r->write ? "write" : "read", (unsigned long long)r->pa,
		(unsigned long long)r->len, r->why, (unsigned long long)r->frame_pa,
		phys_owner_name(r->frame.owner), r->frame.dom, r->frame.rpins, r->frame.wpins,
		r->frame.released ? " released" : "");
}

static void record(struct oracle *o, uint16_t client, uint64_t pa, uint64_t len, bool write,
		   const struct verdict *v)
{
	struct oracle_violation r = {
		.client = client, .write = write, .pa = pa, .len = len,
		.frame_pa = v->frame_pa, .frame = v->frame, .why = v->why,
	};
	uint64_t n;

	pthread_mutex_lock(&o->rec_lock);
	n = ++o->stats.violations;
	if (o->nrecords < ORACLE_RECORDS_MAX)
		o->records[o->nrecords++] = r;
	pthread_mutex_unlock(&o->rec_lock);
	if (!o->cfg.quiet && n <= ORACLE_PRINTED_MAX)
		print_violation(&r);
}

/* Judge, then copy if allowed (buf NULL: judge only); record if `rec`. */
static int access_phys(struct oracle *o, uint16_t client, uint64_t pa, void *buf, size_t len,
		       bool write, bool rec)
{
	struct verdict v = { .o = o, .client = client };
	int ret;

	if (rec) {
		pthread_mutex_lock(&o->rec_lock);
		if (write) {
			o->stats.writes++;
			o->stats.bytes_written += len;
		} else {
			o->stats.reads++;
			o->stats.bytes_read += len;
		}
		pthread_mutex_unlock(&o->rec_lock);
	}
	ret = phys_access(o->phys, pa, buf, len, write, allow, &v);
	if (ret == -EINVAL) {
		v.why = "outside physical RAM";
		memset(&v.frame, 0, sizeof(v.frame));
	}
	if (ret && rec)
		record(o, client, pa, len, write, &v);
	return ret;
}

int oracle_check(struct oracle *o, uint16_t client, uint64_t pa, size_t len, bool write)
{
	return access_phys(o, client, pa, NULL, len, write, false);
}

int oracle_read(struct oracle *o, uint16_t client, uint64_t pa, void *dst, size_t len)
{
	return access_phys(o, client, pa, dst, len, false, true);
}

int oracle_write(struct oracle *o, uint16_t client, uint64_t pa, const void *src, size_t len)
{
	/* phys_access only reads `buf` when writing. */
	return access_phys(o, client, pa, (void *)(uintptr_t)src, len, true, true);
}

static int env_read(void *ctx, uint16_t client, uint64_t pa, void *dst, size_t len)
{
	return oracle_read(ctx, client, pa, dst, len);
}

static int env_write(void *ctx, uint16_t client, uint64_t pa, const void *src, size_t len)
{
	return oracle_write(ctx, client, pa, src, len);
}

static int env_is_nsec_ram(void *ctx, uint64_t pa, size_t len)
{
	struct oracle *o = ctx;
	uint64_t sbase = phys_region_base(o->phys, PHYS_REGION_SECURE);
	uint64_t send = sbase + phys_region_bytes(o->phys, PHYS_REGION_SECURE);

	if (!phys_contains(o->phys, pa, len ? len : 1))
		return 0;
	/* Not touching the secure region: [pa, pa + len) ends before or starts after it. */
	return pa + len <= sbase || pa >= send;
}

static void *env_alloc(void *ctx, size_t size)
{
	struct oracle *o = ctx;
	struct alloc_hdr *h;

	if (size > SIZE_MAX - sizeof(*h))
		return NULL;
	h = calloc(1, sizeof(*h) + size);
	if (!h)
		return NULL;
	h->magic = ALLOC_MAGIC;
	h->size = size;
	pthread_mutex_lock(&o->rec_lock);
	o->stats.allocs_live++;
	o->stats.bytes_live += size;
	pthread_mutex_unlock(&o->rec_lock);
	return h + 1;
}

static void env_free(void *ctx, void *ptr, size_t size)
{
	struct oracle *o = ctx;
	struct alloc_hdr *h;

	if (!ptr)
		return;
	h = (struct alloc_hdr *)ptr - 1;
	pthread_mutex_lock(&o->rec_lock);
	if (h->magic != ALLOC_MAGIC) {
		o->stats.alloc_errors++;
		pthread_mutex_unlock(&o->rec_lock);
		fprintf(stderr, "oracle: ERROR model freed no allocation %p\n", ptr);
		return;
	}
	if (h->size != size) {
		o->stats.alloc_errors++;
		fprintf(stderr, "oracle: ERROR model freed %llu bytes as %zu\n",
			(unsigned long long)h->size, size);
	}
	o->stats.allocs_live--;
	o->stats.bytes_live -= h->size;
	pthread_mutex_unlock(&o->rec_lock);
	h->magic = 0;
	free(h);
}

static void env_lock(void *ctx)
{
	pthread_mutex_lock(&((struct oracle *)ctx)->model_lock);
}

static void env_unlock(void *ctx)
{
	pthread_mutex_unlock(&((struct oracle *)ctx)->model_lock);
}

static uint64_t env_time_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void env_raise_notif_irq(void *ctx)
{
	struct oracle *o = ctx;

	pthread_mutex_lock(&o->rec_lock);
	o->stats.notif_irqs++;
	pthread_mutex_unlock(&o->rec_lock);
	if (o->notif)
		o->notif(o->notif_arg);
}

static void env_log(void *ctx, const char *msg)
{
	struct oracle *o = ctx;

	if (o->cfg.verbose)
		fprintf(stderr, "optee: %s\n", msg);
}

int oracle_create(struct phys *p, const struct oracle_config *cfg, struct oracle **out)
{
	struct oracle *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	o->phys = p;
	if (cfg)
		o->cfg = *cfg;
	pthread_mutex_init(&o->model_lock, NULL);
	pthread_mutex_init(&o->rec_lock, NULL);
	*out = o;
	return 0;
}

void oracle_destroy(struct oracle *o)
{
	if (!o)
		return;
	pthread_mutex_destroy(&o->model_lock);
	pthread_mutex_destroy(&o->rec_lock);
	free(o);
}

void oracle_env(struct oracle *o, struct optee_model_env *env)
{
	*env = (struct optee_model_env){
		.ctx = o,
		.read = env_read,
		.write = env_write,
		.is_nsec_ram = env_is_nsec_ram,
		.alloc = env_alloc,
		.free = env_free,
		.lock = env_lock,
		.unlock = env_unlock,
		.time_ns = env_time_ns,
		.raise_notif_irq = env_raise_notif_irq,
		.log = env_log,
	};
}

void oracle_set_notif_handler(struct oracle *o, void (*fn)(void *arg), void *arg)
{
	o->notif = fn;
	o->notif_arg = arg;
}

uint64_t oracle_violations(struct oracle *o)
{
	uint64_t n;

	pthread_mutex_lock(&o->rec_lock);
	n = o->stats.violations;
	pthread_mutex_unlock(&o->rec_lock);
	return n;
}

size_t oracle_records(struct oracle *o, struct oracle_violation *out, size_t max)
{
	size_t n;

	pthread_mutex_lock(&o->rec_lock);
	n = o->nrecords < max ? o->nrecords : max;
	memcpy(out, o->records, n * sizeof(*out));
	pthread_mutex_unlock(&o->rec_lock);
	return n;
}

void oracle_print_records(struct oracle *o)
{
	struct oracle_violation r[ORACLE_RECORDS_MAX];
	size_t i, n = oracle_records(o, r, ORACLE_RECORDS_MAX);

	for (i = 0; i < n; i++)
		print_violation(&r[i]);
}

void oracle_stats(struct oracle *o, struct oracle_stats *out)
{
	pthread_mutex_lock(&o->rec_lock);
	*out = o->stats;
	pthread_mutex_unlock(&o->rec_lock);
}
