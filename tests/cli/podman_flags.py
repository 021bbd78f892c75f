#!/usr/bin/env python3
"""Every flag that `podman COMMAND --help` (4.3) lists, tried on ck's COMMAND:
each must be accepted or refused with an error that names it and says why.

  podman_flags.py CK count            per command: podman's flags, how many ck accepts
  podman_flags.py CK refused          the refused flags, in the form REFUSED lists them
  podman_flags.py CK check REFUSED    fails for a flag ck does not know at all, for a
                                      refused flag missing from REFUSED, and for a flag
                                      listed in REFUSED that ck now accepts (so the list
                                      only shrinks)

A flag is tried alone (`ck --root R --runroot R2 COMMAND --flag[=VALUE]`), with
no positional argument, so that parsing is all that runs; the command then
fails for its missing arguments or runs on an empty scratch store.
"""
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

FLAG_RE = re.compile(r"^\s+(?:-(\w), )?--([A-Za-z0-9][\w-]*)(?: ([^\s]+))?(?:\s{2,}|$)")
# podman commands whose --help lists nothing more than --help
UNKNOWN_RE = re.compile(r"unknown (shorthand )?flag")

# Values chosen so that parsing accepts them where it can; what a value
# means does not matter here, only whether the flag is known.
VALUES = {"int": "1", "uint": "1", "int64": "1", "uint64": "1", "uint16": "1", "uint32": "1",
          "duration": "1s", "float": "1", "float64": "1"}


def podman_flags(words, glob=False):
    """(long name, short letter or None, takes a value) for each flag."""
    try:
        out = subprocess.run(["podman"] + words + ["--help"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    flags, inside = [], False
    for line in out.splitlines():
        if line.startswith("Options:") or line.startswith("Flags:"):
            inside = True
            continue
        if inside and line and not line.startswith(" "):
            inside = False
        m = FLAG_RE.match(line) if inside else None
        if m and m.group(2) not in ("help",):
            flags.append((m.group(2), m.group(1), m.group(3) is not None, m.group(3)))
    return flags


def ck_commands(ck):
    """[[word...]] for every ck command and subcommand."""
    def listed(words):
        out = subprocess.run([ck] + words + ["--help"], capture_output=True, text=True).stdout
        names, inside = [], False
        for line in out.splitlines():
            if line.startswith("Available Commands"):
                inside = True
                continue
            if inside:
                if not line.strip():
                    break
                names.append(line.split()[0])
        return names
    cmds = []
    for name in listed([]):
        subs = listed([name])
        if subs:
            cmds += [[name, s] for s in subs]
        else:
            cmds.append([name])
    return cmds


def try_flag(ck, roots, words, flag):
    name, short, takes, typ = flag
    arg = "--" + name
    if takes:
        arg += "=" + VALUES.get(typ, "x")
    argv = [ck, "--root", roots[0], "--runroot", roots[1]] + words + [arg]
    if not words:  # a global flag, tried in front of `version`
        argv = [ck, "--root", roots[0], "--runroot", roots[1], arg, "version"]
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=15, stdin=subprocess.DEVNULL,
                           cwd=roots[2], env=dict(os.environ, CK_INSECURE_REGISTRIES=""))
        err = p.stderr
    except subprocess.TimeoutExpired:
        return "accepted"  # it parsed and ran (events, stats follow)
    if UNKNOWN_RE.search(err):
        return "unknown"
    # "--NAME is not supported: WHY" refuses the flag; "--NAME VALUE is not
    # supported" refuses only a value, and the flag counts as accepted
    if re.search(r"--" + re.escape(name) + r"\b is not supported", err):
        return "refused"
    return "accepted"


def main():
    ck, mode = os.path.abspath(sys.argv[1]), sys.argv[2]
    listed = set()
    if mode == "check":
        with open(sys.argv[3]) as f:
            listed = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    base = tempfile.mkdtemp(prefix="ck-flags-", dir=os.environ.get("CK_TEST_TMPDIR"))
    roots = [os.path.join(base, d) for d in ("root", "run", "cwd")]
    os.makedirs(roots[2])
    problems, seen = [], set()
    total_p = total_a = 0
    for words in [[]] + ck_commands(ck):
        flags = podman_flags(words)
        if flags is None:
            print("SKIP: podman is not installed", file=sys.stderr)
            sys.exit(77)
        if not flags:
            continue
        acc = 0
        with ThreadPoolExecutor(max_workers=4) as pool:
            verdicts = list(pool.map(lambda f: try_flag(ck, roots, words, f), flags))
        for flag, verdict in zip(flags, verdicts):
            key = " ".join(words or ["(global)"]) + " --" + flag[0]
            acc += verdict == "accepted"
            if verdict == "unknown":
                problems.append(key + ": neither implemented nor refused with a reason")
            elif verdict == "refused":
                seen.add(key)
                if mode == "check" and key not in listed:
                    problems.append(key + ": refused but not listed in " + sys.argv[3])
            elif key in listed:
                problems.append(key + ": accepted now, take it off " + sys.argv[3])
        total_p += len(flags)
        total_a += acc
        if mode == "count":
            print("%-22s %3d of %3d" % (" ".join(words) or "(global)", acc, len(flags)))
    if mode == "refused":
        print("# podman 4.3 flags that ck refuses with a reason (tests/cli/podman_flags.py).\n"
              "# The test fails when one here is accepted: take it off then.")
        for k in sorted(seen):
            print(k)
        return 0
    if mode == "count":
        print("%-22s %3d of %3d" % ("total", total_a, total_p))
        for p in problems:
            print("  " + p)
        return 0
    for p in problems:
        print(p)
    print("%d problems; %d of %d podman flags accepted, %d refused" %
          (len(problems), total_a, total_p, len(seen)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
