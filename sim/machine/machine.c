/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The simulated machine (see machine.h).
 *
 * Lock order: the model's lock (held while it raises the notification
 * interrupt), then m->lock (the guest table) or m->irq_lock (the mediated
 * interrupt line), then a guest's irq_lock (vcpu.c). The machine's
 * interrupt thread holds none of them while it calls the mediator.
 */
#include "sim/machine/machine.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "teemed/optee_smc.h"

struct machine_guest {
	struct sim_dom dom; /* the host_dom given to the mediator */
	struct machine *m;
	uint16_t id;
	struct stage2 *s2;
	struct teemed_domain *tdom;
	struct vcpu_guest vg;
	uint32_t nvcpus;
	struct vcpu *vcpus;
	void (*irq)(void *arg, struct machine_guest *g);
	void *irq_arg;
};

struct machine {
	struct machine_config cfg;
	struct phys *phys;
	struct oracle *oracle;
	struct optee_model *model;
	struct port_sim *port;
	struct teemed *tm;
	pthread_mutex_t lock; /* guests[] against the notification interrupt */
	struct machine_guest *guests[MACHINE_MAX_GUESTS];
	/*
	 * Mediated mode: OP-TEE's notification interrupt line, latched by
	 * notif_irq() and taken by irq_thread(), which calls the mediator.
	 */
	pthread_mutex_t irq_lock;
	pthread_cond_t irq_cond;
	int irq_line;        /* raised, not yet taken */
	int irq_stop;
	int irq_thread_live;
	pthread_t irq_thread;
	_Atomic uint64_t irqs_raised, irqs_taken;
	uint64_t teardown_errors;
	/* Left behind by destroyed guests (informational). */
	uint64_t guest_allocs;
	uint64_t guest_errors;
};

void machine_config_default(struct machine_config *cfg, enum machine_mode mode)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = mode;
	cfg->seed = 1;
	phys_config_default(&cfg->phys);
	optee_model_config_default(&cfg->model);
	cfg->model.virtualization = mode == MACHINE_MEDIATED;
	teemed_config_default(&cfg->mediator);
	/*
	 * The machine routes OP-TEE's notification interrupt to the mediator
	 * (teemed_notif_irq) and the mediator's notify to the guest's
	 * interrupt path, so it may offer asynchronous notifications.
	 */
	if (mode == MACHINE_MEDIATED)
		cfg->mediator.features |= TEEMED_FEATURE_ASYNC_NOTIF;
	port_sim_config_default(&cfg->port);
}

void machine_guest_config_default(struct machine_guest_config *cfg)
{
	cfg->vcpus = 1;
	cfg->ram_base = S2_DEFAULT_RAM_BASE;
	cfg->ram_size = MACHINE_DEFAULT_GUEST_RAM;
}

void machine_secure_smc(struct machine *m, uint64_t regs[8])
{
	if (m->cfg.secure)
		m->cfg.secure(m->cfg.secure_arg, regs);
	else
		optee_model_smc(m->model, regs);
}

static void secure_smc(void *arg, uint64_t regs[8])
{
	machine_secure_smc(arg, regs);
}

/*
 * OP-TEE has one notification interrupt for all guests (ABI 7). The model
 * raises it with its own lock held, so nothing here may issue an SMC.
 *
 * Mediated mode: the interrupt belongs to the hypervisor. It is latched
 * here and taken by the machine's interrupt thread, which calls
 * teemed_notif_irq(); the mediator fetches each enabled domain's values
 * under that domain's client ID and notifies (port notify -> sim_dom ->
 * the guest's interrupt path) only the guests that got some.
 *
 * A thread rather than the next vCPU trap exit: the interrupt must be
 * delivered when every vCPU is idle (a guest waiting for its value issues
 * no SMC), and teemed_notif_irq polls every domain, work that must not be
 * billed to whichever guest's vCPU happens to trap next.
 *
 * Direct mode (one guest, no mediator): the line goes to the guest, which
 * fetches its values from OP-TEE itself.
 */
static void notif_irq(void *arg)
{
	struct machine *m = arg;
	int i;

	if (m->cfg.mode == MACHINE_MEDIATED) {
		atomic_fetch_add(&m->irqs_raised, 1);
		pthread_mutex_lock(&m->irq_lock);
		m->irq_line = 1;
		pthread_cond_signal(&m->irq_cond);
		pthread_mutex_unlock(&m->irq_lock);
		return;
	}
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < MACHINE_MAX_GUESTS; i++)
		if (m->guests[i])
			sim_dom_raise_irq(&m->guests[i]->dom);
	pthread_mutex_unlock(&m->lock);
}

/* The host's handler of OP-TEE's notification interrupt (mediated mode). */
static void *irq_thread(void *arg)
{
	struct machine *m = arg;

	pthread_mutex_lock(&m->irq_lock);
	for (;;) {
		while (!m->irq_line && !m->irq_stop)
			pthread_cond_wait(&m->irq_cond, &m->irq_lock);
		if (m->irq_stop)
			break;
		m->irq_line = 0;
		pthread_mutex_unlock(&m->irq_lock);
		/* No lock of ours held: the mediator issues SMCs from here. */
		teemed_notif_irq(m->tm);
		atomic_fetch_add(&m->irqs_taken, 1);
		pthread_mutex_lock(&m->irq_lock);
	}
	pthread_mutex_unlock(&m->irq_lock);
	return NULL;
}

static void irq_thread_stop(struct machine *m)
{
	int live;

	pthread_mutex_lock(&m->irq_lock);
	m->irq_stop = 1;
	live = m->irq_thread_live;
	m->irq_thread_live = 0;
	pthread_cond_signal(&m->irq_cond);
	pthread_mutex_unlock(&m->irq_lock);
	if (live)
		pthread_join(m->irq_thread, NULL);
}

int machine_create(const struct machine_config *cfg, struct machine **out)
{
	struct oracle_config ocfg = { 0 };
	struct optee_model_config mcfg;
	struct optee_model_env env;
	struct machine *m;
	int ret;

	if (cfg->mode != MACHINE_MEDIATED && cfg->mode != MACHINE_DIRECT)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->irq_lock, NULL);
	pthread_cond_init(&m->irq_cond, NULL);
	atomic_init(&m->irqs_raised, 0);
	atomic_init(&m->irqs_taken, 0);
	ret = phys_create(&cfg->phys, &m->phys);
	if (ret)
		goto fail;
	ocfg.direct = cfg->mode == MACHINE_DIRECT;
	ocfg.direct_guest = 0; /* the one guest takes slot 0 */
	ocfg.quiet = cfg->quiet_violations;
	ocfg.verbose = cfg->verbose;
	ret = oracle_create(m->phys, &ocfg, &m->oracle);
	if (ret)
		goto fail;
	oracle_set_notif_handler(m->oracle, notif_irq, m);
	if (!cfg->secure) {
		/* OP-TEE built with CFG_NS_VIRTUALIZATION says so in its caps (ABI 3.2). */
		mcfg = cfg->model;
		mcfg.virtualization = cfg->mode == MACHINE_MEDIATED;
		if (mcfg.virtualization)
			mcfg.sec_caps |= OPTEE_SMC_SEC_CAP_VIRTUALIZATION;
		else
			mcfg.sec_caps &= ~OPTEE_SMC_SEC_CAP_VIRTUALIZATION;
		oracle_env(m->oracle, &env);
		if (optee_model_init(&env, &mcfg, &m->model)) {
			m->model = NULL;
			ret = -EIO;
			goto fail;
		}
	}
	ret = port_sim_create(m->phys, &cfg->port, &m->port);
	if (ret)
		goto fail;
	port_sim_set_secure(m->port, secure_smc, m);
	if (cfg->secure_trace)
		port_sim_set_trace(m->port, cfg->secure_trace, cfg->trace_arg);
	if (cfg->mode == MACHINE_MEDIATED) {
		ret = teemed_init(port_sim_port(m->port), &cfg->mediator, &m->tm);
		if (ret != TEEMED_OK) {
			fprintf(stderr, "machine: teemed_init failed: %d\n", ret);
			m->tm = NULL;
			ret = -ENODEV;
			goto fail;
		}
		ret = pthread_create(&m->irq_thread, NULL, irq_thread, m);
		if (ret) {
			ret = -ret;
			goto fail;
		}
		m->irq_thread_live = 1;
	}
	*out = m;
	return 0;
fail:
	machine_destroy(m, NULL);
	return ret;
}

static uint64_t sum_errors(const struct machine_report *r)
{
	return r->violations + r->map_violations + r->phys_errors + r->port_errors +
	       r->model_errors + r->teardown_errors;
}

static uint64_t sum_held(const struct machine_report *r)
{
	return r->pins + r->pinned_frames + r->allocs + r->alloc_bytes + r->pages + r->locks +
	       r->maps + r->model_allocs;
}

void machine_check(struct machine *m, struct machine_report *rep)
{
	struct port_sim_stats ps = { 0 };
	struct phys_stats phs;
	struct oracle_stats os;
	int i;

	memset(rep, 0, sizeof(*rep));
	if (m->port)
		port_sim_stats(m->port, &ps);
	phys_stats(m->phys, &phs);
	oracle_stats(m->oracle, &os);
	rep->pins = phs.pins_live;
	rep->pinned_frames = phs.frames_pinned;
	rep->allocs = ps.allocs_live;
	rep->alloc_bytes = ps.bytes_live;
	rep->pages = ps.pages_live;
	rep->locks = ps.locks_live;
	rep->maps = ps.maps_live;
	rep->model_allocs = os.allocs_live;
	rep->violations = os.violations;
	rep->map_violations = ps.map_violations;
	rep->phys_errors = phs.errors;
	rep->port_errors = ps.errors - ps.map_violations;
	rep->model_errors = os.alloc_errors;
	rep->teardown_errors = m->teardown_errors;
	rep->guest_allocs = m->guest_allocs;
	rep->guest_errors = m->guest_errors;
	for (i = 0; i < MACHINE_MAX_GUESTS; i++) {
		struct machine_guest *g = m->guests[i];

		if (g) {
			rep->guest_allocs += atomic_load(&g->vg.allocs_live);
			rep->guest_errors += atomic_load(&g->vg.errors);
		}
	}
	rep->error_logs = ps.log_lines[TEEMED_LOG_ERROR];
	rep->errors_total = sum_errors(rep);
	rep->held_total = sum_held(rep);
}

void machine_report_print(const struct machine_report *r, FILE *f)
{
	fprintf(f,
		"machine: held: pins %llu (frames %llu), allocs %llu (%llu bytes), pages %llu, locks %llu, maps %llu, model allocs %llu\n"
		"machine: errors: violations %llu, map violations %llu, phys %llu, port %llu, model %llu, teardown %llu\n"
		"machine: guests: allocs left %llu, errors %llu; mediator ERROR lines %llu\n",
		(unsigned long long)r->pins, (unsigned long long)r->pinned_frames,
		(unsigned long long)r->allocs, (unsigned long long)r->alloc_bytes,
		(unsigned long long)r->pages, (unsigned long long)r->locks,
		(unsigned long long)r->maps, (unsigned long long)r->model_allocs,
		(unsigned long long)r->violations, (unsigned long long)r->map_violations,
		(unsigned long long)r->phys_errors, (unsigned long long)r->port_errors,
		(unsigned long long)r->model_errors, (unsigned long long)r->teardown_errors,
		(unsigned long long)r->guest_allocs, (unsigned long long)r->guest_errors,
		(unsigned long long)r->error_logs);
}

int machine_destroy(struct machine *m, struct machine_report *rep)
{
	struct machine_report local;
	int i, ret;

	if (!m)
		return 0;
	for (i = 0; i < MACHINE_MAX_GUESTS; i++)
		if (m->guests[i])
			machine_guest_destroy(m, m->guests[i]);
	/* After the guests (one may wait for a notification), before the mediator. */
	irq_thread_stop(m);
	if (m->tm && teemed_fini(m->tm) != TEEMED_OK) {
		fprintf(stderr, "machine: teemed_fini failed\n");
		m->teardown_errors++;
	}
	m->tm = NULL;
	if (m->model)
		optee_model_fini(m->model);
	m->model = NULL;
	if (!rep)
		rep = &local;
	if (m->phys && m->oracle) {
		machine_check(m, rep);
	} else {
		memset(rep, 0, sizeof(*rep));
	}
	ret = rep->errors_total || rep->held_total ? -1 : 0;
	if (ret || m->cfg.verbose) {
		if (m->oracle)
			oracle_print_records(m->oracle);
		machine_report_print(rep, stderr);
	}
	port_sim_destroy(m->port);
	oracle_destroy(m->oracle);
	phys_destroy(m->phys);
	pthread_cond_destroy(&m->irq_cond);
	pthread_mutex_destroy(&m->irq_lock);
	pthread_mutex_destroy(&m->lock);
	free(m);
	return ret;
}

enum machine_mode machine_mode(const struct machine *m)
{
	return m->cfg.mode;
}

struct phys *machine_phys(struct machine *m)
{
	return m->phys;
}

struct port_sim *machine_port(struct machine *m)
{
	return m->port;
}

struct oracle *machine_oracle(struct machine *m)
{
	return m->oracle;
}

struct teemed *machine_mediator(struct machine *m)
{
	return m->tm;
}

struct optee_model *machine_model(struct machine *m)
{
	return m->model;
}

static void guest_irq(void *arg, struct sim_dom *dom)
{
	struct machine_guest *g = arg;

	(void)dom;
	if (g->irq)
		g->irq(g->irq_arg, g);
	/* The guest takes it on its interrupt thread (its env's irq_register). */
	vcpu_guest_raise_irq(&g->vg);
}

/* The guest's vCPUs are stopped: free everything it had. */
static void guest_free(struct machine_guest *g)
{
	vcpu_guest_fini(&g->vg);
	stage2_destroy(g->s2);
	free(g->vcpus);
	free(g);
}

int machine_guest_create(struct machine *m, const struct machine_guest_config *cfg,
			 struct machine_guest **out)
{
	struct machine_guest *g;
	uint32_t i;
	int slot, ret;

	if (cfg->vcpus == 0 || cfg->vcpus > MACHINE_MAX_VCPUS)
		return -EINVAL;
	for (slot = 0; slot < MACHINE_MAX_GUESTS && m->guests[slot]; slot++)
		;
	if (slot == MACHINE_MAX_GUESTS || (m->cfg.mode == MACHINE_DIRECT && slot != 0))
		return -EBUSY;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->m = m;
	g->id = (uint16_t)slot;
	g->nvcpus = cfg->vcpus;
	g->vcpus = calloc(cfg->vcpus, sizeof(*g->vcpus));
	if (!g->vcpus) {
		free(g);
		return -ENOMEM;
	}
	ret = stage2_create(m->phys, g->id, cfg->ram_base, cfg->ram_size,
			    m->cfg.seed, &g->s2);
	if (ret) {
		free(g->vcpus);
		free(g);
		return ret;
	}
	sim_dom_init(&g->dom, g->id, g->s2);
	vcpu_guest_init(&g->vg);
	g->dom.irq = guest_irq;
	g->dom.irq_arg = g;
	g->vg.guest_id = g->id;
	g->vg.s2 = g->s2;
	g->vg.verbose = m->cfg.verbose;
	g->vg.trace = m->cfg.guest_trace;
	g->vg.trace_arg = m->cfg.trace_arg;
	if (m->cfg.mode == MACHINE_MEDIATED) {
		g->vg.conduit = VCPU_TO_MEDIATOR;
		g->vg.tm = m->tm;
		ret = teemed_domain_create(m->tm, machine_guest_client_id(g), &g->dom, &g->tdom);
		if (ret != TEEMED_OK) {
			fprintf(stderr, "machine: teemed_domain_create(%u) failed: %d\n",
				machine_guest_client_id(g), ret);
			guest_free(g);
			return -EIO;
		}
		g->vg.dom = g->tdom;
	} else {
		g->vg.conduit = VCPU_TO_SECURE;
		g->vg.secure = secure_smc;
		g->vg.secure_arg = m;
	}
	for (i = 0; i < g->nvcpus; i++)
		vcpu_init(&g->vcpus[i], &g->vg, i);
	pthread_mutex_lock(&m->lock);
	m->guests[slot] = g;
	pthread_mutex_unlock(&m->lock);
	*out = g;
	return 0;
}

/* teemed_domain_destroy until TEEMED_OK, bounded. */
static int destroy_domain(struct machine *m, struct machine_guest *g)
{
	unsigned tries;
	int ret = TEEMED_AGAIN;

	for (tries = 0; tries < MACHINE_DESTROY_TRIES; tries++) {
		ret = teemed_domain_destroy(m->tm, g->tdom);
		if (ret != TEEMED_AGAIN)
			break;
		sched_yield();
	}
	if (ret == TEEMED_OK)
		return 0;
	fprintf(stderr, "machine: teemed_domain_destroy(%u) gave %d after %u tries\n",
		machine_guest_client_id(g), ret, tries);
	return -EIO;
}

int machine_guest_destroy(struct machine *m, struct machine_guest *g)
{
	int ret = 0;

	machine_guest_join(g);
	pthread_mutex_lock(&m->lock);
	m->guests[g->id] = NULL;
	pthread_mutex_unlock(&m->lock);
	if (g->tdom && destroy_domain(m, g)) {
		m->teardown_errors++;
		ret = -EIO;
	}
	g->tdom = NULL;
	m->guest_errors += atomic_load(&g->vg.errors);
	m->guest_allocs += atomic_load(&g->vg.allocs_live);
	guest_free(g);
	return ret;
}

uint16_t machine_guest_id(const struct machine_guest *g)
{
	return g->id;
}

uint16_t machine_guest_client_id(const struct machine_guest *g)
{
	/* Xen's convention, domid + 1 (ABI 7): client 0 is the hypervisor. */
	return (uint16_t)(g->id + 1);
}

uint32_t machine_guest_vcpus(const struct machine_guest *g)
{
	return g->nvcpus;
}

struct stage2 *machine_guest_stage2(struct machine_guest *g)
{
	return g->s2;
}

struct sim_dom *machine_guest_dom(struct machine_guest *g)
{
	return &g->dom;
}

struct teemed_domain *machine_guest_domain(struct machine_guest *g)
{
	return g->tdom;
}

const struct guest_env *machine_guest_env(struct machine_guest *g, uint32_t vcpu)
{
	return vcpu < g->nvcpus ? vcpu_env(&g->vcpus[vcpu]) : NULL;
}

const struct vcpu_guest *machine_guest_vcpu_state(const struct machine_guest *g)
{
	return &g->vg;
}

void machine_guest_set_irq_handler(struct machine_guest *g,
				   void (*fn)(void *arg, struct machine_guest *g), void *arg)
{
	g->irq_arg = arg;
	g->irq = fn;
}

int machine_guest_start(struct machine_guest *g, uint32_t vcpu, vcpu_fn fn, void *arg)
{
	if (vcpu >= g->nvcpus)
		return -EINVAL;
	return vcpu_start(&g->vcpus[vcpu], fn, arg);
}

int machine_guest_start_all(struct machine_guest *g, vcpu_fn fn, void *arg)
{
	uint32_t i;
	int ret;

	for (i = 0; i < g->nvcpus; i++) {
		ret = vcpu_start(&g->vcpus[i], fn, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int machine_guest_join(struct machine_guest *g)
{
	uint32_t i;
	int result, ret = 0;

	for (i = 0; i < g->nvcpus; i++)
		if (vcpu_join(&g->vcpus[i], &result) == 0 && result && !ret)
			ret = result;
	return ret;
}

void machine_irq_stats(struct machine *m, uint64_t *raised, uint64_t *taken)
{
	if (raised)
		*raised = atomic_load(&m->irqs_raised);
	if (taken)
		*taken = atomic_load(&m->irqs_taken);
}

uint32_t machine_env_vcpu(const struct guest_env *env)
{
	return ((const struct vcpu *)env->ctx)->index;
}
