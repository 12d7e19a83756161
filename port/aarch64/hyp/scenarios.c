// SPDX-License-Identifier: BSD-2-Clause
/*
 * What a QEMU run does: the guests, their roles, RAM and CPUs. One of
 * these is compiled into each image (SCN_<name>, mk/aarch64.mk); every
 * vCPU needs a physical CPU of its own (-smp 4).
 */
#include "hyp.h"

#define MiB(n) ((uint64_t)(n) << 20)

#if defined(SCN_THIN)
const struct scenario hyp_scenario = {
    .name = "thin",
    .what = "one guest: probe and one INVOKE through the mediator",
    .nguests = 1,
    .guests =
	{
	    {.name = "thin",
	     .slot = 0,
	     .role = ROLE_THIN,
	     .nvcpus = 1,
	     .pcpu = {0},
	     .ram_size = MiB(16)},
	},
};
#elif defined(SCN_FULL)
const struct scenario hyp_scenario = {
    .name = "full",
    .what = "two well-behaved guests (one with 2 vCPUs; one legacy driver on HVC) and a hostile "
	    "guest, concurrently",
    .nguests = 3,
    .guests =
	{
	    {.name = "wellA",
	     .slot = 0,
	     .role = ROLE_WELL,
	     .nvcpus = 2,
	     .pcpu = {0, 1},
	     .ram_size = MiB(32),
	     .iterations = 2},
	    {.name = "wellB",
	     .slot = 1,
	     .role = ROLE_WELL,
	     .flags = GUEST_F_LEGACY | GUEST_F_HVC,
	     .nvcpus = 1,
	     .pcpu = {2},
	     .ram_size = MiB(32),
	     .iterations = 2},
	    {.name = "hostile",
	     .slot = 2,
	     .role = ROLE_HOSTILE,
	     .nvcpus = 1,
	     .pcpu = {3},
	     .ram_size = MiB(16),
	     .uart = true,
	     .iterations = 4},
	},
};
#elif defined(SCN_ORACLE)
/*
 * The oracle's own test: this image links a deliberately broken port
 * (port.c built with HYP_TEST_BROKEN_PIN: pin trusts guest addresses it
 * cannot translate). The hostile guest's foreign addresses then reach the
 * secure world, and the run must end with the oracle's violation bit.
 */
const struct scenario hyp_scenario = {
    .name = "oracle",
    .what = "self-test: a broken port must be caught by the EL3 oracle",
    .nguests = 2,
    .guests =
	{
	    {.name = "victim",
	     .slot = 0,
	     .role = ROLE_THIN,
	     .nvcpus = 1,
	     .pcpu = {0},
	     .ram_size = MiB(16)},
	    {.name = "hostile",
	     .slot = 3,
	     .role = ROLE_HOSTILE,
	     .nvcpus = 1,
	     .pcpu = {1},
	     .ram_size = MiB(16),
	     .uart = true,
	     .iterations = 1},
	},
};
#elif defined(SCN_TFA)
/*
 * For TF-A + real OP-TEE (built with CFG_NS_VIRTUALIZATION), as BL33: the
 * model's TAs do not exist there, so the guests use OP-TEE's own
 * device-enumeration PTA and the TA-loading RPC (tools/tfa-run.sh).
 */
const struct scenario hyp_scenario = {
    .name = "tfa",
    .what = "two guests against real OP-TEE: probe, PTA invokes with memrefs, TA-load RPCs",
    .nguests = 2,
    .guests =
	{
	    {.name = "realA",
	     .slot = 0,
	     .role = ROLE_REAL,
	     .nvcpus = 1,
	     .pcpu = {0},
	     .ram_size = MiB(16),
	     .iterations = 20},
	    {.name = "realB",
	     .slot = 1,
	     .role = ROLE_REAL,
	     .flags = GUEST_F_HVC,
	     .nvcpus = 1,
	     .pcpu = {1},
	     .ram_size = MiB(16),
	     .iterations = 20},
	},
};
#elif defined(SCN_BENCH)
const struct scenario hyp_scenario = {
    .name = "bench",
    .what = "round trips through the mediator vs a bare forward of the same SMCs",
    .nguests = 1,
    .guests =
	{
	    {.name = "bench",
	     .slot = 0,
	     .role = ROLE_BENCH,
	     .flags = GUEST_F_BYPASS,
	     .nvcpus = 1,
	     .pcpu = {0},
	     .ram_size = MiB(32),
	     .identity = true,
	     .iterations = 2000},
	},
};
#elif defined(SCN_FAULT)
const struct scenario hyp_scenario = {
    .name = "fault",
    .what = "a guest touching another guest's memory is stopped; the other runs on",
    .nguests = 2,
    .guests =
	{
	    {.name = "faulty",
	     .slot = 0,
	     .role = ROLE_FAULT,
	     .nvcpus = 1,
	     .pcpu = {0},
	     .ram_size = MiB(16),
	     .expect_fault = true},
	    {.name = "bystander",
	     .slot = 1,
	     .role = ROLE_THIN,
	     .nvcpus = 1,
	     .pcpu = {1},
	     .ram_size = MiB(16)},
	},
};
#elif defined(SCN_LINUX)
/*
 * The stock Debian kernel with its own optee.ko as a guest (mk/linux.mk,
 * tools/linux/): its RAM is PLAT_LINUX_RAM_BASE, loaded by QEMU; the GIC
 * and the timer of pCPU 0 are its own. Beside it, on their own CPUs, a
 * well-behaved bare-metal guest (2 vCPUs) and the hostile guest call OP-TEE
 * at the same time: they are powered on at the kernel's first OP-TEE call
 * (its driver's probe), so that they run while its tests do.
 */
const struct scenario hyp_scenario = {
    .name = "linux",
    .what = "a stock Linux kernel (optee.ko, /dev/tee0 tests) beside a well-behaved and a "
	    "hostile guest",
    .nguests = 3,
    .guests =
	{
	    {.name = "linux",
	     .slot = PLAT_LINUX_SLOT,
	     .role = ROLE_LINUX,
	     .nvcpus = 1,
	     .pcpu = {0},
	     .ram_size = PLAT_LINUX_RAM_SIZE},
	    {.name = "wellA",
	     .slot = 1,
	     .role = ROLE_WELL,
	     .nvcpus = 2,
	     .pcpu = {1, 2},
	     .ram_size = MiB(32),
	     .deferred = true,
	     .iterations = 8},
	    {.name = "hostile",
	     .slot = 2,
	     .role = ROLE_HOSTILE,
	     .nvcpus = 1,
	     .pcpu = {3},
	     .ram_size = MiB(16),
	     .uart = true,
	     .deferred = true,
	     .iterations = 24},
	},
};
#else
#error "no scenario selected (SCN_THIN, SCN_FULL, SCN_BENCH, SCN_FAULT, SCN_ORACLE, SCN_TFA)"
#endif
