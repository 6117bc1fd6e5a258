#!/usr/bin/env bash
# deps.sh [--check] [PACKAGE...]: install (apt-get) what the harness needs on
# Debian 12, or with --check only report what is missing.  With package
# names, handles just those.  The base package is installed at the version
# in bases/NAME when Debian still serves it, else the newest one.
. "$(dirname "$0")/lib.sh"

check=
[ "${1:-}" = --check ] && { check=1; shift; }
pkgs=("$@")
if [ ${#pkgs[@]} = 0 ]; then
	pkgs=(build-essential git flex bison bc libelf-dev libssl-dev cpio xz-utils kmod
	      file perl python3 python3-ply python3-git python3-sphinx ccache qemu-system-x86 busybox-static bash-static
	      libcap-dev liburing-dev gnuplot-nox)
	# A base that is downloaded (bases/NAME: get=download) is never installed.
	[ "$BASE_GET" != install ] || pkgs+=("$BASE_PKG")
fi

missing=()
for p in "${pkgs[@]}"; do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0
if [ -n "$check" ]; then
	die "missing packages: ${missing[*]} (run harness/deps.sh)"
fi

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
note "deps: installing ${missing[*]}"
$sudo apt-get update -q >"$LOGS/apt-update.log" 2>&1 || die "apt-get update failed (see $LOGS/apt-update.log)"
want=()
for p in "${missing[@]}"; do
	if [ "$p" = "$BASE_PKG" ] &&
	   apt-cache madison "$p" 2>/dev/null | awk '{print $3}' | grep -qxF "$BASE_VERSION"; then
		want+=("$p=$BASE_VERSION")
	else
		[ "$p" = "$BASE_PKG" ] && echo "warning: $BASE_PKG $BASE_VERSION is no longer served; installing the newest" >&2
		want+=("$p")
	fi
done
if ! $sudo apt-get install -y -q --no-install-recommends "${want[@]}" >"$LOGS/apt-install.log" 2>&1; then
	die "apt-get install failed for: ${want[*]} ($(grep -m1 -E '^E:' "$LOGS/apt-install.log" || echo "see $LOGS/apt-install.log"))"
fi
