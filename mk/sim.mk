# The simulator's main program, teemed-sim (tools/teemed-sim.c and
# tools/sim_*.c), the workload library it runs (sim/workload: well-behaved
# and hostile guests, $(BUILD)/libworkload.a) and the end-to-end integration
# test (tests/integration). `make demo` runs the default scenario.

WORKLOAD_SRCS := $(sort $(wildcard sim/workload/*.c))
WORKLOAD_OBJS := $(WORKLOAD_SRCS:sim/workload/%.c=$(BUILD)/workload/%.o)
LIBWORKLOAD   := $(BUILD)/libworkload.a
# Everything the workload and the programs see of the other parts.
SIM_HDRS := $(wildcard sim/workload/*.h sim/guest/*.h sim/machine/*.h sim/optee/*.h \
                       sim/scenario/scenario.h include/teemed/*.h tools/sim_*.h \
                       tests/integration/*.h)
SIM_CFLAGS := $(HOST_CFLAGS) -Isim

# The libraries below the workload, in link order. The scenario library is
# linked when its mk file (included before this one) provides LIBSCENARIO;
# teemed-sim reports "scenario support not built" otherwise.
SIM_LIBS := $(LIBWORKLOAD) $(LIBSCENARIO) $(LIBGUEST) $(LIBMACHINE) $(LIBMODEL) $(LIBTEEMED)

SIM_TOOL_SRCS := tools/teemed-sim.c $(sort $(wildcard tools/sim_*.c))
SIM_TOOL_OBJS := $(SIM_TOOL_SRCS:tools/%.c=$(BUILD)/tools/%.o)
TEEMED_SIM    := $(BUILD)/teemed-sim

INTEGRATION_SRCS := $(sort $(wildcard tests/integration/*.c))
INTEGRATION_OBJS := $(INTEGRATION_SRCS:tests/integration/%.c=$(BUILD)/tests/integration/%.o)
INTEGRATION_BIN  := $(BUILD)/tests/integration-tests

all: $(LIBWORKLOAD) $(TEEMED_SIM) $(INTEGRATION_BIN)

$(BUILD)/workload/%.o: sim/workload/%.c $(SIM_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SIM_CFLAGS) -c $< -o $@

$(LIBWORKLOAD): $(WORKLOAD_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# --scenario runs scenario files when the scenario library is there.
SIM_TOOL_CFLAGS := $(SIM_CFLAGS) $(if $(LIBSCENARIO),-DTEEMED_SIM_SCENARIO=1)

$(BUILD)/tools/%.o: tools/%.c $(SIM_HDRS) mk/sim.mk
	@mkdir -p $(dir $@)
	$(CC) $(SIM_TOOL_CFLAGS) -c $< -o $@

$(TEEMED_SIM): $(SIM_TOOL_OBJS) $(SIM_LIBS)
	$(CC) $(SIM_CFLAGS) -o $@ $(SIM_TOOL_OBJS) $(SIM_LIBS) $(HOST_LDLIBS)

$(BUILD)/tests/integration/%.o: tests/integration/%.c $(SIM_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SIM_CFLAGS) -c $< -o $@

$(INTEGRATION_BIN): $(INTEGRATION_OBJS) $(SIM_LIBS)
	$(CC) $(SIM_CFLAGS) -o $@ $(INTEGRATION_OBJS) $(SIM_LIBS) $(HOST_LDLIBS)

.PHONY: demo suite-demo suite-integration
demo: $(TEEMED_SIM)
	$(TEEMED_SIM)

SUITES += integration demo
suite-integration: $(INTEGRATION_BIN)
	$(INTEGRATION_BIN)

# The default scenario as a suite: one check, its exit status.
suite-demo: $(TEEMED_SIM)
	@if $(TEEMED_SIM); then echo "1 passed, 0 failed"; \
	else echo "0 passed, 1 failed"; exit 1; fi
