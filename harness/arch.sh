#!/usr/bin/env bash
# arch.sh TARGET...: the series on other page-table shapes (./series arch).
# TARGET is one of
#   arm64        cross-built (Debian's gcc-aarch64-linux-gnu), booted on
#                qemu-system-aarch64's virt machine (TCG, -cpu max): 4K
#                pages, 48-bit VA, 4 levels, contiguous-PTE (contpte)
#                mappings of 64 KiB folios
#   i386         32-bit x86 without PAE (HIGHMEM4G): 2-level paging, P4D,
#                PUD and PMD folded into the PGD; qemu-system-i386
#   x86_64-la57  the fast kernel (CONFIG_X86_5LEVEL) on QEMU's -cpu max,
#                which has LA57: 5-level paging, a real P4D level
#   arc          cross-built only (Debian's gcc-arc-linux-gnu, no QEMU for
#                it): mm/, fs/proc/ and io_uring/, the code the series
#                changes, must compile, at the tip and without warnings
#                (ARC's update_mmu_cache() is the reason, kconfig/arc.config)
#   arm64-mm     cross-built only: mm/ for arm64 (kconfig/arm64.config),
#                without warnings; the 7.3 series' check (BASE=7.3)
#   all          the three that boot
# Each target installs what it needs (apt-get; the target's busybox-static
# and liburing-dev are downloaded with apt-get download and unpacked under
# $OUT/arch/TARGET, never installed), builds the kernel ($OUT/build-TARGET)
# and the guest programs, boots, and runs the series' tests: pagewalk_test,
# guard-pages, contpte-guard (and la57-guard on x86_64-la57; the stress/
# programs on arm64).  TAP lines go to $OUT/arch/results-TARGETS.tap; the
# last line is "N passed, N failed".
. "$(dirname "$0")/lib.sh"

targets=()
for t in "$@"; do
	case "$t" in
	all) targets+=(arm64 i386 x86_64-la57) ;;
	arm64|i386|x86_64-la57|arc|arm64-mm) targets+=("$t") ;;
	*) die "arch.sh: unknown target '$t' (arm64, i386, x86_64-la57, arc, arm64-mm, all)" ;;
	esac
done
[ ${#targets[@]} -gt 0 ] || die "usage: arch.sh arm64|i386|x86_64-la57|arc|arm64-mm|all ..."

dir=$OUT/arch
mkdir -p "$dir"
# one file per set of targets, so that two runs do not mix their counts
res=$dir/results-$(IFS=-; echo "${targets[*]}").tap
: > "$res"
record() { if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi | tee -a "$res"; }
tap() { sed -E -n 's/^(not ok|ok) [0-9]+ /\1 - /p; /^#   /p' | tee -a "$res"; }

# The target's Debian packages that only provide files for the guest or the
# cross build: downloaded and unpacked into $dir/TARGET/sysroot.  The
# foreign architecture is added for the download only, and removed again
# (nothing of it gets installed), so that the host's own apt-get update
# does not depend on the foreign package lists.
fetch_foreign() { # DEBARCH TARGET PACKAGE...
	local debarch=$1 target=$2; shift 2
	local sysroot=$dir/$target/sysroot debs=$dir/$target/debs p missing=()
	mkdir -p "$sysroot" "$debs"
	for p in "$@"; do
		ls "$debs/${p}_"*"_$debarch.deb" >/dev/null 2>&1 || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		local added=
		if ! dpkg --print-foreign-architectures | grep -qx "$debarch"; then
			dpkg --add-architecture "$debarch"; added=1
		fi
		note "arch $target: apt-get download ${missing[*]/%/:$debarch}"
		# A failing index of another architecture (a mirror in sync) must
		# not stop the download: judge by the download itself.
		apt-get update -q >"$LOGS/apt-update-$debarch.log" 2>&1 || true
		(cd "$debs" && apt-get download "${missing[@]/%/:$debarch}") >"$LOGS/apt-download-$debarch.log" 2>&1
		local rc=$?
		[ -z "$added" ] || dpkg --remove-architecture "$debarch" || true
		[ "$rc" = 0 ] || die "apt-get download ${missing[*]} for $debarch failed: $(grep -m1 -E '^E:' "$LOGS/apt-download-$debarch.log" || echo "see $LOGS/apt-download-$debarch.log") (the $debarch package lists: $LOGS/apt-update-$debarch.log)"
	fi
	for p in "$debs"/*.deb; do dpkg-deb -x "$p" "$sysroot"; done
}

# A target that is only cross-built: the directories the series changes
# compile, and give no warning (the build log's "warning:" lines).
build_only() { # TARGET DIR...
	local t=$1 b log n; shift
	b=$(build_dir "$t") log=$LOGS/build-$t.log
	if ! "$TOP/harness/kconfig.sh" "$t" 2>"$dir/build-$t.err" ||
	   ! (use_config_arch "$t"; kmake "$b" "$@") >"$log" 2>&1; then
		grep -E 'error:|Error [0-9]' "$log" | head -20 | sed 's/^/#   /' | tee -a "$res"
		record 1 "$t: cross build of $*: $(tail -1 "$dir/build-$t.err" 2>/dev/null)(log: $log)"
		return
	fi
	n=$(grep -c ': warning:' "$log" || true)
	if [ "$n" = 0 ]; then
		record 0 "$t: $* cross-build without warnings ($(( $(date +%s) - t0 ))s)"
	else
		grep ': warning:' "$log" | head -20 | sed 's/^/#   /' | tee -a "$res"
		record 1 "$t: $* cross-build with $n warnings (log: $log)"
	fi
}

run_target() { # TARGET
	local t=$1 config cpu= scale progs busybox st initrd t0 t1 label=$1
	t0=$(date +%s)
	case "$t" in
	arc)
		"$TOP/harness/deps.sh" gcc-arc-linux-gnu
		build_only arc mm/ fs/proc/ io_uring/
		return ;;
	arm64-mm)
		"$TOP/harness/deps.sh" gcc-aarch64-linux-gnu
		build_only arm64 mm/
		return ;;
	arm64)
		config=arm64 scale=${ARM64_SCALE:-4}
		"$TOP/harness/deps.sh" gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm
		fetch_foreign arm64 arm64 busybox-static liburing-dev
		busybox=$dir/arm64/sysroot/bin/busybox
		# and the guard-page stress programs (stress/: 64-bit only)
		progs=pagewalk_test,guard-pages,contpte-guard,guard-badinput,guard-failnth,guard-fuzz,guard-stress,guard-selfcheck ;;
	i386)
		config=i386 scale=${I386_SCALE:-2}
		"$TOP/harness/deps.sh" gcc-i686-linux-gnu libc6-dev-i386-cross qemu-system-x86
		fetch_foreign i386 i386 busybox-static liburing-dev
		busybox=$dir/i386/sysroot/bin/busybox
		progs=pagewalk_test,guard-pages,contpte-guard ;;
	x86_64-la57)
		config=fast cpu=max scale=1 busybox=/bin/busybox
		progs=pagewalk_test,guard-pages,contpte-guard,la57-guard ;;
	esac
	if ! "$TOP/harness/build.sh" "$config" 2>"$dir/build-$t.err"; then
		cat "$dir/build-$t.err" >&2
		record 1 "$t: build ($config): $(tail -1 "$dir/build-$t.err")"
		return
	fi
	record 0 "$t: build ($config) in $(( $(date +%s) - t0 ))s"
	st=$OUT/selftests-$t initrd=$OUT/initramfs-$t.cpio.gz
	if ! "$TOP/harness/selftests.sh" "$st" "$config" 2>"$dir/selftests-$t.err" ||
	   ! BUSYBOX=$busybox BASH_STATIC= "$TOP/harness/initramfs.sh" "$st" "$initrd" 2>>"$dir/selftests-$t.err"; then
		cat "$dir/selftests-$t.err" >&2
		record 1 "$t: guest programs: $(tail -1 "$dir/selftests-$t.err")"
		return
	fi
	t1=$(date +%s)
	"$TOP/harness/boot.sh" --config "$config" ${cpu:+--cpu "$cpu"} --scale "$scale" \
		--initrd "$initrd" --label "$label" --run "$progs" | tap || true
	note "arch $t: boot took $(( $(date +%s) - t1 ))s (serial log: $LOGS/boot-$label.log)"
	# Tests that skipped (a feature this architecture or config lacks):
	# named, never counted as passed.
	grep -aE '^(ok [0-9]+ .*# SKIP|# SKIP)' "$LOGS/boot-$label.log" |
		sed "s/^/#   $t skipped: /" | tee -a "$res" || true
	# What the guest said about its page tables.
	grep -aE '^# cpuinfo la57|^\[ *[0-9.]+\] (Memory:|HighMem|LowMem|.*PAE|.*paging)' \
		"$LOGS/boot-$label.log" | head -5 | sed 's/^/#   /' >&2 || true
}

"$TOP/harness/deps.sh"
"$TOP/harness/tree.sh"
for t in "${targets[@]}"; do
	note "arch: $t"
	run_target "$t"
done
"$TOP/harness/summary.sh" "$res"
