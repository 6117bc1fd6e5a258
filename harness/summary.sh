#!/usr/bin/env bash
# summary.sh RESULTS: count the TAP lines ("ok"/"not ok" at the start of a
# line) of a check run, print the failures and the closing line
# "N passed, N failed"; exit 1 if anything failed or nothing ran.
set -euo pipefail
res=${1:?usage: summary.sh RESULTS}
pass=$(grep -c '^ok ' "$res" || true)
fail=$(grep -c '^not ok ' "$res" || true)
if [ "$fail" -gt 0 ]; then
	echo "failures:"
	grep '^not ok ' "$res" | sed 's/^/  /'
fi
if [ $((pass + fail)) = 0 ]; then
	echo "no test ran"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
