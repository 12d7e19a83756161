# The simulated machine (sim/machine): physical memory, stage 2, the sim
# port, the OP-TEE model's platform and isolation oracle, vCPUs. Host code:
# libmachine.a, and its test suite tests/machine, linked with the real model
# (libmodel.a, mk/model.mk) and the real core (libteemed.a, mk/core.mk).

MACHINE_SRCS := $(sort $(wildcard sim/machine/*.c))
MACHINE_HDRS := $(wildcard sim/machine/*.h sim/optee/model.h sim/guest/guest_env.h \
                           include/teemed/*.h)
MACHINE_OBJS := $(MACHINE_SRCS:sim/machine/%.c=$(BUILD)/machine/%.o)
LIBMACHINE   := $(BUILD)/libmachine.a

all: $(LIBMACHINE)

$(BUILD)/machine/%.o: sim/machine/%.c $(MACHINE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -c $< -o $@

$(LIBMACHINE): $(MACHINE_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

MACHINE_TEST_SRCS := $(sort $(wildcard tests/machine/*.c))
MACHINE_TEST_HDRS := $(wildcard tests/machine/*.h)
MACHINE_TEST_OBJS := $(MACHINE_TEST_SRCS:tests/machine/%.c=$(BUILD)/tests/machine/%.o)
MACHINE_TEST_BIN  := $(BUILD)/tests/machine-tests
# Named literally: mk/model.mk is included after this file.
MACHINE_TEST_LIBS := $(LIBMACHINE) $(BUILD)/libmodel.a $(LIBTEEMED)

$(BUILD)/tests/machine/%.o: tests/machine/%.c $(MACHINE_TEST_HDRS) $(MACHINE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -c $< -o $@

$(MACHINE_TEST_BIN): $(MACHINE_TEST_OBJS) $(MACHINE_TEST_LIBS)
	$(CC) $(HOST_CFLAGS) -o $@ $(MACHINE_TEST_OBJS) $(MACHINE_TEST_LIBS) $(HOST_LDLIBS)

SUITES += machine
.PHONY: suite-machine
suite-machine: $(MACHINE_TEST_BIN)
	$(MACHINE_TEST_BIN)
