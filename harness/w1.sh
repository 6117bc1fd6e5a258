#!/usr/bin/env bash
# W=1 warnings, for check.sh's per-patch check ("each patch builds with W=1
# adding no warnings").  Two commands:
#
#   w1.sh files REV            the kernel C files REV changes (for a commit
#                              that changes only headers: every C file the
#                              series changes), one per line
#   w1.sh collect NAME OUT FILE...
#                              build, in the current checkout and build
#                              directory NAME (fast), the objects of those
#                              FILEs that exist with W=1, and write the
#                              warnings to OUT as "file: message" (without
#                              line numbers, which move), sorted
#   w1.sh compare BEFORE AFTER REV
#                              print "ok - ..." if AFTER has no warning that
#                              BEFORE lacks about a file REV changes, else
#                              "not ok - ..." and the new warnings; exit
#                              status 1 then
. "$(dirname "$0")/lib.sh"

kernel_c() { grep -E '\.c$' | grep -vE '^(tools|scripts|samples|Documentation|usr)/' || true; }

case "${1:-}" in
files)
	rev=${2:?usage: w1.sh files REV}
	changed=$(tree_git diff --name-only "$rev^" "$rev")
	c=$(echo "$changed" | kernel_c)
	if [ -z "$c" ] && echo "$changed" | grep -qE '\.h$'; then
		c=$(tree_git diff --name-only "$BASE_BRANCH" "$SERIES_BRANCH" | kernel_c)
	fi
	[ -z "$c" ] || echo "$c"
	;;
collect)
	name=${2:?usage: w1.sh collect NAME OUT FILE...}
	out=${3:?usage: w1.sh collect NAME OUT FILE...}
	shift 3
	objs=
	for f in "$@"; do
		[ -f "$TREE/$f" ] && objs="$objs ${f%.c}.o"
	done
	: > "$out"
	[ -n "$objs" ] || exit 0
	log=$LOGS/w1-$name.log
	# -k: an object the config does not build must not hide the others.
	kmake "$(build_dir "$name")" W=1 -k $objs >"$log" 2>&1 || true
	grep -E '^[^ :]+:[0-9]+:[0-9]+: warning:' "$log" |
		sed -E "s|^$TREE/||; s/^([^:]+):[0-9]+:[0-9]+:/\\1:/" | sort -u > "$out" || true
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
