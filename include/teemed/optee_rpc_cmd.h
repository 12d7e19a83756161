/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * OP-TEE RPC commands carried in optee_msg_arg.cmd of an RPC_FUNC_CMD
 * exchange (ABI section 6).
 */
#ifndef TEEMED_OPTEE_RPC_CMD_H
#define TEEMED_OPTEE_RPC_CMD_H

#define OPTEE_RPC_CMD_LOAD_TA          0
#define OPTEE_RPC_CMD_RPMB             1
#define OPTEE_RPC_CMD_FS               2
#define OPTEE_RPC_CMD_GET_TIME         3
#define OPTEE_RPC_CMD_NOTIFICATION     4
#define OPTEE_RPC_CMD_SUSPEND          5
#define OPTEE_RPC_CMD_SHM_ALLOC        6
#define OPTEE_RPC_CMD_SHM_FREE         7
#define OPTEE_RPC_CMD_SQL_FS_RESERVED  8
#define OPTEE_RPC_CMD_GPROF            9
#define OPTEE_RPC_CMD_SOCKET           10
#define OPTEE_RPC_CMD_FTRACE           11
#define OPTEE_RPC_CMD_SUPP_PLUGIN      12
#define OPTEE_RPC_CMD_BENCH_REG        20
#define OPTEE_RPC_CMD_I2C_TRANSFER     21
#define OPTEE_RPC_CMD_RPMB_PROBE_RESET 22
#define OPTEE_RPC_CMD_RPMB_PROBE_NEXT  23
#define OPTEE_RPC_CMD_RPMB_FRAMES      24

/* NOTIFICATION sub-operations in value.a. */
#define OPTEE_RPC_NOTIFICATION_WAIT 0
#define OPTEE_RPC_NOTIFICATION_SEND 1

/* FS sub-operations in value.a. */
#define OPTEE_RPC_FS_OPEN     0
#define OPTEE_RPC_FS_CREATE   1
#define OPTEE_RPC_FS_CLOSE    2
#define OPTEE_RPC_FS_READ     3
#define OPTEE_RPC_FS_WRITE    4
#define OPTEE_RPC_FS_TRUNCATE 5
#define OPTEE_RPC_FS_REMOVE   6
#define OPTEE_RPC_FS_RENAME   7
#define OPTEE_RPC_FS_OPENDIR  8
#define OPTEE_RPC_FS_CLOSEDIR 9
#define OPTEE_RPC_FS_READDIR  10

/* SHM types in SHM_ALLOC / SHM_FREE value.a. */
#define OPTEE_RPC_SHM_TYPE_APPL   0
#define OPTEE_RPC_SHM_TYPE_KERNEL 1
#define OPTEE_RPC_SHM_TYPE_GLOBAL 2

#endif /* TEEMED_OPTEE_RPC_CMD_H */
