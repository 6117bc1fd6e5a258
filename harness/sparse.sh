#!/usr/bin/env bash
# sparse (make C=2), for check.sh: "the series adds no sparse warning".
#
#   sparse.sh files            the kernel C files the series changes, one a
#                              line
#   sparse.sh collect NAME OUT FILE...
#                              run sparse, in the current checkout and the
#                              build directory NAME (fast) as its last build
#                              left it, on those FILEs that exist, and write
#                              its warnings to OUT as "file: message"
#                              (without line numbers, which move), sorted
#   sparse.sh compare BEFORE AFTER
#                              print "ok - ..." if AFTER has no warning that
#                              BEFORE lacks, else "not ok - ..." and the new
#                              warnings; exit status 1 then
#
# check.sh collects at the base and at the tip, on the same files: a warning
# the base already gives (mm/memory.c has some) is not the series'.
#
# The sparse run is Debian 12's, or, for a base whose headers it cannot
# read (bases/NAME: sparse=SUITE; 7.x needs __typeof_unqual__, which
# 0.6.4 lacks), one built from SUITE's source package, kept in
# $SERIES_CACHE (a build of sparse alone takes seconds), with this
# machine's gcc (Debian's patches name its own, gcc-16).
. "$(dirname "$0")/lib.sh"

# The sparse binary to run, built first if need be.
sparse_bin() {
	local suite src bin
	suite=$(base_field sparse)
	if [ -z "$suite" ]; then
		command -v sparse >/dev/null || "$TOP/harness/deps.sh" sparse
		command -v sparse
		return
	fi
	src=$("$TOP/harness/fetch.sh" --source "$suite" sparse) || return 1
	bin=$SERIES_CACHE/$(basename "$src")/sparse
	if [ ! -x "$bin" ]; then
		mkdir -p "$(dirname "$bin")" && rm -rf "$bin.build" && cp -a "$src" "$bin.build" &&
		make -C "$bin.build" -j"$JOBS" CC=gcc sparse >"$LOGS/sparse-build.log" 2>&1 ||
			die "sparse: building $(basename "$src") failed (see $LOGS/sparse-build.log)"
		mv "$bin.build/sparse" "$bin" && rm -rf "$bin.build"
	fi
	echo "$bin"
}

case "${1:-}" in
files)
	tree_git diff --name-only "$BASE_BRANCH" "$SERIES_BRANCH" |
		grep -E '\.c$' | grep -vE '^(tools|scripts|samples|Documentation|usr)/' || true
	;;
collect)
	name=${2:?usage: sparse.sh collect NAME OUT FILE...}
	out=${3:?usage: sparse.sh collect NAME OUT FILE...}
	shift 3
	bin=$(sparse_bin) || exit 1
	b=$(build_dir "$name")
	objs=
	for f in "$@"; do
		[ -f "$TREE/$f" ] && objs="$objs ${f%.c}.o"
	done
	: > "$out"
	[ -n "$objs" ] || exit 0
	log=$LOGS/sparse-$name.log
	# C=2 runs sparse on every object named, whether or not it is rebuilt
	# (it is not: the command line is the build's); -k: an object the
	# config does not build must not hide the others.
	kmake "$b" C=2 CHECK="$bin" -k $objs >"$log" 2>&1 || true
	# The kernel's Makefile checks the checker first and, if it is too
	# old for the tree (7.x needs __typeof_unqual__, which Debian 12's
	# sparse 0.6.4 lacks), warns and builds without it: fail then, an
	# empty list would read as "no warnings".
	if grep -q 'specified, but .* is not available or not up to date' "$log"; then
		echo "error: sparse $("$bin" --version 2>/dev/null) ($bin) cannot check this tree ($(grep -m1 'specified, but' "$log" | sed 's/^[^ ]* //'))" >&2
		exit 2
	fi
	rel=$(realpath -m --relative-to="$b" "$TREE")
	grep -E '^[^ :]+:[0-9]+:[0-9]+: (warning|error):' "$log" |
		sed -E "s#^($TREE|$rel)/##; s/^([^:]+):[0-9]+:[0-9]+:/\\1:/" | sort -u > "$out" || true
	;;
compare)
	before=${2:?usage: sparse.sh compare BEFORE AFTER}
	after=${3:?usage: sparse.sh compare BEFORE AFTER}
	new=$(comm -13 "$before" "$after")
	if [ -z "$new" ]; then
		echo "ok - sparse (C=2) adds no warnings in the files the series changes ($(wc -l < "$after") at the tip, $(wc -l < "$before") at the base)"
	else
		echo "not ok - sparse (C=2) adds warnings"
		echo "$new" | sed 's/^/#   /'
		exit 1
	fi
	;;
*)
	die "usage: sparse.sh files | collect NAME OUT FILE... | compare BEFORE AFTER" ;;
esac
