#!/usr/bin/env bash
# Network operations through the real CLI, netavark and runc (rootful):
# `network reload` after the test deleted a container's forwarding rules,
# --add-host/--dns in the /etc files of pods' members and of containers, and
# bridge names and subnets that two stores never share.  Traffic goes to
# 127.0.0.1 and stays inside 10.89.22x.0/24 networks the test creates.
# Usage: test_network_ops.sh [TEST...]
. "$(dirname "$0")/lib.sh"

RUNTIME=${CK_TEST_RUNTIME:-runc}
FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
IMG=localhost/busybox:latest

[ "$(id -u)" -eq 0 ] || { echo "SKIP: bridge networks need root" >&2; exit 77; }
[ -x /usr/lib/podman/netavark ] || [ -x /usr/libexec/podman/netavark ] ||
  { echo "SKIP: netavark is not installed" >&2; exit 77; }
[ -x /usr/bin/catatonit ] || [ -x /usr/libexec/podman/catatonit ] ||
  { echo "SKIP: catatonit is not installed (apt-get install catatonit)" >&2; exit 77; }
for tool in iptables iptables-save curl ip; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed" >&2; exit 77; }
done

ARCHIVE_DIR=$(mktemp -d "$TMPBASE/ck-netops-img-XXXXXX")
trap 'rm -rf "$ARCHIVE_DIR"' EXIT
python3 "$FIXTURES/mkimage.py" "$ARCHIVE_DIR/busybox.tar" --format oci-archive --busybox --name "$IMG" >/dev/null ||
  { echo "cannot build the busybox image" >&2; exit 1; }

ck() { run_ck --runtime "$RUNTIME" "$@"; }
load() { ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0; }
# Fetches URL into $out, retrying while the server starts or the rules come
# up (connection refused) for at most 10 s; $rc is curl's exit code.
fetch() {
  local i
  for i in $(seq 1 100); do
    out=$(curl -sS -m 5 "$1" 2>/dev/null); rc=$?
    [ $rc -ne 7 ] && return
    sleep 0.1
  done
}
HTTPD='mkdir -p /www && echo hello-from-ck > /www/index.html && exec httpd -f -p 80 -h /www'

# Deletes what publishes container $1's ports: netavark (1.4) writes its
# rules with the `iptables` on PATH (the nf_tables one on Debian 12, which
# the alternatives system picks), so the same tool deletes them: the jump
# of the shared NETAVARK-HOSTPORT-DNAT chain that names the container, and
# the rules of the network's own DNAT chain $2 for port $3.
flush_rules() {
  local cid=$1 chain=$2 port=$3 line
  iptables-save -t nat | grep -F -- "$cid" | grep '^-A ' | sed 's/^-A //' | while read -r line; do
    eval "iptables -t nat -D $line" || echo "cannot delete: $line" >&2
  done
  iptables-save -t nat | grep "^-A $chain " | grep -F -- "--dport $port " | sed 's/^-A //' | while read -r line; do
    eval "iptables -t nat -D $line" || echo "cannot delete: $line" >&2
  done
}

network_reload_restores_flushed_port_rules() {
  load
  ck network create --subnet 10.89.221.0/24 ckreload; expect_rc 0
  local port cid; port=$(free_port)
  ck run -d --name web --network ckreload -p "127.0.0.1:$port:80" "$IMG" sh -c "$HTTPD"; expect_rc 0
  cid=$out
  fetch "http://127.0.0.1:$port/index.html"
  [ "$rc" -eq 0 ] && [ "$out" = hello-from-ck ] || fail "no page before the flush: rc $rc, $out"
  # The chain of this network: the one that names the port.
  local chain; chain=$(iptables-save -t nat | grep -F -- "--dport $port " | grep -o "^-A NETAVARK-DN-[0-9A-F]*" |
    head -1); chain=${chain#-A }
  [ -n "$chain" ] || fail "no DNAT chain names port $port"
  flush_rules "$cid" "$chain" "$port"
  iptables-save -t nat | grep -qF -- "--dport $port " && fail "rules for port $port survived the flush"
  out=$(curl -sS -m 5 "http://127.0.0.1:$port/index.html" 2>/dev/null); rc=$?
  [ "$rc" -ne 0 ] || fail "the port still answers after its rules were deleted: $out"
  ck network reload web; expect_rc 0; expect_out "$cid"
  fetch "http://127.0.0.1:$port/index.html"
  [ "$rc" -eq 0 ] && [ "$out" = hello-from-ck ] || fail "no page after reload: rc $rc, $out"
  # Again with --all, which reloads the running containers of this store.
  flush_rules "$cid" "$chain" "$port"
  ck network reload --all; expect_rc 0; expect_out "$cid"
  fetch "http://127.0.0.1:$port/index.html"
  [ "$rc" -eq 0 ] && [ "$out" = hello-from-ck ] || fail "no page after reload --all: rc $rc, $out"
  # One rule set, not two: a reload replaces the rules.
  [ "$(iptables-save -t nat | grep -cF -- "--dport $port ")" -eq 4 ] ||
    fail "expected 4 nat rules for port $port: $(iptables-save -t nat | grep -F -- "--dport $port ")"
  ck rm -f web; expect_rc 0
  iptables-save -t nat | grep -qF -- "--dport $port " && fail "rules for port $port survived rm -f"
  ck network rm ckreload; expect_rc 0
}

network_reload_pod_member_and_bad_input() {
  load
  local port; port=$(free_port)
  ck pod create --name rp -p "127.0.0.1:$port:80"; expect_rc 0
  ck run -d --pod rp --name member "$IMG" sh -c "$HTTPD"; expect_rc 0
  ck pod inspect --format '{{.InfraContainerID}}' rp; local infra=$out
  fetch "http://127.0.0.1:$port/index.html"
  [ "$rc" -eq 0 ] || fail "no page from the pod: rc $rc"
  iptables-save -t nat | grep -F -- "$infra" | grep '^-A ' | sed 's/^-A //' | while read -r line; do
    eval "iptables -t nat -D $line"; done
  out=$(curl -sS -m 5 "http://127.0.0.1:$port/index.html" 2>/dev/null); rc=$?
  [ "$rc" -ne 0 ] || fail "the pod's port still answers after its rule was deleted"
  ck exec member cat /sys/class/net/eth0/address; local mac=$out
  # A member stands for its infra, which holds the pod's network.
  ck network reload member; expect_rc 0; expect_out "$infra"
  # The same MAC address: with a new one, the host's neighbour entry would
  # name the old until it expires, and the fetch below would stall.
  ck exec member cat /sys/class/net/eth0/address
  [ -n "$mac" ] && [ "$out" = "$mac" ] || fail "reload changed the MAC address: '$mac' became '$out'"
  fetch "http://127.0.0.1:$port/index.html"
  [ "$rc" -eq 0 ] && [ "$out" = hello-from-ck ] || fail "no page after reloading the member: rc $rc, $out"
  ck create --name idle "$IMG" true; expect_rc 0
  ck network reload idle; expect_rc 125; expect_err "idle is not running"
  ck network reload nosuch; expect_rc 125; expect_err "no such container"
  ck network reload --all member; expect_rc 125; expect_err "cannot be used together"
  ck network reload; expect_rc 125; expect_err "--all"
  ck run -d --name nonet --network none "$IMG" sleep 60; expect_rc 0
  ck network reload nonet; expect_rc 125; expect_err "network mode \"none\""
  ck rm -f idle nonet; expect_rc 0
  ck pod rm -f rp; expect_rc 0
  iptables-save -t nat | grep -qF -- "--dport $port " && fail "rules for port $port survived pod rm -f"
  [ -z "$(ls "$ROOT/run/netns" 2>/dev/null)" ] || fail "a namespace file was left"
}

# A pod's --add-host and --dns* are in the /etc files of its infra and of
# every member; a container's own are in its files; a member cannot set
# its own.  Read from inside the containers.
network_pod_and_container_etc_files_take_add_host_and_dns() {
  load
  ck pod create --name dp --add-host db.example:10.89.222.7 --add-host gw.example:10.89.222.1 \
    --dns 10.89.222.53 --dns-search corp.example --dns-option ndots:3; expect_rc 0
  ck pod inspect --format '{{.InfraContainerID}}' dp; local infra=$out
  ck pod inspect dp; expect_out '"DNSSearch": ['; expect_out '"corp.example"'; expect_out '"ndots:3"'
  ck run -d --pod dp --name m1 "$IMG" sleep 60; expect_rc 0
  ck run -d --pod dp --name m2 "$IMG" sleep 60; expect_rc 0
  ck inspect --format '{{.HostConfig.ExtraHosts}}' m1; expect_out "db.example:10.89.222.7"
  ck inspect --format '{{.HostConfig.Dns}}' m2; expect_out "10.89.222.53"
  local c
  for c in m1 m2; do
    ck exec "$c" cat /etc/hosts; expect_rc 0
    grep -qP '^10\.89\.222\.7\tdb\.example$' <<<"$out" || fail "$c: no db.example line in /etc/hosts: $out"
    grep -qP '^10\.89\.222\.1\tgw\.example$' <<<"$out" || fail "$c: no gw.example line in /etc/hosts: $out"
    ck exec "$c" cat /etc/resolv.conf; expect_rc 0
    grep -qx 'nameserver 10.89.222.53' <<<"$out" || fail "$c: no --dns server: $out"
    grep -qx 'search corp.example' <<<"$out" || fail "$c: no --dns-search: $out"
    grep -qx 'options ndots:3' <<<"$out" || fail "$c: no --dns-option: $out"
    [ "$(grep -c '^nameserver' <<<"$out")" -eq 1 ] || fail "$c: the host's resolvers are still there: $out"
  done
  # The infra's files (it has no shell: read them from the host side).
  ck inspect --format '{{.HostsPath}}' "$infra"
  if [ -f "$out" ]; then
    grep -qP '^10\.89\.222\.7\tdb\.example$' "$out" || fail "the infra's hosts lacks db.example: $(cat "$out")"
  else
    fail "no hosts file for the infra: $out"
  fi
  # A member cannot set what the pod's network decides.
  ck run --rm --pod dp --add-host x:10.1.1.1 "$IMG" true; expect_rc 125
  expect_err "cannot set --add-host"; expect_err "ck pod create"
  ck run --rm --pod dp --dns 10.1.1.1 "$IMG" true; expect_rc 125; expect_err "cannot set --dns"
  # A container's own (on the default bridge: podman refuses a resolver
  # for --network none, and so does ck).
  ck run --rm --network none --dns 192.0.2.53 "$IMG" true; expect_rc 125
  expect_err "conflicting options: dns and the network mode: none"
  ck run --rm --add-host own.example:192.0.2.9 --dns 192.0.2.53 --dns 192.0.2.54 \
    --dns-search a.example --dns-search b.example --dns-option timeout:2 "$IMG" \
    sh -c 'cat /etc/hosts; echo ===; cat /etc/resolv.conf'; expect_rc 0
  grep -qP '^192\.0\.2\.9\town\.example$' <<<"$out" || fail "no own.example in the container's hosts: $out"
  grep -qx 'nameserver 192.0.2.53' <<<"$out" && grep -qx 'nameserver 192.0.2.54' <<<"$out" ||
    fail "the container's --dns servers are missing: $out"
  grep -qx 'search a.example b.example' <<<"$out" || fail "the container's search line: $out"
  grep -qx 'options timeout:2' <<<"$out" || fail "the container's options line: $out"
  # Bad input is refused before anything is made.
  ck run --rm --add-host nocolon "$IMG" true; expect_rc 125; expect_err 'invalid --add-host "nocolon"'
  ck run --rm --add-host h:999.1.1.1 "$IMG" true; expect_rc 125; expect_err "HOST:IP"
  ck run --rm --dns notanip "$IMG" true; expect_rc 125; expect_err 'invalid --dns "notanip"'
  ck pod create --name bad --dns-search 'a b'; expect_rc 125; expect_err "invalid --dns-search"
  ck pod exists bad; expect_rc 1
  ck ps -a -q; [ "$(wc -w <<<"$out")" -eq 3 ] || fail "bad input left containers: $out"
  ck pod rm -f dp; expect_rc 0
}

# "BRIDGE SUBNET" of network $1, from its inspect output.
net_of() {
  ck network inspect "$1"
  echo "$(sed -n 's/.*"network_interface": "\(.*\)".*/\1/p' <<<"$out") $(sed -n 's/.*"subnet": "\(.*\)".*/\1/p' <<<"$out")"
}
# Two stores (two --root) create networks at the same time: no two
# networks share a bridge name or a subnet; a --subnet that overlaps the
# other store's network is refused by that network's name; removing a
# network frees its bridge and subnet for the other store.
network_two_stores_never_share_bridge_or_subnet() {
  local root2 i pids=() lines
  root2=$(mktemp -d "$TMPBASE/ck-cli-XXXXXX")
  for r in "$ROOT" "$root2"; do
    ( ROOT=$r
      for i in 1 2 3; do
        ck network create "n$i"; [ "$rc" -eq 0 ] || { echo "create in $r: $err" >&2; exit 1; }
      done ) & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || fail "a parallel network create failed"; done
  lines=$(for r in "$ROOT" "$root2"; do
            for i in 1 2 3; do (ROOT=$r; net_of "n$i"); done
          done)
  [ "$(wc -l <<<"$lines")" -eq 6 ] || fail "expected 6 networks: $lines"
  [ -z "$(awk '{print $1}' <<<"$lines" | sort | uniq -d)" ] || fail "two networks share a bridge: $lines"
  [ -z "$(awk '{print $2}' <<<"$lines" | sort | uniq -d)" ] || fail "two networks share a subnet: $lines"
  # The other store's subnet, given explicitly.
  local theirs gone; theirs=$(ROOT=$root2; net_of n2 | awk '{print $2}')
  gone=$(ROOT=$root2; net_of n1 | awk '{print $2}')
  ck network create --subnet "$theirs" clash; expect_rc 125
  expect_err "overlaps $theirs of network n2"; expect_err "another store"
  ck network exists clash; expect_rc 1
  # Freed by its removal: the subnet can be taken then.
  (ROOT=$root2; ck network rm n2; [ "$rc" -eq 0 ] || echo "rm: $err" >&2)
  ck network create --subnet "$theirs" clash; expect_rc 0
  grep -q " $theirs clash " /run/containerkit/bridges/networks || fail "the registry lacks clash"
  # A store that is gone holds nothing: its lines are stale.
  rm -rf "$root2"
  ck network create --subnet "$gone" after; expect_rc 0
  ck network rm -f n1 n2 n3 clash after
  grep -qF " $ROOT" /run/containerkit/bridges/networks && fail "the registry keeps this store's removed networks"
  return 0
}

# Host-wide leases that namespaces of this store hold (lib/net/leases.c).
leases() { cat /run/containerkit/bridges/*.leases 2>/dev/null | grep -c "$ROOT/run/netns/" || true; }
# What a pod on network $1 (subnet $2) leaves on the host.
pod_net_state() {
  local br veth=0 rules ns
  run_ck network inspect "$1"
  br=$(sed -n 's/.*"network_interface": "\(podman[0-9]*\)".*/\1/p' <<<"$out")
  [ -n "$br" ] && veth=$(ip -o link show master "$br" 2>/dev/null | wc -l)
  rules=$(iptables-save 2>/dev/null | grep -c "${2%/*}" || true)
  ns=$(ls "$ROOT/run/netns" 2>/dev/null | wc -l)
  echo "netns=$ns veth=$veth rules=$rules leases=$(leases)"
}
state_is() { [ "$(pod_net_state "$1" "$2")" = "$3" ]; }
wait_until() {
  local n=$(($1 * 20)); shift
  while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.05; n=$((n - 1)); done
  return 1
}

# The monitor of a rootful pod's infra SIGKILLed: `system check --repair`
# tears the pod's network down (namespace, veth, rules, lease), and the
# port no longer answers.
network_killed_pod_monitor_then_repair_leaves_nothing() {
  load
  local net=ckkillmon subnet=10.89.223.0/24 port infra mon
  ck network create --subnet "$subnet" "$net"; expect_rc 0
  port=$(free_port)
  ck pod create --name kp --network "$net" -p "127.0.0.1:$port:80"; expect_rc 0
  ck run -d --pod kp --name web "$IMG" sh -c "$HTTPD"; expect_rc 0
  fetch "http://127.0.0.1:$port/index.html"
  [ "$rc" -eq 0 ] || fail "no page from the pod: rc $rc"
  [ "$(leases)" -eq 1 ] || fail "expected one lease, have $(leases)"
  ck pod inspect --format '{{.InfraContainerID}}' kp; infra=$out
  ck inspect --format '{{.State.ConmonPid}}' "$infra"; mon=$out
  [ "$mon" -gt 0 ] 2>/dev/null || { fail "no monitor pid for the infra: '$mon'"; return; }
  kill -KILL "$mon"
  wait_until 10 sh -c "! [ -d /proc/$mon ] || grep -q '^State:.*Z' /proc/$mon/status" || fail "the monitor outlived SIGKILL"
  ck system check; expect_rc 1
  ck system check --repair; expect_rc 0; expect_out "repaired"
  # The veth goes when the kernel frees the namespace, a moment after.
  wait_until 20 state_is "$net" "$subnet" "netns=0 veth=0 rules=0 leases=0" ||
    fail "left after the repair: $(pod_net_state "$net" "$subnet")"
  iptables-save -t nat | grep -qF -- "--dport $port " && fail "rules for port $port survived the repair"
  ck pod rm -f kp; expect_rc 0
  ck system check; expect_rc 0
  ck network rm "$net"; expect_rc 0
}

if [ $# -gt 0 ]; then run_tests "$@"; else
  run_tests $(grep -o '^network_[a-z0-9_]*()' "$0" | tr -d '()')
fi
