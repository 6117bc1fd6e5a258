#!/bin/sh
echo "TAP version 13"
echo "1..2"
echo "ok 1 selfcheck first"
echo "not ok 2 selfcheck fails on purpose"
echo "# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:0 error:0"
exit 1
