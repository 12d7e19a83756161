#!/usr/bin/env bash
# Fetch the stock Debian arm64 kernel (linux-image-*-arm64) and extract the
# uncompressed Image plus tee.ko and optee.ko into a cache directory. Nothing
# of the kernel is committed; a second run with the cache filled does nothing.
#
#   fetch-kernel.sh CACHE_DIR
#
# Result: CACHE_DIR/Image, CACHE_DIR/tee.ko, CACHE_DIR/optee.ko,
# CACHE_DIR/version (package name and version), CACHE_DIR/config.
#
# How (docs/aarch64.md, "The Linux guest"): dpkg --add-architecture arm64,
# apt-get update, apt-get download of the package linux-image-arm64 depends
# on, then the machine's architecture list is restored (arm64 removed again
# if it was not there before) and the lists updated again. No arm64 package
# is ever installed. Needs root (dpkg/apt) on the first run only.
set -euo pipefail
cache=${1:?usage: fetch-kernel.sh CACHE_DIR}
if [ -s "$cache/Image" ] && [ -s "$cache/tee.ko" ] && [ -s "$cache/optee.ko" ]; then
	exit 0
fi
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "fetch-kernel: the first run needs root (dpkg --add-architecture, apt-get update)" >&2
	exit 1
fi
added=0
if ! dpkg --print-foreign-architectures | grep -qx arm64 && [ "$(dpkg --print-architecture)" != arm64 ]; then
	dpkg --add-architecture arm64
	added=1
fi
restore() {
	if [ "$added" -eq 1 ]; then
		dpkg --remove-architecture arm64 || true
		apt-get update -qq >/dev/null 2>&1 || true
	fi
}
trap restore EXIT
echo "fetch-kernel: apt-get update (arm64 added for the download)"
apt-get update -qq >/dev/null
# linux-image-arm64 is the metapackage; its dependency names the current image.
pkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*-arm64\)\(:arm64\)\{0,1\}$/\1/p' | head -n1)
if [ -z "$pkg" ]; then
	echo "fetch-kernel: cannot resolve linux-image-arm64:arm64" >&2
	exit 1
fi
work=$(mktemp -d)
chmod 755 "$work" # apt-get download runs as _apt where it can
trap 'rm -rf "$work"; restore' EXIT
echo "fetch-kernel: apt-get download $pkg:arm64"
(cd "$work" && apt-get download -qq "$pkg:arm64")
deb=$(ls "$work"/*.deb)
mkdir -p "$work/x"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" --wildcards './boot/vmlinuz-*' './boot/config-*' \
	'./lib/modules/*/kernel/drivers/tee/*' 2>/dev/null ||
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x"
img=$(ls "$work"/x/boot/vmlinuz-* | head -n1)
# The arm64 "vmlinuz" is an uncompressed Image; a gzip one is unpacked.
if [ "$(head -c2 "$img" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
	gzip -dc <"$img" >"$cache/Image.tmp"
else
	cp "$img" "$cache/Image.tmp"
fi
find "$work/x" -name tee.ko -exec cp {} "$cache/tee.ko" \;
find "$work/x" -name optee.ko -exec cp {} "$cache/optee.ko" \;
for m in tee optee; do
	[ -s "$cache/$m.ko" ] || { f=$(find "$work/x" -name "$m.ko.*" | head -n1); \
		[ -n "$f" ] && case "$f" in *.xz) xz -dc "$f" >"$cache/$m.ko" ;; *.zst) zstd -qdc "$f" >"$cache/$m.ko" ;; esac; }
done
cp "$work"/x/boot/config-* "$cache/config" 2>/dev/null || true
dpkg-deb -W --showformat='${Package} ${Version}' "$deb" >"$cache/version"
mv "$cache/Image.tmp" "$cache/Image"
echo "fetch-kernel: $(cat "$cache/version"): Image $(stat -c %s "$cache/Image") bytes, tee.ko, optee.ko in $cache"
