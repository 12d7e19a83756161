#!/usr/bin/env python3
"""Build the Linux guest's initramfs (a newc cpio archive) without root
privileges and without a cpio tool: device nodes are written as archive
entries, which the kernel creates when it unpacks the archive.

    mkinitramfs.py OUT.cpio INIT tee.ko optee.ko

Contents: /init (the static test program), /lib/modules/{tee,optee}.ko,
empty /dev /proc /sys /tmp /data, and /dev/console (char 5:1) so that /init
starts with the console on fds 0, 1, 2.
"""
import os
import stat
import sys


def entry(out, ino, name, mode, data=b"", rdev=(0, 0)):
    name_b = name.encode() + b"\0"
    hdr = "070701" + "".join(
        "%08x" % v
        for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0)
    )
    out.write(hdr.encode() + name_b)
    out.write(b"\0" * ((4 - (110 + len(name_b)) % 4) % 4))
    out.write(data)
    out.write(b"\0" * ((4 - len(data) % 4) % 4))


def main():
    out_path, init, tee, optee = sys.argv[1:5]
    with open(out_path, "wb") as out:
        ino = 1
        for d in ("dev", "proc", "sys", "tmp", "data", "lib", "lib/modules"):
            entry(out, ino, d, stat.S_IFDIR | 0o755)
            ino += 1
        entry(out, ino, "dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1))
        ino += 1
        for path, src, perm in (("init", init, 0o755), ("lib/modules/tee.ko", tee, 0o644),
                                ("lib/modules/optee.ko", optee, 0o644)):
            with open(src, "rb") as f:
                entry(out, ino, path, stat.S_IFREG | perm, f.read())
            ino += 1
        entry(out, 0, "TRAILER!!!", 0)
        out.write(b"\0" * ((512 - out.tell() % 512) % 512))
    os.chmod(out_path, 0o644)


if __name__ == "__main__":
    main()
