#!/usr/bin/env bash
# Run test binaries one after the other and sum the "N passed, M failed"
# line each ends with. A binary that exits non-zero (a sanitizer report, a
# crash) without reporting a failure counts as one failure. Ends with the
# total "N passed, M failed".
#   run-suite.sh LABEL=BINARY [ARGS...] -- LABEL=BINARY ...
set -u
pass=0
fail=0
status=0
run() {
	local label=${1%%=*} bin=${1#*=}
	shift
	local out rc line p f
	out=$(mktemp)
	echo "=== $label: $bin $*"
	start=$(date +%s)
	"$bin" "$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	rm -f "$out"
	if [ -z "$line" ]; then
		p=0; f=1
	else
		p=$(sed -E 's/^([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")
		f=$(sed -E 's/^([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	[ "$f" -ne 0 ] && status=1
	echo "=== $label: $p passed, $f failed (exit $rc, $(( $(date +%s) - start ))s)"
	pass=$((pass + p))
	fail=$((fail + f))
}
args=()
for a in "$@"; do
	if [ "$a" = "--" ]; then
		[ ${#args[@]} -gt 0 ] && run "${args[@]}"
		args=()
	else
		args+=("$a")
	fi
done
[ ${#args[@]} -gt 0 ] && run "${args[@]}"
echo "$pass passed, $fail failed"
exit $status
