#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# make bench-instr: run teemed-bench --instr under callgrind and attribute
# the instructions to the mediator core (bench/cg_attr.py, and
# docs/performance.md "Method").
#   run-instr.sh BENCH_BIN OUT_DIR "CORE_OBJS" [teemed-bench options]
set -e
bin=$1
dir=$2
objs=$3
shift 3

for tool in valgrind callgrind_annotate python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "bench-instr: $tool is needed (apt-get install valgrind python3)" >&2
		exit 1
	fi
done

rm -rf "$dir"
mkdir -p "$dir"
# Collection only inside teemed_handle_smc; each measured stretch is one
# dump (client requests in the program); PLT stubs are kept as functions of
# their own so that every instruction is in exactly one function.
if ! valgrind --tool=callgrind --collect-atstart=no --toggle-collect=teemed_handle_smc \
	--skip-plt=no --compress-strings=no --compress-pos=no \
	--callgrind-out-file="$dir/callgrind.out" "$bin" --instr "$@" >"$dir/run.log" 2>&1; then
	cat "$dir/run.log" >&2
	echo "bench-instr: the benchmark failed under callgrind" >&2
	exit 1
fi
python3 bench/cg_attr.py --core-objs "$objs" --binary "$bin" --src . \
	--profiles "$dir/profiles" --annotate "$dir/annotate" --audit "$dir"/callgrind.out.*
echo "bench-instr: profiles per operation in $dir/profiles, callgrind_annotate in $dir/annotate"
