#!/usr/bin/env bash
# selftests.sh [OUTDIR]: build, statically, the programs the guest runs:
# the mm selftests named in suites/*.list, from the kernel tree's own
# tools/testing/selftests/mm, and every program of the repository's bench/
# and stress/ (one .c file each, plus the shared .h files there), all with
# the uapi headers of the fast build.
#   --mm-only    only the mm selftests (all the base's boot runs)
# selftests.sh --patch REV OUTDIR: build, the same way, only the mm selftest
# programs REV changes (the checked-out tree must be REV): a program whose
# .c file REV changes, or, if REV changes a source or header the programs
# share (vm_util.c, vm_util.h, ...), every mm program of suites/*.list.
# Prints the names built, one line; nothing if REV changes no program.
. "$(dirname "$0")/lib.sh"

mm=$TREE/tools/testing/selftests/mm
hdrs=$(build_dir fast)/usr/include
log=$LOGS/selftests.log
[ -f "$hdrs/linux/mman.h" ] || die "no uapi headers in $hdrs: build the fast kernel first (harness/build.sh fast)"

# The mm selftests of suites/*.list that exist in this revision of the tree
# (the guard-page selftest does not exist on the pristine base).
suite_programs() {
	local p
	for p in $(awk '!/^#/ && NF >= 3 && $3 ~ /^mm\// { sub(/^mm\//, "", $3); print $3 }' \
			"$TOP"/suites/*.list | sort -u); do
		[ -f "$mm/$p.c" ] && echo "$p"
	done
	return 0
}

build_mm() { # DEST PROGRAM...
	local dest=$1; shift
	mkdir -p "$dest/mm"
	make -C "$mm" -j"$JOBS" OUTPUT="$dest/mm" KHDR_INCLUDES="-isystem $hdrs" \
		LDFLAGS=-static "${@/#/$dest/mm/}" >"$log" 2>&1 || {
		grep -E 'error|Error' "$log" | head -20 >&2
		die "selftest build failed (log: $log)"
	}
}

if [ "${1:-}" = --patch ]; then
	rev=${2:?usage: selftests.sh --patch REV OUTDIR}
	dest=$(realpath -m "${3:?usage: selftests.sh --patch REV OUTDIR}")
	changed=$(git -C "$TREE" diff --name-only "$rev^" "$rev" -- tools/testing/selftests/mm |
		sed 's|^tools/testing/selftests/mm/||' | grep -vE '/' || true)
	[ -n "$changed" ] || exit 0
	# The Makefile's own list of programs.
	all=$(make -s --no-print-directory -C "$mm" -f Makefile -f - print-programs 2>/dev/null <<'EOF'
print-programs: ; @echo $(notdir $(TEST_GEN_PROGS) $(TEST_GEN_FILES))
EOF
	) || die "cannot list the programs of $mm/Makefile"
	progs='' shared=''
	for f in $changed; do
		case "$f" in
		*.c) if echo " $all " | grep -qF " ${f%.c} "; then progs="$progs ${f%.c}"; else shared=1; fi ;;
		*.h) shared=1 ;;
		esac
	done
	[ -z "$shared" ] || progs="$progs $(suite_programs | xargs)"
	progs=$(echo $progs | tr ' ' '\n' | sort -u | xargs)
	[ -n "$progs" ] || exit 0
	note "selftests at $(git -C "$TREE" log -1 --format=%h "$rev"): $progs -> $dest/mm"
	# Built again even if make thinks them current: it does not know
	# the headers they were built against.
	for p in $progs; do rm -f "$dest/mm/$p"; done
	# shellcheck disable=SC2086
	build_mm "$dest" $progs
	echo "$progs"
	exit 0
fi

mm_only=
[ "${1:-}" = --mm-only ] && { mm_only=1; shift; }
dest=$(realpath -m "${1:-$OUT/selftests}")
targets=$(suite_programs | xargs)
note "selftests: $(echo $targets | wc -w) programs -> $dest/mm"
# shellcheck disable=SC2086
build_mm "$dest" $targets
[ -z "$mm_only" ] || exit 0

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
