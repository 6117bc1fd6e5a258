#!/usr/bin/env bash
# base.sh: make sure $TREE holds the pristine base as the first commit of a
# git repository (branch "base", tag base-VERSION), extracted from the
# tarball of the base's Debian package (bases/NAME: installed, or downloaded
# by fetch.sh).  Says in one line when the package is not the version the
# series was tested on.
. "$(dirname "$0")/lib.sh"

if [ "$BASE_GET" = download ]; then
	# Never installed: the .deb (fetch.sh) holds the tarball.
	deb=$("$(dirname "$0")/fetch.sh" "$BASE_SUITE" "$BASE_PKG" "$BASE_VERSION") ||
		die "base: cannot fetch $BASE_PKG from $BASE_SUITE"
	installed=$(dpkg-deb -f "$deb" Version)
else
	installed=$(dpkg-query -W -f='${Version}' "$BASE_PKG" 2>/dev/null || true)
	[ -n "$installed" ] || die "$BASE_PKG is not installed (harness/deps.sh installs $BASE_VERSION)"
	[ -f "$BASE_TARBALL" ] || die "$BASE_TARBALL missing although $BASE_PKG $installed is installed"
fi
if [ "$installed" != "$BASE_VERSION" ]; then
	echo "warning: base is $BASE_PKG $installed, the series was tested on $BASE_VERSION (bases/$BASE)" >&2
fi
tag=base-$(echo "$installed" | tr '~:' '_-')

if [ -d "$TREE/.git" ] && git -C "$TREE" rev-parse -q --verify "refs/tags/$tag" >/dev/null; then
	note "base: $TREE has $tag"
	exit 0
fi
if [ -e "$TREE" ]; then
	[ -d "$TREE/.git" ] && [ -n "$(git -C "$TREE" rev-parse -q --verify "refs/heads/$BASE_BRANCH" || true)" ] &&
		die "$TREE holds a different base than $installed: move it away (or rm -rf it) to re-extract"
	rm -rf "$TREE"
fi
note "base: extracting $(basename "$BASE_TARBALL") ($BASE_PKG $installed) into $TREE"
tmp=$(mktemp -d "$OUT/extract.XXXXXX")
if [ "$BASE_GET" = download ]; then
	dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ".$BASE_TARBALL" | tar -xJf - -C "$tmp"
else
	tar -xf "$BASE_TARBALL" -C "$tmp"
fi
mkdir -p "$(dirname "$TREE")"
mv "$tmp/$BASE_PKG" "$TREE"
rmdir "$tmp"
cd "$TREE"
git init -q -b "$BASE_BRANCH" .
# Debian's top-level .gitignore ignores everything ("/*"); the base commit is
# the tarball as shipped, so add with -f.  New files need "git add -f" too.
git add -f -A .
GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_DATE=$BASE_DATE \
	tree_git commit -q -m "Linux $(make -s kernelversion) from Debian $BASE_PKG $installed"
git tag "$tag"
tree_git config user.name "$SERIES_NAME"
tree_git config user.email "$SERIES_EMAIL"
note "base: $(git log -1 --format='%h %s')"
