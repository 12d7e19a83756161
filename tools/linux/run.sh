#!/usr/bin/env bash
# Run the `linux` scenario: the EL3 firmware with the OP-TEE model, the
# hypervisor with teemed, the stock Debian kernel as guest `linux` (its
# Image, device tree and initramfs put into its RAM by QEMU's loader at
# PLAT_LINUX_RAM_BASE + offsets, plat.h) beside a well-behaved and a hostile
# bare-metal guest. Judges the run and prints the lines that matter.
#
#   run.sh [--timeout S] [--qemu BIN] [--show] BIOS IMAGE DTB INITRD LOG
#
# PASS: QEMU's exit status 0 (the hypervisor's failure count, plus 0x40 for
# an oracle violation), "RESULT linux: PASS", the Linux guest's own summary
# "linux-tests: N passed, 0 failed" and the driver's probe lines.
set -u
timeout_s=300
qemu=qemu-system-aarch64
show=0
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) timeout_s=$2; shift 2 ;;
	--qemu) qemu=$2; shift 2 ;;
	--show) show=1; shift ;;
	*) break ;;
	esac
done
bios=$1 image=$2 dtb=$3 initrd=$4 log=$5
# PLAT_LINUX_RAM_BASE 0x64000000 + PLAT_LINUX_{KERNEL,DTB,INITRD}_OFF
start=$(date +%s%N)
timeout -k 5 "$timeout_s" "$qemu" \
	-machine virt,secure=on,virtualization=on,gic-version=3,highmem=off \
	-cpu cortex-a57 -smp 4 -m 1G -display none -nic none -monitor none \
	-serial "file:$log" -semihosting-config enable=on,target=native \
	-device loader,file="$image",addr=0x64200000,force-raw=on \
	-device loader,file="$dtb",addr=0x6c000000,force-raw=on \
	-device loader,file="$initrd",addr=0x6c200000,force-raw=on \
	-bios "$bios" </dev/null >/dev/null 2>"$log.stderr"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
secs=$(printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)))
tr -d '\r' <"$log" >"$log.txt"
ok=1
why="exit status $rc"
[ "$rc" -eq 0 ] || ok=0
[ "$rc" -eq 124 ] && why="TIMEOUT after ${timeout_s}s"
grep -q "RESULT linux: PASS" "$log.txt" || ok=0
grep -Eq "linux-tests: [0-9]+ passed, 0 failed" "$log.txt" || { ok=0; why="$why, no clean linux-tests summary"; }
grep -q "optee: dynamic shared memory is enabled" "$log.txt" || { ok=0; why="$why, no optee probe"; }
grep -q "optee: initialized driver" "$log.txt" || { ok=0; why="$why, optee not initialized"; }
if [ "$show" -eq 1 ]; then
	cat "$log.txt"
else
	grep -E 'optee|tee:|linux-tests|^\[hyp\] (guest [^ ]+: |teemed totals|scenario|RESULT)|\[EL3\] oracle|VIOLATION|PANIC|Kernel panic|Linux version|CPU features: detected|All CPU' "$log.txt" |
		grep -v 'linux-tests: tee bus' | sed 's/^/    /'
fi
# The count is the user-space checks /init ran in the guest.
n=$(sed -nE 's/.*linux-tests: ([0-9]+) passed, ([0-9]+) failed.*/\1/p' "$log.txt" | tail -n 1)
if [ "$ok" -eq 1 ]; then
	printf 'qemu linux    PASS  %5ss  %s\n' "$secs" "$why"
	echo "${n:-1} passed, 0 failed"
else
	printf 'qemu linux    FAIL  %5ss  %s (log: %s)\n' "$secs" "$why" "$log.txt"
	tail -n 30 "$log.txt" | sed 's/^/  | /'
	echo "0 passed, 1 failed"
	exit 1
fi
