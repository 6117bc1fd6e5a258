#!/usr/bin/env bash
# selftests.sh [OUTDIR]: build, statically, the mm selftests that the guest
# runs (every program named in suites/*.list), from the kernel tree's own
# tools/testing/selftests/mm with the uapi headers of the fast build.
. "$(dirname "$0")/lib.sh"

dest=$(realpath -m "${1:-$OUT/selftests}")
hdrs=$(build_dir fast)/usr/include
[ -f "$hdrs/linux/mman.h" ] || die "no uapi headers in $hdrs: build the fast kernel first (harness/build.sh fast)"

progs=$(awk '!/^#/ && NF >= 3 && $3 ~ /^mm\// { sub(/^mm\//, "", $3); print $3 }' \
	"$TOP"/suites/*.list | sort -u)
# Only programs that exist in this revision of the tree (the guard-page
# selftest does not exist on the pristine base).
targets=
for p in $progs; do
	[ -f "$TREE/tools/testing/selftests/mm/$p.c" ] && targets="$targets $dest/mm/$p"
done
mkdir -p "$dest/mm"
log=$LOGS/selftests.log
note "selftests: $(echo $targets | wc -w) programs -> $dest/mm"
make -C "$TREE/tools/testing/selftests/mm" -j"$JOBS" OUTPUT="$dest/mm" \
	KHDR_INCLUDES="-isystem $hdrs" LDFLAGS=-static $targets >"$log" 2>&1 || {
	grep -E 'error|Error' "$log" | head -20 >&2
	die "selftest build failed (log: $log)"
}
