#!/usr/bin/env bash
# W=1 warnings, for check.sh's per-patch check ("each patch builds with W=1
# adding no warnings").  Two commands:
#
#   w1.sh files REV            the kernel C files REV changes (for a commit
#                              that changes only kernel headers: every C
#                              file the series changes), one per line
#   w1.sh collect NAME OUT FILE...
#                              compile, in the current checkout and build
#                              directory NAME (fast), those FILEs that exist
#                              with W=1, and write the warnings to OUT as
#                              "file: message" (without line numbers, which
#                              move), sorted
#   w1.sh compare BEFORE AFTER REV
#                              print "ok - ..." if AFTER has no warning that
#                              BEFORE lacks about a file REV changes, else
#                              "not ok - ..." and the new warnings; exit
#                              status 1 then
. "$(dirname "$0")/lib.sh"

not_kernel='^(tools|scripts|samples|Documentation|usr)/'
kernel_c() { grep -E '\.c$' | grep -vE "$not_kernel" || true; }

case "${1:-}" in
files)
	rev=${2:?usage: w1.sh files REV}
	changed=$(tree_git diff --name-only "$rev^" "$rev")
	c=$(echo "$changed" | kernel_c)
	if [ -z "$c" ] && echo "$changed" | grep -vE "$not_kernel" | grep -qE '\.h$'; then
		c=$(tree_git diff --name-only "$BASE_BRANCH" "$SERIES_BRANCH" | kernel_c)
	fi
	[ -z "$c" ] || echo "$c"
	;;
collect)
	name=${2:?usage: w1.sh collect NAME OUT FILE...}
	out=${3:?usage: w1.sh collect NAME OUT FILE...}
	shift 3
	b=$(build_dir "$name")
	# The assembler output (.s), not the object: the compiler's warnings
	# are the same, and the objects the kernel is linked from keep the
	# command line they were built with.  Building the .o files with W=1
	# made the next build compile them again (W=1 is in their command
	# line), link vmlinux and make bzImage again, and left them W=1 at the
	# tip, for the next build to redo.  Removed first so that each one is
	# compiled (and its warnings printed; ccache replays them) every time.
	objs=
	for f in "$@"; do
		[ -f "$TREE/$f" ] || continue
		objs="$objs ${f%.c}.s"
		rm -f "$b/${f%.c}.s"
	done
	: > "$out"
	[ -n "$objs" ] || exit 0
	log=$LOGS/w1-$name.log
	# -k: a file the config does not build must not hide the others.
	kmake "$b" W=1 -k $objs >"$log" 2>&1 || true
	for o in $objs; do rm -f "$b/$o"; done
	# Paths are absolute, or relative to the build directory where ccache
	# (CCACHE_BASEDIR) made them so: both become relative to the tree.
	rel=$(realpath -m --relative-to="$b" "$TREE")
	grep -E '^[^ :]+:[0-9]+:[0-9]+: warning:' "$log" |
		sed -E "s#^($TREE|$rel)/##; s/^([^:]+):[0-9]+:[0-9]+:/\\1:/" | sort -u > "$out" || true
	;;
compare)
	before=${2:?usage: w1.sh compare BEFORE AFTER REV}
	after=${3:?usage: w1.sh compare BEFORE AFTER REV}
	rev=${4:?usage: w1.sh compare BEFORE AFTER REV}
	subject=$(tree_git log -1 --format=%s "$rev")
	changed=$(tree_git diff --name-only "$rev^" "$rev")
	new=$(comm -13 "$before" "$after" | grep -F -f <(echo "$changed") || true)
	if [ -z "$new" ]; then
		echo "ok - W=1 adds no warnings: $subject ($(wc -l < "$after") warnings in the objects built, none new)"
	else
		echo "not ok - W=1 adds warnings: $subject"
		echo "$new" | sed 's/^/#   /'
		exit 1
	fi
	;;
*)
	die "usage: w1.sh files REV | collect NAME OUT FILE... | compare BEFORE AFTER REV" ;;
esac
