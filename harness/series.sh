# shellcheck shell=bash
# Helpers shared by tree.sh, export.sh and check.sh.  Sourced after lib.sh.

base_tag() { git -C "$TREE" describe --tags --abbrev=0 --match 'base-*' "$BASE_BRANCH"; }

# The patch files of the series, in order, without the cover letter.
series_files() { find "$PATCHES" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-*' | sort; }

# A hash of the series' content as the tree would export it.
patches_hash() { cat $(series_files) /dev/null | sed '/^base-commit:/d' | md5sum | cut -c1-32; }

# format-patch BASE..SERIES into DIR (stable output: zero commit ids, no
# signature, fixed base).  The cover letter takes its subject and text from
# the series branch's description.
export_to() {
	local dir=$1 n
	mkdir -p "$dir"
	n=$(git -C "$TREE" rev-list --count "$BASE_BRANCH..$SERIES_BRANCH")
	[ "$n" -gt 0 ] || return 0
	local cover=()
	if [ -n "$(git -C "$TREE" config "branch.$SERIES_BRANCH.description" || true)" ]; then
		cover=(--cover-letter --cover-from-description=subject)
	fi
	# Recipients as scripts/get_maintainer.pl names them for the whole
	# series: the mailing lists (bare addresses) in To:, the people in Cc:.
	local rcpt=() a
	while IFS= read -r a; do
		case "$a" in
		*'<'*) rcpt+=(--cc="$a") ;;
		*) rcpt+=(--to="$a") ;;
		esac
	done < <(git -C "$TREE" diff "$BASE_BRANCH" "$SERIES_BRANCH" |
		(cd "$TREE" && perl scripts/get_maintainer.pl --no-rolestats --no-git \
			--no-git-fallback --no-tree 2>/dev/null) | grep '@' || true)
	git -C "$TREE" format-patch -q --zero-commit --no-signature --base="$BASE_BRANCH" \
		"${rcpt[@]}" "${cover[@]}" -o "$dir" "$BASE_BRANCH..$SERIES_BRANCH" >/dev/null
	# Cover letter dates are "now": pin them to the last patch's date.
	if [ -f "$dir/0000-cover-letter.patch" ]; then
		local d
		d=$(git -C "$TREE" log -1 --format=%aD "$SERIES_BRANCH")
		sed -i "0,/^Date: .*/s//Date: $d/" "$dir/0000-cover-letter.patch"
	fi
}

# Files the kernel build (make bzImage headers) never reads: the selftests,
# the documentation and the top-level text files.  Kept to an allow-list of
# prefixes, not "everything under tools/": objtool, sorttable and other host
# tools of the build read tools/include, tools/lib, tools/arch, tools/objtool.
# A Kconfig* file is never on it (the top-level Kconfig sources
# Documentation/Kconfig).
NOKERNEL_PATHS='^(Documentation/|tools/testing/selftests/|LICENSES/|MAINTAINERS$|CREDITS$|COPYING$|README$|[.]mailmap$)'

# kernel_files REV: the files REV changes that the kernel build may read
# (empty if it changes none of them).
kernel_files() {
	git -C "$TREE" diff --name-only "$1^" "$1" |
		awk -v re="$NOKERNEL_PATHS" '{ b = $0; sub(/.*\//, "", b) }
			!($0 ~ re) || b ~ /^Kconfig/'
}
