#!/usr/bin/env bash
# fetch.sh SUITE PACKAGE [VERSION]: download (never install) the .deb of
# PACKAGE from Debian's SUITE (trixie-backports, sid, ...) and print its
# path.  The machine's apt configuration is left alone: a private sources
# list names SUITE with the URI of the machine's own Debian source, and
# apt's lists and cache are private too.  The .deb is kept in
# $SERIES_CACHE/debs (outside the clone, so that a later clone finds it).
# VERSION is taken when Debian still serves it; else one line says so and
# the newest is taken.
#
# fetch.sh --source SUITE PACKAGE: the same for a source package: download
# it (deb-src), unpack it with dpkg-source (Debian's patches applied) into
# $SERIES_CACHE/src/PACKAGE-VERSION and print that directory.
. "$(dirname "$0")/lib.sh"

want_src=
[ "${1:-}" = --source ] && { want_src=1; shift; }
suite=${1:?usage: fetch.sh [--source] SUITE PACKAGE [VERSION]}
pkg=${2:?usage: fetch.sh [--source] SUITE PACKAGE [VERSION]}
want=${3:-}
cache=$SERIES_CACHE/debs
[ -z "$want_src" ] || cache=$SERIES_CACHE/src
mkdir -p "$cache"

# A source package already unpacked (any version: sources are fetched for
# tools the harness builds, not for a tested version).
if [ -n "$want_src" ]; then
	have=$(ls -d "$cache/${pkg}-"[0-9]*/ 2>/dev/null | sort -V | tail -1 || true)
	[ -z "$have" ] || { echo "${have%/}"; exit 0; }
fi

# Already here: the wanted version, or (no version asked) any.
have=$(ls "$cache/${pkg}_"*.deb 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$want" ]; then
	have=$(ls "$cache/${pkg}_${want/:/%3a}_"*.deb 2>/dev/null | head -1 || true)
fi
if [ -n "$have" ]; then
	echo "$have"
	exit 0
fi

# The URI of the machine's Debian archive (deb822 or one-line sources).
uri=$(grep -rhoE 'https?://[^ ]*/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
	head -1 | tr -d ' ' || true)
uri=${uri:-http://deb.debian.org/debian}
apt=$SERIES_CACHE/apt-$suite${want_src:+-src}
mkdir -p "$apt/lists/partial" "$apt/archives/partial"
echo "deb${want_src:+-src} [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" > "$apt/sources.list"
opts=(-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt" -o Dir::Cache::archives="$apt/archives"
      -o Dir::State::status=/var/lib/dpkg/status -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
log=$LOGS/fetch-$pkg.log
apt-get "${opts[@]}" update >"$log" 2>&1 ||
	die "fetch: apt-get update of $suite failed ($(grep -m1 -E '^(E|Err):' "$log" || echo "see $log"))"
if [ -n "$want_src" ]; then
	command -v dpkg-source >/dev/null || "$TOP/harness/deps.sh" dpkg-dev
	tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
	if ! (cd "$tmp" && apt-get "${opts[@]}" source --download-only "$pkg") >>"$log" 2>&1; then
		rm -rf "$tmp"
		die "fetch: apt-get source $pkg from $suite failed ($(grep -m1 -E '^(E|Err):' "$log" || echo "see $log"))"
	fi
	dsc=$(ls "$tmp"/*.dsc)
	ver=$(sed -n 's/^Version: //p' "$dsc" | sed 's/^[0-9]*://')
	dpkg-source --no-check -x "$dsc" "$tmp/src" >>"$log" 2>&1 || { rm -rf "$tmp"; die "fetch: dpkg-source -x $dsc failed (see $log)"; }
	mv "$tmp/src" "$cache/$pkg-$ver"
	rm -rf "$tmp"
	echo "$cache/$pkg-$ver"
	exit 0
fi
served=$(apt-cache "${opts[@]}" madison "$pkg" 2>/dev/null | awk '{ print $3 }')
[ -n "$served" ] || die "fetch: $suite does not serve $pkg"
get=$pkg
if [ -n "$want" ]; then
	if echo "$served" | grep -qxF "$want"; then
		get=$pkg=$want
	else
		echo "warning: $suite no longer serves $pkg $want; taking the newest, $(echo "$served" | sort -V | tail -1)" >&2
	fi
fi
# Into a directory of its own, so that the path printed is the one fetched.
tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
if ! (cd "$tmp" && apt-get "${opts[@]}" download "$get") >>"$log" 2>&1; then
	rm -rf "$tmp"
	die "fetch: apt-get download $get from $suite failed ($(grep -m1 -E '^(E|Err):' "$log" || echo "see $log"))"
fi
deb=$(ls "$tmp"/*.deb)
mv "$deb" "$cache/"
rmdir "$tmp"
echo "$cache/$(basename "$deb")"
