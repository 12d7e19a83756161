/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The trusted applications built into the OP-TEE model: their UUIDs and
 * command IDs, shared by the model and by the workloads that call them.
 * Parameter use per command is documented beside each ID.
 */
#ifndef TEEMED_SIM_TA_API_H
#define TEEMED_SIM_TA_API_H

#include <stdint.h>

struct ta_uuid {
	uint32_t time_low;
	uint16_t time_mid;
	uint16_t time_hi_and_version;
	uint8_t clock_seq_and_node[8];
};

/* Device enumeration pseudo-TA (as in OP-TEE OS). */
#define TA_DEVENUM_UUID { 0x7011a688, 0xddde, 0x4053, \
	{ 0xa5, 0xa9, 0x7b, 0x3c, 0x4d, 0xdf, 0x13, 0xb8 } }
#define TA_DEVENUM_CMD_GET_DEVICES      0 /* p0 memref out: 16-byte UUIDs */
#define TA_DEVENUM_CMD_GET_DEVICES_SUPP 1
#define TA_DEVENUM_CMD_GET_DEVICES_RPMB 2

/* Value/arithmetic TA. */
#define TA_ARITH_UUID { 0x7e3d0001, 0x0000, 0x4000, \
	{ 0x80, 0x00, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 } }
#define TA_ARITH_CMD_ADD   0 /* p0 value in a,b; p1 value out a = a+b, b = carry */
#define TA_ARITH_CMD_MUL   1 /* p0 value in a,b; p1 value out a = low, b = high 64 bits */
#define TA_ARITH_CMD_INC4  2 /* p0..p3 value inout: a += 1, b += 2 each */
#define TA_ARITH_CMD_COUNT 3 /* p0 value out a = invokes on this session so far */

/* Buffer TA. */
#define TA_BUF_UUID { 0x7e3d0002, 0x0000, 0x4000, \
	{ 0x80, 0x00, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 } }
#define TA_BUF_CMD_FILL     0 /* p0 value in a = byte; p1 memref out: filled */
#define TA_BUF_CMD_CHECKSUM 1 /* p0 memref in; p1 value out a = fnv1a-64 of p0 */
#define TA_BUF_CMD_REVERSE  2 /* p0 memref inout: bytes reversed in place */
#define TA_BUF_CMD_COPY     3 /* p0 memref in -> p1 memref out; SHORT_BUFFER with
				* p1.size = needed if p1 is too small */

/* Storage TA: persistent objects kept by the supplicant (FS RPCs). */
#define TA_STORAGE_UUID { 0x7e3d0003, 0x0000, 0x4000, \
	{ 0x80, 0x00, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 } }
#define TA_STORAGE_CMD_WRITE  0 /* p0 value in a = object id; p1 memref in data */
#define TA_STORAGE_CMD_READ   1 /* p0 value in a = id; p1 memref out; SHORT_BUFFER */
#define TA_STORAGE_CMD_DELETE 2 /* p0 value in a = id; ITEM_NOT_FOUND if absent */

/* RPC-allocated shared memory kept across invokes. */
#define TA_SHMKEEP_UUID { 0x7e3d0004, 0x0000, 0x4000, \
	{ 0x80, 0x00, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 } }
#define TA_SHMKEEP_CMD_ALLOC 0 /* p0 value in a = size, b = SHM type: RPC SHM_ALLOC */
#define TA_SHMKEEP_CMD_FILL  1 /* p0 value in a = seed: write a pattern into it */
#define TA_SHMKEEP_CMD_CHECK 2 /* p0 value in a = seed; p1 value out a = 1 if intact */
#define TA_SHMKEEP_CMD_FREE  3 /* RPC SHM_FREE of the kept buffer */

/* Time, sleeping, notifications and RPC-heavy commands. */
#define TA_SLEEP_UUID { 0x7e3d0005, 0x0000, 0x4000, \
	{ 0x80, 0x00, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 } }
#define TA_SLEEP_CMD_SUSPEND  0 /* p0 value in a = ms: RPC SUSPEND */
#define TA_SLEEP_CMD_GET_TIME 1 /* p0 value out a = s, b = ns: RPC GET_TIME */
#define TA_SLEEP_CMD_WAIT     2 /* p0 value in a = key, b = timeout ms: NOTIFICATION WAIT */
#define TA_SLEEP_CMD_SEND     3 /* p0 value in a = key: NOTIFICATION SEND */
#define TA_SLEEP_CMD_RPC_LOOP 4 /* p0 value in a = n: n GET_TIME RPCs; p1 value out a = n done */

/* A TA that panics: every invoke answers TARGET_DEAD, and so does the session after. */
#define TA_PANIC_UUID { 0x7e3d0006, 0x0000, 0x4000, \
	{ 0x80, 0x00, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 } }
#define TA_PANIC_CMD_PANIC 0

/*
 * Additions (the IDs above are frozen; these extend them).
 *
 * TA_ARITH_CMD_COUNT counts every invoke on the session, this one included.
 * TA_SLEEP_CMD_ASYNC_NOTIF makes the guest's async-notification value
 * p0.a (0 = DO_BOTTOM_HALF, 1..63 free values) pending and raises the
 * notification interrupt; NOT_SUPPORTED unless the model offers
 * OPTEE_SMC_SEC_CAP_ASYNC_NOTIF, BAD_PARAMETERS if p0.a > 63.
 * TA_SHMKEEP_CMD_CHECK compares against the pattern byte i =
 * (uint8_t)(seed + i * 7): see ta_shmkeep.c.
 */
#define TA_SLEEP_CMD_ASYNC_NOTIF 5 /* p0 value in a = async notif value */

/* Largest object TA_STORAGE keeps (bounds the RPC buffer it asks for). */
#define TA_STORAGE_MAX_OBJECT_SIZE (1024u * 1024u)

/*
 * Secure storage over the supplicant: the FS RPC protocol
 * =======================================================
 *
 * The storage TA reaches the guest's tee-supplicant with RPC_FUNC_CMD,
 * cmd = OPTEE_RPC_CMD_FS (2), as OP-TEE's REE FS does (tee_fs_rpc.c). The
 * RPC arg is prepared as for every RPC command: zeroed, ret preset to
 * TEEC_ERROR_GENERIC. Memory params are always RMEM_* (0x5/0x6/0x7) whose
 * shm_ref is the cookie the normal world returned for an earlier
 * OPTEE_RPC_CMD_SHM_ALLOC of type OPTEE_RPC_SHM_TYPE_APPL (0), offs is the
 * byte offset inside that buffer and size the byte count. The supplicant
 * answers with arg.ret (TEEC_SUCCESS or an error below); the model reads
 * back only ret, the a/b/c of VALUE_OUTPUT params and the size of
 * RMEM_OUTPUT params.
 *
 *  op (p0.a)     p0 VALUE_INPUT         p1                  p2
 *  OPEN     0    a=0                    RMEM_INPUT path     VALUE_OUTPUT a=fd
 *  CREATE   1    a=1                    RMEM_INPUT path     VALUE_OUTPUT a=fd
 *  CLOSE    2    a=2, b=fd              -                   -
 *  READ     3    a=3, b=fd, c=offset    RMEM_OUTPUT data    -
 *  WRITE    4    a=4, b=fd, c=offset    RMEM_INPUT data     -
 *  TRUNCATE 5    a=5, b=fd, c=length    -                   -
 *  REMOVE   6    a=6                    RMEM_INPUT path     -
 *  RENAME   7    a=7, b=overwrite(0/1)  RMEM_INPUT old path RMEM_INPUT new path
 *  OPENDIR/CLOSEDIR/READDIR (8, 9, 10) are not used by the model.
 *
 * num_params is exactly the number of params in that row (1, 2 or 3).
 * Paths are NUL-terminated; size counts the NUL. They are relative names
 * the supplicant places under its own storage directory, so each guest's
 * supplicant keeps its own objects. The model uses
 * "teemed/storage/<16 lowercase hex digits of the object id>".
 *
 * Semantics (those of tee-supplicant):
 *  OPEN      open an existing file read/write; TEEC_ERROR_ITEM_NOT_FOUND if
 *            it does not exist.
 *  CREATE    create the file, truncating it if it exists; open read/write.
 *  CLOSE     close fd.
 *  READ      read up to p1.size bytes at offset; set p1.size to the bytes
 *            actually read (fewer at end of file, 0 past it).
 *  WRITE     write p1.size bytes at offset, extending the file as needed.
 *  TRUNCATE  set the file length.
 *  REMOVE    delete the file; TEEC_ERROR_ITEM_NOT_FOUND if it does not exist.
 *  RENAME    rename; TEEC_ERROR_ACCESS_CONFLICT if the new name exists and
 *            overwrite is 0.
 * Any other failure: TEEC_ERROR_GENERIC (TEEC_ERROR_STORAGE_NO_SPACE when
 * out of space). An unknown op: TEEC_ERROR_BAD_PARAMETERS.
 *
 * What the storage TA does with it (per object id):
 *  WRITE   SHM_ALLOC(APPL, 64 + 8 + len); CREATE(path); WRITE(fd, 0,
 *          [8-byte little-endian len][len data bytes]); CLOSE; SHM_FREE.
 *  READ    SHM_ALLOC(APPL, 64 + 8 + client buffer size); OPEN(path);
 *          READ(fd, 0, 8) for the length; if it exceeds the client buffer,
 *          SHORT_BUFFER with the needed size; else READ(fd, 8, len); CLOSE;
 *          SHM_FREE. A short read answers TEE_ERROR_CORRUPT_OBJECT.
 *  DELETE  SHM_ALLOC(APPL, 64); REMOVE(path); SHM_FREE.
 * A WRITE longer than TA_STORAGE_MAX_OBJECT_SIZE answers
 * TEEC_ERROR_STORAGE_NO_SPACE without any RPC. Errors of the supplicant
 * (e.g. ITEM_NOT_FOUND from OPEN or REMOVE) are the command's result; the
 * file is closed and the buffer freed on every path once they were obtained.
 * The path sits at offset 0 of the buffer, data at offset 64.
 */

#endif /* TEEMED_SIM_TA_API_H */
