#!/usr/bin/env bash
# Install the Debian packages the build and the test suites need, when they
# are missing and we run as root; otherwise say what to install.
set -u
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have gcc || need+=(gcc)
have clang || need+=(clang)
have aarch64-linux-gnu-gcc || need+=(gcc-aarch64-linux-gnu)
have spin || need+=(spin)
have qemu-system-aarch64 || need+=(qemu-system-arm)
have dtc || need+=(device-tree-compiler)
have python3 || need+=(python3)
have valgrind || need+=(valgrind)
have cppcheck || need+=(cppcheck)
have clang-tidy || need+=(clang-tidy)
# clang's sanitizer and libFuzzer runtimes
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
	need+=(libclang-rt-14-dev)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && have apt-get; then
	echo "deps: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null 2>&1 || true
	apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || {
		echo "deps: apt-get install ${need[*]} failed" >&2; exit 1; }
else
	echo "deps: please install: ${need[*]}" >&2
	exit 1
fi
