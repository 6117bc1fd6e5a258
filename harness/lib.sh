# shellcheck shell=bash
# Common settings for the harness scripts.  Source it; do not run it.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$TOP/out}                      # everything generated lives here

# The base the harness works on: a file of bases/ (bases/README.md), 6.12
# unless BASE says otherwise (./series --base 7.3).
BASE=${BASE:-6.12}
export BASE
[ -f "$TOP/bases/$BASE" ] && [ "$BASE" != README.md ] ||
	{ echo "error: unknown base '$BASE' (known: $(cd "$TOP/bases" && ls | grep -v README | xargs))" >&2; exit 1; }
base_field() { sed -n "s/^$1=//p" "$TOP/bases/$BASE" | head -1; }
BASE_PKG=$(base_field package)
BASE_VERSION=${BASE_VERSION_OVERRIDE:-$(base_field version)}
BASE_SUITE=$(base_field suite)
BASE_GET=$(base_field get)                # install (apt-get install) or download
BASE_DIR=${BASE_DIR:-$OUT$(base_field out)} # the base's tree, builds and logs
BASE_TARBALL=/usr/src/$BASE_PKG.tar.xz    # where the package puts the sources
SERIES_CACHE=${SERIES_CACHE:-$HOME/.cache/series}  # downloads, kept across clones

TREE=${TREE:-$BASE_DIR/linux}             # the editable kernel tree (a git repo)
PATCHES=${PATCHES:-$TOP/$(base_field series)}  # the product: the series
KCONFIG_DIR=${KCONFIG_DIR:-$TOP/kconfig}
LOGS=${LOGS:-$BASE_DIR/logs}
ARCH=${ARCH:-x86_64}
JOBS=${JOBS:-$(nproc)}
export ARCH

# The identity the series is authored and signed off with.
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

mkdir -p "$OUT" "$BASE_DIR" "$LOGS"

# One-line, loud failure.
die() { echo "error: $*" >&2; exit 1; }
note() { echo "==> $*" >&2; }

# The Debian version of the base the tree was made from (base.sh writes it
# at the end of the base commit's subject).
base_tree_version() { git -C "$TREE" log -1 --format=%s "$BASE_BRANCH" 2>/dev/null | sed 's/.* //'; }

tree_git() { git -C "$TREE" -c user.name="$SERIES_NAME" -c user.email="$SERIES_EMAIL" "$@"; }

# Build directory for a config name ("fast", "debug", "bench").
build_dir() { echo "${BUILD_ROOT:-$BASE_DIR}/build-$1"; }

# Fragments that make up a config name, in merge order.
config_fragments() {
	local first rest extra='' f
	case "$1" in
	fast)  first=fast.config rest=series.config ;;
	debug) first=fast.config rest="series.config debug.config" ;;
	bench) first=fast.config rest="series.config bench.config" ;;
	arm64) first=arm64.config rest=series.config ;;
	i386)  first=i386.config rest=series.config ;;
	arc)   first=arc.config rest=series.config ;;
	*) die "unknown kernel config '$1' (known: fast, debug, bench, arm64, i386, arc)" ;;
	esac
	# The base's own fragment (bases/NAME: kconfig=), for options that
	# differ between kernel versions, comes right after the first one;
	# the fast and debug kernels, and the other architectures', add the
	# base's test options (kconfig_test=); the bench kernel does not.
	for f in $(base_field kconfig); do extra="$extra $f"; done
	case "$1" in
	fast|debug|arm64|i386|arc) for f in $(base_field kconfig_test); do extra="$extra $f"; done ;;
	esac
	for f in $first $extra $rest; do printf '%s ' "$KCONFIG_DIR/$f"; done
	echo
}

# The kernel architecture of a config name, and the cross compiler's prefix
# (Debian's gcc-aarch64-linux-gnu and gcc-arc-linux-gnu; i386 is built by
# the host's x86_64 gcc, which makes 32-bit kernels without multilib).
config_arch() {
	case "$1" in
	arm64) echo arm64 ;;
	i386)  echo i386 ;;
	arc)   echo arc ;;
	*)     echo x86_64 ;;
	esac
}
cross_prefix() {
	case "$1" in
	arm64) echo aarch64-linux-gnu- ;;
	arc)   echo arc-linux-gnu- ;;
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
