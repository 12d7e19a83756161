/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * OP-TEE message ABI: struct optee_msg_arg and its parameters, commands,
 * attributes and the non-contiguous page list (ABI sections 4 and 5).
 * Layouts are pinned by static assertions below.
 */
#ifndef TEEMED_OPTEE_MSG_H
#define TEEMED_OPTEE_MSG_H

#include <stddef.h>
#include <stdint.h>

/* Parameter attribute word (ABI 4.3). */
#define OPTEE_MSG_ATTR_TYPE_NONE          UINT64_C(0x0)
#define OPTEE_MSG_ATTR_TYPE_VALUE_INPUT   UINT64_C(0x1)
#define OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT  UINT64_C(0x2)
#define OPTEE_MSG_ATTR_TYPE_VALUE_INOUT   UINT64_C(0x3)
#define OPTEE_MSG_ATTR_TYPE_RMEM_INPUT    UINT64_C(0x5)
#define OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT   UINT64_C(0x6)
#define OPTEE_MSG_ATTR_TYPE_RMEM_INOUT    UINT64_C(0x7)
#define OPTEE_MSG_ATTR_TYPE_TMEM_INPUT    UINT64_C(0x9)
#define OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT   UINT64_C(0xA)
#define OPTEE_MSG_ATTR_TYPE_TMEM_INOUT    UINT64_C(0xB)
#define OPTEE_MSG_ATTR_TYPE_MASK          UINT64_C(0xFF)
#define OPTEE_MSG_ATTR_META               UINT64_C(0x100)
#define OPTEE_MSG_ATTR_NONCONTIG          UINT64_C(0x200)
#define OPTEE_MSG_ATTR_CACHE_SHIFT        16
#define OPTEE_MSG_ATTR_CACHE_MASK         UINT64_C(0x7)
#define OPTEE_MSG_ATTR_CACHE_PREDEFINED   0

/* Commands in optee_msg_arg.cmd for normal world -> OP-TEE (ABI 4.4). */
#define OPTEE_MSG_CMD_OPEN_SESSION       0
#define OPTEE_MSG_CMD_INVOKE_COMMAND     1
#define OPTEE_MSG_CMD_CLOSE_SESSION      2
#define OPTEE_MSG_CMD_CANCEL             3
#define OPTEE_MSG_CMD_REGISTER_SHM       4
#define OPTEE_MSG_CMD_UNREGISTER_SHM     5
#define OPTEE_MSG_CMD_DO_BOTTOM_HALF     6
#define OPTEE_MSG_CMD_STOP_ASYNC_NOTIF   7
#define OPTEE_MSG_CMD_LEND_PROTMEM       8
#define OPTEE_MSG_CMD_RECLAIM_PROTMEM    9
#define OPTEE_MSG_CMD_GET_PROTMEM_CONFIG 10
#define OPTEE_MSG_CMD_ASSIGN_PROTMEM     11

/* Largest num_params OP-TEE accepts: (4096 - 32) / 32 (ABI 4.1). */
#define OPTEE_MSG_MAX_NUM_PARAMS 127

struct optee_msg_param_tmem {
	uint64_t buf_ptr;
	uint64_t size;
	uint64_t shm_ref;
};

struct optee_msg_param_rmem {
	uint64_t offs;
	uint64_t size;
	uint64_t shm_ref;
};

struct optee_msg_param_value {
	uint64_t a;
	uint64_t b;
	uint64_t c;
};

struct optee_msg_param {
	uint64_t attr;
	union {
		struct optee_msg_param_tmem tmem;
		struct optee_msg_param_rmem rmem;
		struct optee_msg_param_value value;
		uint8_t octets[24];
	} u;
};

struct optee_msg_arg {
	uint32_t cmd;
	uint32_t func;
	uint32_t session;
	uint32_t cancel_id;
	uint32_t pad;
	uint32_t ret;
	uint32_t ret_origin;
	uint32_t num_params;
	struct optee_msg_param params[];
};

_Static_assert(sizeof(struct optee_msg_param) == 32, "ABI 4.2: param is 32 bytes");
_Static_assert(offsetof(struct optee_msg_param, u) == 8, "ABI 4.2: union at +8");
_Static_assert(sizeof(struct optee_msg_arg) == 32, "ABI 4.1: header is 32 bytes");
_Static_assert(offsetof(struct optee_msg_arg, ret) == 20, "ABI 4.1: ret at +20");
_Static_assert(offsetof(struct optee_msg_arg, num_params) == 28, "ABI 4.1");

/* Size of an optee_msg_arg carrying n params: 32 + 32 * n (ABI 4.1). */
#define OPTEE_MSG_GET_ARG_SIZE(n) \
	(sizeof(struct optee_msg_arg) + sizeof(struct optee_msg_param) * (size_t)(n))

/* Non-contiguous page list (ABI 4.5). */
#define OPTEE_MSG_NONCONTIG_PAGE_SIZE 4096u
#define OPTEE_MSG_PAGELIST_ENTRIES    511u   /* data pages per list page */
#define OPTEE_MSG_PAGELIST_NEXT_SLOT  511u   /* slot of the next-page PA */

/* TEE result codes (ABI 5.1). */
#define TEEC_SUCCESS                     UINT32_C(0x00000000)
#define TEEC_ERROR_STORAGE_NOT_AVAILABLE UINT32_C(0xF0100003)
#define TEE_ERROR_CORRUPT_OBJECT         UINT32_C(0xF0100001) /* GP TEE internal API */
#define TEEC_ERROR_GENERIC               UINT32_C(0xFFFF0000)
#define TEEC_ERROR_ACCESS_DENIED         UINT32_C(0xFFFF0001)
#define TEEC_ERROR_CANCEL                UINT32_C(0xFFFF0002)
#define TEEC_ERROR_ACCESS_CONFLICT       UINT32_C(0xFFFF0003)
#define TEEC_ERROR_EXCESS_DATA           UINT32_C(0xFFFF0004)
#define TEEC_ERROR_BAD_FORMAT            UINT32_C(0xFFFF0005)
#define TEEC_ERROR_BAD_PARAMETERS        UINT32_C(0xFFFF0006)
#define TEEC_ERROR_BAD_STATE             UINT32_C(0xFFFF0007)
#define TEEC_ERROR_ITEM_NOT_FOUND        UINT32_C(0xFFFF0008)
#define TEEC_ERROR_NOT_IMPLEMENTED       UINT32_C(0xFFFF0009)
#define TEEC_ERROR_NOT_SUPPORTED         UINT32_C(0xFFFF000A)
#define TEEC_ERROR_NO_DATA               UINT32_C(0xFFFF000B)
#define TEEC_ERROR_OUT_OF_MEMORY         UINT32_C(0xFFFF000C)
#define TEEC_ERROR_BUSY                  UINT32_C(0xFFFF000D)
#define TEEC_ERROR_COMMUNICATION         UINT32_C(0xFFFF000E)
#define TEEC_ERROR_SECURITY              UINT32_C(0xFFFF000F)
#define TEEC_ERROR_SHORT_BUFFER          UINT32_C(0xFFFF0010)
#define TEEC_ERROR_EXTERNAL_CANCEL       UINT32_C(0xFFFF0011)
#define TEE_ERROR_TIMEOUT                UINT32_C(0xFFFF3001)
#define TEE_ERROR_OVERFLOW               UINT32_C(0xFFFF300F)
#define TEEC_ERROR_TARGET_DEAD           UINT32_C(0xFFFF3024)
#define TEEC_ERROR_STORAGE_NO_SPACE      UINT32_C(0xFFFF3041)

/* Result origins (ABI 5.2). */
#define TEEC_ORIGIN_API         1
#define TEEC_ORIGIN_COMMS       2
#define TEEC_ORIGIN_TEE         3
#define TEEC_ORIGIN_TRUSTED_APP 4

/* Login types (ABI 5.3). */
#define TEEC_LOGIN_PUBLIC            UINT32_C(0x0)
#define TEEC_LOGIN_USER              UINT32_C(0x1)
#define TEEC_LOGIN_GROUP             UINT32_C(0x2)
#define TEEC_LOGIN_APPLICATION       UINT32_C(0x4)
#define TEEC_LOGIN_APPLICATION_USER  UINT32_C(0x5)
#define TEEC_LOGIN_APPLICATION_GROUP UINT32_C(0x6)
#define TEEC_LOGIN_REE_KERNEL        UINT32_C(0x80000000)
#define TEEC_LOGIN_TRUSTED_APP       UINT32_C(0xF0000000)

#endif /* TEEMED_OPTEE_MSG_H */
