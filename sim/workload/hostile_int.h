/* SPDX-License-Identifier: BSD-2-Clause */
/* Internals of the hostile guest (hostile*.c). */
#ifndef TEEMED_SIM_WORKLOAD_HOSTILE_INT_H
#define TEEMED_SIM_WORKLOAD_HOSTILE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "sim/guest/raw.h"
#include "sim/machine/rng.h"
#include "sim/optee/ta_api.h"
#include "sim/workload/hostile.h"
#include "sim/workload/wl_env.h"
#include "teemed/optee_msg.h"
#include "teemed/optee_smc.h"

#define HX_PAGE 4096u
/* PAs of the victims' pages sampled at creation. */
#define HX_VICTIM_PAS 64u
/* Sentinels written into ret / ret_origin to see what the mediator writes. */
#define HX_SENTINEL_RET    UINT32_C(0x5ec0de00)
#define HX_SENTINEL_ORIGIN UINT32_C(0x77)
/* Pages of the long buffer: past one work budget (4096), not two. */
#define HX_LONG_PAGES 6144u
/* RPC ALLOC pages the attacker serves at once (OP-TEE asks one a call). */
#define HX_RPC_PAGES 8u
/* ETHREAD_LIMIT retries (1 ms apart) before a call is declared stuck. */
#define HX_ETHREAD_RETRIES 5000u
/* Pause between rounds, leaving the CPUs to the well-behaved guests. */
#define HX_ROUND_PAUSE_MS 15u
/* Calls of the scribble race per round. */
#define HX_SCRIBBLE_CALLS 16u

struct hostile;
typedef void (*hx_job_fn)(struct hostile *h, void *arg);

/* Called at each RPC exit of a call run by hx_serve (before serving it). */
struct hx_hooks {
	void (*on_rpc)(struct hostile *h, const uint64_t exit_regs[8], void *arg);
	void *arg;
};

struct hostile {
	struct machine *m;
	struct machine_guest *g;
	struct stage2 *s2;
	struct phys *phys;
	struct hostile_config cfg;
	struct wl_env wenv;
	const struct guest_env *env;   /* &wenv.env */
	struct gdrv *drv;              /* unprobed: its page allocator only */
	uint64_t rng;                  /* vCPU 0's */
	uint32_t round;

	uint64_t victim_pa[HX_VICTIM_PAS];
	uint32_t nvictim_pa;
	uint32_t threads;              /* GET_THREAD_COUNT at creation */
	uint64_t caps, caps_a2, caps_a3; /* EXCHANGE_CAPABILITIES at creation */

	/* Pages of its own, set up at creation. */
	uint64_t arg_page;             /* vCPU 0's argument */
	uint64_t list_page;            /* a page-list page */
	uint64_t data[4];              /* small data pages */
	uint64_t mmio_ipa;             /* in the RAM window, mapped as MMIO */
	uint64_t hole_ipa;             /* in the RAM window, unmapped */
	uint64_t ro_page;              /* read-only RAM */
	uint64_t beyond_ipa;           /* outside the RAM window */
	uint64_t *long_pages;          /* HX_LONG_PAGES scattered pages */
	uint64_t shm_pages[8];         /* a registered buffer's pages */
	uint64_t shm_cookie;           /* registered for the whole run */
	uint64_t next_cookie;
	uint32_t sess_arith, sess_buf, sess_sleep;

	/* RPC ALLOC pages handed out (cookie = IPA). */
	pthread_mutex_t rpc_lock;
	uint64_t rpc_pages[HX_RPC_PAGES];

	/* vCPU 1's mailbox. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	hx_job_fn job;
	void *job_arg;
	int job_state;                 /* 0 idle, 1 posted, 2 running, 3 done */
	bool quit;
	atomic_bool stop;
	atomic_bool scribbling;

	pthread_mutex_t stat_lock;
	struct hostile_summary sum;
	uint32_t printed;
	atomic_uint_fast64_t smcs;
};

/* hostile.c */
void hx_smc(struct hostile *h, uint64_t regs[8]);
uint64_t hx_rand(struct hostile *h);
uint64_t hx_victim_pa(struct hostile *h);
/* A PA in the mediator's region (its pages, free or in use). */
uint64_t hx_mediator_pa(struct hostile *h);
void hx_try(struct hostile *h, enum hostile_attack a);
bool hx_check(struct hostile *h, enum hostile_attack a, const char *what, uint64_t got,
	      uint64_t want);
/* Run `fn` on vCPU 1 and wait until it is done. */
void hx_on_helper(struct hostile *h, hx_job_fn fn, void *arg);
/* Start `fn` on vCPU 1 without waiting; hx_helper_wait() later. */
void hx_helper_post(struct hostile *h, hx_job_fn fn, void *arg);
void hx_helper_wait(struct hostile *h);
uint64_t hx_new_cookie(struct hostile *h);

/*
 * Capabilities a guest may be offered (docs/design.md, fast calls): dynamic
 * SHM (required), null memrefs, and the newer calls the mediator serves
 * (in-band RPC arguments, asynchronous notification), each only if OP-TEE
 * has it. Never reserved SHM, unregistered SHM, virtualization, RPMB or
 * protected memory.
 */
#define HX_CAPS_ALLOWED (OPTEE_SMC_SEC_CAP_DYNAMIC_SHM | OPTEE_SMC_SEC_CAP_MEMREF_NULL | \
			 OPTEE_SMC_SEC_CAP_RPC_ARG | OPTEE_SMC_SEC_CAP_ASYNC_NOTIF)

/* hostile_call.c */
uint64_t hx_pair(uint64_t hi, uint64_t lo);
void hx_split(uint64_t v, uint64_t *hi, uint64_t *lo);
/* Write an argument at `ipa` with the sentinels in ret/ret_origin. */
void hx_arg(struct hostile *h, uint64_t ipa, uint32_t cmd, uint32_t session, uint32_t func,
	    uint32_t num_params, const struct optee_msg_param *p, size_t np);
void hx_arg_read(struct hostile *h, uint64_t ipa, struct optee_msg_arg *hdr,
		 struct optee_msg_param *p, size_t np);
/* Serve RPCs from the exit in regs until the call ends; returns a0. */
uint32_t hx_serve(struct hostile *h, uint64_t regs[8], const struct hx_hooks *hooks);
/* CALL_WITH_ARG at `ipa` (ETHREAD_LIMIT retried), RPCs served; returns a0. */
uint32_t hx_call(struct hostile *h, uint64_t ipa, const struct hx_hooks *hooks);
/* The first SMC only (ETHREAD_LIMIT retried); regs get the exit. */
uint32_t hx_start(struct hostile *h, uint64_t ipa, uint64_t regs[8]);
int hx_open_session(struct hostile *h, const struct ta_uuid *uuid, uint32_t *session);
/* REGISTER_SHM of `pages` (page list built here) with `cookie`; a0, *ret, *origin. */
uint32_t hx_register(struct hostile *h, const uint64_t *pages, size_t n, uint32_t offset,
		     uint64_t size, uint64_t cookie, uint32_t *ret, uint32_t *origin);
uint32_t hx_unregister(struct hostile *h, uint64_t cookie, uint32_t *ret, uint32_t *origin);
void hx_rpc_pages_release(struct hostile *h);

/* hostile_args.c, hostile_mem.c: one round of each family. */
void hx_attack_fast(struct hostile *h);
void hx_attack_args(struct hostile *h);
void hx_attack_params(struct hostile *h);
void hx_attack_resume(struct hostile *h);
void hx_attack_pagelists(struct hostile *h);
void hx_attack_shm(struct hostile *h);
void hx_attack_in_flight(struct hostile *h);
void hx_attack_balloon(struct hostile *h);
/* Leave one call stuck in an RPC, for teardown to clean up. */
void hx_abandon_call(struct hostile *h);

#endif /* TEEMED_SIM_WORKLOAD_HOSTILE_INT_H */
