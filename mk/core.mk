# The freestanding mediator core: libteemed.a.

CORE_SRCS := $(sort $(wildcard src/*.c))
CORE_OBJS := $(CORE_SRCS:src/%.c=$(BUILD)/core/%.o)
CORE_HDRS := $(wildcard include/teemed/*.h src/*.h)
LIBTEEMED := $(BUILD)/libteemed.a

all: $(LIBTEEMED)

$(BUILD)/core/%.o: src/%.c $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -c $< -o $@

$(LIBTEEMED): $(CORE_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# The core built for the host with instrumentation flags of the caller's
# choice (sanitizers, coverage): $(BUILD)/<variant>/libteemed.a.
$(BUILD)/%/libteemed.a: $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(dir $@)obj
	@set -e; for s in $(CORE_SRCS); do \
	  $(CC) $(CORE_CFLAGS) $(VARIANT_CFLAGS) -c $$s -o $(dir $@)obj/$$(basename $$s .c).o; done
	@rm -f $@; $(AR) rcs $@ $(dir $@)obj/*.o

# The freestanding contract: every object of src/ builds with gcc, clang and
# the aarch64 cross compiler, and references no undefined symbol but these.
FREESTANDING_ALLOWED := memcpy memset memmove memcmp
.PHONY: freestanding
SUITES += freestanding
freestanding suite-freestanding:
	@tools/freestanding-check.sh $(FREESTANDING_ALLOWED)
