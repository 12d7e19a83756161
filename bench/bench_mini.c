/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The scaling runs: the core on a minimal port and a minimal secure world.
 *
 * The simulated machine holds 64 guests and the OP-TEE model a few
 * partitions; the question here is only how the mediator's own per-call
 * work changes with the number of domains, of registered buffers, and of
 * calls in flight. So the host is as thin as can be:
 *
 * - port: a PA is the host address of the page (map is a cast), a guest is
 *   one flat array of pages at IPA 0x40000000, pins are counted and nothing
 *   else, locks are test-and-set spinlocks, alloc is malloc;
 * - secure world: answers the probe and VM_CREATED/DESTROYED, and completes
 *   every CALL_WITH_ARG at once (ret = 0, value inouts incremented) without
 *   reading page lists; on request it takes one call into a "thread" and
 *   answers RPC FOREIGN_INTR, to hold the call in flight until the guest
 *   resumes it.
 *
 * The guest writes its optee_msg_arg by hand and traps straight into
 * teemed_handle_smc().
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "teemed/optee_msg.h"
#include "teemed/optee_smc.h"
#include "teemed/teemed.h"

#define PAGE 4096u
#define GUEST_IPA UINT64_C(0x40000000)
#define MINI_MAX_THREADS 64
/* Guest pages: argument, page list, data, then one argument page per held call. */
#define PG_ARG 0u
#define PG_LIST 1u
#define PG_DATA 2u
#define PG_HELD 3u

struct mini {
	struct teemed *tm;
	uint32_t threads;
	bool hold_next;
	struct optee_msg_arg *th[MINI_MAX_THREADS];
	uint64_t pins;
};

struct mini_guest {
	uint8_t *mem;
	uint32_t npages;
	uint16_t id;
	struct teemed_domain *dom;
};

struct mini_lock {
	atomic_flag f;
};

/* --- port ------------------------------------------------------------------ */

static void world(struct mini *mn, const struct teemed_regs *in, struct teemed_regs *out);

static void mini_port_smc(void *ctx, const struct teemed_regs *in, struct teemed_regs *out)
{
	world(ctx, in, out);
}

static int mini_port_pin(void *ctx, void *host_dom, teemed_ipa_t ipa, unsigned access,
			 teemed_pa_t *pa)
{
	struct mini *mn = ctx;
	struct mini_guest *g = host_dom;
	uint64_t v = teemed_ipa_val(ipa);

	(void)access;
	if (v < GUEST_IPA || v >= GUEST_IPA + (uint64_t)g->npages * PAGE)
		return -1;
	mn->pins++;
	*pa = teemed_pa((uint64_t)(uintptr_t)(g->mem + (v - GUEST_IPA)));
	return 0;
}

static void mini_port_unpin(void *ctx, void *host_dom, teemed_pa_t pa, unsigned access)
{
	struct mini *mn = ctx;

	(void)host_dom;
	(void)pa;
	(void)access;
	mn->pins--;
}

static void *mini_port_map(void *ctx, teemed_pa_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)teemed_pa_val(pa);
}

static void mini_port_unmap(void *ctx, void *va)
{
	(void)ctx;
	(void)va;
}

static void *mini_port_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void mini_port_free(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	(void)size;
	free(ptr);
}

static void *mini_port_alloc_page(void *ctx, void *host_dom, teemed_pa_t *pa)
{
	void *p = aligned_alloc(PAGE, PAGE);

	(void)ctx;
	(void)host_dom;
	if (p)
		*pa = teemed_pa((uint64_t)(uintptr_t)p);
	return p;
}

static void mini_port_free_page(void *ctx, void *host_dom, void *va, teemed_pa_t pa)
{
	(void)ctx;
	(void)host_dom;
	(void)pa;
	free(va);
}

static void *mini_port_lock_create(void *ctx)
{
	struct mini_lock *l = malloc(sizeof(*l));

	(void)ctx;
	if (l)
		atomic_flag_clear(&l->f);
	return l;
}

static void mini_port_lock_destroy(void *ctx, void *lock)
{
	(void)ctx;
	free(lock);
}

static void mini_port_lock(void *ctx, void *lock)
{
	struct mini_lock *l = lock;

	(void)ctx;
	while (atomic_flag_test_and_set_explicit(&l->f, memory_order_acquire))
		;
}

static void mini_port_unlock(void *ctx, void *lock)
{
	struct mini_lock *l = lock;

	(void)ctx;
	atomic_flag_clear_explicit(&l->f, memory_order_release);
}

/* --- secure world ---------------------------------------------------------- */

static void world_complete(struct optee_msg_arg *arg)
{
	uint32_t i, n = arg->num_params < 6 ? arg->num_params : 6;

	arg->ret = TEEC_SUCCESS;
	arg->ret_origin = TEEC_ORIGIN_TRUSTED_APP;
	if (arg->cmd == OPTEE_MSG_CMD_OPEN_SESSION)
		arg->session = 1;
	if (arg->cmd != OPTEE_MSG_CMD_INVOKE_COMMAND)
		return;
	for (i = 0; i < n; i++)
		if ((arg->params[i].attr & OPTEE_MSG_ATTR_TYPE_MASK) ==
		    OPTEE_MSG_ATTR_TYPE_VALUE_INOUT)
			arg->params[i].u.value.a++;
}

static void world(struct mini *mn, const struct teemed_regs *in, struct teemed_regs *out)
{
	uint32_t fid = (uint32_t)in->a[0];
	struct optee_msg_arg *arg;
	uint32_t t;

	*out = *in;
	switch (fid) {
	case OPTEE_SMC_CALLS_UID:
		out->a[0] = OPTEE_MSG_UID_0;
		out->a[1] = OPTEE_MSG_UID_1;
		out->a[2] = OPTEE_MSG_UID_2;
		out->a[3] = OPTEE_MSG_UID_3;
		return;
	case OPTEE_SMC_CALLS_REVISION:
		out->a[0] = OPTEE_MSG_REVISION_MAJOR;
		out->a[1] = OPTEE_MSG_REVISION_MINOR;
		return;
	case OPTEE_SMC_CALL_GET_OS_REVISION:
		out->a[0] = 4;
		out->a[1] = 0;
		return;
	case OPTEE_SMC_EXCHANGE_CAPABILITIES:
		out->a[0] = OPTEE_SMC_RETURN_OK;
		out->a[1] = OPTEE_SMC_SEC_CAP_DYNAMIC_SHM | OPTEE_SMC_SEC_CAP_MEMREF_NULL |
			    OPTEE_SMC_SEC_CAP_VIRTUALIZATION;
		out->a[2] = 0;
		out->a[3] = 0;
		return;
	case OPTEE_SMC_GET_THREAD_COUNT:
		out->a[0] = OPTEE_SMC_RETURN_OK;
		out->a[1] = mn->threads;
		return;
	case OPTEE_SMC_VM_CREATED:
	case OPTEE_SMC_VM_DESTROYED:
		out->a[0] = OPTEE_SMC_RETURN_OK;
		return;
	case OPTEE_SMC_CALL_WITH_ARG:
		arg = (struct optee_msg_arg *)(uintptr_t)((in->a[1] << 32) | (in->a[2] & 0xFFFFFFFFu));
		if (mn->hold_next) {
			mn->hold_next = false;
			for (t = 0; t < MINI_MAX_THREADS && mn->th[t]; t++)
				;
			if (t == MINI_MAX_THREADS)
				bench_die("mini world: out of threads");
			mn->th[t] = arg;
			out->a[0] = OPTEE_SMC_RETURN_RPC_FOREIGN_INTR;
			out->a[1] = 0;
			out->a[2] = 0;
			out->a[3] = t;
			return;
		}
		world_complete(arg);
		out->a[0] = OPTEE_SMC_RETURN_OK;
		return;
	case OPTEE_SMC_CALL_RETURN_FROM_RPC:
		t = (uint32_t)in->a[3];
		if (t >= MINI_MAX_THREADS || !mn->th[t])
			bench_die("mini world: resume of no thread");
		world_complete(mn->th[t]);
		mn->th[t] = NULL;
		out->a[0] = OPTEE_SMC_RETURN_OK;
		return;
	default:
		out->a[0] = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
		return;
	}
}

/* --- set-up ---------------------------------------------------------------- */

static void mini_init(struct mini *mn, uint32_t threads)
{
	struct teemed_port port = {
		.ctx = mn,
		.smc = mini_port_smc,
		.pin = mini_port_pin,
		.unpin = mini_port_unpin,
		.map = mini_port_map,
		.unmap = mini_port_unmap,
		.alloc = mini_port_alloc,
		.free = mini_port_free,
		.alloc_page = mini_port_alloc_page,
		.free_page = mini_port_free_page,
		.lock_create = mini_port_lock_create,
		.lock_destroy = mini_port_lock_destroy,
		.lock = mini_port_lock,
		.unlock = mini_port_unlock,
	};
	int rc;

	memset(mn, 0, sizeof(*mn));
	mn->threads = threads;
	rc = teemed_init(&port, NULL, &mn->tm);
	if (rc != TEEMED_OK)
		bench_die("mini: teemed_init: %d", rc);
}

static void mini_fini(struct mini *mn)
{
	if (teemed_fini(mn->tm) != TEEMED_OK)
		bench_die("mini: teemed_fini");
	if (mn->pins)
		bench_die("mini: %llu pins left", (unsigned long long)mn->pins);
}

static void guest_init(struct mini *mn, struct mini_guest *g, uint16_t id, uint32_t npages)
{
	uint64_t *list;
	int rc;

	g->npages = npages;
	g->id = id;
	g->mem = aligned_alloc(PAGE, (size_t)npages * PAGE);
	if (!g->mem)
		bench_die("mini: guest memory");
	memset(g->mem, 0, (size_t)npages * PAGE);
	/* One page list naming the data page, for registrations. */
	list = (uint64_t *)(g->mem + PG_LIST * PAGE);
	list[0] = GUEST_IPA + PG_DATA * PAGE;
	rc = teemed_domain_create(mn->tm, id, g, &g->dom);
	if (rc != TEEMED_OK)
		bench_die("mini: teemed_domain_create(%u): %d", id, rc);
}

static void guest_fini(struct mini *mn, struct mini_guest *g)
{
	unsigned tries = 0;

	while (teemed_domain_destroy(mn->tm, g->dom) == TEEMED_AGAIN)
		if (++tries > 1000000)
			bench_die("mini: domain would not go");
	free(g->mem);
}

/* --- guest calls ----------------------------------------------------------- */

static struct optee_msg_arg *arg_at(struct mini_guest *g, uint32_t page)
{
	return (struct optee_msg_arg *)(g->mem + (size_t)page * PAGE);
}

static void arg_header(struct optee_msg_arg *a, uint32_t cmd, uint32_t nparams)
{
	memset(a, 0, OPTEE_MSG_GET_ARG_SIZE(nparams));
	a->cmd = cmd;
	a->session = 1;
	a->num_params = nparams;
}

static void fill_values(struct optee_msg_arg *a, uint32_t from)
{
	uint32_t i;

	for (i = from; i < a->num_params; i++) {
		a->params[i].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
		a->params[i].u.value.a = i;
	}
}

/* Trap CALL_WITH_ARG with the argument in guest page `page`. */
static void trap_call(struct mini *mn, struct mini_guest *g, uint32_t page,
		      struct teemed_regs *r)
{
	uint64_t ipa = GUEST_IPA + (uint64_t)page * PAGE;

	memset(r, 0, sizeof(*r));
	r->a[0] = OPTEE_SMC_CALL_WITH_ARG;
	r->a[1] = ipa >> 32;
	r->a[2] = ipa & 0xFFFFFFFFu;
	teemed_handle_smc(mn->tm, g->dom, 0, r);
}

static void expect_done(const struct teemed_regs *r, const struct optee_msg_arg *a,
			const char *what)
{
	if (r->a[0] != OPTEE_SMC_RETURN_OK || a->ret != TEEC_SUCCESS)
		bench_die("mini %s: a0 0x%llx ret 0x%x", what, (unsigned long long)r->a[0],
			  a->ret);
}

static void invoke4(struct mini *mn, struct mini_guest *g)
{
	struct optee_msg_arg *a = arg_at(g, PG_ARG);
	struct teemed_regs r;

	arg_header(a, OPTEE_MSG_CMD_INVOKE_COMMAND, 4);
	fill_values(a, 0);
	trap_call(mn, g, PG_ARG, &r);
	expect_done(&r, a, "invoke");
	if (a->params[3].u.value.a != 4)
		bench_die("mini invoke: outputs not copied back");
}

/* Pointer-like cookies, as Linux's (kmalloc'd tee_shm addresses). */
static uint64_t cookie_of(uint32_t i)
{
	return UINT64_C(0xffff000012340000) + (uint64_t)i * 0x80;
}

static void register_buf(struct mini *mn, struct mini_guest *g, uint64_t cookie)
{
	struct optee_msg_arg *a = arg_at(g, PG_ARG);
	struct teemed_regs r;

	arg_header(a, OPTEE_MSG_CMD_REGISTER_SHM, 1);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	a->params[0].u.tmem.buf_ptr = GUEST_IPA + PG_LIST * PAGE;
	a->params[0].u.tmem.size = PAGE;
	a->params[0].u.tmem.shm_ref = cookie;
	trap_call(mn, g, PG_ARG, &r);
	expect_done(&r, a, "register");
}

/* INVOKE: p0 RMEM naming a registered buffer (a cookie lookup), p1..p3 values. */
static void invoke_rmem(struct mini *mn, struct mini_guest *g, uint64_t cookie)
{
	struct optee_msg_arg *a = arg_at(g, PG_ARG);
	struct teemed_regs r;

	arg_header(a, OPTEE_MSG_CMD_INVOKE_COMMAND, 4);
	fill_values(a, 1);
	a->params[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INOUT;
	a->params[0].u.rmem.shm_ref = cookie;
	a->params[0].u.rmem.size = PAGE;
	trap_call(mn, g, PG_ARG, &r);
	expect_done(&r, a, "invoke rmem");
}

/* Start a call the world holds in a thread; returns the slot the guest sees. */
static uint64_t hold_call(struct mini *mn, struct mini_guest *g, uint32_t page)
{
	struct optee_msg_arg *a = arg_at(g, page);
	struct teemed_regs r;

	arg_header(a, OPTEE_MSG_CMD_INVOKE_COMMAND, 4);
	fill_values(a, 0);
	mn->hold_next = true;
	trap_call(mn, g, page, &r);
	if (r.a[0] != OPTEE_SMC_RETURN_RPC_FOREIGN_INTR)
		bench_die("mini hold: a0 0x%llx", (unsigned long long)r.a[0]);
	return r.a[3];
}

static void resume_call(struct mini *mn, struct mini_guest *g, uint64_t slot)
{
	struct teemed_regs r;

	memset(&r, 0, sizeof(r));
	r.a[0] = OPTEE_SMC_CALL_RETURN_FROM_RPC;
	r.a[3] = slot;
	teemed_handle_smc(mn->tm, g->dom, 0, &r);
	if (r.a[0] != OPTEE_SMC_RETURN_OK)
		bench_die("mini resume: a0 0x%llx", (unsigned long long)r.a[0]);
}

/* --- scenarios ------------------------------------------------------------- */

struct run {
	struct mini *mn;
	struct mini_guest *g;
	uint32_t n;        /* guests (round robin) or buffers (cycled) */
	uint32_t next;
};

static void rr_invoke(void *arg)
{
	struct run *r = arg;

	invoke4(r->mn, &r->g[r->next]);
	if (++r->next == r->n)
		r->next = 0;
}

static void hot_invoke(void *arg)
{
	struct run *r = arg;

	invoke4(r->mn, &r->g[0]);
}

static void rmem_invoke(void *arg)
{
	struct run *r = arg;

	invoke_rmem(r->mn, &r->g[0], cookie_of(r->next));
	if (++r->next == r->n)
		r->next = 0;
}

static void limited_call(void *arg)
{
	struct run *r = arg;
	struct teemed_regs regs;

	arg_header(arg_at(&r->g[0], PG_ARG), OPTEE_MSG_CMD_INVOKE_COMMAND, 4);
	fill_values(arg_at(&r->g[0], PG_ARG), 0);
	trap_call(r->mn, &r->g[0], PG_ARG, &regs);
	if (regs.a[0] != OPTEE_SMC_RETURN_ETHREAD_LIMIT)
		bench_die("mini: expected ETHREAD_LIMIT, a0 0x%llx", (unsigned long long)regs.a[0]);
}

/*
 * Time the cases against each other, or under callgrind count each one:
 * `reps` calls in one marked stretch, after as many unmarked.
 */
static void measure(unsigned n, struct bench_case *c, const char *const *labels,
		    const uint64_t *reps)
{
	unsigned k;
	uint64_t i;

	if (!bench_opts.instr) {
		bench_time_n(n, c, bench_opts.quick ? 5 : 25, bench_opts.quick ? 3 : 9, 0);
		return;
	}
	for (k = 0; k < n; k++) {
		for (i = 0; i < reps[k]; i++)
			c[k].fn(c[k].arg);
		bench_mark_begin();
		for (i = 0; i < reps[k]; i++)
			c[k].fn(c[k].arg);
		bench_mark_end(labels[k], reps[k], 0);
	}
}

static bool want(const char *name)
{
	return !bench_opts.only || strstr(name, bench_opts.only);
}

#define NDOM 4
#define NBUF 3
static const uint32_t dom_counts[NDOM] = { 1, 16, 256, 1024 };
static const uint32_t buf_counts[NBUF] = { 1, 64, 4096 };

/* Every case lives at once (a mediator each), so that their batches alternate. */
static void scale_domains(struct bench_report *rep)
{
	static const char *const rr_labels[NDOM] = { "scale:domains-1", "scale:domains-16",
						     "scale:domains-256", "scale:domains-1024" };
	static const char *const hot_labels[NDOM] = {
		"scale:domains-1-hot", "scale:domains-16-hot", "scale:domains-256-hot",
		"scale:domains-1024-hot"
	};
	struct mini mn[NDOM];
	struct mini_guest *g[NDOM];
	struct run run[NDOM];
	struct bench_case rr[NDOM], hot[NDOM];
	uint64_t rr_reps[NDOM], hot_reps[NDOM];
	uint32_t k, i, n;

	for (k = 0; k < NDOM; k++) {
		n = dom_counts[k];
		mini_init(&mn[k], 2);
		g[k] = calloc(n, sizeof(*g[k]));
		if (!g[k])
			bench_die("mini: guests");
		for (i = 0; i < n; i++) {
			guest_init(&mn[k], &g[k][i], (uint16_t)(i + 1), 3);
			invoke4(&mn[k], &g[k][i]);
		}
		run[k] = (struct run){ &mn[k], g[k], n, 0 };
		rr[k] = (struct bench_case){ .fn = rr_invoke, .arg = &run[k] };
		hot[k] = (struct bench_case){ .fn = hot_invoke, .arg = &run[k] };
		rr_reps[k] = n < 256 ? 256 : n;
		hot_reps[k] = 256;
	}
	measure(NDOM, rr, rr_labels, rr_reps);
	measure(NDOM, hot, hot_labels, hot_reps);
	for (k = 0; k < NDOM; k++) {
		rep->dom_rr_ns[k] = rr[k].ns;
		rep->dom_hot_ns[k] = hot[k].ns;
		for (i = 0; i < dom_counts[k]; i++)
			guest_fini(&mn[k], &g[k][i]);
		free(g[k]);
		mini_fini(&mn[k]);
	}
}

static void scale_buffers(struct bench_report *rep)
{
	static const char *const labels[NBUF] = { "scale:buffers-1", "scale:buffers-64",
						  "scale:buffers-4096" };
	struct mini mn[NBUF];
	struct mini_guest g[NBUF];
	struct run run[NBUF];
	struct bench_case c[NBUF];
	uint64_t reps[NBUF];
	uint32_t k, i;

	for (k = 0; k < NBUF; k++) {
		mini_init(&mn[k], 2);
		guest_init(&mn[k], &g[k], 1, 3);
		for (i = 0; i < buf_counts[k]; i++)
			register_buf(&mn[k], &g[k], cookie_of(i));
		run[k] = (struct run){ &mn[k], &g[k], buf_counts[k], 0 };
		c[k] = (struct bench_case){ .fn = rmem_invoke, .arg = &run[k] };
		reps[k] = buf_counts[k] < 256 ? 256 : buf_counts[k];
	}
	measure(NBUF, c, labels, reps);
	for (k = 0; k < NBUF; k++) {
		rep->buf_ns[k] = c[k].ns;
		guest_fini(&mn[k], &g[k]);
		mini_fini(&mn[k]);
	}
}

#define SLOT_THREADS 8u

/*
 * Three mediators with SLOT_THREADS slots a domain, every slot used once
 * (so none allocates while measured): all free; all but the last held in
 * flight; all held (the call gets ETHREAD_LIMIT).
 */
static void scale_slots(struct bench_report *rep)
{
	static const char *const labels[3] = { "scale:slots-free", "scale:slots-busy",
					       "scale:slots-limit" };
	static const uint32_t held_n[3] = { 0, SLOT_THREADS - 1, SLOT_THREADS };
	struct mini mn[3];
	struct mini_guest g[3];
	struct run run[3];
	struct bench_case c[3];
	uint64_t held[3][SLOT_THREADS];
	uint64_t reps[3] = { 256, 256, 256 };
	uint32_t k, i;

	for (k = 0; k < 3; k++) {
		mini_init(&mn[k], SLOT_THREADS);
		guest_init(&mn[k], &g[k], 1, PG_HELD + SLOT_THREADS);
		for (i = 0; i < SLOT_THREADS; i++)
			held[k][i] = hold_call(&mn[k], &g[k], PG_HELD + i);
		for (i = 0; i < SLOT_THREADS; i++)
			resume_call(&mn[k], &g[k], held[k][i]);
		for (i = 0; i < held_n[k]; i++)
			held[k][i] = hold_call(&mn[k], &g[k], PG_HELD + i);
		run[k] = (struct run){ &mn[k], &g[k], 1, 0 };
		c[k] = (struct bench_case){ .fn = k == 2 ? limited_call : hot_invoke, .arg = &run[k] };
	}
	measure(3, c, labels, reps);
	rep->slots_threads = SLOT_THREADS;
	rep->slots_free_ns = c[0].ns;
	rep->slots_busy_ns = c[1].ns;
	rep->slots_limit_ns = c[2].ns;
	for (k = 0; k < 3; k++) {
		for (i = 0; i < held_n[k]; i++)
			resume_call(&mn[k], &g[k], held[k][i]);
		guest_fini(&mn[k], &g[k]);
		mini_fini(&mn[k]);
	}
}

void bench_mini_run(struct bench_report *rep)
{
	if (!want("scale:domains") && !want("scale:buffers") && !want("scale:slots"))
		return;
	fprintf(stderr, "bench: scaling (minimal host)...\n");
	if (want("scale:domains"))
		scale_domains(rep);
	if (want("scale:buffers"))
		scale_buffers(rep);
	if (want("scale:slots"))
		scale_slots(rep);
	rep->have_scale = !bench_opts.only;
}
