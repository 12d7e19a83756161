# The real platform (port/aarch64): the mediator at EL2 under
# qemu-system-aarch64, guests at EL1, the OP-TEE model as EL3 firmware.
# Everything is cross-built into $(BUILD)/aarch64/ from the same sources as
# the host builds (src/, sim/optee/, sim/guest/) plus port/aarch64/.
#
#   make qemu-test    build, run every QEMU scenario with a timeout
#   make qemu-demo    the full scenario with its console
#   make qemu-bench   the bench scenario (mediated vs bare-forward figures)
#   make suite-qemu   qemu-test as a suite ("N passed, M failed")
#
# The QEMU command line is in port/aarch64/tools/qemu-run.sh. build/aarch64/
# hyp-tfa.bin is the NS image for TF-A + real OP-TEE (tools/tfa-run.sh).
# See docs/aarch64.md.

A64_CROSS   ?= aarch64-linux-gnu-
A64_CC      := $(A64_CROSS)gcc
A64_OBJCOPY := $(A64_CROSS)objcopy
QEMU_AARCH64 ?= qemu-system-aarch64
A64         := $(BUILD)/aarch64
A64_SRC     := port/aarch64

# Reference aarch64-qemu.md pitfall 8: no PIE, no FP/SIMD, no PAC/BTI,
# strict alignment (MMU-off code sees Device memory).
A64_CFLAGS := -std=c11 $(OPT) -g $(WARN) -ffreestanding -fno-common -nostdlib \
              -march=armv8-a -mno-outline-atomics -mgeneral-regs-only -mstrict-align -mbranch-protection=none \
              -fno-pie -fno-pic -fno-stack-protector \
              -Iinclude -Isim -I$(A64_SRC)/include
A64_ASFLAGS := -I$(A64_SRC)/include
A64_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,--no-warn-rwx-segments
A64_LIBGCC  := -lgcc

A64_CORE_SRCS   := $(sort $(wildcard src/*.c))
A64_CORE_OBJS   := $(A64_CORE_SRCS:src/%.c=$(A64)/core/%.o)
A64_MODEL_SRCS  := $(sort $(wildcard sim/optee/*.c))
A64_MODEL_OBJS  := $(A64_MODEL_SRCS:sim/optee/%.c=$(A64)/model/%.o)
A64_GDRV_SRCS   := $(sort $(wildcard sim/guest/*.c))
A64_GDRV_OBJS   := $(A64_GDRV_SRCS:sim/guest/%.c=$(A64)/gdrv/%.o)
A64_COMMON_OBJS := $(patsubst $(A64_SRC)/common/%.c,$(A64)/common/%.o,$(sort $(wildcard $(A64_SRC)/common/*.c)))
A64_EL3_OBJS    := $(A64)/el3/start.o $(A64)/el3/main.o $(A64)/el3/psci.o
# The hypervisor less its port (port.o, or port-broken.o for the oracle's self-test).
A64_HYP_OBJS    := $(A64)/hyp/start.o $(patsubst $(A64_SRC)/hyp/%.c,$(A64)/hyp/%.o,\
                   $(filter-out $(A64_SRC)/hyp/scenarios.c $(A64_SRC)/hyp/port.c,\
                   $(sort $(wildcard $(A64_SRC)/hyp/*.c))))
A64_GUEST_OBJS  := $(A64)/guest/start.o $(patsubst $(A64_SRC)/guest/%.c,$(A64)/guest/%.o,\
                   $(sort $(wildcard $(A64_SRC)/guest/*.c)))
A64_HDRS := $(wildcard include/teemed/*.h src/*.h sim/optee/*.h sim/guest/*.h \
                       $(A64_SRC)/include/*.h $(A64_SRC)/*/*.h $(A64_SRC)/common/vectors.S)

# Scenarios: name, and the model's random FOREIGN_INTR rate (1 in N thread
# entries, 0 = none; none for the bench, whose figures it would blur).
A64_SCENARIOS := thin full fault oracle bench
A64_FI_thin   := 0
A64_FI_full   := 8
A64_FI_fault  := 0
A64_FI_oracle := 0
A64_FI_bench  := 0
# Built, not run by qemu-test: the NS image for TF-A + real OP-TEE (tools/tfa-run.sh).
A64_EXTRA     := tfa
A64_FI_tfa    := 0
# Wall-clock limit of one QEMU run.
A64_TIMEOUT  ?= 120

.PHONY: aarch64 qemu-test qemu-demo qemu-bench suite-qemu qemu-deps
aarch64: $(A64_SCENARIOS:%=$(A64)/bios-%.bin) $(A64_EXTRA:%=$(A64)/hyp-%.bin)

qemu-deps:
	@command -v $(A64_CC) >/dev/null && command -v $(QEMU_AARCH64) >/dev/null || { \
	  if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then \
	    echo "qemu-deps: installing qemu-system-arm gcc-aarch64-linux-gnu"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      qemu-system-arm gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu >/dev/null; \
	  else echo "qemu-deps: please install qemu-system-arm gcc-aarch64-linux-gnu" >&2; exit 1; fi; }

# --- shared sources, cross-built ---
$(A64)/core/%.o: src/%.c $(A64_HDRS)
	@mkdir -p $(dir $@)
	@echo "  A64CC   $<"
	@$(A64_CC) $(A64_CFLAGS) -c $< -o $@
$(A64)/model/%.o: sim/optee/%.c $(A64_HDRS)
	@mkdir -p $(dir $@)
	@echo "  A64CC   $<"
	@$(A64_CC) $(A64_CFLAGS) -c $< -o $@
$(A64)/gdrv/%.o: sim/guest/%.c $(A64_HDRS)
	@mkdir -p $(dir $@)
	@echo "  A64CC   $<"
	@$(A64_CC) $(A64_CFLAGS) -c $< -o $@
$(A64)/common/%.o: $(A64_SRC)/common/%.c $(A64_HDRS)
	@mkdir -p $(dir $@)
	@echo "  A64CC   $<"
	@$(A64_CC) $(A64_CFLAGS) -c $< -o $@

# --- the three images ---
$(A64)/el3/%.o: $(A64_SRC)/el3/%.c $(A64_HDRS)
	@mkdir -p $(dir $@)
	@echo "  A64CC   $<"
	@$(A64_CC) $(A64_CFLAGS) -c $< -o $@
$(A64)/hyp/%.o: $(A64_SRC)/hyp/%.c $(A64_HDRS)
	@mkdir -p $(dir $@)
	@echo "  A64CC   $<"
	@$(A64_CC) $(A64_CFLAGS) -c $< -o $@
$(A64)/guest/%.o: $(A64_SRC)/guest/%.c $(A64_HDRS)
	@mkdir -p $(dir $@)
	@echo "  A64CC   $<"
	@$(A64_CC) $(A64_CFLAGS) -c $< -o $@
$(A64)/%/start.o: $(A64_SRC)/%/start.S $(A64_HDRS)
	@mkdir -p $(dir $@)
	@echo "  A64AS   $<"
	@$(A64_CC) $(A64_ASFLAGS) -c $< -o $@

# The guest, linked twice: at the usual IPA and at slot 0's PA (identity).
$(A64)/guest-%.elf: $(A64_GUEST_OBJS) $(A64_GDRV_OBJS) $(A64_COMMON_OBJS) $(A64_SRC)/guest/guest.ld
	@echo "  A64LD   $@"
	@$(A64_CC) $(A64_LDFLAGS) -T $(A64_SRC)/guest/guest.ld -Wl,--defsym=GUEST_BASE=$* \
	  -o $@ $(A64_GUEST_OBJS) $(A64_GDRV_OBJS) $(A64_COMMON_OBJS) $(A64_LIBGCC)
$(A64)/guest-%.bin: $(A64)/guest-%.elf
	@$(A64_OBJCOPY) -O binary $< $@

A64_GUEST_BIN    := $(A64)/guest-0x40000000.bin
A64_GUEST_ID_BIN := $(A64)/guest-0x44000000.bin

$(A64)/hyp/payload.o: $(A64_SRC)/hyp/payload.S $(A64_GUEST_BIN) $(A64_GUEST_ID_BIN)
	@mkdir -p $(dir $@)
	@echo "  A64AS   $<"
	@$(A64_CC) $(A64_ASFLAGS) -DGUEST_BIN='"$(A64_GUEST_BIN)"' \
	  -DGUEST_ID_BIN='"$(A64_GUEST_ID_BIN)"' -c $< -o $@

# Per scenario: the hypervisor's scenario table, its image, the EL3 image
# carrying it (with the trusted OS built for that scenario).
$(A64)/hyp/scn-%.o: $(A64_SRC)/hyp/scenarios.c $(A64_HDRS)
	@mkdir -p $(dir $@)
	@echo "  A64CC   $< ($*)"
	@$(A64_CC) $(A64_CFLAGS) -DSCN_$(shell echo $* | tr a-z A-Z) -c $< -o $@
$(A64)/hyp/port-broken.o: $(A64_SRC)/hyp/port.c $(A64_HDRS)
	@echo "  A64CC   $< (HYP_TEST_BROKEN_PIN)"
	@$(A64_CC) $(A64_CFLAGS) -DHYP_TEST_BROKEN_PIN -c $< -o $@
# Link the objects among the prerequisites (one scenario table, one port).
define a64_link_hyp
	@echo "  A64LD   $@"
	@$(A64_CC) $(A64_LDFLAGS) -T $(A64_SRC)/hyp/hyp.ld -o $@ $(filter %.o,$^) $(A64_LIBGCC)
endef
A64_HYP_DEPS := $(A64_HYP_OBJS) $(A64)/hyp/payload.o $(A64_CORE_OBJS) $(A64_COMMON_OBJS) \
                $(A64_SRC)/hyp/hyp.ld
$(patsubst %,$(A64)/hyp-%.elf,$(filter-out oracle,$(A64_SCENARIOS) $(A64_EXTRA))): $(A64)/hyp-%.elf: \
		$(A64)/hyp/scn-%.o $(A64)/hyp/port.o $(A64_HYP_DEPS)
	$(a64_link_hyp)
$(A64)/hyp-oracle.elf: $(A64)/hyp/scn-oracle.o $(A64)/hyp/port-broken.o $(A64_HYP_DEPS)
	$(a64_link_hyp)
$(A64)/hyp-%.bin: $(A64)/hyp-%.elf
	@$(A64_OBJCOPY) -O binary $< $@

$(A64)/el3/tos-%.o: $(A64_SRC)/el3/tos.c $(A64_HDRS)
	@mkdir -p $(dir $@)
	@echo "  A64CC   $< ($*)"
	@$(A64_CC) $(A64_CFLAGS) -DTOS_FOREIGN_INTR_ONE_IN=$(A64_FI_$*) -c $< -o $@
$(A64)/el3/payload-%.o: $(A64_SRC)/el3/payload.S $(A64)/hyp-%.bin
	@mkdir -p $(dir $@)
	@echo "  A64AS   $< ($*)"
	@$(A64_CC) $(A64_ASFLAGS) -DNS_IMAGE_BIN='"$(A64)/hyp-$*.bin"' -c $< -o $@
$(A64)/el3-%.elf: $(A64_EL3_OBJS) $(A64)/el3/tos-%.o $(A64)/el3/payload-%.o $(A64_MODEL_OBJS) \
		$(A64_COMMON_OBJS) $(A64_SRC)/el3/el3.ld
	@echo "  A64LD   $@"
	@$(A64_CC) $(A64_LDFLAGS) -T $(A64_SRC)/el3/el3.ld -o $@ $(A64_EL3_OBJS) \
	  $(A64)/el3/tos-$*.o $(A64)/el3/payload-$*.o $(A64_MODEL_OBJS) $(A64_COMMON_OBJS) $(A64_LIBGCC)
$(A64)/bios-%.bin: $(A64)/el3-%.elf
	@$(A64_OBJCOPY) -O binary $< $@

# Keep the intermediate images (guest, hypervisor, EL3 ELF) for debugging.
A64_ALL_SCN := $(A64_SCENARIOS) $(A64_EXTRA)
.SECONDARY: $(A64_ALL_SCN:%=$(A64)/hyp-%.elf) $(A64_ALL_SCN:%=$(A64)/hyp-%.bin) \
            $(A64_SCENARIOS:%=$(A64)/el3-%.elf) $(A64)/guest-0x40000000.elf \
            $(A64)/guest-0x44000000.elf $(A64_GUEST_BIN) $(A64_GUEST_ID_BIN)

# --- running ---
qemu-test: qemu-deps aarch64
	@$(A64_SRC)/tools/qemu-run.sh --timeout $(A64_TIMEOUT) --qemu $(QEMU_AARCH64) \
	  --logdir $(A64)/logs $(A64_SCENARIOS:%=$(A64)/bios-%.bin)

suite-qemu: qemu-test

# The full scenario's console as it runs, then the verdict.
qemu-demo: qemu-deps $(A64)/bios-full.bin
	@$(A64_SRC)/tools/qemu-run.sh --show --timeout $(A64_TIMEOUT) --qemu $(QEMU_AARCH64) \
	  --logdir $(A64)/logs $(A64)/bios-full.bin

# Wall clock, then guest instructions (-icount shift=0: 1 ns a guest instruction).
qemu-bench: qemu-deps $(A64)/bios-bench.bin
	@echo "--- wall clock (ns)"
	@$(A64_SRC)/tools/qemu-run.sh --timeout $(A64_TIMEOUT) --qemu $(QEMU_AARCH64) \
	  --logdir $(A64)/logs $(A64)/bios-bench.bin | grep -E "BENCH|passed"
	@echo "--- -icount shift=0,sleep=off (guest instructions)"
	@$(A64_SRC)/tools/qemu-run.sh --icount --timeout $(A64_TIMEOUT) --qemu $(QEMU_AARCH64) \
	  --logdir $(A64)/logs-icount $(A64)/bios-bench.bin | grep -E "BENCH|passed"

SUITES += qemu
