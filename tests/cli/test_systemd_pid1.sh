#!/usr/bin/env bash
# Units of `ck generate systemd` started by a real systemd: this machine has
# no systemd as PID 1, so systemd runs as PID 1 inside a ck container (an
# image made from the host's systemd files, the host's /usr read-only, all
# capabilities, the cgroup tree bound in, stop signal RTMIN+3, as podman's
# --systemd=always arranges), and the units run a ck inside it that runs
# nested busybox containers with runc.
#
# Two things stand in for what ck cannot yet ask for: ck's seccomp profile
# refuses keyctl, so the nested runc is run with --no-new-keyring (a
# wrapper script; ck has no --security-opt seccomp=unconfined or
# --privileged yet); and units of Type=notify (the containers of --new)
# are not started, since the monitor does not send READY=1 yet
# (--sdnotify=conmon): systemd fails them with result "protocol".
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
