#!/usr/bin/env python3
"""report.py CSV [CSV_AFTER] [--txt OUT] [--png OUT] [--markdown]
   report.py --peer A.csv B.csv [--labels LABEL_A LABEL_B] [--txt OUT] [--png OUT]

Tables and a plot from guard_bench's CSV (bench/guard_bench.c).

With one CSV: the headline figures, then every figure, one line per
(section, metric, param) with a column per method and the PROT_NONE
methods' figures divided by the guard pages' (madv) one -- ratios taken in
the same boot, which are what mean something under QEMU without KVM.  For
contention the reference is the run without a toggling thread.

With two CSVs (say the same benchmark on two kernels): every figure of the
first, of the second, and second / first, row by row; rows that only one
has are listed as such.  Compare ratios of the same boot first; absolute
figures of two boots differ with the host's load.

If the CSV has the floor section (a null system call, and madvise() and
mprotect() calls that find nothing to do), the headline also gives the
single-page install and remove figures as multiples of the floor: what a
guard costs over what no call can cost less than.

--peer: two kernels side by side (say this series on 6.12 and a mainline
kernel that has guard pages of its own).  One table of every figure both
CSVs have, headline rows first: A, B with the spread of their runs, B / A,
and each boot's figure of mprotect divided by that of guard pages: a ratio
within one boot, which the host's load cancels out of; then A's ratio over
B's.  --png plots the two kernels: install and remove per guard against K,
those ratios and B / A.  Kernels are named after their CSV's '# kernel='
line unless --labels names them.

--png writes a plot (gnuplot, pngcairo) of the first CSV, titled with its
kernel version and config.  Exit status 2 on unusable input.
"""

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile

METHODS = ["madv", "mprotect", "mmap", "none"]
LABEL = {"madv": "MADV_GUARD_INSTALL", "mprotect": "mprotect(PROT_NONE)",
         "mmap": "mmap(PROT_NONE, MAP_FIXED)", "none": "none"}


def load(path):
    """Return (meta dict, rows dict keyed by (section, metric, method, param))."""
    meta, lines = {}, []
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                k, _, v = line[1:].strip().partition("=")
                if v:
                    meta[k.strip()] = v.strip()
            elif line.strip():
                lines.append(line)
    rows = {}
    for r in csv.DictReader(lines):
        try:
            key = (r["section"], r["metric"], r["method"], int(r["param"]))
            rows[key] = {"unit": r["unit"], "median": float(r["median"]),
                         "min": float(r["min"]), "max": float(r["max"]),
                         "n": int(r["n"])}
        except (KeyError, ValueError, TypeError) as e:
            sys.exit(f"report.py: {path}: bad row {r}: {e}")
    if not rows:
        print(f"report.py: {path}: no results", file=sys.stderr)
        sys.exit(2)
    return meta, rows


def fmt(v):
    if v is None:
        return "-"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e6 or a < 0.01:
        return f"{v:.3g}"
    if a >= 100:
        return f"{v:.0f}"
    return f"{v:.3g}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def value(rows, section, metric, method, param):
    r = rows.get((section, metric, method, param))
    return r["median"] if r else None


# The floor section: (metric, method, param) of each call, and what it is.
FLOOR = {
    "syscall": ("getppid_ns", "none", 0, "a null system call, syscall(SYS_getppid)"),
    "madvise": ("noop_ns", "madv", 1,
                "madvise(MADV_GUARD_REMOVE) on one page with no guard (nothing to do)"),
    "mprotect": ("noop_ns", "mprotect", 1,
                 "mprotect() of one page to the protection it has (nothing to do)"),
    "normal": ("madv_normal_ns", "none", 1,
               "madvise(MADV_NORMAL) on one page that has that advice (nothing to do)"),
}


def floor(rows, which):
    """The floor call's median in ns, or None."""
    metric, method, param, _ = FLOOR[which]
    return value(rows, "floor", metric, method, param)


def groups(rows):
    """(section, metric, param) in first-seen order."""
    seen, out = set(), []
    for (s, m, _, p) in rows:
        if (s, m, p) not in seen:
            seen.add((s, m, p))
            out.append((s, m, p))
    return out


def table(header, body, left=1):
    """A Markdown table (also readable as plain text); the first `left`
    columns are left-aligned."""
    w = [max(len(str(x)) for x in col) for col in zip(header, *body)]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(n) if i < left else str(c).rjust(n)
                                 for i, (c, n) in enumerate(zip(cells, w))) + " |"
    out = [line(header), "|" + "|".join(":" + "-" * (n + 1) if i < left else "-" * (n + 1) + ":"
                                        for i, n in enumerate(w)) + "|"]
    out += [line(r) for r in body]
    return "\n".join(out)


def fmt_bytes_pages(pages, page=4096):
    b = pages * page
    for unit, n in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= n:
            return f"{b / n:g} {unit}"
    return f"{b} B"


def headline(meta, rows):
    """The figures that decide: [label, madv, mprotect, mmap, mprotect/madv, mmap/madv]."""
    out = []
    three = ("madv", "mprotect", "mmap")

    def add(label, section, metric, param, scale=1.0):
        v = {me: value(rows, section, metric, me, param) for me in METHODS}
        if all(v[me] is None for me in three):
            return
        out.append([label] + [fmt(v[me] / scale if v[me] is not None else None) for me in three] +
                   [fmt(ratio(v[me], v["madv"])) for me in ("mprotect", "mmap")])

    tried = int(meta.get("kmax", 0)) or \
        max((p for (s, m, me, p) in rows if s == "many" and m == "vmas"), default=0)
    maxg = {me: value(rows, "many", "max_guards", me, 0) for me in three}
    if any(x is not None for x in maxg.values()):
        cells = []
        for me in three:
            e = value(rows, "many", "fail_errno", me, 0)
            cells.append("-" if maxg[me] is None else
                         fmt(maxg[me]) + (f" ({errno_name(e)})" if e else " (no failure)"))
        out.append([f"guards installed in one process (up to {tried} tried)"] + cells +
                   [fmt(ratio(maxg["mprotect"], maxg["madv"])),
                    fmt(ratio(maxg["mmap"], maxg["madv"]))])

    def multiples(what, section, metric, param):
        """The figure over the null system call's and over the do-nothing
        madvise()'s, if the CSV has the floor."""
        for which, name in (("syscall", "the null system call"),
                            ("madvise", "the do-nothing madvise()")):
            f = floor(rows, which)
            if f:
                add(f"{what}, in multiples of {name}", section, metric, param, f)

    k = 30000
    add(f"VMAs of the process with K={k} guards", "many", "vmas", k)
    add(f"install, µs per guard, K={k}", "many", "ns_per_guard", k, 1e3)
    multiples(f"install, K={k}", "many", "ns_per_guard", k)
    if tried > k:
        add(f"install, µs per guard, K={tried}", "many", "ns_per_guard", tried, 1e3)
    add(f"kernel memory (slab + page tables) per guard, bytes, K={k}",
        "many", "kmem_per_guard", k)
    add(f"remove one by one, µs per guard, K={k}", "remove", "ns_per_guard", k, 1e3)
    multiples(f"remove one by one, K={k}", "remove", "ns_per_guard", k)
    add(f"remove with one call over the mapping, ms, K={k}", "remove", "all_ns", k, 1e6)
    add(f"munmap with K={k} guards in place, ms", "munmap", "guarded_ns", k, 1e6)
    add(f"munmap after removing K={k} guards, ms", "munmap", "after_remove_ns", k, 1e6)
    add(f"fork + child exit + wait with K={k} guards, ms", "fork", "fork_exit_wait_ns", k, 1e6)
    rng = max((p for (s, m, me, p) in rows if s == "range" and me == "madv"), default=None)
    if rng:
        add(f"one guard over {fmt_bytes_pages(rng)} unpopulated, ns per page",
            "range", "ns_per_page", rng)
        add(f"page tables it allocates, KiB", "range", "pt_kib", rng)
    pop = max((p for (s, m, me, p) in rows if s == "range_populated" and me == "madv"),
              default=None)
    if pop:
        add(f"one guard over {fmt_bytes_pages(pop)} populated, ns per page",
            "range_populated", "ns_per_page", pop)
        add(f"memory it frees, KiB", "range_populated", "rss_freed_kib", pop)
    add("touching a guard (SIGSEGV to a handler), µs", "fault", "ns", 0, 1e3)
    for nf in sorted({p for (s, m, me, p) in rows if s == "contention"}):
        idle = value(rows, "contention", "faults_per_s", "none", nf)
        if not idle:
            continue
        v = {me: ratio(value(rows, "contention", "faults_per_s", me, nf), idle) for me in three}
        out.append([f"page faults/s of {nf} faulting thread(s) beside a toggling one, "
                    f"relative to beside none"] + [fmt(v[me]) for me in three] +
                   [fmt(ratio(v["mprotect"], v["madv"])), fmt(ratio(v["mmap"], v["madv"]))])
    return out


def errno_name(e):
    import errno as errno_mod
    return errno_mod.errorcode.get(int(e), str(int(e)))


def single(meta, rows, out):
    title = f"guard_bench: kernel {meta.get('kernel', '?')}, config {meta.get('config', '?')}"
    print(f"{title}; medians of {meta.get('reps', '?')} runs; "
          f"clocksource {meta.get('clocksource', '?')}; "
          f"vm.max_map_count {meta.get('max_map_count', '?')}", file=out)
    print(file=out)
    h = headline(meta, rows)
    if h:
        print(table(["figure", "MADV_GUARD_INSTALL", "mprotect", "mmap MAP_FIXED",
                     "mprotect / madv", "mmap / madv"], h), file=out)
        print(file=out)
    fl = [[FLOOR[w][3], fmt(floor(rows, w) / 1e3)] for w in FLOOR if floor(rows, w) is not None]
    if fl:
        print("The floor, in the same boot: what a call costs that has nothing to do.",
              file=out)
        print(file=out)
        print(table(["call", "µs per call"], fl), file=out)
        print(file=out)
    body = []
    for (s, m, p) in groups(rows):
        v = {me: value(rows, s, m, me, p) for me in METHODS}
        unit = next(rows[k]["unit"] for k in rows if k[0] == s and k[1] == m and k[3] == p)
        ref = v["none"] if s == "contention" else v["madv"]
        body.append([s, m, p, unit] + [fmt(v[me]) for me in METHODS] +
                    [fmt(ratio(v["mprotect"], ref)), fmt(ratio(v["mmap"], ref))])
    print(table(["section", "metric", "param", "unit", "madv", "mprotect", "mmap", "none",
                 "mprotect / ref", "mmap / ref"], body, left=2), file=out)
    print("\nref: madv, except for contention, where it is none (no toggling thread).",
          file=out)


def compare(meta_a, rows_a, meta_b, rows_b, out):
    print(f"A: kernel {meta_a.get('kernel', '?')}, config {meta_a.get('config', '?')}, "
          f"tree {meta_a.get('tree', '?')}", file=out)
    print(f"B: kernel {meta_b.get('kernel', '?')}, config {meta_b.get('config', '?')}, "
          f"tree {meta_b.get('tree', '?')}", file=out)
    print(file=out)
    print("B / A: B's median divided by A's.  norm: B / A divided by the same ratio of\n"
          "the row's mprotect figure (contention: of the run without a toggling thread),\n"
          "which a change to guard pages leaves alone: it cancels the difference in host\n"
          "load between the two boots.", file=out)
    print(file=out)

    def ba(k):
        a = rows_a.get(k, {}).get("median")
        b = rows_b.get(k, {}).get("median")
        return ratio(b, a)
    body = []
    keys = list(rows_a) + [k for k in rows_b if k not in rows_a]
    for k in keys:
        a = rows_a.get(k, {}).get("median")
        b = rows_b.get(k, {}).get("median")
        unit = (rows_a.get(k) or rows_b.get(k))["unit"]
        if a is None or b is None:
            body.append([k[0], k[1], k[2], k[3], unit, fmt(a), fmt(b),
                         "only B" if a is None else "only A", "-"])
            continue
        ref = (k[0], k[1], "none" if k[0] == "contention" else "mprotect", k[3])
        norm = ratio(ba(k), ba(ref)) if k[2] not in (ref[2], "none") else None
        body.append([k[0], k[1], k[2], k[3], unit, fmt(a), fmt(b), fmt(ba(k)), fmt(norm)])
    print(table(["section", "metric", "method", "param", "unit", "A", "B", "B / A", "norm"],
                body, left=3), file=out)


# Figures of which more is better; the others are costs: time, VMAs, memory.
HIGHER_BETTER = {("contention", "faults_per_s"), ("contention", "toggles_per_s"),
                 ("many", "max_guards")}
# Not amounts: no ratio between methods.
NO_RATIO = {"fail_errno", "si_code", "rss_freed_kib"}


def guard_ratio(rows, key):
    """For a madv row, what guard pages gain on mprotect in that boot:
    mprotect's figure of the same (section, metric, param) over madv's, or
    for a figure of which more is better madv's over mprotect's, so that
    above 1 guard pages do better.  None for the other rows."""
    s, m, me, p = key
    if me != "madv" or m in NO_RATIO:
        return None
    g, mp = value(rows, s, m, "madv", p), value(rows, s, m, "mprotect", p)
    return ratio(g, mp) if (s, m) in HIGHER_BETTER else ratio(mp, g)


def kernel_labels(meta_a, meta_b, labels):
    """What to call the two kernels: --labels, or their CSVs' '# kernel=' and
    '# config=' lines."""
    if labels:
        return [l.replace('"', "").replace("'", "") for l in labels]
    out = [m.get("kernel", "?") + (f" ({m['config']})" if m.get("config") else "")
           for m in (meta_a, meta_b)]
    if out[0] == out[1] and meta_a.get("tree") != meta_b.get("tree"):
        out = [f"{o}, {m.get('tree', '?')}" for o, m in zip(out, (meta_a, meta_b))]
    if out[0] == out[1]:
        out = [out[0] + " [A]", out[1] + " [B]"]
    return out


def peer_headline(rows_a, rows_b):
    """[(label, short label, key, scale, unit)]: the rows that decide, of
    those both CSVs have; madv's row before mprotect's."""
    def both(k):
        return k in rows_a and k in rows_b

    def top(section):
        return max((k[3] for k in rows_a if k[0] == section and k[1] == "ns_per_page" and
                    k[2] in ("madv", "mprotect") and both(k)), default=None)
    k, n, npop = 30000, top("range"), top("range_populated")
    spec = [("floor: null system call (getppid)", "null\\nsyscall",
             "floor", "getppid_ns", 0, 1e3, "µs"),
            ("floor: one page, nothing to do", "do-nothing\\ncall",
             "floor", "noop_ns", 1, 1e3, "µs"),
            ("floor: madvise(MADV_NORMAL), one page", "MADV_\\nNORMAL",
             "floor", "madv_normal_ns", 1, 1e3, "µs"),
            (f"install one by one, K={k}", f"install\\nK={k}",
             "many", "ns_per_guard", k, 1e3, "µs/guard"),
            (f"remove one by one, K={k}", f"remove\\nK={k}",
             "remove", "ns_per_guard", k, 1e3, "µs/guard"),
            (f"remove with one call, K={k}", "remove in\\none call",
             "remove", "all_ns", k, 1e6, "ms"),
            (f"munmap, K={k} guards in place", "munmap\\nguarded",
             "munmap", "guarded_ns", k, 1e6, "ms"),
            (f"fork + exit + wait, K={k} guards", "fork",
             "fork", "fork_exit_wait_ns", k, 1e6, "ms")]
    if n:
        spec.append((f"one guard over {fmt_bytes_pages(n)} unpopulated",
                     f"range\\n{fmt_bytes_pages(n)}", "range", "ns_per_page", n, 1, "ns/page"))
    if npop:
        spec.append((f"one guard over {fmt_bytes_pages(npop)} populated",
                     f"populated\\n{fmt_bytes_pages(npop)}",
                     "range_populated", "ns_per_page", npop, 1, "ns/page"))
    spec.append(("touching a guard (SIGSEGV)", "touch a\\nguard", "fault", "ns", 0, 1e3, "µs"))
    out = []
    for label, short, s, m, p, scale, unit in spec:
        for me in ("madv", "mprotect") + (("none",) if s == "floor" else ()):
            if both((s, m, me, p)):
                out.append((label, short, (s, m, me, p), scale, unit))
    return out


def peer(meta_a, rows_a, meta_b, rows_b, labels, out):
    for name, lab, meta in (("A", labels[0], meta_a), ("B", labels[1], meta_b)):
        print(f"{name}: {lab}\n   kernel {meta.get('kernel', '?')}, "
              f"config {meta.get('config', '?')}, tree {meta.get('tree', '?')}; "
              f"medians of {meta.get('reps', '?')} runs, "
              f"clocksource {meta.get('clocksource', '?')}", file=out)
    print(file=out)
    print("B / A: B's median over A's.  Less is better for times, counts and memory:\n"
          "below 1, B does better; for rates (1/s) and max_guards it is the other way.\n"
          "A ratio, B ratio (on the madv rows): in that boot, mprotect's figure of the\n"
          "same row over madv's (for rates and max_guards, madv's over mprotect's):\n"
          "above 1, guard pages do better than mprotect.  A ratio of one boot, which\n"
          "the host's load mostly cancels out of.\n"
          "A / B ratio: A's ratio over B's: above 1, A's guard pages do better against\n"
          "its own mprotect than B's do against B's.\n"
          "min..max: the fastest and the slowest run.  The headline rows first, in the\n"
          "units given; then every figure both CSVs have, in the CSV's units.", file=out)
    print(file=out)

    def spread(r, scale):
        if r["n"] < 2:
            return "1 run"
        return f"{fmt(r['min'] / scale)}..{fmt(r['max'] / scale)}"

    def line(label, key, scale, unit):
        a, b = rows_a[key], rows_b[key]
        ga, gb = guard_ratio(rows_a, key), guard_ratio(rows_b, key)
        return [label, key[2], unit, fmt(a["median"] / scale), spread(a, scale),
                fmt(b["median"] / scale), spread(b, scale), fmt(ratio(b["median"], a["median"])),
                fmt(ga), fmt(gb), fmt(ratio(ga, gb))]
    body = [line(label, key, scale, unit)
            for label, _, key, scale, unit in peer_headline(rows_a, rows_b)]
    # every figure, those of one (section, metric, param) together
    both = [(s, m, me, p) for (s, m, p) in groups(rows_a) for me in METHODS
            if (s, m, me, p) in rows_a and (s, m, me, p) in rows_b]
    if body:
        body.append(["every figure:"] + [""] * 10)
    body += [line(f"{k[0]} {k[1]} {k[3]}", k, 1, rows_a[k]["unit"]) for k in both]
    print(table(["figure", "method", "unit", "A", "A min..max", "B", "B min..max", "B / A",
                 "A ratio", "B ratio", "A / B ratio"], body, left=2), file=out)
    for name, rows, other in (("A", rows_a, rows_b), ("B", rows_b, rows_a)):
        only = [k for k in rows if k not in other]
        if only:
            count = {}
            for k in only:
                count[f"{k[0]}/{k[2]}"] = count.get(f"{k[0]}/{k[2]}", 0) + 1
            print(f"\nOnly in {name}, left out: {len(only)} rows (" +
                  ", ".join(f"{g} {c}" for g, c in count.items()) + ")", file=out)


def run_gnuplot(gp, d, script, png):
    """Run gnuplot on SCRIPT (in directory D); exit if it made no PNG."""
    with open(os.path.join(d, "plot.gp"), "w") as f:
        f.write(script)
    r = subprocess.run([gp, os.path.join(d, "plot.gp")], capture_output=True, text=True)
    errs = [l for l in r.stderr.splitlines() if l.strip() and "warning" not in l.lower()]
    if r.returncode or not os.path.exists(png) or errs:
        sys.exit("report.py: gnuplot failed:\n" + r.stderr)


# The plots' grid, key and line styles (1-3: the methods, 4: a floor).
STYLES = """set grid
set key box opaque
set style line 1 lc rgb '#1b9e77' lw 2 pt 7
set style line 2 lc rgb '#d95f02' lw 2 pt 5
set style line 3 lc rgb '#7570b3' lw 2 pt 9
set style line 4 lc rgb '#666666' lw 2 pt 3 dt 2
"""
PEER_HEAD = """
set terminal pngcairo noenhanced size 1600,1150 font "DejaVu Sans,10"
set output '{png}'
set multiplot layout 2,2 title "{title}" font ",13"
""" + STYLES + """set style line 5 lc rgb '#1f78b4' lw 2
set style line 6 lc rgb '#e6ab02' lw 2
"""


def peer_plot(meta_a, rows_a, meta_b, rows_b, labels, png):
    gp = shutil.which("gnuplot")
    if not gp:
        sys.exit("report.py: gnuplot missing: apt-get install gnuplot-nox (harness/deps.sh)")
    name = {"madv": "guard pages", "mprotect": "mprotect(PROT_NONE)"}
    la, lb = labels
    title = (f"guard_bench: A = {la}, B = {lb}\\n"
             f"medians of {meta_a.get('reps', '?')} and {meta_b.get('reps', '?')} runs, "
             "bars from the fastest to the slowest; solid: A, dashed: B")
    # the key under the curves, with room made for it
    key = "set key inside bottom center maxrows 3\nset offsets 0,0,0,graph 0.3"
    # the line at 1, and room for the labels under the bars
    one = ("set arrow 5 from graph 0,first 1 to graph 1,first 1 nohead dt 3 lw 2 lc rgb 'red'\n"
           "set key above\nset offsets 0,0,0,0\nset xtics rotate by -35\nset bmargin 6")

    def per_guard(section):
        """Both kernels' curves of one per-guard figure, and their floors."""
        curves = []
        for tag, lab, rows, dt in (("a", "A", rows_a, ""), ("b", "B", rows_b, " dt 2")):
            for i, me in enumerate(("madv", "mprotect")):
                pt = f" pt {6 + 2 * i}" if tag == "b" else ""
                curves.append((f"{section}_{me}_{tag}", series(rows, section, "ns_per_guard", me),
                               1000, f"ls {STYLE[me]}{dt}{pt}", f"{lab}: {name[me]}"))
            ks = sorted({p for (s, m, me, p) in rows if s == section and m == "ns_per_guard"})
            curves.append((f"{section}_floor_{tag}", flat(ks, floor(rows, "madvise")), 1000,
                           f"ls 4 dt {3 if tag == 'b' else 1}",
                           f"{lab}: do-nothing madvise() (floor)"))
        return curves

    head = peer_headline(rows_a, rows_b)
    d = tempfile.mkdtemp(prefix="guard_bench.")
    try:
        gpl = PEER_HEAD.format(png=png, title=title.replace('"', "'"))
        gpl += lines_plot(d, "install K single-page guards, one by one", "K (guards)",
                          "time per guard (µs)", per_guard("many"), key)
        gpl += lines_plot(d, "remove K single-page guards, one by one", "K (guards)",
                          "time per guard (µs)", per_guard("remove"), key)
        gpl += bars_plot(
            d, "ratios", "each boot: mprotect's figure over guard pages' (>1: guards do better)",
            "mprotect / madv", [(short, {"a": guard_ratio(rows_a, key),
                                         "b": guard_ratio(rows_b, key)})
                                for _, short, key, _, _ in head if key[2] == "madv"],
            cols=[("a", "ls 5", f"A: {la}" if len(la) < 30 else "A"),
                  ("b", "ls 6", f"B: {lb}" if len(lb) < 30 else "B")], extra=one)
        ba = {}
        for _, short, key, _, _ in head:
            ba.setdefault(short, {})[key[2]] = ratio(rows_b[key]["median"],
                                                     rows_a[key]["median"])
        gpl += bars_plot(
            d, "ba", "B / A of each figure (<1: B is faster)", "B / A",
            list(ba.items()), cols=[("madv", "ls 1", "guard pages"),
                                    ("mprotect", "ls 2", "mprotect(PROT_NONE)"),
                                    ("none", "lc rgb '#666666'", "no method (floor)")],
            extra=one)
        gpl += "unset multiplot\n"
        run_gnuplot(gp, d, gpl, png)
    finally:
        shutil.rmtree(d, ignore_errors=True)


PLOT_HEAD = """
set terminal pngcairo noenhanced size 1800,1100 font "DejaVu Sans,10"
set output '{png}'
set multiplot layout 2,3 title "{title}" font ",13"
""" + STYLES
STYLE = {"madv": 1, "mprotect": 2, "mmap": 3}


def series(rows, section, metric, method):
    """[(param, median, min, max)] of one method, by param."""
    return sorted((p, r["median"], r["min"], r["max"]) for (s, m, me, p), r in rows.items()
                  if s == section and m == metric and me == method)


def flat(xs, v):
    """A horizontal line at v over the points xs, as series() gives them."""
    return [(x, v, v, v) for x in xs] if v and xs else []


def lines_plot(d, title, xlabel, ylabel, curves, extra=""):
    """curves: [(file name, points, y scale, style, title)], points from
    series(): medians joined by lines, bars from the smallest to the largest
    run.  Curves without points are left out; a panel with none says so."""
    out = [f'set title "{title}"', f'set xlabel "{xlabel}"', f'set ylabel "{ylabel}"',
           "set logscale xy", "set autoscale", extra]
    parts = []
    for name, pts, scale, style, t in curves:
        if not pts:
            continue
        with open(os.path.join(d, name), "w") as f:
            f.writelines(" ".join(str(v) for v in p) + "\n" for p in pts)
        sc = f"/{scale}" if scale != 1 else ""
        parts.append(f"'{d}/{name}' u 1:($2{sc}):($3{sc}):($4{sc}) w yerrorlines {style} t '{t}'")
    if parts:
        out.append("plot " + ", \\\n     ".join(parts))
    else:
        out += ['set label 9 "no data" at graph 0.5,0.5 center',
                "plot [1:10] [1:10] 2 lc rgb 'white' notitle", "unset label 9"]
    out += ["unset arrow", "unset label"]
    return "\n".join(out) + "\n"


def bars_plot(d, name, title, ylabel, bars, logy=True, cols=None, extra=""):
    """bars: [(label, {column: value})]; cols: [(column, style, title)],
    by default one per method."""
    if cols is None:
        cols = [(me, f"ls {STYLE[me]}", me) for me in STYLE]
    out = [f'set title "{title}"', 'set xlabel ""', f'set ylabel "{ylabel}"',
           "unset logscale", "set autoscale", "set style data histograms",
           "set style histogram clustered gap 1", "set style fill solid 0.8 border -1",
           "set boxwidth 0.9", "set xtics rotate by -20", "set key top left"]
    if logy:
        out.append("set logscale y")
    if extra:
        out.append(extra)
    bars = [(lab, v) for lab, v in bars if any(x is not None for x in v.values())]
    # gnuplot refuses a histogram column without a value (no guard pages)
    cols = [c for c in cols if any(v.get(c[0]) is not None for _, v in bars)]
    if not bars:
        out += ['set label 9 "no data" at graph 0.5,0.5 center',
                "plot [1:10] [1:10] 2 lc rgb 'white' notitle", "unset label 9"]
        return "\n".join(out) + "\n"
    with open(os.path.join(d, name), "w") as f:
        for lab, v in bars:
            f.write(f'"{lab}" ' + " ".join("NaN" if v.get(c) is None else str(v[c])
                                           for c, _, _ in cols) + "\n")
    using = [f"u {i + 2}{':xtic(1)' if i == 0 else ''} {style} t '{t}'"
             for i, (_, style, t) in enumerate(cols)]
    out.append(f"plot '{d}/{name}' " + ", '' ".join(using))
    out += ["set xtics norotate", "unset style data", "unset arrow"]
    return "\n".join(out) + "\n"


def plot(meta, rows, png):
    gp = shutil.which("gnuplot")
    if not gp:
        sys.exit("report.py: gnuplot missing: apt-get install gnuplot-nox (harness/deps.sh)")
    three = ("madv", "mprotect", "mmap")
    name = {"madv": "MADV_GUARD_INSTALL", "mprotect": "mprotect(PROT_NONE)",
            "mmap": "mmap(PROT_NONE, MAP_FIXED)"}
    max_map = int(meta.get("max_map_count", 65530))
    maxg = {me: value(rows, "many", "max_guards", me, 0) for me in three}
    fork0 = value(rows, "fork", "fork_exit_wait_ns", "none", 0)
    kr = 30000 if ("remove", "ns_per_guard", "mprotect", 30000) in rows else \
        max((p for (s, m, me, p) in rows if s == "remove"), default=0)
    title = (f"guard_bench: kernel {meta.get('kernel', '?')}, config {meta.get('config', '?')}"
             f"{' (' + meta['config_options'] + ')' if meta.get('config_options') else ''}\\n"
             f"{meta.get('cpus', '?')} CPUs, clocksource {meta.get('clocksource', '?')}; "
             f"medians of {meta.get('reps', '?')} runs, bars from the fastest to the slowest; "
             f"QEMU without KVM: compare within one boot")
    ks = sorted({p for (s, m, me, p) in rows if s == "many" and m == "ns_per_guard"})
    floors = [(f"floor_{w}", flat(ks, floor(rows, w)), 1000, f"ls 4 dt {dt}",
               f"floor: {t}") for w, dt, t in (("syscall", 3, "null system call"),
                                               ("madvise", 2, "do-nothing madvise()"))]
    d = tempfile.mkdtemp(prefix="guard_bench.")
    try:
        gpl = PLOT_HEAD.format(png=png, title=title.replace('"', "'"))
        gpl += lines_plot(
            d, "install K single-page guards (one every 2 pages)", "K (guards)",
            "time per guard (µs)",
            [(f"many_{me}", series(rows, "many", "ns_per_guard", me), 1000,
              f"ls {STYLE[me]}", name[me]) for me in three] + floors,
            f"set key bottom right\nset arrow 1 from {max_map // 2},graph 0 to "
            f"{max_map // 2},graph 1 nohead dt 3 lc rgb 'red'\nset label 1 "
            f"\"vm.max_map_count / 2\" at {max_map // 2},graph 0.95 right offset -0.5,0 "
            "tc rgb 'red'")
        lim = ", ".join(f"{me} {'-' if maxg[me] is None else int(maxg[me])}" for me in three)
        gpl += lines_plot(
            d, "VMAs of the process after K guards (/proc/self/maps)", "K (guards)", "VMAs",
            [(f"vmas_{me}", [p for p in series(rows, "many", "vmas", me) if p[0] > 0], 1,
              f"ls {STYLE[me]}", name[me]) for me in three],
            f"set key bottom right\nset yrange [5:*]\nset arrow 2 from graph 0,first {max_map} to graph 1,first "
            f"{max_map} nohead dt 3 lc rgb 'red'\nset label 2 \"vm.max_map_count\" at graph "
            f"0.02,first {max_map} left offset 0,0.7 tc rgb 'red'\nset label 3 \"guards "
            f"installed before failure: {lim}\" at graph 0.02,graph 0.55 left")
        gpl += lines_plot(
            d, "one guard over N pages: time per page", "N (4 KiB pages)",
            "time per page (ns)",
            [(f"range_{me}", series(rows, "range", "ns_per_page", me), 1,
              f"ls {STYLE[me]}", f"{me}, unpopulated") for me in three] +
            [(f"rangep_{me}", series(rows, "range_populated", "ns_per_page", me), 1,
              f"ls {STYLE[me]} dt 2 pt {6 + 2 * i}",
              f"{me}, populated" + {"madv": " (zap + install)",
                                    "mprotect": " (keeps the memory)",
                                    "mmap": " (frees it)"}[me])
             for i, me in enumerate(three)],
            "set key bottom left")
        # the fork without guards: a flat line over the same K
        ks = sorted({p for (s, m, me, p) in rows if s == "fork" and p > 0})
        base = [(k, fork0, fork0, fork0) for k in ks] if fork0 and ks else []
        gpl += lines_plot(
            d, "fork() + child exit + wait, with K guards", "K (guards)", "time (ms)",
            [(f"fork_{me}", series(rows, "fork", "fork_exit_wait_ns", me), 1e6,
              f"ls {STYLE[me]}", name[me]) for me in three] +
            [("fork_none", base, 1e6, "ls 4", "no guards")], "set key top left")

        def per(section, metric, mult=1.0):
            return {me: (lambda v: None if v is None else v * mult / 1e6)(
                value(rows, section, metric, me, kr)) for me in three}
        gpl += bars_plot(d, "remove", f"removal and munmap, K={kr} guards", "time (ms)", [
            ("remove one by one\\n(all K)", per("remove", "ns_per_guard", kr)),
            ("remove with\\none call", per("remove", "all_ns")),
            ("munmap, guards\\nin place", per("munmap", "guarded_ns")),
            ("munmap after\\nremoval", per("munmap", "after_remove_ns"))])

        def rel(section, metric, param, ref="madv"):
            b = value(rows, section, metric, ref, param)
            return {me: ratio(value(rows, section, metric, me, param), b) for me in three}
        rat = [(f"install\\nK={kr}", rel("many", "ns_per_guard", kr)),
               (f"remove\\nK={kr}", rel("remove", "ns_per_guard", kr)),
               (f"munmap\\nK={kr}", rel("munmap", "guarded_ns", kr)),
               (f"fork\\nK={kr}", rel("fork", "fork_exit_wait_ns", kr)),
               ("touch a\\nguard", rel("fault", "ns", 0))]
        for nf in sorted({p for (s, m, me, p) in rows if s == "contention"}):
            rat.append((f"faults/s, {nf}\\nfaulter(s)",
                        rel("contention", "faults_per_s", nf, ref="none")))
        gpl += bars_plot(d, "ratios", "same-boot ratios: time to madv's; "
                         "faults/s to beside no toggler", "ratio", rat)
        gpl += "unset multiplot\n"
        run_gnuplot(gp, d, gpl, png)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", nargs="?")
    ap.add_argument("after", nargs="?", help="a second CSV: print B / A per row")
    ap.add_argument("--txt", help="write the table here (default: stdout)")
    ap.add_argument("--png", help="write the plot of the first CSV here")
    ap.add_argument("--peer", nargs=2, metavar=("A.csv", "B.csv"),
                    help="two kernels side by side: absolute figures and ratios of each boot")
    ap.add_argument("--labels", nargs=2, metavar=("LABEL_A", "LABEL_B"),
                    help="with --peer: what to call the kernels")
    a = ap.parse_args()
    if a.peer:
        if a.csv:
            ap.error("--peer takes two CSVs, and no others")
        meta, rows = load(a.peer[0])
        meta_b, rows_b = load(a.peer[1])
        labels = kernel_labels(meta, meta_b, a.labels)
        out = open(a.txt, "w") if a.txt else sys.stdout
        peer(meta, rows, meta_b, rows_b, labels, out)
        if a.txt:
            out.close()
        if a.png:
            peer_plot(meta, rows, meta_b, rows_b, labels, a.png)
        return
    if not a.csv:
        ap.error("a CSV, or --peer A.csv B.csv")
    if a.labels:
        ap.error("--labels goes with --peer")
    meta, rows = load(a.csv)
    out = open(a.txt, "w") if a.txt else sys.stdout
    if a.after:
        meta_b, rows_b = load(a.after)
        compare(meta, rows, meta_b, rows_b, out)
    else:
        single(meta, rows, out)
    if a.txt:
        out.close()
    if a.png:
        plot(meta, rows, a.png)


if __name__ == "__main__":
    main()
