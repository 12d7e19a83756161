/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The hostile guest: set-up, its two vCPUs (the attacker and its helper),
 * accounting of checks and deviations, teardown.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/workload/hostile_int.h"

static const char *const attack_names[HA_COUNT] = {
	[HA_FAST_FORBIDDEN] = "fast-forbidden",
	[HA_FAST_CAPS] = "fast-caps",
	[HA_ARG_ADDR] = "arg-address",
	[HA_ARG_NUM_PARAMS] = "arg-num-params",
	[HA_ARG_READONLY] = "arg-readonly",
	[HA_BAD_CMD] = "bad-cmd",
	[HA_BAD_PARAMS] = "bad-params",
	[HA_PAGELIST_FOREIGN] = "pagelist-foreign",
	[HA_PAGELIST_MALFORMED] = "pagelist-malformed",
	[HA_PAGELIST_READONLY] = "pagelist-readonly",
	[HA_PAGELIST_LOOP] = "pagelist-loop",
	[HA_RMEM_GUESS] = "rmem-cookies",
	[HA_SHM_REGISTER] = "shm-register",
	[HA_RESUME_FOREIGN] = "resume-foreign",
	[HA_RESUME_OTHER_VCPU] = "resume-other-vcpu",
	[HA_REWRITE_IN_FLIGHT] = "rewrite-in-flight",
	[HA_SCRIBBLE_RACE] = "scribble-race",
	[HA_BALLOON_ARG] = "balloon-arg",
	[HA_BALLOON_SHM] = "balloon-shm",
	[HA_BALLOON_PREEMPTED] = "balloon-preempted",
};

const char *hostile_attack_name(enum hostile_attack a)
{
	return (unsigned)a < HA_COUNT ? attack_names[a] : "?";
}

void hx_smc(struct hostile *h, uint64_t regs[8])
{
	atomic_fetch_add(&h->smcs, 1);
	graw_smc(h->env, regs);
}

uint64_t hx_rand(struct hostile *h)
{
	return rng_next(&h->rng);
}

uint64_t hx_victim_pa(struct hostile *h)
{
	if (!h->nvictim_pa)
		return phys_region_base(h->phys, PHYS_REGION_GUEST);
	return h->victim_pa[hx_rand(h) % h->nvictim_pa];
}

uint64_t hx_mediator_pa(struct hostile *h)
{
	uint64_t frames = phys_region_bytes(h->phys, PHYS_REGION_MEDIATOR) / HX_PAGE;

	return phys_region_base(h->phys, PHYS_REGION_MEDIATOR) +
	       (hx_rand(h) % (frames ? frames : 1)) * HX_PAGE;
}

uint64_t hx_new_cookie(struct hostile *h)
{
	return h->next_cookie++;
}

void hx_try(struct hostile *h, enum hostile_attack a)
{
	pthread_mutex_lock(&h->stat_lock);
	h->sum.tries[a]++;
	pthread_mutex_unlock(&h->stat_lock);
}

bool hx_check(struct hostile *h, enum hostile_attack a, const char *what, uint64_t got,
	      uint64_t want)
{
	bool print;

	pthread_mutex_lock(&h->stat_lock);
	h->sum.checks++;
	if (got == want) {
		pthread_mutex_unlock(&h->stat_lock);
		return true;
	}
	h->sum.deviations++;
	h->sum.failed[a]++;
	print = h->cfg.verbose || h->printed++ < HOSTILE_PRINTED;
	pthread_mutex_unlock(&h->stat_lock);
	if (print)
		fprintf(stderr, "hostile: round %u %s: %s: got 0x%llx, want 0x%llx\n", h->round,
			attack_names[a], what, (unsigned long long)got, (unsigned long long)want);
	return false;
}

/* --- vCPU 1's mailbox ---------------------------------------------------- */

void hx_helper_post(struct hostile *h, hx_job_fn fn, void *arg)
{
	pthread_mutex_lock(&h->lock);
	h->job = fn;
	h->job_arg = arg;
	h->job_state = 1;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

void hx_helper_wait(struct hostile *h)
{
	pthread_mutex_lock(&h->lock);
	while (h->job_state != 3)
		pthread_cond_wait(&h->cond, &h->lock);
	h->job_state = 0;
	pthread_mutex_unlock(&h->lock);
}

void hx_on_helper(struct hostile *h, hx_job_fn fn, void *arg)
{
	hx_helper_post(h, fn, arg);
	hx_helper_wait(h);
}

static void helper_loop(struct hostile *h)
{
	pthread_mutex_lock(&h->lock);
	for (;;) {
		while (h->job_state != 1 && !h->quit)
			pthread_cond_wait(&h->cond, &h->lock);
		if (h->job_state != 1)
			break;
		h->job_state = 2;
		pthread_mutex_unlock(&h->lock);
		h->job(h, h->job_arg);
		pthread_mutex_lock(&h->lock);
		h->job_state = 3;
		pthread_cond_broadcast(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
}

/* --- the vCPUs ---------------------------------------------------------- */

static void pause_ms(unsigned ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	nanosleep(&ts, NULL);
}

static void attack_round(struct hostile *h)
{
	hx_attack_fast(h);
	hx_attack_args(h);
	hx_attack_params(h);
	hx_attack_resume(h);
	hx_attack_pagelists(h);
	hx_attack_shm(h);
	hx_attack_in_flight(h);
	hx_attack_balloon(h);
}

static int vcpu_main(const struct guest_env *env, void *arg)
{
	struct hostile *h = arg;
	int rc;

	wl_env_enter(env);
	if (machine_env_vcpu(env) != 0) {
		helper_loop(h);
		wl_env_enter(NULL);
		return 0;
	}
	while (!atomic_load(&h->stop) && (!h->cfg.rounds || h->round < h->cfg.rounds)) {
		attack_round(h);
		h->round++;
		pthread_mutex_lock(&h->stat_lock);
		h->sum.rounds++;
		pthread_mutex_unlock(&h->stat_lock);
		pause_ms(HX_ROUND_PAUSE_MS);
	}
	/* Leave one call waiting in an RPC: the domain's teardown must clean it. */
	hx_abandon_call(h);
	pthread_mutex_lock(&h->lock);
	h->quit = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	wl_env_enter(NULL);
	pthread_mutex_lock(&h->stat_lock);
	rc = h->sum.deviations ? -1 : 0;
	pthread_mutex_unlock(&h->stat_lock);
	return rc;
}

/* --- set-up ----------------------------------------------------------- */

static void sample_victims(struct hostile *h, struct machine_guest *const *victims,
			   uint32_t nvictims)
{
	uint32_t i;

	for (i = 0; nvictims && i < HX_VICTIM_PAS; i++) {
		struct stage2 *s2 = machine_guest_stage2(victims[i % nvictims]);
		uint64_t pages = stage2_ram_size(s2) / HX_PAGE, pa = 0;

		if (stage2_lookup(s2, stage2_ram_base(s2) + (hx_rand(h) % pages) * HX_PAGE,
				  &pa) == S2_RAM_RW && pa)
			h->victim_pa[h->nvictim_pa++] = pa;
	}
}

/* Pages of its own, and the odd ones: MMIO, a hole, read-only. */
static int setup_pages(struct hostile *h)
{
	uint64_t base = stage2_ram_base(h->s2), size = stage2_ram_size(h->s2);
	uint64_t pages[7];
	unsigned i;

	/* The last three pages of RAM leave the allocator: MMIO, hole, RO. */
	h->mmio_ipa = base + size - 3 * HX_PAGE;
	h->hole_ipa = base + size - 2 * HX_PAGE;
	h->ro_page = base + size - HX_PAGE;
	h->beyond_ipa = base + size + (16u << 20);
	if (gdrv_pages_reserve(h->drv, h->mmio_ipa, 3 * HX_PAGE) ||
	    stage2_map_mmio(h->s2, h->mmio_ipa, S2_DEFAULT_MMIO_PA) ||
	    stage2_unmap(h->s2, h->hole_ipa))
		return -EIO;
	if (gdrv_pages_alloc(h->drv, 7, GDRV_PAGES_SCATTER, pages) ||
	    gdrv_pages_alloc(h->drv, 8, GDRV_PAGES_SCATTER, h->shm_pages))
		return -ENOMEM;
	h->arg_page = pages[0];
	h->list_page = pages[1];
	for (i = 0; i < 4; i++)
		h->data[i] = pages[2 + i];
	h->long_pages = calloc(HX_LONG_PAGES, sizeof(*h->long_pages));
	if (!h->long_pages ||
	    gdrv_pages_alloc(h->drv, HX_LONG_PAGES, GDRV_PAGES_SCATTER, h->long_pages))
		return -ENOMEM;
	return 0;
}

/*
 * What the guest is offered, checked once against what it may be offered
 * (a deviation, not a set-up failure); later rounds check it is stable.
 */
static int check_caps(struct hostile *h)
{
	struct teemed_info info;
	uint64_t r[8] = { OPTEE_SMC_EXCHANGE_CAPABILITIES };

	hx_smc(h, r);
	if ((uint32_t)r[0] != OPTEE_SMC_RETURN_OK)
		return -EIO;
	h->caps = r[1];
	h->caps_a2 = r[2];
	h->caps_a3 = r[3];
	teemed_get_info(machine_mediator(h->m), &info);
	hx_try(h, HA_FAST_CAPS);
	hx_check(h, HA_FAST_CAPS, "caps beyond what a guest may get",
		 h->caps & ~(uint64_t)(HX_CAPS_ALLOWED & info.secure_caps), 0);
	hx_check(h, HA_FAST_CAPS, "DYNAMIC_SHM offered",
		 !!(h->caps & OPTEE_SMC_SEC_CAP_DYNAMIC_SHM), 1);
	if (!(h->caps & OPTEE_SMC_SEC_CAP_ASYNC_NOTIF))
		hx_check(h, HA_FAST_CAPS, "a2 without async notification", h->caps_a2, 0);
	hx_check(h, HA_FAST_CAPS, "a3: in-band RPC params", h->caps_a3,
		 h->caps & OPTEE_SMC_SEC_CAP_RPC_ARG ? info.rpc_param_count : 0);
	return 0;
}

/* Sessions and a buffer registered for the whole run. */
static int setup_secure_state(struct hostile *h)
{
	static const struct ta_uuid arith = TA_ARITH_UUID, buf = TA_BUF_UUID,
				    sleep = TA_SLEEP_UUID;
	uint64_t r[8] = { OPTEE_SMC_GET_THREAD_COUNT };
	uint32_t ret = 0, origin = 0;

	hx_smc(h, r);
	h->threads = (uint32_t)r[0] == OPTEE_SMC_RETURN_OK ? (uint32_t)r[1] : 0;
	if (check_caps(h) ||
	    !h->threads || hx_open_session(h, &arith, &h->sess_arith) ||
	    hx_open_session(h, &buf, &h->sess_buf) || hx_open_session(h, &sleep, &h->sess_sleep))
		return -EIO;
	/* 3 pages and 100 bytes: OP-TEE sizes the object to its last page's end. */
	h->shm_cookie = hx_new_cookie(h);
	if (hx_register(h, h->shm_pages, 4, 0, 3 * HX_PAGE + 100, h->shm_cookie, &ret,
			&origin) != OPTEE_SMC_RETURN_OK || ret != TEEC_SUCCESS)
		return -EIO;
	return 0;
}

int hostile_create(struct machine *m, struct machine_guest *g,
		   struct machine_guest *const *victims, uint32_t nvictims,
		   const struct hostile_config *cfg, struct hostile **out)
{
	struct gdrv_config dc;
	struct hostile *h;
	int rc;

	if (machine_mode(m) != MACHINE_MEDIATED || machine_guest_vcpus(g) != HOSTILE_VCPUS)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->m = m;
	h->g = g;
	h->s2 = machine_guest_stage2(g);
	h->phys = machine_phys(m);
	h->cfg = *cfg;
	h->rng = cfg->seed ^ 0x686f7374696c65ull; /* "hostile" */
	h->next_cookie = 0xbad0000000000001ull;   /* nothing like the victims' */
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	pthread_mutex_init(&h->stat_lock, NULL);
	pthread_mutex_init(&h->rpc_lock, NULL);
	rc = wl_env_init(&h->wenv, m, g);
	h->env = &h->wenv.env;
	sample_victims(h, victims, nvictims);
	gdrv_config_default(&dc);
	dc.num_vcpus = HOSTILE_VCPUS;
	if (!rc && gdrv_create(h->env, &dc, &h->drv))
		rc = -ENOMEM;
	if (!rc)
		rc = setup_pages(h);
	if (!rc)
		rc = setup_secure_state(h);
	if (rc) {
		fprintf(stderr, "hostile: set-up failed: %d\n", rc);
		hostile_destroy(h);
		return rc;
	}
	*out = h;
	return 0;
}

int hostile_start(struct hostile *h)
{
	return machine_guest_start_all(h->g, vcpu_main, h);
}

void hostile_stop(struct hostile *h)
{
	atomic_store(&h->stop, true);
}

int hostile_join(struct hostile *h)
{
	return machine_guest_join(h->g) ? -1 : 0;
}

void hostile_get_summary(struct hostile *h, struct hostile_summary *out)
{
	pthread_mutex_lock(&h->stat_lock);
	*out = h->sum;
	pthread_mutex_unlock(&h->stat_lock);
	out->smcs = atomic_load(&h->smcs);
}

void hostile_destroy(struct hostile *h)
{
	if (!h)
		return;
	/*
	 * The registered buffer, the sessions and the abandoned call stay:
	 * the domain's destruction must release them. Guest pages go back to
	 * the allocator with the driver.
	 */
	if (h->drv) {
		hx_rpc_pages_release(h);
		gdrv_destroy(h->drv);
	}
	free(h->long_pages);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->stat_lock);
	pthread_mutex_destroy(&h->rpc_lock);
	free(h);
}
