#!/usr/bin/env bash
# Rootless networking and pods through the real CLI, as the unprivileged user
# CK_TEST_ROOTLESS_USER (scripts/test.sh) with runtime CK_TEST_RUNTIME (runc by
# default): slirp4netns gives a container or a pod's infra its network,
# published ports answer on the host's 127.0.0.1, members join the infra's
# user namespace, and every teardown leaves no slirp4netns, socket or port.
# Needs root (to switch user and to open /dev/net/tun up, which the set-up
# does as HOST-SETUP.md says); exits 77 otherwise.  Usage: test_rootless_net.sh [TEST...]
. "$(dirname "$0")/lib.sh"

RUNTIME=${CK_TEST_RUNTIME:-runc}
FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
IMG=localhost/busybox:latest
U=${CK_TEST_ROOTLESS_USER:-}

skip() { echo "SKIP: $*" >&2; exit 77; }
[ -n "$U" ] || skip "set CK_TEST_ROOTLESS_USER to a user with ranges in /etc/subuid and /etc/subgid"
[ "$(id -u)" -eq 0 ] || skip "switching to $U and opening /dev/net/tun up need root"
id "$U" >/dev/null 2>&1 || skip "no user $U"
for t in setpriv curl slirp4netns "$RUNTIME"; do command -v "$t" >/dev/null || skip "$t is missing"; done
[ -c /dev/net/tun ] || skip "no /dev/net/tun on this host"
UID_U=$(id -u "$U") GID_U=$(id -g "$U")
setpriv --reuid "$UID_U" --regid "$GID_U" --clear-groups -- test -x "$CK_BIN" ||
  skip "$U cannot run $CK_BIN (is the build tree readable?)"

# The host fix that docs/HOST-SETUP.md names (Rootless networking): the set-up
# applies it; the library never does.
chmod 0666 /dev/net/tun

ARCHIVE_DIR=$(mktemp -d "$TMPBASE/ck-rlnet-img-XXXXXX")
chmod 755 "$ARCHIVE_DIR"
python3 "$FIXTURES/mkimage.py" "$ARCHIVE_DIR/busybox.tar" --format oci-archive --busybox --name "$IMG" \
  >/dev/null || { echo "cannot build the test image" >&2; exit 1; }
chmod 644 "$ARCHIVE_DIR/busybox.tar"
trap 'chmod 0666 /dev/net/tun; rm -rf "$ARCHIVE_DIR"' EXIT

# ck as the user on the test's store; sets $out, $err and $rc.  HOME is the
# test's, so ~/data is a directory the test made.
ck() {
  local o=$ROOT/.out e=$ROOT/.err
  setpriv --reuid "$UID_U" --regid "$GID_U" --clear-groups -- env HOME="$ROOT/home" \
    XDG_RUNTIME_DIR="$ROOT/xdg" PATH="$PATH" "$CK_BIN" --root "$ROOT/s" --runroot "$ROOT/r" \
    --runtime "$RUNTIME" "$@" >"$o" 2>"$e" </dev/null
  rc=$?
  out=$(cat "$o") err=$(cat "$e")
}
as_user() { setpriv --reuid "$UID_U" --regid "$GID_U" --clear-groups -- "$@"; }

setup() {
  chmod 755 "$ROOT"
  mkdir "$ROOT/s" "$ROOT/r" "$ROOT/xdg" "$ROOT/home"
  chown "$UID_U:$GID_U" "$ROOT/s" "$ROOT/r" "$ROOT/xdg" "$ROOT/home"
  chmod 700 "$ROOT/s" "$ROOT/r"
  ck load -q -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0
}

cleanup() {
  ck pod rm -a -f
  ck ps -a -q --no-trunc
  [ -n "$out" ] && ck rm -f $out
  ck system reset -f
  true
}

wait_for() {
  local n=$(($1 * 20)); shift
  while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.05; n=$((n - 1)); done
  return 1
}

# Whether process $1 is dead (gone, or a zombie).
dead() { local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null); [ -z "$st" ] || [ "$st" = Z ]; }
# SO_REUSEADDR: a fetch's TIME_WAIT does not count, a listener does.
port_free() {
  /usr/bin/python3 -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()' "$1" 2>/dev/null
}
fetch() { out=$(curl -sf -m 5 "$1"); rc=$?; }

# Live slirp4netns processes of this test: they inherit the environment of
# the ck that started them, whose HOME is the test's (a zombie waiting for
# PID 1 holds no socket and no port).
slirps() {
  local n=0 p
  for p in $(pgrep -u "$UID_U" -x slirp4netns); do
    [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] && continue
    { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qxF "HOME=$ROOT/home" || continue
    n=$((n + 1))
  done
  echo $n
}
slirp_files() { find "$ROOT/r" -name 'slirp4netns.*' 2>/dev/null | grep -v '\.log$' | head -3; }
HTTPD="httpd -f -p 80 -h /etc"

# Nothing of the network is left: no live slirp4netns (of this test: the
# count before it started), no socket or pid file, and the port is free.
expect_torn_down() {
  local port=$1 before=$2
  # At once: the teardown waited for it.
  [ "$(slirps)" -le "$before" ] || fail "slirp4netns left running: $(slirps) (had $before)"
  if [ -n "$(slirp_files)" ]; then
    ck ps -a --no-trunc --format '{{.ID}} {{.Names}} {{.Status}}'
    fail "slirp4netns files left: $(slirp_files) (containers: $out)"
  fi
  port_free "$port" || fail "host port $port is still taken"
  curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/" && fail "port $port still answers"
  true
}

rootless_net_container_publishes_a_port_on_the_host() {
  setup
  local port before; port=$(free_port) before=$(slirps)
  # No --network: the CLI's rootless default, slirp4netns (podman's).
  ck run -d --name web --hostname web -p "127.0.0.1:$port:80" "$IMG" $HTTPD; expect_rc 0
  ck inspect --format '{{.HostConfig.NetworkMode}}' web; [ "$out" = slirp4netns ] ||
    fail "the rootless default network mode is \"$out\", not slirp4netns"
  wait_for 10 sh -c "curl -sf -m 2 -o /dev/null http://127.0.0.1:$port/hostname" || fail "127.0.0.1:$port did not answer"
  fetch "http://127.0.0.1:$port/hostname"
  [ "$rc" -eq 0 ] && [ "$out" = web ] || fail "fetch from the host: rc $rc, '$out'"
  [ "$(slirps)" -eq $((before + 1)) ] || fail "expected one slirp4netns more than $before, have $(slirps)"
  ck port web; expect_out "80/tcp -> 127.0.0.1:$port"
  # The container is rootless: its root is the user outside.
  ck exec web cat /proc/self/uid_map; expect_out "$UID_U"
  ck rm -f web; expect_rc 0
  expect_torn_down "$port" "$before"
  cleanup
}

rootless_net_pod_publishes_a_port_and_members_share_loopback() {
  setup
  local port before; port=$(free_port) before=$(slirps)
  printf 'POSTGRES_DB=hedgedoc\n' >"$ROOT/home/database.env"; chown "$UID_U:$GID_U" "$ROOT/home/database.env"
  # The tutorial's commands, with busybox httpd in place of the database.
  ck pod create --name hedgedoc --publish "127.0.0.1:$port:3000"; expect_rc 0
  ck run --detach --pod=hedgedoc --name=database --label io.containers.autoupdate=image \
    --env-file "$ROOT/home/database.env" "$IMG" httpd -f -p 3000 -h /etc; expect_rc 0
  ck exec database sh -c 'echo $POSTGRES_DB'; [ "$out" = hedgedoc ] || fail "the env file did not reach the member: '$out'"
  wait_for 10 sh -c "curl -sf -m 2 -o /dev/null http://127.0.0.1:$port/hostname" || fail "the pod's port did not answer"
  fetch "http://127.0.0.1:$port/hostname"
  [ "$rc" -eq 0 ] && [ "$out" = hedgedoc ] || fail "fetch from the host: rc $rc, '$out'"
  # The other member reaches the first over the pod's loopback, and is in
  # the same user namespace (the infra's).
  ck run --detach --pod=hedgedoc --name=application "$IMG" sleep 1000; expect_rc 0
  ck exec application sh -c 'printf "GET /hostname HTTP/1.0\r\n\r\n" | nc 127.0.0.1 3000'; expect_rc 0
  expect_out "200 OK"; expect_out "hedgedoc"
  local p1 p2
  ck inspect --format '{{.State.Pid}}' database; p1=$out
  ck inspect --format '{{.State.Pid}}' application; p2=$out
  [ -n "$p1" ] && [ "$(readlink /proc/$p1/ns/user)" = "$(readlink /proc/$p2/ns/user)" ] &&
    [ "$(readlink /proc/$p1/ns/user)" != "$(readlink /proc/self/ns/user)" ] ||
    fail "the members are not in one user namespace of their own"
  [ "$(readlink /proc/$p1/ns/net)" = "$(readlink /proc/$p2/ns/net)" ] || fail "the members do not share the network"
  [ "$(slirps)" -eq $((before + 1)) ] || fail "expected one slirp4netns (the infra's), have $(( $(slirps) - before ))"
  # A member cannot publish ports of its own.
  ck run -d --pod=hedgedoc -p 127.0.0.1:1:1 "$IMG" true; expect_rc 125
  ck pod rm -f hedgedoc; expect_rc 0
  expect_torn_down "$port" "$before"
  ck ps -a -q; [ -z "$out" ] || fail "containers left: $out"
  cleanup
}

rootless_net_volume_relabelled_z_persists_across_rm() {
  setup
  local port; port=$(free_port)
  mkdir "$ROOT/home/data"; chown "$UID_U:$GID_U" "$ROOT/home/data"
  ck pod create --name vp --publish "127.0.0.1:$port:3000"; expect_rc 0
  ck run --pod=vp --name=db -v "$ROOT/home/data:/data:Z" "$IMG" sh -c 'echo row-1 > /data/table'; expect_rc 0
  [ "$(cat "$ROOT/home/data/table" 2>/dev/null)" = row-1 ] || fail "the write did not reach ~/data"
  [ "$(stat -c %u "$ROOT/home/data/table")" = "$UID_U" ] || fail "the file is not the user's on the host"
  ck rm -f db; expect_rc 0
  ck run --pod=vp --name=db -v "$ROOT/home/data:/data:Z" "$IMG" cat /data/table; expect_rc 0
  [ "$out" = row-1 ] || fail "the data did not persist across rm -f: '$out'"
  ck pod rm -f vp; expect_rc 0
  cleanup
}

rootless_net_killed_monitor_then_repair_leaves_nothing() {
  setup
  local port port2 before mon mon1; port=$(free_port) port2=$(free_port) before=$(slirps)
  while [ "$port2" = "$port" ]; do port2=$(free_port); done
  ck run -d --name web -p "127.0.0.1:$port:80" "$IMG" $HTTPD; expect_rc 0
  ck pod create --name kp --publish "127.0.0.1:$port2:3000"; expect_rc 0
  ck run -d --pod kp --name member "$IMG" httpd -f -p 3000 -h /etc; expect_rc 0
  wait_for 10 sh -c "curl -sf -m 2 -o /dev/null http://127.0.0.1:$port/hostname && curl -sf -m 2 -o /dev/null http://127.0.0.1:$port2/hostname" ||
    fail "the ports did not answer"
  [ "$(slirps)" -eq $((before + 2)) ] || fail "expected two slirp4netns, have $(( $(slirps) - before ))"
  ck inspect --format '{{.State.ConmonPid}}' web; mon1=$out
  [ "$mon1" -gt 0 ] 2>/dev/null && kill -9 "$mon1" || fail "no monitor pid for web: '$mon1'"
  ck pod inspect --format '{{.InfraContainerId}}' kp; local infra=$out
  ck inspect --format '{{.State.ConmonPid}}' "$infra"; mon=$out
  [ "$mon" -gt 0 ] 2>/dev/null && kill -9 "$mon" || fail "no monitor pid for the infra: '$mon'"
  # SIGKILL is delivered at once but the monitors die a moment later.
  wait_for 10 dead "$mon" && wait_for 10 dead "$mon1" || fail "the monitors outlived SIGKILL"
  ck system check --repair; expect_rc 0
  expect_torn_down "$port" "$before"
  ck pod rm -f kp; expect_rc 0
  expect_torn_down "$port2" "$before"
  ck rm -f web; expect_rc 0
  ck system check; expect_rc 0
  cleanup
}

# A run that ends before slirp4netns joins its namespace is no error.
rootless_net_short_runs_need_no_network_in_time() {
  setup
  local before i; before=$(slirps)
  for i in 1 2 3 4 5 6 7 8; do
    ck run --rm -p "127.0.0.1::80" "$IMG" true; expect_rc 0
  done
  ck run --name lister "$IMG" ls -d /etc; expect_rc 0; expect_out "/etc"
  ck run --rm "$IMG" sh -c 'exit 3'; expect_rc 3
  [ "$(slirps)" -le "$before" ] || fail "slirp4netns left running"
  if [ -n "$(slirp_files)" ]; then
    ck ps -a --no-trunc --format '{{.ID}} {{.Names}} {{.Status}}'
    fail "slirp4netns files left: $(slirp_files) (containers: $out)"
  fi
  cleanup
}

rootless_net_tun_permission_error_names_the_fix() {
  setup
  local port before; port=$(free_port) before=$(slirps)
  chmod 0600 /dev/net/tun
  ck run -d --name web -p "127.0.0.1:$port:80" "$IMG" $HTTPD
  local rc1=$rc err1=$err
  ck pod create --name tp --publish "127.0.0.1:$port:3000"; expect_rc 0
  ck run -d --pod tp "$IMG" sleep 100
  local rc2=$rc err2=$err
  chmod 0666 /dev/net/tun # the fix again, whatever failed above
  rc=$rc1 err=$err1; expect_rc 125
  expect_err "slirp4netns cannot open /dev/net/tun (mode 0600)"; expect_err "chmod 0666 /dev/net/tun"
  expect_err "docs/HOST-SETUP.md"
  rc=$rc2 err=$err2; expect_rc 125; expect_err "chmod 0666 /dev/net/tun"
  [ "$(slirps)" -eq "$before" ] || fail "a slirp4netns runs after the failed starts"
  ck inspect --format '{{.State.Status}}' web; [ "$out" = created ] || fail "web is $out after the failed start"
  port_free "$port" || fail "port $port is taken after the failed starts"
  # With the fix, the same container starts.
  ck start web; expect_rc 0
  wait_for 10 sh -c "curl -sf -m 2 -o /dev/null http://127.0.0.1:$port/hostname" || fail "web did not answer after the fix"
  ck rm -f web; expect_rc 0
  ck pod rm -f tp; expect_rc 0
  expect_torn_down "$port" "$before"
  cleanup
}

all_tests=(rootless_net_container_publishes_a_port_on_the_host rootless_net_pod_publishes_a_port_and_members_share_loopback
  rootless_net_volume_relabelled_z_persists_across_rm rootless_net_killed_monitor_then_repair_leaves_nothing
  rootless_net_short_runs_need_no_network_in_time rootless_net_tun_permission_error_names_the_fix)
run_tests "${@:-${all_tests[@]}}"
