# teemed: top-level build. Each part of the tree adds its rules in mk/*.mk;
# this file holds what they share. `make` builds everything, `make check`
# runs every test suite and ends with one line "N passed, M failed".

SHELL    := /bin/bash
BUILD    ?= build
CC       ?= cc
AR       ?= ar
OPT      ?= -O2
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wvla -Wformat=2
# Freestanding core flags: no libc, no hosted assumptions.
CORE_CFLAGS := -std=c11 $(OPT) -g $(WARN) -ffreestanding -fno-common -Iinclude
# Host programs (simulator, tests, tools) may use libc and threads.
HOST_CFLAGS := -std=c11 $(OPT) -g $(WARN) -D_GNU_SOURCE -Iinclude -I.
HOST_LDLIBS := -lpthread

# Suites that `make check` runs: each mk/*.mk appends names to SUITES and
# provides a target suite-NAME that runs it, printing "N passed, M failed"
# as its last line.
SUITES :=

.PHONY: all check test lint demo clean deps
all:

include $(sort $(wildcard mk/*.mk))

check: deps all
	@tools/check.sh $(SUITES)

deps:
	@tools/deps.sh

clean:
	rm -rf $(BUILD)
