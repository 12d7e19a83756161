/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest_env a workload's driver runs on.
 *
 * A driver keeps one guest_env for the whole guest, but an SMC is a trap of
 * the vCPU that issues it. wl_env forwards every call to vCPU 0's env except
 * smc(), which goes to the env of the vCPU running on the calling thread
 * (wl_env_enter), so the mediator and the trace see the real vCPU.
 *
 * Direct mode: without a mediator nothing translates guest addresses, so a
 * guest talking straight to OP-TEE must hand it physical addresses, as a
 * non-virtualized kernel does. wl_env then presents the guest's RAM as the
 * machine's whole guest region, addressed by PA (IPA = PA), which the
 * machine must have sized to the one guest's RAM.
 */
#ifndef TEEMED_SIM_WORKLOAD_WL_ENV_H
#define TEEMED_SIM_WORKLOAD_WL_ENV_H

#include "sim/guest/guest_env.h"
#include "sim/machine/machine.h"

struct wl_env {
	struct guest_env env;          /* give &env to the driver */
	const struct guest_env *base;  /* vCPU 0's */
	struct phys *identity;         /* direct mode: RAM addressed by PA */
};

/* 0, or -EINVAL (direct mode whose guest region is not the guest's RAM). */
int wl_env_init(struct wl_env *we, struct machine *m, struct machine_guest *g);
/* The calling thread is vCPU `vcpu_env` from now on (NULL: none). */
void wl_env_enter(const struct guest_env *vcpu_env);

#endif /* TEEMED_SIM_WORKLOAD_WL_ENV_H */
