#!/usr/bin/env python3
"""profile.py LOG SYSTEM_MAP [--top N] [--txt OUT]

Per-function tables from bench/guard_prof's output: for each workload, the
kernel functions its /proc/profile samples fall in (System.map of the
kernel that ran), with their share of the workload's samples.  Samples in
the idle loop (the other vCPU) are counted apart and left out of the
shares.

Exit status 2 on unusable input: no workload, no samples, or no System.map
symbol for a sample's address.
"""

import argparse
import bisect
import re
import sys

IDLE = re.compile(r"(^|_)(idle|halt|safe_halt|mwait)|^do_idle$|^cpu_startup_entry$")


def load_map(path):
    """Sorted (address, name) of the text symbols, and _stext's address."""
    syms = []
    stext = None
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            addr, kind, name = int(parts[0], 16), parts[1], parts[2]
            if name == "_stext":
                stext = addr
            if kind in "tTwW":
                syms.append((addr, name))
    if stext is None:
        sys.exit(f"profile.py: {path}: no _stext")
    syms.sort()
    return syms, stext


def lookup(syms, addrs, addr):
    i = bisect.bisect_right(addrs, addr) - 1
    return syms[i][1] if i >= 0 else None


def parse(log):
    """{workload: {"line": summary, "buckets": [(offset, count)]}} in order."""
    out, cur = {}, None
    for raw in open(log, errors="replace"):
        line = raw.strip()
        m = re.match(r"# guard_prof (\w+): (.*)", line)
        if m:
            out.setdefault(m.group(1), {"buckets": []})["line"] = m.group(2)
            continue
        m = re.match(r"# profile (\w+) step=(\d+)", line)
        if m:
            cur = out.setdefault(m.group(1), {"buckets": []})
            continue
        if line.startswith("# profile end"):
            cur = None
            continue
        m = re.match(r"p (\d+) (\d+)$", line)
        if m and cur is not None:
            cur["buckets"].append((int(m.group(1)), int(m.group(2))))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("system_map")
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--txt")
    a = ap.parse_args()

    syms, stext = load_map(a.system_map)
    addrs = [s[0] for s in syms]
    work = parse(a.log)
    if not work:
        print(f"profile.py: {a.log}: no guard_prof workload", file=sys.stderr)
        sys.exit(2)
    lines = []
    for name, w in work.items():
        funcs, idle, total = {}, 0, 0
        for off, n in w["buckets"]:
            f = lookup(syms, addrs, stext + off)
            if f is None:
                print(f"profile.py: no symbol for _stext+{off:#x}", file=sys.stderr)
                sys.exit(2)
            if IDLE.search(f):
                idle += n
                continue
            funcs[f] = funcs.get(f, 0) + n
            total += n
        if not total:
            print(f"profile.py: {name}: no samples outside the idle loop", file=sys.stderr)
            sys.exit(2)
        lines.append(f"{name}: {w.get('line', '?')}")
        lines.append(f"  {total} kernel samples ({idle} more in the idle loop, left out)")
        for f, n in sorted(funcs.items(), key=lambda x: -x[1])[:a.top]:
            lines.append(f"  {100.0 * n / total:5.1f}%  {n:6d}  {f}")
        lines.append("")
    text = "\n".join(lines)
    print(text)
    if a.txt:
        with open(a.txt, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
