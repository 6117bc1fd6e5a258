#!/bin/sh
# Provoke a real kernel WARNING through LKDTM; the test itself "passes".
echo "TAP version 13"
echo "1..1"
echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT
echo "ok 1 selfcheck provoked a WARNING"
echo "# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0"
