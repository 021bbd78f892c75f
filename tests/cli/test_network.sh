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
command -v iptables-save >/dev/null || { echo "SKIP: iptables is not installed" >&2; exit 77; }

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
# What a network leaves on the host: namespace files, veths, rules, addresses.
leftovers() {
  local ns rules veth
  ns=$(ls "$ROOT/run/netns" 2>/dev/null | wc -l)
  veth=$(ip -br link | grep -c '^veth' || true)
  rules=$(iptables-save | grep -c "${SUBNET%/*}" || true)
  echo "$ns $veth $rules"
}

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
  ck inspect --format '{{.State.ConmonPid}}' s1
  local mon=$out
  [ -n "$mon" ] && [ "$mon" -gt 0 ] && kill -9 "$mon"
  ck system check --repair; expect_rc 0
  [ "$(leftovers)" = "$before" ] || fail "leftovers after check --repair: $(leftovers)"
  cleanup
}

if [ $# -gt 0 ]; then run_tests "$@"; else
  run_tests network_create_ls_inspect_rm network_bad_input_is_refused network_containers_reach_each_other_by_name \
    network_in_use_needs_force network_teardown_after_stop_and_dead_monitor
fi
