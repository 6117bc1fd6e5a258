# shellcheck shell=bash
# Common settings for the harness scripts.  Source it; do not run it.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$TOP/out}                      # everything generated lives here
TREE=${TREE:-$OUT/linux}                  # the editable kernel tree (a git repo)
PATCHES=${PATCHES:-$TOP/patches}          # the product: the series
KCONFIG_DIR=${KCONFIG_DIR:-$TOP/kconfig}
LOGS=${LOGS:-$OUT/logs}
ARCH=${ARCH:-x86_64}
JOBS=${JOBS:-$(nproc)}
export ARCH

# The package the series is written against, and the identity the series
# is authored and signed off with.
BASE_PKG=linux-source-6.12
BASE_VERSION=${BASE_VERSION_OVERRIDE:-$(sed -n 's/^version=//p' "$TOP/base.version")}
BASE_TARBALL=/usr/src/linux-source-6.12.tar.xz
BASE_BRANCH=base
SERIES_BRANCH=series
SERIES_NAME=${SERIES_NAME:-"Seed 099af74e maintainers"}
SERIES_EMAIL=${SERIES_EMAIL:-"maintainers@users.noreply.h-seed-099af74e.example"}
# A fixed date makes the base commit (and so every exported patch's
# base-commit line) identical on every machine.
BASE_DATE=2024-11-17T00:00:00Z

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
# Hash paths under $OUT relative to it, so that a clone at another path
# (CI's) hits what an earlier build cached.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$OUT}
export CCACHE_NOHASHDIR=1

mkdir -p "$OUT" "$LOGS"

# One-line, loud failure.
die() { echo "error: $*" >&2; exit 1; }
note() { echo "==> $*" >&2; }

tree_git() { git -C "$TREE" -c user.name="$SERIES_NAME" -c user.email="$SERIES_EMAIL" "$@"; }

# Build directory for a config name ("fast", "debug", "bench").
build_dir() { echo "${BUILD_ROOT:-$OUT}/build-$1"; }

# Fragments that make up a config name, in merge order.
config_fragments() {
	case "$1" in
	fast)  echo "$KCONFIG_DIR/fast.config $KCONFIG_DIR/series.config" ;;
	debug) echo "$KCONFIG_DIR/fast.config $KCONFIG_DIR/series.config $KCONFIG_DIR/debug.config" ;;
	bench) echo "$KCONFIG_DIR/fast.config $KCONFIG_DIR/series.config $KCONFIG_DIR/bench.config" ;;
	arm64) echo "$KCONFIG_DIR/arm64.config $KCONFIG_DIR/series.config" ;;
	i386)  echo "$KCONFIG_DIR/i386.config $KCONFIG_DIR/series.config" ;;
	*) die "unknown kernel config '$1' (known: fast, debug, bench, arm64, i386)" ;;
	esac
}

# The kernel architecture of a config name, and the cross compiler's prefix
# (Debian's gcc-aarch64-linux-gnu; i386 is built by the host's x86_64 gcc,
# which makes 32-bit kernels without multilib).
config_arch() {
	case "$1" in
	arm64) echo arm64 ;;
	i386)  echo i386 ;;
	*)     echo x86_64 ;;
	esac
}
cross_prefix() {
	case "$1" in
	arm64) echo aarch64-linux-gnu- ;;
	*)     echo ;;
	esac
}
# The kernel image a build of config NAME boots.
kernel_image() {
	case "$(config_arch "$1")" in
	arm64) echo "$(build_dir "$1")/arch/arm64/boot/Image" ;;
	*)     echo "$(build_dir "$1")/arch/x86/boot/bzImage" ;;
	esac
}
# For kmake: ARCH and CROSS_COMPILE of config NAME.
use_config_arch() {
	ARCH=$(config_arch "$1")
	CROSS_COMPILE=$(cross_prefix "$1")
	export ARCH CROSS_COMPILE
}

kmake() {
	local b=$1; shift
	local cc=${CROSS_COMPILE:-}gcc
	command -v ccache >/dev/null && cc="ccache $cc"
	make -C "$TREE" O="$b" ARCH="$ARCH" ${CROSS_COMPILE:+CROSS_COMPILE="$CROSS_COMPILE"} \
		CC="$cc" -j"$JOBS" "$@"
}
