# Unit tests of the mediator core (tests/unit): the core driven through its
# public API over a fake port and a scripted secure world, no simulator.
# Built twice: plain, and with ASan+UBSan on both the core and the tests.

UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_HDRS := $(wildcard tests/unit/*.h)
UNIT_OBJS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%.o)
UNIT_BIN  := $(BUILD)/tests/unit-tests

UNIT_ASAN_CC    := clang
UNIT_ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_ASAN_OBJS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit-asan/%.o)
UNIT_ASAN_BIN   := $(BUILD)/tests/unit-tests-asan
UNIT_ASAN_LIB   := $(BUILD)/asan/libteemed.a

all: $(UNIT_BIN)

$(BUILD)/tests/unit/%.o: tests/unit/%.c $(UNIT_HDRS) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -c $< -o $@

$(UNIT_BIN): $(UNIT_OBJS) $(LIBTEEMED)
	$(CC) $(HOST_CFLAGS) -o $@ $(UNIT_OBJS) $(LIBTEEMED) $(HOST_LDLIBS)

# The core's sanitizer variant comes from mk/core.mk's pattern rule.
$(UNIT_ASAN_LIB): CC := $(UNIT_ASAN_CC)
$(UNIT_ASAN_LIB): VARIANT_CFLAGS := $(UNIT_ASAN_FLAGS)

$(BUILD)/tests/unit-asan/%.o: tests/unit/%.c $(UNIT_HDRS) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(UNIT_ASAN_CC) $(HOST_CFLAGS) $(UNIT_ASAN_FLAGS) -c $< -o $@

$(UNIT_ASAN_BIN): $(UNIT_ASAN_OBJS) $(UNIT_ASAN_LIB)
	$(UNIT_ASAN_CC) $(HOST_CFLAGS) $(UNIT_ASAN_FLAGS) -o $@ $(UNIT_ASAN_OBJS) \
		$(UNIT_ASAN_LIB) $(HOST_LDLIBS)

SUITES += unit unit-asan
.PHONY: suite-unit suite-unit-asan unit-tests
unit-tests: $(UNIT_BIN) $(UNIT_ASAN_BIN)

suite-unit: $(UNIT_BIN)
	$(UNIT_BIN)

suite-unit-asan: $(UNIT_ASAN_BIN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		$(UNIT_ASAN_BIN)

# The README's `make test`: the core's unit tests.
test: suite-unit
