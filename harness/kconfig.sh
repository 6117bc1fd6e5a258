#!/usr/bin/env bash
# kconfig.sh NAME: write $OUT/build-NAME/.config = tinyconfig + fragments,
# merged with the kernel's own merge_config.sh.  Fails if any option a
# fragment asks for did not end up with the requested value.
. "$(dirname "$0")/lib.sh"

name=${1:?usage: kconfig.sh fast|debug|bench|arm64|i386}
b=$(build_dir "$name")
use_config_arch "$name"
frags=$(config_fragments "$name")
mkdir -p "$b"

# Always regenerate: the tree's Kconfig changes from commit to commit.
# Kbuild compares the resulting auto.conf, so an unchanged config rebuilds
# nothing.
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
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$b/.config" || {
			echo "kconfig: $f: requested $line, got: $(grep -E "^(# )?$sym[= ]" "$b/.config" || echo "$sym absent")" >&2
			missing=1; } ;;
	*)
		if grep -q "^$sym=" "$b/.config"; then
			echo "kconfig: $f: requested $line, got: $(grep "^$sym=" "$b/.config")" >&2
			missing=1
		fi ;;
	esac
done
[ "$missing" = 0 ] || { die "config $name: requested options did not survive olddefconfig (see above)"; }
