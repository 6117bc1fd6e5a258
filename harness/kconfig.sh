#!/usr/bin/env bash
# kconfig.sh NAME: write $OUT/build-NAME/.config = tinyconfig + fragments,
# merged with the kernel's own merge_config.sh.  Fails if any option a
# fragment asks for did not end up with the requested value.  Does nothing
# when nothing the .config is made from changed since it was made.
#   --key      print the key the .config is made from (see below), only
#   --status   print "unchanged" (exit 0) or "stale" (exit 1), only
. "$(dirname "$0")/lib.sh"

mode=
case "${1:-}" in --key|--status) mode=$1; shift ;; esac
name=${1:?usage: kconfig.sh [--key|--status] fast|debug|bench|arm64|i386}
b=$(build_dir "$name")
use_config_arch "$name"
frags=$(config_fragments "$name")

# Regenerate only when something the .config is made from changed: the
# fragments (in order), ARCH, the compiler and linker, this script, and the
# tree's Kconfig* files, scripts/kconfig, the scripts Kconfig runs and the
# tinyconfig fragments.  These change from commit to commit (the series adds
# CONFIG_PAGEWALK_TEST), so the tree's part of the key is git's index (blob
# ids) plus the diff of uncommitted edits: about 0.5 s, against about 30 s
# for tinyconfig + merge_config + olddefconfig.  A new Kconfig file counts
# once it is added (git add -f, as every new file).  The key and the hash of
# the .config it gave are stored in the build directory, written only after
# the requested values were verified below; a .config changed since (by
# hand, or by kbuild's syncconfig) does not match and is regenerated.
srcarch=$ARCH; case "$ARCH" in x86_64|i386) srcarch=x86 ;; esac
kpaths=(':(glob)**/Kconfig*' scripts/kconfig 'scripts/*.sh' kernel/configs "arch/$srcarch/configs" Makefile)
config_key() {
	{
		echo "ARCH=$ARCH"
		"${CROSS_COMPILE:-}gcc" --version 2>&1 | head -1
		"${CROSS_COMPILE:-}ld" --version 2>&1 | head -1
		sha1sum < "$0"
		for f in $frags; do echo "fragment $(basename "$f")"; cat "$f"; done
		git -C "$TREE" ls-files -s -- "${kpaths[@]}"
		git -C "$TREE" diff --no-ext-diff --binary -- "${kpaths[@]}"
	} | sha1sum | cut -d' ' -f1
}
stamp=$b/.config.key
key=$(config_key) || die "config $name: cannot hash the tree's Kconfig files in $TREE"
[ "$mode" != --key ] || { echo "$key"; exit 0; }
if [ -f "$b/.config" ] && [ -f "$stamp" ] &&
   [ "$(cat "$stamp")" = "$key $(sha1sum < "$b/.config" | cut -d' ' -f1)" ]; then
	[ "$mode" != --status ] || echo unchanged
	note "config $name: unchanged (fragments, Kconfig files and compiler as when it was made and verified)"
	exit 0
fi
[ "$mode" != --status ] || { echo "stale"; exit 1; }
mkdir -p "$b"
rm -f "$stamp"

note "config $name ($ARCH): tinyconfig + $(for f in $frags; do basename "$f"; done | xargs)"
log=$LOGS/kconfig-$name.log
kmake "$b" tinyconfig >"$log" 2>&1 || die "make tinyconfig failed (see $log)"
(cd "$TREE" && scripts/kconfig/merge_config.sh -m -O "$b" "$b/.config" $frags) \
	>>"$log" 2>&1 || die "merge_config.sh failed (see $log)"
kmake "$b" olddefconfig >>"$log" 2>&1 || die "make olddefconfig failed (see $log)"

# Every requested value must be in the final .config.  A later fragment
# overrides an earlier one (bench.config turns fast.config's debugging off),
# so only the last request for a symbol counts.
missing=0
defined() { grep -rqs --include='Kconfig*' -E "^(menu)?config ${1#CONFIG_}\$" "$TREE"; }
declare -A want from
order=()
for f in $frags; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) sym=${line%%=*} ;;
		"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *} ;;
		*) continue ;;
		esac
		[ -n "${want[$sym]+set}" ] || order+=("$sym")
		want[$sym]=$line from[$sym]=$(basename "$f")
	done < "$f"
done
for sym in "${order[@]}"; do
	line=${want[$sym]} f=${from[$sym]}
	# The series' own options exist only from the patch that adds them.
	if [ "$f" = series.config ] && ! defined "$sym"; then
		continue
	fi
	# Options of the common fragments that this base's kernel no longer
	# has (bases/NAME: kconfig_gone=): they must really be gone.
	if echo " $(base_field kconfig_gone) " | grep -qF " ${sym#CONFIG_} "; then
		defined "$sym" && die "config $name: bases/$BASE says ${sym#CONFIG_} is gone, but $TREE defines it"
		continue
	fi
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$b/.config" || {
			echo "kconfig: $f: requested $line, got: $(grep -E "^(# )?${sym}[= ]" "$b/.config" || echo "$sym absent")" >&2
			missing=1; } ;;
	*)
		if grep -q "^$sym=" "$b/.config"; then
			echo "kconfig: $f: requested $line, got: $(grep "^$sym=" "$b/.config")" >&2
			missing=1
		fi ;;
	esac
done
[ "$missing" = 0 ] || { die "config $name: requested options did not survive olddefconfig (see above)"; }
echo "$key $(sha1sum < "$b/.config" | cut -d' ' -f1)" > "$stamp"
