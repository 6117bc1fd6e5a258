#!/usr/bin/env bash
# kconfig.sh NAME: write $OUT/build-NAME/.config = tinyconfig + fragments,
# merged with the kernel's own merge_config.sh.  Fails if any option a
# fragment asks for did not end up with the requested value.
. "$(dirname "$0")/lib.sh"

name=${1:?usage: kconfig.sh fast|debug}
b=$(build_dir "$name")
frags=$(config_fragments "$name")
mkdir -p "$b"

want=$(cat $frags | md5sum | cut -c1-32)
if [ -f "$b/.config" ] && [ "$(cat "$b/.config.fragments" 2>/dev/null)" = "$want" ] &&
   [ "$b/.config" -nt "$TREE/Makefile" ]; then
	note "config $name: up to date"
else
	note "config $name: tinyconfig + $(for f in $frags; do basename "$f"; done | xargs)"
	kmake "$b" tinyconfig >"$LOGS/kconfig-$name.log" 2>&1 ||
		die "make tinyconfig failed (see $LOGS/kconfig-$name.log)"
	(cd "$TREE" && scripts/kconfig/merge_config.sh -m -O "$b" "$b/.config" $frags) \
		>>"$LOGS/kconfig-$name.log" 2>&1 || die "merge_config.sh failed (see $LOGS/kconfig-$name.log)"
	kmake "$b" olddefconfig >>"$LOGS/kconfig-$name.log" 2>&1 ||
		die "make olddefconfig failed (see $LOGS/kconfig-$name.log)"
	echo "$want" > "$b/.config.fragments"
fi

# Every requested value must be in the final .config.
missing=0
for f in $frags; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) sym=${line%%=*}
			grep -qxF "$line" "$b/.config" || {
				echo "kconfig: $(basename "$f"): requested $line, got: $(grep -E "^(# )?$sym[= ]" "$b/.config" || echo "$sym absent")" >&2
				missing=1; } ;;
		"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *}
			if grep -q "^$sym=" "$b/.config"; then
				echo "kconfig: $(basename "$f"): requested $line, got: $(grep "^$sym=" "$b/.config")" >&2
				missing=1
			fi ;;
		esac
	done < "$f"
done
[ "$missing" = 0 ] || { rm -f "$b/.config.fragments"; die "config $name: requested options did not survive olddefconfig (see above)"; }
