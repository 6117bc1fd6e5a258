#!/usr/bin/env bash
# clients.sh [OUTDIR]: build, statically, every program of clients/ (real
# users of guard pages, one .c file each) twice (OUTDIR defaults to
# $OUT/selftests, where the guest's other programs are):
#   NAME          against Debian sid's glibc (2.43-7; $GLIBC_DEB_VERSION),
#                 which guards thread stacks with MADV_GUARD_INSTALL
#   NAME-control  against the host's own glibc (bookworm's 2.36), which
#                 always uses mprotect(PROT_NONE)
# The names stay when Debian moves on; the programs print their glibc.
# Sid's libc6 and libc6-dev are never installed: fetch.sh downloads them
# (a private apt configuration; kept in ~/.cache/series/debs, outside the
# clone) and dpkg -x unpacks them into $OUT/glibc-VERSION.  If sid no
# longer serves the wanted version, the newest is taken (fetch.sh says so),
# if it is 2.42 or later.
. "$(dirname "$0")/lib.sh"

dest=$(realpath -m "${1:-$OUT/selftests}")
want=${GLIBC_DEB_VERSION:-2.43-7}
min=2.42                                  # the first glibc with guard-page stacks
log=$LOGS/clients.log

[ "$(dpkg --print-architecture)" = amd64 ] || die "clients.sh builds for amd64 only (this is $(dpkg --print-architecture))"
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || die "no static libc of the host (libc6-dev): run harness/deps.sh"
ls "$TOP"/clients/*.c >/dev/null 2>&1 || die "no programs in $TOP/clients"

# libc6-dev from sid (fetch.sh: the wanted version, else the newest), and
# the libc6 of the same version.
dev=$("$(dirname "$0")/fetch.sh" sid libc6-dev "$want") || die "clients: cannot fetch libc6-dev from Debian sid"
ver=$(dpkg-deb -f "$dev" Version)
dpkg --compare-versions "$ver" ge "$min" || die "clients: Debian sid's libc6-dev is $ver, older than $min"
lib6=$("$(dirname "$0")/fetch.sh" sid libc6 "$ver") || die "clients: cannot fetch libc6 from Debian sid"
[ "$(dpkg-deb -f "$lib6" Version)" = "$ver" ] ||
	die "clients: Debian sid serves libc6-dev $ver but libc6 $(dpkg-deb -f "$lib6" Version)"

# Unpacked once per version (the stamp is written last).
G=$OUT/glibc-$ver
if [ ! -f "$G/.unpacked" ]; then
	rm -rf "$G"
	mkdir -p "$G"
	for d in "$lib6" "$dev"; do
		dpkg -x "$d" "$G" || die "dpkg -x $d failed"
	done
	touch "$G/.unpacked"
fi
lib=$G/usr/lib/x86_64-linux-gnu
[ -f "$lib/libc.a" ] && [ -f "$lib/crt1.o" ] || die "$G has no static glibc (libc.a, crt1.o): a broken download? (remove it, $dev and $lib6)"

# major.minor of a Debian glibc version
short() { echo "$1" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/'; }
new=$(short "$ver")
host=$(dpkg-query -W -f='${Version}' libc6)
old=$(short "$host")
[ "$new" != "$old" ] || die "sid's glibc $ver and the host's $host have the same version $new"

# The binary must carry the glibc it was meant to: the banner of its libc.a.
check_glibc() { # BINARY X.Y
	grep -aqE "GNU C Library .* release version $2\." "$1" ||
		die "$1 is not linked with glibc $2 (it has: $(grep -aoE -m1 'GNU C Library [^.]* release version [0-9.]+' "$1" || echo 'no glibc banner'))"
}

mkdir -p "$dest/clients"
: > "$log"
cflags=(-static -O2 -Wall -Wextra -Werror -D_GNU_SOURCE)
for src in "$TOP"/clients/*.c; do
	name=$(basename "$src" .c)
	gcc "${cflags[@]}" -B"$lib/" -L"$lib" -isystem "$G/usr/include" \
		-isystem "$G/usr/include/x86_64-linux-gnu" \
		-o "$dest/clients/$name" "$src" -lpthread >>"$log" 2>&1 || {
		grep -E 'error' "$log" | head -20 >&2
		die "build of clients/$name.c with glibc $ver failed (log: $log)"
	}
	check_glibc "$dest/clients/$name" "$new"
	gcc "${cflags[@]}" -o "$dest/clients/$name-control" "$src" -lpthread >>"$log" 2>&1 || {
		grep -E 'error' "$log" | head -20 >&2
		die "build of clients/$name.c with the host's glibc $host failed (log: $log)"
	}
	check_glibc "$dest/clients/$name-control" "$old"
	note "clients: $name (glibc $ver, Debian sid), $name-control (glibc $host, the host's) -> $dest/clients"
done
