# The guest side of the simulator (sim/guest): the OP-TEE driver, the client
# API and the supplicant, built freestanding as $(BUILD)/libguest.a, and
# their host tests against a scripted fake secure world.

GUEST_SRCS := $(sort $(wildcard sim/guest/*.c))
GUEST_OBJS := $(GUEST_SRCS:sim/guest/%.c=$(BUILD)/guest/%.o)
GUEST_HDRS := $(wildcard sim/guest/*.h) $(wildcard include/teemed/*.h)
LIBGUEST := $(BUILD)/libguest.a

GUEST_TEST_SRCS := $(sort $(wildcard tests/guest/*.c))
GUEST_TEST_HDRS := $(wildcard tests/guest/*.h)
GUEST_TESTS := $(BUILD)/tests/guest-tests

all: $(LIBGUEST)

$(BUILD)/guest/%.o: sim/guest/%.c $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -Isim -c $< -o $@

$(LIBGUEST): $(GUEST_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(GUEST_TESTS): $(GUEST_TEST_SRCS) $(GUEST_TEST_HDRS) $(LIBGUEST)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Isim $(GUEST_TEST_SRCS) $(LIBGUEST) -o $@ $(HOST_LDLIBS)

.PHONY: suite-guest guest-cross
SUITES += guest
suite-guest: $(GUEST_TESTS)
	@$(GUEST_TESTS)

# The driver must also build for a bare-metal AArch64 guest at EL1.
guest-cross:
	@set -e; for s in $(GUEST_SRCS); do \
	  aarch64-linux-gnu-gcc -std=c11 -O2 $(WARN) -ffreestanding -fno-common \
	    -mgeneral-regs-only -Iinclude -Isim -c $$s -o /dev/null; done; \
	  echo "guest-cross: $(words $(GUEST_SRCS)) files built for aarch64"
