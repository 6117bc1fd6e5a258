#!/usr/bin/env bash
# docs.sh: documentation checks of the series, as TAP lines:
#   - scripts/kernel-doc -none reports nothing for any C file or header
#     the series touches (tools/ aside);
#   - scripts/get_maintainer.pl names the memory-management maintainer
#     and linux-mm for every file the series adds (and linux-doc for the
#     document, linux-kselftest for the selftests);
#   - make htmldocs SPHINXDIRS=mm builds, with no warning about the
#     series' document or the kernel-doc it pulls in, and the rendered page
#     has the text and the kernel-doc it should.
. "$(dirname "$0")/lib.sh"

n=0
tapline() { n=$((n + 1)); echo "$1 $n docs: $2"; }

files=$(git -C "$TREE" diff --name-only "$BASE_BRANCH" HEAD -- '*.c' '*.h' | grep -v '^tools/' || true)
for f in $files; do
	[ -f "$TREE/$f" ] || continue
	w=$(cd "$TREE" && scripts/kernel-doc -none "$f" 2>&1 | grep -c 'warning' || true)
	if [ "$w" = 0 ]; then tapline ok "kernel-doc -none $f"
	else
		tapline "not ok" "kernel-doc -none $f: $w warnings"
		(cd "$TREE" && scripts/kernel-doc -none "$f" 2>&1 | head -5 | sed 's/^/#   /')
	fi
done

for f in $(git -C "$TREE" diff --name-only --diff-filter=A "$BASE_BRANCH" HEAD); do
	want="linux-mm@kvack.org akpm@linux-foundation.org"
	case "$f" in
	Documentation/*) want="$want linux-doc@vger.kernel.org" ;;
	tools/testing/selftests/*) want="$want linux-kselftest@vger.kernel.org" ;;
	esac
	got=$(cd "$TREE" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
		--no-rolestats --no-multiline -f "$f" 2>&1 || true)
	missing=
	for w in $want; do
		echo "$got" | grep -qF "$w" || missing="$missing $w"
	done
	if [ -z "$missing" ]; then tapline ok "get_maintainer.pl $f: $want"
	else tapline "not ok" "get_maintainer.pl $f lacks:$missing (got: $got)"
	fi
done

doc=Documentation/mm/page_table_walk.rst
if [ ! -f "$TREE/$doc" ]; then
	tapline "not ok" "$doc does not exist"
	exit 1
fi
b=$BASE_DIR/build-docs
log=$LOGS/htmldocs.log
mkdir -p "$b"
if ! make -C "$TREE" O="$b" SPHINXDIRS=mm htmldocs >"$log" 2>&1; then
	tapline "not ok" "make htmldocs SPHINXDIRS=mm failed (log: $log)"
	grep -iE 'error' "$log" | head -5 | sed 's/^/#   /'
	exit 1
fi
# Warnings about other documents are the base's (a partial SPHINXDIRS
# build cannot resolve links to the rest of the tree); ours must have none.
ours=$(grep -iE 'warning|error' "$log" |
	grep -E 'page_table_walk\.rst|pagewalk\.[ch]|mm/madvise\.c|mm/index\.rst:[0-9]+: WARNING: toctree' || true)
if [ -z "$ours" ]; then
	tapline ok "make htmldocs SPHINXDIRS=mm: no warning about $doc or the pagewalk kernel-doc"
else
	tapline "not ok" "make htmldocs SPHINXDIRS=mm warns about the series' documentation"
	echo "$ours" | head -10 | sed 's/^/#   /'
fi
html=$b/Documentation/output/mm/page_table_walk.html
if python3 "$TOP/harness/htmltext.py" "$html" >"$LOGS/page_table_walk.txt" 2>/dev/null; then
	missing=
	# what the page must show: its sections, the callback, and the
	# kernel-doc of the base's walker (6.12's document also pulls in
	# madvise.c's; 7.3's points at it)
	case "$BASE" in
	6.12) wants=("int walk_page_range_mm(struct mm_struct *mm"
		     "long madvise_guard_install(struct vm_area_struct *vma") ;;
	*) wants=("int walk_page_range(struct mm_struct *mm" "struct folio_walk"
		  "Example: guard regions") ;;
	esac
	for want in "Generic Page Table Walker" "Installing entries" \
		    "struct mm_walk_ops" "install_ptes" "Return" "${wants[@]}"; do
		grep -qF "$want" "$LOGS/page_table_walk.txt" || missing="$missing '$want'"
	done
	if [ -z "$missing" ]; then
		tapline ok "rendered page_table_walk.html has its sections and the pagewalk kernel-doc ($(wc -w < "$LOGS/page_table_walk.txt") words)"
	else
		tapline "not ok" "rendered page_table_walk.html lacks:$missing"
	fi
else
	tapline "not ok" "no rendered page at $html"
fi
