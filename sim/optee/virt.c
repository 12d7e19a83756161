// SPDX-License-Identifier: BSD-2-Clause
/*
 * Partitions: what OP-TEE keeps per guest with CFG_NS_VIRTUALIZATION
 * (ABI 7): its thread table, registered SHM, sessions and async-notif
 * state. Without virtualization there is exactly one, for guest 0.
 *
 * Like virt_guest_created(), VM_CREATED does not check for a duplicate ID:
 * a second partition with the same ID is created and, being newest, is the
 * one calls reach (OP-TEE inserts at the list head). VM_DESTROYED removes
 * that newest one, which makes the older one visible again.
 */
#include "model_priv.h"

int part_init(struct optee_model *m, struct model_part *part, uint16_t guest)
{
	uint32_t n = 0;
	size_t tsz = sizeof(*part->threads) * m->cfg.num_threads;

	memset(part, 0, sizeof(*part));
	part->threads = m->env.alloc(m->env.ctx, tsz);
	if (!part->threads)
		return -1;
	part->nthreads = m->cfg.num_threads;
	for (n = 0; n < m->cfg.num_threads; n++) {
		part->threads[n].id = n;
		part->threads[n].bounce = m->env.alloc(m->env.ctx, MODEL_BOUNCE_SIZE);
		if (!part->threads[n].bounce)
			goto err;
	}
	part->used = true;
	part->guest = guest;
	part->seq = ++m->seq;
	part->next_session = 1;
	return 0;
err:
	for (n = 0; n < m->cfg.num_threads; n++)
		if (part->threads[n].bounce)
			m->env.free(m->env.ctx, part->threads[n].bounce, MODEL_BOUNCE_SIZE);
	m->env.free(m->env.ctx, part->threads, tsz);
	part->threads = NULL;
	return -1;
}

/*
 * Frees everything the partition holds. Suspended threads are dropped
 * without RPCs: the hypervisor stopped the guest's vCPUs first (ABI 7).
 */
void part_fini(struct optee_model *m, struct model_part *part)
{
	uint32_t n = 0;

	for (n = 0; n < m->cfg.num_threads; n++) {
		thread_reset(m, part, &part->threads[n]);
		m->env.free(m->env.ctx, part->threads[n].bounce, MODEL_BOUNCE_SIZE);
	}
	session_release_all(m, part);
	shm_free_all(m, part);
	m->env.free(m->env.ctx, part->threads, sizeof(*part->threads) * m->cfg.num_threads);
	memset(part, 0, sizeof(*part));
}

struct model_part *part_find(struct optee_model *m, uint16_t guest)
{
	struct model_part *best = NULL;
	uint32_t i = 0;

	if (guest == OPTEE_HYP_CLIENT_ID)
		return NULL;
	for (i = 0; i < m->nparts; i++) {
		struct model_part *p = &m->parts[i];

		if (p->used && p->guest == guest && (!best || p->seq > best->seq))
			best = p;
	}
	return best;
}

uint32_t virt_vm_created(struct optee_model *m, uint16_t guest)
{
	uint32_t i = 0;

	if (guest == OPTEE_HYP_CLIENT_ID)
		return OPTEE_SMC_RETURN_ENOTAVAIL;
	for (i = 0; i < m->nparts; i++) {
		if (m->parts[i].used)
			continue;
		/* Out of partition memory is ENOTAVAIL too (ABI 7). */
		if (part_init(m, &m->parts[i], guest))
			return OPTEE_SMC_RETURN_ENOTAVAIL;
		return OPTEE_SMC_RETURN_OK;
	}
	/* All max_guests partitions exist: OP-TEE's pool would be exhausted. */
	return OPTEE_SMC_RETURN_ENOTAVAIL;
}

/* OK even for an unknown ID, which OP-TEE only logs (ABI 7). */
void virt_vm_destroyed(struct optee_model *m, uint16_t guest)
{
	struct model_part *part = part_find(m, guest);

	if (!part) {
		model_log(m, "optee-model: VM_DESTROYED of an unknown guest");
		return;
	}
	part_fini(m, part);
}
