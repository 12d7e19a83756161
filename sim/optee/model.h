/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A model of OP-TEE OS (built with or without CFG_NS_VIRTUALIZATION) that
 * answers OP-TEE's SMC ABI. Freestanding like the mediator core: it sees only
 * SMC registers and physical memory, reached through `struct optee_model_env`,
 * so the same code can run in the simulator and as AArch64 firmware.
 *
 * Every physical access goes through env->read/env->write with the client ID
 * it serves; the platform behind them is the isolation oracle.
 */
#ifndef TEEMED_SIM_OPTEE_MODEL_H
#define TEEMED_SIM_OPTEE_MODEL_H

#include <stddef.h>
#include <stdint.h>

struct optee_model_env {
	void *ctx;
	/*
	 * Secure-world access to physical memory on behalf of guest `client`
	 * (0 outside any guest). Return 0, or non-zero when the platform
	 * refuses (not memory, or an isolation violation it has recorded); the
	 * model then fails the operation as OP-TEE would for a bad address.
	 */
	int (*read)(void *ctx, uint16_t client, uint64_t pa, void *dst, size_t len);
	int (*write)(void *ctx, uint16_t client, uint64_t pa, const void *src, size_t len);
	/* True if [pa, pa+len) is non-secure RAM (OP-TEE's CORE_MEM_NON_SEC). */
	int (*is_nsec_ram)(void *ctx, uint64_t pa, size_t len);
	void *(*alloc)(void *ctx, size_t size); /* zeroed */
	void (*free)(void *ctx, void *ptr, size_t size);
	/* One lock around every SMC the model serves (it is not re-entrant). */
	void (*lock)(void *ctx);
	void (*unlock)(void *ctx);
	uint64_t (*time_ns)(void *ctx);
	/* Optional: raise the (single, shared) async-notification interrupt. */
	void (*raise_notif_irq)(void *ctx);
	/* Optional: debug text. */
	void (*log)(void *ctx, const char *msg);
};

struct optee_model_config {
	uint32_t sec_caps;        /* OPTEE_SMC_SEC_CAP_* offered */
	int virtualization;       /* CFG_NS_VIRTUALIZATION */
	uint32_t num_threads;     /* CFG_NUM_THREADS (per guest with virt) */
	uint32_t max_guests;      /* partitions that may exist at once */
	int implement_thread_count; /* answer GET_THREAD_COUNT (else UNKNOWN) */
	/* Inject FOREIGN_INTR: 1-in-N chance per SMC entry (0 = never). */
	uint32_t foreign_intr_one_in;
	uint64_t seed;            /* for random injections; runs are reproducible */
};

struct optee_model;

void optee_model_config_default(struct optee_model_config *cfg);
int optee_model_init(const struct optee_model_env *env,
		     const struct optee_model_config *cfg, struct optee_model **out);
void optee_model_fini(struct optee_model *m);
/* Serve one SMC: regs[0..7] = a0..a7 in, a0..a7 out (a4..a7 preserved). */
void optee_model_smc(struct optee_model *m, uint64_t regs[8]);

/*
 * Additions for tests and the simulator (take the model's lock themselves).
 */

/* Inject FOREIGN_INTR at the next `count` thread entries, before any random one. */
void optee_model_force_foreign_intr(struct optee_model *m, uint32_t count);

/* What a partition holds, to check for leaks. */
struct optee_model_guest_stats {
	uint32_t threads_busy;     /* threads not free (suspended in an RPC) */
	uint32_t rpc_arg_buffers;  /* RPC arg buffers threads keep (SHM cache) */
	uint32_t sessions;
	uint32_t reg_shm;          /* registered buffers */
	uint32_t rpc_shm;          /* SHM_ALLOC'd buffers kept by sessions */
	uint64_t notif_pending;    /* bitmap of pending async values */
	uint64_t bottom_halves;    /* DO_BOTTOM_HALF commands served */
};

/*
 * Stats of guest `guest` (0 in direct mode). Returns 0, or -1 if there is
 * no such partition.
 */
int optee_model_guest_stats(struct optee_model *m, uint16_t guest,
			    struct optee_model_guest_stats *out);

#endif /* TEEMED_SIM_OPTEE_MODEL_H */
