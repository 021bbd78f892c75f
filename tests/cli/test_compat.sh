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
# podman refuses a run root longer than 50 characters: its roots live in
# /tmp, named after the test's root, and go with it (cleanup).
pm_dir() { echo "/tmp/ckp-$(basename "$ROOT")"; }
run_podman() {
  local o e
  o=$(mktemp) e=$(mktemp)
  podman --root "$(pm_dir)/p" --runroot "$(pm_dir)/r" --storage-driver vfs --runtime runc \
    --cgroup-manager cgroupfs --events-backend file "$@" >"$o" 2>"$e" </dev/null
  rc=$?
  out=$(cat "$o") err=$(cat "$e")
  rm -f "$o" "$e"
}

cleanup() {
  run_ck ps -a -q --no-trunc
  [ -n "$out" ] && run_ck rm -f $out
  run_ck pod rm -a -f
  if [ $HAVE_PODMAN -eq 1 ] && [ -d "$(pm_dir)" ]; then
    run_podman rm -a -f -t 0
    run_podman system reset -f
    rm -rf "$(pm_dir)"
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

diff_export_mount_and_init() {
  load_both
  ck run --name d $IMG sh -c 'echo hi >/etc/newfile; rm /bin/cat; mkdir /tmp/x; echo y >>/etc/passwd'
  expect_rc 0
  ck diff d; expect_rc 0
  for line in "C /bin" "D /bin/cat" "C /etc" "A /etc/newfile" "C /etc/passwd" "C /tmp" "A /tmp/x"; do
    expect_out "$line"
  done
  ck diff --format json d; expect_out '"deleted": ['; expect_out '"/bin/cat"'
  ck diff --format yaml d; expect_rc 125
  # podman: a container that never ran has no changes
  both create --name fresh $IMG true
  both diff fresh; expect_rc 0; [ -z "$out" ] || fail "diff of a fresh container: $out"
  both diff --format json fresh; [ "$ck_out" = "{}" ] || fail "ck: '$ck_out'"
  [ $HAVE_PODMAN -eq 0 ] || [ "$pm_out" = "{}" ] || fail "podman: '$pm_out'"
  "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" export d >"$ROOT/d.tar"; rc=$?; expect_rc 0
  tar tf "$ROOT/d.tar" >"$ROOT/list" || fail "export is not a tar"
  grep -qx 'etc/newfile' "$ROOT/list" || fail "export lacks etc/newfile"
  grep -qx 'bin/cat' "$ROOT/list" && fail "export has the deleted bin/cat"
  ck export -o "$ROOT/o.tar" d; expect_rc 0
  cmp -s "$ROOT/d.tar" "$ROOT/o.tar" || fail "export -o differs from export to stdout"
  ck export -o "$ROOT/n.tar" nope; expect_rc 125; [ ! -e "$ROOT/n.tar" ] || fail "a failed export left a file"
  ls "$ROOT" | grep -q ck-export && fail "a failed export left its temporary"
  ck mount fresh; expect_rc 0; local mp=$out
  [ -x "$mp/bin/busybox" ] || fail "mount printed '$mp', which has no busybox"
  grep -q " $mp " /proc/mounts || fail "$mp is not mounted"
  ck unmount fresh; expect_rc 0
  grep -q " $mp " /proc/mounts && fail "$mp is still mounted"
  ck init fresh; expect_rc 0
  ck inspect --format '{{.State.Status}}' fresh; [ "$out" = created ] || fail "after init: $out"
  ck start -a fresh; expect_rc 0
  ck init nope; expect_rc 125; expect_err "no such container"
  ck inspect --format '{{.Id}}' d; local did=$out
  ck mount --all; expect_rc 0
  echo "$out" | grep -q "^$did /" || fail "mount --all printed '$out'"
  ck unmount --all; expect_rc 0
  echo "$out" | grep -qx "$did" || fail "unmount --all printed '$out'"
  ck mount --all d; expect_rc 125; expect_err "cannot be used together"
  ck unmount; expect_rc 125; expect_err "at least one container"
  cleanup
}

commit_makes_an_image_of_the_changes() {
  load_both
  ck run --name c $IMG sh -c 'echo made >/etc/made; rm /bin/cat'; expect_rc 0
  ck commit -q -c 'CMD ["sh","-c","test -e /bin/cat || echo nocat; cat /etc/made; echo $A; pwd"]' -c 'ENV A=1' -c 'WORKDIR /tmp' \
    -c 'LABEL app=web' -c 'EXPOSE 8080' -m 'the message' -a 'the author' c localhost/made:1
  expect_rc 0; local id=$out
  [ ${#id} = 64 ] || fail "commit printed '$id'"
  ck run --rm localhost/made:1; expect_rc 0
  [ "$out" = "$(printf 'nocat\nmade\n1\n/tmp')" ] || fail "the committed image ran: $out"
  ck image inspect --format '{{index .Config.Labels "app"}} {{.Author}}' localhost/made:1
  [ "$out" = "web the author" ] || fail "inspect: $out"
  ck history --format '{{.Comment}}' localhost/made:1; expect_out "the message"
  ck commit -c 'ONBUILD RUN true' c x; expect_rc 125; expect_err "ONBUILD is not supported"
  ck commit -c 'FROM x' c x; expect_rc 125; expect_err 'invalid change "FROM x"'
  ck images -q; [ "$(wc -l <<<"$out")" = 2 ] || fail "a refused commit left an image: $out"
  ck commit -f docker c localhost/made:docker; expect_rc 0
  ck image inspect --format '{{.ManifestType}}' localhost/made:docker
  expect_out "application/vnd.docker.distribution.manifest.v2+json"
  ck run -d --name live $IMG sleep 1000
  ck commit -p live localhost/live; expect_rc 0
  ck inspect --format '{{.State.Status}}' live; [ "$out" = running ] || fail "after commit -p: $out"
  cleanup
}

df_and_prune_match_podman() {
  load_both
  both system df; expect_rc 0
  [ "$(head -1 <<<"$ck_out" | tr -s ' ')" = "TYPE TOTAL ACTIVE SIZE RECLAIMABLE" ] || fail "header: $ck_out"
  [ $HAVE_PODMAN -eq 0 ] || [ "$(awk '{print $1}' <<<"$ck_out")" = "$(awk '{print $1}' <<<"$pm_out")" ] ||
    fail "rows differ: $ck_out / $pm_out"
  ck system df --format '{{.Type}}={{.Total}}'; expect_out "Images=1"
  both create --name gone $IMG true
  both volume create vol
  both container prune -f; expect_rc 0
  [ ${#ck_out} = 64 ] || fail "container prune printed '$ck_out'"
  both system prune -f --volumes; expect_rc 0; expect_out "Deleted Volumes"; expect_out "Total reclaimed space:"
  both system prune -a -f; expect_rc 0; expect_out "Deleted Images"
  ck images -a -q; [ -z "$out" ] || fail "prune -a left $out"
  cleanup
}

inside_the_container() {
  ck load -i "$FIX/busybox.tar"
  ck run --name inside $IMG sh -c 'cat /run/.containerenv; echo "container=$container host=$HOSTNAME"; hostname'
  expect_rc 0
  local id; id=$(ck inspect --format '{{.Id}}' inside >/dev/null; echo "$out")
  expect_out 'engine="ck-'; expect_out 'name="inside"'; expect_out "id=\"$id\""
  expect_out "image=\"$IMG\""; expect_out 'rootless=0'
  expect_out "container=podman host=${id:0:12}"
  ck run --rm -t $IMG sh -c 'echo $TERM' </dev/null; expect_out xterm
  cleanup
}

run_flags() {
  ck load -i "$FIX/busybox.tar"
  printf 'a=1\n# comment\n\nb=2\n' >"$ROOT/labels"
  ck create --name f --label-file "$ROOT/labels" --annotation note=hi --systemd always $IMG true; expect_rc 0
  ck inspect --format '{{index .Config.Labels "a"}}{{index .Config.Labels "b"}}' f; [ "$out" = 12 ] || fail "labels: $out"
  ck start f; expect_rc 0
  python3 - "$ROOT/storage/containers" <<'PY' || fail "config.json lacks the annotation"
import json, os, sys
d = sys.argv[1]
ok = False
for c in os.listdir(d):
    p = os.path.join(d, c, "userdata", "config.json")
    ok |= os.path.exists(p) and json.load(open(p)).get("annotations", {}).get("note") == "hi"
sys.exit(0 if ok else 1)
PY
  ck run --rm --tz Europe/Paris --shm-size 2m --security-opt no-new-privileges --security-opt seccomp=unconfined \
    --security-opt label=disable --pid host $IMG sh -c \
    'date +%Z; df -k /dev/shm | tail -1 | tr -s " " | cut -d" " -f2; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t"; test -d /proc/1/ns && cat /proc/1/comm'
  expect_rc 0
  expect_out "CET"; expect_out "2048"; expect_out "NoNewPrivs:1"; expect_out "Seccomp:0"
  [ "$(sed -n 5p <<<"$out")" = "$(cat /proc/1/comm)" ] || fail "--pid host: pid 1 is $(sed -n 5p <<<"$out")"
  ck run --rm --uts host $IMG hostname; [ "$out" = "$(hostname)" ] || fail "--uts host: $out"
  ck run --rm --uts host --hostname x $IMG true; expect_rc 125; expect_err "UTS namespace"
  ck run --rm --privileged $IMG sh -c 'grep ^CapEff /proc/self/status'; expect_rc 0
  [ "$(awk '{print $2}' <<<"$out")" = "$(grep ^CapBnd /proc/self/status | awk '{print $2}')" ] ||
    fail "--privileged: $out"
  ck run --rm --tz Nowhere/Nothing $IMG true; expect_rc 125; expect_err 'unknown time zone "Nowhere/Nothing"'
  ck run --rm --security-opt apparmor=x $IMG true; expect_rc 125; expect_err "apparmor=x is not supported"
  ck run --rm --ipc container:x $IMG true; expect_rc 125; expect_err "--ipc container:x is not supported"
  ck run --rm --log-driver journald $IMG true; expect_rc 125; expect_err "no journald"
  ck run --rm --log-driver passthrough $IMG true; expect_rc 125; expect_err "passthrough is not supported"
  ck run --name quiet --log-driver none $IMG echo shown; expect_rc 0; [ "$out" = shown ] || fail "none: $out"
  ck logs quiet; expect_rc 125; expect_err '"none" log driver'
  ck inspect --format '{{.Id}}' quiet
  [ ! -e "$ROOT/storage/containers/$out/userdata/ctr.log" ] || fail "--log-driver none wrote a log"
  ck run --rm --systemd maybe $IMG true; expect_rc 125; expect_err "invalid --systemd"
  ck run --rm -a stdout $IMG sh -c 'echo out; echo err >&2'; expect_rc 0; [ "$out" = out ] || fail "-a stdout: $out"
  [ -z "$err" ] || fail "-a stdout let stderr through: $err"
  ck run --rm --env-host $IMG sh -c 'echo $CK_BIN'; [ "$out" = "$CK_BIN" ] || fail "--env-host: $out"
  ck run --rm --timeout 1 $IMG sleep 60; expect_rc 137   # killed by its monitor after 1 s
  ck run --rm --timeout 30 $IMG true; expect_rc 0
  ck tag $IMG localhost/gone:1
  ck run --rm --rmi localhost/gone:1 true; expect_rc 0
  ck image exists localhost/gone:1; expect_rc 1 # its name went (as rmi NAME does)
  ck image exists $IMG; expect_rc 0           # the image itself stays under its other name
  ck run --rmi $IMG true; expect_rc 125; expect_err "--rmi option does not work without --rm"
  cleanup
}

exit_codes_match_podman() {
  load_both
  # podman's default nofile and nproc limits are above this host's hard limits
  local L='--ulimit nofile=1024:1024 --ulimit nproc=1024:1024'
  both run --rm $L --network none $IMG nosuchcmd; expect_rc 127
  both run --rm $L --network none $IMG /etc; expect_rc 126
  both run --rm $L --network none $IMG sh -c 'exit 7'; expect_rc 7
  both run --rm $L --network none --nonsense $IMG true; expect_rc 125
  both run -d $L --network none --name e $IMG sleep 1000; expect_rc 0
  both exec e nosuchcmd; expect_rc 127
  both exec e sh -c 'exit 3'; expect_rc 3
  both pause e; expect_rc 0
  both inspect --format '{{.State.Status}} {{.State.Paused}}' e; [ "$ck_out" = "paused true" ] || fail "ck: $ck_out"
  [ $HAVE_PODMAN -eq 0 ] || [ "$pm_out" = "$ck_out" ] || fail "podman: $pm_out, ck: $ck_out"
  both pause e; expect_rc 125
  both unpause e; expect_rc 0
  both unpause e; expect_rc 125
  cleanup
}

run_tests exit_codes_match_podman inside_the_container run_flags diff_export_mount_and_init commit_makes_an_image_of_the_changes df_and_prune_match_podman \
  pause_freezes_and_unpause_thaws pause_stop_and_rm_of_a_paused_container \
  pause_refusals_match_podman pod_pause_and_unpause removing_missing_objects_matches_podman global_flags
