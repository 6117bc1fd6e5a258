#!/usr/bin/env bash
# export.sh: write the tree's series (base..series) into patches/, replacing
# what is there.  Output is stable: re-exporting unchanged commits gives
# byte-identical files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series.sh"

[ -d "$TREE/.git" ] || die "export: no tree at $TREE (series tree)"
[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] ||
	die "export: $TREE has uncommitted edits; commit them first"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export_to "$tmp"
mkdir -p "$PATCHES"
find "$PATCHES" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' -delete
cp "$tmp"/*.patch "$PATCHES"/ 2>/dev/null || true
patches_hash > "$TREE/.git/series-stamp"
note "export: $(series_files | wc -l) patches$( [ -f "$PATCHES/0000-cover-letter.patch" ] && echo ' + cover letter') in $PATCHES"
