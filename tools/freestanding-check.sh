#!/usr/bin/env bash
# Build every src/*.c freestanding with gcc, clang and aarch64-linux-gnu-gcc,
# then list each object's undefined symbols: only the names given as
# arguments may appear. Prints "N passed, M failed" (one check per object
# and compiler).
set -u
allowed=" $* "
out=build/freestanding
mkdir -p "$out"
pass=0; fail=0
flags="-std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-common -Iinclude"
for cc in gcc clang aarch64-linux-gnu-gcc; do
	if ! command -v $cc >/dev/null; then echo "missing compiler $cc"; fail=$((fail+1)); continue; fi
	extra=""
	nm=nm
	case $cc in
	aarch64-*) extra="-mgeneral-regs-only"; nm=aarch64-linux-gnu-nm ;;
	esac
	objs=()
	for s in src/*.c; do
		o=$out/$cc-$(basename "$s" .c).o
		if ! $cc $flags $extra -c "$s" -o "$o" 2>"$o.err"; then
			echo "FAIL $cc $s: does not compile"; cat "$o.err"; fail=$((fail+1)); continue
		fi
		objs+=("$o")
	done
	# Symbols one object of the core defines for another are not imports.
	defined=" $($nm --defined-only "${objs[@]}" | awk 'NF == 3 {print $3}' | tr '\n' ' ') "
	for o in "${objs[@]}"; do
		bad=""
		for sym in $($nm -u "$o" | awk '{print $2}'); do
			case "$allowed$defined" in *" $sym "*) ;; *) bad="$bad $sym" ;; esac
		done
		if [ -n "$bad" ]; then
			echo "FAIL $cc $o: undefined$bad"; fail=$((fail+1))
		else
			pass=$((pass+1))
		fi
	done
done
# The core may include only these system headers.
for s in src/*.c src/*.h; do
	[ -e "$s" ] || continue
	hdrs=$(grep -oE '#include <[^>]+>' "$s" | sed -E 's/#include <(.*)>/\1/' |
		grep -vE '^(stdint|stddef|stdbool|stdalign)\.h$' || true)
	if [ -n "$hdrs" ]; then echo "FAIL $s includes $hdrs"; fail=$((fail+1)); else pass=$((pass+1)); fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
