#!/usr/bin/env bash
# The ck pod commands and containers in pods, through the real CLI against
# real containers of a busybox image, with the OCI runtime named by
# CK_TEST_RUNTIME (runc by default): namespace sharing, the order of starts
# and stops, removal that leaves nothing, bad input, the consistency check's
# repairs and migration.  ck killed in the middle of pod commands is in
# test_pod_reliability.sh.
# Usage: test_pod.sh [TEST...] runs some of them.
. "$(dirname "$0")/lib.sh"

RUNTIME=${CK_TEST_RUNTIME:-runc}
FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
IMG=localhost/busybox:latest

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the pod CLI tests run as root" >&2; exit 77
fi
command -v "$RUNTIME" >/dev/null || { echo "SKIP: $RUNTIME is not installed" >&2; exit 77; }
[ -x /usr/bin/catatonit ] || [ -x /usr/libexec/podman/catatonit ] ||
  { echo "SKIP: catatonit is not installed (apt-get install catatonit)" >&2; exit 77; }
if [ "$RUNTIME" = crun ] && [ -s /sys/fs/cgroup/unified/cgroup.controllers ]; then
  echo "SKIP: crun refuses hybrid cgroups with controllers on cgroup2" >&2; exit 77
fi

ARCHIVE_DIR=$(mktemp -d "$TMPBASE/ck-pod-img-XXXXXX")
trap 'rm -rf "$ARCHIVE_DIR"' EXIT
python3 "$FIXTURES/mkimage.py" "$ARCHIVE_DIR/busybox.tar" --format oci-archive --busybox --name "$IMG" >/dev/null ||
  { echo "cannot build the busybox image" >&2; exit 1; }

ck() { run_ck --runtime "$RUNTIME" "$@"; }
load_image() { ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0; }

# Everything a test leaves is removed before its root goes.
cleanup() {
  run_ck pod rm -a -f
  run_ck ps -a -q --no-trunc
  [ -n "$out" ] && run_ck rm -f $out
  true
}

# The whole store is empty of containers and pods: records, runtime state,
# directories and mounts.
nothing_left() {
  run_ck ps -a -q; [ -z "$out" ] || fail "containers left: $out"
  run_ck pod ps -q; [ -z "$out" ] || fail "pods left: $out"
  local left
  left=$(ls "$ROOT/run/runtime/$RUNTIME" 2>/dev/null | grep -v '^log-')
  [ -z "$left" ] || fail "runtime state left: $left"
  left=$(ls "$ROOT/storage/containers" "$ROOT/run/containers" 2>/dev/null | grep -v ':$' | grep .)
  [ -z "$left" ] || fail "container directories left: $left"
  grep -q "$ROOT/storage/rootfs" /proc/mounts && fail "root filesystems still mounted"
  run_ck system check; [ "$rc" -eq 0 ] || fail "system check: $out $err"
  true
}

# wait_for SECONDS CMD...: polls CMD until it succeeds (a condition, not a delay).
wait_for() {
  local n=$(($1 * 20)); shift
  while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.05; n=$((n - 1)); done
  return 1
}
pod_status_is() { ck pod inspect --format '{{.State}}' "$1"; [ "$out" = "$2" ]; }
ctr_status_is() { ck inspect --format '{{.State.Status}}' "$1"; [ "$out" = "$2" ]; }
logs_have() { ck logs "$1"; grep -qF -- "$2" <<<"$out"; }

pod_members_share_loopback_and_hostname() {
  load_image
  ck pod create --name web; expect_rc 0
  ck run -d --pod web --name server $IMG httpd -f -p 127.0.0.1:8080 -h /etc; expect_rc 0
  # the infra started first: it holds the namespaces
  ck pod inspect --format '{{.InfraContainerId}}' web; local infra=$out
  ctr_status_is "$infra" running || fail "infra not running after a member started"
  # httpd is listening once the fetch succeeds; the fetch is the signal
  wait_for 10 bash -c "'$CK_BIN' --root '$ROOT/storage' --runroot '$ROOT/run' --runtime $RUNTIME run --rm \
    --pod web $IMG sh -c 'printf \"GET /hostname HTTP/1.0\r\n\r\n\" | nc 127.0.0.1 8080' | grep -q 200" ||
    fail "the sibling's server was not reachable on 127.0.0.1"
  ck run --rm --pod web $IMG sh -c 'printf "GET /hostname HTTP/1.0\r\n\r\n" | nc 127.0.0.1 8080; hostname'
  expect_rc 0; expect_out "200 OK"
  [ "$(tail -n1 <<<"$out")" = web ] || fail "hostname is not the pod's: $out"
  # not seen from outside the pod
  ck run --rm $IMG sh -c 'nc 127.0.0.1 8080 </dev/null'; [ "$rc" -ne 0 ] || fail "reached from outside the pod"
  ck ps --pod; expect_out "POD ID"; expect_out "PODNAME"; expect_out "server"
  grep -q "server.* web$" <<<"$out" || fail "ps --pod lacks the pod's name: $out"
  ck pod ps; expect_out "Running"
  cleanup
}

# A port the pod publishes reaches a member's server from the host, and
# `pod rm -f` takes the forwarding and the namespace away with it.
pod_publishes_a_port_on_the_host() {
  load_image
  local port
  port=$(free_port)
  ck pod create --name pub -p "127.0.0.1:$port:3000"; expect_rc 0
  ck run -d --pod pub --name srv $IMG httpd -f -p 3000 -h /etc; expect_rc 0
  wait_for 10 sh -c "curl -sf -o /dev/null http://127.0.0.1:$port/hostname" ||
    fail "the pod's published port 127.0.0.1:$port did not answer"
  [ "$(curl -s "http://127.0.0.1:$port/hostname")" = pub ] || fail "the page is not the pod's hostname file"
  ck port srv; expect_rc 0
  ck pod inspect --format '{{.InfraContainerId}}' pub; local infra=$out
  ck port "$infra"; expect_out "3000/tcp -> 127.0.0.1:$port"
  ck pod rm -f pub; expect_rc 0
  curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/" && fail "the port still answers after pod rm -f"
  [ -z "$(ls -A "$ROOT/run/netns" 2>/dev/null)" ] || fail "network namespaces left: $(ls "$ROOT/run/netns")"
  ! iptables-save 2>/dev/null | grep -q -- "--dport $port " || fail "a forwarding rule for $port is left"
  cleanup
}

# pod logs and pod stats: the container commands over the pod's members.
pod_logs_and_stats_cover_the_members() {
  load_image
  ck pod create --name lp --network none; expect_rc 0
  ck run -d --pod lp --name lp-a $IMG sh -c 'echo from-a; sleep 1000'; expect_rc 0
  ck run -d --pod lp --name lp-b $IMG sh -c 'echo from-b; sleep 1000'; expect_rc 0
  logs_in() { ck pod logs lp; grep -q from-a <<<"$out" && grep -q from-b <<<"$out"; }
  wait_for 10 logs_in || fail "pod logs lacks a member's line: $out"
  ck pod logs -c lp-b lp; expect_rc 0; expect_out from-b; expect_no_out from-a
  ck pod logs -c nosuch lp; expect_rc 125; expect_err "nosuch"
  ck pod logs; expect_rc 125; expect_err "exactly one pod"
  ck pod stats --no-stream lp; expect_rc 0; expect_out lp-a; expect_out lp-b; expect_no_out infra
  ck pod stats --no-stream --format '{{.Name}}' lp; expect_rc 0
  [ "$(sort <<<"$out" | tr '\n' ' ')" = "lp-a lp-b " ] || fail "pod stats --format: '$out'"
  cleanup
}

pod_shares_pid_on_request() {
  load_image
  ck pod create --name pp --share pid,net,ipc,uts; expect_rc 0
  ck run -d --pod pp --name sleeper $IMG sleep 1000; expect_rc 0
  ck run --rm --pod pp $IMG ps; expect_rc 0
  expect_out "sleep 1000"; expect_out "catatonit"
  # without pid sharing, the sibling is not seen
  ck pod create --name np; expect_rc 0
  ck run -d --pod np $IMG sleep 999; expect_rc 0
  ck run --rm --pod np $IMG ps; expect_rc 0; expect_no_out "sleep 999"
  cleanup
}

pod_start_stop_rm_order_leaves_nothing() {
  load_image
  ck pod create --name life --label a=b; expect_rc 0
  local pod=$out
  ck create --pod life --name m1 $IMG sleep 1000; expect_rc 0
  ck create --pod life --name m2 $IMG sleep 1000; expect_rc 0
  ck pod ps; expect_out "Created"
  ck pod start life; expect_rc 0; expect_out "$pod"
  ctr_status_is m1 running || fail "m1 not running"
  ctr_status_is m2 running || fail "m2 not running"
  ck pod ps --format json; expect_out '"Status": "Running"'; expect_out '"a": "b"'
  ck pod stop -t 0 life; expect_rc 0
  ctr_status_is m1 exited || fail "m1 not exited"
  ck pod ps; expect_out "Exited"
  ck pod restart life; expect_rc 0
  pod_status_is life Running || fail "not running after restart: $out"
  ck pod kill -s KILL life; expect_rc 0
  wait_for 10 pod_status_is life Exited || fail "not exited after kill: $out"
  ck pod start life; expect_rc 0
  ck pod exists life; expect_rc 0
  ck pod rm -f life; expect_rc 0
  ck pod exists life; expect_rc 1
  nothing_left
}

pod_exit_policy_stop_stops_the_pod() {
  load_image
  ck pod create --name once --exit-policy stop; expect_rc 0
  ck run -d --pod once --name short $IMG sh -c 'exit 0'; expect_rc 0
  wait_for 20 pod_status_is once Exited || fail "the pod did not stop after its last member exited: $out"
  ck pod create --name keep; expect_rc 0
  ck run -d --pod keep $IMG sh -c 'exit 0'; expect_rc 0
  ck pod inspect --format '{{.InfraContainerId}}' keep; local infra=$out
  wait_for 10 bash -c "'$CK_BIN' --root '$ROOT/storage' --runroot '$ROOT/run' pod ps | grep -q Degraded" ||
    fail "continue: the infra should stay"
  ctr_status_is "$infra" running || fail "continue: the infra stopped"
  cleanup
}

pod_bad_input_is_refused_and_leaves_nothing() {
  load_image
  ck pod create --name taken; expect_rc 0
  ck pod create --name taken; expect_rc 125; expect_err 'name "taken" is already in use'
  ck create --name taken $IMG true; expect_rc 125; expect_err "already in use"
  ck pod create --name badns --share net,mnt; expect_rc 125; expect_err 'unknown namespace "mnt"'
  ck pod create --name badp --network none -p 8080:80; expect_rc 125; expect_err "publish"
  ck run -d --pod taken -p 8081:80 $IMG true; expect_rc 125; expect_err "the pod publishes them"
  ck run -d --pod nosuch $IMG true; expect_rc 125; expect_err 'no pod with name or ID nosuch found: no such pod'
  ck run -d --pod taken --hostname h $IMG true; expect_rc 125; expect_err "hostname"
  ck run -d --pod taken --name runner $IMG sleep 1000; expect_rc 0
  ck pod rm taken; expect_rc 2; expect_err "is running"
  ck pod inspect --format '{{.InfraContainerId}}' taken; local infra=$out
  ck rm -f "$infra"; expect_rc 2; expect_err "remove the pod instead"
  ck pod ps -q; [ "$(wc -l <<<"$out")" -eq 1 ] || fail "pods: $out"
  ck ps -a -q; [ "$(wc -l <<<"$out")" -eq 2 ] || fail "containers: $out"
  ck pod rm -f taken; expect_rc 0
  ck images; expect_out "ck-pause"
  nothing_left
}

run_pod_new_creates_the_pod() {
  load_image
  ck run --rm --pod new:fresh $IMG hostname; expect_rc 0
  [ "$out" = fresh ] || fail "hostname '$out'"
  ck pod exists fresh; expect_rc 0
  ck pod create --name dup; expect_rc 0
  ck run --rm --pod new:dup $IMG true; expect_rc 125; expect_err "already in use"
  ck pod rm -f fresh dup; expect_rc 0
  nothing_left
}

# The store's SQLite file, changed behind ck's back to make the problems.
sql() { sqlite3 "$ROOT/storage/state/sqlite/state.db" "$1"; }

system_check_repairs_orphan_member_and_missing_infra() {
  command -v sqlite3 >/dev/null || { echo "  (sqlite3 missing: part skipped)" >&2; return; }
  load_image
  ck pod create --name gone; expect_rc 0; local gone=$out
  ck create --pod gone --name orphan $IMG true; expect_rc 0
  ck pod create --name noinfra; expect_rc 0; local noinfra=$out
  ck create --pod noinfra --name member2 $IMG true; expect_rc 0
  ck pod inspect --format '{{.InfraContainerId}}' noinfra; local infra=$out
  # a pod record lost, and an infra container's record lost
  sql "DELETE FROM kv WHERE bucket IN ('pods','pods.state') AND key = '$gone'; DELETE FROM kv WHERE bucket = 'names' AND key = 'gone';"
  sql "DELETE FROM kv WHERE bucket IN ('containers','containers.state') AND key = '$infra'; DELETE FROM kv WHERE bucket = 'names' AND key LIKE '%-infra' AND value = 'container/$infra';"
  run_ck system check; expect_rc 1
  expect_out "missing-pod"; expect_out "missing-infra"
  run_ck system check --repair; expect_rc 0
  run_ck system check; expect_rc 0
  ck pod exists noinfra; expect_rc 1
  # the containers are kept, out of their pods, and run on their own
  ck start -a orphan; expect_rc 0
  ck start -a member2; expect_rc 0
  ck ps -a --pod; expect_out "orphan"; expect_out "member2"
  cleanup
}

# podman's --no-infra: a pod that shares nothing and has no network of its
# own, whose members get the default network; sharing without an infra is
# refused and leaves no pod.
pod_without_infra_has_no_network_and_members_have_their_own() {
  load_image
  ck pod create --no-infra --name bare; expect_rc 0; local pod=$out
  ck pod inspect --format '{{.InfraContainerId}}|{{.NumContainers}}|{{len .SharedNamespaces}}' bare; expect_rc 0
  [ "$out" = "|0|0" ] || fail "pod without infra: '$out'"
  ck create --pod bare --name bare-m $IMG true; expect_rc 0
  ck inspect --format '{{.HostConfig.NetworkMode}} {{.Pod}}' bare-m; expect_rc 0
  [ "$out" = "bridge $pod" ] || fail "member of a pod without infra: '$out'"
  ck start -a bare-m; expect_rc 0
  ck pod create --no-infra --share net --name bad; expect_rc 125; expect_err "cannot share namespaces"
  ck pod exists bad; expect_rc 1
  ck pod rm -f bare; expect_rc 0
  nothing_left
}

migrate_keeps_pods() {
  load_image
  ck pod create --name mig --label k=v; expect_rc 0; local pod=$out
  ck create --pod mig --name mm $IMG sleep 1; expect_rc 0
  run_ck system migrate --to lmdb; expect_rc 0
  ck pod inspect --format '{{.Id}} {{.NumContainers}}' mig; expect_rc 0
  [ "$out" = "$pod 2" ] || fail "after lmdb: $out"
  ck pod start mig; expect_rc 0
  run_ck system migrate --to sqlite; expect_rc 0
  ck pod ps --format json; expect_out '"k": "v"'; expect_out "$pod"
  ck pod rm -f mig; expect_rc 0
  nothing_left
}

all_tests=(pod_members_share_loopback_and_hostname pod_publishes_a_port_on_the_host pod_logs_and_stats_cover_the_members
  pod_shares_pid_on_request pod_start_stop_rm_order_leaves_nothing
  pod_exit_policy_stop_stops_the_pod pod_bad_input_is_refused_and_leaves_nothing run_pod_new_creates_the_pod
  system_check_repairs_orphan_member_and_missing_infra pod_without_infra_has_no_network_and_members_have_their_own
  migrate_keeps_pods)
run_tests "${@:-${all_tests[@]}}"
