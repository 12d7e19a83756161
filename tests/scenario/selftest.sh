#!/usr/bin/env bash
# The scenario runner's own tests: each tests/scenario/*.scn must make
# scenario-run fail, and its output must match every "# must-fail: REGEX"
# line of the file (extended regex). Ends with "N passed, M failed".
set -u
run=${1:?usage: selftest.sh SCENARIO_RUN}
dir=$(dirname "$0")
pass=0
fail=0
for f in "$dir"/*.scn; do
	out=$(cd "$dir" && "$run" "$(basename "$f")" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "FAIL $f: scenario-run succeeded"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
	while IFS= read -r re; do
		if grep -Eq -- "$re" <<<"$out"; then
			pass=$((pass + 1))
		else
			echo "FAIL $f: no output line matches: $re"
			echo "$out" | sed 's/^/    | /'
			fail=$((fail + 1))
		fi
	done < <(sed -n 's/^# must-fail: //p' "$f")
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
