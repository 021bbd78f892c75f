#!/usr/bin/env python3
"""Every exported function has a comment in its header (the headers are the
manual, and the reference pages are generated from them).

A CK_EXTERN declaration counts as documented when a doc comment (/** ... */)
ends right before it, or before the group of declarations it belongs to
(consecutive declarations with no blank line between them share the comment
above the first).  Usage: documented.py INCLUDE_DIR"""
import os
import re
import sys


def declarations(path):
    """Yields (name, documented) for each CK_EXTERN function in the header."""
    lines = open(path, encoding="utf-8").read().split("\n")
    documented_group = False  # the current run of declarations has a comment
    prev_kind = "blank"       # what the previous non-continuation line was
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("/**"):
            while "*/" not in lines[i]:
                i += 1
            prev_kind = "doc"
            i += 1
            continue
        if line.startswith("/*"):
            while "*/" not in lines[i]:
                i += 1
            prev_kind = "other"
            i += 1
            continue
        if line.startswith("CK_EXTERN"):
            text = line
            while ";" not in text and i + 1 < len(lines):
                i += 1
                text += " " + lines[i].strip()
            decl = re.sub(r'"[^"]*"', '""', text.split("CK_EXTERN", 1)[1])
            m = re.search(r"\b(ck_\w+)\s*\(", decl)
            if prev_kind == "doc":
                documented_group = True
            elif prev_kind != "decl":
                documented_group = False
            if m:
                yield m.group(1), documented_group
            prev_kind = "decl"
            i += 1
            continue
        prev_kind = "blank" if not line else "other"
        i += 1


def main():
    root = sys.argv[1]
    missing, total = [], 0
    for dirpath, _, files in os.walk(root):
        for f in sorted(files):
            if not f.endswith(".h"):
                continue
            path = os.path.join(dirpath, f)
            for name, ok in declarations(path):
                total += 1
                if not ok:
                    missing.append("%s: %s" % (os.path.relpath(path, root), name))
    for m in missing:
        print("no comment: " + m)
    print("%d exported functions, %d without a comment" % (total, len(missing)))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
