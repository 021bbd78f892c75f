#!/usr/bin/env bash
# Units of `ck generate systemd` started by a real systemd: this machine has
# no systemd as PID 1, so systemd runs as PID 1 inside a ck container (an
# image made from the host's systemd files, the host's /usr read-only, all
# capabilities, the cgroup tree bound in, stop signal RTMIN+3, as podman's
# --systemd=always arranges), and the units run a ck inside it that runs
# nested busybox containers with runc.
#
# ck's seccomp profile refuses keyctl, so the nested runc is run with
# --no-new-keyring (a wrapper script).  Units of Type=notify (the containers
# of --new, Quadlet files) are started: the monitor sends READY=1 when the
# container runs (--sdnotify=conmon) or turns healthy (Notify=healthy).
# Auto-update restarts the unit of a container that carries one.
# Usage: test_systemd_pid1.sh [TEST...]
. "$(dirname "$0")/lib.sh"

FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
IMG=localhost/busybox:latest

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: systemd as PID 1 in a container needs root" >&2; exit 77
fi
for f in /usr/lib/systemd/systemd /usr/bin/systemctl /usr/sbin/runc; do
  [ -x $f ] || { echo "SKIP: $f is not installed" >&2; exit 77; }
done
[ -L /lib ] || { echo "SKIP: the host's /lib is not merged into /usr" >&2; exit 77; }
[ -x /usr/bin/catatonit ] || [ -x /usr/libexec/podman/catatonit ] ||
  { echo "SKIP: catatonit is not installed (apt-get install catatonit)" >&2; exit 77; }

CK_ABS=$(readlink -f "$CK_BIN")
BUILD=$(dirname "$(dirname "$(dirname "$CK_ABS")")") # the build tree: ck, the library, ck-monitor
SHARED=$(mktemp -d "$TMPBASE/ck-pid1-XXXXXX")
trap 'rm -rf "$SHARED"' EXIT
python3 "$FIXTURES/mkimage.py" "$SHARED/busybox.tar" --format oci-archive --busybox --name "$IMG" >/dev/null ||
  { echo "cannot build the busybox image" >&2; exit 1; }
# The application's versions for auto-update (local policy): v1 and v2 run
# and turn healthy, v3 runs but never turns healthy.
APP=localhost/lapp:latest
for v in 1 2 3; do
  hc='["CMD-SHELL","true"]'; [ $v = 3 ] && hc='["CMD-SHELL","false"]'
  python3 "$FIXTURES/mkimage.py" "$SHARED/app-v$v.tar" --format oci-archive --busybox --name "$APP" \
    --cmd '["sleep","1000"]' --label version=$v --healthcheck "$hc" --health-interval 1 --health-retries 1 \
    >/dev/null || { echo "cannot build the application image v$v" >&2; exit 1; }
done

# The outer image: systemd's configuration, /usr comes from the host.
mkdir -p "$SHARED/os/etc/systemd/system" "$SHARED/os/"{proc,sys,dev,run,tmp,var/log,root,usr}
for d in bin lib lib64 sbin; do [ -e /$d ] && ln -s usr/$d "$SHARED/os/$d"; done
echo "root:x:0:0:root:/root:/bin/sh" >"$SHARED/os/etc/passwd"
echo "root:x:0:" >"$SHARED/os/etc/group"
: >"$SHARED/os/etc/machine-id"
cp /usr/lib/os-release "$SHARED/os/etc/os-release"
tar -C "$SHARED/os" -cf "$SHARED/os.tar" .

# runc, but `run` and `create` get --no-new-keyring (keyctl is refused in
# the outer container by ck's seccomp profile).
cat >"$SHARED/runc" <<'EOF'
#!/bin/sh
n=$#; i=0; put=
while [ $i -lt $n ]; do
  a=$1; shift; i=$((i + 1))
  set -- "$@" "$a"
  if [ -z "$put" ] && { [ "$a" = run ] || [ "$a" = create ]; }; then set -- "$@" --no-new-keyring; put=1; fi
done
exec /usr/sbin/runc "$@"
EOF
chmod +x "$SHARED/runc"

OUTER=""
# boot: the outer container with systemd as PID 1, up when startup is over.
boot() {
  IN="$ROOT/in" # the inner store, at the same path inside and out (bound after the build tree, which may hold it)
  mkdir -p "$IN/units"
  run_ck import "$SHARED/os.tar" localhost/ck-systemd-os:latest; expect_rc 0
  run_ck run -d --runtime runc --name sd --cap-add ALL -e container=ck --stop-signal RTMIN+3 -v /usr:/usr:ro \
    -v /sys/fs/cgroup:/sys/fs/cgroup -v "$BUILD:$BUILD:ro" -v "$SHARED:$SHARED:ro" -v "$IN:$IN" \
    localhost/ck-systemd-os:latest /usr/lib/systemd/systemd
  expect_rc 0
  OUTER=$out
  # systemd's bus socket, then the end of its startup
  local n=600
  while [ $n -gt 0 ] && ! run_ck exec sd test -S /run/systemd/private; do sleep 0.05; n=$((n - 1)); done
  # The socket file can be there a moment before systemd answers on it
  # ("Failed to connect to bus"): ask again until it answers, bounded.
  n=100
  while [ $n -gt 0 ]; do
    run_ck exec sd timeout 60 /usr/bin/systemctl is-system-running --wait
    case "$out$err" in *"Failed to connect to bus"*) sleep 0.1; n=$((n - 1)) ;; *) break ;; esac
  done
  case "$out" in running|degraded) ;; *) fail "systemd did not start: $out $err";; esac
}

shutdown_outer() {
  [ -n "$OUTER" ] || return 0
  run_ck stop -t 30 sd
  run_ck rm -f sd
  OUTER=""
}

# the inner ck, run inside the outer container (the pids its records hold
# are of that pid namespace)
inner() {
  "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" exec sd \
    "$CK_ABS" --root "$IN/s" --runroot "$IN/r" --runtime "$SHARED/runc" "$@"
}
in_sd() { run_ck exec sd "$@"; }
# ick ARGS: the inner ck, with $out, $err and $rc set
ick() { run_ck exec sd "$CK_ABS" --root "$IN/s" --runroot "$IN/r" --runtime "$SHARED/runc" "$@"; }
# wait_unit UNIT PROP VALUE: until the unit's property has the value (at most 60 s)
wait_unit() {
  local n=600
  while [ $n -gt 0 ]; do
    in_sd /usr/bin/systemctl show -P "$2" "$1"
    [ "$out" = "$3" ] && return 0
    sleep 0.1; n=$((n - 1))
  done
  return 1
}
# install_units DIR: every unit in DIR (inside) known to systemd
install_units() {
  in_sd sh -c "cp $1/*.service /etc/systemd/system/ && /usr/bin/systemctl daemon-reload"; expect_rc 0
  in_sd sh -c "cd $1 && /usr/bin/systemd-analyze verify $1/*.service 2>&1"
  [ "$rc" -eq 0 ] && [ -z "$out" ] || fail "systemd-analyze verify: $out $err"
}
# row NAME: the auto-update table's line for container NAME
row() { grep -F "($1)" <<<"$out"; }
unit_prop() { in_sd /usr/bin/systemctl show -P "$2" "$1"; echo "$out"; }

test_systemd_starts_and_stops_a_container_unit_and_a_pod_unit() {
  boot
  inner load -i "$SHARED/busybox.tar" >/dev/null || fail "load"
  # the outer container has no network of its own to bridge: the inner
  # containers and pods keep to --network none
  inner create --network none --name web "$IMG" sleep 1000 >/dev/null || fail "create web"
  inner pod create --network none --name tut >/dev/null || fail "pod create"
  inner create --pod tut --name tut-a "$IMG" sleep 1000 >/dev/null || fail "create tut-a"
  in_sd sh -c "cd $IN/units && $CK_ABS --root $IN/s --runroot $IN/r generate systemd --files --name web &&
    $CK_ABS --root $IN/s --runroot $IN/r generate systemd --files --new --name tut"
  expect_rc 0
  inner pod rm -f tut >/dev/null || fail "pod rm" # --new: the unit makes it afresh
  in_sd sh -c "cp $IN/units/*.service /etc/systemd/system/ && /usr/bin/systemctl daemon-reload"
  expect_rc 0

  # without --new: Type=forking, the main pid from the monitor's pid file
  in_sd /usr/bin/systemctl start container-web.service; expect_rc 0
  [ "$(unit_prop container-web.service ActiveState)" = active ] || fail "container-web is not active"
  local pid; pid=$(unit_prop container-web.service MainPID)
  [ "$(inner inspect --format '{{.State.Status}}' web)" = running ] || fail "web is not running"
  in_sd cat /proc/$pid/cmdline; grep -q ck-monitor <<<"$out" || fail "main pid $pid is not the monitor: $out"
  in_sd /usr/bin/systemctl stop container-web.service; expect_rc 0
  [ "$(inner inspect --format '{{.State.Status}}' web)" = exited ] || fail "web is not stopped"

  # the pod's unit with --new: the pod made by ExecStartPre, its infra's
  # monitor the main pid (through --infra-conmon-pidfile), gone at stop
  in_sd /usr/bin/systemctl start pod-tut.service; expect_rc 0
  [ "$(unit_prop pod-tut.service ActiveState)" = active ] || fail "pod-tut is not active"
  in_sd cat /run/pod-tut.pod-id
  [ -n "$out" ] && [ "$(inner pod inspect --format '{{.Id}}' tut)" = "$out" ] || {
    in_sd /usr/bin/journalctl --no-pager -u pod-tut.service
    fail "no pod id file for tut, or not the pod's: $out"
  }
  in_sd /usr/bin/systemctl stop pod-tut.service; expect_rc 0
  inner pod exists tut && fail "the pod is left after its unit stopped"
  [ "$(unit_prop pod-tut.service ActiveState)" = inactive ] || fail "pod-tut is not inactive"
  shutdown_outer
  run_ck ps -a -q; [ -z "$out" ] || fail "outer containers left: $out"
}

# A --new unit (Type=notify, READY=1 from the monitor: --sdnotify=conmon)
# started by systemd; auto-update (local policy) restarts it onto v2, and a
# v3 that never turns healthy is rolled back: the previous image tagged
# again, the unit restarted on it, the volume's data kept.
test_autoupdate_restarts_the_unit_and_rolls_back_a_bad_image() {
  boot
  local U=container-app.service v1 v2 id1 id2
  ick load -i "$SHARED/app-v1.tar"; expect_rc 0
  ick image inspect --format '{{.Id}}' "$APP"; v1=$out
  ick create --network none --name app --label io.containers.autoupdate=local -v appdata:/data "$APP"; expect_rc 0
  in_sd sh -c "cd $IN/units && $CK_ABS --root $IN/s --runroot $IN/r --runtime $SHARED/runc generate systemd --files --new --name app"
  expect_rc 0
  ick rm app; expect_rc 0
  install_units "$IN/units"
  in_sd /usr/bin/systemctl start $U; expect_rc 0
  [ "$(unit_prop $U Type)" = notify ] || fail "$U is not Type=notify"
  [ "$(unit_prop $U ActiveState)" = active ] || fail "$U is not active"
  ick inspect --format '{{index .Config.Labels "PODMAN_SYSTEMD_UNIT"}} {{.Image}} {{.State.Status}}' app
  [ "$out" = "$U $v1 running" ] || fail "the unit's container: $out"
  ick exec app sh -c 'echo kept > /data/f'; expect_rc 0
  id1=$(ick inspect --format '{{.Id}}' app; echo "$out")

  ick auto-update --dry-run; expect_rc 0
  row app | grep -q "^$U .*local *false$" || fail "expected false: $out"
  ick load -i "$SHARED/app-v2.tar"; expect_rc 0
  ick image inspect --format '{{.Id}}' "$APP"; v2=$out
  ick auto-update --dry-run; expect_rc 0
  row app | grep -q "^$U .*local *pending$" || fail "expected pending: $out"

  ick auto-update; expect_rc 0
  row app | grep -q "^$U .*local *true$" || fail "expected true: $out $err"
  ick inspect --format '{{.Id}} {{.Image}} {{.State.Status}} {{.State.Health.Status}}' app
  id2=${out%% *}
  [ "$id2" != "$id1" ] || fail "the unit did not make a new container"
  [ "${out#* }" = "$v2 running healthy" ] || fail "after the update: $out"
  [ "$(unit_prop $U ActiveState)" = active ] || fail "$U is not active after the update"
  ick exec app cat /data/f; [ "$out" = kept ] || fail "the volume's data after the update: '$out'"

  ick load -i "$SHARED/app-v3.tar"; expect_rc 0
  ick auto-update; expect_rc 0
  row app | grep -q "^$U .*local *rolled back$" || fail "expected rolled back: $out $err"
  expect_err "app rolled back: the update failed: the new container"
  expect_err "turned unhealthy"
  ick inspect --format '{{.Image}} {{.State.Status}}' app
  [ "$out" = "$v2 running" ] || fail "after the rollback: $out"
  ick image inspect --format '{{.Id}}' "$APP"
  [ "$out" = "$v2" ] || fail "the name points to $out after the rollback, not to v2"
  [ "$(unit_prop $U ActiveState)" = active ] || fail "$U is not active after the rollback"
  ick exec app cat /data/f; [ "$out" = kept ] || fail "the volume's data after the rollback: '$out'"
  ick ps -a --format '{{.Names}}'; [ "$out" = app ] || fail "containers left: $out"

  in_sd /usr/bin/systemctl stop $U; expect_rc 0
  ick ps -a -q; [ -z "$out" ] || fail "the --new unit left its container: $out"
  shutdown_outer
}

# Notify=healthy from a Quadlet file: the unit stays "activating" while the
# container runs unhealthy, and turns active once the check passes.  (A
# Quadlet unit runs ck without --runtime, as podman's runs podman: the
# file's [Service] section names the wrapped runc in the environment.)
test_quadlet_notify_healthy_is_active_only_when_healthy() {
  boot
  local U=hc.service
  ick load -i "$SHARED/busybox.tar"; expect_rc 0
  in_sd sh -c "mkdir -p $IN/q $IN/qout && printf '%s\n' '[Container]' 'Image=$IMG' 'ContainerName=hc' \
    'Network=none' 'Exec=sleep 1000' 'HealthCmd=test -f /tmp/ready' 'HealthInterval=1s' 'HealthRetries=100' 'Notify=healthy' \
    '[Service]' 'Environment=CK_RUNTIME=$SHARED/runc' >$IN/q/hc.container"
  expect_rc 0
  in_sd sh -c "$CK_ABS --root $IN/s --runroot $IN/r --runtime $SHARED/runc systemd generate-units --output $IN/qout $IN/q"
  expect_rc 0
  install_units "$IN/qout"
  in_sd /usr/bin/systemctl start --no-block $U; expect_rc 0
  # the container runs and its checks fail: the unit is still starting
  local n=600
  while [ $n -gt 0 ]; do
    ick inspect --format '{{.State.Status}} {{.State.Health.FailingStreak}}' hc
    case "$out" in "running "[1-9]*) break ;; esac
    sleep 0.1; n=$((n - 1))
  done
  [ $n -gt 0 ] || fail "hc did not run with a failing check: $out"
  [ "$(unit_prop $U ActiveState)" = activating ] || fail "$U is $(unit_prop $U ActiveState) before healthy"
  ick exec hc sh -c ': >/tmp/ready'; expect_rc 0
  wait_unit $U ActiveState active || fail "$U did not turn active once healthy: $out"
  [ "$(unit_prop $U SubState)" = running ] || fail "$U is not running"
  ick inspect --format '{{.State.Health.Status}}' hc; [ "$out" = healthy ] || fail "hc is $out"
  in_sd /usr/bin/systemctl stop $U; expect_rc 0
  ick ps -a -q; [ -z "$out" ] || fail "the unit left its container: $out"
  shutdown_outer
}

# The tutorial's deployment (PostgreSQL and the page that writes rows
# through it, tests/fixtures/mkpgimages.py) as units: `generate systemd
# --files --name --new` for the pod gives the pod's unit and one per member;
# systemd starts, stops and restarts them, and the rows persist in the
# database's directory.  The pod keeps to --network none: the page is asked
# for from inside the pod, on its loopback.
test_tutorial_pod_units_start_stop_restart_and_keep_the_data() {
  local cache=${CK_TUTORIAL_CACHE:-$HOME/.cache/containerkit/tutorial-images} archives t
  archives=$(/usr/bin/python3 "$FIXTURES/mkpgimages.py" --cache "$cache" --quiet) ||
    { fail "cannot build the tutorial images"; return; }
  # the archives where the outer container sees them
  for t in db app; do
    ln -f "$cache/tutorial-$t.tar" "$ROOT/tutorial-$t.tar" 2>/dev/null || cp "$cache/tutorial-$t.tar" "$ROOT/"
  done
  boot
  ick load -i "$ROOT/tutorial-db.tar"; expect_rc 0
  ick load -i "$ROOT/tutorial-app.tar"; expect_rc 0
  mkdir -p "$IN/database" "$IN/uploads"
  printf 'POSTGRES_USER=hedgedoc\nPOSTGRES_PASSWORD=secret\nPOSTGRES_DB=hedgedoc\n' >"$IN/database.env"
  printf 'PGUSER=hedgedoc\nPGPASSWORD=secret\nPGDATABASE=hedgedoc\n' >"$IN/application.env"
  ick pod create --network none --name hedgedoc; expect_rc 0
  ick create --pod=hedgedoc --name=database --label io.containers.autoupdate=image \
    --env-file "$IN/database.env" --volume "$IN/database/:/var/lib/postgresql/data:Z" localhost/tutorial-db:latest
  expect_rc 0
  ick create --pod=hedgedoc --name=application --label io.containers.autoupdate=image \
    --env-file "$IN/application.env" --volume "$IN/uploads/:/app/uploads:Z" localhost/tutorial-app:latest
  expect_rc 0
  in_sd sh -c "cd $IN/units && $CK_ABS --root $IN/s --runroot $IN/r --runtime $SHARED/runc generate systemd --files --new --name hedgedoc"
  expect_rc 0
  for t in pod-hedgedoc container-database container-application; do
    grep -q "^$IN/units/$t.service$" <<<"$out" || fail "no unit $t.service: $out"
  done
  ick pod rm -f hedgedoc; expect_rc 0 # --new: the units make them afresh
  install_units "$IN/units"

  db_ready() { ick exec database pg_isready -q -h 127.0.0.1 -p 5432 -U hedgedoc -d hedgedoc; [ "$rc" -eq 0 ]; }
  get() { # get QUERY: the page, asked for on the pod's loopback
    ick exec application sh -c 'printf "GET /%s HTTP/1.0\r\n\r\n" "$1" | nc 127.0.0.1 3000' sh "$1"
    page=$out
  }
  up() { get "" && grep -q '^HTTP/1.0 200' <<<"$page"; }
  until_ok() { local n=$(($1 * 10)); shift; while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
  started() {
    for t in pod-hedgedoc container-database container-application; do
      wait_unit $t.service ActiveState active || fail "$t.service is not active after $1: $out"
    done
    until_ok 60 db_ready || fail "postgres is not ready after $1"
    until_ok 30 up || fail "the page does not answer after $1: $page"
  }
  # `systemctl stop` of the pod's unit waits for that unit's job; the
  # members' units stop in the same transaction but may still be running
  # their ExecStopPost (ck rm) when it returns.
  stopped() {
    for t in pod-hedgedoc container-database container-application; do
      wait_unit $t.service ActiveState inactive || fail "$t.service is not inactive after $1: $out"
    done
    ick ps -a -q; [ -z "$out" ] || fail "containers left after $1: $out"
    ick pod ps -q; [ -z "$out" ] || fail "pods left after $1: $out"
  }

  in_sd /usr/bin/systemctl start pod-hedgedoc.service; expect_rc 0
  started "start"
  get "?add=under%20systemd"; grep -qF '>under systemd</li>' <<<"$page" || fail "the row is not on the page: $page"
  in_sd /usr/bin/systemctl stop pod-hedgedoc.service; expect_rc 0
  stopped "stop"
  in_sd /usr/bin/systemctl start pod-hedgedoc.service; expect_rc 0
  started "the second start"
  get ""; grep -qF '>under systemd</li>' <<<"$page" || fail "the row did not persist a stop and start: $page"
  in_sd /usr/bin/systemctl restart pod-hedgedoc.service; expect_rc 0
  started "restart"
  get "?add=after%20restart"; grep -qF '>under systemd</li>' <<<"$page" || fail "the row did not persist a restart: $page"
  in_sd /usr/bin/systemctl stop pod-hedgedoc.service; expect_rc 0
  stopped "the last stop"
  shutdown_outer
}

# systemd in the outer container sees the host's cgroup hierarchy: it must
# leave it as it found it (a controller directory made in the host's
# /sys/fs/cgroup breaks crun for everyone), so the test checks that too.
cgroup_view() { ls /sys/fs/cgroup; grep ' /sys/fs/cgroup ' /proc/self/mounts | cut -d' ' -f4 | cut -d, -f1; }
cg_before=$(cgroup_view)
run_tests "${@:-test_systemd_starts_and_stops_a_container_unit_and_a_pod_unit}"
status=$?
if [ "$(cgroup_view)" != "$cg_before" ]; then
  echo "FAIL: systemd changed the host's /sys/fs/cgroup: before [$cg_before] after [$(cgroup_view)]" >&2
  status=1
fi
exit $status
