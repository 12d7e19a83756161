#!/usr/bin/env bash
# Run the libFuzzer harnesses (see fuzz/README.md).
#
#   fuzz/run.sh run   SECONDS BUILDDIR HARNESS...   replay the regressions,
#       then fuzz each harness SECONDS
#   fuzz/run.sh smoke SECONDS BUILDDIR HARNESS...   replay every seed and
#       regression, then fuzz each harness SECONDS
# Either way one check per harness, and a last line "N passed, M failed"
#
# Each harness fuzzes from a working corpus in BUILDDIR/corpus/<h> (new units
# stay there) plus the committed seeds fuzz/corpus/<h> (read only). Any crash,
# leak, timeout or OOM input is a finding: it is copied to
# fuzz/regressions/<h>/ (unless a regression there already fails the same
# way) and the run fails.
set -u
mode=${1:?mode}
secs=${2:?seconds}
bdir=${3:?build dir}
shift 3

cd "$(dirname "$0")/.."
FUZZ_OPTS=(-timeout=20 -rss_limit_mb=4096 -print_final_stats=1 -max_len=4096)
pass=0
fail=0

# A finding's signature: its first report line, addresses and pids blanked.
signature() {
	grep -m1 -E "FINDING|runtime error|ERROR: AddressSanitizer|ERROR: LeakSanitizer|ERROR: libFuzzer: (timeout|out-of-memory)" "$1" |
		sed -E 's/0x[0-9a-fA-F]+/ADDR/g; s/==[0-9]+==/==PID==/g'
}

# Replay files one by one: 0 if every one runs clean. The signatures of the
# regressions that still fail go to logs/<h>.known, so that fuzzing does not
# copy the same finding again.
replay() {
	local h=$1 dir=$2 f rc=0 n=0
	[ -d "$dir" ] || return 0
	for f in "$dir"/*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		if ! "$bdir/$h" -timeout=20 "$f" >"$bdir/logs/$h.replay.log" 2>&1; then
			signature "$bdir/logs/$h.replay.log" >>"$bdir/logs/$h.known"
			echo "  $h: $f FAILS:"
			grep -E "FINDING|ERROR|SUMMARY|runtime error" "$bdir/logs/$h.replay.log" | head -5 | sed 's/^/    /'
			rc=1
		fi
	done
	echo "  $h: replayed $n file(s) of $dir"
	return $rc
}

# Fuzz for $secs; 0 if no finding.
fuzz() {
	local h=$1 log="$bdir/logs/$h.fuzz.log" art="$bdir/artifacts/$h/" rc f found=0
	mkdir -p "$bdir/corpus/$h" "$art" "$bdir/logs"
	rm -f "$art"crash-* "$art"leak-* "$art"timeout-* "$art"oom-*
	nice -n 10 "$bdir/$h" "${FUZZ_OPTS[@]}" -max_total_time="$secs" -artifact_prefix="$art" \
		"$bdir/corpus/$h" "fuzz/corpus/$h" >"$log" 2>&1
	rc=$?
	execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
	rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
	echo "  $h: ${execs:-?} executions in ${secs}s (${rate:-?}/s), ${cov:-no coverage line}, corpus $(ls "$bdir/corpus/$h" | wc -l) new"
	for f in "$art"crash-* "$art"leak-* "$art"timeout-* "$art"oom-*; do
		[ -f "$f" ] || continue
		found=1
		sig=$(signature "$log")
		if [ -n "$sig" ] && [ -f "$bdir/logs/$h.known" ] && grep -qxF "$sig" "$bdir/logs/$h.known"; then
			echo "  $h: FINDING $(basename "$f"): known, as a failing regression (not copied)"
		else
			mkdir -p "fuzz/regressions/$h"
			cp "$f" "fuzz/regressions/$h/"
			echo "  $h: FINDING $(basename "$f") -> fuzz/regressions/$h/"
		fi
		grep -E "FINDING|ERROR:|SUMMARY|runtime error" "$log" | head -5 | sed 's/^/    /'
	done
	if [ "$rc" -ne 0 ] && [ "$found" -eq 0 ]; then
		echo "  $h: libFuzzer exited $rc without an artifact; see $log"
		tail -5 "$log" | sed 's/^/    /'
		found=1
	fi
	return $found
}

mkdir -p "$bdir/logs"
for h in "$@"; do
	rm -f "$bdir/logs/$h.known"
	echo "$h:"
	ok=1
	if [ "$mode" = smoke ]; then
		replay "$h" "fuzz/corpus/$h" || ok=0
	fi
	# Both modes: a regression that still fails is a finding still there.
	replay "$h" "fuzz/regressions/$h" || ok=0
	fuzz "$h" || ok=0
	if [ $ok -eq 1 ]; then
		pass=$((pass + 1))
		echo "PASS $h"
	else
		fail=$((fail + 1))
		echo "FAIL $h"
	fi
done
if [ "$mode" = smoke ]; then
	echo "fuzz-smoke: $pass passed, $fail failed"
else
	echo "fuzz: $pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
