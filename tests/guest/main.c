/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest suite: the driver, client API and supplicant against the fake
 * OP-TEE. Prints one line per failing test and ends with "N passed, M
 * failed"; exits non-zero on any failure. An argument runs only the tests
 * whose name contains it.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tests.h"

int harness_failures;

#define T(name) { #name, name }
static const struct test_case tests[] = {
	T(test_probe_modern),
	T(test_probe_legacy),
	T(test_probe_failures),
	T(test_probe_thread_count_unknown),
	T(test_shm_cache),
	T(test_rpc_fintr_time_suspend),
	T(test_rpc_alloc_free),
	T(test_rpc_shm_alloc),
	T(test_rpc_bad_args),
	T(test_rpc_notification),
	T(test_rpc_notification_threads),
	T(test_rpc_supplicant_fs),
	T(test_ethread_limit_retry),
	T(test_thread_count_wait),
	T(test_rpc_legacy_all_kinds),
	T(test_concurrent_calls),
	T(test_client_uuid_octets),
	T(test_client_values),
	T(test_client_temp_memref),
	T(test_client_temp_scattered),
	T(test_client_null_memref),
	T(test_client_registered_shm),
	T(test_client_allocated_shm),
	T(test_client_comms_error),
	T(test_client_finalize),
	T(test_client_bad_params),
	T(test_pagelist_small),
	T(test_pagelist_multi),
	T(test_register_large),
	T(test_page_allocator),
	T(test_supp_direct),
	T(test_raw_interface),
	T(test_unmapped_arg_page),
};

int main(int argc, char **argv)
{
	size_t i;
	int passed = 0, failed = 0;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		harness_failures = 0;
		tests[i].fn();
		if (harness_failures) {
			printf("FAIL %s (%d checks)\n", tests[i].name, harness_failures);
			failed++;
		} else {
			printf("ok   %s\n", tests[i].name);
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
