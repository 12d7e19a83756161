/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Symbolic names of the scenario format: SMC function IDs and return
 * codes, message commands, attributes, TEE results and origins, RPC
 * commands, TA command IDs; the tables of stats, report and model fields;
 * the built-in TAs by name.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "optee/ta_api.h"
#include "sim/scenario/scn.h"
#include "teemed/optee_msg.h"
#include "teemed/optee_rpc_cmd.h"
#include "teemed/optee_smc.h"

struct named {
	const char *name;
	uint64_t value;
	const char *ctx; /* which value this names when printing, or NULL */
};

static const struct named consts[] = {
	/* a0 on return (ABI 2.1) */
	{ "OK", OPTEE_SMC_RETURN_OK, "a0" },
	{ "ETHREAD_LIMIT", OPTEE_SMC_RETURN_ETHREAD_LIMIT, "a0" },
	{ "EBUSY", OPTEE_SMC_RETURN_EBUSY, "a0" },
	{ "ERESUME", OPTEE_SMC_RETURN_ERESUME, "a0" },
	{ "EBADADDR", OPTEE_SMC_RETURN_EBADADDR, "a0" },
	{ "EBADCMD", OPTEE_SMC_RETURN_EBADCMD, "a0" },
	{ "ENOMEM", OPTEE_SMC_RETURN_ENOMEM, "a0" },
	{ "ENOTAVAIL", OPTEE_SMC_RETURN_ENOTAVAIL, "a0" },
	{ "UNKNOWN_FUNCTION", OPTEE_SMC_RETURN_UNKNOWN_FUNCTION, "a0" },
	{ "RPC_ALLOC", OPTEE_SMC_RETURN_RPC_ALLOC, "a0" },
	{ "RPC_FREE", OPTEE_SMC_RETURN_RPC_FREE, "a0" },
	{ "RPC_FOREIGN_INTR", OPTEE_SMC_RETURN_RPC_FOREIGN_INTR, "a0" },
	{ "RPC_CMD", OPTEE_SMC_RETURN_RPC_CMD, "a0" },
	/* function IDs (ABI 1.2) */
	{ "CALLS_COUNT", OPTEE_SMC_CALLS_COUNT, "fid" },
	{ "CALLS_UID", OPTEE_SMC_CALLS_UID, "fid" },
	{ "CALLS_REVISION", OPTEE_SMC_CALLS_REVISION, "fid" },
	{ "CALL_LOAD_IMAGE", OPTEE_SMC_CALL_LOAD_IMAGE, "fid" },
	{ "GET_OS_UUID", OPTEE_SMC_CALL_GET_OS_UUID, "fid" },
	{ "GET_OS_REVISION", OPTEE_SMC_CALL_GET_OS_REVISION, "fid" },
	{ "RETURN_FROM_RPC", OPTEE_SMC_CALL_RETURN_FROM_RPC, "fid" },
	{ "CALL_WITH_ARG", OPTEE_SMC_CALL_WITH_ARG, "fid" },
	{ "GET_SHM_CONFIG", OPTEE_SMC_GET_SHM_CONFIG, "fid" },
	{ "L2CC_MUTEX", OPTEE_SMC_L2CC_MUTEX, "fid" },
	{ "EXCHANGE_CAPABILITIES", OPTEE_SMC_EXCHANGE_CAPABILITIES, "fid" },
	{ "DISABLE_SHM_CACHE", OPTEE_SMC_DISABLE_SHM_CACHE, "fid" },
	{ "ENABLE_SHM_CACHE", OPTEE_SMC_ENABLE_SHM_CACHE, "fid" },
	{ "BOOT_SECONDARY", OPTEE_SMC_BOOT_SECONDARY, "fid" },
	{ "VM_CREATED", OPTEE_SMC_VM_CREATED, "fid" },
	{ "VM_DESTROYED", OPTEE_SMC_VM_DESTROYED, "fid" },
	{ "GET_THREAD_COUNT", OPTEE_SMC_GET_THREAD_COUNT, "fid" },
	{ "ENABLE_ASYNC_NOTIF", OPTEE_SMC_ENABLE_ASYNC_NOTIF, "fid" },
	{ "GET_ASYNC_NOTIF_VALUE", OPTEE_SMC_GET_ASYNC_NOTIF_VALUE, "fid" },
	{ "CALL_WITH_RPC_ARG", OPTEE_SMC_CALL_WITH_RPC_ARG, "fid" },
	{ "CALL_WITH_REGD_ARG", OPTEE_SMC_CALL_WITH_REGD_ARG, "fid" },
	{ "GET_PROTMEM_CONFIG", OPTEE_SMC_GET_PROTMEM_CONFIG, "fid" },
	/* capabilities (ABI 3.2) */
	{ "NSEC_CAP_UNIPROCESSOR", OPTEE_SMC_NSEC_CAP_UNIPROCESSOR, NULL },
	{ "CAP_HAVE_RESERVED_SHM", OPTEE_SMC_SEC_CAP_HAVE_RESERVED_SHM, NULL },
	{ "CAP_UNREGISTERED_SHM", OPTEE_SMC_SEC_CAP_UNREGISTERED_SHM, NULL },
	{ "CAP_DYNAMIC_SHM", OPTEE_SMC_SEC_CAP_DYNAMIC_SHM, NULL },
	{ "CAP_VIRTUALIZATION", OPTEE_SMC_SEC_CAP_VIRTUALIZATION, NULL },
	{ "CAP_MEMREF_NULL", OPTEE_SMC_SEC_CAP_MEMREF_NULL, NULL },
	{ "CAP_ASYNC_NOTIF", OPTEE_SMC_SEC_CAP_ASYNC_NOTIF, NULL },
	{ "CAP_RPC_ARG", OPTEE_SMC_SEC_CAP_RPC_ARG, NULL },
	/* message commands (ABI 4.4) */
	{ "OPEN_SESSION", OPTEE_MSG_CMD_OPEN_SESSION, "cmd" },
	{ "INVOKE_COMMAND", OPTEE_MSG_CMD_INVOKE_COMMAND, "cmd" },
	{ "CLOSE_SESSION", OPTEE_MSG_CMD_CLOSE_SESSION, "cmd" },
	{ "CANCEL", OPTEE_MSG_CMD_CANCEL, "cmd" },
	{ "REGISTER_SHM", OPTEE_MSG_CMD_REGISTER_SHM, "cmd" },
	{ "UNREGISTER_SHM", OPTEE_MSG_CMD_UNREGISTER_SHM, "cmd" },
	{ "DO_BOTTOM_HALF", OPTEE_MSG_CMD_DO_BOTTOM_HALF, "cmd" },
	{ "STOP_ASYNC_NOTIF", OPTEE_MSG_CMD_STOP_ASYNC_NOTIF, "cmd" },
	{ "LEND_PROTMEM", OPTEE_MSG_CMD_LEND_PROTMEM, "cmd" },
	{ "RECLAIM_PROTMEM", OPTEE_MSG_CMD_RECLAIM_PROTMEM, "cmd" },
	/* parameter attributes (ABI 4.3) */
	{ "NONE", OPTEE_MSG_ATTR_TYPE_NONE, "attr" },
	{ "VALUE_INPUT", OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, "attr" },
	{ "VALUE_OUTPUT", OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT, "attr" },
	{ "VALUE_INOUT", OPTEE_MSG_ATTR_TYPE_VALUE_INOUT, "attr" },
	{ "RMEM_INPUT", OPTEE_MSG_ATTR_TYPE_RMEM_INPUT, "attr" },
	{ "RMEM_OUTPUT", OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT, "attr" },
	{ "RMEM_INOUT", OPTEE_MSG_ATTR_TYPE_RMEM_INOUT, "attr" },
	{ "TMEM_INPUT", OPTEE_MSG_ATTR_TYPE_TMEM_INPUT, "attr" },
	{ "TMEM_OUTPUT", OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT, "attr" },
	{ "TMEM_INOUT", OPTEE_MSG_ATTR_TYPE_TMEM_INOUT, "attr" },
	{ "META", OPTEE_MSG_ATTR_META, NULL },
	{ "NONCONTIG", OPTEE_MSG_ATTR_NONCONTIG, NULL },
	/* TEE results (ABI 5.1) */
	{ "SUCCESS", TEEC_SUCCESS, "ret" },
	{ "GENERIC", TEEC_ERROR_GENERIC, "ret" },
	{ "ACCESS_DENIED", TEEC_ERROR_ACCESS_DENIED, "ret" },
	{ "CANCEL_ERR", TEEC_ERROR_CANCEL, "ret" },
	{ "ACCESS_CONFLICT", TEEC_ERROR_ACCESS_CONFLICT, "ret" },
	{ "EXCESS_DATA", TEEC_ERROR_EXCESS_DATA, "ret" },
	{ "BAD_FORMAT", TEEC_ERROR_BAD_FORMAT, "ret" },
	{ "BAD_PARAMETERS", TEEC_ERROR_BAD_PARAMETERS, "ret" },
	{ "BAD_STATE", TEEC_ERROR_BAD_STATE, "ret" },
	{ "ITEM_NOT_FOUND", TEEC_ERROR_ITEM_NOT_FOUND, "ret" },
	{ "NOT_IMPLEMENTED", TEEC_ERROR_NOT_IMPLEMENTED, "ret" },
	{ "NOT_SUPPORTED", TEEC_ERROR_NOT_SUPPORTED, "ret" },
	{ "NO_DATA", TEEC_ERROR_NO_DATA, "ret" },
	{ "OUT_OF_MEMORY", TEEC_ERROR_OUT_OF_MEMORY, "ret" },
	{ "BUSY", TEEC_ERROR_BUSY, "ret" },
	{ "COMMUNICATION", TEEC_ERROR_COMMUNICATION, "ret" },
	{ "SECURITY", TEEC_ERROR_SECURITY, "ret" },
	{ "SHORT_BUFFER", TEEC_ERROR_SHORT_BUFFER, "ret" },
	{ "TARGET_DEAD", TEEC_ERROR_TARGET_DEAD, "ret" },
	{ "STORAGE_NO_SPACE", TEEC_ERROR_STORAGE_NO_SPACE, "ret" },
	/* origins (ABI 5.2) */
	{ "ORIGIN_API", TEEC_ORIGIN_API, "origin" },
	{ "ORIGIN_COMMS", TEEC_ORIGIN_COMMS, "origin" },
	{ "ORIGIN_TEE", TEEC_ORIGIN_TEE, "origin" },
	{ "ORIGIN_TA", TEEC_ORIGIN_TRUSTED_APP, "origin" },
	/* RPC commands (ABI 6) */
	{ "RPC_CMD_LOAD_TA", OPTEE_RPC_CMD_LOAD_TA, "rpc" },
	{ "RPC_CMD_FS", OPTEE_RPC_CMD_FS, "rpc" },
	{ "RPC_CMD_GET_TIME", OPTEE_RPC_CMD_GET_TIME, "rpc" },
	{ "RPC_CMD_NOTIFICATION", OPTEE_RPC_CMD_NOTIFICATION, "rpc" },
	{ "RPC_CMD_SUSPEND", OPTEE_RPC_CMD_SUSPEND, "rpc" },
	{ "RPC_CMD_SHM_ALLOC", OPTEE_RPC_CMD_SHM_ALLOC, "rpc" },
	{ "RPC_CMD_SHM_FREE", OPTEE_RPC_CMD_SHM_FREE, "rpc" },
	/* TA commands (sim/optee/ta_api.h) */
	{ "ARITH_ADD", TA_ARITH_CMD_ADD, NULL },
	{ "ARITH_MUL", TA_ARITH_CMD_MUL, NULL },
	{ "ARITH_INC4", TA_ARITH_CMD_INC4, NULL },
	{ "ARITH_COUNT", TA_ARITH_CMD_COUNT, NULL },
	{ "BUF_FILL", TA_BUF_CMD_FILL, NULL },
	{ "BUF_CHECKSUM", TA_BUF_CMD_CHECKSUM, NULL },
	{ "BUF_REVERSE", TA_BUF_CMD_REVERSE, NULL },
	{ "BUF_COPY", TA_BUF_CMD_COPY, NULL },
	{ "SHMKEEP_ALLOC", TA_SHMKEEP_CMD_ALLOC, NULL },
	{ "SHMKEEP_FILL", TA_SHMKEEP_CMD_FILL, NULL },
	{ "SHMKEEP_CHECK", TA_SHMKEEP_CMD_CHECK, NULL },
	{ "SHMKEEP_FREE", TA_SHMKEEP_CMD_FREE, NULL },
	{ "SLEEP_SUSPEND", TA_SLEEP_CMD_SUSPEND, NULL },
	{ "SLEEP_GET_TIME", TA_SLEEP_CMD_GET_TIME, NULL },
	{ "SLEEP_RPC_LOOP", TA_SLEEP_CMD_RPC_LOOP, NULL },
	{ "SLEEP_ASYNC_NOTIF", TA_SLEEP_CMD_ASYNC_NOTIF, NULL },
	{ "PANIC", TA_PANIC_CMD_PANIC, NULL },
	/* sizes */
	{ "PAGE", 4096, NULL },
};

bool scn_const_lookup(const char *name, uint64_t *v)
{
	size_t i;

	for (i = 0; i < sizeof(consts) / sizeof(consts[0]); i++)
		if (!strcmp(consts[i].name, name)) {
			*v = consts[i].value;
			return true;
		}
	return false;
}

const char *scn_value_name(const char *ctx, uint64_t v)
{
	size_t i;

	if (!ctx)
		return NULL;
	for (i = 0; i < sizeof(consts) / sizeof(consts[0]); i++)
		if (consts[i].ctx && !strcmp(consts[i].ctx, ctx) && consts[i].value == v)
			return consts[i].name;
	return NULL;
}

void scn_fmt_value(char *buf, size_t len, const char *ctx, uint64_t v)
{
	const char *n = scn_value_name(ctx, v);

	/* a0 is a 32-bit code: its upper half is ignored by the ABI. */
	if (!n && ctx && !strcmp(ctx, "a0"))
		n = scn_value_name("fid", v);
	if (n)
		snprintf(buf, len, "0x%llx (%s)", (unsigned long long)v, n);
	else
		snprintf(buf, len, "0x%llx", (unsigned long long)v);
}

struct ta_named {
	const char *name;
	struct ta_uuid uuid;
};

static const struct ta_named tas[] = {
	{ "devenum", TA_DEVENUM_UUID }, { "arith", TA_ARITH_UUID },
	{ "buf", TA_BUF_UUID },         { "storage", TA_STORAGE_UUID },
	{ "shmkeep", TA_SHMKEEP_UUID }, { "sleep", TA_SLEEP_UUID },
	{ "panic", TA_PANIC_UUID },
	/* No such TA: OPEN_SESSION answers ITEM_NOT_FOUND. */
	{ "missing", { 0x7e3d00ff, 0, 0x4000, { 0x80, 0, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 } } },
};

bool scn_ta_uuid(const char *name, TEEC_UUID *uuid)
{
	size_t i;

	for (i = 0; i < sizeof(tas) / sizeof(tas[0]); i++)
		if (!strcmp(tas[i].name, name)) {
			uuid->timeLow = tas[i].uuid.time_low;
			uuid->timeMid = tas[i].uuid.time_mid;
			uuid->timeHiAndVersion = tas[i].uuid.time_hi_and_version;
			memcpy(uuid->clockSeqAndNode, tas[i].uuid.clock_seq_and_node, 8);
			return true;
		}
	return false;
}

void scn_uuid_octets(const TEEC_UUID *u, uint8_t out[16])
{
	out[0] = (uint8_t)(u->timeLow >> 24);
	out[1] = (uint8_t)(u->timeLow >> 16);
	out[2] = (uint8_t)(u->timeLow >> 8);
	out[3] = (uint8_t)u->timeLow;
	out[4] = (uint8_t)(u->timeMid >> 8);
	out[5] = (uint8_t)u->timeMid;
	out[6] = (uint8_t)(u->timeHiAndVersion >> 8);
	out[7] = (uint8_t)u->timeHiAndVersion;
	memcpy(out + 8, u->clockSeqAndNode, 8);
}

struct field {
	const char *name;
	size_t off;
	int is32;
};

#define SF(x) { #x, offsetof(struct teemed_stats, x), 0 }
static const struct field stats_fields[] = {
	SF(fast_calls), SF(std_calls), SF(std_calls_done), SF(rpc_alloc), SF(rpc_free),
	SF(rpc_foreign_intr), SF(rpc_cmd), SF(preemptions), SF(thread_limit),
	SF(resume_refused), SF(bad_addr), SF(bad_param), SF(out_of_memory),
	SF(unknown_function), SF(pages_pinned), SF(bytes_shared), SF(buffers_registered),
	SF(pages_held), SF(buffers_held), SF(rpc_args_held), SF(calls_active),
};

#define RF(x) { #x, offsetof(struct machine_report, x), 0 }
static const struct field report_fields[] = {
	RF(pins), RF(pinned_frames), RF(allocs), RF(alloc_bytes), RF(pages), RF(locks),
	RF(maps), RF(model_allocs), RF(violations), RF(map_violations), RF(phys_errors),
	RF(port_errors), RF(model_errors), RF(teardown_errors), RF(error_logs),
	RF(errors_total), RF(held_total),
};

#define MF(x, w) { #x, offsetof(struct optee_model_guest_stats, x), w }
static const struct field model_fields[] = {
	MF(threads_busy, 1), MF(rpc_arg_buffers, 1), MF(sessions, 1), MF(reg_shm, 1),
	MF(rpc_shm, 1), MF(notif_pending, 0), MF(bottom_halves, 0),
};

static long find(const struct field *t, size_t n, const char *name, int *is32)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].name, name)) {
			if (is32)
				*is32 = t[i].is32;
			return (long)t[i].off;
		}
	return -1;
}

long scn_stats_field(const char *name)
{
	return find(stats_fields, sizeof(stats_fields) / sizeof(stats_fields[0]), name, NULL);
}

long scn_report_field(const char *name)
{
	return find(report_fields, sizeof(report_fields) / sizeof(report_fields[0]), name, NULL);
}

long scn_model_field(const char *name, int *is32)
{
	return find(model_fields, sizeof(model_fields) / sizeof(model_fields[0]), name, is32);
}

void scn_list_fields(FILE *out, int which)
{
	const struct field *t = which == 0 ? stats_fields : which == 1 ? report_fields
								      : model_fields;
	size_t n = which == 0 ? sizeof(stats_fields) / sizeof(stats_fields[0])
		 : which == 1 ? sizeof(report_fields) / sizeof(report_fields[0])
			      : sizeof(model_fields) / sizeof(model_fields[0]);
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? ", " : "", t[i].name);
}
