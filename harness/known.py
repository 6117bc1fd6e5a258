#!/usr/bin/env python3
"""known.py [--skips] FILE: the test cases that FILE's header comment lists as
failing on stock mainline, comma-separated, for boot.sh --known; with
--skips, those it lists as skipping by design, for boot.sh --skips.

The list follows a line containing "exactly these tests fail", one case a
line, "NAME - why" (continuation lines of the why do not start with a case
name followed by " - "), and ends at the comment's next empty line.  A
second list, after a line containing "not counted either way", names cases
that fail there only some of the time: they are printed with a leading "?"
(parse.py lets them pass or fail).  Fails when there is no first list, so
that a header rewritten without it cannot make the check accept any
result.  The skip list follows a line containing "skip by design", in the
same "NAME - why" form; --skips fails when there is none."""

import re
import sys

CASE = re.compile(r"^ \*\s+([A-Za-z_]\w*(?:\.[\w*]+)+) - ")


def listed(text, lead):
    """The cases of the list that follows the line containing LEAD."""
    cases, inside = [], False
    for line in text.splitlines():
        if not inside:
            inside = lead in line
            continue
        if line.strip() in ("*", "*/"):
            break
        m = CASE.match(line)
        if m:
            cases.append(m.group(1))
    return cases


def known(text):
    return listed(text, "exactly these tests fail") + \
        ["?" + c for c in listed(text, "not counted either way")]


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--skips":
        with open(sys.argv[2]) as f:
            cases = listed(f.read(), "skip by design")
        if not cases:
            sys.exit(f"known.py: {sys.argv[2]} lists no tests that skip "
                     "(a line with 'skip by design', then 'NAME - why' lines)")
        print(",".join(cases))
        return
    with open(sys.argv[1]) as f:
        cases = known(f.read())
    if not [c for c in cases if not c.startswith("?")]:
        sys.exit(f"known.py: {sys.argv[1]} lists no tests that fail on mainline "
                 "(a line with 'exactly these tests fail', then 'NAME - why' lines)")
    print(",".join(cases))


if __name__ == "__main__":
    main()
