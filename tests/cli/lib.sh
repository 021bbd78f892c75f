# Assertions for the CLI tests: each test is a function named after the
# behaviour; the script ends with "N passed, N failed".
set -u
CK_BIN=${CK_BIN:?set CK_BIN to the ck binary}
TMPBASE=${CK_TEST_TMPDIR:-/tmp}
passed=0
failed=0
current=""
current_failed=0

fail() {
  echo "  $current: $*" >&2
  current_failed=1
}

# run_ck ARGS...: runs ck on the test's roots; sets $out, $err and $rc.
run_ck() {
  local o e
  o=$(mktemp) e=$(mktemp)
  "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" "$@" >"$o" 2>"$e"
  rc=$?
  out=$(cat "$o") err=$(cat "$e")
  rm -f "$o" "$e"
}

# free_ports N: N distinct ports on 127.0.0.1 that nothing holds now, from
# below the ephemeral range (tests/fixtures/free_ports.py says why).
CK_TEST_FIXTURES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)
free_ports() { /usr/bin/python3 "$CK_TEST_FIXTURES/free_ports.py" "${1:-1}"; }
free_port() { free_ports 1; }

expect_rc() { [ "$rc" -eq "$1" ] || fail "expected exit $1, got $rc (stderr: $err)"; }
expect_out() { grep -qF -- "$1" <<<"$out" || fail "stdout lacks '$1': $out"; }
expect_no_out() { ! grep -qF -- "$1" <<<"$out" || fail "stdout has '$1': $out"; }
expect_err() { grep -qF -- "$1" <<<"$err" || fail "stderr lacks '$1': $err"; }

# What a test left running under $ROOT (a test that failed halfway, most
# often): its monitors would outlive the test and keep its mounts.
stop_leftovers() {
  pgrep -f -- "--root $ROOT/storage " >/dev/null 2>&1 || return 0
  "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" pod rm -a -f >/dev/null 2>&1
  "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" rm -a -f -t 0 >/dev/null 2>&1
  pgrep -f -- "--root $ROOT/storage " >/dev/null 2>&1 && echo "  $current: processes of $ROOT outlived the test" >&2
  return 0
}

run_tests() {
  for t in "$@"; do
    current=$t
    current_failed=0
    ROOT=$(mktemp -d "$TMPBASE/ck-cli-XXXXXX")
    echo "RUN  $t" >&2
    if declare -F "$t" >/dev/null; then "$t"; else fail "no such test"; fi
    stop_leftovers
    rm -rf "$ROOT"
    if [ $current_failed -eq 0 ]; then
      passed=$((passed + 1)); echo "PASS $t" >&2
    else
      failed=$((failed + 1)); echo "FAIL $t" >&2
    fi
  done
  echo "$passed passed, $failed failed"
  [ $failed -eq 0 ]
}
