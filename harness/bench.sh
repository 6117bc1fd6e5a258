#!/usr/bin/env bash
# bench.sh [options]: boot a built kernel with the guard-page benchmark
# (bench/guard_bench.c, suites/bench.list), take its CSV out of the serial
# log and write, in $OUT/bench:
#   guard_bench.csv   the figures (medians), with the kernel version, the
#                     config name and its relevant options in '#' lines
#   guard_bench.txt   the tables (bench/report.py): headline, every figure,
#                     ratios of the same boot
#   guard_bench.png   the plot (gnuplot), titled with kernel and config
#   guard_bench.log   the guest's own output
# The kernel and the initramfs must be built (./series bench does both).
#   --config NAME      kernel to boot (default bench: fast + series +
#                      kconfig/bench.config, the debug checks off)
#   --quick            the short variant (guard_bench_quick): checks the
#                      pipeline in a minute, figures too noisy to quote
#   --compare OLD.csv  also write guard_bench-compare.txt: this run's
#                      figures divided by OLD's, row by row
#   --from-log LOG     do not boot: take the results from this serial log
#   --profile          instead of the benchmark, boot with profile=0 and run
#                      bench/guard_prof (its workloads in a loop, the kernel's
#                      own sampling profiler on): writes guard_prof.txt, the
#                      kernel functions each workload spends its time in
#                      (bench/profile.py, with the kernel's System.map)
#   --peer             the 6.12 series' kernel and stock 7.3's (bases/7.3),
#                      each built with the same config and booted in turn
#                      with the same guard_bench: writes peer-6.12/ and
#                      peer-7.3/ (each as above) and guard_bench-peer.txt
#                      and .png, every figure on both kernels, absolute and
#                      as the mprotect ratio of its own boot (report.py --peer);
#                      with BASE=7.3 (./series --base 7.3 bench --peer): the
#                      7.3 series against stock 7.3 instead, peer-7.3-series/
#                      and peer-7.3-stock/, guard_bench-peer-7.3.{txt,png}
#   --dest DIR         write into DIR instead of $OUT/bench
#   --initrd FILE      the initramfs to boot (default the base's)
. "$(dirname "$0")/lib.sh"

config=bench test=guard_bench compare= from_log= profile= peer= dest=$OUT/bench
initrd=$BASE_DIR/initramfs.cpio.gz
args=("$@")
while [ $# -gt 0 ]; do
	case "$1" in
	--config) config=$2; shift ;;
	--quick) test=guard_bench_quick ;;
	--compare) compare=$(realpath "$2"); shift ;;
	--from-log) from_log=$2; shift ;;
	--profile) profile=1 test=guard_prof ;;
	--peer) peer=1 ;;
	--dest) dest=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	*) die "bench.sh: unknown option $1" ;;
	esac
	shift
done
[ -z "$compare" ] || [ -f "$compare" ] || die "bench.sh: no CSV at $compare"

# peer_report DIR LABEL DIR LABEL NAME: the two boots' figures side by side,
# $dest/NAME.{txt,png}, each labelled with its kernel's tree revision.
peer_report() {
	local a=$dest/$1 b=$dest/$3 va vb
	va=$(sed -n 's/^# tree=//p' "$a/guard_bench.csv")
	vb=$(sed -n 's/^# tree=//p' "$b/guard_bench.csv")
	python3 "$TOP/bench/report.py" --peer "$a/guard_bench.csv" "$b/guard_bench.csv" \
		--labels "$2 ($va)" "$4 ($vb)" --txt "$dest/$5.txt" --png "$dest/$5.png" ||
		die "bench/report.py --peer failed"
	awk '/^$/ && ++n == 2 { exit } { print }' "$dest/$5.txt"
	note "bench: $dest/$5.{txt,png}, $a/, $b/"
}

if [ -n "$peer" ] && [ "$BASE" = 7.3 ]; then
	# The 7.3 series against stock 7.3: one build directory, the kernel
	# built and booted at the base, then at the series, with the same
	# initramfs and guard_bench.
	[ -z "$profile$compare$from_log" ] || die "bench.sh: --peer takes none of --profile, --compare, --from-log"
	rest=()
	for a in "${args[@]}"; do [ "$a" = --peer ] || rest+=("$a"); done
	"$TOP/harness/tree.sh" || die "bench: no 7.3 tree"
	for k in stock series; do
		if [ "$k" = stock ]; then git -C "$TREE" checkout -q --detach "$BASE_BRANCH"
		else git -C "$TREE" checkout -q "$SERIES_BRANCH"; fi
		"$TOP/harness/build.sh" "$config" || die "bench: the 7.3 $config kernel does not build ($k)"
		"$0" "${rest[@]}" --dest "$dest/peer-7.3-$k" --initrd "$initrd" ||
			die "bench: the 7.3 $k boot failed"
	done
	git -C "$TREE" checkout -q "$SERIES_BRANCH"
	peer_report peer-7.3-series "7.3 + series" peer-7.3-stock "stock 7.3" guard_bench-peer-7.3
	exit 0
fi
if [ -n "$peer" ]; then
	[ -z "$profile$compare$from_log" ] || die "bench.sh: --peer takes none of --profile, --compare, --from-log"
	# The same initramfs (out/initramfs.cpio.gz, from the 6.12 tree: the
	# guest programs are static and use only system calls) on both.
	rest=()
	for a in "${args[@]}"; do [ "$a" = --peer ] || rest+=("$a"); done
	BASE=7.3 "$TOP/harness/tree.sh" || die "bench: no 7.3 tree"
	[ "$BASE" = 6.12 ] || die "bench.sh --peer runs from the 6.12 base (it boots 7.3 itself)"
	t73=$(BASE=7.3 bash -c ". '$TOP/harness/lib.sh'; echo \$TREE")
	git -C "$t73" checkout -q --detach base
	BASE=7.3 "$TOP/harness/build.sh" "$config" || die "bench: the 7.3 $config kernel does not build"
	git -C "$t73" checkout -q series
	for b in 6.12 7.3; do
		BASE=$b "$0" "${rest[@]}" --dest "$dest/peer-$b" --initrd "$initrd" ||
			die "bench: the $b boot failed"
	done
	peer_report peer-6.12 "6.12 + series" peer-7.3 "stock 7.3" guard_bench-peer
	exit 0
fi
mkdir -p "$dest"
b=$(build_dir "$config")

if [ -z "$from_log" ]; then
	log=$LOGS/boot-bench-$config${profile:+-profile}.log
	rc=0
	"$TOP/harness/boot.sh" --config "$config" --initrd "$initrd" --label "bench-$config${profile:+-profile}" \
		${profile:+--append profile=0} --run "$test" || rc=$?
	[ "$rc" = 0 ] || die "benchmark boot failed (see the lines above; serial log: $log)"
else
	log=$from_log
	[ -f "$log" ] || die "bench.sh: no log at $log"
fi

# The guest's output of the test, without the serial console's CRs.
sed -n "/^### BEGIN $test[ \r]/,/^### END $test[ \r]/p" "$log" | tr -d '\r' |
	sed '1d;$d' > "$dest/$([ -n "$profile" ] && echo guard_prof || echo guard_bench).log"
if [ -n "$profile" ]; then
	python3 "$TOP/bench/profile.py" "$dest/guard_prof.log" "$b/System.map" \
		--txt "$dest/guard_prof.txt" || die "bench/profile.py failed (log: $dest/guard_prof.log)"
	note "profile: $dest/guard_prof.txt"
	exit 0
fi
csv=$(sed -n '/^# guard_bench csv begin$/,/^# guard_bench csv end$/p' "$dest/guard_bench.log" | sed '1d;$d')
grep -q '^section,metric,method,param,' <<<"$csv" ||
	die "no guard_bench CSV in $log (between '# guard_bench csv begin' and '# guard_bench csv end')"
grep -q '^[a-z_]*,[a-z_]*,[a-z]*,[0-9]*,' <<<"$csv" ||
	die "the guard_bench CSV in $log has no figures"

# What the plot and the tables say the kernel was.
opt() {
	local v=
	[ -f "$b/.config" ] && v=$(sed -n "s/^CONFIG_$1=//p" "$b/.config")
	echo "$1=${v:-n}"
}
{
	echo "# config=$config"
	echo "# config_fragments=$(for f in $(config_fragments "$config"); do basename "$f"; done | xargs)"
	echo "# config_options=$(opt DEBUG_VM) $(opt PAGE_TABLE_CHECK) $(opt KASAN) $(opt PER_VMA_LOCK) $(opt TRANSPARENT_HUGEPAGE) $(opt HZ)"
	echo "# tree=$(tree_git describe --always --tags 2>/dev/null || echo '?')"
	echo "# qemu=$(qemu-system-x86_64 --version 2>/dev/null | head -1) TCG, 2 vCPUs, 4 GiB"
	echo "$csv"
} > "$dest/guard_bench.csv"

python3 "$TOP/bench/report.py" "$dest/guard_bench.csv" --txt "$dest/guard_bench.txt" \
	--png "$dest/guard_bench.png" || die "bench/report.py failed"
if [ -n "$compare" ]; then
	python3 "$TOP/bench/report.py" "$compare" "$dest/guard_bench.csv" \
		--txt "$dest/guard_bench-compare.txt" || die "bench/report.py (compare) failed"
fi
# The headline: the title and the first table.
awk '/^$/ && ++n == 2 { exit } { print }' "$dest/guard_bench.txt"
note "bench: $dest/guard_bench.{csv,txt,png,log}${compare:+ and guard_bench-compare.txt}"
