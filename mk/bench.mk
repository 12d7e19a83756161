# The benchmark (bench/, docs/performance.md): the mediator's cost per call,
# per page, with scale, and its memory.
#
#   make bench         time every operation mediated and direct (simulator),
#                      the scaling runs and the memory figures: one report
#   make bench-instr   the same operations under callgrind: instructions
#                      executed inside the mediator core alone
#
# Neither is a suite of `make check`: performance is asserted only here.
# BENCH_ARGS passes options to the program (--quick, --no-big, --only NAME).

BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_OBJS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%.o)
BENCH_HDRS := $(wildcard bench/*.h sim/guest/*.h sim/machine/*.h sim/optee/*.h include/teemed/*.h)
BENCH_BIN  := $(BUILD)/bench/teemed-bench
# Named literally: some of these mk files are included after this one.
BENCH_LIBS := $(BUILD)/libguest.a $(BUILD)/libmachine.a $(BUILD)/libmodel.a $(BUILD)/libteemed.a
BENCH_ARGS ?=
BENCH_INSTR_DIR := $(BUILD)/bench/callgrind

all: $(BENCH_BIN)

$(BUILD)/bench/%.o: bench/%.c $(BENCH_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Isim -c $< -o $@

$(BENCH_BIN): $(BENCH_OBJS) $(BENCH_LIBS)
	$(CC) $(HOST_CFLAGS) -o $@ $(BENCH_OBJS) $(BENCH_LIBS) $(HOST_LDLIBS)

.PHONY: bench bench-instr
bench: $(BENCH_BIN)
	@$(BENCH_BIN) $(BENCH_ARGS)

# The core's objects name the functions whose instructions are the
# mediator's (bench/cg_attr.py); the binary is checked for name clashes.
bench-instr: $(BENCH_BIN) $(BUILD)/libteemed.a
	@bench/run-instr.sh $(BENCH_BIN) $(BENCH_INSTR_DIR) "$(CORE_OBJS)" $(BENCH_ARGS)
