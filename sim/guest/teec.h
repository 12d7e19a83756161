/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A client API in the spirit of the GlobalPlatform TEE Client API (v1.0),
 * on top of the guest driver. Workloads and tests call this.
 *
 * Differences from GlobalPlatform, all because a guest has no virtual
 * memory of its own here (the driver sees only IPAs):
 *  - buffers are guest IPAs (uint64_t), not pointers; teec_temp_*() and
 *    teec_shm_read/write() move bytes in and out of them;
 *  - a temporary memref may instead be given as a page vector (pages,
 *    npages, page_offset) to describe a buffer scattered in guest RAM;
 *  - value parameters carry 64 bits in a and b (the wire does, and the
 *    simulator's TAs use them);
 *  - a context is opened on a probed driver, not by name.
 *
 * Encodings on the wire (ABI 8.5): with an operation all four params are
 * sent (NONE included), as libteec does; temporary memrefs go as
 * TMEM|NONCONTIG with a page list built for the call (the mediator's
 * temporary-buffer path); registered and allocated shared memory goes as
 * RMEM with the cookie of its REGISTER_SHM; a temporary memref with
 * buffer 0 and no pages is a null memref (TMEM buf_ptr 0), allowed only
 * when OP-TEE offers SEC_CAP_MEMREF_NULL.
 *
 * Thread safety: a context, its sessions and shared memory may be used from
 * several vCPUs at once; one TEEC_Operation belongs to one call at a time.
 */
#ifndef TEEMED_SIM_GUEST_TEEC_H
#define TEEMED_SIM_GUEST_TEEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/driver.h"
#include "teemed/optee_msg.h" /* TEEC_SUCCESS, TEEC_ERROR_*, TEEC_ORIGIN_*, TEEC_LOGIN_* */

typedef uint32_t TEEC_Result;

typedef struct {
	uint32_t timeLow;
	uint16_t timeMid;
	uint16_t timeHiAndVersion;
	uint8_t clockSeqAndNode[8];
} TEEC_UUID;

struct TEEC_Session;

typedef struct {
	/* implementation */
	struct gdrv *drv;
	void *lock;                    /* guards sessions and next_cancel_id */
	struct TEEC_Session *sessions; /* open sessions, closed by Finalize */
	uint32_t next_cancel_id;
} TEEC_Context;

typedef struct TEEC_Session {
	/* implementation */
	TEEC_Context *ctx;
	uint32_t session_id;
	struct TEEC_Session *next;
} TEEC_Session;

/* TEEC_SharedMemory.flags */
#define TEEC_MEM_INPUT  0x00000001u
#define TEEC_MEM_OUTPUT 0x00000002u

typedef struct {
	uint64_t buffer; /* IPA of byte 0; 0 for an allocation that is not contiguous */
	size_t size;
	uint32_t flags;  /* TEEC_MEM_* */
	/* implementation */
	TEEC_Context *ctx;
	struct gdrv_shm *imp;
} TEEC_SharedMemory;

typedef struct {
	uint64_t buffer;        /* IPA of byte 0 of a contiguous range, or 0 */
	size_t size;            /* in: bytes; out: what the TA reported */
	const uint64_t *pages;  /* optional: page IPAs of a scattered buffer */
	size_t npages;
	uint32_t page_offset;   /* byte 0 inside pages[0] */
} TEEC_TempMemoryReference;

typedef struct {
	TEEC_SharedMemory *parent;
	size_t size;   /* in: bytes (PARTIAL); out: what the TA reported */
	size_t offset; /* PARTIAL only */
} TEEC_RegisteredMemoryReference;

typedef struct {
	uint64_t a;
	uint64_t b;
} TEEC_Value;

typedef union {
	TEEC_TempMemoryReference tmpref;
	TEEC_RegisteredMemoryReference memref;
	TEEC_Value value;
} TEEC_Parameter;

/* Parameter types (GlobalPlatform numbering). */
#define TEEC_NONE                   0x0u
#define TEEC_VALUE_INPUT            0x1u
#define TEEC_VALUE_OUTPUT           0x2u
#define TEEC_VALUE_INOUT            0x3u
#define TEEC_MEMREF_TEMP_INPUT      0x5u
#define TEEC_MEMREF_TEMP_OUTPUT     0x6u
#define TEEC_MEMREF_TEMP_INOUT      0x7u
#define TEEC_MEMREF_WHOLE           0xCu
#define TEEC_MEMREF_PARTIAL_INPUT   0xDu
#define TEEC_MEMREF_PARTIAL_OUTPUT  0xEu
#define TEEC_MEMREF_PARTIAL_INOUT   0xFu

#define TEEC_PARAM_TYPES(t0, t1, t2, t3) \
	((uint32_t)(t0) | ((uint32_t)(t1) << 4) | ((uint32_t)(t2) << 8) | \
	 ((uint32_t)(t3) << 12))
#define TEEC_PARAM_TYPE_GET(types, i) (((types) >> ((i) * 4)) & 0xFu)

typedef struct {
	uint32_t started;     /* set to 1 when the call is under way */
	uint32_t paramTypes;  /* TEEC_PARAM_TYPES(...) */
	TEEC_Parameter params[4];
	/* implementation */
	TEEC_Session *session;
	uint32_t cancel_id;
} TEEC_Operation;

/*
 * Open a context on `drv`, which must have been probed. Returns
 * TEEC_SUCCESS, TEEC_ERROR_BAD_PARAMETERS (NULL or unprobed driver) or
 * TEEC_ERROR_OUT_OF_MEMORY.
 */
TEEC_Result TEEC_InitializeContext(struct gdrv *drv, TEEC_Context *context);

/*
 * Close the context. Sessions still open are closed first (as Linux does
 * when a client's file is released). Shared memory must be released by the
 * caller before.
 */
void TEEC_FinalizeContext(TEEC_Context *context);

/*
 * Open a session with the TA `destination`. connectionMethod is a login
 * (TEEC_LOGIN_PUBLIC for the nil client UUID); for other logins
 * connectionData, if not NULL, points to the 16 client-UUID octets to send.
 * `operation` (may be NULL) carries up to 4 parameters, updated on return.
 * *returnOrigin (may be NULL) gets TEEC_ORIGIN_API for local failures,
 * TEEC_ORIGIN_COMMS when the SMC failed, else what OP-TEE said.
 */
TEEC_Result TEEC_OpenSession(TEEC_Context *context, TEEC_Session *session,
			     const TEEC_UUID *destination,
			     uint32_t connectionMethod,
			     const void *connectionData,
			     TEEC_Operation *operation, uint32_t *returnOrigin);

/* Close a session (CLOSE_SESSION); the handle is unusable afterwards. */
void TEEC_CloseSession(TEEC_Session *session);

/*
 * Invoke command `commandID` of the session's TA with `operation` (may be
 * NULL). Output values and memref sizes are written back into operation.
 * Results and origins as for TEEC_OpenSession.
 */
TEEC_Result TEEC_InvokeCommand(TEEC_Session *session, uint32_t commandID,
			       TEEC_Operation *operation, uint32_t *returnOrigin);

/*
 * Register caller memory: sharedMem->buffer (IPA), size (> 0) and flags
 * describe it. Registered with OP-TEE (REGISTER_SHM) at once; memrefs to it
 * go as RMEM. Release with TEEC_ReleaseSharedMemory.
 */
TEEC_Result TEEC_RegisterSharedMemory(TEEC_Context *context,
				      TEEC_SharedMemory *sharedMem);

/*
 * Allocate sharedMem->size bytes (> 0) of zeroed guest pages and register
 * them. sharedMem->buffer gets their IPA (0 if the pages are not
 * contiguous: use teec_shm_read/write).
 */
TEEC_Result TEEC_AllocateSharedMemory(TEEC_Context *context,
				      TEEC_SharedMemory *sharedMem);

/* As TEEC_AllocateSharedMemory, with a GDRV_PAGES_* placement policy. */
TEEC_Result teec_allocate_shared_memory_policy(TEEC_Context *context,
					       TEEC_SharedMemory *sharedMem,
					       unsigned int policy);

/* Unregister (UNREGISTER_SHM) and, if allocated, free the pages. */
void TEEC_ReleaseSharedMemory(TEEC_SharedMemory *sharedMem);

/*
 * Ask OP-TEE to cancel the invocation running with `operation` (CANCEL
 * with its session and cancel id). No effect if it has not started.
 */
void TEEC_RequestCancellation(TEEC_Operation *operation);

/* Copy bytes in and out of shared memory (TEEC_ERROR_BAD_PARAMETERS past its end). */
TEEC_Result teec_shm_write(TEEC_SharedMemory *sharedMem, size_t offset,
			   const void *src, size_t len);
TEEC_Result teec_shm_read(TEEC_SharedMemory *sharedMem, size_t offset,
			  void *dst, size_t len);

/*
 * Guest RAM for temporary memrefs: allocate `size` bytes of zeroed pages
 * with a GDRV_PAGES_* policy and describe them in *ref (buffer if
 * contiguous, else a page vector). Free with teec_temp_free.
 */
TEEC_Result teec_temp_alloc(TEEC_Context *context, size_t size,
			    unsigned int policy, TEEC_TempMemoryReference *ref);
void teec_temp_free(TEEC_Context *context, TEEC_TempMemoryReference *ref);
TEEC_Result teec_temp_write(TEEC_Context *context,
			    const TEEC_TempMemoryReference *ref, size_t offset,
			    const void *src, size_t len);
TEEC_Result teec_temp_read(TEEC_Context *context,
			   const TEEC_TempMemoryReference *ref, size_t offset,
			   void *dst, size_t len);

/* The 16 octets of a UUID in network order, as OPEN_SESSION sends them. */
void teec_uuid_octets(const TEEC_UUID *uuid, uint8_t out[16]);

#endif /* TEEMED_SIM_GUEST_TEEC_H */
