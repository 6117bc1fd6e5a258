#!/usr/bin/env python3
"""citations.py LIST PATCH...: check the mainline commits that the patches'
messages cite against LIST (docs/mainline-commits.txt).

A citation is 'commit ID ("SUBJECT")' or 'Fixes: ID ("SUBJECT")', possibly
wrapped over lines.  Each ID must have at least 12 hex digits and start one
full id of LIST, whose subject must be SUBJECT exactly; a 'commit ID' with
no subject after it is refused too.  Prints one line per patch with a
citation problem and a summary; exits non-zero if there was any."""

import re
import sys

CITE = re.compile(r'\b(?:commit|Fixes:)\s+([0-9a-f]{6,40})\b(\s+\("(.*?)"\))?')


def load(path):
    known = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        full, _tag, subject = line.rstrip("\n").split(" ", 2)
        known[full] = subject
    return known


def message(text):
    """The commit message of a git format-patch file, lines joined."""
    body = text.split("\n\n", 1)[1] if "\n\n" in text else text
    body = body.split("\n---\n", 1)[0]
    subject = re.search(r"^Subject: (.*(?:\n .*)*)", text, re.M)
    return ((subject.group(1) if subject else "") + " " + body).replace("\n", " ")


def check(known, name, text):
    problems, n = [], 0
    for m in CITE.finditer(message(text)):
        cid, subject = m.group(1), m.group(3)
        n += 1
        if m.group(2) is None:
            problems.append(f"commit {cid} cited without its subject")
            continue
        if len(cid) < 12:
            problems.append(f"{cid}: fewer than 12 hex digits")
            continue
        full = [f for f in known if f.startswith(cid)]
        if not full:
            problems.append(f"{cid} (\"{subject}\") is not in the list")
        elif known[full[0]] != subject:
            problems.append(f"{cid}: subject \"{subject}\", the list has "
                            f"\"{known[full[0]]}\"")
    return n, problems


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.splitlines()[0])
    known = load(sys.argv[1])
    total, bad = 0, 0
    for p in sys.argv[2:]:
        n, problems = check(known, p, open(p, errors="replace").read())
        total += n
        for pr in problems:
            bad += 1
            print(f"{p.rsplit('/', 1)[-1]}: {pr}")
    print(f"{total} citations of mainline commits, {bad} wrong")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
