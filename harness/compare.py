#!/usr/bin/env python3
"""compare.py BASE.json TIP.json NAMES: the regression set must give the same
result on the patched tree as on the pristine base: for every test in NAMES,
the same status and the same pass/fail/skip counts.  One TAP line per test."""

import json
import sys


def load(path):
    try:
        with open(path) as f:
            return {t["name"]: t for t in json.load(f)["tests"]}
    except (OSError, ValueError, KeyError):
        return None


def main():
    base, tip, names = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3].split(",")
    bad = 0
    for n, name in enumerate(names, 1):
        b = (base or {}).get(name)
        t = (tip or {}).get(name)
        if b is None or t is None:
            print(f"not ok {n} regression: {name} # no result on "
                  f"{'the base' if b is None else 'the tip'}")
            bad += 1
            continue
        key = lambda r: (r["status"], r["pass"], r["fail"], r["skip"])
        if key(b) == key(t):
            print(f"ok {n} regression: {name} unchanged # {b['status']}: {b['pass']} passed, "
                  f"{b['fail']} failed, {b['skip']} skipped on base and tip")
        else:
            print(f"not ok {n} regression: {name} changed # base {key(b)} -> tip {key(t)}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
