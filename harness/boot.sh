#!/usr/bin/env bash
# boot.sh [options]: boot a built kernel with an initramfs under QEMU (TCG),
# run guest tests, parse the serial log (parse.py).  Exit status: 0 only if
# every test passed, nothing hung and dmesg is clean.
#   --config NAME     kernel build to boot (fast|debug|bench|arm64|i386;
#                     default fast); arm64 boots qemu-system-aarch64's virt
#                     machine, i386 qemu-system-i386
#   --initrd FILE     initramfs (default the base's: out/initramfs.cpio.gz for
#                     6.12, out/7.3/initramfs.cpio.gz for 7.3)
#   --run A,B,C       guest tests to run (names from suites/*.list)
#   --label TEXT      prefix of the TAP lines (default: the config name)
#   --timeout SECS    host-side limit for the whole boot (default: the sum
#                     of the tests' own timeouts times --scale, plus 120)
#   --scale N         multiply per-test timeouts (slow debug kernels)
#   --cpu MODEL       QEMU -cpu (default qemu64: 4-level paging; max: la57;
#                     arm64: max,pauth-impdef=on; i386: qemu32)
#   --shell           interactive: run the tests, then a shell on the console
#   --append ARGS     extra kernel command line
#   --retry NAMES     tests among NAMES (the existing mm selftests of the
#                     regression set, never the series' own) that fail are
#                     run once more in a second boot, if the first one
#                     finished without a kernel report; the report says so
#                     and shows the first run's failure
#   --known NAME=CASES  test NAME passes only if the cases that fail are
#                     exactly CASES (comma-separated; parse.py --known)
#   --skips NAME=CASES  and only if the cases that skip are exactly CASES
#                     (parse.py --skips)
. "$(dirname "$0")/lib.sh"

config=fast initrd=$BASE_DIR/initramfs.cpio.gz run= label= timeout= scale=1 cpu= shell= append= retry=
known=()
while [ $# -gt 0 ]; do
	case "$1" in
	--config) config=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--run) run=$2; shift ;;
	--label) label=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--scale) scale=$2; shift ;;
	--cpu) cpu=$2; shift ;;
	--shell) shell=1 ;;
	--append) append=$2; shift ;;
	--retry) retry=$2; shift ;;
	--known) known+=(--known "$2"); shift ;;
	--skips) known+=(--skips "$2"); shift ;;
	*) die "boot.sh: unknown option $1" ;;
	esac
	shift
done
label=${label:-$config}
kernel=$(kernel_image "$config")
[ -f "$kernel" ] || die "no kernel at $kernel: run harness/build.sh $config"
[ -f "$initrd" ] || die "no initramfs at $initrd: run harness/initramfs.sh"
case "$(config_arch "$config")" in
arm64)
	qemu_bin=qemu-system-aarch64 qemu_pkg=qemu-system-arm console=ttyAMA0
	# pauth-impdef: QEMU's own pointer-authentication hash, much cheaper
	# under TCG than the architected QARMA one
	cpu=${cpu:-max,pauth-impdef=on}
	machine=(-machine virt -accel tcg,thread=multi -m 2G) ;;
i386)
	qemu_bin=qemu-system-i386 qemu_pkg=qemu-system-x86 console=ttyS0
	cpu=${cpu:-qemu32}
	machine=(-machine pc -accel tcg,thread=multi -m 2G) ;;
*)
	qemu_bin=qemu-system-x86_64 qemu_pkg=qemu-system-x86 console=ttyS0
	cpu=${cpu:-qemu64}
	machine=(-machine pc -accel tcg,thread=multi -m 4G) ;;
esac
command -v "$qemu_bin" >/dev/null || die "$qemu_bin missing: apt-get install $qemu_pkg"

# Check the names before booting, and size the host timeout from them.
sum=0
for t in ${run//,/ }; do
	s=$(awk -v n="$t" '!/^#/ && $1 == n { print $2 }' "$TOP"/suites/*.list | head -1)
	[ -n "$s" ] || die "unknown guest test '$t' (see suites/*.list)"
	sum=$((sum + s))
done
timeout=${timeout:-$((sum * scale + 120))}

# no_timer_check: on a loaded host the IO-APIC timer check at boot can take
# too long under TCG and panic ("IO-APIC + timer doesn't work!").
cmdline="console=$console panic=-1 oops=panic loglevel=4 no_timer_check guest.run=$run guest.scale=$scale"
[ -n "$shell" ] && cmdline="$cmdline guest.shell=1"
cmdline="$cmdline $append"
qemu=("$qemu_bin" "${machine[@]}" -cpu "$cpu" -smp 2
      -kernel "$kernel" -initrd "$initrd" -append "$cmdline" -no-reboot)

if [ -n "$shell" ]; then
	exec "${qemu[@]}" -nographic
fi

log=$LOGS/boot-$label.log
note "boot $label: ${run:-no tests} (limit ${timeout}s)"
set +e
timeout -k 10 "$timeout" "${qemu[@]}" -display none -serial file:"$log" -monitor none </dev/null
rc=$?
set -e
[ "$rc" = 124 ] && echo "# boot $label: QEMU killed after ${timeout}s (host-side limit)" >&2
retry_log=
if [ -n "$retry" ] && again=$(python3 "$TOP/harness/parse.py" "$log" --failed-among "$retry") &&
   [ -n "$again" ] && grep -q '^### GUEST-DONE' "$log" && ! grep -q '^### SPLAT ' "$log"; then
	retry_log=$LOGS/boot-$label-retry.log
	sum=0
	for t in ${again//,/ }; do
		sum=$((sum + $(awk -v n="$t" '!/^#/ && $1 == n { print $2 }' "$TOP"/suites/*.list | head -1)))
	done
	note "boot $label (retry of $again, which failed)"
	qemu2=()
	for a in "${qemu[@]}"; do
		[ "$a" = "$cmdline" ] && a=${cmdline/guest.run=$run /guest.run=$again }
		qemu2+=("$a")
	done
	set +e
	timeout -k 10 "$((sum * scale + 120))" "${qemu2[@]}" -display none \
		-serial file:"$retry_log" -monitor none </dev/null
	set -e
fi
python3 "$TOP/harness/parse.py" "$log" --label "$label" --expect "$run" --json "$LOGS/boot-$label.json" \
	${retry_log:+--retry-log "$retry_log"} "${known[@]}"
