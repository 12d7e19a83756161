// SPDX-License-Identifier: BSD-2-Clause
/*
 * The trusted OS: the OP-TEE model (sim/optee, built unchanged for EL3)
 * on a real struct optee_model_env, and the isolation oracle behind it.
 *
 * The model reaches physical memory only through env->read/write, tagged
 * with the client (guest) the access serves. The oracle allows client c
 * exactly what the static partitioning (plat.h) gives guest slot c - 1:
 * its RAM range and its mediator page pool; the bench guest's bare-forward
 * client reaches its RAM only. Anything else (another guest's memory, the
 * hypervisor's image, secure memory, client 0) is a violation: refused,
 * recorded and reported at exit, where it makes the run fail.
 *
 * What the oracle cannot see from here (it has no channel to the
 * hypervisor): which pages are pinned at the moment, and which guest pages
 * are read-only. The simulator's oracle checks those; on this platform the
 * hypervisor checks at each domain's destruction that no pin is left.
 *
 * The rest of the env: is_nsec_ram is DRAM; alloc/free a heap in secure
 * SRAM; one spinlock around every SMC the model serves; time from the
 * physical counter.
 */
#include "el3.h"

#include "../common/console.h"
#include "../common/lib.h"
#include "optee/model.h"
#include "plat.h"
#include "teemed/optee_smc.h"

/* Violations kept in detail and printed; later ones are only counted. */
#define ORACLE_RECORDS_MAX 16
/* Partitions the model may hold at once: every slot plus a bypass client. */
#define TOS_MAX_GUESTS 8
/*
 * OP-TEE's CFG_NUM_THREADS default (ABI 1.3): 2 threads a guest, so a guest
 * with two vCPUs meets ETHREAD_LIMIT and the mediator's call-slot limit.
 */
#define TOS_NUM_THREADS 2
/* Random FOREIGN_INTR injection, 1 in N thread entries (0 = none). */
#ifndef TOS_FOREIGN_INTR_ONE_IN
#define TOS_FOREIGN_INTR_ONE_IN 0
#endif

extern char el3_heap_start[], el3_heap_end[];

struct violation {
	uint16_t client;
	uint8_t write;
	uint64_t pa, len;
	const char *why;
};

static struct heap tos_heap;
static spinlock_t model_lock = SPINLOCK_INIT;
static spinlock_t oracle_lock = SPINLOCK_INIT;
static struct optee_model *model;
static uint64_t freq;
static struct violation records[ORACLE_RECORDS_MAX];
static uint64_t nviolations, reads, writes, bytes_read, bytes_written;

static int inside(uint64_t pa, uint64_t len, uint64_t base, uint64_t size)
{
	return pa >= base && len <= size && pa - base <= size - len;
}

/* NULL if `client` may touch [pa, pa + len), else why not. */
/*
 * A slot's RAM; in the `linux` image (TOS_LINUX_SLOT) that slot's client is
 * the Linux guest, whose RAM is PLAT_LINUX_RAM_BASE instead (plat.h).
 */
static uint64_t ram_base(unsigned g)
{
#ifdef TOS_LINUX_SLOT
	if (g == TOS_LINUX_SLOT)
		return PLAT_LINUX_RAM_BASE;
#endif
	return PLAT_GUEST_RAM_BASE(g);
}

static uint64_t ram_size(unsigned g)
{
#ifdef TOS_LINUX_SLOT
	if (g == TOS_LINUX_SLOT)
		return PLAT_LINUX_RAM_SIZE;
#endif
	(void)g;
	return PLAT_GUEST_RAM_MAX;
}

static const char *judge(uint16_t client, uint64_t pa, uint64_t len)
{
	unsigned g;

	if (len == 0)
		len = 1;
	if (pa + len < pa)
		return "address overflow";
	if (client == 0)
		return "access on behalf of no guest (client 0)";
	for (g = 0; g < PLAT_GUEST_SLOTS; g++) {
		if (client == PLAT_CLIENT_ID(g)) {
			if (inside(pa, len, ram_base(g), ram_size(g)) ||
			    inside(pa, len, PLAT_MED_POOL_BASE(g), PLAT_MED_POOL_SIZE))
				return NULL;
			return "not this guest's RAM or mediator pool";
		}
		if (client == PLAT_BYPASS_CLIENT_ID(g))
			return inside(pa, len, PLAT_GUEST_RAM_BASE(g), PLAT_GUEST_RAM_MAX)
				   ? NULL
				   : "not this guest's RAM";
	}
	return "client ID of no guest";
}

static int check(uint16_t client, uint64_t pa, uint64_t len, int write)
{
	const char *why = judge(client, pa, len);
	uint64_t n;

	spin_lock(&oracle_lock);
	if (write) {
		writes++;
		bytes_written += len;
	} else {
		reads++;
		bytes_read += len;
	}
	if (!why) {
		spin_unlock(&oracle_lock);
		return 0;
	}
	n = nviolations++;
	if (n < ORACLE_RECORDS_MAX)
		records[n] = (struct violation){client, (uint8_t)write, pa, len, why};
	spin_unlock(&oracle_lock);
	if (n < ORACLE_RECORDS_MAX)
		console_printf("[EL3] ORACLE VIOLATION: client %u %s pa 0x%lx len %lu: %s\n",
			       client, write ? "write" : "read", (unsigned long)pa,
			       (unsigned long)len, why);
	return -1;
}

static int env_read(void *ctx, uint16_t client, uint64_t pa, void *dst, size_t len)
{
	(void)ctx;
	if (check(client, pa, len, 0))
		return -1;
	memcpy(dst, (const void *)(uintptr_t)pa, len);
	return 0;
}

static int env_write(void *ctx, uint16_t client, uint64_t pa, const void *src, size_t len)
{
	(void)ctx;
	if (check(client, pa, len, 1))
		return -1;
	memcpy((void *)(uintptr_t)pa, src, len);
	return 0;
}

static int env_is_nsec_ram(void *ctx, uint64_t pa, size_t len)
{
	(void)ctx;
	return inside(pa, len ? len : 1, PLAT_DRAM_BASE, PLAT_DRAM_SIZE);
}

static void *env_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return heap_alloc(&tos_heap, size);
}

static void env_free(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	heap_free(&tos_heap, ptr, size);
}

static void env_lock(void *ctx)
{
	(void)ctx;
	spin_lock(&model_lock);
}

static void env_unlock(void *ctx)
{
	(void)ctx;
	spin_unlock(&model_lock);
}

static uint64_t env_time_ns(void *ctx)
{
	(void)ctx;
	return ticks_to_ns(counter_read(), freq);
}

int tos_init(void)
{
	struct optee_model_env env = {
	    .read = env_read,
	    .write = env_write,
	    .is_nsec_ram = env_is_nsec_ram,
	    .alloc = env_alloc,
	    .free = env_free,
	    .lock = env_lock,
	    .unlock = env_unlock,
	    .time_ns = env_time_ns,
	};
	struct optee_model_config cfg;

	freq = counter_freq();
	heap_init(&tos_heap, el3_heap_start, (size_t)(el3_heap_end - el3_heap_start));
	optee_model_config_default(&cfg);
	/* OP-TEE built with CFG_NS_VIRTUALIZATION says so in its caps (ABI 3.2). */
	cfg.virtualization = 1;
	cfg.sec_caps |= OPTEE_SMC_SEC_CAP_VIRTUALIZATION;
	cfg.num_threads = TOS_NUM_THREADS;
	cfg.max_guests = TOS_MAX_GUESTS;
	cfg.foreign_intr_one_in = TOS_FOREIGN_INTR_ONE_IN;
	if (optee_model_init(&env, &cfg, &model))
		return -1;
	console_printf("[EL3] OP-TEE model: virtualization, %u threads a guest, %u partitions, "
		       "caps 0x%x, FOREIGN_INTR 1/%u, heap %lu KiB\n",
		       cfg.num_threads, cfg.max_guests, cfg.sec_caps, cfg.foreign_intr_one_in,
		       (unsigned long)((el3_heap_end - el3_heap_start) / 1024));
	return 0;
}

void tos_smc(uint64_t r[8])
{
	optee_model_smc(model, r);
}

uint64_t tos_violations(void)
{
	return nviolations;
}

void tos_report(void)
{
	uint64_t n = nviolations, i;

	console_printf("[EL3] oracle: %lu reads (%lu bytes), %lu writes (%lu bytes), %lu "
		       "violations; model heap %lu KiB live, %lu KiB peak\n",
		       (unsigned long)reads, (unsigned long)bytes_read, (unsigned long)writes,
		       (unsigned long)bytes_written, (unsigned long)n,
		       (unsigned long)(tos_heap.bytes_live / 1024),
		       (unsigned long)(tos_heap.high_water / 1024));
	for (i = 0; i < n && i < ORACLE_RECORDS_MAX; i++)
		console_printf("[EL3]   violation %lu: client %u %s pa 0x%lx len %lu: %s\n",
			       (unsigned long)i, records[i].client,
			       records[i].write ? "write" : "read", (unsigned long)records[i].pa,
			       (unsigned long)records[i].len, records[i].why);
}
