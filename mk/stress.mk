# Reliability suites over the whole simulated machine (core, OP-TEE model,
# guest driver, machine), with instrumented builds of every library:
#
#   stress-tsan  tests/stress: many guests x vCPUs, thousands of calls,
#                guests destroyed mid-flight and recreated; built with
#                ThreadSanitizer into $(BUILD)/tsan/, and run once more
#                uninstrumented ($(BUILD)/tests/stress-tests).
#   faults       tests/faults: every alloc, pin, map and alloc_page point of
#                representative operations failed in turn (one-shot and
#                sticky); plain ($(BUILD)/tests/faults-tests) and with
#                ASan+UBSan into $(BUILD)/faults-asan/.
#
# An instrumented variant of the four libraries is built by SAN_LIBS into
# its own directory: DIR/libteemed.a, libmodel.a, libguest.a, libmachine.a
# (-Werror dropped: the compiler may differ from the one the tree is
# warning-clean with; the plain build keeps it).

SAN_CC := clang
TSAN_FLAGS := -fsanitize=thread -O1 -g -fno-omit-frame-pointer
FASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -O1 -g \
               -fno-omit-frame-pointer

SAN_CORE_CFLAGS := $(filter-out -Werror,$(CORE_CFLAGS))
SAN_HOST_CFLAGS := $(filter-out -Werror,$(HOST_CFLAGS))
SAN_MODEL_SRCS := $(sort $(wildcard sim/optee/*.c))
SAN_GUEST_SRCS := $(sort $(wildcard sim/guest/*.c))
SAN_MACHINE_SRCS := $(sort $(wildcard sim/machine/*.c))
SAN_ALL_HDRS := $(wildcard include/teemed/*.h src/*.h sim/optee/*.h sim/guest/*.h \
                           sim/machine/*.h)

# $(call SAN_LIBS,DIR,FLAGS)
define SAN_LIBS
$(1)/core/%.o: src/%.c $$(SAN_ALL_HDRS)
	@mkdir -p $$(dir $$@)
	$$(SAN_CC) $$(SAN_CORE_CFLAGS) $(2) -c $$< -o $$@
$(1)/model/%.o: sim/optee/%.c $$(SAN_ALL_HDRS)
	@mkdir -p $$(dir $$@)
	$$(SAN_CC) $$(SAN_CORE_CFLAGS) -Isim $(2) -c $$< -o $$@
$(1)/guest/%.o: sim/guest/%.c $$(SAN_ALL_HDRS)
	@mkdir -p $$(dir $$@)
	$$(SAN_CC) $$(SAN_CORE_CFLAGS) -Isim $(2) -c $$< -o $$@
$(1)/machine/%.o: sim/machine/%.c $$(SAN_ALL_HDRS)
	@mkdir -p $$(dir $$@)
	$$(SAN_CC) $$(SAN_HOST_CFLAGS) $(2) -c $$< -o $$@
$(1)/libteemed.a: $$(CORE_SRCS:src/%.c=$(1)/core/%.o)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
$(1)/libmodel.a: $$(SAN_MODEL_SRCS:sim/optee/%.c=$(1)/model/%.o)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
$(1)/libguest.a: $$(SAN_GUEST_SRCS:sim/guest/%.c=$(1)/guest/%.o)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
$(1)/libmachine.a: $$(SAN_MACHINE_SRCS:sim/machine/%.c=$(1)/machine/%.o)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef

# Link order: guest, machine, model, core.
san_libs = $(1)/libguest.a $(1)/libmachine.a $(1)/libmodel.a $(1)/libteemed.a
PLAIN_LIBS := $(BUILD)/libguest.a $(BUILD)/libmachine.a $(BUILD)/libmodel.a $(BUILD)/libteemed.a

$(eval $(call SAN_LIBS,$(BUILD)/tsan,$(TSAN_FLAGS)))
$(eval $(call SAN_LIBS,$(BUILD)/faults-asan,$(FASAN_FLAGS)))

# --- stress ------------------------------------------------------------------

STRESS_SRCS := $(sort $(wildcard tests/stress/*.c))
STRESS_HDRS := $(wildcard tests/stress/*.h) $(SAN_ALL_HDRS)
STRESS_BIN := $(BUILD)/tests/stress-tests
STRESS_TSAN_BIN := $(BUILD)/tsan/stress-tests

$(STRESS_BIN): $(STRESS_SRCS) $(STRESS_HDRS) $(PLAIN_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Isim $(STRESS_SRCS) $(PLAIN_LIBS) -o $@ $(HOST_LDLIBS)

$(STRESS_TSAN_BIN): $(STRESS_SRCS) $(STRESS_HDRS) $(call san_libs,$(BUILD)/tsan)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_HOST_CFLAGS) -Isim $(TSAN_FLAGS) $(STRESS_SRCS) \
		$(call san_libs,$(BUILD)/tsan) -o $@ $(HOST_LDLIBS)

.PHONY: suite-stress-tsan stress-tests
stress-tests: $(STRESS_BIN) $(STRESS_TSAN_BIN)

SUITES += stress-tsan
# halt_on_error: a data race fails the run (exit 66) even if every check passed.
suite-stress-tsan: $(STRESS_BIN) $(STRESS_TSAN_BIN)
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		bash tests/stress/run-suite.sh tsan=$(STRESS_TSAN_BIN) -- plain=$(STRESS_BIN)

# --- faults ------------------------------------------------------------------

FAULTS_SRCS := $(sort $(wildcard tests/faults/*.c))
FAULTS_HDRS := $(wildcard tests/faults/*.h) $(SAN_ALL_HDRS)
FAULTS_BIN := $(BUILD)/tests/faults-tests
FAULTS_ASAN_BIN := $(BUILD)/faults-asan/faults-tests

$(FAULTS_BIN): $(FAULTS_SRCS) $(FAULTS_HDRS) $(PLAIN_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Isim $(FAULTS_SRCS) $(PLAIN_LIBS) -o $@ $(HOST_LDLIBS)

$(FAULTS_ASAN_BIN): $(FAULTS_SRCS) $(FAULTS_HDRS) $(call san_libs,$(BUILD)/faults-asan)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_HOST_CFLAGS) -Isim $(FASAN_FLAGS) $(FAULTS_SRCS) \
		$(call san_libs,$(BUILD)/faults-asan) -o $@ $(HOST_LDLIBS)

.PHONY: suite-faults faults-tests
faults-tests: $(FAULTS_BIN) $(FAULTS_ASAN_BIN)

SUITES += faults
suite-faults: $(FAULTS_BIN) $(FAULTS_ASAN_BIN)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		bash tests/stress/run-suite.sh plain=$(FAULTS_BIN) -- asan-ubsan=$(FAULTS_ASAN_BIN)

# --- integration under ASan+UBSan ---------------------------------------------
# The end-to-end integration suite (tests/integration) against the same
# instrumented libraries as the fault sweep, plus the workload and scenario
# libraries it links, instrumented alike.

IASAN := $(BUILD)/faults-asan
IASAN_HDRS := $(SAN_ALL_HDRS) $(wildcard sim/workload/*.h sim/scenario/*.h tests/integration/*.h)
IASAN_OBJS := $(INTEGRATION_SRCS:tests/integration/%.c=$(IASAN)/integration/%.o) \
              $(WORKLOAD_SRCS:sim/workload/%.c=$(IASAN)/workload/%.o) \
              $(SCENARIO_SRCS:sim/scenario/%.c=$(IASAN)/scenario/%.o)
INTEGRATION_ASAN_BIN := $(IASAN)/integration-tests

$(IASAN)/integration/%.o: tests/integration/%.c $(IASAN_HDRS)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_HOST_CFLAGS) -Isim $(FASAN_FLAGS) -c $< -o $@
$(IASAN)/workload/%.o: sim/workload/%.c $(IASAN_HDRS)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_HOST_CFLAGS) -Isim $(FASAN_FLAGS) -c $< -o $@
$(IASAN)/scenario/%.o: sim/scenario/%.c $(IASAN_HDRS)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_HOST_CFLAGS) -Isim $(FASAN_FLAGS) -c $< -o $@

$(INTEGRATION_ASAN_BIN): $(IASAN_OBJS) $(call san_libs,$(IASAN))
	$(SAN_CC) $(SAN_HOST_CFLAGS) $(FASAN_FLAGS) -o $@ $(IASAN_OBJS) \
		$(call san_libs,$(IASAN)) $(HOST_LDLIBS)

.PHONY: suite-integration-asan
SUITES += integration-asan
suite-integration-asan: $(INTEGRATION_ASAN_BIN)
	$(INTEGRATION_ASAN_BIN)
