#!/usr/bin/env bash
# tree.sh [--force]: bring the editable tree to "base + patches/".
# Creates the base (base.sh) if needed, then checks out branch "series" at
# the base and applies patches/ with git am.  Refuses to throw away work: if
# the tree's series has commits (or edits) that are not in patches/, it says
# so and stops, unless --force.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series.sh"

force=
[ "${1:-}" = --force ] && force=1
"$(dirname "$0")/base.sh"
stamp=$TREE/.git/series-stamp         # patches_hash of the last apply/export
want=$(patches_hash)

if git -C "$TREE" rev-parse -q --verify "refs/heads/$SERIES_BRANCH" >/dev/null; then
	tmp=$(mktemp -d)
	export_to "$tmp"
	have=$(PATCHES=$tmp patches_hash)
	rm -rf "$tmp"
	dirty=$(git -C "$TREE" status --porcelain --untracked-files=no)
	if [ "$have" = "$want" ] && [ -z "$dirty" ]; then
		echo "$want" > "$stamp"
		tree_git checkout -q "$SERIES_BRANCH"
		note "tree: $SERIES_BRANCH = base + $(series_files | wc -l) patches, up to date"
		exit 0
	fi
	if [ -z "$force" ]; then
		[ -n "$dirty" ] && die "tree: $TREE has uncommitted edits; commit and export them (series export) or use --force to discard"
		[ "$have" != "$(cat "$stamp" 2>/dev/null)" ] &&
			die "tree: $TREE has commits that are not in patches/; export them (series export) or use --force to discard"
	fi
fi

# (Re)apply, posting by posting (series.sh): each posting's branch is the
# one before it plus its patches.  A cover letter's subject and text become
# its branch's description, so that export regenerates it.  A rebase of the
# series branch moves the branches of the postings below it along.
tree_git checkout -q -f -B "$SERIES_BRANCH" "$BASE_BRANCH"
tree_git config rebase.updateRefs true
n=0
while IFS= read -r posting; do
	branch=$(posting_branch "$posting")
	git -C "$TREE" config --unset "branch.$branch.description" || true
	cover=$(posting_dir "$posting")/0000-cover-letter.patch
	if [ -f "$cover" ]; then
		# A long subject is folded over several header lines (RFC 5322):
		# unfold it, or export would cut the subject at its first line.
		desc=$(awk '!hdr_done && subj && /^[ \t]/ { t = $0; sub(/^[ \t]+/, "", t); s = s " " t; next }
			    !hdr_done && subj { print s; print ""; subj = 0 }
			    !hdr_done && /^Subject: / { s = $0; sub(/^Subject: (\[[^]]*\] )?/, "", s); subj = 1; next }
			    body && /^.*\([0-9]+\):$/ { exit }  # shortlog starts: the text is over
			    hdr_done { body = 1; print; next }
			    /^$/ { hdr_done = 1 }' "$cover")
		git -C "$TREE" config "branch.$branch.description" "$desc"
	fi
	for p in $(posting_files "$posting"); do
		if ! tree_git am -q --keep-cr "$p" >"$LOGS/am.log" 2>&1; then
			tree_git am --abort >/dev/null 2>&1 || true
			tree_git checkout -q -f "$BASE_BRANCH"
			die "tree: ${p#"$TOP"/} does not apply to $BASE_PKG $(base_tree_version) after $n patches ($(grep -m1 -E 'error|failed' "$LOGS/am.log" || echo "see $LOGS/am.log"))"
		fi
		n=$((n + 1))
	done
	[ "$branch" = "$SERIES_BRANCH" ] || tree_git branch -f "$branch" HEAD
done < <(posting_list)
echo "$want" > "$stamp"
note "tree: $SERIES_BRANCH = base + $n patches$( [ -n "$(postings)" ] && echo " ($(postings | wc -w) postings: $(postings))")"
