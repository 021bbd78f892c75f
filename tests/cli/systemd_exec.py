#!/usr/bin/env python3
"""Runs a service unit's commands as systemd would, without systemd.

usage: systemd_exec.py UNIT_FILE start|stop RUNTIME_DIR

The unit file is read with systemd's syntax (sections, comments, lines
continued by a backslash); %t, %n, %N and %% are expanded (%t is
RUNTIME_DIR), $$ becomes $, Environment= is applied, and each Exec line is
split with systemd's quoting.  `start` runs ExecStartPre= then ExecStart=;
for Type=forking it then reads PIDFile= and checks that the process lives
(printing MAINPID=N).  `stop` runs ExecStop= then ExecStopPost= (the latter
also after a failed ExecStop=), then removes PIDFile= as systemd does.  A command prefixed with "-" may fail.
Exits 1 naming the command that failed."""
import os
import re
import shlex
import subprocess
import sys


def read_unit(path):
    entries, section, pending = [], None, ""
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n").strip()
            if line.startswith("#") or line.startswith(";"):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            line, pending = pending + line, ""
            if not line:
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            key, _, value = line.partition("=")
            entries.append((section, key.strip(), value.strip()))
    return entries


def expand(value, unit, rundir):
    names = {"t": rundir, "n": unit, "N": unit.rsplit(".", 1)[0], "%": "%"}

    def spec(m):
        if m.group(1) not in names:
            raise SystemExit("unsupported specifier %%%s in %r" % (m.group(1), value))
        return names[m.group(1)]
    return re.sub(r"%(.)", spec, value).replace("$$", "$")


def run(cmdline, env, label):
    may_fail = cmdline.startswith("-")
    argv = shlex.split(cmdline.lstrip("-"))
    if not argv[0].startswith("/") or not os.access(argv[0], os.X_OK):
        raise SystemExit("%s: %s is not an absolute path to a program" % (label, argv[0]))
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sys.stdout.write(p.stdout)
    if p.returncode != 0 and not may_fail:
        sys.stderr.write("%s failed (exit %d): %s\n%s" % (label, p.returncode, " ".join(argv), p.stderr))
        return False
    return True


def main():
    path, action, rundir = sys.argv[1:4]
    unit = os.path.basename(path)
    svc = [(k, expand(v, unit, rundir)) for s, k, v in read_unit(path) if s == "Service"]
    env = dict(os.environ)
    for k, v in svc:
        if k == "Environment":
            for word in shlex.split(v):
                name, _, val = word.partition("=")
                env[name] = val
    get = lambda key: [v for k, v in svc if k == key]
    if action == "start":
        for key in ("ExecStartPre", "ExecStart"):
            for cmd in get(key):
                if not run(cmd, env, key):
                    return 1
        if (get("Type") or ["simple"])[-1] == "forking":
            pidfile = (get("PIDFile") or [None])[-1]
            if not pidfile:
                raise SystemExit("Type=forking without PIDFile=")
            with open(pidfile) as f:
                pid = int(f.read().strip())
            os.kill(pid, 0)
            print("MAINPID=%d" % pid)
        return 0
    ok = all([run(cmd, env, "ExecStop") for cmd in get("ExecStop")])
    post = all([run(cmd, env, "ExecStopPost") for cmd in get("ExecStopPost")])
    # systemd removes a stopped service's PID file
    for pidfile in get("PIDFile"):
        if os.path.exists(pidfile):
            os.unlink(pidfile)
    return 0 if ok and post else 1


if __name__ == "__main__":
    sys.exit(main())
