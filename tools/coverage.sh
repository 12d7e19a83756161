#!/usr/bin/env bash
# Coverage of src/ (mk/coverage.mk): run what was built with gcc --coverage
# in BUILD/cov, then report with gcovr. The unit tests are required; the
# other suites are built and run if they build (their code belongs to other
# parts of the tree), and skipped with a note otherwise. Test failures are
# reported but do not stop the report. Last line, exactly:
#   coverage: lines X% branches Y%
set -u
build=${1:-build}
cov=$build/cov
make=${MAKE:-make}
cd "$(dirname "$0")/.."

command -v gcovr >/dev/null || { echo "coverage: gcovr not installed"; exit 1; }
find "$cov" -name '*.gcda' -delete 2>/dev/null

# run NAME CMD...: run a coverage binary, keep its log, print its verdict.
run() {
	local name=$1 log=$cov/$1.log
	shift
	"$@" >"$log" 2>&1
	local rc=$?
	local last
	last=$(grep -E '[0-9]+ passed, [0-9]+ failed|replayed [0-9]+ input' "$log" | tail -1)
	printf 'coverage: ran %-18s exit %d  %s\n' "$name" "$rc" "${last:-(no summary line)}"
}

# optional NAME TARGET CMD...: build TARGET, then run; skip if it does not build.
optional() {
	local name=$1 target=$2
	shift 2
	if $make --no-print-directory -s "$target" >"$cov/$name.build.log" 2>&1; then
		run "$name" "$@"
	else
		printf 'coverage: skipped %-14s (does not build; see %s)\n' "$name" "$cov/$name.build.log"
	fi
}

run unit "$cov/unit-tests"
optional machine "$cov/machine-tests" "$cov/machine-tests"
optional integration "$cov/integration-tests" "$cov/integration-tests"
optional scenarios "$cov/scenario-run" "$cov/scenario-run" scenarios/*.scn
# Seeds and regressions in separate runs: a finding aborts its run, and an
# aborted run writes no coverage data.
for h in pagelist rpc machine; do
	optional "fuzz-$h" "$cov/replay_$h" "$cov/replay_$h" "fuzz/corpus/fuzz_$h"
	if ls "fuzz/regressions/fuzz_$h"/* >/dev/null 2>&1; then
		run "fuzz-$h-regress" "$cov/replay_$h" "fuzz/regressions/fuzz_$h"
	fi
done

echo
echo "Lines of src/ not covered (gcovr; Missing = line numbers):"
gcovr -r . --filter 'src/' "$cov" 2>/dev/null
echo
echo "Branches of src/ (gcovr -b; Missing = lines with an untaken branch):"
gcovr -r . --filter 'src/' -b "$cov" 2>/dev/null
gcovr -r . --filter 'src/' --json-summary "$cov/summary.json" "$cov" >/dev/null 2>&1
python3 - "$cov/summary.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
def pct(c, t):
    return 100.0 * c / t if t else 0.0
print("coverage: lines %.1f%% branches %.1f%%" % (
    pct(s["line_covered"], s["line_total"]), pct(s["branch_covered"], s["branch_total"])))
EOF
