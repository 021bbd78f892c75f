#!/usr/bin/env python3
"""Checks the exported symbols of libcontainerkit against the linker version
script and the public headers.

  symbols.py exported LIB MAP   what the shared object exports is exactly what
                                the map lists, all ck_, none ck__, each under
                                the version node the map puts it in
  symbols.py declared INCDIR MAP  the map lists exactly the CK_EXTERN
                                declarations of the headers under INCDIR

Exits 0 when everything holds, 1 with one line per problem otherwise."""

import os
import re
import subprocess
import sys

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def strip_comments(text):
    """Removes C comments, keeping string and character literals intact."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_map(path):
    """Returns ([(node, [names], parent)], problems) for a version script."""
    text = strip_comments(open(path).read())
    text = re.sub(r"#[^\n]*", " ", text)
    nodes, problems = [], []
    for m in re.finditer(r"([A-Za-z0-9_.]+)\s*\{(.*?)\}\s*([A-Za-z0-9_.]*)\s*;", text, re.S):
        node, body, parent = m.group(1), m.group(2), m.group(3) or None
        names, section = [], None
        for tok in re.finditer(r"(global|local)\s*:|([^\s;:]+)\s*;", body):
            if tok.group(1):
                section = tok.group(1)
                continue
            name = tok.group(2)
            if section == "local":
                if name != "*":
                    problems.append("%s: local: lists %r; only '*' belongs there" % (node, name))
                continue
            if re.search(r"[*?\[\]]", name):
                problems.append("%s: wildcard %r; list every symbol explicitly" % (node, name))
                continue
            names.append(name)
        if names != sorted(names):
            problems.append("%s: global names are not sorted (LC_ALL=C order)" % node)
        nodes.append((node, names, parent))
    if not nodes:
        problems.append("%s: no version node found" % path)
    seen = {}
    for node, names, _ in nodes:
        for name in names:
            if name in seen:
                problems.append("%s listed twice (%s and %s)" % (name, seen[name], node))
            seen[name] = node
    return nodes, problems


def map_symbols(path):
    nodes, problems = parse_map(path)
    where = {}
    for node, names, _ in nodes:
        for name in names:
            where.setdefault(name, node)
    return where, set(n for n, _, _ in nodes), problems


def exported(lib):
    """Returns [(name, version or None, nm type)] of the defined dynamic symbols."""
    out = subprocess.run(["nm", "-D", "--defined-only", "--with-symbol-versions", lib],
                         check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        kind, full = parts[-2], parts[-1]
        name, _, version = full.replace("@@", "@").partition("@")
        syms.append((name, version or None, kind))
    return syms


def check_exported(lib, mapfile):
    where, nodes, problems = map_symbols(mapfile)
    found = set()
    for name, version, kind in exported(lib):
        if kind == "A" and name in nodes:
            continue  # the version node definitions themselves
        found.add(name)
        if name.startswith("ck__"):
            problems.append("%s: internal ck__ symbol is exported" % name)
        elif not name.startswith("ck_"):
            problems.append("%s: exported symbol lacks the ck_ prefix (nm type %s)" % (name, kind))
        elif name not in where:
            problems.append("%s: exported but not listed in %s" % (name, mapfile))
        elif version != where[name]:
            problems.append("%s: exported under version %s, but the map puts it in %s"
                            % (name, version, where[name]))
    for name in sorted(set(where) - found):
        problems.append("%s: listed in the map but not exported (stale entry, or a "
                        "definition without CK_EXTERN)" % name)
    return problems


def declarations(text):
    """Names declared with CK_EXTERN in one header."""
    text = strip_comments(text)
    text = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", " ", text, flags=re.M)
    names = []
    for m in re.finditer(r"\bCK_EXTERN\b([^;]*);", text):
        decl = re.sub(r'"[^"]*"', '""', m.group(1))  # CK_DEPRECATED("use ck_x_v2()")
        fn = re.search(r"\b(ck_\w+)\s*\(", decl)
        if fn:
            names.append(fn.group(1))
            continue
        decl = re.sub(r"(\[[^\]]*\]|=.*)", " ", decl, flags=re.S)
        ids = IDENT.findall(decl)
        names.append(ids[-1] if ids else "<unparsed: %s>" % decl.strip())
    return names


def check_declared(incdir, mapfile):
    where, _, problems = map_symbols(mapfile)
    declared = {}
    for root, _, files in os.walk(incdir):
        for f in sorted(files):
            if f.endswith(".h"):
                path = os.path.join(root, f)
                for name in declarations(open(path).read()):
                    declared.setdefault(name, os.path.relpath(path, incdir))
    if not declared:
        problems.append("no CK_EXTERN declaration found under %s" % incdir)
    for name in sorted(declared):
        if name not in where:
            problems.append("%s (%s): declared CK_EXTERN but missing from %s; add it to the "
                            "version node of the coming release" % (name, declared[name], mapfile))
    for name in sorted(set(where) - set(declared)):
        problems.append("%s: in the map but declared CK_EXTERN in no public header" % name)
    return problems


def main(argv):
    if len(argv) != 4 or argv[1] not in ("exported", "declared"):
        sys.stderr.write(__doc__)
        return 2
    check = check_exported if argv[1] == "exported" else check_declared
    problems = check(argv[2], argv[3])
    for p in problems:
        print("FAIL: " + p)
    if problems:
        return 1
    print("ok: %s %s matches %s" % (argv[1], argv[2], argv[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
