# The OP-TEE model (sim/optee): libmodel.a, freestanding like the core, and
# its unit tests against the ABI reference.

MODEL_SRCS := $(wildcard sim/optee/*.c)
MODEL_OBJS := $(MODEL_SRCS:sim/optee/%.c=$(BUILD)/model/%.o)
MODEL_HDRS := $(wildcard include/teemed/*.h sim/optee/*.h)
LIBMODEL   := $(BUILD)/libmodel.a

MODEL_TEST_SRCS := $(sort $(wildcard tests/model/*.c))
MODEL_TEST_HDRS := $(wildcard tests/model/*.h)
MODEL_TESTS     := $(BUILD)/tests/model-tests

all: $(LIBMODEL)

$(BUILD)/model/%.o: sim/optee/%.c $(MODEL_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -Isim -c $< -o $@

$(LIBMODEL): $(MODEL_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(MODEL_TESTS): $(MODEL_TEST_SRCS) $(MODEL_TEST_HDRS) $(LIBMODEL)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Isim $(MODEL_TEST_SRCS) $(LIBMODEL) -o $@ $(HOST_LDLIBS)

.PHONY: suite-model
SUITES += model
suite-model: $(MODEL_TESTS)
	@$(MODEL_TESTS)
