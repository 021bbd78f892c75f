#!/usr/bin/env bash
# Lifecycle behaviour that once went wrong, through the real CLI with runc:
# start/stop --all (and start --filter) print each container's id, wait on a container that
# never ran answers at once as podman 4.3 does, and run pulls an image that
# is not in local storage from a real docker-registry on 127.0.0.1.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the container CLI tests run as root" >&2; exit 77
fi
command -v runc >/dev/null || { echo "SKIP: runc is not installed" >&2; exit 77; }
. "$HERE/../registry/fixture.sh"

IMG=localhost/busybox:latest
python3 "$MKIMAGE" "$FIX/busybox.tar" --format oci-archive --busybox --name "$IMG" >/dev/null ||
  { echo "cannot build the busybox image" >&2; exit 1; }

ck() { run_ck --runtime runc "$@"; }

cleanup() {
  run_ck ps -a -q --no-trunc
  [ -n "$out" ] && run_ck rm -f $out
  true
}

start_and_stop_all_print_every_id() {
  ck load -i "$FIX/busybox.tar"; expect_rc 0
  ck create --name a $IMG sleep 60; local a=$out
  ck create --name b $IMG sleep 60; local b=$out
  ck start --all; expect_rc 0
  [ "$(sort <<<"$out")" = "$(printf '%s\n%s\n' "$a" "$b" | sort)" ] || fail "start --all printed '$out'"
  ck stop --all -t 0; expect_rc 0
  [ "$(sort <<<"$out")" = "$(printf '%s\n%s\n' "$a" "$b" | sort)" ] || fail "stop --all printed '$out'"
  ck ps -q; [ -z "$out" ] || fail "still running: $out"
  # --filter picks among all containers, as podman's start does
  ck start --filter name=b; expect_rc 0
  [ "$out" = "$b" ] || fail "start --filter name=b printed '$out'"
  ck ps -q --no-trunc; [ "$out" = "$b" ] || fail "start --filter started '$out', not only b"
  ck start --filter name=a a; expect_rc 125; expect_err "cannot be used with container names"
  ck start --filter nokey; expect_rc 125; expect_err "nokey"
  cleanup
}

wait_on_a_created_container_answers_at_once() {
  ck load -i "$FIX/busybox.tar"; expect_rc 0
  ck create --name idle $IMG true; expect_rc 0
  # a hang fails the test through timeout (podman 4.3 prints 0 and exits 0)
  local o
  o=$(timeout 20 "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" --runtime runc wait idle); rc=$?
  [ $rc -eq 0 ] || fail "wait on a created container exited $rc"
  [ "$o" = 0 ] || fail "wait printed '$o'"
  ck inspect --format '{{.State.Status}}' idle; [ "$out" = created ] || fail "wait changed the state: $out"
  cleanup
}

run_pulls_an_image_that_is_not_local() {
  start_registry plain plain || { fail "no registry"; return; }
  make_busybox "$FIX/bb" || { fail "no image"; return; }
  populate "$REG_plain" busybox:latest "$FIX/bb" || { fail "populate"; return; }
  export CK_INSECURE_REGISTRIES=$REG_plain
  ck run --rm --pull never "$REG_plain/busybox:latest" true; expect_rc 125
  expect_err "$REG_plain/busybox:latest"
  ck images -q; [ -z "$out" ] || fail "--pull never pulled: $out"
  ck run --rm "$REG_plain/busybox:latest" echo pulled; expect_rc 0
  [ "$out" = pulled ] || fail "run printed '$out'"
  ck image exists "$REG_plain/busybox:latest"; expect_rc 0
  # present now: missing does not pull again, always does
  ck create --pull always --name again "$REG_plain/busybox:latest" true; expect_rc 0
  ck run --rm --pull missing "$REG_plain/busybox:latest" true; expect_rc 0
  ck run --rm "$REG_plain/busybox:nothere" true; expect_rc 125; expect_err "MANIFEST_UNKNOWN"
  ck ps -a --format '{{.Names}}'; [ "$out" = again ] || fail "a failed pull left a container: $out"
  unset CK_INSECURE_REGISTRIES
  cleanup
}

run_tests start_and_stop_all_print_every_id wait_on_a_created_container_answers_at_once \
  run_pulls_an_image_that_is_not_local
