/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers shared by the guest tests. */
#ifndef TEEMED_TESTS_GUEST_UTIL_H
#define TEEMED_TESTS_GUEST_UTIL_H

#include "fake.h"
#include "guest/driver.h"
#include "guest/teec.h"

/* The test TA: any UUID the fake does not know as a PTA. */
#define TEST_TA_UUID { 0x7e3d0001, 0x0000, 0x4000, \
	{ 0x80, 0x00, 0x74, 0x65, 0x65, 0x6d, 0x65, 0x64 } }

/* Create and probe a driver on f; NULL (and a failed check) on error. */
struct gdrv *util_probe(struct fake *f, enum gdrv_mode mode, unsigned int vcpus,
			uint32_t cq_retry_ms);
/* Destroy the driver and the fake, checking that nothing leaked. */
void util_teardown(struct fake *f, struct gdrv *drv);
/* Open a session with the test TA through the driver. */
uint32_t util_open(struct gdrv *drv);
/* Invoke func with no params; returns ret. */
uint32_t util_invoke(struct gdrv *drv, uint32_t session, uint32_t func);
/* Set step i of script s to an RPC command with one value param. */
void util_step_value(struct fake *f, int s, int i, uint32_t cmd, uint64_t attr,
		     uint64_t a, uint64_t b, uint64_t c);

#endif /* TEEMED_TESTS_GUEST_UTIL_H */
