# Scenario files (docs/scenarios.md): the parser and runner in sim/scenario,
# built as $(BUILD)/libscenario.a (linked into teemed-sim by mk/sim.mk), the
# standalone runner $(BUILD)/scenario-run, and the suite that runs every
# scenarios/*.scn and ends with the total "N passed, M failed" line.

SCENARIO_MAIN := sim/scenario/main.c
SCENARIO_SRCS := $(filter-out $(SCENARIO_MAIN),$(sort $(wildcard sim/scenario/*.c)))
SCENARIO_OBJS := $(SCENARIO_SRCS:sim/scenario/%.c=$(BUILD)/scenario/%.o)
SCENARIO_HDRS := $(wildcard sim/scenario/*.h sim/machine/*.h sim/guest/*.h sim/optee/model.h \
                            sim/optee/ta_api.h include/teemed/*.h)
LIBSCENARIO   := $(BUILD)/libscenario.a
SCENARIO_RUN  := $(BUILD)/scenario-run
SCENARIO_FILES := $(sort $(wildcard scenarios/*.scn))
# Below the runner, in link order.
SCENARIO_LIBS := $(LIBSCENARIO) $(BUILD)/libguest.a $(BUILD)/libmachine.a \
                 $(BUILD)/libmodel.a $(BUILD)/libteemed.a

all: $(LIBSCENARIO) $(SCENARIO_RUN)

$(BUILD)/scenario/%.o: sim/scenario/%.c $(SCENARIO_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Isim -c $< -o $@

$(LIBSCENARIO): $(SCENARIO_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(SCENARIO_RUN): $(BUILD)/scenario/main.o $(SCENARIO_LIBS)
	$(CC) $(HOST_CFLAGS) -o $@ $(BUILD)/scenario/main.o $(SCENARIO_LIBS) $(HOST_LDLIBS)

.PHONY: suite-scenarios scenarios
SUITES += scenarios
suite-scenarios scenarios: $(SCENARIO_RUN)
	@$(SCENARIO_RUN) $(SCENARIO_FILES)

# The runner's own tests: files that must fail, with the messages they must
# produce (tests/scenario/*.scn, "# must-fail: REGEX").
.PHONY: suite-scenario-selftest
SUITES += scenario-selftest
suite-scenario-selftest: $(SCENARIO_RUN)
	@tests/scenario/selftest.sh $(abspath $(SCENARIO_RUN))
