#!/usr/bin/env bash
# Run QEMU scenarios of the AArch64 platform (mk/aarch64.mk), each with a
# timeout, keep each console log, print each guest's summary and end with
# one line "N passed, M failed".
#
#   qemu-run.sh [--timeout SECONDS] [--qemu BINARY] [--logdir DIR]
#               [--icount] [--show] bios-NAME.bin...
#
# A scenario passes when QEMU exits with status 0 (the EL3 firmware ends the
# run through semihosting with the hypervisor's failure count, plus 0x40 if
# its isolation oracle saw a violation) and the log says "RESULT NAME: PASS".
# The "oracle" scenario is the oracle's self-test: it passes when the
# violation bit is set. A timeout (status 124) is a failure.
set -u
timeout_s=120
qemu=qemu-system-aarch64
logdir=build/aarch64/logs
icount=()
show=0
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) timeout_s=$2; shift 2 ;;
	--qemu) qemu=$2; shift 2 ;;
	--logdir) logdir=$2; shift 2 ;;
	--icount) icount=(-icount shift=0,sleep=off); shift ;;
	--show) show=1; shift ;;
	*) break ;;
	esac
done
mkdir -p "$logdir"
pass=0
fail=0
for bios in "$@"; do
	name=$(basename "$bios" .bin)
	name=${name#bios-}
	log=$logdir/$name.log
	start=$(date +%s%N)
	timeout -k 5 "$timeout_s" "$qemu" \
		-machine virt,secure=on,virtualization=on,gic-version=3,highmem=off \
		-cpu cortex-a57 -smp 4 -m 1G -display none -nic none -monitor none \
		-serial "file:$log" -semihosting-config enable=on,target=native \
		"${icount[@]}" -bios "$bios" </dev/null >/dev/null 2>"$log.stderr"
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	secs=$(printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)))
	if [ "$name" = oracle ]; then
		ok=$(( rc != 124 && (rc & 64) != 0 ))
		what="oracle violation caught (exit status $rc)"
	else
		ok=$(( rc == 0 ))
		grep -q "RESULT $name: PASS" "$log" || ok=0
		what="exit status $rc"
	fi
	[ "$rc" -eq 124 ] && what="TIMEOUT after ${timeout_s}s"
	if [ "$ok" -eq 1 ]; then
		pass=$((pass + 1))
		printf 'qemu %-8s PASS  %5ss  %s\n' "$name" "$secs" "$what"
	else
		fail=$((fail + 1))
		printf 'qemu %-8s FAIL  %5ss  %s (log: %s)\n' "$name" "$secs" "$what" "$log"
	fi
	if [ "$show" -eq 1 ]; then
		cat "$log"
	else
		grep -E '^\[hyp\] guest [^ ]+: (PASS|FAIL)|BENCH|VIOLATION|PANIC|FAIL:|TIMEOUT' "$log" |
			sed -E 's/; teemed:.*left/; ... left/' | sed 's/^/    /'
	fi
	[ "$ok" -eq 1 ] || tail -n 20 "$log" | sed 's/^/  | /'
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
