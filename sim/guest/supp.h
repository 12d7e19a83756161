/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest's supplicant: serves the RPC commands Linux hands to
 * tee-supplicant. Here it keeps secure-storage files (OPTEE_RPC_CMD_FS, the
 * REE FS protocol of sim/optee/ta_api.h) in private memory from env->alloc,
 * one store per driver, so each guest has its own objects.
 *
 * It runs synchronously on the vCPU whose call is in the RPC (Linux queues
 * the request to a tee-supplicant process and sleeps); every request takes
 * the store's lock, so concurrent calls from several vCPUs are safe.
 *
 * Other commands: LOAD_TA answers ITEM_NOT_FOUND (the model's TAs are built
 * in, so there is nothing to load); anything else NOT_SUPPORTED, as
 * tee-supplicant answers an unknown request.
 */
#ifndef TEEMED_SIM_GUEST_SUPP_H
#define TEEMED_SIM_GUEST_SUPP_H

#include <stddef.h>
#include <stdint.h>

#include "guest/driver.h"

struct gsupp;

/* A request parameter, as Linux's struct tee_param hands it over. */
struct gsupp_param {
	uint32_t type;        /* GDRV_PARAM_* */
	uint64_t a, b, c;     /* values */
	struct gdrv_shm *shm; /* memrefs: NULL = null memref */
	uint64_t offs;
	uint64_t size;        /* out: bytes produced */
};

/* Limits of the in-memory store, each sized for the storage TA's use. */
#define GSUPP_NAME_MAX  256u   /* bytes of a path with its NUL (model: 32) */
#define GSUPP_MAX_FILES 256u   /* objects kept at once per guest */
#define GSUPP_MAX_FDS   64u    /* files open at once (the TA holds one) */
#define GSUPP_MAX_DIRS  8u     /* directory streams open at once */
#define GSUPP_FILE_MAX  (1u << 20) /* bytes per file: bounds private memory */

int gsupp_create(const struct guest_env *env, struct gsupp **out);
void gsupp_destroy(struct gsupp *supp);

/*
 * Serve one request `cmd` (OPTEE_RPC_CMD_*) with n params; memref data is
 * reached through `drv`. Returns the TEEC result for arg.ret; values and
 * memref sizes in `params` are updated.
 */
uint32_t gsupp_request(struct gsupp *supp, struct gdrv *drv, uint32_t cmd,
		       struct gsupp_param *params, size_t n);

/* Inspection (tests, workloads): files kept, and one file's bytes. */
size_t gsupp_file_count(struct gsupp *supp);
/* Copies up to `cap` bytes; *size = the file's size. ITEM_NOT_FOUND if absent. */
uint32_t gsupp_file_read(struct gsupp *supp, const char *name, void *buf,
			 size_t cap, size_t *size);

#endif /* TEEMED_SIM_GUEST_SUPP_H */
