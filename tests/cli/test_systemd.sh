#!/usr/bin/env bash
# ck generate systemd and ck systemd generate-units through the real CLI:
# every unit passes systemd-analyze verify, and since this machine has no
# systemd as PID 1, the units' command lines are run as systemd would run
# them (tests/cli/systemd_exec.py: %t, %n expanded, ExecStartPre, ExecStart,
# ExecStop, ExecStopPost in order) against real containers of a busybox
# image with runc; bad input gets a clear error and writes nothing.
# Usage: test_systemd.sh [TEST...] runs some of them.
. "$(dirname "$0")/lib.sh"

RUNTIME=${CK_TEST_RUNTIME:-runc}
FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
EXEC=$(cd "$(dirname "$0")" && pwd)/systemd_exec.py
IMG=localhost/busybox:latest

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the systemd CLI tests run as root" >&2; exit 77
fi
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is not installed (package systemd)" >&2; exit 77; }
command -v "$RUNTIME" >/dev/null || { echo "SKIP: $RUNTIME is not installed" >&2; exit 77; }
[ -x /usr/bin/catatonit ] || [ -x /usr/libexec/podman/catatonit ] ||
  { echo "SKIP: catatonit is not installed (apt-get install catatonit)" >&2; exit 77; }

ARCHIVE_DIR=$(mktemp -d "$TMPBASE/ck-sd-img-XXXXXX")
trap 'rm -rf "$ARCHIVE_DIR"' EXIT
python3 "$FIXTURES/mkimage.py" "$ARCHIVE_DIR/busybox.tar" --format oci-archive --busybox --name "$IMG" >/dev/null ||
  { echo "cannot build the busybox image" >&2; exit 1; }
CK_ABS=$(readlink -f "$CK_BIN")

ck() { run_ck --runtime "$RUNTIME" "$@"; }
load_image() { ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0; }
cleanup() {
  run_ck pod rm -a -f
  run_ck ps -a -q --no-trunc
  [ -n "$out" ] && run_ck rm -f $out
  true
}

# verify DIR: every unit in DIR passes systemd-analyze verify without a word.
verify() {
  local o
  o=$(cd "$1" && systemd-analyze verify "$1"/*.service 2>&1)
  [ $? -eq 0 ] || fail "systemd-analyze verify failed: $o"
  [ -z "$o" ] || fail "systemd-analyze verify complained: $o"
}

# gen DIR ARGS...: ck generate systemd --files ARGS in DIR.
gen() {
  mkdir -p "$1"
  local d=$1; shift
  (cd "$d" && "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" generate systemd --files "$@") >"$ROOT/gen.out" 2>"$ROOT/gen.err"
  rc=$?
  out=$(cat "$ROOT/gen.out") err=$(cat "$ROOT/gen.err")
}

# unit ACTION FILE: runs the unit's commands for start or stop.
unit() {
  local o
  o=$(python3 "$EXEC" "$2" "$1" "$ROOT/rt" 2>&1)
  rc=$?
  out=$o
}

status_of() { run_ck inspect --format '{{.State.Status}}' "$1"; echo "$out"; }

test_units_of_a_container_verify() {
  load_image
  ck create --name web -e A=1 -l io.containers.autoupdate=registry "$IMG" sleep 1000; expect_rc 0
  gen "$ROOT/plain" --name web; expect_rc 0
  expect_out "$ROOT/plain/container-web.service"
  verify "$ROOT/plain"
  grep -q '^Type=forking$' "$ROOT/plain/container-web.service" || fail "no Type=forking"
  grep -q "^ExecStart=$CK_ABS " "$ROOT/plain/container-web.service" || fail "ExecStart does not run $CK_ABS"
  # units of this host's systemd package: verify wants them to exist
  # -e NAME takes NAME's value here, and a NAME that is not set is left out
  CK_T_SET=2 gen "$ROOT/new" --new --name web --restart-policy=always --restart-sec 5 -t 3 --after time-sync.target \
    --wants time-sync.target --requires local-fs.target -e X=1 -e CK_T_SET -e CK_T_UNSET; expect_rc 0
  verify "$ROOT/new"
  local u="$ROOT/new/container-web.service"
  for line in Type=notify NotifyAccess=all Restart=always RestartSec=5 TimeoutStopSec=63 After=time-sync.target \
    Wants=time-sync.target Requires=local-fs.target Environment=X=1 Environment=CK_T_SET=2; do
    grep -qx "$line" "$u" || fail "no $line in the --new unit"
  done
  grep -q -- '--cidfile=%t/%n.ctr-id' "$u" || fail "no cidfile in the --new unit"
  grep -q CK_T_UNSET "$u" && fail "an unset -e variable is in the unit"
  cleanup
}

test_units_of_a_pod_verify() {
  load_image
  ck pod create --name tut; expect_rc 0
  ck create --pod tut --name tut-a "$IMG" sleep 1000; expect_rc 0
  ck create --pod tut --name tut-b "$IMG" sleep 1000; expect_rc 0
  for mode in plain new; do
    if [ $mode = new ]; then gen "$ROOT/$mode" --name --new tut; else gen "$ROOT/$mode" --name tut; fi
    expect_rc 0
    [ "$(ls "$ROOT/$mode" | wc -l)" -eq 3 ] || fail "$mode: not 3 units: $(ls "$ROOT/$mode")"
    verify "$ROOT/$mode"
    grep -qx 'Wants=container-tut-a.service container-tut-b.service' "$ROOT/$mode/pod-tut.service" ||
      fail "$mode: the pod's unit does not want its members"
    grep -qx 'BindsTo=pod-tut.service' "$ROOT/$mode/container-tut-a.service" ||
      fail "$mode: a member is not bound to the pod's unit"
  done
  grep -q -- '--pod-id-file %t/pod-tut.pod-id' "$ROOT/new/container-tut-b.service" || fail "no --pod-id-file"
  ck generate systemd --format json --name tut; expect_rc 0
  python3 -c 'import json,sys; d=json.load(sys.stdin); assert sorted(d)==["container-tut-a","container-tut-b","pod-tut"], d' <<<"$out" ||
    fail "--format json: $out"
  cleanup
}

test_quadlet_set_verifies() {
  mkdir -p "$ROOT/q" "$ROOT/qout"
  cat >"$ROOT/q/tut.pod" <<'EOF'
[Pod]
PodName=tut
Label=app=tut
[Install]
WantedBy=default.target
EOF
  cat >"$ROOT/q/web.container" <<EOF
[Unit]
Description=web
[Container]
Image=$IMG
Pod=tut.pod
AutoUpdate=registry
Volume=data.volume:/data:Z
Network=net.network
Environment=A=1 "B=two words"
Label=io.example=1 \\
  tier=front
Exec=httpd -f -p 127.0.0.1:8080
Notify=true
[Service]
Restart=always
EOF
  printf '[Volume]\nLabel=keep=1\n' >"$ROOT/q/data.volume"
  printf '[Network]\nSubnet=10.89.7.0/24\nGateway=10.89.7.1\n' >"$ROOT/q/net.network"
  run_ck systemd generate-units --output "$ROOT/qout" "$ROOT/q"; expect_rc 0
  [ "$(ls "$ROOT/qout" | wc -l)" -eq 4 ] || fail "not 4 units: $(ls "$ROOT/qout")"
  verify "$ROOT/qout"
  grep -qx 'Wants=web.service' "$ROOT/qout/tut-pod.service" || fail "the pod does not want web.service"
  grep -qx 'Requires=data-volume.service' "$ROOT/qout/web.service" || fail "web does not require its volume"
}

# ck linked as ck-systemd-generator is a systemd generator: Quadlet files
# become units in the output directory, enabled as [Install] says.
test_ck_as_systemd_generator() {
  mkdir -p "$ROOT/q1" "$ROOT/q2" "$ROOT/gen" "$ROOT/bin"
  ln -s "$CK_ABS" "$ROOT/bin/ck-systemd-generator"
  printf '[Container]\nImage=%s\nExec=sleep 1000\n[Install]\nWantedBy=multi-user.target default.target\n' "$IMG" \
    >"$ROOT/q1/app.container"
  printf '[Volume]\n' >"$ROOT/q2/data.volume"
  QUADLET_UNIT_DIRS="$ROOT/q1:$ROOT/q2:$ROOT/missing" "$ROOT/bin/ck-systemd-generator" "$ROOT/gen" "$ROOT/e" "$ROOT/l" \
    >"$ROOT/g.out" 2>&1 || fail "the generator failed: $(cat "$ROOT/g.out")"
  [ -f "$ROOT/gen/app.service" ] && [ -f "$ROOT/gen/data-volume.service" ] || fail "units missing: $(ls "$ROOT/gen")"
  local t
  for t in multi-user.target default.target; do
    [ "$(readlink "$ROOT/gen/$t.wants/app.service")" = ../app.service ] || fail "not enabled for $t"
  done
  verify "$ROOT/gen"
  # without any of its directories it writes nothing and succeeds
  mkdir -p "$ROOT/gen2"
  QUADLET_UNIT_DIRS="$ROOT/missing" "$ROOT/bin/ck-systemd-generator" "$ROOT/gen2" || fail "failed without directories"
  [ -z "$(ls "$ROOT/gen2")" ] || fail "wrote units from nothing"
}

test_auto_update_example_units_verify() {
  local src=${CK_EXAMPLES:-}
  [ -n "$src" ] && [ -f "$src/ck-auto-update.service" ] || { fail "CK_EXAMPLES has no ck-auto-update.service"; return; }
  grep -q '^ExecStart=/.*/ck auto-update$' "$src/ck-auto-update.service" || fail "ExecStart is not an absolute ck"
  grep -qx 'OnCalendar=daily' "$src/ck-auto-update.timer" || fail "the timer is not daily"
  mkdir -p "$ROOT/au"
  # the configured install path need not exist here: the built ck stands in
  sed -E "s#=(/[^ ]*)/ck #=$CK_ABS #" "$src/ck-auto-update.service" >"$ROOT/au/ck-auto-update.service"
  cp "$src/ck-auto-update.timer" "$ROOT/au/"
  local o
  o=$(cd "$ROOT/au" && systemd-analyze verify "$ROOT/au/ck-auto-update.service" "$ROOT/au/ck-auto-update.timer" 2>&1)
  [ $? -eq 0 ] && [ -z "$o" ] || fail "systemd-analyze verify: $o"
}

# Without --new: the units start and stop the existing container; the
# monitor's pid file is the unit's main pid.
test_container_unit_without_new_starts_and_stops_it() {
  load_image
  ck create --name web "$IMG" sleep 1000; expect_rc 0
  gen "$ROOT/u" --name web; expect_rc 0
  local u="$ROOT/u/container-web.service"
  unit start "$u"; [ $rc -eq 0 ] || fail "start: $out"
  [ "$(status_of web)" = running ] || fail "not running after ExecStart"
  local pid
  pid=$(sed -n 's/^MAINPID=//p' <<<"$out")
  [ -n "$pid" ] && grep -q ck-monitor "/proc/$pid/cmdline" 2>/dev/null || fail "main pid $pid is not the monitor"
  unit stop "$u"; [ $rc -eq 0 ] || fail "stop: $out"
  [ "$(status_of web)" = exited ] || fail "not exited after ExecStop: $(status_of web)"
  cleanup
}

# With --new: ExecStart makes a fresh container (the original may be gone),
# writes the cidfile; ExecStop/ExecStopPost remove it and the cidfile.
test_container_unit_new_replaces_and_removes() {
  load_image
  echo "GREETING=hello from the env file" >"$ROOT/web.env"
  ck run -d --name web --env-file "$ROOT/web.env" "$IMG" sleep 1000; expect_rc 0
  gen "$ROOT/u" --new --name web; expect_rc 0
  ck rm -f web; expect_rc 0
  mkdir -p "$ROOT/rt"
  local u="$ROOT/u/container-web.service"
  unit start "$u"; [ $rc -eq 0 ] || fail "start: $out"
  [ -s "$ROOT/rt/container-web.service.ctr-id" ] || fail "no cidfile"
  [ "$(status_of web)" = running ] || fail "not running after ExecStart"
  ck exec web sh -c 'echo $GREETING'; expect_out "hello from the env file"
  ck inspect --format '{{index .Config.Labels "PODMAN_SYSTEMD_UNIT"}}' web; expect_out container-web.service
  # a second start (a restart after a crash) replaces it
  unit start "$u"; [ $rc -eq 0 ] || fail "restart: $out"
  ck ps -a -q; [ "$(wc -l <<<"$out")" -eq 1 ] || fail "more than one container: $out"
  unit stop "$u"; [ $rc -eq 0 ] || fail "stop: $out"
  ck ps -a -q; [ -z "$out" ] || fail "container left: $out"
  [ ! -e "$ROOT/rt/container-web.service.ctr-id" ] || fail "cidfile left"
  unit stop "$u"; [ $rc -eq 0 ] || fail "stopping a stopped unit: $out"
  cleanup
}

# The tutorial's pod: two busybox members (httpd on 127.0.0.1 in the pod,
# one sleeping), an env file, a volume with :Z, autoupdate labels; units
# made with --files --name --new and run in systemd's order.
tutorial_pod() {
  load_image
  mkdir -p "$ROOT/site" "$ROOT/rt"
  echo "hello from the volume" >"$ROOT/site/index.html"
  echo "GREETING=hi" >"$ROOT/app.env"
  ck pod create --name tut --label app=tut; expect_rc 0
  ck create --pod tut --name tut-web --env-file "$ROOT/app.env" -v "$ROOT/site:/www:Z" \
    -l io.containers.autoupdate=registry "$IMG" httpd -f -p 127.0.0.1:8080 -h /www; expect_rc 0
  ck create --pod tut --name tut-sleep --env-file "$ROOT/app.env" -l io.containers.autoupdate=registry \
    "$IMG" sleep 1000; expect_rc 0
}

web_answers() {
  ck exec tut-sleep sh -c 'printf "GET /index.html HTTP/1.0\r\n\r\n" | nc 127.0.0.1 8080'
  grep -q "hello from the volume" <<<"$out"
}

test_tutorial_pod_units_new_lifecycle() {
  tutorial_pod
  gen "$ROOT/u" --new --name tut; expect_rc 0
  verify "$ROOT/u"
  ck pod rm -f tut; expect_rc 0
  ck ps -a -q; [ -z "$out" ] || fail "containers left before the units start: $out"
  # systemd: the pod's unit first (Before=), then its members (After=)
  unit start "$ROOT/u/pod-tut.service"; [ $rc -eq 0 ] || fail "pod start: $out"
  [ -s "$ROOT/rt/pod-tut.pod-id" ] || fail "no pod id file"
  grep -q '^MAINPID=' <<<"$out" || fail "no main pid from %t/pod-tut.pid"
  for m in tut-sleep tut-web; do
    unit start "$ROOT/u/container-$m.service"; [ $rc -eq 0 ] || fail "$m start: $out"
    [ "$(status_of $m)" = running ] || fail "$m is not running"
    [ -s "$ROOT/rt/container-$m.service.ctr-id" ] || fail "no cidfile of $m"
  done
  ck pod inspect --format '{{.Id}}' tut; [ "$out" = "$(cat "$ROOT/rt/pod-tut.pod-id")" ] || fail "pod id file is not the pod's"
  ck inspect --format '{{index .Config.Labels "io.containers.autoupdate"}}' tut-web; expect_out registry
  ck exec tut-web sh -c 'echo $GREETING'; expect_out hi
  web_answers || fail "httpd does not answer inside the pod: $out"
  # and back, members first
  for m in tut-web tut-sleep; do
    unit stop "$ROOT/u/container-$m.service"; [ $rc -eq 0 ] || fail "$m stop: $out"
  done
  unit stop "$ROOT/u/pod-tut.service"; [ $rc -eq 0 ] || fail "pod stop: $out"
  ck ps -a -q; [ -z "$out" ] || fail "containers left: $out"
  ck pod ps -q; [ -z "$out" ] || fail "pods left: $out"
  [ -z "$(ls "$ROOT/rt")" ] || fail "files left in the runtime directory: $(ls "$ROOT/rt")"
  [ "$(cat "$ROOT/site/index.html")" = "hello from the volume" ] || fail "the volume's data changed"
  cleanup
}

test_tutorial_pod_units_without_new_lifecycle() {
  tutorial_pod
  gen "$ROOT/u" --name tut; expect_rc 0
  verify "$ROOT/u"
  unit start "$ROOT/u/pod-tut.service"; [ $rc -eq 0 ] || fail "pod start: $out"
  for m in tut-sleep tut-web; do
    unit start "$ROOT/u/container-$m.service"; [ $rc -eq 0 ] || fail "$m start: $out"
  done
  web_answers || fail "httpd does not answer inside the pod: $out"
  for m in tut-web tut-sleep; do
    unit stop "$ROOT/u/container-$m.service"; [ $rc -eq 0 ] || fail "$m stop: $out"
    [ "$(status_of $m)" = exited ] || fail "$m is not stopped"
  done
  unit stop "$ROOT/u/pod-tut.service"; [ $rc -eq 0 ] || fail "pod stop: $out"
  ck pod inspect --format '{{.State}}' tut; expect_out Exited
  cleanup
}

test_bad_input_is_refused_and_writes_nothing() {
  load_image
  gen "$ROOT/u1" --name no-such-ctr; expect_rc 125
  grep -q "no-such-ctr does not refer to a container or pod" <<<"$err" || fail "unknown: $err"
  [ -z "$(ls "$ROOT/u1")" ] || fail "files written for an unknown container"
  gen "$ROOT/u2" --restart-policy=sometimes --name x; expect_rc 125
  grep -q "sometimes is not a valid restart policy" <<<"$err" || fail "bad policy: $err"
  ck pod create --name p; expect_rc 0
  ck generate systemd p; expect_rc 125; expect_err "it has no containers"
  # a pod made by `run --pod new:` has no `pod create` to replay
  ck create --pod new:q --name q-a "$IMG" true; expect_rc 0
  gen "$ROOT/u3" --new q; expect_rc 125
  grep -q "pod q: it has no create command" <<<"$err" || fail "pod without create command: $err"
  [ -z "$(ls "$ROOT/u3")" ] || fail "files written for a pod that cannot be replayed"
  mkdir -p "$ROOT/q" "$ROOT/qout"
  printf '[Container]\nImage=%s\nVolumes=/a:/b\n' "$IMG" >"$ROOT/q/a.container"
  printf '[Volume]\n' >"$ROOT/q/b.volume"
  run_ck systemd generate-units --output "$ROOT/qout" "$ROOT/q"; expect_rc 125
  expect_err "a.container:3: unknown key Volumes in section [Container]"
  [ -z "$(ls "$ROOT/qout")" ] || fail "units written despite the error: $(ls "$ROOT/qout")"
  printf '[Container]\nExec=true\n' >"$ROOT/q/a.container"
  run_ck systemd generate-units --output "$ROOT/qout" "$ROOT/q"; expect_rc 125
  expect_err "a.container: no Image= in [Container]"
  [ -z "$(ls "$ROOT/qout")" ] || fail "units written despite the error"
  cleanup
}

if [ $# -gt 0 ]; then
  run_tests "$@"
else
  run_tests $(declare -F | awk '{print $3}' | grep '^test_')
fi
