#!/usr/bin/env bash
# clients.sh [OUTDIR]: build, statically, every program of clients/ (real
# users of guard pages, one .c file each) twice (OUTDIR defaults to
# $OUT/selftests, where the guest's other programs are):
#   NAME          against Debian sid's glibc (2.43-7; $GLIBC_DEB_VERSION),
#                 which guards thread stacks with MADV_GUARD_INSTALL
#   NAME-control  against the host's own glibc (bookworm's 2.36), which
#                 always uses mprotect(PROT_NONE)
# The names stay when Debian moves on; the programs print their glibc.
# Sid's libc6 and libc6-dev are never installed: apt-get download fetches
# them through a private apt configuration (its own sources list and
# package lists; /etc/apt is not touched) into
# ${SERIES_CACHE:-~/.cache/series}/debs, outside the clone, so that a later
# clone reuses them, and dpkg -x unpacks them into $OUT/glibc-VERSION.  If
# sid no longer serves the wanted version, the newest one >= 2.42 is taken
# (and named on stderr).
. "$(dirname "$0")/lib.sh"

dest=$(realpath -m "${1:-$OUT/selftests}")
want=${GLIBC_DEB_VERSION:-2.43-7}
min=2.42                                  # the first glibc with guard-page stacks
cache=$SERIES_CACHE
debs=$cache/debs
apt=$cache/apt-sid                        # the private apt state
log=$LOGS/clients.log

apt_sid() { # apt-get|apt-cache ARGS...: the command on sid's lists only
	local cmd=$1; shift
	"$cmd" -q -o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" \
		-o Dir::State::status=/var/lib/dpkg/status -o Debug::NoLocking=1 \
		-o Acquire::Languages=none -o APT::Sandbox::User=root "$@"
}
have_debs() { [ -f "$debs/libc6-dev_$1_amd64.deb" ] && [ -f "$debs/libc6_$1_amd64.deb" ]; }
# The newest of the versions on stdin that is >= $min.
newest() {
	local v best=
	while read -r v; do
		dpkg --compare-versions "$v" ge "$min" || continue
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then
			best=$v
		fi
	done
	echo "$best"
}
# The versions of libc6-dev that sid serves with a libc6 of the same version.
served() {
	local v
	for v in $(apt_sid apt-cache madison libc6-dev | awk -F'|' '{ gsub(/ /, "", $2); print $2 }'); do
		apt_sid apt-cache madison libc6 | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
			grep -qxF "$v" && echo "$v"
	done
	return 0
}

[ "$(dpkg --print-architecture)" = amd64 ] || die "clients.sh builds for amd64 only (this is $(dpkg --print-architecture))"
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || die "no static libc of the host (libc6-dev): run harness/deps.sh"
ls "$TOP"/clients/*.c >/dev/null 2>&1 || die "no programs in $TOP/clients"
mkdir -p "$debs"

ver=$want
if ! have_debs "$ver"; then
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main" \
		> "$apt/sources.list"
	note "clients: apt-get update (Debian sid, lists in $apt)"
	# apt-get update fails softly (a "W:" line) where sid cannot be reached:
	# judge by what the lists then serve.
	apt_sid apt-get update >"$LOGS/clients-apt-update.log" 2>&1 || true
	avail=$(served)
	if [ -z "$avail" ]; then
		# Offline: an earlier download of another version will do.
		why=$(grep -m1 -E '^(E|W|Err):' "$LOGS/clients-apt-update.log" || echo "see $LOGS/clients-apt-update.log")
		ver=$(ls "$debs" | sed -n 's/^libc6-dev_\(.*\)_amd64\.deb$/\1/p' | newest)
		[ -n "$ver" ] && have_debs "$ver" ||
			die "no package lists of Debian sid ($why), and $debs has no libc6-dev and libc6 >= $min"
		echo "warning: no package lists of Debian sid ($why); using glibc $ver from $debs" >&2
	else
		if ! echo "$avail" | grep -qxF "$want"; then
			ver=$(echo "$avail" | newest)
			[ -n "$ver" ] || die "Debian sid serves no libc6-dev and libc6 >= $min (it has: ${avail//$'\n'/ })"
			echo "warning: Debian sid no longer serves libc6-dev and libc6 $want; taking $ver" >&2
		fi
		if ! have_debs "$ver"; then
			note "clients: apt-get download libc6-dev=$ver libc6=$ver -> $debs"
			tmp=$(mktemp -d "$debs/.download.XXXXXX")
			if ! (cd "$tmp" && apt_sid apt-get download "libc6-dev=$ver" "libc6=$ver") \
					>"$LOGS/clients-apt-download.log" 2>&1; then
				rm -rf "$tmp"
				die "apt-get download libc6-dev=$ver libc6=$ver failed: $(grep -m1 -E '^E:' "$LOGS/clients-apt-download.log" || echo "see $LOGS/clients-apt-download.log")"
			fi
			mv "$tmp"/*.deb "$debs"/
			rm -rf "$tmp"
			have_debs "$ver" || die "apt-get download left no libc6-dev_${ver}_amd64.deb and libc6_${ver}_amd64.deb in $debs"
		fi
	fi
fi

# Unpacked once per version (the stamp is written last).
G=$OUT/glibc-$ver
if [ ! -f "$G/.unpacked" ]; then
	rm -rf "$G"
	mkdir -p "$G"
	for p in libc6 libc6-dev; do
		dpkg -x "$debs/${p}_${ver}_amd64.deb" "$G" || die "dpkg -x $debs/${p}_${ver}_amd64.deb failed"
	done
	touch "$G/.unpacked"
fi
lib=$G/usr/lib/x86_64-linux-gnu
[ -f "$lib/libc.a" ] && [ -f "$lib/crt1.o" ] || die "$G has no static glibc (libc.a, crt1.o): a broken download? (remove it and $debs/libc6*_${ver}_amd64.deb)"

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
