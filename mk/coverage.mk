# Line and branch coverage of the mediator core (src/) with gcc --coverage,
# in $(BUILD)/cov: `make coverage` builds the core's coverage variant (mk/
# core.mk's pattern rule), the unit tests against it, and, when they build,
# the machine tests, the integration tests, the scenario runner and replay
# drivers for the fuzz corpora (fuzz/corpus, fuzz/regressions); runs them,
# prints gcovr's per-file report of src/ with the lines not covered, and
# ends with exactly "coverage: lines X% branches Y%". See tools/coverage.sh.
# This file is included before mk/machine.mk, mk/sim.mk and mk/scenario.mk:
# their libraries are named literally.

COV_DIR   := $(BUILD)/cov
COV_CC    := gcc
COV_FLAGS := --coverage -O0
COV_LIB   := $(COV_DIR)/libteemed.a

$(COV_LIB): CC := $(COV_CC)
$(COV_LIB): VARIANT_CFLAGS := $(COV_FLAGS)

# Unit tests: tests/unit/*.c, instrumented too.
COV_UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
COV_UNIT_OBJS := $(COV_UNIT_SRCS:tests/unit/%.c=$(COV_DIR)/unit/%.o)

$(COV_DIR)/unit/%.o: tests/unit/%.c $(wildcard tests/unit/*.h) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(COV_CC) $(HOST_CFLAGS) $(COV_FLAGS) -c $< -o $@

$(COV_DIR)/unit-tests: $(COV_UNIT_OBJS) $(COV_LIB)
	$(COV_CC) $(HOST_CFLAGS) $(COV_FLAGS) -o $@ $(COV_UNIT_OBJS) $(COV_LIB) $(HOST_LDLIBS)

# The other suites: their own objects and libraries, the coverage core.
COV_MACHINE_OBJS := $(patsubst tests/machine/%.c,$(BUILD)/tests/machine/%.o,\
                      $(sort $(wildcard tests/machine/*.c)))
COV_ITEST_OBJS   := $(patsubst tests/integration/%.c,$(BUILD)/tests/integration/%.o,\
                      $(sort $(wildcard tests/integration/*.c)))
COV_SIM_LIBS     := $(BUILD)/libguest.a $(BUILD)/libmachine.a $(BUILD)/libmodel.a

$(COV_DIR)/machine-tests: $(COV_MACHINE_OBJS) $(BUILD)/libmachine.a $(BUILD)/libmodel.a $(COV_LIB)
	$(COV_CC) $(HOST_CFLAGS) $(COV_FLAGS) -o $@ $(COV_MACHINE_OBJS) $(BUILD)/libmachine.a \
		$(BUILD)/libmodel.a $(COV_LIB) $(HOST_LDLIBS)

$(COV_DIR)/integration-tests: $(COV_ITEST_OBJS) $(BUILD)/libworkload.a $(BUILD)/libscenario.a \
		$(COV_SIM_LIBS) $(COV_LIB)
	$(COV_CC) $(HOST_CFLAGS) $(COV_FLAGS) -o $@ $(COV_ITEST_OBJS) $(BUILD)/libworkload.a \
		$(BUILD)/libscenario.a $(COV_SIM_LIBS) $(COV_LIB) $(HOST_LDLIBS)

$(COV_DIR)/scenario-run: $(BUILD)/scenario/main.o $(BUILD)/libscenario.a $(COV_SIM_LIBS) $(COV_LIB)
	$(COV_CC) $(HOST_CFLAGS) $(COV_FLAGS) -o $@ $(BUILD)/scenario/main.o \
		$(BUILD)/libscenario.a $(COV_SIM_LIBS) $(COV_LIB) $(HOST_LDLIBS)

# The fuzz harnesses without libFuzzer: fuzz/replay_main.c runs each file
# given once, so the committed corpora count for coverage too.
COV_FUZZ_CFLAGS = $(HOST_CFLAGS) -Isim -Itests/unit $(COV_FLAGS) -Wno-missing-prototypes

$(COV_DIR)/replay_%: fuzz/fuzz_%.c fuzz/replay_main.c $(wildcard fuzz/*.h) tests/unit/fake_port.c \
		fuzz/glue_fake.c $(COV_LIB)
	$(COV_CC) $(COV_FUZZ_CFLAGS) -o $@ $< fuzz/replay_main.c tests/unit/fake_port.c \
		fuzz/glue_fake.c $(COV_LIB) $(HOST_LDLIBS)

$(COV_DIR)/replay_machine: fuzz/fuzz_machine.c fuzz/replay_main.c $(wildcard fuzz/*.h) \
		$(COV_SIM_LIBS) $(COV_LIB)
	$(COV_CC) $(COV_FUZZ_CFLAGS) -o $@ $< fuzz/replay_main.c $(COV_SIM_LIBS) $(COV_LIB) \
		$(HOST_LDLIBS)

.PHONY: coverage
coverage: $(COV_DIR)/unit-tests
	@MAKE="$(MAKE)" tools/coverage.sh $(BUILD)
