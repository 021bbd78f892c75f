#!/usr/bin/env bash
# An in-place auto-update (local policy, real runc containers) interrupted
# by SIGKILL: what it leaves aside (NAME.ck-autoupdate-previous) is reported
# by `ck system check`, put right by `--repair` according to the container
# under NAME, and the next auto-update copes with it.
# Usage: test_autoupdate_crash.sh [TEST...]
. "$(dirname "$0")/lib.sh"

FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
RUNTIME=${CK_TEST_RUNTIME:-runc}
APP=localhost/lapp:latest
LABEL=io.containers.autoupdate
KILLS=${CK_TEST_KILLS:-12}

[ "$(id -u)" -eq 0 ] || { echo "SKIP: the auto-update tests run containers as root" >&2; exit 77; }
command -v "$RUNTIME" >/dev/null || { echo "SKIP: $RUNTIME is not installed" >&2; exit 77; }

IMGS=$(mktemp -d "$TMPBASE/ck-aucrash-XXXXXX")
trap 'rm -rf "$IMGS"' EXIT
# They stop at once on SIGTERM (sleep as PID 1 would ignore it, and every
# stop would take its full timeout).
for v in 1 2; do
  python3 "$FIXTURES/mkimage.py" "$IMGS/v$v.tar" --format oci-archive --busybox --name "$APP" \
    --cmd '["sh","-c","trap \"exit 0\" TERM; while :; do sleep 1 & wait; done"]' --label version=$v >/dev/null || { echo "cannot build image v$v" >&2; exit 1; }
done

ck() { run_ck --runtime "$RUNTIME" "$@"; }
field() { ck inspect --format "$2" "$1"; printf '%s' "$out"; }
image_id() { ck image inspect --format '{{.Id}}' "$APP"; printf '%s' "$out"; }

# deploy: v1 (and v2 loaded, so an update is pending), app running with data
deploy() {
  ck load -i "$IMGS/v1.tar"; expect_rc 0
  V1=$(image_id)
  ck run -d --name app --network none --label "$LABEL=local" -v appdata:/data "$APP"; expect_rc 0
  ck exec app sh -c 'echo kept > /data/f'; expect_rc 0
  ck load -i "$IMGS/v2.tar"; expect_rc 0
  V2=$(image_id)
}

cleanup() {
  ck rm -f -a >/dev/null
  ck volume rm -f -a >/dev/null 2>&1
}

# settled: one container, app, running, with the data; nothing aside; the
# check finds nothing
settled() {
  ck ps -a --format '{{.Names}} {{.State}}'
  [ "$out" = "app running" ] || fail "$1: containers: $out"
  ck exec app cat /data/f; [ "$out" = kept ] || fail "$1: the volume's data: '$out'"
  ck system check; [ "$rc" -eq 0 ] || fail "$1: the check still finds: $out $err"
}

# The states an update leaves when killed between its steps, made here with
# the same steps (rename aside, stop, create, start): each is reported, and
# the repair decides by the container under the name.
check_reports_and_repair_decides_by_the_new_container() {
  deploy
  local id1 id2
  id1=$(field app '{{.Id}}')
  # killed between the rename and the stop: renamed back, still running
  ck rename app app.ck-autoupdate-previous; expect_rc 0
  ck system check; expect_rc 1
  expect_out "autoupdate-previous "
  expect_out "interrupted before the new container was made: it is to be renamed back to app"
  ck system check --repair; expect_rc 0
  [ "$(field app '{{.Id}}')" = "$id1" ] || fail "not the previous container under the name"
  settled "renamed, running"
  # killed after the stop: renamed back and started
  ck rename app app.ck-autoupdate-previous; expect_rc 0
  ck stop -t 1 app.ck-autoupdate-previous; expect_rc 0
  ck system check; expect_rc 1
  expect_out "renamed back to app and started"
  ck system check --repair; expect_rc 0
  settled "renamed, stopped"
  # killed after the new container was made, before it ran: it goes, the
  # previous one comes back
  ck rename app app.ck-autoupdate-previous; expect_rc 0
  ck stop -t 1 app.ck-autoupdate-previous; expect_rc 0
  ck create --name app --network none --label "$LABEL=local" -v appdata:/data "$APP"; expect_rc 0
  ck system check; expect_rc 1
  expect_out "under that name is created: it is to be removed"
  ck system check --repair; expect_rc 0
  [ "$(field app '{{.Id}}') $(field app '{{.Image}}')" = "$id1 $V1" ] || fail "the previous container is not back"
  settled "new one created"
  # killed during the gate: the new container runs and stays, the previous goes
  ck rename app app.ck-autoupdate-previous; expect_rc 0
  ck stop -t 1 app.ck-autoupdate-previous; expect_rc 0
  ck run -d --name app --network none --label "$LABEL=local" -v appdata:/data "$APP"; expect_rc 0
  id2=$(field app '{{.Id}}')
  ck system check; expect_rc 1
  expect_out "runs under that name, so the update had taken its place: it is to be removed"
  ck system check --repair; expect_rc 0
  [ "$(field app '{{.Id}}') $(field app '{{.Image}}')" = "$id2 $V2" ] || fail "the new container did not stay"
  settled "new one running"
  ck volume ls -q; [ "$out" = appdata ] || fail "volumes: $out"
  cleanup
}

# A real SIGKILL while the update waits at its gate: the check reports the
# previous container; the next auto-update removes it itself and finds the
# container up to date.
kill_at_the_gate_then_next_update_copes() {
  deploy
  "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" --runtime "$RUNTIME" auto-update --gate-seconds 120 \
    >"$ROOT/au.out" 2>&1 &
  local pid=$! n=600
  # the gate: the previous container aside and stopped, the new one running
  while [ $n -gt 0 ]; do
    ck ps -a --format '{{.Names}} {{.State}}'
    grep -q "^app.ck-autoupdate-previous exited$" <<<"$out" && grep -q "^app running$" <<<"$out" && break
    sleep 0.05; n=$((n - 1))
  done
  [ $n -gt 0 ] || fail "the update did not reach its gate: $out $(cat "$ROOT/au.out")"
  kill -9 $pid; wait $pid 2>/dev/null
  ck system check; expect_rc 1
  expect_out "app.ck-autoupdate-previous is the previous container of an interrupted auto-update of app"
  ck auto-update --gate-seconds 1; expect_rc 0
  grep -F "(app)" <<<"$out" | grep -q "local *false$" || fail "expected false: $out"
  [ "$(field app '{{.Image}}')" = "$V2" ] || fail "not on v2"
  settled "after the next update"
  cleanup
}

# SIGKILL at random points of updates: after each, the repair leaves one
# running app with its data, and a last update completes.
kill_at_random_points_then_repair() {
  deploy
  local i t0 span ms pid seen="" img
  t0=$(date +%s%N)
  ck auto-update --gate-seconds 1; expect_rc 0 # one whole update: its length sets the range of the kills
  # the gate (1 s) ends it; the kills go to what comes before, where the
  # containers change
  span=$((($(date +%s%N) - t0) / 1000000 - 1000))
  [ $span -ge 50 ] || span=50
  grep -F "(app)" <<<"$out" | grep -q "local *true$" || fail "the timing update: $out"
  echo "  updates take ${span} ms before their gate; $KILLS kills within it" >&2
  for i in $(seq 1 "$KILLS"); do
    # the other image under the name, so that an update is pending
    if [ "$(field app '{{.Image}}')" = "$V1" ]; then img=v2; else img=v1; fi
    ck load -i "$IMGS/$img.tar"; expect_rc 0
    "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" --runtime "$RUNTIME" auto-update --gate-seconds 1 \
      >/dev/null 2>&1 &
    pid=$!
    ms=$((RANDOM % (span + 1)))
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))" # a random kill point, not a wait
    kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
    ck system check
    if grep -q autoupdate-previous <<<"$out"; then
      seen="$seen $(grep -o 'container was made\|taken its place\|that name is [a-z]*' <<<"$out" | head -1 | tr ' ' _)"
    fi
    ck system check --repair; [ "$rc" -eq 0 ] || fail "round $i: the repair: $out $err"
    settled "round $i"
  done
  echo "  leftovers seen:${seen:- none}" >&2
  ck auto-update --gate-seconds 1; expect_rc 0
  grep -F "(app)" <<<"$out" | grep -q "local *\(true\|false\)$" || fail "the last update: $out"
  [ "$(field app '{{.Image}}')" = "$(image_id)" ] || fail "not on the image under the name"
  settled "after the last update"
  cleanup
}

if [ $# -eq 0 ]; then
  set -- check_reports_and_repair_decides_by_the_new_container kill_at_the_gate_then_next_update_copes \
    kill_at_random_points_then_repair
fi
run_tests "$@"
