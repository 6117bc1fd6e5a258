#!/usr/bin/env bash
# selftests.sh [OUTDIR]: build, statically, the programs the guest runs:
# the mm selftests named in suites/*.list, from the kernel tree's own
# tools/testing/selftests/mm, and every program of the repository's bench/
# and stress/ (one .c file each, plus the shared .h files there), all with
# the uapi headers of the fast build.
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

# The repository's own guest programs: OUTDIR/bench/NAME, OUTDIR/stress/NAME.
for d in bench stress; do
	ls "$TOP/$d"/*.c >/dev/null 2>&1 || continue
	mkdir -p "$dest/$d"
	for src in "$TOP/$d"/*.c; do
		prog=$dest/$d/$(basename "$src" .c)
		gcc -static -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -isystem "$hdrs" \
			-I "$TOP/$d" -o "$prog" "$src" -lpthread -lm >>"$log" 2>&1 || {
			grep -E 'error' "$log" | head -20 >&2
			die "build of $d/$(basename "$src") failed (log: $log)"
		}
	done
	note "$d: $(ls "$TOP/$d"/*.c | wc -l) programs -> $dest/$d"
done
