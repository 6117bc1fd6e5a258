#!/usr/bin/env python3
"""Unit tests of harness/parse.py on made-up serial logs: each kind of
failure the harness must catch is caught, and a clean run passes."""

import io
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
import parse  # noqa: E402

START = "### GUEST-START 6.12.117 2cpu 2000000kB\n"
DONE = "### DMESG-SCAN 10 lines\n### DMESG-BEGIN\n### DMESG-END\n### GUEST-DONE\n"


def test(name, body, rc=0, extra=""):
    return (f"### BEGIN {name} timeout=60s t=1.00\n{body}"
            f"### END {name} rc={rc} t=3.50{extra}\n")


GOOD = ("TAP version 13\n1..2\nok 1 a\nok 2 b # SKIP no THP\n"
        "# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:1 error:0\n")
BAD = ("TAP version 13\n1..2\nok 1 a\nnot ok 2 b\n"
       "# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:0 error:0\n")


def run(log, expect=()):
    out = io.StringIO()
    failures = parse.report(parse.parse(log), "t", list(expect), out=out)
    return failures, out.getvalue()


class ParseTest(unittest.TestCase):
    def test_clean_run_passes(self):
        f, out = run(START + test("a", GOOD) + DONE, ["a"])
        self.assertEqual(f, 0, out)
        self.assertIn("ok 1 t: a # pass, 1 passed, 0 failed, 1 skipped, 2.5s", out)
        self.assertIn("kernel reports # none", out)

    def test_not_ok_fails_even_with_rc_0(self):
        f, out = run(START + test("a", BAD, rc=0) + DONE)
        self.assertEqual(f, 1, out)
        self.assertIn("not ok 1 t: a # fail, 1 passed, 1 failed", out)
        self.assertIn("#   not ok 2 b", out)

    def test_nonzero_exit_fails(self):
        f, out = run(START + test("a", "ok 1 x\n", rc=1) + DONE)
        self.assertEqual(f, 1, out)

    def test_whole_program_skip_is_reported_as_skip(self):
        f, out = run(START + test("a", "1..0 # SKIP no debugfs\n", rc=4) + DONE)
        self.assertEqual(f, 0, out)
        self.assertIn("# skip,", out)

    def test_guest_timeout_names_the_test(self):
        f, out = run(START + test("hang", "1..1\n", rc=137, extra=" timeout") + DONE)
        self.assertEqual(f, 1, out)
        self.assertIn("not ok 1 t: hang # timeout", out)

    def test_host_timeout_names_the_running_test(self):
        log = START + test("a", GOOD) + "### BEGIN slow timeout=60s t=4.0\n1..1\n"
        f, out = run(log, ["a", "slow", "later"])
        self.assertEqual(f, 3, out)  # slow unfinished, later never ran, boot
        self.assertIn("t: slow # unfinished", out)
        self.assertIn("t: later # never ran (guest stopped while running slow)", out)
        self.assertIn("guest did not finish: timeout or crash while running slow", out)

    def test_splat_fails_the_boot(self):
        log = (START + test("a", GOOD) +
               "### SPLAT [   12.3] WARNING: CPU: 0 PID: 1 at mm/pagewalk.c:42\n" + DONE)
        f, out = run(log)
        self.assertEqual(f, 1, out)
        self.assertIn("not ok 2 t: kernel reports # 1 lines in dmesg", out)
        self.assertIn("mm/pagewalk.c:42", out)

    def test_no_init_fails(self):
        f, out = run("Kernel panic - not syncing: VFS: Unable to mount root fs\n")
        self.assertEqual(f, 1, out)
        self.assertIn("never reached /init", out)

    def test_missing_program_fails(self):
        f, out = run(START + "### BEGIN nope\n### END nope rc=127 missing\n" + DONE)
        self.assertEqual(f, 1, out)
        self.assertIn("t: nope # missing", out)

    def test_tap_without_totals_is_counted(self):
        f, out = run(START + test("a", "ok 1 x\nok 2 y\nnot ok 3 z\n", rc=0) + DONE)
        self.assertEqual(f, 1, out)
        self.assertIn("2 passed, 1 failed", out)

    def test_uffd_unit_tests_counts(self):
        body = "[test] x ... done\nUserfaults unit tests: pass=56, skip=10, fail=1 (total=67)\n"
        f, out = run(START + test("uffd", body, rc=1) + DONE)
        self.assertEqual(f, 1, out)
        self.assertIn("fail, 56 passed, 1 failed, 10 skipped", out)

    def retried(self, second):
        first = parse.parse(START + test("a", GOOD) +
                            test("flaky", "ERROR: UFFDIO_COPY error: -2\n", rc=1) + DONE)
        out = io.StringIO()
        f = parse.report(parse.merge_retry(first, parse.parse(second)), "t",
                         ["a", "flaky"], out=out)
        return f, out.getvalue()

    def test_retry_that_passes_counts_and_says_so(self):
        f, out = self.retried(START + test("flaky", GOOD) + DONE)
        self.assertEqual(f, 0, out)
        self.assertIn("ok 2 t: flaky # pass, 1 passed, 0 failed, 1 skipped, 2.5s; RETRIED: "
                      "the first run gave fail", out)
        self.assertIn("#   first run: ERROR: UFFDIO_COPY error: -2", out)

    def test_retry_that_fails_again_fails(self):
        f, out = self.retried(START + test("flaky", BAD, rc=1) + DONE)
        self.assertEqual(f, 1, out)
        self.assertIn("not ok 2 t: flaky # fail", out)

    def test_retry_boot_with_a_splat_fails(self):
        f, out = self.retried(START + test("flaky", GOOD) +
                              "### SPLAT WARNING: CPU: 0 PID: 1 at mm/memory.c:1\n" + DONE)
        self.assertEqual(f, 1, out)
        self.assertIn("not ok 3 t: kernel reports", out)

    def test_retry_boot_that_does_not_finish_fails(self):
        f, out = self.retried(START + "### BEGIN flaky timeout=60s t=1.00\n")
        self.assertEqual(f, 2, out)
        self.assertIn("not ok 2 t: flaky # unfinished", out)
        self.assertIn("guest did not finish", out)

    def known(self, body, cases, rc=1):
        run_ = parse.parse(START + test("gp", body, rc=rc) + DONE)
        parse.apply_known(run_, {"gp": set(cases)})
        out = io.StringIO()
        return parse.report(run_, "t", ["gp"], out=out), out.getvalue()

    KNOWN = ("TAP version 13\n1..3\nok 1 s.a\nnot ok 2 s.b\nnot ok 3 s.c\n"
             "# Totals: pass:1 fail:2 xfail:0 xpass:0 skip:0 error:0\n")

    def test_known_failures_exactly_pass(self):
        f, out = self.known(self.KNOWN, ["s.b", "s.c"])
        self.assertEqual(f, 0, out)
        self.assertIn("ok 1 t: gp # known, 1 passed, 2 failed", out)
        self.assertIn("failed exactly the 2 cases known to fail", out)

    def test_known_failure_that_passes_fails(self):
        f, out = self.known(self.KNOWN, ["s.a", "s.b", "s.c"])
        self.assertEqual(f, 1, out)
        self.assertIn("and these passed: s.a", out)

    def test_unknown_failure_fails(self):
        f, out = self.known(self.KNOWN, ["s.b"])
        self.assertEqual(f, 1, out)
        self.assertIn("but these failed too: s.c", out)
        self.assertIn("#   unexpected: s.c failed", out)

    def test_case_not_counted_may_fail_or_pass(self):
        for cases in (["s.b", "?s.c"], ["s.b", "s.c", "?s.a"]):
            f, out = self.known(self.KNOWN, cases)
            self.assertEqual(f, 0, out)
            self.assertIn("not counted", out)

    def test_known_failures_of_a_skipped_program_fail(self):
        f, out = self.known("1..0 # SKIP no guard pages\n", ["s.b"], rc=4)
        self.assertEqual(f, 1, out)

    def test_known_failures_of_a_run_cut_short_fail(self):
        f, out = self.known("1..3\nok 1 s.a\nnot ok 2 s.b\n", ["s.b"], rc=139)
        self.assertEqual(f, 1, out)
        self.assertIn("not every case ran", out)

    SKIPS = ("TAP version 13\n1..3\nok 1 s.a\nok 2 s.b # SKIP not here\n"
             "ok 3 s.c # SKIP nor here\n"
             "# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:2 error:0\n")

    def skips(self, cases):
        run_ = parse.parse(START + test("gp", self.SKIPS, rc=0) + DONE)
        parse.apply_skips(run_, {"gp": set(cases)})
        out = io.StringIO()
        return parse.report(run_, "t", ["gp"], out=out), out.getvalue()

    def test_listed_skips_exactly_pass(self):
        f, out = self.skips(["s.b", "s.c"])
        self.assertEqual(f, 0, out)
        self.assertIn("skipped exactly the 2 cases listed", out)

    def test_unlisted_skip_fails(self):
        f, out = self.skips(["s.b"])
        self.assertEqual(f, 1, out)
        self.assertIn("these skipped, unlisted: s.c", out)

    def test_listed_skip_that_runs_fails(self):
        f, out = self.skips(["s.a", "s.b", "s.c"])
        self.assertEqual(f, 1, out)
        self.assertIn("listed as skipping but did not: s.a", out)


if __name__ == "__main__":
    unittest.main()
