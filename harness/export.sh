#!/usr/bin/env bash
# export.sh: write the tree's series (base..series) into patches/, replacing
# what is there, each posting into its folder (series.sh).  Output is
# stable: re-exporting unchanged commits gives byte-identical files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series.sh"

[ -d "$TREE/.git" ] || die "export: no tree at $TREE (series tree)"
[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] ||
	die "export: $TREE has uncommitted edits; commit them first"
# Each posting's branch must lie on the series branch (a rebase with
# rebase.updateRefs, which tree.sh sets, keeps it so).
while IFS= read -r posting; do
	branch=$(posting_branch "$posting")
	git -C "$TREE" merge-base --is-ancestor "$branch" "$SERIES_BRANCH" 2>/dev/null ||
		die "export: branch $branch (posting $posting) is not below $SERIES_BRANCH: rebase it there"
done < <(posting_list)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export_to "$tmp"
summary=
while IFS= read -r posting; do
	dir=$(posting_dir "$posting")
	mkdir -p "$dir"
	find "$dir" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' -delete
	cp "$tmp${posting:+/$posting}"/*.patch "$dir"/ 2>/dev/null || true
	summary="$summary${summary:+, }$(posting_files "$posting" | wc -l) patches$( [ -f "$dir/0000-cover-letter.patch" ] && echo ' + cover letter') in ${dir#"$TOP"/}"
done < <(posting_list)
patches_hash > "$TREE/.git/series-stamp"
note "export: $summary"
