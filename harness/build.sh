#!/usr/bin/env bash
# build.sh NAME [make args...]: configure (kconfig.sh) and build the kernel
# of config NAME out of tree in $OUT/build-NAME; also installs the uapi
# headers there (usr/include) for the selftests.  Extra arguments go to make
# (e.g. W=1).
. "$(dirname "$0")/lib.sh"

name=${1:?usage: build.sh fast|debug|bench|arm64|i386 [make args]}; shift
b=$(build_dir "$name")
"$(dirname "$0")/kconfig.sh" "$name"
use_config_arch "$name"
image=$(basename "$(kernel_image "$name")")
log=$LOGS/build-$name.log
note "build $name ($(tree_git describe --always --tags 2>/dev/null || echo '?'))"
start=$(date +%s)
if ! kmake "$b" "$@" "$image" headers >"$log" 2>&1; then
	grep -E 'error:|Error [0-9]' "$log" | head -20 >&2
	die "kernel build ($name) failed at $(tree_git log -1 --format='%h %s') (log: $log)"
fi
note "build $name: done in $(( $(date +%s) - start ))s"
