#!/usr/bin/env bash
# check.sh: the test command.  Runs, in order, and records one TAP line per
# check in $OUT/check/results.tap:
#   1. the series applies to the pristine base (git am)
#   2. scripts/checkpatch.pl --strict on every patch, and every mainline
#      commit they cite checked against docs/mainline-commits.txt
#      (harness/citations.py); kernel-doc of every
#      touched file and the mm htmldocs (docs.sh)
#   3. a fast-config build at the base and at every patch (bisectability),
#      and W=1 compiles of the C files each patch changes, which must add
#      no warning (w1.sh); sparse (C=2) on the files the series changes,
#      at the base and at the tip, which must add none either (sparse.sh);
#      the code the series changes cross-built for ARC (arch.sh arc); a patch that changes no file the kernel build reads
#      is not built again, the mm selftest programs it changes are built
#      at it instead; the base is booted with the regression set
#      (reference counts)
#   4. the tip booted (fast config, QEMU -cpu max: 5-level paging) with the
#      regression set, the series' own tests, the guard-page stress
#      programs (suites/stress.list) and contpte-guard and la57-guard
#      (suites/arch.list); the regression counts must equal the base's
#      (booted on qemu64: 4-level paging)
#   5. stock 7.3 (bases/7.3) built and booted with the regression set,
#      mainline's guard-regions selftest, the series' guard-pages (which
#      must fail exactly the cases its header lists for mainline), the
#      bad-input table and the glibc 2.43 client; the pristine base and the
#      tip boot that client too; the 6.12 tip boots mainline's guard-regions
#      (every test that runs must pass; compat/mainline-on-6.12.h lists
#      the tests that skip by design, there and on 7.3)
#   6. the harness's own tests (tests/run.sh), with the tip's fast kernel
#   7. the tip built with the debug config and booted with the debug suite
#      and the -debug stress programs (kmemleak=off), then again with
#      kmemleak on for the -leak stress programs
# and ends with "N passed, N failed".  Exit status 0 only if nothing failed.
#   --quick   skip the debug config (step 7)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series.sh"

[ "$BASE" = 6.12 ] || die "check.sh checks the 6.12 series (and boots 7.3 itself): not BASE=$BASE"
quick=
[ "${1:-}" = --quick ] && quick=1
dir=$OUT/check
rm -rf "$dir"; mkdir -p "$dir"
res=$dir/results.tap
: > "$res"
t0=$(date +%s)
record() { # STATUS(0=ok) TEXT
	if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi | tee -a "$res"
}
tap() { # append TAP lines from a step's output, renumbered as "- "
	sed -E -n 's/^(not ok|ok) [0-9]+ /\1 - /p; /^#   /p' | tee -a "$res"
}
elapsed() { echo "$(( $(date +%s) - t0 ))s"; }
boot_tap() { # LABEL BOOT.SH-ARGS...: a boot's TAP lines; one not ok if it gave none
	local label=$1 out; shift
	out=$("$TOP/harness/boot.sh" --label "$label" "$@" 2>"$dir/boot-$label.err") || true
	tap <<<"$out"
	grep -qE '^(not )?ok ' <<<"$out" ||
		record 1 "$label: the boot gave no result: $(tail -1 "$dir/boot-$label.err")"
}
names() { awk '!/^#/ && NF >= 3 { printf "%s%s", sep, $1; sep = "," }' "$@"; }

"$TOP/harness/deps.sh"

note "[$(elapsed)] series applies"
if "$TOP/harness/tree.sh" 2>"$dir/tree.err"; then
	record 0 "series applies to $BASE_PKG $(base_tree_version) ($(series_files | wc -l) patches)"
else
	record 1 "series applies: $(tail -1 "$dir/tree.err")"
	"$TOP/harness/summary.sh" "$res"; exit 1
fi
cat "$dir/tree.err" >&2

note "[$(elapsed)] checkpatch"
for p in $(series_files); do
	# /usr/bin first: checkpatch's spdxcheck needs Debian's python3-ply.
	# The tree has no mainline history for the ids the messages cite:
	# citations.py checks those against docs/mainline-commits.txt.
	ignore=UNKNOWN_COMMIT_ID
	# tools/include/uapi/ copies uapi headers, which cannot use BIT();
	# checkpatch knows that of include/uapi/ only.
	! grep -q '^+++ b/tools/include/uapi/' "$p" || ignore=$ignore,BIT_MACRO
	if PATH=/usr/bin:$PATH "$TREE/scripts/checkpatch.pl" --strict --quiet --ignore "$ignore" \
		"$p" >"$dir/checkpatch-$(basename "$p").log" 2>&1; then
		record 0 "checkpatch --strict $(basename "$p")"
	else
		record 1 "checkpatch --strict $(basename "$p"): $(grep -E '^total:' "$dir/checkpatch-$(basename "$p").log")"
	fi
done

if python3 "$TOP/harness/citations.py" "$TOP/docs/mainline-commits.txt" $(series_files) \
	>"$dir/citations.log" 2>&1; then
	record 0 "mainline citations: $(tail -1 "$dir/citations.log")"
else
	record 1 "mainline citations: $(head -1 "$dir/citations.log")"
fi

note "[$(elapsed)] documentation"
"$TOP/harness/docs.sh" 2>"$dir/docs.err" | tap || true

regression=$(names "$TOP/suites/regression.list")
own=$(names "$TOP"/suites/series.list 2>/dev/null || true)
# The guard-page stress programs (suites/stress.list): the -debug ones run
# on the debug kernel, the -leak ones on it with kmemleak on, the others on
# the fast one; -long is on demand only.
stress_names() { awk -v want="$1" '!/^#/ && NF >= 3 {
	kind = $1 ~ /-debug$/ ? "debug" : $1 ~ /-leak$/ ? "leak" : $1 ~ /-long$/ ? "long" : "fast"
	if (kind == want) { printf "%s%s", sep, $1; sep = "," } }' "$TOP/suites/stress.list"; }
stress_fast=$(stress_names fast)
stress_debug=$(stress_names debug)
stress_leak=$(stress_names leak)

# Build the base and every patch in turn, in one build directory
# (incremental, ccache).  Boot the base with the regression set.  A patch
# that changes no file the kernel build reads (kernel_files, harness/
# series.sh: only the selftests, Documentation/, MAINTAINERS, ...) leaves
# the kernel as the last build made it: it is not built again, and its
# W=1 warnings are the last build's.
commits=$(git -C "$TREE" rev-list --reverse "$BASE_BRANCH..$SERIES_BRANCH")
# kernel[i]: 1 if commit i (0: the base) changes what the kernel build reads.
kernel=(1)
for c in $commits; do
	if [ -n "$(kernel_files "$c")" ]; then kernel+=(1); else kernel+=(0); fi
done
i=0 built='' built_ok=''
for c in $(git -C "$TREE" rev-parse "$BASE_BRANCH") $commits; do
	tree_git checkout -q --detach "$c"
	what=$([ $i = 0 ] && echo "base" || echo "patch $i: $(git -C "$TREE" log -1 --format=%s)")
	if [ "${kernel[$i]}" = 0 ]; then
		note "[$(elapsed)] patch $i changes no kernel source: no build"
		if [ "$built_ok" = 1 ]; then
			record 0 "build (fast config) at $what: no kernel source changed (the build of $built stands)"
		else
			record 1 "build (fast config) at $what: no kernel source changed, and the build of $built failed"
		fi
		# Same kernel source, same objects: the same W=1 warnings.
		cp "$dir/w1-$((i - 1)).txt" "$dir/w1-$i.txt"
	else
		note "[$(elapsed)] build fast at $what"
		built=$([ $i = 0 ] && echo "the base" || echo "patch $i")
		if "$TOP/harness/build.sh" fast 2>"$dir/build-$i.err"; then
			record 0 "build (fast config) at $what"; built_ok=1
		else
			record 1 "build (fast config) at $what: $(tail -1 "$dir/build-$i.err")"; built_ok=0
		fi
		# W=1: the C files this patch and the next one that changes
		# the kernel change, compiled here; patch i is judged by its
		# files' warnings at i against i - 1.
		next=
		for ((j = i + 1; j < ${#kernel[@]}; j++)); do
			[ "${kernel[$j]}" = 0 ] || { next=$(echo $commits | awk -v n=$j '{ print $n }'); break; }
		done
		files=$( { [ $i = 0 ] || "$TOP/harness/w1.sh" files "$c"
			   [ -z "$next" ] || "$TOP/harness/w1.sh" files "$next"; } | sort -u)
		"$TOP/harness/w1.sh" collect fast "$dir/w1-$i.txt" $files 2>>"$dir/w1.err" || true
		if [ $i -gt 0 ]; then
			"$TOP/harness/w1.sh" compare "$dir/w1-$((i - 1)).txt" "$dir/w1-$i.txt" "$c" \
				2>>"$dir/w1.err" | tee -a "$res" || true
		fi
	fi
	# The mm selftest programs the patch changes build at the patch, with
	# the uapi headers of the kernel as built at it (bisectability of the
	# selftests; the tip builds them all for its boot below).
	if [ $i -gt 0 ] && [ "$built_ok" = 1 ]; then
		if progs=$("$TOP/harness/selftests.sh" --patch "$c" "$dir/selftests-patch" 2>"$dir/selftests-$i.err"); then
			[ -z "$progs" ] || record 0 "mm selftests build at $what: $progs"
		else
			record 1 "mm selftests build at $what: $(tail -1 "$dir/selftests-$i.err")"
		fi
	fi
	if [ $i = 0 ]; then
		# sparse at the base, on the files the series changes; the tip
		# is compared with it below.
		"$TOP/harness/sparse.sh" collect fast "$dir/sparse-base.txt" \
			$("$TOP/harness/sparse.sh" files) 2>>"$dir/sparse.err" ||
			rm -f "$dir/sparse-base.txt"
		note "[$(elapsed)] boot base with the regression set"
		# (and glibc 2.43, which falls back to mprotect() guards here)
		if "$TOP/harness/selftests.sh" --mm-only "$OUT/selftests-base" &&
		   "$TOP/harness/clients.sh" "$OUT/selftests-base" &&
		   "$TOP/harness/initramfs.sh" "$OUT/selftests-base" "$OUT/initramfs-base.cpio.gz"; then
			"$TOP/harness/boot.sh" --config fast --initrd "$OUT/initramfs-base.cpio.gz" \
				--label base --run "$regression,glibc-stacks-fallback,glibc-stacks-control" \
				--retry "$regression" | tap || true
		else
			record 1 "base: selftests/initramfs build"
		fi
	fi
	i=$((i + 1))
done
tree_git checkout -q "$SERIES_BRANCH"

# sparse at the tip (the fast build directory holds the tip's objects), and
# the kernel code the series changes cross-built for ARC (arch.sh arc).
note "[$(elapsed)] sparse at the tip, ARC cross build"
if [ -f "$dir/sparse-base.txt" ] &&
   "$TOP/harness/sparse.sh" collect fast "$dir/sparse-tip.txt" \
	$("$TOP/harness/sparse.sh" files) 2>>"$dir/sparse.err"; then
	"$TOP/harness/sparse.sh" compare "$dir/sparse-base.txt" "$dir/sparse-tip.txt" | tee -a "$res" || true
else
	record 1 "sparse (C=2): $(tail -1 "$dir/sparse.err" 2>/dev/null)"
fi
"$TOP/harness/arch.sh" arc 2>"$dir/arch-arc.err" | grep -E '^(not )?ok - |^#   ' | tee -a "$res" ||
	record 1 "arc: arch.sh arc gave no result: $(tail -1 "$dir/arch-arc.err")"

note "[$(elapsed)] boot tip (fast config)"
"$TOP/harness/selftests.sh" "$OUT/selftests"
"$TOP/harness/initramfs.sh" "$OUT/selftests" "$OUT/initramfs.cpio.gz"
# -cpu max: LA57, so this kernel (CONFIG_X86_5LEVEL) runs 5-level paging,
# which la57-guard asserts from inside the guest (the base and the debug
# kernel boot on qemu64: 4-level).  contpte-guard: guards next to and
# inside 64 KiB folios.
"$TOP/harness/boot.sh" --config fast --cpu max --label fast --retry "$regression" \
	--run "$regression${own:+,$own}${stress_fast:+,$stress_fast},contpte-guard,la57-guard,glibc-stacks,glibc-stacks-control" | tap || true
python3 "$TOP/harness/compare.py" "$LOGS/boot-base.json" "$LOGS/boot-fast.json" "$regression" | tap || true

# Stock mainline (bases/7.3), the peer: built at its base commit and booted
# with the regression set (7.3's reference counts, boot-7.3.json), mainline's
# own guard-regions selftest, which must pass, the 6.12 series' guard-page
# selftest, which must fail exactly the cases its header lists for mainline,
# the series' bad-input table (mainline's errno for every row) and the glibc
# 2.43 client.
note "[$(elapsed)] stock 7.3 (bases/7.3)"
series73() { BASE=7.3 PATCHES=$TOP/patches-7.3 series_files; }  # every posting's patches
m=$(BASE=7.3 bash -c ". '$TOP/harness/lib.sh'; echo \$BASE_DIR") mainline_ok=
if BASE=7.3 "$TOP/harness/tree.sh" 2>"$dir/tree-7.3.err"; then
	record 0 "7.3: stock tree: linux-source-7.3 $(TREE=$m/linux base_tree_version) + patches-7.3/ ($(series73 | wc -l) patches, applied with git am posting by posting: $(BASE=7.3 postings))"
	# Each posting as linux-mm gets it: a cover letter naming 7.3.4 as
	# its base (and the postings before it as prerequisites), and in the
	# fixes, Cc: stable with the first release on every patch that has
	# Fixes:.
	before=0
	while IFS= read -r posting; do
		c=$TOP/patches-7.3/$posting/0000-cover-letter.patch
		np=$(BASE=7.3 PATCHES=$TOP/patches-7.3 posting_files "$posting" | wc -l)
		if [ -f "$c" ] && grep -qx "base-commit: $(git -C "$m/linux" rev-parse base)" "$c" &&
		   [ "$(grep -c '^prerequisite-patch-id: ' "$c")" = "$before" ] &&
		   grep -q "^Subject: \[PATCH 0*0/0*$np\]" "$c"; then
			record 0 "7.3 posting $posting: $np patches, a cover letter with base-commit: 7.3.4 and $before prerequisite patches"
		else
			record 1 "7.3 posting $posting: the cover letter names no 7.3.4 base-commit, or not the $before patches before it, or not $np patches"
		fi
		if [ "$posting" = fixes ]; then
			nostable=$(BASE=7.3 PATCHES=$TOP/patches-7.3 posting_files "$posting" |
				xargs -r grep -L '^Cc: stable@vger.kernel.org # [0-9.]*+$' |
				xargs -r grep -l '^Fixes: ' | xargs -r -n1 basename || true)
			[ -z "$nostable" ] && record 0 "7.3 posting fixes: Cc: stable with a release on every patch with Fixes:" ||
				record 1 "7.3 posting fixes: no Cc: stable with a release in $(echo $nostable)"
		fi
		before=$((before + np))
	done < <(BASE=7.3 posting_list)
	# The 7.3 series as linux-mm gets it: checkpatch with 7.3's own
	for p in $(series73); do
		if PATH=/usr/bin:$PATH "$m/linux/scripts/checkpatch.pl" --strict --quiet --ignore UNKNOWN_COMMIT_ID \
			"$p" >"$dir/checkpatch-7.3-$(basename "$p").log" 2>&1; then
			record 0 "7.3 series: checkpatch --strict $(basename "$p")"
		else
			record 1 "7.3 series: checkpatch --strict $(basename "$p"): $(grep -E '^total:' "$dir/checkpatch-7.3-$(basename "$p").log")"
		fi
	done
	git -C "$m/linux" checkout -q --detach base
	if BASE=7.3 "$TOP/harness/build.sh" fast 2>"$dir/build-7.3.err"; then
		record 0 "7.3: build (fast config) at stock 7.3"; mainline_ok=1
		# sparse at stock 7.3 on the files the 7.3 series changes (with
		# sid's sparse: bases/7.3), for the tip's to be compared with.
		BASE=7.3 "$TOP/harness/sparse.sh" collect fast "$dir/sparse-7.3-base.txt" \
			$(BASE=7.3 "$TOP/harness/sparse.sh" files) 2>>"$dir/sparse-7.3.err" ||
			rm -f "$dir/sparse-7.3-base.txt"
	else
		record 1 "7.3: build (fast config) at stock 7.3: $(tail -1 "$dir/build-7.3.err")"
	fi
else
	record 1 "7.3: stock tree: $(tail -1 "$dir/tree-7.3.err")"
fi
[ -f "$TOP/suites/mainline.list" ] || record 1 "7.3: suites/mainline.list is missing"
# mainline's guard-regions skips exactly these, on 7.3 and on the tip
skips=$(python3 "$TOP/harness/known.py" --skips "$TOP/compat/mainline-on-6.12.h") ||
	record 1 "compat/mainline-on-6.12.h lists the guard-regions tests that skip"
# The 7.3 series' fixes (suites/mainline-fixes.txt): the cases that show
# them fail on stock 7.3 and pass with patches-7.3/.
fixes=$TOP/suites/mainline-fixes.txt nfix=$(series73 | wc -l)
# Every patch of the 7.3 series builds (bisectability), posting by posting
# ("fixes 3", "walker 2"), in order, in the fast build directory: each
# patch that changes what the kernel build reads (kernel_files), but the
# tip, whose build follows.  A patch of selftests or documentation only
# leaves the kernel as the patch before it built it.
bisect73() {
	local from=base posting br c n tip
	tip=$(git -C "$m/linux" rev-parse series)
	while IFS= read -r posting; do
		br=$(BASE=7.3 posting_branch "$posting") n=0
		for c in $(git -C "$m/linux" rev-list --reverse "$from..$br"); do
			n=$((n + 1))
			[ "$c" != "$tip" ] && [ -n "$(TREE=$m/linux kernel_files "$c")" ] || continue
			git -C "$m/linux" checkout -q --detach "$c"
			note "[$(elapsed)] 7.3 series: build fast at $posting $n"
			if BASE=7.3 "$TOP/harness/build.sh" fast 2>"$dir/build-7.3-$posting-$n.err"; then
				record 0 "7.3 series: build (fast config) at $posting $n: $(git -C "$m/linux" log -1 --format=%s)"
			else
				record 1 "7.3 series: build (fast config) at $posting $n: $(git -C "$m/linux" log -1 --format=%s): $(tail -1 "$dir/build-7.3-$posting-$n.err")"
			fi
		done
		from=$br
	done < <(BASE=7.3 posting_list)
	git -C "$m/linux" checkout -q series
}
fixed_cases() { # TEST: the cases of TEST the list names, comma-separated
	awk -v t="$1" '!/^#/ && NF >= 3 && $1 == t { printf "%s%s", sep, $2; sep = "," }' "$fixes"
}
if [ "$nfix" -gt 0 ]; then
	# (a long Subject: header is folded: its continuation lines start
	# with a space)
	subjects=$(series73 | xargs -r awk '
		/^Subject: / { s = $0; folded = 1; next }
		folded && /^ / { s = s $0; next }
		folded { sub(/^Subject: \[PATCH[^]]*\] /, "", s); print s; folded = 0; nextfile }')
	unknown=$(awk '!/^#/ && NF >= 3 { $1 = $2 = ""; sub(/^ +/, ""); print }' "$fixes" | sort -u |
		grep -vxF -f <(echo "$subjects") || true)
	if [ -z "$(fixed_cases guard-regions)$(fixed_cases guard-pages)" ] || [ -n "$unknown" ]; then
		record 1 "7.3 series: suites/mainline-fixes.txt names the cases its fixes pass${unknown:+ (no such patch in patches-7.3/: $unknown)}"
	fi
fi
if [ -n "$mainline_ok" ]; then
	st=$m/selftests
	rm -rf "$st" "$m/selftests-series"
	# mainline's selftests from its own tree at the tip of patches-7.3/
	# (guard-regions as the 7.3 series extends it), the 6.12 series'
	# guard-pages from the 6.12 tip's tree, both with 7.3's uapi headers
	git -C "$m/linux" checkout -q series
	if BASE=7.3 "$TOP/harness/selftests.sh" --mm-only "$st" 2>"$dir/selftests-7.3.err" &&
	   HDRS=$m/build-fast/usr/include "$TOP/harness/selftests.sh" --only guard-pages \
		"$m/selftests-series" 2>>"$dir/selftests-7.3.err" &&
	   cp "$m/selftests-series/mm/guard-pages" "$st/mm/" &&
	   mkdir -p "$st/stress" && cp "$OUT/selftests/stress/guard-badinput" "$st/stress/" &&
	   "$TOP/harness/clients.sh" "$st" 2>>"$dir/selftests-7.3.err" &&
	   BASE=7.3 "$TOP/harness/initramfs.sh" "$st" "$m/initramfs.cpio.gz" 2>>"$dir/selftests-7.3.err"; then
		known=$(python3 "$TOP/harness/known.py" "$TREE/tools/testing/selftests/mm/guard-pages.c") ||
			record 1 "7.3: guard-pages.c lists the tests that fail on mainline"
		fixed=$(fixed_cases guard-regions)
		BASE=7.3 boot_tap 7.3 --config fast --initrd "$m/initramfs.cpio.gz" \
			--retry "$regression" --known "guard-pages=$known" \
			${fixed:+--known "guard-regions=$fixed"} --skips "guard-regions=$skips" \
			--run "$regression,$(names "$TOP/suites/mainline.list"),guard-pages,guard-badinput,glibc-stacks,glibc-stacks-control"
		# The walker's KUnit suite (a patch of the 7.3 series) on stock
		# 7.3 with nothing else added: the cases that the series'
		# walker fixes make pass (suites/mainline-fixes.txt) must fail.
		ksrc=mm/tests/pagewalk_kunit.c
		kpatch=$(git -C "$m/linux" log --format=%H --diff-filter=A base..series -- "$ksrc")
		if [ -n "$kpatch" ]; then
			note "[$(elapsed)] stock 7.3 with the walker's KUnit suite"
			git -C "$m/linux" checkout -q --detach base
			if git -C "$m/linux" cherry-pick "$kpatch" >"$dir/kunit-pick-7.3.log" 2>&1 &&
			   BASE=7.3 "$TOP/harness/build.sh" fast 2>"$dir/build-7.3-kunit.err"; then
				BASE=7.3 "$TOP/harness/kunit.sh" 7.3 pagewalk "$ksrc" "$(fixed_cases kunit-pagewalk)" \
					2>"$dir/kunit-7.3.err" | tee -a "$res" || true
				[ ! -s "$dir/kunit-7.3.err" ] || record 1 "7.3: kunit: $(tail -1 "$dir/kunit-7.3.err")"
			else
				record 1 "7.3: stock with the KUnit suite: $(tail -1 "$dir/kunit-pick-7.3.log" "$dir/build-7.3-kunit.err" 2>/dev/null | tail -1)"
			fi
			git -C "$m/linux" cherry-pick --abort >/dev/null 2>&1 || true
			git -C "$m/linux" checkout -q series
		fi
		# The 7.3 series: its kernel, in the same build directory (only
		# what the series changes is compiled again), with the same
		# programs: guard-regions passes, and guard-pages fails only the
		# cases the series does not fix.
		if [ "$nfix" -gt 0 ]; then
			note "[$(elapsed)] the 7.3 series ($nfix patches)"
			bisect73
			if BASE=7.3 "$TOP/harness/build.sh" fast 2>"$dir/build-7.3-series.err"; then
				record 0 "7.3 series: build (fast config) at the tip of patches-7.3/"
				if [ -f "$dir/sparse-7.3-base.txt" ] &&
				   BASE=7.3 "$TOP/harness/sparse.sh" collect fast "$dir/sparse-7.3-tip.txt" \
					$(BASE=7.3 "$TOP/harness/sparse.sh" files) 2>>"$dir/sparse-7.3.err"; then
					"$TOP/harness/sparse.sh" compare "$dir/sparse-7.3-base.txt" "$dir/sparse-7.3-tip.txt" |
						sed -E 's/^(not ok|ok) - /\1 - 7.3 series: /' | tee -a "$res" || true
				else
					record 1 "7.3 series: sparse (C=2): $(tail -1 "$dir/sparse-7.3.err" 2>/dev/null)"
				fi
				# (the cases not counted, "?NAME", are left out: the
				# series fixes what they would show)
				left=$(tr , '\n' <<<"$known" | grep -v '^?' |
					grep -vxF -f <(fixed_cases guard-pages | tr , '\n') | paste -sd, || true)
				BASE=7.3 boot_tap 7.3-series --config fast --initrd "$m/initramfs.cpio.gz" \
					${left:+--known "guard-pages=$left"} --skips "guard-regions=$skips" \
					--run "$(names "$TOP/suites/mainline.list"),guard-pages,guard-badinput"
				if [ -n "$kpatch" ]; then
					BASE=7.3 "$TOP/harness/kunit.sh" 7.3-series pagewalk "$ksrc" \
						2>"$dir/kunit-7.3-series.err" | tee -a "$res" || true
					[ ! -s "$dir/kunit-7.3-series.err" ] ||
						record 1 "7.3 series: kunit: $(tail -1 "$dir/kunit-7.3-series.err")"
				fi
				# The document and the kernel-doc of the walker
				# posting (docs.sh, as for the 6.12 series)
				out=$(BASE=7.3 "$TOP/harness/docs.sh" 2>"$dir/docs-7.3.err" |
					sed -E 's/^(not ok|ok) [0-9]+ docs: /\1 - 7.3 series: docs: /; s/^(not ok|ok) [0-9]+ /\1 - 7.3 series: /' || true)
				if [ -n "$out" ]; then echo "$out" | tee -a "$res"
				else record 1 "7.3 series: docs.sh gave no result: $(tail -1 "$dir/docs-7.3.err")"; fi
				# The walker's code, and the rest the series
				# touches, cross-built at the tip for ARC (mm/,
				# fs/proc/, io_uring/) and arm64 (mm/).
				note "[$(elapsed)] the 7.3 series cross-built for arc and arm64"
				out=$(BASE=7.3 "$TOP/harness/arch.sh" arc arm64-mm 2>"$dir/arch-7.3.err" |
					grep -E '^(not )?ok - |^#   ' | sed -E 's/^(not ok|ok) - /\1 - 7.3 series: /' || true)
				if [ -n "$out" ]; then echo "$out" | tee -a "$res"
				else record 1 "7.3 series: arch.sh arc arm64-mm gave no result: $(tail -1 "$dir/arch-7.3.err")"; fi
			else
				record 1 "7.3 series: build (fast config): $(tail -1 "$dir/build-7.3-series.err")"
			fi
		fi
	else
		record 1 "7.3: selftests/initramfs build: $(tail -1 "$dir/selftests-7.3.err")"
	fi
	# Mainline's guard-regions on the 6.12 tip: the 7.3 tree's test, the
	# tip's uapi headers and compat/mainline-on-6.12.h (what 6.12 lacks
	# that is not guard-region ABI): every test that runs passes.
	note "[$(elapsed)] mainline's guard-regions on the 6.12 tip"
	if BASE=7.3 HDRS=$(build_dir fast)/usr/include SELFTEST_CFLAGS="-include $TOP/compat/mainline-on-6.12.h" \
		"$TOP/harness/selftests.sh" --only guard-regions "$OUT/selftests-mainline" 2>"$dir/selftests-mainline.err" &&
	   "$TOP/harness/initramfs.sh" "$OUT/selftests-mainline" "$OUT/initramfs-mainline.cpio.gz" 2>>"$dir/selftests-mainline.err"; then
		boot_tap mainline-on-6.12 --config fast --initrd "$OUT/initramfs-mainline.cpio.gz" \
			--skips "guard-regions=$skips" --run guard-regions
	else
		record 1 "mainline-on-6.12: guard-regions build: $(tail -1 "$dir/selftests-mainline.err")"
	fi
fi
[ -z "$m" ] || git -C "$m/linux" checkout -q series 2>/dev/null || true

note "[$(elapsed)] harness self-tests (bad inputs must fail loudly)"
"$TOP/tests/run.sh" 2>"$dir/selftests.err" | tap || true

if [ -z "$quick" ]; then
	note "[$(elapsed)] build and boot tip (debug config)"
	if "$TOP/harness/build.sh" debug 2>"$dir/build-debug.err"; then
		record 0 "build (debug config) at tip"
		# kmemleak (debug.config) slows this kernel down 1.3-2.5x: off
		# here, on in the short boot after it, which scans for leaks.
		"$TOP/harness/boot.sh" --config debug --label debug --scale 10 --append kmemleak=off \
			--retry "$(grep -v '^#' "$TOP/suites/debug.select" | xargs | tr ' ' ,)" \
			--run "$(grep -v '^#' "$TOP/suites/debug.select" | xargs | tr ' ' ,)${own:+,$own}${stress_debug:+,$stress_debug}" | tap || true
		if [ -n "$stress_leak" ]; then
			note "[$(elapsed)] boot tip (debug config, kmemleak on)"
			"$TOP/harness/boot.sh" --config debug --label debug-kmemleak --scale 10 \
				--run "$stress_leak" | tap || true
		fi
	else
		record 1 "build (debug config) at tip: $(tail -1 "$dir/build-debug.err")"
	fi
fi

note "[$(elapsed)] done"
"$TOP/harness/summary.sh" "$res"
