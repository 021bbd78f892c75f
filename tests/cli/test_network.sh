#!/usr/bin/env bash
# ck network and bridge containers, through the real CLI, real netavark and a
# real runtime: reachability by name inside a network the test creates,
# exact teardown, bad input.  Traffic stays inside 10.89.213.0/24.
# Usage: test_network.sh [TEST...]
. "$(dirname "$0")/lib.sh"

RUNTIME=${CK_TEST_RUNTIME:-runc}
FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
IMG=localhost/busybox:latest
SUBNET=10.89.213.0/24

[ "$(id -u)" -eq 0 ] || { echo "SKIP: bridge networks need root" >&2; exit 77; }
[ -x /usr/lib/podman/netavark ] || [ -x /usr/libexec/podman/netavark ] ||
  { echo "SKIP: netavark is not installed" >&2; exit 77; }
for tool in iptables-save curl sqlite3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed" >&2; exit 77; }
done

ARCHIVE_DIR=$(mktemp -d "$TMPBASE/ck-net-img-XXXXXX")
trap 'rm -rf "$ARCHIVE_DIR"' EXIT
python3 "$FIXTURES/mkimage.py" "$ARCHIVE_DIR/busybox.tar" --format oci-archive --busybox --name "$IMG" >/dev/null ||
  { echo "cannot build the busybox image" >&2; exit 1; }

ck() { run_ck --runtime "$RUNTIME" "$@"; }
setup() { ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0; ck network create --subnet "$SUBNET" cknettest; expect_rc 0; }
cleanup() {
  run_ck ps -a -q --no-trunc; [ -n "$out" ] && run_ck rm -f $out
  run_ck network rm -f cknettest
}
# Addresses and attachments recorded in the store, and host-wide leases
# held by namespaces of this store (lib/net/leases.c).
allocations() {
  local db="$1/storage/state/sqlite/state.db" n=0 l=0
  [ -f "$db" ] && n=$(sqlite3 -readonly "$db" \
    "select count(*) from kv where bucket in ('networks.ipam','networks.attach')")
  l=$(cat /run/containerkit/bridges/*.leases 2>/dev/null | grep -c "$1/run/netns/" || true)
  echo "$n+$l"
}
# What a network leaves on the host: namespace files, veths on the test
# network's bridge, firewall rules naming its subnet, allocations.
leftovers() {
  local ns rules veth=0 br
  ns=$(ls "$ROOT/run/netns" 2>/dev/null | wc -l)
  run_ck network inspect cknettest
  br=$(sed -n 's/.*"network_interface": "\(podman[0-9]*\)".*/\1/p' <<<"$out")
  [ -n "$br" ] && veth=$(ip -o link show master "$br" 2>/dev/null | wc -l)
  rules=$(iptables-save | grep -c "${SUBNET%/*}" || true)
  echo "ns=$ns veth=$veth rules=$rules alloc=$(allocations "$ROOT")"
}
# Fetches URL into $out, retrying while the server in the container starts
# (connection refused) for at most 10 s; sets $rc to curl's exit code.
fetch() {
  local i
  for i in $(seq 1 100); do
    out=$(curl -sS -m 5 "$1" 2>/dev/null); rc=$?
    [ $rc -ne 7 ] && return
    sleep 0.1
  done
}
HTTPD='mkdir -p /www && echo hello-from-ck > /www/index.html && exec httpd -f -p 80 -h /www'

network_create_ls_inspect_rm() {
  setup
  ck network ls -q; expect_out cknettest; expect_out podman
  ck network inspect cknettest; expect_out '"subnet": "10.89.213.0/24"'; expect_out '"gateway": "10.89.213.1"'
  ck network exists cknettest; expect_rc 0
  ck network exists nosuchnet; expect_rc 1
  ck network rm cknettest; expect_rc 0
  ck network exists cknettest; expect_rc 1
}

network_bad_input_is_refused() {
  setup
  ck network create --subnet 10.89.213.0/33 bad1; expect_rc 125; expect_err "prefix length"
  ck network create --subnet 10.89.213.128/25 bad2; expect_rc 125; expect_err "overlaps"
  ck network create cknettest; expect_rc 125; expect_err "already exists"
  ck run --rm --network nosuchnet "$IMG" true; expect_rc 125; expect_err "network not found"
  ck network ls -q; expect_no_out bad1; expect_no_out bad2
  ck ps -a -q; [ -z "$out" ] || fail "a container was left: $out"
  cleanup
}

network_containers_reach_each_other_by_name() {
  setup
  local before; before=$(leftovers)
  ck run -d --name srv --network cknettest "$IMG" nc -l -p 7777 -e echo hello; expect_rc 0
  ck run --rm --network cknettest "$IMG" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do nc srv 7777 && exit 0; sleep 0.2; done; exit 1'
  expect_rc 0; expect_out hello
  ck rm -f srv; expect_rc 0
  [ "$(leftovers)" = "$before" ] || fail "leftovers after rm -f: $(leftovers), before: $before"
  cleanup
}

network_in_use_needs_force() {
  setup
  ck create --name c1 --network cknettest "$IMG" true; expect_rc 0
  ck network rm cknettest; expect_rc 2; expect_err "being used"
  ck network rm -f cknettest; expect_rc 0
  ck ps -a -q; [ -z "$out" ] || fail "the container survived network rm -f"
}

network_teardown_after_stop_and_dead_monitor() {
  setup
  local before; before=$(leftovers)
  ck run -d --name s1 --network cknettest "$IMG" sleep 100; expect_rc 0
  ck stop -t 0 s1; expect_rc 0
  [ "$(leftovers)" = "$before" ] || fail "leftovers after stop: $(leftovers)"
  ck start s1; expect_rc 0
  [ "$(leftovers)" != "$before" ] || fail "a running container shows no network: $(leftovers)"
  ck inspect --format '{{.State.ConmonPid}}' s1
  local mon=$out
  [ -n "$mon" ] && [ "$mon" -gt 0 ] || { fail "no monitor pid: '$mon'"; cleanup; return; }
  grep -q "ck-monitor" "/proc/$mon/cmdline" || fail "pid $mon is not a ck-monitor"
  grep -qF -- "$ROOT" "/proc/$mon/cmdline" || fail "monitor $mon is not this store's"
  kill -9 "$mon"
  while [ -d "/proc/$mon" ] && ! grep -q '^State:.*Z' "/proc/$mon/status" 2>/dev/null; do sleep 0.05; done
  ck system check --repair; expect_rc 0; expect_out "repaired"
  [ "$(leftovers)" = "$before" ] || fail "leftovers after check --repair: $(leftovers), before: $before"
  cleanup
}

network_publish_fetch_from_host() {
  ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0
  local port before; port=$(free_port); before=$(allocations "$ROOT")
  ck run -d --name web -p "127.0.0.1:$port:80" "$IMG" sh -c "$HTTPD"; expect_rc 0
  fetch "http://127.0.0.1:$port/index.html"
  [ "$rc" -eq 0 ] || fail "curl 127.0.0.1:$port failed with $rc"
  [ "$out" = "hello-from-ck" ] || fail "unexpected page: $out"
  ck port web; expect_out "80/tcp -> 127.0.0.1:$port"
  ck ps; expect_out "127.0.0.1:$port->80/tcp"
  ck rm -f web; expect_rc 0
  [ "$(allocations "$ROOT")" = "$before" ] || fail "allocations after rm -f: $(allocations "$ROOT")"
  iptables-save -t nat | grep -q -- "--dport $port " && fail "a forwarding rule for port $port survived"
  [ -z "$(ls "$ROOT/run/netns" 2>/dev/null)" ] || fail "a namespace file survived"
}

network_publish_without_host_port_picks_one() {
  ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0
  ck create --name web -p 80 -p 127.0.0.1::81/udp "$IMG" sh -c "$HTTPD"; expect_rc 0
  ck port web 80; local hp=${out##*:}
  [[ "$out" == 0.0.0.0:* ]] && [ "$hp" -ge 1024 ] && [ "$hp" -ne 80 ] || fail "no random host port: $out"
  ck port web 81/udp; [[ "$out" == 127.0.0.1:* ]] && [ "${out##*:}" -ge 1024 ] || fail "no random udp port: $out"
  ck start web; expect_rc 0
  ck port web; expect_out "80/tcp -> 0.0.0.0:$hp"
  fetch "http://127.0.0.1:$hp/index.html"
  [ "$rc" -eq 0 ] && [ "$out" = "hello-from-ck" ] || fail "fetch through random port $hp: rc $rc, $out"
  ck stop -t 0 web; expect_rc 0
  ck start web; expect_rc 0
  ck port web 80; [ "${out##*:}" = "$hp" ] || fail "the host port changed across a restart: $out"
  ck rm -f web; expect_rc 0
}

network_publish_port_in_use_is_refused() {
  ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0
  local port before; before=$(allocations "$ROOT")
  # A listener of the test's own; its port is printed once it listens.
  coproc LISTENER { exec /usr/bin/python3 -c 'import socket,sys
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); sys.stdin.read()'; }
  read -r port <&"${LISTENER[0]}"
  [ -n "$port" ] || { fail "the listener did not start"; return; }
  ck run -d --name busy -p "127.0.0.1:$port:80" "$IMG" sh -c "$HTTPD"; expect_rc 125
  expect_err "127.0.0.1:$port/tcp"; expect_err "already in use"
  [ "$(allocations "$ROOT")" = "$before" ] || fail "allocations after the refusal: $(allocations "$ROOT")"
  [ -z "$(ls "$ROOT/run/netns" 2>/dev/null)" ] || fail "a namespace file was left"
  iptables-save -t nat | grep -q -- "--dport $port " && fail "a forwarding rule for port $port was left"
  kill "$LISTENER_PID" 2>/dev/null; wait "$LISTENER_PID" 2>/dev/null
  run_ck rm -f busy
}

network_container_mode_joins_a_running_container() {
  ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0
  ck run -d --name srv "$IMG" sh -c "$HTTPD"; expect_rc 0
  ck exec srv busybox ip -4 -o addr show eth0; local addr=${out#*inet }; addr=${addr%%/*}
  [ -n "$addr" ] || fail "srv has no address: $out"
  # The same interface and address, and srv's server on 127.0.0.1.
  ck run --rm --network container:srv "$IMG" sh -c \
    'busybox ip -4 -o addr show eth0; for i in $(seq 1 50); do
       printf "GET /index.html HTTP/1.0\r\n\r\n" | nc 127.0.0.1 80 && exit 0; sleep 0.1; done; exit 1'
  expect_rc 0; expect_out "inet $addr/"; expect_out hello-from-ck
  ck create --name late --network container:srv "$IMG" true; expect_rc 0
  ck inspect --format '{{.HostConfig.NetworkMode}}' late; expect_out "container:"
  ck stop -t 0 srv; expect_rc 0
  ck start late; expect_rc 125; expect_err "not running"
  ck run --rm --network container:nosuch "$IMG" true; expect_rc 125; expect_err "no such container"
  ck run --rm --network container:srv -p 80 "$IMG" true; expect_rc 125; expect_err "publish"
  ck rm -f late srv; expect_rc 0
  [ -z "$(ls "$ROOT/run/netns" 2>/dev/null)" ] || fail "a namespace file was left"
}

# Two stores (as parallel tests use) start containers at the same time on
# the default network: one bridge, podman0, and two allocators that must not
# hand out the same address.
network_two_stores_share_the_default_bridge() {
  local root2 i ips pids=()
  root2=$(mktemp -d "$TMPBASE/ck-cli-XXXXXX")
  ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0
  (ROOT=$root2; ck load -i "$ARCHIVE_DIR/busybox.tar"; [ "$rc" -eq 0 ] || echo "load: $err" >&2)
  for r in "$ROOT" "$root2"; do
    ( ROOT=$r
      for i in 1 2 3 4; do
        ck run -d --name "p$i" "$IMG" sleep 60
        [ "$rc" -eq 0 ] || { echo "run in $r: $err" >&2; exit 1; }
      done ) & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || fail "a parallel run failed"; done
  ips=$(for r in "$ROOT" "$root2"; do
          for i in 1 2 3 4; do (ROOT=$r; ck exec "p$i" busybox ip -4 -o addr show eth0; echo "$out"); done
        done | grep -o 'inet [0-9.]*' | sort)
  [ "$(wc -l <<<"$ips")" -eq 8 ] || fail "expected 8 addresses, got: $ips"
  [ -z "$(uniq -d <<<"$ips")" ] || fail "two containers share an address: $(uniq -d <<<"$ips")"
  for r in "$ROOT" "$root2"; do (ROOT=$r; ck rm -fa; [ "$rc" -eq 0 ] || echo "rm: $err" >&2) & done; wait
  for r in "$ROOT" "$root2"; do
    [ "$(allocations "$r")" = "0+0" ] || fail "allocations left in $r: $(allocations "$r")"
  done
  rm -rf "$root2"
}

if [ $# -gt 0 ]; then run_tests "$@"; else
  run_tests network_create_ls_inspect_rm network_bad_input_is_refused network_containers_reach_each_other_by_name \
    network_in_use_needs_force network_teardown_after_stop_and_dead_monitor network_publish_fetch_from_host \
    network_publish_without_host_port_picks_one network_publish_port_in_use_is_refused \
    network_two_stores_share_the_default_bridge network_container_mode_joins_a_running_container
fi
