#!/usr/bin/env bash
# selftests.sh [OUTDIR [CONFIG]]: build, statically, the programs the guest
# runs: the mm selftests named in suites/*.list, from the kernel tree's own
# tools/testing/selftests/mm, and every program of the repository's bench/,
# stress/ and arch/ (one .c file each, plus the shared .h files there), all
# with the uapi headers of the fast build.
#
# With CONFIG arm64 or i386: cross-built (Debian's gcc-aarch64-linux-gnu,
# gcc-i686-linux-gnu) with that build's uapi headers and the target's
# liburing from $OUT/arch/ARCH/sysroot (harness/arch.sh fetches it), and
# only the programs that run there: the mm selftests in $ARCH_PROGS
# (default: guard-pages pagewalk_test), arch/ and, on arm64, stress/.
. "$(dirname "$0")/lib.sh"

dest=$(realpath -m "${1:-$OUT/selftests}")
config=${2:-fast}
case "$config" in fast|debug|bench) hconfig=fast ;; *) hconfig=$config ;; esac
hdrs=$(build_dir "$hconfig")/usr/include
[ -f "$hdrs/linux/mman.h" ] || die "no uapi headers in $hdrs: build the $hconfig kernel first (harness/build.sh $hconfig)"

cc=gcc cross= dirs="bench stress arch" extra_inc= extra_ld=
mm=$TREE/tools/testing/selftests/mm
case "$config" in
arm64) cross=aarch64-linux-gnu- triplet=aarch64-linux-gnu march=arm64 ;;
i386)  cross=i686-linux-gnu- triplet=i386-linux-gnu march=i386 ;;
esac
if [ -n "$cross" ]; then
	# stress/ assumes 64-bit words in pointers: arm64 only
	cc=${cross}gcc dirs=arch
	[ "$config" = arm64 ] && dirs="stress arch"
	command -v "$cc" >/dev/null || die "$cc missing (harness/arch.sh $config installs it)"
	sysroot=$OUT/arch/$config/sysroot
	progs=${ARCH_PROGS:-guard-pages pagewalk_test}
	# The mm Makefile probes liburing with the host compiler into files in
	# the source directory: write them for the target instead (and remove
	# them afterwards, so that the next host build probes again).
	if [ -f "$sysroot/usr/include/liburing.h" ]; then
		extra_inc="-isystem $sysroot/usr/include" extra_ld="-L$sysroot/usr/lib/$triplet"
		echo "#define LOCAL_CONFIG_HAVE_LIBURING 1" > "$mm/local_config.h"
		echo "IOURING_EXTRA_LIBS = -luring" > "$mm/local_config.mk"
	else
		echo "// No liburing support found" > "$mm/local_config.h"
		printf '# No liburing\nIOURING_EXTRA_LIBS =\n' > "$mm/local_config.mk"
	fi
	trap 'rm -f "$mm/local_config.h" "$mm/local_config.mk"' EXIT
else
progs=$(awk '!/^#/ && NF >= 3 && $3 ~ /^mm\// { sub(/^mm\//, "", $3); print $3 }' \
	"$TOP"/suites/*.list | sort -u)
fi
# Only programs that exist in this revision of the tree (the guard-page
# selftest does not exist on the pristine base).
targets=
for p in $progs; do
	[ -f "$TREE/tools/testing/selftests/mm/$p.c" ] && targets="$targets $dest/mm/$p"
done
mkdir -p "$dest/mm"
log=$LOGS/selftests${cross:+-$config}.log
note "selftests${cross:+ ($config)}: $(echo $targets | wc -w) programs -> $dest/mm"
: > "$log"
# 32-bit: a 64-bit off_t, so that pread() of /proc/self/mem reaches
# addresses above 2 GiB (guard-pages' proc_mem)
lfs=; [ "$config" = i386 ] && lfs=-D_FILE_OFFSET_BITS=64
make -C "$mm" -j"$JOBS" OUTPUT="$dest/mm" ${cross:+ARCH=$march CROSS_COMPILE=$cross CC=$cc} \
	${lfs:+EXTRA_CFLAGS=$lfs} \
	KHDR_INCLUDES="-isystem $hdrs $extra_inc" LDFLAGS="-static $extra_ld" $targets >"$log" 2>&1 || {
	grep -E 'error|Error' "$log" | head -20 >&2
	die "selftest build failed (log: $log)"
}

# The repository's own guest programs: OUTDIR/bench/NAME, OUTDIR/stress/NAME.
for d in $dirs; do
	ls "$TOP/$d"/*.c >/dev/null 2>&1 || continue
	mkdir -p "$dest/$d"
	for src in "$TOP/$d"/*.c; do
		prog=$dest/$d/$(basename "$src" .c)
		$cc -static -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -isystem "$hdrs" \
			-I "$TOP/$d" -o "$prog" "$src" -lpthread -lm >>"$log" 2>&1 || {
			grep -E 'error' "$log" | head -20 >&2
			die "build of $d/$(basename "$src") failed (log: $log)"
		}
	done
	note "$d: $(ls "$TOP/$d"/*.c | wc -l) programs -> $dest/$d"
done
