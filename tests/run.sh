#!/usr/bin/env bash
# tests/run.sh [--no-guest]: the harness's own tests.  Each feeds the
# harness a bad input (missing package, impossible config option, patch that
# does not apply, failing / hanging / WARN-ing guest test, ...) and checks
# that it fails loudly and correctly, plus controls that a good input
# passes.  Prints TAP.  The guest tests boot the fast kernel that must
# already be built (out/build-fast) with out/initramfs.cpio.gz.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
H=$TOP/harness
export OUT=${OUT:-$TOP/out}
TREE=${TREE:-$OUT/linux}
scratch=$(mktemp -d "$OUT/selftest.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n harness: $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n harness: $1"; shift; for l in "$@"; do echo "#   $l"; done; }
# expect_fail NAME PATTERN CMD...: CMD must exit non-zero and print PATTERN.
expect_fail() {
	local name=$1 pat=$2; shift 2
	local out rc
	out=$("$@" 2>&1); rc=$?
	judge_fail "$name" "$pat" "$rc" "$out"
}
judge_fail() { # NAME PATTERN EXIT-STATUS OUTPUT
	if [ "$3" != 0 ] && grep -qE -- "$2" <<<"$4"; then ok "$1"
	else notok "$1" "exit $3, expected non-zero and /$2/; output:" "$(tail -5 <<<"$4")"; fi
}
expect_pass() {
	local name=$1 pat=$2; shift 2
	local out rc
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" = 0 ] && grep -qE -- "$pat" <<<"$out"; then ok "$name"
	else notok "$name" "exit $rc, expected 0 and /$pat/; output:" "$(tail -5 <<<"$out")"; fi
}

# --- parse.py on made-up logs ------------------------------------------------
while IFS= read -r l; do
	case "$l" in
	*" ... ok") ok "parse: ${l%% *}" ;;
	*" ... FAIL"|*" ... ERROR") notok "parse: ${l%% *}" ;;
	esac
done < <(python3 "$TOP/tests/test_parse.py" -v 2>&1)

# --- summary.sh ----------------------------------------------------------------
printf 'ok - a\nok - b\n' > "$scratch/good.tap"
printf 'ok - a\nnot ok - b: broken\nok - c\n' > "$scratch/bad.tap"
: > "$scratch/empty.tap"
expect_pass "summary: all ok passes" '^2 passed, 0 failed$' "$H/summary.sh" "$scratch/good.tap"
expect_fail "summary: one not ok fails the run" '^2 passed, 1 failed$' "$H/summary.sh" "$scratch/bad.tap"
expect_fail "summary: nothing ran fails the run" 'no test ran' "$H/summary.sh" "$scratch/empty.tap"

# --- deps.sh ------------------------------------------------------------------
expect_fail "deps: a missing package is named in one line" \
	'^error: missing packages: no-such-package-for-harness-test' \
	"$H/deps.sh" --check no-such-package-for-harness-test
expect_fail "deps: an uninstallable package fails apt-get loudly" \
	'apt-get install failed for: no-such-package-for-harness-test' \
	"$H/deps.sh" no-such-package-for-harness-test

# --- base.sh ------------------------------------------------------------------
expect_pass "base: a different installed version is said in one line" \
	'^warning: base is linux-source-6.12 .*, the series was tested on 0.0-test' \
	env BASE_VERSION_OVERRIDE=0.0-test "$H/base.sh"

# --- bases/ and fetch.sh ------------------------------------------------------
expect_fail "base: an unknown base is named with the known ones" \
	"^error: unknown base 'no-such' \\(known: 6.12 7.3\\)" env BASE=no-such "$H/base.sh"
expect_fail "fetch: a package the suite does not serve is named in one line" \
	'^error: fetch: trixie-backports does not serve no-such-package-for-harness-test' \
	"$H/fetch.sh" trixie-backports no-such-package-for-harness-test
expect_fail "fetch --source: a source package the suite does not serve is named in one line" \
	'^error: fetch: apt-get source no-such-package-for-harness-test from trixie-backports failed \(E: Unable to find a source package' \
	"$H/fetch.sh" --source trixie-backports no-such-package-for-harness-test

# --- citations.py: mainline commits cited in the messages -------------------
printf 'Subject: [PATCH] x\n\nAs in commit 5dba5cc2e0ff ("mm: introduce VM_MAYBE_GUARD\nand make visible in /proc/$pid/smaps").\n---\n' > "$scratch/cite-ok.patch"
expect_pass "citations: a wrapped citation of a listed commit passes" '^1 citations of mainline commits, 0 wrong' \
	python3 "$H/citations.py" "$TOP/docs/mainline-commits.txt" "$scratch/cite-ok.patch"
printf 'Subject: [PATCH] x\n\nFixes: 5dba5cc2e0ff ("mm: add VM_MAYBE_GUARD")\nAnd commit 0123456789ab ("mm: made up").\nAnd commit 64212ba02e66.\n---\n' > "$scratch/cite-bad.patch"
expect_fail "citations: a wrong subject, an unknown id and a bare id are all refused" \
	'^3 citations of mainline commits, 3 wrong' \
	python3 "$H/citations.py" "$TOP/docs/mainline-commits.txt" "$scratch/cite-bad.patch"

# --- known.py: the list of tests that fail on mainline ----------------------
printf '/*\n * Tests.\n *\n * Nothing fails anywhere.\n */\n' > "$scratch/nolist.c"
expect_fail "known: a header without the list fails, naming what it looks for" \
	'lists no tests that fail on mainline' python3 "$H/known.py" "$scratch/nolist.c"
printf '/*\n * On stock Linux 7.3.4 exactly these tests fail:\n *   f.a.x - why,\n *\tgoing on f.b - not a case\n *   f.b.y - why\n *\n *   f.c.z - after the list\n */\n' > "$scratch/list.c"
expect_pass "known: the list ends at the comment's empty line" '^f\.a\.x,f\.b\.y$' \
	python3 "$H/known.py" "$scratch/list.c"

expect_fail "known: --skips on a header without a skip list fails" \
	'lists no tests that skip' python3 "$H/known.py" --skips "$scratch/list.c"
printf '/*\n * These skip by design for their backing:\n *   f.a.x - why\n *   f.b.y - why\n *\n */\n' > "$scratch/skips.c"
expect_pass "known: --skips prints the skip list" '^f\.a\.x,f\.b\.y$' \
	python3 "$H/known.py" --skips "$scratch/skips.c"

# The list is evidence only if a kernel that differs fails it: the series'
# own boot of guard-pages (check.sh boots the tip before these tests) must
# not pass as mainline.
if [ -f "$OUT/logs/boot-fast.log" ] && [ -f "$TREE/tools/testing/selftests/mm/guard-pages.c" ]; then
	expect_fail "known: the series' guard-pages boot does not pass for mainline's" \
		'known to fail [0-9]+ cases, but these failed too: none; and these passed: guard_pages' \
		python3 "$H/parse.py" "$OUT/logs/boot-fast.log" --label series \
		--known "guard-pages=$(python3 "$H/known.py" "$TREE/tools/testing/selftests/mm/guard-pages.c")"
else
	ok "known: the series' guard-pages boot does not pass for mainline's # SKIP no tip boot log (check.sh boots the tip first)"
fi

# A scratch clone of the tree at the base, for the kconfig and tree tests:
# shared objects, and only mm/ and the top-level files checked out.
tree_t=
if git clone -q --shared --no-checkout --branch base "$TREE" "$scratch/linux" 2>/dev/null &&
   git -C "$scratch/linux" sparse-checkout set mm 2>/dev/null &&
   git -C "$scratch/linux" checkout -q base 2>/dev/null; then
	tree_t=$scratch/linux
else
	notok "could not clone $TREE for the kconfig and tree tests"
fi

# --- kconfig.sh ---------------------------------------------------------------
mkdir -p "$scratch/kconfig" "$scratch/kc/build-fast"
cp "$TOP"/kconfig/*.config "$scratch/kconfig/"
# The .config is made again only when something it is made from changed.
# A .config recorded as made (and verified) from the scratch tree's base:
kc() { env KCONFIG_DIR="$scratch/kconfig" BUILD_ROOT="$scratch/kc" TREE="$tree_t" "$H/kconfig.sh" "$@"; }
if [ -n "$tree_t" ]; then
	echo "# CONFIG_HARNESS_TEST is not set" > "$scratch/kc/build-fast/.config"
	echo "$(kc --key fast) $(sha1sum < "$scratch/kc/build-fast/.config" | cut -d' ' -f1)" \
		> "$scratch/kc/build-fast/.config.key"
	cp -p "$scratch/kc/build-fast/.config" "$scratch/kc/config.before"
	out=$(kc fast 2>&1); rc=$?
	if [ "$rc" = 0 ] && grep -q '^==> config fast: unchanged' <<<"$out" &&
	   cmp -s "$scratch/kc/build-fast/.config" "$scratch/kc/config.before" &&
	   ! [ "$scratch/kc/build-fast/.config" -nt "$scratch/kc/config.before" ]; then
		ok "kconfig: an unchanged config is not made again"
	else
		notok "kconfig: an unchanged config was made again" "exit $rc; output:" "$(tail -3 <<<"$out")"
	fi
	stale() { # NAME: kconfig.sh --status must say "stale" now
		local st
		st=$(kc --status fast 2>/dev/null)
		if [ "$st" = stale ]; then ok "kconfig: $1 makes the config again"
		else notok "kconfig: $1 does not make the config again" "status: $st"; fi
	}
	fresh() { # NAME: ... and "unchanged" again once it is undone
		local st
		st=$(kc --status fast 2>/dev/null)
		if [ "$st" = unchanged ]; then ok "kconfig: $1"
		else notok "kconfig: $1" "status: $st"; fi
	}
	echo "# a comment" >> "$scratch/kconfig/fast.config"
	stale "a changed fragment"
	cp "$TOP/kconfig/fast.config" "$scratch/kconfig/fast.config"
	fresh "the fragment restored, the config is unchanged"
	git -C "$tree_t" checkout -q --detach base
	echo "config HARNESS_TEST_OPTION" >> "$tree_t/mm/Kconfig"
	echo "	bool" >> "$tree_t/mm/Kconfig"
	stale "an uncommitted edit of mm/Kconfig"
	git -C "$tree_t" add -f mm/Kconfig
	stale "a staged edit of mm/Kconfig"
	if git -C "$tree_t" -c user.name=T -c user.email=t@example.invalid commit -q -m "mm: a Kconfig option" &&
	   git -C "$tree_t" diff --quiet HEAD; then
		stale "a commit that changes mm/Kconfig"
	else
		notok "kconfig: could not commit a Kconfig change in the scratch tree"
	fi
	git -C "$tree_t" checkout -q base
	fresh "back at the commit it was made at, the config is unchanged"
	echo "CONFIG_HARNESS_TEST=y" >> "$scratch/kc/build-fast/.config"
	stale "a .config changed by hand"
fi
# An impossible option.  The build directory holds a config recorded as made
# from the fragments without it: the changed fragment must make it again.
echo "CONFIG_NO_SUCH_OPTION_FOR_HARNESS_TEST=y" >> "$scratch/kconfig/fast.config"
mkdir -p "$scratch/build-fast"
echo "# CONFIG_HARNESS_TEST is not set" > "$scratch/build-fast/.config"
echo "$(KCONFIG_DIR="$TOP/kconfig" BUILD_ROOT="$scratch" "$H/kconfig.sh" --key fast)" \
	"$(sha1sum < "$scratch/build-fast/.config" | cut -d' ' -f1)" > "$scratch/build-fast/.config.key"
expect_fail "kconfig: an option that does not survive olddefconfig fails the build" \
	'requested CONFIG_NO_SUCH_OPTION_FOR_HARNESS_TEST=y, got: CONFIG_NO_SUCH_OPTION_FOR_HARNESS_TEST absent' \
	env KCONFIG_DIR="$scratch/kconfig" BUILD_ROOT="$scratch" "$H/kconfig.sh" fast
if [ -e "$scratch/build-fast/.config.key" ]; then
	notok "kconfig: a config that failed its check is recorded as made"
else
	ok "kconfig: a config that failed its check is not recorded as made (made again next time)"
fi

# --- tree.sh / export.sh on the scratch clone of the tree -----------------------
if [ -n "$tree_t" ]; then
	export TREE_T=$tree_t
	mkdir -p "$scratch/p-bad"
	cat > "$scratch/p-bad/0001-mm-broken.patch" <<'PATCH'
From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: Test <test@example.invalid>
Date: Sun, 17 Nov 2024 00:00:00 +0000
Subject: [PATCH] mm: a patch that does not apply

---
 mm/pagewalk.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/mm/pagewalk.c b/mm/pagewalk.c
--- a/mm/pagewalk.c
+++ b/mm/pagewalk.c
@@ -1,3 +1,3 @@
-this line is not in the file
+nor is this one
 // SPDX-License-Identifier: GPL-2.0
 #include <linux/pagewalk.h>
PATCH
	expect_fail "tree: a patch that does not apply is named in one line" \
		'^error: tree: (.*/)?p-bad/0001-mm-broken.patch does not apply to linux-source-6.12 .* after 0 patches' \
		env TREE="$TREE_T" PATCHES="$scratch/p-bad" "$H/tree.sh"

	# Round trip: a commit exported, re-applied and exported again is
	# byte-identical (the cover letter's subject folded over two header
	# lines included); unexported work is not thrown away.
	mkdir -p "$scratch/p-rt"
	(cd "$TREE_T" && git checkout -q -B series base &&
	 echo "/* harness round-trip test */" >> mm/pagewalk.c &&
	 git -c user.name=T -c user.email=t@example.invalid commit -q -s -a -m "mm: round trip" &&
	 git config branch.series.description "$(printf 'Round trip of a cover letter whose subject is long enough to be folded\n\nA cover letter.')") &&
	env TREE="$TREE_T" PATCHES="$scratch/p-rt" "$H/export.sh" 2>/dev/null
	cp -r "$scratch/p-rt" "$scratch/p-rt1"
	# From scratch (an up-to-date branch would be kept as it is): the
	# branch and its description are made again from patches/ alone.
	git -C "$TREE_T" checkout -q base && git -C "$TREE_T" branch -q -D series &&
	env TREE="$TREE_T" PATCHES="$scratch/p-rt" "$H/tree.sh" >/dev/null 2>&1 &&
	env TREE="$TREE_T" PATCHES="$scratch/p-rt" "$H/export.sh" 2>/dev/null
	if [ -f "$scratch/p-rt1/0001-mm-round-trip.patch" ] && [ -f "$scratch/p-rt1/0000-cover-letter.patch" ] &&
	   diff -r "$scratch/p-rt1" "$scratch/p-rt" >/dev/null; then
		ok "export: re-applying and re-exporting gives byte-identical patches and cover letter"
	else
		notok "export: round trip is not byte-identical" "$(diff -r "$scratch/p-rt1" "$scratch/p-rt" 2>&1 | head -5)"
	fi
	# Postings (bases/7.3): each into its folder, from the branch below
	# it, the later ones with the earlier as prerequisite-patch-id; the
	# round trip gives the same folders and branches.
	(cd "$TREE_T" && git checkout -q -B series base &&
	 echo "/* posting one */" >> mm/pagewalk.c &&
	 git -c user.name=T -c user.email=t@example.invalid commit -q -s -a -m "mm: posting one" &&
	 git branch -f one && git config branch.one.description "$(printf 'The first posting\n\nOne.')" &&
	 echo "/* posting two */" >> mm/pagewalk.c &&
	 git -c user.name=T -c user.email=t@example.invalid commit -q -s -a -m "mm: posting two" &&
	 git config branch.series.description "$(printf 'The second posting\n\nTwo.')") &&
	env POSTINGS="one two" TREE="$TREE_T" PATCHES="$scratch/p-po" "$H/export.sh" 2>/dev/null
	cp -r "$scratch/p-po" "$scratch/p-po1"
	git -C "$TREE_T" checkout -q base && git -C "$TREE_T" branch -q -D series one &&
	env POSTINGS="one two" TREE="$TREE_T" PATCHES="$scratch/p-po" "$H/tree.sh" >/dev/null 2>&1 &&
	env POSTINGS="one two" TREE="$TREE_T" PATCHES="$scratch/p-po" "$H/export.sh" 2>/dev/null
	if [ -f "$scratch/p-po1/one/0001-mm-posting-one.patch" ] && [ -f "$scratch/p-po1/two/0001-mm-posting-two.patch" ] &&
	   grep -q '^Subject: \[PATCH 0/1\] The second posting' "$scratch/p-po1/two/0000-cover-letter.patch" &&
	   [ "$(grep -c '^prerequisite-patch-id:' "$scratch/p-po1/two/0000-cover-letter.patch")" = 1 ] &&
	   [ "$(grep -c '^prerequisite-patch-id:' "$scratch/p-po1/one/0000-cover-letter.patch")" = 0 ] &&
	   [ "$(git -C "$TREE_T" log -1 --format=%s one)" = "mm: posting one" ] &&
	   diff -r "$scratch/p-po1" "$scratch/p-po" >/dev/null; then
		ok "export: postings go to their folders, each from the branch below it, and round-trip"
	else
		notok "export: postings" "$(ls -R "$scratch/p-po1" 2>&1 | head -5; diff -r "$scratch/p-po1" "$scratch/p-po" 2>&1 | head -5)"
	fi
	git -C "$TREE_T" checkout -q base && git -C "$TREE_T" branch -q -D series one
	env TREE="$TREE_T" PATCHES="$scratch/p-rt" "$H/tree.sh" >/dev/null 2>&1
	(cd "$TREE_T" && echo "/* unexported */" >> mm/pagewalk.c &&
	 git -c user.name=T -c user.email=t@example.invalid commit -q -a -m "mm: unexported")
	expect_fail "tree: refuses to drop commits that are not exported" \
		'has commits that are not in patches/' \
		env TREE="$TREE_T" PATCHES="$scratch/p-rt" "$H/tree.sh"
	(cd "$TREE_T" && echo "/* uncommitted */" >> mm/pagewalk.c)
	expect_fail "export: refuses a tree with uncommitted edits" 'uncommitted edits' \
		env TREE="$TREE_T" PATCHES="$scratch/p-rt" "$H/export.sh"
fi

# --- bench.sh / bench/report.py on made-up serial logs -------------------------
mklog() { # FILE CSV-LINES...: a serial log of one guard_bench run
	local f=$1; shift
	{ printf '### GUEST-START 6.12.0-test 2cpu 4000000kB\r\n'
	  printf '### BEGIN guard_bench timeout=900s t=1.0\r\n'
	  printf '# guard_bench: kernel 6.12.0-test\r\n'
	  for l in "$@"; do printf '%s\r\n' "$l"; done
	  printf '### END guard_bench rc=0 t=2.0\r\n### GUEST-DONE\r\n'; } > "$f"
}
mklog "$scratch/bench-nocsv.log"
expect_fail "bench: a log without the benchmark's CSV fails loudly" \
	"^error: no guard_bench CSV in $scratch/bench-nocsv.log" \
	env OUT="$scratch/bo1" "$H/bench.sh" --from-log "$scratch/bench-nocsv.log"
mklog "$scratch/bench-empty.log" '# guard_bench csv begin' '# kernel=6.12.0-test' \
	'section,metric,method,param,unit,median,min,max,n' '# guard_bench csv end'
expect_fail "bench: a CSV without figures fails loudly" 'CSV in .* has no figures' \
	env OUT="$scratch/bo2" "$H/bench.sh" --from-log "$scratch/bench-empty.log"
mklog "$scratch/bench-good.log" '# guard_bench csv begin' '# kernel=6.12.0-test' '# reps=1' \
	'section,metric,method,param,unit,median,min,max,n' \
	'many,ns_per_guard,madv,30000,ns,1000,1000,1000,1' \
	'many,ns_per_guard,mprotect,30000,ns,3000,3000,3000,1' \
	'many,vmas,madv,30000,count,13,13,13,1' 'many,vmas,mprotect,30000,count,60013,60013,60013,1' \
	'many,max_guards,madv,0,count,131072,131072,131072,1' 'many,max_guards,mprotect,0,count,32759,32759,32759,1' \
	'many,fail_errno,madv,0,errno,0,0,0,1' 'many,fail_errno,mprotect,0,errno,12,12,12,1' \
	'# guard_bench csv end'
if out=$(env OUT="$scratch/bo3" "$H/bench.sh" --from-log "$scratch/bench-good.log" 2>&1) &&
   grep -q '^# config=bench$' "$scratch/bo3/bench/guard_bench.csv" &&
   grep -qE 'install, µs per guard, K=30000 +\| +1 \| +3 \| +- \| +3 ' "$scratch/bo3/bench/guard_bench.txt" &&
   grep -q '32759 (ENOMEM)' "$scratch/bo3/bench/guard_bench.txt" &&
   [ "$(head -c 8 "$scratch/bo3/bench/guard_bench.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ]; then
	ok "bench: a log with a CSV gives the CSV (with the config), the ratio table and a PNG"
else
	notok "bench: a good log did not give CSV, table and PNG" "$(tail -5 <<<"$out")"
fi
cp "$scratch/bo3/bench/guard_bench.csv" "$scratch/before.csv"
sed 's/^many,ns_per_guard,madv,30000,ns,1000,1000,1000,1$/many,ns_per_guard,madv,30000,ns,500,500,500,1/' \
	"$scratch/before.csv" > "$scratch/after.csv"
expect_pass "bench: two CSVs give per-row ratios (after / before)" \
	'\| many +\| ns_per_guard +\| madv +\| +30000 \| +ns \| +1000 \| +500 \| +0.5 \|' \
	python3 "$TOP/bench/report.py" "$scratch/before.csv" "$scratch/after.csv"
expect_fail "bench: report.py refuses a CSV without results" 'no results' \
	python3 "$TOP/bench/report.py" /dev/null
expect_pass "bench: two kernels side by side give both ratios and their ratio" \
	'\| install one by one, K=30000 +\| madv +\| µs/guard +\| +1 \| +1 run \| +0.5 \| +1 run \| +0.5 \| +3 \| +6 \| +0.5 \|' \
	python3 "$TOP/bench/report.py" --peer "$scratch/before.csv" "$scratch/after.csv" \
	--labels A B --txt /dev/stdout
expect_fail "bench: --peer takes no serial log" 'peer takes none of' \
	env OUT="$scratch/bo4" "$H/bench.sh" --peer --from-log "$scratch/bench-good.log"

# --- the guest ----------------------------------------------------------------
if [ "${1:-}" != --no-guest ]; then
	b="$H/boot.sh --config fast --initrd $OUT/initramfs.cpio.gz"
	# The host-side timeout test waits 30 s, its guest idle after the
	# first test: it boots while the others run.
	$b --label st-host --scale 1000 --timeout 30 --run selfcheck-pass,selfcheck-hang \
		>"$scratch/st-host.out" 2>&1 &
	st_host=$!
	expect_pass "guest: a passing test passes (control)" \
		'^ok 2 st-pass: kernel reports # none' $b --label st-pass --run selfcheck-pass
	expect_fail "guest: a failing test fails the run and is shown" \
		'^#   not ok 2 selfcheck fails on purpose' $b --label st-fail --run selfcheck-fail
	expect_fail "guest: a hanging test is killed and named" \
		'^not ok 1 st-hang: selfcheck-hang # timeout' $b --label st-hang --run selfcheck-hang,selfcheck-pass
	expect_fail "guest: a kernel WARNING fails the run although the test passed" \
		'^not ok 2 st-warn: kernel reports .*|#   .*WARNING:' $b --label st-warn --run selfcheck-warn
	wait "$st_host"; rc=$?
	judge_fail "guest: the host-side timeout names the test that was running" \
		'guest did not finish: timeout or crash while running selfcheck-hang' \
		"$rc" "$(cat "$scratch/st-host.out")"
	expect_fail "guest: an unknown test name is refused before booting" \
		"unknown guest test 'no-such-test'" $b --run no-such-test
fi

echo "1..$n"
[ "$failed" = 0 ]
