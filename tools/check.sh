#!/usr/bin/env bash
# Run each named suite (make suite-NAME), keep its log in build/suites/, and
# sum the "N passed, M failed" line each one ends with. A suite that exits
# non-zero or prints no such line counts as one failure.
set -u
mkdir -p build/suites
total_pass=0
total_fail=0
status=0
for s in "$@"; do
	log=build/suites/$s.log
	start=$(date +%s)
	make --no-print-directory -s "suite-$s" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		p=0; f=1
	else
		p=$(sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
		f=$(sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/' <<<"$line")
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ "$f" -ne 0 ]; then
		status=1
		echo "--- suite $s FAILED (exit $rc); last lines of $log:"
		tail -n 30 "$log"
	fi
	printf 'suite %-16s %5d passed, %3d failed  (%ds)\n' "$s" "$p" "$f" "$secs"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done
echo "$total_pass passed, $total_fail failed"
exit $status
