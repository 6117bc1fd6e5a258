#!/usr/bin/env bash
# initramfs.sh SELFTESTS_DIR OUT.cpio.gz: the guest's root file system:
# Debian's busybox-static (and bash-static for scripts that need bash), our
# /init, the test definitions (suites/*.list) and the statically built
# test programs.  For another architecture (harness/arch.sh): BUSYBOX=PATH
# (the target's busybox-static), BASH_STATIC= (none: the guest's /init and the
# mm selftests need only busybox's sh).
. "$(dirname "$0")/lib.sh"

st=${1:?usage: initramfs.sh SELFTESTS_DIR OUT.cpio.gz}
out=${2:?usage: initramfs.sh SELFTESTS_DIR OUT.cpio.gz}
busybox=${BUSYBOX:-/bin/busybox}
bash=${BASH_STATIC-/bin/bash-static}
[ -x "$busybox" ] || die "$busybox missing: apt-get install busybox-static"
[ -z "$bash" ] || [ -x "$bash" ] || die "$bash missing: apt-get install bash-static"
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	die "$busybox is not static: apt-get install busybox-static"

root=$(mktemp -d "$OUT/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,root,selftests}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
[ -z "$bash" ] || cp "$bash" "$root/bin/bash"
cp "$TOP/guest/init" "$root/init"
cp -r "$TOP/guest/harness" "$root/selftests/harness"
[ -d "$st" ] && cp -r "$st"/. "$root/selftests/"
# Test table: NAME TIMEOUT COMMAND..., all suites together.
cat "$TOP"/suites/*.list | awk '!/^#/ && NF >= 3' > "$root/etc/guest-tests"
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
echo "nobody:x:65534:65534:nobody:/:/bin/false" >> "$root/etc/passwd"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) |
	gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
note "initramfs: $out ($(du -h "$out" | cut -f1))"
