#!/usr/bin/env bash
# Healthchecks through the real CLI: the --health-* flags and
# --no-healthcheck on run/create, the image's HEALTHCHECK, `ck healthcheck
# run` with podman's exit codes, the health in ps and inspect, the
# health_status events, and bad input that creates nothing.  Waits poll the
# state with a bound, never a fixed sleep.  Usage: test_health.sh [TEST...]
. "$(dirname "$0")/lib.sh"

RUNTIME=${CK_TEST_RUNTIME:-runc}
FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
IMG=localhost/busybox:latest
HCIMG=localhost/hc:latest

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the container CLI tests run as root" >&2; exit 77
fi
command -v "$RUNTIME" >/dev/null || { echo "SKIP: $RUNTIME is not installed" >&2; exit 77; }

ARCHIVE_DIR=$(mktemp -d "$TMPBASE/ck-cli-hc-XXXXXX")
trap 'rm -rf "$ARCHIVE_DIR"' EXIT
python3 "$FIXTURES/mkimage.py" "$ARCHIVE_DIR/busybox.tar" --format oci-archive --busybox --name "$IMG" >/dev/null &&
python3 "$FIXTURES/mkimage.py" "$ARCHIVE_DIR/hc.tar" --format oci-archive --busybox --name "$HCIMG" \
  --cmd '["sleep","1000"]' --healthcheck '["CMD-SHELL","echo image-check"]' --health-interval 1 \
  --health-retries 2 >/dev/null || { echo "cannot build the test images" >&2; exit 1; }

ck() { run_ck --runtime "$RUNTIME" "$@"; }
load_images() {
  ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0
  ck load -i "$ARCHIVE_DIR/hc.tar"; expect_rc 0
}
cleanup() {
  run_ck ps -a -q --no-trunc
  local ids=$out
  [ -n "$ids" ] && run_ck rm -f $ids
  true
}
# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
wait_for() {
  local n=$(($1 * 10)); shift
  while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}
health_is() { ck inspect --format '{{.State.Health.Status}}' "$1"; [ "$out" = "$2" ]; }
status_is() { ck inspect --format '{{.State.Status}}' "$1"; [ "$out" = "$2" ]; }
no_containers() { run_ck ps -a -q; [ -z "$out" ] || fail "containers left behind: $out"; }

healthcheck_run_gives_podmans_exit_codes() {
  load_images
  ck run -d --name h --health-cmd 'test -e /tmp/ok' --health-interval disable $IMG sleep 1000; expect_rc 0
  ck healthcheck run h; expect_rc 1; [ "$out" = unhealthy ] || fail "a failure printed '$out'"
  health_is h starting || fail "one failure of three made it '$out'"
  ck exec h sh -c 'echo > /tmp/ok'; expect_rc 0
  ck healthcheck run h; expect_rc 0; [ -z "$out" ] || fail "a pass printed '$out'"
  health_is h healthy || fail "health '$out' after a pass"
  ck exec h rm /tmp/ok; expect_rc 0
  ck healthcheck run h; expect_rc 1; [ "$out" = unhealthy ] || fail "printed '$out'"
  health_is h healthy || fail "one failure after a pass made it '$out'"
  ck run -d --name plain $IMG sleep 1000; expect_rc 0
  ck healthcheck run plain; expect_rc 125; expect_err "no healthcheck"
  ck healthcheck run nosuch; expect_rc 125
  ck stop -t 0 h; expect_rc 0
  ck healthcheck run h; expect_rc 125; expect_err "not running"
}

ps_and_inspect_show_the_health() {
  load_images
  ck run -d --name web --health-cmd '["CMD","true"]' --health-interval 1s --health-timeout 5s \
    --health-start-period 2s --health-retries 4 --health-on-failure none $IMG sleep 1000; expect_rc 0
  ck ps; expect_out "(starting)"
  wait_for 15 health_is web healthy || fail "not healthy: $out"
  ck ps; expect_out "(healthy)"
  [[ "$out" =~ Up\ [^\(]+ago\ \(healthy\) ]] || fail "ps STATUS: $out"
  ck inspect --format '{{.State.Healthcheck.Status}} {{.State.Health.FailingStreak}} {{len .State.Health.Log}}' web
  [[ "$out" =~ ^healthy\ 0\ [1-5]$ ]] || fail "inspect health '$out'"
  ck inspect --format '{{json .Config.Healthcheck}}' web
  expect_out '"Test":["CMD","true"]'; expect_out '"Interval":1000000000'; expect_out '"Timeout":5000000000'
  expect_out '"StartPeriod":2000000000'; expect_out '"Retries":4'
  ck inspect --format '{{(index .State.Health.Log 0).ExitCode}}' web; [ "$out" = 0 ] || fail "log exit code '$out'"
  # At most the last five results are kept.
  for i in 1 2 3 4 5 6; do ck healthcheck run web; done
  ck inspect --format '{{len .State.Health.Log}}' web; [ "$out" = 5 ] || fail "log has $out entries"
}

events_record_each_change() {
  load_images
  ck run -d --name ev --health-cmd 'test -e /tmp/ok' --health-interval 1s --health-retries 1 $IMG sleep 1000
  expect_rc 0
  wait_for 15 health_is ev unhealthy || fail "not unhealthy: $out"
  ck exec ev sh -c 'echo > /tmp/ok'; expect_rc 0
  wait_for 15 health_is ev healthy || fail "not healthy: $out"
  ck events --stream=false --filter event=health_status; expect_rc 0
  [ "$(grep -c health_status= <<<"$out")" = 2 ] || fail "events: $out"
  grep -q 'health_status=unhealthy' <<<"$(head -1 <<<"$out")" || fail "first event: $out"
  grep -q 'health_status=healthy' <<<"$(tail -1 <<<"$out")" || fail "last event: $out"
}

image_healthcheck_is_used_unless_disabled() {
  load_images
  ck run -d --name img $HCIMG; expect_rc 0
  wait_for 15 health_is img healthy || fail "the image's check did not run: $out"
  ck inspect --format '{{(index .State.Health.Log 0).Output}}' img; expect_out image-check
  ck run -d --name off --no-healthcheck $HCIMG; expect_rc 0
  ck inspect --format '{{json .State.Health}}' off; expect_no_out Status
  ck ps --filter name=off; expect_no_out "(starting)"
  ck healthcheck run off; expect_rc 125
  ck run -d --name none --health-cmd none $HCIMG; expect_rc 0
  ck healthcheck run none; expect_rc 125
}

on_failure_kill_ends_the_container() {
  load_images
  ck run -d --name k --health-cmd 'exit 1' --health-interval 1s --health-retries 1 --health-on-failure kill \
    $IMG sleep 1000; expect_rc 0
  wait_for 20 status_is k exited || fail "still $out"
  ck inspect --format '{{.State.ExitCode}} {{.State.Health.Status}}' k; [ "$out" = "137 unhealthy" ] || fail "'$out'"
}

bad_input_gets_clear_errors_and_creates_nothing() {
  load_images
  ck run -d --health-cmd true --health-interval 10x $IMG true; expect_rc 125; expect_err "10x"
  ck create --health-cmd true --health-interval 500ms $IMG true; expect_rc 125; expect_err "at least 1 second"
  ck create --health-cmd true --health-timeout 0s $IMG true; expect_rc 125; expect_err "--health-timeout"
  ck create --health-cmd true --health-on-failure explode $IMG true; expect_rc 125; expect_err "explode"
  ck create --health-cmd true --health-retries 0 $IMG true; expect_rc 125; expect_err "--health-retries"
  ck create --health-cmd '["CMD-SHELL"]' $IMG true; expect_rc 125; expect_err "CMD-SHELL"
  ck create --sdnotify loud $IMG true; expect_rc 125; expect_err "loud"
  ck create --sdnotify healthy $IMG true; expect_rc 125; expect_err "healthcheck"
  ck create --no-healthcheck --health-cmd true $IMG true; expect_rc 125; expect_err "--no-healthcheck"
  # A bad healthcheck does not let --replace remove the old one.
  ck create --name keep $IMG true; expect_rc 0
  ck create --replace --name keep --sdnotify healthy $IMG true; expect_rc 125
  ck container exists keep; expect_rc 0
  ck rm keep; expect_rc 0
  no_containers
}

all_tests=(healthcheck_run_gives_podmans_exit_codes ps_and_inspect_show_the_health events_record_each_change
  image_healthcheck_is_used_unless_disabled on_failure_kill_ends_the_container
  bad_input_gets_clear_errors_and_creates_nothing)

for t in "${all_tests[@]}"; do
  eval "orig_$t() { $(declare -f "$t" | tail -n +2); }"
  eval "$t() { orig_$t; cleanup; }"
done
echo "runtime: $RUNTIME" >&2
run_tests "${@:-${all_tests[@]}}"
