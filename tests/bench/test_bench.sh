#!/usr/bin/env bash
# ck-bench run, end to end: fake engines whose speed is known (sleep), the
# real ck, and bad input.  usage: test_bench.sh TEST_NAME
set -u
BENCH=${CK_BENCH_BIN:?set CK_BENCH_BIN to the ck-bench binary}
CK=${CK_BIN:-}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
T=$(mktemp -d "${CK_TEST_TMPDIR:-/tmp}/ck-bench-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

# bench ARGS...: runs ck-bench run; sets $rc, $out (stdout) and $err.
bench() {
  "$BENCH" run --quiet --workdir "$T/work" "$@" >"$T/out" 2>"$T/err"
  rc=$?
  out=$(cat "$T/out") err=$(cat "$T/err")
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "expected exit $1, got $rc; stderr: $err; stdout: $out"; }
expect_err() { grep -qF -- "$1" <<<"$err" || fail "stderr lacks '$1': $err"; }
# json FILE PYTHON-EXPR...: asserts on the parsed result `d`.
json() {
  local f=$1; shift
  $PY - "$f" "$@" <<'PYEOF' || fail "JSON check failed on $f"
import json, sys
d = json.load(open(sys.argv[1]))
res = {(c["name"], r["engine"]): r for c in d["cases"] for r in c["results"]}
for expr in sys.argv[2:]:
    if not eval(expr):
        print("assertion failed:", expr, file=sys.stderr)
        print(json.dumps(d["cases"], indent=1)[:3000], file=sys.stderr)
        sys.exit(1)
PYEOF
}

# Sleeps long enough that the start-up of sh and sleep, which a loaded
# machine stretches by tens of milliseconds, does not hide a factor of 2.
FAST="sh -c 'sleep 0.1' --"
SLOW="sh -c 'sleep 0.2' --"
QUICK="sh -c 'sleep 0.01' --"

slower_engine_is_found_slower() {
  bench --engine fast="$FAST" --engine slow="$SLOW" --case t='{engine} true' --runs 8 --seed 1 --json "$T/r.json"
  expect_rc 0
  json "$T/r.json" 'res["t","slow"]["vs_reference"]["verdict"] == "slower"' \
    'res["t","slow"]["vs_reference"]["ci_low"] > 1' \
    '1.2 < res["t","slow"]["vs_reference"]["ratio"] < 2.5' \
    'res["t","fast"]["n"] == 8 and len(res["t","fast"]["samples"]) == 8'
  # Seen from the slow side, the fast one is faster.
  bench --engine slow="$SLOW" --engine fast="$FAST" --case t='{engine} true' --runs 8 --json "$T/r2.json"
  expect_rc 0
  json "$T/r2.json" 'res["t","fast"]["vs_reference"]["verdict"] == "faster"'
}

equal_engines_give_no_difference() {
  bench --engine a="sh -c 'sleep 0.03' --" --engine b="sh -c 'sleep 0.03' --" --case t='{engine} true' \
    --runs 16 --confidence 99 --json "$T/r.json"
  expect_rc 0
  json "$T/r.json" 'res["t","b"]["vs_reference"]["verdict"] == "no difference"' \
    'res["t","b"]["vs_reference"]["ci_low"] <= 1 <= res["t","b"]["vs_reference"]["ci_high"]'
  grep -q "no difference" <<<"$out" || fail "the table lacks the verdict: $out"
}

baseline_catches_injected_regression() {
  local bd=$T/baselines BASE="sh -c 'sleep 0.05' --"
  bench --engine e="$BASE" --case t='{engine} true' --runs 8 --baseline-dir "$bd" --threshold 50 --save before
  expect_rc 0
  [ -s "$bd/before.json" ] || fail "no baseline file"
  $PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$bd/before.json" || fail "baseline is not JSON"
  # The same speed again: no regression.
  bench --engine e="$BASE" --case t='{engine} true' --runs 8 --baseline-dir "$bd" --threshold 50 --compare before \
    --json "$T/same.json"
  expect_rc 0
  json "$T/same.json" 'd["baseline"]["regression"] is False' 'res["t","e"]["vs_baseline"]["regression"] is False'
  # Much slower: a significant regression beyond 50 % (a wide threshold,
  # and a sleep twelve times longer, since on a loaded machine the cost of
  # starting the processes, not the sleep, can dominate a run).
  bench --engine e="sh -c 'sleep 0.6' --" --case t='{engine} true' --runs 8 --baseline-dir "$bd" --threshold 50 \
    --compare before --json "$T/slow.json"
  expect_rc 1
  json "$T/slow.json" 'd["baseline"]["regression"] is True' \
    'res["t","e"]["vs_baseline"]["verdict"] == "slower"' 'res["t","e"]["vs_baseline"]["ci_low"] > 1.5'
  grep -q REGRESSION <<<"$out" || fail "the table does not say REGRESSION: $out"
  # A baseline from another host record is compared, with a warning.
  $PY - "$bd/before.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1])); d["host"]["kernel"] = "Linux 2.6.32 elsewhere"
json.dump(d, open(sys.argv[1], "w"))
PYEOF
  "$BENCH" run --workdir "$T/work" --engine e="$BASE" --case t='{engine} true' --runs 4 --baseline-dir "$bd" --threshold 50 \
    --compare before >"$T/out" 2>"$T/err"
  grep -q 'warning: host kernel differs: baseline "Linux 2.6.32 elsewhere"' "$T/err" ||
    fail "no host warning: $(cat "$T/err")"
  bench --engine e="$BASE" --case t='{engine} true' --baseline-dir "$bd" --threshold 50 --compare nosuch
  expect_rc 2; expect_err 'no baseline "nosuch"'
}

outputs_are_valid() {
  bench --engine 'a&b'="$FAST" --engine slow="$SLOW" --case 'x<y'='{engine} true' --case two='{engine} true' \
    --runs 3 --seed 7 --json "$T/r.json" --svg "$T/r.svg" --markdown "$T/r.md"
  expect_rc 2; expect_err 'bad name "a&b"'
  bench --engine fast="$FAST" --engine slow="$SLOW" --case 'x<"&y'='{engine} true' --case two='{engine} true' \
    --runs 3 --seed 7 --json "$T/r.json" --svg "$T/r.svg" --markdown "$T/r.md"
  expect_rc 0
  json "$T/r.json" 'd["seed"] == 7 and d["runs"] == 3' 'len(d["cases"]) == 2' \
    'all(d["host"][k] for k in ("kernel", "cpu", "cores", "memory", "distro", "fs", "cgroups", "runtime"))' \
    'len(d["host"]["load_before"]) == 3' '[e["name"] for e in d["engines"]] == ["fast", "slow"]' \
    'all(s["wall_ms"] > 90 and s["max_rss_kb"] > 0 for r in res.values() for s in r["samples"])' \
    'len(d["cases"][0]["order"].split()) == 8'
  $PY - "$T/r.svg" <<'PYEOF' || fail "the SVG does not parse or lacks bars"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
texts = "".join(t.text or "" for t in root.iter(ns + "text"))
assert 'x<"&y' in texts, texts
assert len(root.findall(ns + "rect")) >= 1 + 2 + 4, "bars"
assert len(root.findall(ns + "path")) == 4, "whiskers"
PYEOF
  if command -v xmllint >/dev/null; then xmllint --noout "$T/r.svg" || fail "xmllint rejects the SVG"; fi
  grep -q '^| case | engine | median ms | interval ms' "$T/r.md" || fail "no Markdown table: $(cat "$T/r.md")"
  grep -q '| `two` | slow |' "$T/r.md" || fail "no row for two/slow"
}

seed_replays_the_order() {
  bench --engine a="$QUICK" --engine b="$QUICK" --engine c="$QUICK" --case t='{engine} true' --runs 4 --seed 99 \
    --json "$T/1.json"
  expect_rc 0
  bench --engine a="$QUICK" --engine b="$QUICK" --engine c="$QUICK" --case t='{engine} true' --runs 4 --seed 99 \
    --json "$T/2.json"
  $PY - "$T/1.json" "$T/2.json" <<'PYEOF' || fail "the same seed gave another order"
import json, sys
o = [json.load(open(f))["cases"][0]["order"] for f in sys.argv[1:]]
assert o[0] == o[1], o
assert len(o[0].split()) == 15
assert o[0].split()[:3] != ["a", "b", "c"] or o[0].split()[3:6] != ["a", "b", "c"], "not shuffled"
PYEOF
  # Warm-ups are discarded on top of the first run.
  bench --engine a="$QUICK" --case t='{engine} true' --runs 2 --warmup 2 --pause 5 --json "$T/3.json"
  expect_rc 0
  json "$T/3.json" 'len(d["cases"][0]["order"].split()) == 5' 'res["t","a"]["n"] == 2' 'd["discarded"] == 3'
  "$BENCH" run --workdir "$T/work" --engine a="$QUICK" --case t='{engine} true' --runs 2 --seed 5 \
    >/dev/null 2>"$T/err"
  grep -q 'seed 5 (replay the order with --seed 5)' "$T/err" || fail "the seed is not printed: $(cat "$T/err")"
}

suite_errors_name_file_and_line() {
  printf 'name: s\ncases:\n  - name: a\n    command: "{engine} true\n  - name: b\n' >"$T/bad.yaml"
  bench --suite "$T/bad.yaml" --engine e="$QUICK"
  expect_rc 2; expect_err "$T/bad.yaml:6:1: found unexpected end of stream (while scanning a quoted scalar, line 4)"
  printf 'name: s\ncases:\n  - name: a\n    command: a: b\n' >"$T/map.yaml"
  bench --suite "$T/map.yaml" --engine e="$QUICK"
  expect_rc 2; expect_err "$T/map.yaml:4:"; expect_err "mapping values are not allowed"
  printf 'name: s\ncases:\n  - name: a\n    comand: "{engine} true"\n' >"$T/key.yaml"
  bench --suite "$T/key.yaml" --engine e="$QUICK"
  expect_rc 2; expect_err "$T/key.yaml:4: unknown key \"comand\""
  printf 'name: s\ncases:\n  - name: a\n    command: "{engine} {nosuch}"\n' >"$T/ph.yaml"
  bench --suite "$T/ph.yaml" --engine e="$QUICK"
  expect_rc 2; expect_err "$T/ph.yaml:3: a: unknown placeholder {nosuch}"
  bench --suite "$T/missing.yaml" --engine e="$QUICK"
  expect_rc 2; expect_err "cannot read suite $T/missing.yaml"
}

hang_times_out_and_failures_are_reported() {
  cat >"$T/s.yaml" <<'YAML'
name: failing
cases:
  - name: hangs
    command: "{engine} 30.4219"
  - name: prepare fails
    prepare: "echo no such thing >&2; exit 3"
    command: "{engine} 0"
  - name: fine
    command: "{engine} 0.01"
  - name: run fails
    command: "{engine} 0 && echo broken >&2 && exit 125"
YAML
  local t0=$SECONDS
  bench --suite "$T/s.yaml" --engine e=sleep --runs 2 --timeout 0.5 --json "$T/r.json"
  expect_rc 3
  [ $((SECONDS - t0)) -lt 15 ] || fail "the hanging run was not cut short"
  json "$T/r.json" 'res["hangs","e"]["status"] == "timeout"' \
    'res["prepare fails","e"]["status"] == "failed-prepare"' \
    '"no such thing" in res["prepare fails","e"]["error"]' \
    'res["fine","e"]["status"] == "ok" and res["fine","e"]["n"] == 2' \
    'res["run fails","e"]["status"] == "failed-run" and "exit 125: broken" in res["run fails","e"]["error"]'
  grep -q 'timeout' <<<"$out" || fail "the table does not report the timeout: $out"
  ! pgrep -f "sleep 30.4219" >/dev/null || fail "the hanging command survived its timeout"
}

bad_input_is_named() {
  bench --engine e="$FAST" --case t='{engine} true' --frobnicate
  expect_rc 2; expect_err 'unknown option "--frobnicate"'
  bench --engine e="$FAST" --case t='{engine} true' --runs 1
  expect_rc 2; expect_err '--runs: "1" is not a count of at least 2'
  bench --case t='{engine} true' --runs
  expect_rc 2; expect_err 'option --runs needs a value'
  bench --engine e="$FAST" --case t='{engine} true' --timeout never
  expect_rc 2; expect_err '--timeout: "never" is not a positive number of seconds'
  bench --engine e="$FAST"
  expect_rc 2; expect_err 'nothing to run'
  bench --engine e=/no/such/engine --case t='{engine} true'
  expect_rc 2; expect_err 'engine "e": program "/no/such/engine" not found'
  bench --engine e --case t='{engine} true'
  expect_rc 2; expect_err 'unknown engine "e": give it as --engine e=PREFIX'
  bench --suite "$SRC/bench/containers.yaml" --engine docker
  expect_rc 2; expect_err 'unknown engine "docker": the suite defines ck, podman'
  bench --suite "$SRC/bench/containers.yaml" --engine ck --set nosuch=1
  expect_rc 2; expect_err 'the suite has no parameter "nosuch"'
  bench --engine e="$FAST" --engine e="$SLOW" --case t='{engine} true'
  expect_rc 2; expect_err '"e" is given twice'
  bench --engine e="$FAST" --case t='{engine} true' --save ../x
  expect_rc 2; expect_err 'bad baseline name "../x"'
}

in_process_suite_runs() {
  bench --suite "$SRC/bench/state.yaml" --runs 2 --set records=20 --set ops=10 --json "$T/r.json"
  expect_rc 0
  json "$T/r.json" 'res["volume operations","sqlite"]["status"] == "ok"' \
    'res["volume operations","lmdb"]["status"] == "ok"' \
    'd["engines"][0]["version"].startswith("ck-bench, libcontainerkit")'
}

real_ck_small_cases() {
  [ -x "$CK" ] || { echo "SKIP: no ck binary"; exit 77; }
  bench --engine ck="$CK --root {scratch}/root --runroot {scratch}/run" --case 'ps -a'='{engine} ps -a' \
    --case images='{engine} images' --case 'no such command'='{engine} no-such-command' --runs 3 --json "$T/r.json"
  # A command ck does not have: reported, and the others go on.
  expect_rc 3
  json "$T/r.json" 'res["ps -a","ck"]["status"] == "ok" and res["ps -a","ck"]["median_ms"] > 0' \
    'res["images","ck"]["status"] == "ok"' 'res["no such command","ck"]["status"] == "failed-run"' \
    '"1.0" in d["engines"][0]["version"]'
}

container_suite_on_ck() {
  [ -x "$CK" ] || { echo "SKIP: no ck binary"; exit 77; }
  [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
  command -v runc >/dev/null || { echo "SKIP: no runc"; exit 77; }
  bench --suite "$SRC/bench/containers.yaml" --engine ck --set ck="$CK" --sizes 0,3 --runs 2 --json "$T/r.json"
  # Every case runs, or (system df, which ck may lack) is reported as failed
  # while the others go on: the exit code says which.
  local df
  df=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
print([r["status"] for c in d["cases"] if c["name"] == "system df @0" for r in c["results"]][0])' "$T/r.json")
  if [ "$df" = ok ]; then expect_rc 0; else expect_rc 3; fi
  json "$T/r.json" \
    'all(res[c + " @0","ck"]["status"] == "ok" for c in ("run", "run --rm", "create", "start", "stop", "rm", "ps -a", "images", "inspect", "exec", "pod create", "pod rm"))' \
    'res["system df @0","ck"]["status"] in ("ok", "failed-run")' \
    'res["ps -a @3","ck"]["status"] == "ok" and "images @3" not in [c["name"] for c in d["cases"]]'
}

# The pod suite on ck alone, rootful on the bridge: every case runs (the
# published port's fetch included), and the suite's finish leaves no
# keeper, pod or namespace behind.
pod_suite_on_ck() {
  [ -x "$CK" ] || { echo "SKIP: no ck binary"; exit 77; }
  [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
  for tool in runc curl; do command -v $tool >/dev/null || { echo "SKIP: no $tool"; exit 77; }; done
  [ -x /usr/lib/podman/netavark ] || [ -x /usr/libexec/podman/netavark ] || { echo "SKIP: no netavark"; exit 77; }
  [ -x /usr/bin/catatonit ] || [ -x /usr/libexec/podman/catatonit ] || { echo "SKIP: no catatonit"; exit 77; }
  local port
  port=$(/usr/bin/python3 "$SRC/tests/fixtures/free_ports.py" 1)
  bench --suite "$SRC/bench/pods.yaml" --engine ck --set ck="$CK" --set port="$port" --runs 2 --json "$T/r.json"
  expect_rc 0
  json "$T/r.json" \
    'all(res[c,"ck"]["status"] == "ok" for c in ("pod create", "pod start", "pod rm -f", "run --pod --rm", "run --rm", "run -p, first fetch"))'
  grep -q -- " $T/work" /proc/mounts && fail "mounts of the suite are left"
  [ -z "$(ls -A "$T/work/ck/run/netns" 2>/dev/null)" ] || fail "network namespaces are left"
}

# The floor engine of the pod suite (bench/pods/floor.sh): every case runs
# through netavark and runc alone, and the suite's finish leaves no
# namespace, bundle, runtime container or forwarding rule of it.
pod_suite_floor() {
  [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
  for tool in runc curl unshare iptables; do
    command -v $tool >/dev/null || [ -x /usr/sbin/$tool ] || { echo "SKIP: no $tool"; exit 77; }
  done
  [ -x /usr/lib/podman/netavark ] || { echo "SKIP: no netavark in /usr/lib/podman"; exit 77; }
  [ -x /usr/libexec/podman/catatonit ] || { echo "SKIP: no catatonit"; exit 77; }
  local port
  port=$(/usr/bin/python3 "$SRC/tests/fixtures/free_ports.py" 1)
  bench --suite "$SRC/bench/pods.yaml" --engine floor --set port="$port" --runs 2 --json "$T/r.json"
  expect_rc 0
  json "$T/r.json" \
    'all(res[c,"floor"]["status"] == "ok" for c in ("pod create", "pod start", "pod rm -f", "run --pod --rm", "run --rm", "run -p, first fetch"))'
  [ -z "$(ls -A "$T/work/floor/floor/ns" 2>/dev/null)" ] || fail "network namespaces of the floor are left"
  [ -z "$(ls -A "$T/work/floor/floor/c" 2>/dev/null)" ] || fail "bundles of the floor are left"
  grep -q -- " $T/work" /proc/mounts && fail "mounts of the floor are left"
  [ -z "$(runc --root "$T/work/floor/floor/runtime" list -q 2>/dev/null)" ] || fail "runtime containers of the floor are left"
  /usr/sbin/iptables -t nat -S 2>/dev/null | grep -q -- "--dport $port " && fail "the port's rules are left"
  true
}

# The pod suite's rootless ck engine, as the tests' unprivileged user
# (scripts/test.sh makes it): every case runs, slirp4netns included, and
# nothing of the user's is left running.
pod_suite_rootless_ck() {
  local u=${CK_TEST_ROOTLESS_USER:-}
  [ -n "$u" ] || { echo "SKIP: set CK_TEST_ROOTLESS_USER (scripts/test.sh)"; exit 77; }
  [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
  id "$u" >/dev/null 2>&1 || { echo "SKIP: no user $u"; exit 77; }
  [ "$(stat -c %a /dev/net/tun 2>/dev/null)" = 666 ] || { echo "SKIP: /dev/net/tun is not open (HOST-SETUP.md)"; exit 77; }
  for tool in runc curl slirp4netns setpriv; do command -v $tool >/dev/null || { echo "SKIP: no $tool"; exit 77; }; done
  setpriv --reuid "$u" --regid "$(id -g "$u")" --clear-groups -- test -x "$CK" || { echo "SKIP: $u cannot run $CK"; exit 77; }
  local port
  port=$(/usr/bin/python3 "$SRC/tests/fixtures/free_ports.py" 1)
  mkdir -p "$T/work" && chmod 755 "$T" "$T/work"
  bench --suite "$SRC/bench/pods.yaml" --engine ck-rootless --set ck="$CK" --set user="$u" --set port="$port" \
    --runs 2 --json "$T/r.json"
  expect_rc 0
  json "$T/r.json" \
    'all(res[c,"ck-rootless"]["status"] == "ok" for c in ("pod create", "pod start", "pod rm -f", "run --pod --rm", "run --rm", "run -p, first fetch"))'
  pgrep -u "$u" -f "$T/work" >/dev/null && fail "processes of the rootless engine are left"
  true
}

"$1"
[ $failed -eq 0 ] && echo "PASS $1" || exit 1
