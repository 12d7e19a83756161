/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest images carried by the hypervisor: one linked at the usual guest
 * IPA (0x40000000) and one linked at slot 0's PA for an identity-mapped
 * guest (bench). The hypervisor copies the right one into a guest's RAM.
 */
	.section .guest_images, "a"
	.balign 16
	.global guest_image_ipa, guest_image_ipa_end
guest_image_ipa:
	.incbin GUEST_BIN
guest_image_ipa_end:
	.balign 16
	.global guest_image_id, guest_image_id_end
guest_image_id:
	.incbin GUEST_ID_BIN
guest_image_id_end:
