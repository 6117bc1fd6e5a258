#!/usr/bin/env bash
# kunit.sh LABEL SUITE SOURCE [FAILING]: boot the base's fast kernel with its
# built-in KUnit suite SUITE run at boot (kunit.enable=1, kunit.filter_glob),
# read the serial log with the tree's own tools/testing/kunit/kunit.py parse
# and print one TAP line per case of SOURCE (its KUNIT_CASE() entries):
# the cases in FAILING (comma-separated) must fail, crash or not get to run
# (a kernel without the fixes they check), every other case must pass, and
# with FAILING empty the boot must also be free of kernel reports.
# Exit status 0 if every line is "ok".
. "$(dirname "$0")/lib.sh"

label=${1:?usage: kunit.sh LABEL SUITE SOURCE [FAILING]} suite=${2:?suite} src=${3:?source}
failing=${4:-}
[ -f "$TREE/$src" ] || die "kunit.sh: no $src in $TREE"
cases=$(sed -n 's/^[[:space:]]*KUNIT_CASE(\([a-z0-9_]*\)),*$/\1/p' "$TREE/$src")
[ -n "$cases" ] || die "kunit.sh: no KUNIT_CASE() in $src"
for c in ${failing//,/ }; do
	grep -qxF "$c" <<<"$cases" || die "kunit.sh: $c is not a case of $src"
done

set +e
"$TOP/harness/boot.sh" --config fast --label "kunit-$label" --timeout 300 \
	--append "kunit.enable=1 kunit.filter_glob=$suite loglevel=7" >/dev/null 2>"$LOGS/kunit-$label.err"
boot_rc=$?
set -e
log=$LOGS/boot-kunit-$label.log json=$LOGS/kunit-$label.json
python3 "$TREE/tools/testing/kunit/kunit.py" parse --json="$json" "$log" \
	>"$LOGS/kunit-$label.txt" 2>&1 || true
[ -s "$json" ] || { echo "not ok - $label: kunit.py parse gave no results (see $LOGS/kunit-$label.txt)"; exit 1; }

rc=0
while read -r c status; do
	if grep -qxF "$c" <<<"${failing//,/$'\n'}"; then
		if [ "$status" = PASS ]; then
			echo "not ok - $label: kunit $suite.$c passes, where it must fail"; rc=1
		else
			echo "ok - $label: kunit $suite.$c fails as it must (${status:-did not run})"
		fi
	elif [ "$status" = PASS ]; then
		echo "ok - $label: kunit $suite.$c"
	else
		echo "not ok - $label: kunit $suite.$c: ${status:-did not run} (see $LOGS/kunit-$label.txt)"; rc=1
	fi
done < <(python3 - "$json" "$suite" $cases <<'EOF'
import json, sys
data = json.load(open(sys.argv[1]))
suite, cases = sys.argv[2], sys.argv[3:]
status = {}
def walk(group):
    for sub in group.get("sub_groups", []):
        if sub.get("name") == suite:
            for t in sub.get("test_cases", []):
                status[t["name"]] = t["status"]
        walk(sub)
walk(data)
for c in cases:
    print(c, status.get(c, ""))
EOF
)
if [ -z "$failing" ] && [ "$boot_rc" != 0 ]; then
	echo "not ok - $label: the KUnit boot was not clean (see $LOGS/boot-kunit-$label.log)"; rc=1
fi
exit $rc
