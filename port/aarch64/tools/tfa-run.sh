#!/usr/bin/env bash
# Run the NS image as BL33 of TF-A with real OP-TEE under QEMU (not part of
# qemu-test: TF-A and OP-TEE are not built or shipped by this project; bring
# your own images). Images are loaded by TF-A through semihosting from the
# working directory, so this links them into a scratch directory.
#
#   tfa-run.sh TFA_BUILD_DIR OPTEE_OUT_CORE_DIR NS_IMAGE [TIMEOUT]
#
# TFA_BUILD_DIR: holds bl1.bin, bl2.bin, bl31.bin (qemu platform, opteed)
# OPTEE_OUT_CORE_DIR: holds OP-TEE's tee-*_v2.bin (with NS virtualization)
# NS_IMAGE: build/aarch64/hyp-tfa.bin
# The normal-world console is printed; OP-TEE's (secure UART1) is kept in
# secure.log. TF-A powers off with status 0: the verdict is the RESULT line.
set -eu
tfa=$(realpath "$1"); optee=$(realpath "$2"); ns=$(realpath "$3"); t=${4:-120}
dir=$(mktemp -d)
cd "$dir"
ln -s "$tfa/bl1.bin" bl1.bin
ln -s "$tfa/bl2.bin" bl2.bin
ln -s "$tfa/bl31.bin" bl31.bin
ln -s "$optee/tee-header_v2.bin" bl32.bin
ln -s "$optee/tee-pager_v2.bin" bl32_extra1.bin
ln -s "$optee/tee-pageable_v2.bin" bl32_extra2.bin
ln -s "$ns" bl33.bin
set +e
timeout -k 5 "$t" qemu-system-aarch64 \
	-machine virt,secure=on,virtualization=on,gic-version=3,highmem=off \
	-cpu cortex-a57 -smp 4 -m 1G -display none -nic none -monitor none \
	-serial file:ns.log -serial file:secure.log \
	-semihosting-config enable=on,target=native -bios bl1.bin </dev/null
rc=$?
set -e
grep -v "Firmware Image Package" ns.log
echo "(QEMU exit status $rc; OP-TEE's log: $dir/secure.log)"
grep -q "RESULT .*: PASS" ns.log
