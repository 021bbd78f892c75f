#!/usr/bin/env bash
# Pods under stress, through the real CLI, netavark and runc: 32 pods with
# published ports made, fetched through and removed at once; ck SIGKILLed at
# random points of pod create, start and rm.  Both count what a pod leaves on
# the host (records, namespace files, veths, firewall rules, leases) before
# and after.  Traffic goes to 127.0.0.1 and stays inside 10.89.217.0/24.
# Usage: test_pod_reliability.sh [TEST...]
. "$(dirname "$0")/lib.sh"

RUNTIME=${CK_TEST_RUNTIME:-runc}
FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
IMG=localhost/busybox:latest
KILLNET=ckpodkill
KILLSUBNET=10.89.217.0/24
PARALLEL=${CK_TEST_PODS:-32}
KILLS=${CK_TEST_KILLS:-50}

[ "$(id -u)" -eq 0 ] || { echo "SKIP: pods on bridge networks need root" >&2; exit 77; }
command -v "$RUNTIME" >/dev/null || { echo "SKIP: $RUNTIME is not installed" >&2; exit 77; }
[ -x /usr/lib/podman/netavark ] || [ -x /usr/libexec/podman/netavark ] ||
  { echo "SKIP: netavark is not installed" >&2; exit 77; }
[ -x /usr/bin/catatonit ] || [ -x /usr/libexec/podman/catatonit ] ||
  { echo "SKIP: catatonit is not installed (apt-get install catatonit)" >&2; exit 77; }
for tool in iptables-save curl ip; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed" >&2; exit 77; }
done
if [ "$RUNTIME" = crun ] && [ -s /sys/fs/cgroup/unified/cgroup.controllers ]; then
  echo "SKIP: crun refuses hybrid cgroups with controllers on cgroup2" >&2; exit 77
fi

ARCHIVE_DIR=$(mktemp -d "$TMPBASE/ck-podrel-img-XXXXXX")
trap 'rm -rf "$ARCHIVE_DIR"' EXIT
python3 "$FIXTURES/mkimage.py" "$ARCHIVE_DIR/busybox.tar" --format oci-archive --busybox --name "$IMG" >/dev/null ||
  { echo "cannot build the busybox image" >&2; exit 1; }

ck() { run_ck --runtime "$RUNTIME" "$@"; }
# ck on the test's store, output left to the caller (for background jobs).
ckx() { "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" --runtime "$RUNTIME" "$@"; }

# N free TCP ports on 127.0.0.1, all held at once while the kernel picks them
# so that they are distinct.
# Fetches URL into $out, retrying while the server starts (at most ~20 s);
# $rc is curl's last exit code.
fetch() {
  local i
  for i in $(seq 1 200); do
    out=$(curl -sS -m 5 "$1" 2>/dev/null); rc=$?
    [ $rc -eq 0 ] && return
    sleep 0.1
  done
}

# Host-wide leases that namespaces of this store hold (lib/net/leases.c).
leases() { cat /run/containerkit/bridges/*.leases 2>/dev/null | grep -c "$ROOT/run/netns/" || true; }
# Firewall rules that name one of the ports given.
port_rules() {
  local p n=0 all; all=$(iptables-save 2>/dev/null)
  for p in "$@"; do n=$((n + $(grep -c -- "--dport $p\b" <<<"$all" || true))); done
  echo $n
}
# What this store has on the host besides its records: namespace files,
# leases, mounts under its roots, processes naming its roots.
host_state() {
  local ns mounts procs
  ns=$(ls "$ROOT/run/netns" 2>/dev/null | wc -l)
  mounts=$(grep -c -- " $ROOT/" /proc/mounts || true)
  # (the pattern is not its own text, so grep does not count itself)
  procs=$(grep -lsE -- "$ROOT/(run|storage)" /proc/[0-9]*/cmdline 2>/dev/null | wc -l)
  echo "netns=$ns leases=$(leases) mounts=$mounts procs=$procs"
}
# The processes naming this store's roots, one command line each.
store_procs() {
  local f
  for f in $(grep -lsE -- "$ROOT/(run|storage)" /proc/[0-9]*/cmdline 2>/dev/null); do
    tr '\0' ' ' <"$f" 2>/dev/null; echo
  done
}
no_store_procs() { [ -z "$(grep -lsE -- "$ROOT/(run|storage)" /proc/[0-9]*/cmdline 2>/dev/null)" ]; }
# Nothing of a pod or a container is left: records, host state, a clean check.
nothing_left() {
  local what=$1 st
  run_ck pod ps -q; [ -z "$out" ] || fail "$what: pods left: $out"
  run_ck ps -a -q; [ -z "$out" ] || fail "$what: containers left: $out"
  # A SIGKILLed ck's children (a netavark or runc run it started) go on
  # to their end by themselves: what counts is that they end.
  wait_until 15 no_store_procs || true
  st=$(host_state)
  [ "$st" = "netns=0 leases=0 mounts=0 procs=0" ] || fail "$what: left on the host: $st: $(store_procs)"
  run_ck system check; [ "$rc" -eq 0 ] || fail "$what: system check: $out $err"
}

# One of the parallel workers: a pod publishing PORT, a busybox httpd in it,
# the pod's hostname fetched through the port from the host, the host side
# of the pod's veth written to VETHS, the pod removed.  Errors go to stderr.
parallel_worker() {
  local i=$1 port=$2 page rc idx
  ckx pod create --name "par$i" -p "127.0.0.1:$port:80" >/dev/null || { echo "par$i: pod create failed" >&2; return 1; }
  ckx run -d --pod "par$i" --name "web$i" "$IMG" httpd -f -p 80 -h /etc >/dev/null ||
    { echo "par$i: run failed" >&2; ckx pod rm -f "par$i" >/dev/null; return 1; }
  fetch "http://127.0.0.1:$port/hostname"; page=$out
  # eth0's peer in the host's namespace: an ifindex is never reused soon, so
  # it names this veth exactly even while other containers come and go.
  idx=$(ckx exec "web$i" cat /sys/class/net/eth0/iflink) && echo "$idx" >>"$ROOT/veths"
  ckx pod rm -f "par$i" >/dev/null || { echo "par$i: pod rm -f failed" >&2; return 1; }
  [ "$rc" -eq 0 ] || { echo "par$i: curl 127.0.0.1:$port failed ($rc)" >&2; return 1; }
  [ "$page" = "par$i" ] || { echo "par$i: 127.0.0.1:$port served '$page', not this pod's hostname" >&2; return 1; }
  [ -n "$idx" ] || { echo "par$i: no veth index" >&2; return 1; }
}

# The veths, of the indexes listed in FILE, that the host still has (the
# kernel removes them with their namespace, a moment after it is freed).
veths_of() {
  local idx links; links=$(ip -o link show 2>/dev/null)
  while read -r idx; do grep "^$idx: " <<<"$links" | cut -d' ' -f2; done <"$1"
}
no_veth_of() { [ -z "$(veths_of "$1")" ]; }

parallel_pods_publish_fetch_and_leave_nothing() {
  ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0
  local ports i pids=() errors=0 st
  read -r -a ports <<<"$(free_ports "$PARALLEL")"
  [ ${#ports[@]} -eq "$PARALLEL" ] || { fail "no $PARALLEL free ports: ${ports[*]}"; return; }
  st=$(host_state)
  [ "$st" = "netns=0 leases=0 mounts=0 procs=0" ] || fail "before: $st"
  [ "$(port_rules "${ports[@]}")" -eq 0 ] || fail "before: rules name the chosen ports"
  # The image of the infra is made once, before the workers race for it.
  ck pod create --name warm; expect_rc 0; ck pod rm -f warm; expect_rc 0
  : >"$ROOT/veths"
  for i in $(seq 0 $((PARALLEL - 1))); do
    parallel_worker "$i" "${ports[$i]}" 2>>"$ROOT/errors" & pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || errors=$((errors + 1)); done
  [ $errors -eq 0 ] || fail "$errors of $PARALLEL workers failed: $(cat "$ROOT/errors")"
  [ "$(wc -l <"$ROOT/veths")" -eq "$PARALLEL" ] || fail "veth indexes: $(wc -l <"$ROOT/veths")"
  wait_until 20 no_veth_of "$ROOT/veths" || fail "veths of the pods are left: $(veths_of "$ROOT/veths")"
  [ "$(port_rules "${ports[@]}")" -eq 0 ] || fail "firewall rules name the ports: $(port_rules "${ports[@]}")"
  nothing_left "after $PARALLEL pods"
}

# Veths on the kill test's own bridge, and rules naming its subnet.
kill_net_state() {
  local br veth=0 rules
  run_ck network inspect "$KILLNET"
  br=$(sed -n 's/.*"network_interface": "\(podman[0-9]*\)".*/\1/p' <<<"$out")
  [ -n "$br" ] && veth=$(ip -o link show master "$br" 2>/dev/null | wc -l)
  rules=$(iptables-save 2>/dev/null | grep -c "${KILLSUBNET%/*}" || true)
  echo "veth=$veth rules=$rules"
}

net_state_is() { [ "$(kill_net_state)" = "$1" ]; }
# wait_until SECONDS CMD...: polls CMD until it succeeds (a condition, not a delay).
wait_until() {
  local n=$(($1 * 20)); shift
  while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.05; n=$((n - 1)); done
  return 1
}

# How long CMD takes on this machine now, in ms (the range the kills cover).
time_ms() {
  local t0 t1
  t0=$(date +%s%N); ( "$@" ) >/dev/null 2>&1; t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}

# The pods of one round are prepared for CMD: none for create, created with
# a member for start, and running for rm.  Each publishes a port.
kill_prepare() {
  local cmd=$1 i=$2 port=$3
  [ "$cmd" = create ] && return 0
  ckx pod create --name "k$i" --network "$KILLNET" -p "127.0.0.1:$port:80" >/dev/null &&
    ckx create --pod "k$i" "$IMG" sleep 1000 >/dev/null &&
    { [ "$cmd" != rm ] || ckx pod start "k$i" >/dev/null; }
}
kill_command() {
  local cmd=$1 i=$2 port=$3
  case $cmd in
    create) exec "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" --runtime "$RUNTIME" \
              pod create --name "k$i" --network "$KILLNET" -p "127.0.0.1:$port:80" ;;
    start) exec "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" --runtime "$RUNTIME" pod start "k$i" ;;
    rm) exec "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" --runtime "$RUNTIME" pod rm -f "k$i" ;;
  esac
}

# ck SIGKILLed at random points of pod create, start and rm, KILLS times
# each, in rounds of pods killed side by side: afterwards `pod rm -f` of
# every pod and one `system check --repair` succeed, and nothing is left.
kill_during_pod_commands_leaves_nothing() {
  ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0
  ck network create --subnet "$KILLSUBNET" "$KILLNET"; expect_rc 0
  local before cmd span round i n pid ports pids delay per=10 kills=0 t0
  before=$(kill_net_state)
  ck pod create --name warm; expect_rc 0; ck pod rm -f warm; expect_rc 0
  read -r -a ports <<<"$(free_ports $per)"
  for cmd in create start rm; do
    # The kills fall anywhere from the start of the command to a little
    # past its usual end (one round runs it $per times side by side).
    kill_prepare "$cmd" 0 "${ports[0]}" || fail "$cmd: preparing the timing pod"
    span=$(time_ms kill_command "$cmd" 0 "${ports[0]}")
    run_ck pod rm -f k0
    span=$((span * 3 / 2 + 20))
    echo "  $cmd: kills within ${span} ms" >&2
    for round in $(seq 1 $(((KILLS + per - 1) / per))); do
      for i in $(seq 0 $((per - 1))); do
        kill_prepare "$cmd" "$i" "${ports[$i]}" || fail "$cmd round $round: preparing k$i"
      done
      pids=()
      for i in $(seq 0 $((per - 1))); do
        ( kill_command "$cmd" "$i" "${ports[$i]}" ) >/dev/null 2>&1 & pids+=($!)
      done
      for i in $(seq 0 $((per - 1))); do
        delay=$((RANDOM % span))
        ( sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"; kill -KILL "${pids[$i]}" 2>/dev/null ) &
      done
      wait 2>/dev/null # (bash would report each kill)
      kills=$((kills + per))
      for i in $(seq 0 $((per - 1))); do
        run_ck pod rm -f "k$i"
        [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "$cmd round $round: pod rm -f k$i: $rc $err"
      done
      # A kill while the infra image is made leaves an unreferenced blob,
      # which the check keeps while it is recent (a pull may be writing it):
      # age what the killed command left rather than wait.
      find "$ROOT/storage/images/tmp" "$ROOT/storage/images/blobs" -mindepth 1 -maxdepth 2 \
        -exec touch -h -d '-30 min' {} + 2>/dev/null
      run_ck system check --repair
      [ "$rc" -eq 0 ] || fail "$cmd round $round: check --repair: $out $err"
      nothing_left "$cmd round $round"
      # A namespace's veth goes when the kernel frees the namespace, from a
      # work queue, a moment after its file and last process have gone.
      wait_until 20 net_state_is "$before" ||
        fail "$cmd round $round: network left: $(kill_net_state), before: $before"
      [ "$(port_rules "${ports[@]}")" -eq 0 ] || fail "$cmd round $round: firewall rules name the ports"
      [ $current_failed -eq 0 ] || break
    done
    [ $current_failed -eq 0 ] || break
  done
  echo "  $kills kills" >&2
  [ $kills -ge $((3 * KILLS)) ] || fail "only $kills kills"
  run_ck network rm -f "$KILLNET"
}

all_tests=(parallel_pods_publish_fetch_and_leave_nothing kill_during_pod_commands_leaves_nothing)
run_tests "${@:-${all_tests[@]}}"
