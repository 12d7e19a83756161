# libFuzzer harnesses (fuzz/, see fuzz/README.md), built with clang and
# -fsanitize=fuzzer,address,undefined in $(BUILD)/fuzz:
#   make fuzz [FUZZ_SECONDS=60]   build, replay regressions, run each harness
#                                 N seconds, report executions and findings
#   make fuzz-smoke               replay seeds and regressions, then ~20 s each
#                                 (a suite of `make check`: one check a harness)
#   make fuzz-seeds               regenerate fuzz/corpus/ from fuzz/gen_seeds.c
# This file is included before mk/guest.mk, mk/machine.mk and mk/model.mk,
# so it names its sources itself rather than using their variables.

FUZZ_CC            := clang
FUZZ_DIR           := $(BUILD)/fuzz
FUZZ_SAN           := -fsanitize=address,undefined -fno-sanitize-recover=all \
                      -fno-omit-frame-pointer
FUZZ_COV           := -fsanitize=fuzzer-no-link
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_HOST_CFLAGS    = $(HOST_CFLAGS) -Isim -Itests/unit

FUZZ_HARNESSES := $(patsubst fuzz/%.c,%,$(sort $(wildcard fuzz/fuzz_*.c)))
FUZZ_BINS      := $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/%)

FUZZ_MODEL_SRCS   := $(sort $(wildcard sim/optee/*.c))
FUZZ_GUEST_SRCS   := $(sort $(wildcard sim/guest/*.c))
FUZZ_MACHINE_SRCS := $(sort $(wildcard sim/machine/*.c))
FUZZ_SIM_HDRS     := $(wildcard include/teemed/*.h sim/optee/*.h sim/guest/*.h sim/machine/*.h)
FUZZ_HDRS         := $(wildcard fuzz/*.h) $(wildcard tests/unit/*.h)

FUZZ_LIBTEEMED := $(FUZZ_DIR)/libteemed.a
FUZZ_LIBMODEL  := $(FUZZ_DIR)/libmodel.a
FUZZ_LIBGUEST  := $(FUZZ_DIR)/libguest.a
FUZZ_LIBMACH   := $(FUZZ_DIR)/libmachine.a

# The core, with coverage feedback: mk/core.mk's variant rule.
$(FUZZ_LIBTEEMED): CC := $(FUZZ_CC)
$(FUZZ_LIBTEEMED): VARIANT_CFLAGS := $(FUZZ_SAN) $(FUZZ_COV)

# The OP-TEE model and the guest driver, freestanding like the core, with
# coverage feedback too (deeper model states are worth keeping). The machine
# (phys, stage 2, oracle, port) only gets the sanitizers.
$(FUZZ_DIR)/model/%.o: sim/optee/%.c $(FUZZ_SIM_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CORE_CFLAGS) -Isim $(FUZZ_SAN) $(FUZZ_COV) -c $< -o $@

$(FUZZ_DIR)/guest/%.o: sim/guest/%.c $(FUZZ_SIM_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CORE_CFLAGS) -Isim $(FUZZ_SAN) $(FUZZ_COV) -c $< -o $@

$(FUZZ_DIR)/machine/%.o: sim/machine/%.c $(FUZZ_SIM_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(HOST_CFLAGS) $(FUZZ_SAN) -c $< -o $@

$(FUZZ_LIBMODEL): $(FUZZ_MODEL_SRCS:sim/optee/%.c=$(FUZZ_DIR)/model/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_LIBGUEST): $(FUZZ_GUEST_SRCS:sim/guest/%.c=$(FUZZ_DIR)/guest/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_LIBMACH): $(FUZZ_MACHINE_SRCS:sim/machine/%.c=$(FUZZ_DIR)/machine/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

# The unit tests' fake port (reused as is) and the glue it needs.
$(FUZZ_DIR)/fake_port.o: tests/unit/fake_port.c $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_HOST_CFLAGS) $(FUZZ_SAN) -c $< -o $@

$(FUZZ_DIR)/glue_fake.o: fuzz/glue_fake.c $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_HOST_CFLAGS) $(FUZZ_SAN) -c $< -o $@

FUZZ_FAKE_OBJS := $(FUZZ_DIR)/fake_port.o $(FUZZ_DIR)/glue_fake.o

$(FUZZ_DIR)/fuzz_machine: fuzz/fuzz_machine.c $(FUZZ_HDRS) $(FUZZ_SIM_HDRS) \
		$(FUZZ_LIBGUEST) $(FUZZ_LIBMACH) $(FUZZ_LIBMODEL) $(FUZZ_LIBTEEMED)
	$(FUZZ_CC) $(FUZZ_HOST_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) $< \
		$(FUZZ_LIBGUEST) $(FUZZ_LIBMACH) $(FUZZ_LIBMODEL) $(FUZZ_LIBTEEMED) -o $@ $(HOST_LDLIBS)

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_HDRS) $(CORE_HDRS) $(FUZZ_FAKE_OBJS) $(FUZZ_LIBTEEMED)
	$(FUZZ_CC) $(FUZZ_HOST_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) $< \
		$(FUZZ_FAKE_OBJS) $(FUZZ_LIBTEEMED) -o $@ $(HOST_LDLIBS)

# The seed generator (plain host program).
$(FUZZ_DIR)/gen_seeds: fuzz/gen_seeds.c $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $< -o $@

.PHONY: fuzz fuzz-build fuzz-smoke suite-fuzz-smoke fuzz-seeds
fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@fuzz/run.sh run $(FUZZ_SECONDS) $(FUZZ_DIR) $(FUZZ_HARNESSES)

SUITES += fuzz-smoke
fuzz-smoke suite-fuzz-smoke: fuzz-build
	@fuzz/run.sh smoke $(FUZZ_SMOKE_SECONDS) $(FUZZ_DIR) $(FUZZ_HARNESSES)

fuzz-seeds: $(FUZZ_DIR)/gen_seeds
	rm -rf $(FUZZ_HARNESSES:%=fuzz/corpus/%)
	$(FUZZ_DIR)/gen_seeds fuzz/corpus
