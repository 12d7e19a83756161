/* SPDX-License-Identifier: BSD-2-Clause */
/* The non-secure image (hypervisor + guests), copied to DRAM at boot. */
	.section .payload, "a"
	.incbin NS_IMAGE_BIN
