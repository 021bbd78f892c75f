#!/usr/bin/env python3
"""Compares the public struct layouts and enums of two abidw dumps.

  layout.py BASELINE.abi CURRENT.abi

Every struct or union of the baseline must still exist, and its members must
be an unchanged prefix (name, offset, type) of the current members: fields
are only ever appended.  Every typedef must still name the same type (a
callback keeps its signature), and every enumerator must keep its value.
abidiff's "has_data_member_inserted_at = end" suppression, which lets the
appendable structs grow, also hides reordered or retyped members; this check
closes that gap.  Exits 0 if all holds, 1 with one line per problem."""

import sys
import xml.etree.ElementTree as ET


class Corpus:
    def __init__(self, path):
        self.types = {}
        self.structs = {}
        self.enums = {}
        self.typedefs = {}
        for el in ET.parse(path).getroot().iter():
            tid = el.get("id")
            if tid is not None:
                self.types.setdefault(tid, el)
            name = el.get("name")
            if not name or el.get("is-declaration-only") == "yes" or el.get("is-anonymous") == "yes":
                continue
            if el.tag in ("class-decl", "union-decl"):
                self.structs.setdefault(name, el)
            elif el.tag == "enum-decl":
                self.enums.setdefault(name, el)
            elif el.tag == "typedef-decl":
                self.typedefs.setdefault(name, el)

    def render(self, tid, depth=0):
        """A type as text, stable across dumps (type ids are not)."""
        el = self.types.get(tid)
        if el is None or depth > 20:
            return "?" + str(tid)
        tag, sub = el.tag, lambda t: self.render(t, depth + 1)
        if tag == "type-decl":
            return el.get("name")
        if tag == "typedef-decl":
            # Spelled out, so that a changed callback signature shows.
            return "%s<%s>" % (el.get("name"), sub(el.get("type-id")))
        if tag in ("class-decl", "union-decl", "enum-decl"):
            kind = {"class-decl": "struct", "union-decl": "union", "enum-decl": "enum"}[tag]
            if el.get("is-anonymous") == "yes":
                return "%s{%s}" % (kind, "; ".join(self.members(el, depth + 1)))
            return "%s %s" % (kind, el.get("name"))
        if tag == "pointer-type-def":
            return sub(el.get("type-id")) + "*"
        if tag == "qualified-type-def":
            # Postfix, so that "char const* const*" reads one way only.
            quals = [q for q in ("const", "volatile", "restrict") if el.get(q) == "yes"]
            return " ".join([sub(el.get("type-id"))] + quals)
        if tag == "array-type-def":
            dims = "".join("[%s]" % s.get("length", "") for s in el.findall("subrange"))
            return sub(el.get("element-type-id")) + dims
        if tag == "function-type":
            params = ["..." if p.get("is-variadic") == "yes" else sub(p.get("type-id"))
                      for p in el.findall("parameter")]
            ret = el.find("return")
            return "%s(%s)" % (sub(ret.get("type-id")) if ret is not None else "?", ", ".join(params))
        return "%s:%s" % (tag, el.get("name", "?"))

    def members(self, el, depth=0):
        out = []
        for dm in el.findall("data-member"):
            var = dm.find("var-decl")
            if var is None:
                continue
            out.append("%s %s @%s" % (self.render(var.get("type-id"), depth), var.get("name"),
                                      dm.get("layout-offset-in-bits", "?")))
        return out


def compare(old, new):
    problems = []
    for name, el in sorted(old.structs.items()):
        if name not in new.structs:
            problems.append("struct %s: gone from the public headers" % name)
            continue
        was, now = old.members(el), new.members(new.structs[name])
        if now[:len(was)] != was:
            problems.append("struct %s: members changed; they may only be appended\n"
                            "    baseline: %s\n    current:  %s" % (name, was, now))
        if int(new.structs[name].get("size-in-bits", 0)) < int(el.get("size-in-bits", 0)):
            problems.append("struct %s: shrank" % name)
    for name, el in sorted(old.typedefs.items()):
        if name not in new.typedefs:
            problems.append("typedef %s: gone from the public headers" % name)
        elif old.render(el.get("id")) != new.render(new.typedefs[name].get("id")):
            problems.append("typedef %s: changed\n    baseline: %s\n    current:  %s" % (
                name, old.render(el.get("id")), new.render(new.typedefs[name].get("id"))))
    for name, el in sorted(old.enums.items()):
        if name not in new.enums:
            problems.append("enum %s: gone from the public headers" % name)
            continue
        values = {e.get("name"): e.get("value") for e in new.enums[name].findall("enumerator")}
        for e in el.findall("enumerator"):
            if e.get("name") not in values:
                problems.append("enum %s: %s removed (a retired value stays reserved)"
                                % (name, e.get("name")))
            elif values[e.get("name")] != e.get("value"):
                problems.append("enum %s: %s renumbered from %s to %s" % (
                    name, e.get("name"), e.get("value"), values[e.get("name")]))
    return problems


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    old, new = Corpus(argv[1]), Corpus(argv[2])
    problems = compare(old, new)
    for p in problems:
        print("FAIL: " + p)
    if problems:
        return 1
    print("ok: the %d structs, %d typedefs and %d enums of the baseline are unchanged or appended to"
          % (len(old.structs), len(old.typedefs), len(old.enums)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
