#!/usr/bin/env bash
# selftests.sh [--mm-only] [OUTDIR [CONFIG]]: build, statically, the programs
# the guest runs: the mm selftests named in suites/*.list, from the kernel
# tree's own tools/testing/selftests/mm, and every program of the
# repository's bench/, stress/ and arch/ (one .c file each, plus the shared
# .h files there), all with the uapi headers of the fast build, and those of
# clients/ (harness/clients.sh: linked with glibc 2.43 and with bookworm's).
#   --mm-only    only the mm selftests (all the base's boot runs)
#   --only PROGRAMS   only these mm selftest programs (space-separated)
# HDRS=DIR takes the uapi headers from DIR instead (the guard-page selftest
# of the 6.12 series built for a 7.3 kernel: HDRS=out/7.3/build-fast/...).
#
# With CONFIG arm64 or i386: cross-built (Debian's gcc-aarch64-linux-gnu,
# gcc-i686-linux-gnu) with that build's uapi headers and the target's
# liburing from $OUT/arch/ARCH/sysroot (harness/arch.sh fetches it), and
# only the programs that run there: the mm selftests in $ARCH_PROGS
# (default: guard-pages pagewalk_test), arch/ and, on arm64, stress/.
#
# selftests.sh --patch REV OUTDIR: build, the same way (fast headers), only
# the mm selftest programs REV changes (the checked-out tree must be REV): a
# program whose .c file REV changes, or, if REV changes a source or header
# the programs share (vm_util.c, vm_util.h, ...), every mm program of
# suites/*.list.  Prints the names built, one line; nothing if REV changes
# no program.
. "$(dirname "$0")/lib.sh"

mm=$TREE/tools/testing/selftests/mm

# The mm selftests of suites/*.list that exist in this revision of the tree
# (the guard-page selftest does not exist on the pristine base).
suite_programs() {
	local p
	for p in $(awk '!/^#/ && NF >= 3 && $3 ~ /^mm\// { sub(/^mm\//, "", $3); print $3 }' \
			"$TOP"/suites/*.list | sort -u); do
		[ -f "$mm/$p.c" ] && echo "$p"
	done
	return 0
}

mode= only=
case "${1:-}" in
--patch|--mm-only) mode=$1; shift ;;
--only) mode=--mm-only only=${2:?usage: selftests.sh --only PROGRAMS OUTDIR}; shift 2 ;;
esac
if [ "$mode" = --patch ]; then
	rev=${1:?usage: selftests.sh --patch REV OUTDIR}
	dest=$(realpath -m "${2:?usage: selftests.sh --patch REV OUTDIR}")
	config=fast
else
	dest=$(realpath -m "${1:-$OUT/selftests}")
	config=${2:-fast}
fi
case "$config" in fast|debug|bench) hconfig=fast ;; *) hconfig=$config ;; esac
hdrs=${HDRS:-$(build_dir "$hconfig")/usr/include}
[ -f "$hdrs/linux/mman.h" ] || die "no uapi headers in $hdrs: build the $hconfig kernel first (harness/build.sh $hconfig)"

cc=gcc cross='' dirs="bench stress arch" extra_inc='' extra_ld=''
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
fi
log=$LOGS/selftests${cross:+-$config}.log
# 32-bit: a 64-bit off_t, so that pread() of /proc/self/mem reaches
# addresses above 2 GiB (guard-pages' proc_mem)
lfs=''; [ "$config" = i386 ] && lfs=-D_FILE_OFFSET_BITS=64
# SELFTEST_CFLAGS: more flags for the mm selftests (mainline's built for the
# 6.12 series: -include compat/mainline-on-6.12.h)
lfs=$(echo $lfs ${SELFTEST_CFLAGS:-})

build_mm() { # DEST PROGRAM...
	local dest=$1; shift
	mkdir -p "$dest/mm"
	make -C "$mm" -j"$JOBS" OUTPUT="$dest/mm" ${cross:+ARCH=$march CROSS_COMPILE=$cross CC=$cc} \
		${lfs:+EXTRA_CFLAGS="$lfs"} \
		KHDR_INCLUDES="-isystem $hdrs $extra_inc" LDFLAGS="-static $extra_ld" \
		"${@/#/$dest/mm/}" >"$log" 2>&1 || {
		grep -E 'error|Error' "$log" | head -20 >&2
		die "selftest build failed (log: $log)"
	}
}

if [ "$mode" = --patch ]; then
	changed=$(git -C "$TREE" diff --name-only "$rev^" "$rev" -- tools/testing/selftests/mm |
		sed 's|^tools/testing/selftests/mm/||' | grep -vE '/' || true)
	[ -n "$changed" ] || exit 0
	# The Makefile's own list of programs.
	all=$(make -s --no-print-directory -C "$mm" -f Makefile -f - print-programs 2>/dev/null <<'MK'
print-programs: ; @echo $(notdir $(TEST_GEN_PROGS) $(TEST_GEN_FILES))
MK
	) || die "cannot list the programs of $mm/Makefile"
	progs='' shared=''
	for f in $changed; do
		case "$f" in
		*.c) if echo " $all " | grep -qF " ${f%.c} "; then progs="$progs ${f%.c}"; else shared=1; fi ;;
		*.h) shared=1 ;;
		esac
	done
	[ -z "$shared" ] || progs="$progs $(suite_programs | xargs)"
	progs=$(echo $progs | tr ' ' '\n' | sort -u | xargs)
	[ -n "$progs" ] || exit 0
	note "selftests at $(git -C "$TREE" log -1 --format=%h "$rev"): $progs -> $dest/mm"
	# Built again even if make thinks them current: it does not know
	# the headers they were built against.
	for p in $progs; do rm -f "$dest/mm/$p"; done
	# shellcheck disable=SC2086
	build_mm "$dest" $progs
	echo "$progs"
	exit 0
fi

if [ -n "$cross" ]; then
	targets=
	for p in ${ARCH_PROGS:-guard-pages pagewalk_test}; do
		[ -f "$mm/$p.c" ] && targets="$targets $p"
	done
elif [ -n "$only" ]; then
	targets=$only
	for p in $targets; do
		[ -f "$mm/$p.c" ] || die "selftests: no $p.c in $mm"
	done
else
	targets=$(suite_programs | xargs)
fi
note "selftests${cross:+ ($config)}: $(echo $targets | wc -w) programs -> $dest/mm"
: > "$log"
# shellcheck disable=SC2086
build_mm "$dest" $targets
[ "$mode" != --mm-only ] || exit 0

# The repository's own guest programs: OUTDIR/DIR/NAME.
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
# Real clients of guard pages (clients/), linked with two glibc versions.
[ -n "$cross" ] || "$(dirname "$0")/clients.sh" "$dest"
