#!/usr/bin/env python3
"""parse.py LOG [--json OUT] [--label LABEL] [--expect NAMES] [--retry-log LOG2]

Reads the serial log of one guest boot (see guest/init for the markers),
prints one TAP line per guest test plus one for the kernel-report scan, and
exits non-zero when anything failed: a test that failed or timed out, a
test that was expected but never ran, a kernel splat in dmesg, or a guest
that never finished (then it names the test that was running).

Per test, the counts come from the kselftest "# Totals:" line when there is
one, otherwise from the test's own top-level "ok"/"not ok" lines.

--known NAME=CASE,CASE,... says that test NAME is known to fail exactly
those cases (kselftest names, "not ok N CASE"): it counts as passed when the
cases that failed are that set, no more and no fewer, and as failed
otherwise, naming the difference.  A case written ?CASE may fail or pass
(a race that the kernel loses only some of the time): it is not counted.  A test that did not finish (timeout,
crash) fails whatever it listed.

--skips NAME=CASE,CASE,... says that test NAME skips exactly those cases
(kselftest "ok N CASE # SKIP"), by design: it fails when another case skips
or a listed one runs.

--failed-among NAMES prints (comma-separated) the tests among NAMES that did
not pass, and nothing else.  --retry-log LOG2 takes the serial log of a
second boot that ran some of them again: their results replace the first
ones, each saying that it was retried and how it had failed (the first
run's failure lines stay in the report), and the second boot's own checks
(finished, no kernel report) count as well.
"""

import argparse
import json
import re
import sys

TOTALS = re.compile(r"^# Totals: pass:(\d+) fail:(\d+) xfail:(\d+) xpass:(\d+) "
                    r"skip:(\d+) error:(\d+)")
# uffd-unit-tests counts its own way.
UFFD = re.compile(r"^Userfaults unit tests: pass=(\d+), skip=(\d+), fail=(\d+)")
TAP = re.compile(r"^(not ok|ok) \d+")
CASE_FAIL = re.compile(r"^not ok \d+ (\S+)")
CASE_SKIP = re.compile(r"^ok \d+ (\S+) # SKIP")
KSFT_SKIP = 4


def parse(text):
    """Return a dict describing one boot: tests, splats, completion."""
    run = {"started": False, "done": False, "tests": [], "splats": [],
           "kernel": None, "running": None}
    cur = None
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if line.startswith("### GUEST-START"):
            run["started"] = True
            run["kernel"] = line.split()[2] if len(line.split()) > 2 else "?"
        elif line.startswith("### BEGIN "):
            name = line.split()[2]
            cur = {"name": name, "rc": None, "timeout": False, "missing": False,
                   "pass": 0, "fail": 0, "skip": 0, "totals": False,
                   "start": _stamp(line), "secs": None, "output": [],
                   "failed_cases": [], "skipped_cases": [], "plan": None,
                   "results": 0}
            run["tests"].append(cur)
            run["running"] = name
        elif line.startswith("### END ") and cur is not None:
            m = re.search(r"rc=(\d+)", line)
            cur["rc"] = int(m.group(1)) if m else None
            cur["timeout"] = line.endswith(" timeout")
            cur["missing"] = line.endswith(" missing")
            end = _stamp(line)
            if end is not None and cur["start"] is not None:
                cur["secs"] = round(end - cur["start"], 2)
            cur = None
            run["running"] = None
        elif line.startswith("### SPLAT "):
            run["splats"].append(line[len("### SPLAT "):])
        elif line.startswith("### GUEST-DONE"):
            run["done"] = True
        elif cur is not None:
            cur["output"].append(line)
            c = CASE_FAIL.match(line)
            if c:
                cur["failed_cases"].append(c.group(1))
            c = CASE_SKIP.match(line)
            if c:
                cur["skipped_cases"].append(c.group(1))
            if TAP.match(line):
                cur["results"] += 1
            elif cur["plan"] is None and re.match(r"^1\.\.\d+$", line):
                cur["plan"] = int(line[3:])
            m = TOTALS.match(line)
            if m:
                p, f, xf, xp, s, e = map(int, m.groups())
                cur["pass"], cur["fail"], cur["skip"] = p + xf, f + xp + e, s
                cur["totals"] = True
            elif UFFD.match(line):
                p, s, f = map(int, UFFD.match(line).groups())
                cur["pass"], cur["fail"], cur["skip"] = p, f, s
                cur["totals"] = True
            elif not cur["totals"]:
                t = TAP.match(line)
                if t:
                    if t.group(1) == "not ok":
                        cur["fail"] += 1
                    elif "# SKIP" in line:
                        cur["skip"] += 1
                    else:
                        cur["pass"] += 1
    for t in run["tests"]:
        t["status"] = _status(t)
    return run


def _stamp(line):
    m = re.search(r" t=([0-9.]+)", line)
    return float(m.group(1)) if m else None


def _status(t):
    if t["missing"]:
        return "missing"
    if t["rc"] is None:
        return "unfinished"
    if t["timeout"]:
        return "timeout"
    if t["rc"] == KSFT_SKIP and t["fail"] == 0:
        return "skip"
    if t["rc"] == 0 and t["fail"] == 0:
        return "pass"
    return "fail"


def merge_retry(run, retry):
    """Replace the results of the tests RETRY ran again; keep the evidence."""
    again = {t["name"]: t for t in retry["tests"]}
    for i, t in enumerate(run["tests"]):
        r = again.get(t["name"])
        if r is None:
            continue
        first = [l for l in t["output"] if l.startswith("not ok") or
                 l.startswith("# FAIL") or "Bail out" in l or "ERROR" in l][:5]
        r = dict(r)
        r["retried"] = {"status": t["status"], "pass": t["pass"], "fail": t["fail"],
                        "skip": t["skip"], "secs": t["secs"], "lines": first}
        run["tests"][i] = r
    run["splats"] = run["splats"] + retry["splats"]
    if not retry["started"] or not retry["done"]:
        run["done"] = False
        run["running"] = retry["running"] or "the retry boot"
    return run


def apply_known(run, known):
    """Judge the tests of KNOWN (name -> set of cases) by their failed cases."""
    for t in run["tests"]:
        cases = known.get(t["name"])
        # A skipped program ran no case: it cannot match the list.
        if cases is None or t["status"] not in ("pass", "fail", "skip"):
            continue
        maybe = set(c[1:] for c in cases if c.startswith("?"))
        cases = set(c for c in cases if not c.startswith("?"))
        got = set(t["failed_cases"]) - maybe
        t["known"] = {"listed": sorted(cases), "unexpected": sorted(got - cases),
                      "passed": sorted(cases - got),
                      "maybe": {c: c in t["failed_cases"] for c in sorted(maybe)}}
        # Every case must have run (as many results as the plan said).
        complete = t["plan"] is not None and t["results"] == t["plan"]
        t["known"]["complete"] = complete
        t["status"] = "known" if got == cases and complete else "fail"


def apply_skips(run, skips):
    """Tests of SKIPS (name -> set of cases) pass only if exactly those skipped."""
    for t in run["tests"]:
        cases = skips.get(t["name"])
        if cases is None or t["status"] not in ("pass", "known"):
            continue
        got = set(t["skipped_cases"])
        t["skips"] = {"listed": len(cases), "unexpected": sorted(got - cases),
                      "ran": sorted(cases - got)}
        if got != cases:
            t["status"] = "fail"


def report(run, label, expect, out=sys.stdout):
    """Print TAP lines; return the number of failures."""
    failures = 0
    n = 0
    seen = set()
    for t in run["tests"]:
        n += 1
        seen.add(t["name"])
        ok = t["status"] in ("pass", "skip", "known")
        failures += not ok
        detail = f"{t['status']}, {t['pass']} passed, {t['fail']} failed, {t['skip']} skipped"
        k = t.get("known")
        if k and ok:
            detail += f"; failed exactly the {len(k['listed'])} cases known to fail"
            if k["maybe"]:
                detail += f" (and {len(k['maybe'])} not counted)"
        elif k and not k["complete"]:
            detail += "; not every case ran, so its known failures cannot be judged"
        elif k:
            detail += (f"; known to fail {len(k['listed'])} cases, but these failed too: "
                       f"{', '.join(k['unexpected']) or 'none'}; and these passed: "
                       f"{', '.join(k['passed']) or 'none'}")
        sk = t.get("skips")
        if sk and ok:
            detail += f"; skipped exactly the {sk['listed']} cases listed as skipping"
        elif sk and (sk["unexpected"] or sk["ran"]):
            detail += (f"; these skipped, unlisted: {', '.join(sk['unexpected']) or 'none'}"
                       f"; these are listed as skipping but did not: "
                       f"{', '.join(sk['ran']) or 'none'}")
        if t["secs"] is not None:
            detail += f", {t['secs']}s"
        if t["status"] == "timeout":
            detail += " (killed by the guest's per-test timeout)"
        if t["status"] == "unfinished":
            detail += " (the boot ended while this test was running)"
        r = t.get("retried")
        if r:
            detail += (f"; RETRIED: the first run gave {r['status']}, {r['pass']} passed, "
                       f"{r['fail']} failed")
        print(f"{'ok' if ok else 'not ok'} {n} {label}: {t['name']} # {detail}", file=out)
        if r:
            for l in r["lines"]:
                print(f"#   first run: {l}", file=out)
        if k:
            for c in k["listed"]:
                print(f"#   known: {c} {'passed' if c in k['passed'] else 'failed'}", file=out)
            for c in k["unexpected"]:
                print(f"#   unexpected: {c} failed", file=out)
            for c, failed in k["maybe"].items():
                print(f"#   not counted: {c} {'failed' if failed else 'passed'}", file=out)
        elif not ok:
            for l in t["output"]:
                if l.startswith("not ok") or l.startswith("# FAIL") or "Bail out" in l:
                    print(f"#   {l}", file=out)
    for name in expect:
        if name not in seen:
            n += 1
            failures += 1
            why = f"never ran (guest stopped while running {run['running']})" if run["running"] \
                else "never ran"
            print(f"not ok {n} {label}: {name} # {why}", file=out)
    n += 1
    if not run["started"]:
        failures += 1
        print(f"not ok {n} {label}: boot # the kernel never reached /init", file=out)
    elif not run["done"]:
        failures += 1
        where = f"while running {run['running']}" if run["running"] else "between tests"
        print(f"not ok {n} {label}: boot # guest did not finish: timeout or crash {where}",
              file=out)
    elif run["splats"]:
        failures += 1
        print(f"not ok {n} {label}: kernel reports # {len(run['splats'])} lines in dmesg",
              file=out)
        for s in run["splats"][:20]:
            print(f"#   {s}", file=out)
    else:
        print(f"ok {n} {label}: kernel reports # none in dmesg", file=out)
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("--json", help="write the parsed run here")
    ap.add_argument("--label", default="guest")
    ap.add_argument("--expect", default="", help="comma-separated test names")
    ap.add_argument("--failed-among", help="print which of these tests did not pass")
    ap.add_argument("--retry-log", help="serial log of a boot that re-ran failed tests")
    ap.add_argument("--known", action="append", default=[],
                    help="NAME=CASE,CASE,...: the cases test NAME is known to fail")
    ap.add_argument("--skips", action="append", default=[],
                    help="NAME=CASE,CASE,...: the cases test NAME skips, exactly")
    a = ap.parse_args()
    with open(a.log, errors="replace") as f:
        run = parse(f.read())
    if a.failed_among is not None:
        among = set(x for x in a.failed_among.split(",") if x)
        print(",".join(t["name"] for t in run["tests"]
                       if t["name"] in among and t["status"] not in ("pass", "skip")))
        return
    if a.retry_log:
        with open(a.retry_log, errors="replace") as f:
            run = merge_retry(run, parse(f.read()))
    known = {}
    for k in a.known:
        name, _, cases = k.partition("=")
        known[name] = set(c for c in cases.split(",") if c)
        if not [c for c in known[name] if not c.startswith("?")]:
            sys.exit(f"parse.py: --known {k}: no case known to fail")
    apply_known(run, known)
    skips = {}
    for k in a.skips:
        name, _, cases = k.partition("=")
        skips[name] = set(c for c in cases.split(",") if c)
        if not skips[name]:
            sys.exit(f"parse.py: --skips {k}: no case listed")
    apply_skips(run, skips)
    expect = [e for e in a.expect.split(",") if e]
    failures = report(run, a.label, expect)
    if a.json:
        slim = dict(run)
        slim["tests"] = [{k: v for k, v in t.items() if k != "output"} for t in run["tests"]]
        slim["failures"] = failures
        with open(a.json, "w") as f:
            json.dump(slim, f, indent=1)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
