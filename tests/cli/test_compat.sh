#!/usr/bin/env bash
# podman compatibility through the real CLI with runc, each behaviour run on
# ck and, where podman 4.3 can run the same command line here, on podman in
# a scratch root (vfs, cgroupfs, file events), comparing exit codes and the
# shape of the output: pause/unpause of containers and pods, removal of
# missing objects, the "no such" messages, and the global flags.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the container CLI tests run as root" >&2; exit 77
fi
command -v runc >/dev/null || { echo "SKIP: runc is not installed" >&2; exit 77; }
[ -d /sys/fs/cgroup/freezer ] || [ -f /sys/fs/cgroup/cgroup.controllers ] ||
  { echo "SKIP: no freezer cgroup" >&2; exit 77; }

FIX=$(mktemp -d "$TMPBASE/ck-compat-XXXXXX")
trap 'rm -rf "$FIX"' EXIT
IMG=localhost/busybox:latest
python3 "${CK_FIXTURES:-$HERE/../fixtures}/mkimage.py" "$FIX/busybox.tar" --format oci-archive --busybox \
  --name "$IMG" >/dev/null || { echo "cannot build the busybox image" >&2; exit 1; }

ck() { run_ck --runtime runc "$@"; }

# run_podman ARGS...: podman in the test's scratch root; $out, $err, $rc.
HAVE_PODMAN=0
command -v podman >/dev/null && HAVE_PODMAN=1
run_podman() {
  local o e
  o=$(mktemp) e=$(mktemp)
  podman --root "$ROOT/p" --runroot "$ROOT/prun" --storage-driver vfs --runtime runc \
    --cgroup-manager cgroupfs --events-backend file "$@" >"$o" 2>"$e" </dev/null
  rc=$?
  out=$(cat "$o") err=$(cat "$e")
  rm -f "$o" "$e"
}

cleanup() {
  run_ck ps -a -q --no-trunc
  [ -n "$out" ] && run_ck rm -f $out
  run_ck pod rm -a -f
  if [ $HAVE_PODMAN -eq 1 ] && [ -d "$ROOT/p" ]; then
    run_podman rm -a -f -t 0
    run_podman system reset -f
  fi
  true
}

# Both engines: CMD... gives the same exit code; $ck_rc/$ck_out/$ck_err and
# $pm_rc/$pm_out/$pm_err hold what each did.
both() {
  ck "$@"; ck_rc=$rc ck_out=$out ck_err=$err
  if [ $HAVE_PODMAN -eq 1 ]; then
    run_podman "$@"; pm_rc=$rc pm_out=$out pm_err=$err
    [ "$ck_rc" = "$pm_rc" ] || fail "'$*': ck exited $ck_rc ($ck_err), podman $pm_rc ($pm_err)"
  fi
  rc=$ck_rc out=$ck_out err=$ck_err
}

load_both() {
  ck load -i "$FIX/busybox.tar"; expect_rc 0
  [ $HAVE_PODMAN -eq 0 ] || run_podman load -i "$FIX/busybox.tar"
}

pause_freezes_and_unpause_thaws() {
  load_both
  ck run -d --name p $IMG sh -c 'while :; do date +%s%N >/tmp/tick; sleep 0.05; done'; expect_rc 0
  ck pause p; expect_rc 0; [ "$out" = p ] || fail "pause printed '$out'"
  ck inspect --format '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' p
  [ "$out" = "paused true true" ] || fail "inspect of a paused container: $out"
  ck ps --format '{{.Names}} {{.Status}}'; [ "$out" = "p Paused" ] || fail "ps shows '$out'"
  ck ps -a --filter status=paused -q; [ -n "$out" ] || fail "status=paused matched nothing"
  # frozen: the clock file does not move
  ck exec p true; expect_rc 125; expect_err "paused"
  local pid; ck inspect --format '{{.State.Pid}}' p; pid=$out
  local t1 t2; t1=$(cat /proc/$pid/root/tmp/tick)
  ck top p; t2=$(cat /proc/$pid/root/tmp/tick) # a read that takes a while, no sleep needed
  [ "$t1" = "$t2" ] || fail "the paused container still ran ($t1 -> $t2)"
  ck pause p; expect_rc 125; expect_err "already paused"
  ck unpause p; expect_rc 0
  ck inspect --format '{{.State.Status}}' p; [ "$out" = running ] || fail "after unpause: $out"
  ck unpause p; expect_rc 125; expect_err "not paused"
  ck events --stream=false --filter event=pause --format '{{.Status}} {{.Name}}'
  expect_out "pause p"
  cleanup
}

pause_stop_and_rm_of_a_paused_container() {
  load_both
  ck run -d --name a $IMG sleep 1000; ck run -d --name b $IMG sleep 1000
  ck pause --all; expect_rc 0
  [ "$(sort <<<"$out" | tr '\n' ' ')" = "$(ck ps -q --no-trunc >/dev/null; sort <<<"$out" | tr '\n' ' ')" ] ||
    fail "pause --all printed '$out'"
  ck stop -t 1 a; expect_rc 0
  ck inspect --format '{{.State.Status}}' a; [ "$out" = exited ] || fail "stop of a paused container: $out"
  ck rm -f b; expect_rc 0
  ck ps -a -q; [ "$(wc -l <<<"$out")" = 1 ] || fail "rm -f left: $out"
  ck unpause --all; expect_rc 0; [ -z "$out" ] || fail "unpause --all with none paused printed '$out'"
  cleanup
}

pause_refusals_match_podman() {
  load_both
  both create --name c $IMG true
  both pause c; expect_err "not running"
  both unpause c
  both pause nope; expect_err "no such container"
  cleanup
}

pod_pause_and_unpause() {
  ck pod create --name pp; expect_rc 0
  [ "$rc" = 0 ] || { cleanup; return; }
  ck load -i "$FIX/busybox.tar"
  ck run -d --pod pp --name m $IMG sleep 1000; expect_rc 0
  ck pod pause pp; expect_rc 0
  ck pod ps --format '{{.Name}} {{.Status}}'; [ "$out" = "pp Paused" ] || fail "pod ps: $out"
  ck ps -a --format '{{.Status}}' --filter status=paused; [ "$(wc -l <<<"$out")" = 2 ] ||
    fail "not every container of the pod is paused: $out"
  ck pod pause pp; expect_rc 125; expect_err "no container of it is running"
  ck pod unpause pp; expect_rc 0
  ck pod ps --format '{{.Status}}'; [ "$out" = Running ] || fail "pod after unpause: $out"
  cleanup
}

removing_missing_objects_matches_podman() {
  both rm -f nope; expect_rc 0; [ -z "$err" ] || fail "rm -f printed '$err'"
  both rm nope; expect_rc 1; expect_err 'no container with name or ID "nope" found: no such container'
  both rm --ignore nope; expect_rc 0
  both stop --ignore nope; expect_rc 0
  both stop nope; expect_rc 125; expect_err "no such container"
  both rmi -f nope; expect_rc 0
  both rmi nope; expect_rc 1; expect_err "image not known"
  both volume rm -f nope; expect_rc 0
  both volume rm nope; expect_rc 1; expect_err 'no volume with name "nope" found: no such volume'
  both pod rm -f nope; expect_rc 0
  both pod rm nope; expect_rc 1; expect_err "no pod with name or ID nope found: no such pod"
  both kill nope; expect_rc 125; expect_err "no such container"
  both logs nope; expect_rc 125; expect_err "no such container"
  both container exists nope; expect_rc 1
  both image exists nope; expect_rc 1
  cleanup
}

global_flags() {
  ck --storage-driver vfs load -i "$FIX/busybox.tar"; expect_rc 0
  ck --storage-driver vfs run --rm $IMG sh -c 'grep " / " /proc/mounts | cut -d" " -f3'; expect_rc 0
  [ "$out" != overlay ] || fail "--storage-driver vfs mounted overlay"
  ck --storage-driver overlay run --rm $IMG sh -c 'grep " / " /proc/mounts | cut -d" " -f3'; expect_rc 0
  [ "$out" = overlay ] || fail "--storage-driver overlay gave '$out'"
  ck --storage-driver btrfs ps; expect_rc 125; expect_err 'unsupported --storage-driver "btrfs"'
  ck --events-backend journald ps; expect_rc 125; expect_err "no journald"
  ck --events-backend none run --name quiet $IMG true; expect_rc 0
  ck events --stream=false --filter container=quiet; [ -z "$out" ] || fail "--events-backend none logged: $out"
  ck --events-backend file run --name loud $IMG true
  ck events --stream=false --filter container=loud; expect_out loud
  ck --cgroup-manager systemd ps; expect_rc 125; expect_err "systemd"
  ck --cgroup-manager cgroupfs ps; expect_rc 0
  ck --noout pod create --name silent; expect_rc 0; [ -z "$out" ] || fail "--noout printed '$out'"
  ck --remote ps; expect_rc 125; expect_err "no remote support"
  ck --url unix:/x ps; expect_rc 125; expect_err "no remote support"
  ck --connection x ps; expect_rc 125; expect_err "no remote support"
  ck --tmpdir "$ROOT/tmp" ps; expect_rc 0
  ck --hooks-dir /x ps; expect_rc 125; expect_err "--hooks-dir is not supported"
  ck ps --nonsense; expect_rc 125; expect_err "unknown flag: --nonsense"
  cleanup
}

run_tests pause_freezes_and_unpause_thaws pause_stop_and_rm_of_a_paused_container \
  pause_refusals_match_podman pod_pause_and_unpause removing_missing_objects_matches_podman global_flags
