#!/usr/bin/env python3
"""htmltext.py FILE.html: print the visible text of an HTML page (what a
reader of the rendered document sees), one block per line."""

import sys
from html.parser import HTMLParser


class Text(HTMLParser):
    SKIP = {"script", "style", "head"}

    def __init__(self):
        super().__init__()
        self.out, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag in ("p", "div", "br", "li", "dt", "dd", "h1", "h2", "h3", "pre", "tr"):
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


p = Text()
with open(sys.argv[1], encoding="utf-8") as f:
    p.feed(f.read())
text = "".join(p.out)
print("\n".join(" ".join(l.split()) for l in text.splitlines() if l.strip()))
