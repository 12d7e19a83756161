# The Linux guest (docs/aarch64.md, "The Linux guest"): the stock Debian
# arm64 kernel with Debian's tee.ko and optee.ko as a guest of the AArch64
# hypervisor, driving the OP-TEE model through /dev/tee0 and the mediator,
# beside a well-behaved and a hostile bare-metal guest.
#
#   make linux-test    fetch the kernel (first run: apt-get, cached in
#                      build/linux/kernel/), build, run with a timeout
#   make linux-demo    the same with the whole console
#
# Nothing of the kernel is committed: tools/linux/fetch-kernel.sh downloads
# linux-image-*-arm64 with apt-get and extracts the Image and the modules.

LNX         := $(BUILD)/linux
LNX_KERNEL  := $(LNX)/kernel
LNX_TIMEOUT ?= 240
LNX_SYSROOT_INC := $(shell $(A64_CC) -print-sysroot 2>/dev/null)

.PHONY: linux-test linux-demo linux-kernel linux-deps
linux-deps: qemu-deps
	@command -v dtc >/dev/null && command -v fdtput >/dev/null || { \
	  if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then \
	    echo "linux-deps: installing device-tree-compiler"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      device-tree-compiler >/dev/null; \
	  else echo "linux-deps: please install device-tree-compiler" >&2; exit 1; fi; }

$(LNX_KERNEL)/Image:
	@tools/linux/fetch-kernel.sh $(LNX_KERNEL)
linux-kernel: $(LNX_KERNEL)/Image

# The scenario's images: the hypervisor with SCN_LINUX, the EL3 firmware
# whose oracle knows the Linux guest's RAM (TOS_LINUX_SLOT).
A64_FI_linux := 8
$(A64)/hyp-linux.elf: $(A64)/hyp/scn-linux.o $(A64)/hyp/port.o $(A64_HYP_DEPS)
	$(a64_link_hyp)
$(A64)/el3/tos-linux.o: $(A64_SRC)/el3/tos.c $(A64_HDRS)
	@mkdir -p $(dir $@)
	@echo "  A64CC   $< (linux)"
	@$(A64_CC) $(A64_CFLAGS) -DTOS_FOREIGN_INTR_ONE_IN=$(A64_FI_linux) \
	  -DTOS_LINUX_SLOT=PLAT_LINUX_SLOT -c $< -o $@
.SECONDARY: $(A64)/hyp-linux.elf $(A64)/hyp-linux.bin $(A64)/el3-linux.elf

# /init: static, against the cross toolchain's kernel headers (linux/tee.h).
$(LNX)/init: tools/linux/init.c sim/optee/ta_api.h
	@mkdir -p $(dir $@)
	@echo "  A64CC   $< (static /init)"
	@$(A64_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -pthread -Isim -o $@ $<
$(LNX)/initramfs.cpio: $(LNX)/init tools/linux/mkinitramfs.py $(LNX_KERNEL)/Image
	@echo "  CPIO    $@"
	@python3 tools/linux/mkinitramfs.py $@ $(LNX)/init $(LNX_KERNEL)/tee.ko $(LNX_KERNEL)/optee.ko
$(LNX)/guest.dtb: $(A64)/bios-linux.bin $(LNX)/initramfs.cpio tools/linux/mkdtb.sh
	@echo "  DTB     $@"
	@tools/linux/mkdtb.sh $(QEMU_AARCH64) $(A64)/bios-linux.bin $@ $$(stat -c %s $(LNX)/initramfs.cpio)

LNX_INPUTS := $(A64)/bios-linux.bin $(LNX_KERNEL)/Image $(LNX)/guest.dtb $(LNX)/initramfs.cpio
linux-test: linux-deps $(LNX_INPUTS)
	@tools/linux/run.sh --timeout $(LNX_TIMEOUT) --qemu $(QEMU_AARCH64) $(LNX_INPUTS) $(LNX)/console.log
linux-demo: linux-deps $(LNX_INPUTS)
	@tools/linux/run.sh --show --timeout $(LNX_TIMEOUT) --qemu $(QEMU_AARCH64) $(LNX_INPUTS) $(LNX)/console.log

suite-linux: linux-test

# Objects only reached through pattern rules from here: keep them (make
# would delete them as intermediates, under other builds' feet).
.SECONDARY: $(A64_GUEST_OBJS) $(A64_GDRV_OBJS) $(A64_MODEL_OBJS) $(A64_EL3_OBJS) \
            $(A64)/el3/payload-linux.o $(A64)/el3/tos-linux.o $(A64)/hyp/scn-linux.o
SUITES += linux
