#!/usr/bin/env bash
# The Linux guest's device tree: QEMU's own (dumpdtb, with exactly the
# machine options and -bios of the run: pitfall 4 of the reference), cut
# down to what the hypervisor gives the guest and patched with fdtput
# (Debian's device-tree-compiler):
#   - one CPU (cpu@0; the guest has one vCPU on physical CPU 0);
#   - memory: the guest's RAM only (IPA 0x40000000, 256 MiB: plat.h);
#   - devices: the GICv3 (no ITS), the PL011, the timer, the PL011's clock;
#     everything else (flash, fw-cfg, virtio, PCIe, RTC, GPIO...) removed,
#     since it is not mapped in the guest's stage 2;
#   - /psci (method "smc": trapped by the hypervisor's virtual PSCI);
#   - /firmware/optee (linaro,optee-tz, method "smc": trapped, mediated);
#   - /reserved-memory: the initramfs' range, no-map'd off for nobody but
#     recorded, and the DTB's own page;
#   - /chosen: bootargs, initrd range.
#
#   mkdtb.sh QEMU BIOS OUT.dtb INITRD_SIZE
set -euo pipefail
qemu=$1 bios=$2 out=$3 initrd_size=$4
# Guest physical (IPA) addresses: PLAT_GUEST_IPA_BASE + PLAT_LINUX_*_OFF.
ram=0x40000000 ram_size=0x10000000
dtb_ipa=0x48000000 initrd_ipa=0x48200000
tmp=$out.tmp
"$qemu" -machine virt,secure=on,virtualization=on,gic-version=3,highmem=off,dumpdtb="$tmp" \
	-cpu cortex-a57 -smp 4 -m 1G -display none -nic none -monitor none -serial null \
	-bios "$bios" </dev/null >/dev/null 2>&1
keep=" cpus memory@40000000 intc@8000000 pl011@9000000 timer apb-pclk chosen aliases psci "
for n in $(fdtget -l "$tmp" /); do
	case "$keep" in *" $n "*) ;; *) fdtput -r "$tmp" "/$n" ;; esac
done
for n in $(fdtget -l "$tmp" /intc@8000000 2>/dev/null); do fdtput -r "$tmp" "/intc@8000000/$n"; done
for n in $(fdtget -l "$tmp" /cpus); do
	[ "$n" = cpu@0 ] || fdtput -r "$tmp" "/cpus/$n"
done
fdtput -t s "$tmp" /cpus/cpu@0 enable-method psci
# Aliases pointing at removed nodes would dangle: keep only serial0.
for p in $(fdtget -p "$tmp" /aliases 2>/dev/null); do
	[ "$p" = serial0 ] || fdtput -d "$tmp" /aliases "$p"
done
fdtput -t x "$tmp" /memory@40000000 reg 0 $ram 0 $ram_size
fdtput -c "$tmp" /psci
fdtput -t s "$tmp" /psci compatible arm,psci-1.0 arm,psci-0.2
fdtput -t s "$tmp" /psci method smc
fdtput -c -p "$tmp" /firmware/optee
fdtput -t s "$tmp" /firmware/optee compatible linaro,optee-tz
fdtput -t s "$tmp" /firmware/optee method smc
fdtput -c "$tmp" /reserved-memory
fdtput -t x "$tmp" /reserved-memory '#address-cells' 2
fdtput -t x "$tmp" /reserved-memory '#size-cells' 2
fdtput -t x "$tmp" /reserved-memory ranges
fdtput -c "$tmp" /reserved-memory/dtb@48000000
fdtput -t x "$tmp" /reserved-memory/dtb@48000000 reg 0 $dtb_ipa 0 0x10000
end=$(printf '0x%x' $((initrd_ipa + initrd_size)))
for p in rng-seed kaslr-seed; do fdtput -d "$tmp" /chosen $p 2>/dev/null || true; done
fdtput -t s "$tmp" /chosen bootargs \
	"console=ttyAMA0 earlycon=pl011,0x09000000 rdinit=/init panic=-1 nokaslr cma=16M maxcpus=1 rodata=on"
fdtput -t x "$tmp" /chosen linux,initrd-start 0 $initrd_ipa
fdtput -t x "$tmp" /chosen linux,initrd-end 0 $end
mv "$tmp" "$out"
