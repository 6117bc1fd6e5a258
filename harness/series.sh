# shellcheck shell=bash
# Helpers shared by tree.sh, export.sh and check.sh.  Sourced after lib.sh.

base_tag() { git -C "$TREE" describe --tags --abbrev=0 --match 'base-*' "$BASE_BRANCH"; }

# The postings of the series (bases/NAME, postings=): folders of $PATCHES,
# each a posting with its own cover letter, applied in the order named,
# each on top of the ones before it.  None: the series is one posting, the
# files of $PATCHES itself.  Each posting is a branch of the tree, named
# after it; the last one's is the series branch.
postings() { echo "${POSTINGS-$(base_field postings)}"; }  # (POSTINGS: the tests' own)
posting_dir() { echo "$PATCHES${1:+/$1}"; }
posting_branch() {
	local last
	last=$(postings | awk '{ print $NF }')
	if [ -z "$1" ] || [ "$1" = "$last" ]; then echo "$SERIES_BRANCH"; else echo "$1"; fi
}
# The postings, one a line; a single empty line when there are none.
posting_list() { local p; p=$(postings); if [ -n "$p" ]; then tr ' ' '\n' <<<"$p"; else echo; fi; }

# The patch files of one posting, in order, without the cover letter.
posting_files() { find "$(posting_dir "$1")" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-*' | sort; }

# The patch files of the series, every posting in order.
series_files() { local p; while IFS= read -r p; do posting_files "$p"; done < <(posting_list); }

# A hash of the series' content as the tree would export it.
patches_hash() { cat $(series_files) /dev/null | sed '/^base-commit:/d' | md5sum | cut -c1-32; }

# format-patch each posting into DIR (DIR/NAME for a posting of a series
# that has several), from the branch before it (the base for the first) to
# its own, as stable output: zero commit ids, no signature, fixed base (a
# later posting lists the ones before it as prerequisite-patch-id).  A
# cover letter takes its subject and text from the branch's description;
# its recipients are those scripts/get_maintainer.pl names for the diff of
# the posting: the mailing lists (bare addresses) in To:, the people in Cc:.
export_to() {
	local dir=$1 p from=$BASE_BRANCH to out n a d
	while IFS= read -r p; do
		to=$(posting_branch "$p") out=$dir${p:+/$p}
		mkdir -p "$out"
		n=$(git -C "$TREE" rev-list --count "$from..$to")
		if [ "$n" -gt 0 ]; then
			local cover=() rcpt=()
			if [ -n "$(git -C "$TREE" config "branch.$to.description" || true)" ]; then
				cover=(--cover-letter --cover-from-description=subject)
			fi
			while IFS= read -r a; do
				case "$a" in
				*'<'*) rcpt+=(--cc="$a") ;;
				*) rcpt+=(--to="$a") ;;
				esac
			done < <(git -C "$TREE" diff "$from" "$to" |
				(cd "$TREE" && perl scripts/get_maintainer.pl --no-rolestats --no-git \
					--no-git-fallback --no-tree 2>/dev/null) | grep '@' || true)
			git -C "$TREE" format-patch -q --zero-commit --no-signature --base="$BASE_BRANCH" \
				"${rcpt[@]}" "${cover[@]}" -o "$out" "$from..$to" >/dev/null
			# Cover letter dates are "now": pin them to the last patch's.
			if [ -f "$out/0000-cover-letter.patch" ]; then
				d=$(git -C "$TREE" log -1 --format=%aD "$to")
				sed -i "0,/^Date: .*/s//Date: $d/" "$out/0000-cover-letter.patch"
			fi
		fi
		from=$to
	done < <(posting_list)
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
