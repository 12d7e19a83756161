/* SPDX-License-Identifier: BSD-2-Clause */
/* Every test of the guest suite (listed in main.c). */
#ifndef TEEMED_TESTS_GUEST_TESTS_H
#define TEEMED_TESTS_GUEST_TESTS_H

void test_probe_modern(void);
void test_probe_legacy(void);
void test_probe_failures(void);
void test_probe_thread_count_unknown(void);
void test_shm_cache(void);

void test_rpc_fintr_time_suspend(void);
void test_rpc_alloc_free(void);
void test_rpc_shm_alloc(void);
void test_rpc_bad_args(void);
void test_rpc_notification(void);
void test_rpc_notification_threads(void);
void test_rpc_supplicant_fs(void);
void test_ethread_limit_retry(void);
void test_thread_count_wait(void);
void test_rpc_legacy_all_kinds(void);
void test_concurrent_calls(void);

void test_client_uuid_octets(void);
void test_client_values(void);
void test_client_temp_memref(void);
void test_client_temp_scattered(void);
void test_client_null_memref(void);
void test_client_registered_shm(void);
void test_client_allocated_shm(void);
void test_client_comms_error(void);
void test_client_finalize(void);
void test_client_bad_params(void);

void test_pagelist_small(void);
void test_pagelist_multi(void);
void test_register_large(void);
void test_page_allocator(void);
void test_supp_direct(void);
void test_raw_interface(void);
void test_unmapped_arg_page(void);

#endif /* TEEMED_TESTS_GUEST_TESTS_H */
