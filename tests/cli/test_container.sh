#!/usr/bin/env bash
# The ck container commands (create, run, start, stop, kill, restart, rm, wait,
# logs, exec, inspect, ps, port, rename, stats, top, cp, events and the
# `ck container` group), driven through the real CLI against real containers
# of a busybox image, with the OCI runtime named by CK_TEST_RUNTIME (runc or
# crun).  Usage: test_container.sh [TEST...] runs some of them.
. "$(dirname "$0")/lib.sh"

RUNTIME=${CK_TEST_RUNTIME:-runc}
FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
IMG=localhost/busybox:latest

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the container CLI tests run as root" >&2; exit 77
fi
command -v "$RUNTIME" >/dev/null || { echo "SKIP: $RUNTIME is not installed" >&2; exit 77; }
if [ "$RUNTIME" = crun ] && [ -s /sys/fs/cgroup/unified/cgroup.controllers ]; then
  echo "SKIP: crun refuses hybrid cgroups with controllers on cgroup2; rebind them to v1" \
    "(mkdir -p /sys/fs/cgroup/hugetlb; mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb)" >&2
  exit 77
fi

# The image archive is built once per run and loaded into each test's store.
ARCHIVE_DIR=$(mktemp -d "$TMPBASE/ck-cli-img-XXXXXX")
trap 'rm -rf "$ARCHIVE_DIR"' EXIT
python3 "$FIXTURES/mkimage.py" "$ARCHIVE_DIR/busybox.tar" --format oci-archive --busybox --name "$IMG" >/dev/null ||
  { echo "cannot build the busybox image" >&2; exit 1; }

# ck ARGS...: run_ck with the runtime under test.
ck() { run_ck --runtime "$RUNTIME" "$@"; }

load_image() {
  ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0
}

# Every container a test leaves running is removed before its root goes.
cleanup() {
  run_ck ps -a -q --no-trunc
  local ids=$out
  [ -n "$ids" ] && run_ck rm -f $ids
  true
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
wait_for() {
  local n=$(($1 * 10)); shift
  while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}

logs_have() { ck logs "$1"; grep -qF -- "$2" <<<"$out"; }
status_is() { ck inspect --format '{{.State.Status}}' "$1"; [ "$out" = "$2" ]; }
no_containers() { run_ck ps -a -q; [ -z "$out" ] || fail "containers left behind: $out"; }

run_rm_echo_prints_and_leaves_nothing() {
  load_image
  ck run --rm $IMG echo hello world; expect_rc 0
  [ "$out" = "hello world" ] || fail "output '$out'"
  no_containers
}

# `run --rm` returns once the container is gone: nothing to see right after.
run_rm_returns_when_the_container_is_gone() {
  load_image
  ck run --rm --name gone -v /anon $IMG sh -c 'echo out; exit 6'; expect_rc 6
  [ "$out" = out ] || fail "output '$out'"
  run_ck ps -a -q; [ -z "$out" ] || fail "ps -a right after run --rm: $out"
  ck container exists gone; expect_rc 1
  ck volume ls -q; [ -z "$out" ] || fail "anonymous volume left: $out"
  ls "$ROOT/run/runtime/$RUNTIME" 2>/dev/null | grep -v '^log-' && fail "runtime state left"
  true
}

run_detached_logs_stop_rm() {
  load_image
  ck run -d --name web $IMG sh -c 'echo started; while :; do sleep 0.2; done'; expect_rc 0
  [[ "$out" =~ ^[0-9a-f]{64}$ ]] || fail "run -d printed '$out'"
  local id=$out
  wait_for 10 logs_have web started || fail "logs lack 'started': $out"
  ck ps; expect_rc 0; expect_out "CONTAINER ID"; expect_out "${id:0:12}"; expect_out "web"
  grep -qE "^${id:0:12} +$IMG +sh -c echo starte\.\.\. +.* ago +Up .* +web$" <<<"$out" || fail "ps row: $out"
  ck stop -t 2 web; expect_rc 0; [ "$out" = web ] || fail "stop printed '$out'"
  ck ps -a; expect_out "Exited ("
  ck ps -q; [ -z "$out" ] || fail "stopped container still listed as running: $out"
  ck rm web; expect_rc 0; [ "$out" = web ] || fail "rm printed '$out'"
  no_containers
}

run_propagates_exit_codes() {
  load_image
  ck run --rm $IMG sh -c 'exit 3'; expect_rc 3
  ck run --rm $IMG false; expect_rc 1
  ck run --rm $IMG nosuchcommand; expect_rc 127; expect_err "nosuchcommand"
  # with a terminal, the runtime's own error too (not the console socket's)
  ck run --rm -t $IMG nosuchcommand </dev/null; expect_rc 127; expect_err "nosuchcommand"
  ck run --rm $IMG /etc/passwd; expect_rc 126
  no_containers
  # without --rm the exit code stays in the record
  ck run --name five $IMG sh -c 'exit 5'; expect_rc 5
  ck inspect --format '{{.State.ExitCode}}' five; [ "$out" = 5 ] || fail "recorded exit code '$out'"
  ck wait five; expect_rc 0; [ "$out" = 5 ] || fail "wait printed '$out'"
}

run_reads_env_and_env_files() {
  load_image
  printf '# comment\n\n  GOOD=one two\nEMPTY=\n' >"$ROOT/good.env"
  ck run --rm --env-file "$ROOT/good.env" -e X=2 --env=Y=3 $IMG sh -c 'echo "$GOOD|$EMPTY|$X$Y"'
  expect_rc 0; [ "$out" = "one two||23" ] || fail "env '$out'"
  printf 'GOOD=1\n=bad\n' >"$ROOT/bad.env"
  ck run --rm --env-file "$ROOT/bad.env" $IMG true; expect_rc 125; expect_err "$ROOT/bad.env"; expect_err "line 2"
  ck run --rm --env-file "$ROOT/missing.env" $IMG true; expect_rc 125; expect_err "missing.env"
  no_containers
}

run_volumes_honour_ro() {
  load_image
  mkdir -p "$ROOT/data"; echo content >"$ROOT/data/f"
  ck run --rm -v "$ROOT/data:/data:ro" $IMG cat /data/f; expect_rc 0; [ "$out" = content ] || fail "read '$out'"
  ck run --rm -v "$ROOT/data:/data:ro" $IMG sh -c 'echo x >/data/g'; [ "$rc" -ne 0 ] || fail "wrote to a :ro volume"
  [ ! -e "$ROOT/data/g" ] || fail ":ro volume was written"
  ck run --rm -v "$ROOT/data:/data" $IMG sh -c 'echo y >/data/h'; expect_rc 0
  [ "$(cat "$ROOT/data/h" 2>/dev/null)" = y ] || fail "rw volume not written"
  ck run --rm -v vol1:/v $IMG sh -c 'echo z >/v/z'; expect_rc 0
  ck volume ls -q; expect_out vol1
  ck run --rm --mount type=tmpfs,target=/scratch $IMG sh -c 'grep -q " /scratch tmpfs" /proc/mounts'; expect_rc 0
  ck run --rm -v "$ROOT/nothere:/x" $IMG true; expect_rc 125; expect_err "nothere"
  no_containers
}

run_flag_grammar() {
  load_image
  ck run --rm -w /tmp --hostname=hh -u 1000:1000 $IMG sh -c 'echo $(pwd) $(hostname) $(id -u):$(id -g)'
  expect_rc 0; [ "$out" = "/tmp hh 1000:1000" ] || fail "workdir/hostname/user '$out'"
  ck run --rm -h short $IMG hostname; expect_rc 0; [ "$out" = short ] || fail "-h hostname '$out'"
  ck run --rm --entrypoint '["sh","-c"]' $IMG 'echo from-entrypoint'; expect_rc 0
  [ "$out" = from-entrypoint ] || fail "--entrypoint '$out'"
  ck run --rm --entrypoint=echo $IMG a b; [ "$out" = "a b" ] || fail "--entrypoint=echo '$out'"
  # -i forwards stdin; clusters of short flags
  out=$(echo piped | "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" --runtime "$RUNTIME" run --rm -i $IMG cat)
  [ "$out" = piped ] || fail "-i stdin '$out'"
  ck run -dit --name clus $IMG sh; expect_rc 0
  ck inspect --format '{{.Config.Tty}} {{.Config.OpenStdin}}' clus; [ "$out" = "true true" ] || fail "-dit '$out'"
  # arguments after the image belong to the command, even when they look like flags
  ck run --rm $IMG echo -n --rm -d; [ "$out" = "--rm -d" ] || fail "command flags '$out'"
  ck run --rm --read-only $IMG sh -c 'touch /x'; [ "$rc" -ne 0 ] || fail "--read-only root was writable"
  ck run --rm --read-only $IMG sh -c 'touch /tmp/x'; expect_rc 0
  ck run --rm -l a=b --label c $IMG true; expect_rc 0
  ck run --rm --cap-drop ALL --cap-add NET_RAW --pids-limit 100 --memory 64m --cpus 0.5 --ulimit nofile=1024:1024 \
    --network none --init=false --restart no $IMG sh -c 'ulimit -n'; expect_rc 0; [ "$out" = 1024 ] || fail "ulimit '$out'"
}

run_cidfile_and_replace() {
  load_image
  ck run -d --cidfile "$ROOT/cid" --name c1 $IMG sleep 60; expect_rc 0
  [ "$(cat "$ROOT/cid")" = "$out" ] || fail "cidfile holds '$(cat "$ROOT/cid")', run printed '$out'"
  ck run -d --cidfile "$ROOT/cid" $IMG sleep 60; expect_rc 125; expect_err "container id file exists"
  ck run -d --replace --name c1 $IMG sleep 60; expect_rc 0
  local id2=$out
  ck ps -a -q --no-trunc; [ "$out" = "$id2" ] || fail "after --replace: '$out'"
}

exec_runs_in_a_running_container() {
  load_image
  ck run -d --name web $IMG sleep 120; expect_rc 0
  ck exec -e FOO=bar web sh -c 'echo $FOO; exit 4'; expect_rc 4; [ "$out" = bar ] || fail "exec output '$out'"
  ck exec -w /tmp web sh -c pwd; [ "$out" = /tmp ] || fail "exec -w '$out'"
  ck exec -u 1000 web id -u; [ "$out" = 1000 ] || fail "exec -u '$out'"
  out=$(echo in | "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" --runtime "$RUNTIME" exec -i web cat)
  [ "$out" = in ] || fail "exec -i '$out'"
  ck exec web nosuchcommand; expect_rc 127
  ck exec nosuch true; expect_rc 125; expect_err nosuch
  ck stop -t 0 web
  ck exec web true; expect_rc 125
}

ps_lists_filters_and_formats() {
  load_image
  ck create --name a -l app=web $IMG true; expect_rc 0; local ida=$out
  ck create --name b -l app=db $IMG true; expect_rc 0
  ck run -d --name c -l app=web $IMG sleep 60; expect_rc 0; local idc=$out
  ck ps -q; [ "$out" = "${idc:0:12}" ] || fail "ps -q '$out'"
  ck ps -a -q; [ "$(wc -l <<<"$out")" = 3 ] || fail "ps -a -q '$out'"
  ck ps -a -q --no-trunc --filter label=app=web; [ "$(sort <<<"$out")" = "$(printf '%s\n%s' "$ida" "$idc" | sort)" ] ||
    fail "label filter '$out'"
  ck ps -a --filter name=b --format '{{.Names}}'; expect_out b; expect_no_out c
  ck ps -a --filter status=created -q; [ "$(wc -l <<<"$out")" = 2 ] || fail "status filter '$out'"
  ck ps -a --format json; expect_rc 0; expect_out '"Names": ['; expect_out "\"Id\": \"$idc\""
  python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==3 and d[0]["State"]' <<<"$out" || fail "ps json"
  ck ps -a --format '{{.ID}} {{.Status}}'; expect_out "${ida:0:12} Created"
  ck ps -a --last 1 -q; [ "$out" = "${idc:0:12}" ] || fail "--last 1 '$out'"
  ck container ls -a -q; [ "$(wc -l <<<"$out")" = 3 ] || fail "container ls '$out'"
  ck ps --filter colour=blue; expect_rc 125; expect_err colour
}

inspect_resolves_containers_images_and_volumes() {
  load_image
  ck create --name box -e K=V $IMG echo hi; expect_rc 0; local id=$out
  ck inspect box; expect_rc 0
  python3 -c '
import json, sys
d = json.load(sys.stdin)
assert isinstance(d, list) and len(d) == 1, d
c = d[0]
assert c["Id"] == sys.argv[1], c["Id"]
assert c["Name"] == "box", c["Name"]
assert c["State"]["Status"] == "created", c["State"]
assert "K=V" in c["Config"]["Env"], c["Config"]["Env"]
' "$id" <<<"$out" || fail "inspect JSON: $out"
  ck container inspect --format '{{.Name}} {{.State.Status}}' box; [ "$out" = "box created" ] || fail "template '$out'"
  ck inspect --format '{{.Id}}' $IMG; expect_rc 0; [[ "$out" =~ ^[0-9a-f]{64}$ ]] || fail "image via inspect '$out'"
  ck volume create vv
  ck inspect --format '{{.Name}}' vv; expect_rc 0; [ "$out" = vv ] || fail "volume via inspect '$out'"
  ck inspect box nosuch; expect_rc 125; expect_err 'no such object: "nosuch"'; expect_out "\"Id\": \"$id\""
  ck container inspect $IMG; expect_rc 125; expect_err "no such container"
}

rename_renames_and_refuses_taken_names() {
  # Names that cannot be id prefixes (ids are hex), so lookups are by name only.
  load_image
  ck create --name first $IMG true; ck create --name second $IMG true
  ck rename first third; expect_rc 0
  ck inspect --format '{{.Name}}' third; [ "$out" = third ] || fail "renamed '$out'"
  ck container exists first; expect_rc 1
  ck rename third second; expect_rc 125; expect_err second
  ck rename third 'bad/name'; expect_rc 125
  ck container exists third; expect_rc 0
}

kill_signals_and_wait_reports() {
  load_image
  ck run -d --name t $IMG sh -c 'trap "exit 7" USR1; echo ready; while :; do sleep 0.1; done'; expect_rc 0
  wait_for 10 logs_have t ready || fail "not ready"
  ck kill -s USR1 t; expect_rc 0; [ "$out" = t ] || fail "kill printed '$out'"
  ck wait t; expect_rc 0; [ "$out" = 7 ] || fail "wait after USR1 '$out'"
  ck run -d --name k $IMG sleep 60
  ck kill --signal=SIGKILL k; expect_rc 0
  ck wait k; [ "$out" = 137 ] || fail "wait after KILL '$out'"
  ck run -d --name b $IMG sleep 60
  ck kill -s BOGUS b; expect_rc 125; expect_err BOGUS
  status_is b running || fail "bad signal changed the container: $out"
  ck kill k; expect_rc 125
  ck kill nosuch; expect_rc 125; expect_err nosuch
}

start_stop_restart_rm() {
  load_image
  ck create --name s $IMG sh -c 'echo run; sleep 60'; expect_rc 0
  status_is s created || fail "after create: $out"
  ck start s; expect_rc 0; [ "$out" = s ] || fail "start printed '$out'"
  status_is s running || fail "after start: $out"
  ck rm s; expect_rc 2; expect_err s
  ck restart -t 1 s; expect_rc 0
  status_is s running || fail "after restart: $out"
  ck stop --time=1 s; expect_rc 0
  status_is s exited || fail "after stop: $out"
  ck stop s; expect_rc 0 # stopping a stopped container does nothing
  ck create --name att $IMG sh -c 'echo attached; exit 6'
  ck start -a att; expect_rc 6; [ "$out" = attached ] || fail "start -a '$out'"
  ck run -d --name r $IMG sleep 60
  ck rm -f r; expect_rc 0
  ck rm nosuch; expect_rc 1
  ck rm -a -f; expect_rc 0
  no_containers
}

logs_tail_timestamps_and_follow() {
  load_image
  ck run -d --name l $IMG sh -c 'for i in 1 2 3; do echo line$i; done; echo oops >&2; sleep 1; echo late'
  ck logs -f l; expect_rc 0; expect_out line1; expect_out late; expect_err oops
  ck logs --tail 1 l; [ "$out" = late ] || fail "--tail 1 '$out'"
  ck logs -n 2 l 2>/dev/null; expect_out late
  ck logs -t l; grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+) line1$' <<<"$out" || fail "-t '$out'"
  ck logs --since 1h l; expect_out line1
  ck logs --since 2099-01-01T00:00:00Z l; [ -z "$out" ] || fail "--since future '$out'"
  ck logs --since yesterday-ish l; expect_rc 125; expect_err "--since"
}

stats_and_top_show_a_running_container() {
  load_image
  ck run -d --name web $IMG sleep 120; expect_rc 0
  ck stats --no-stream web; expect_rc 0
  expect_out "CPU %"; expect_out "MEM USAGE / LIMIT"; expect_out "web"
  ck stats --no-stream --format json web; expect_rc 0
  python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["name"]=="web" and int(d[0]["pids"])>=1, d' <<<"$out" ||
    fail "stats json '$out'"
  ck stats --no-stream --format '{{.Name}} {{.PIDS}}'; expect_out "web 1"
  # podman's header for {{.PIDs}} is one word
  ck stats --no-stream --format 'table {{.Name}} {{.PIDs}}' web; expect_rc 0
  expect_out "PIDS"; expect_no_out "PI DS"
  ck top web; expect_rc 0; expect_out PID; expect_out "sleep 120"
  ck top web pid args; expect_rc 0; expect_out "PID"; expect_no_out "USER"
  ck stop -t 0 web
  ck top web; expect_rc 125
}

cp_copies_both_ways() {
  load_image
  ck run -d --name web $IMG sleep 120; expect_rc 0
  echo from-host >"$ROOT/in.txt"
  ck cp "$ROOT/in.txt" web:/tmp/; expect_rc 0
  ck exec web cat /tmp/in.txt; [ "$out" = from-host ] || fail "copied in: '$out'"
  ck exec web sh -c 'echo from-ctr >/tmp/out.txt'
  ck cp web:/tmp/out.txt "$ROOT/out.txt"; expect_rc 0
  [ "$(cat "$ROOT/out.txt" 2>/dev/null)" = from-ctr ] || fail "copied out"
  ck cp web:/etc "$ROOT/etcdir"; expect_rc 0; [ -f "$ROOT/etcdir/passwd" ] || fail "directory copy"
  ck cp "$ROOT/in.txt" "$ROOT/x"; expect_rc 125
  ck cp web:/../../../../etc/shadow "$ROOT/shadow"; [ ! -s "$ROOT/shadow" ] || ! cmp -s /etc/shadow "$ROOT/shadow" ||
    fail "cp escaped the root filesystem"
}

events_show_the_lifecycle() {
  load_image
  ck run --rm --name ev $IMG true; expect_rc 0
  ck events --stream=false --filter container=ev; expect_rc 0
  for s in create start died remove; do
    grep -qE " container $s [0-9a-f]{64} \(image=$IMG, name=ev" <<<"$out" || fail "no $s event: $out"
  done
  ck events --stream=false --format json --filter event=died; expect_rc 0
  python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin.read().splitlines()]' <<<"$out" || fail "json lines '$out'"
  expect_out '"ContainerExitCode":0'
  # following: killed after a while, it has printed the old events
  timeout 2 "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" events >"$ROOT/ev.txt" 2>&1
  [ $? -eq 124 ] || fail "events did not keep following"
  grep -q "container create" "$ROOT/ev.txt" || fail "followed events: $(cat "$ROOT/ev.txt")"
}

bad_input_gets_clear_errors_and_leaves_nothing() {
  load_image
  ck run --rm localhost/nosuch:latest true; expect_rc 125; expect_err nosuch
  ck create --name dup $IMG true; expect_rc 0
  ck create --name dup $IMG true; expect_rc 125; expect_err dup
  ck run --rm --restart=always $IMG true; expect_rc 125; expect_err "conflicts with --restart"
  ck run --rm --memory lots $IMG true; expect_rc 125; expect_err lots
  ck run --rm --name 'bad name' $IMG true; expect_rc 125; expect_err "bad name"
  ck run --rm --bogus $IMG true; expect_rc 125; expect_err "unknown flag: --bogus"
  ck run --rm --pod p $IMG true; expect_rc 125; expect_err pod
  ck run --rm -v relative:/x:zz $IMG true; expect_rc 125
  ck run --rm --ulimit nofile=99999999 $IMG true; expect_rc 125
  ck run; expect_rc 125
  ck start nosuch; expect_rc 125; expect_err nosuch
  ck stop nosuch; expect_rc 125; expect_err nosuch
  ck ps -a --format '{{.Names}}'; [ "$out" = dup ] || fail "bad input left containers: $out"
  ck volume ls -q; [ -z "$out" ] || fail "bad input left volumes: $out"
}

port_lists_nothing_without_publishing() {
  load_image
  ck create --name p $IMG true
  ck port p; expect_rc 0; [ -z "$out" ] || fail "port '$out'"
  ck run --rm --network none -p 8080:80 $IMG true; expect_rc 125; expect_err "publish"
}

all_tests=(run_rm_echo_prints_and_leaves_nothing run_rm_returns_when_the_container_is_gone
  run_detached_logs_stop_rm run_propagates_exit_codes
  run_reads_env_and_env_files run_volumes_honour_ro run_flag_grammar run_cidfile_and_replace
  exec_runs_in_a_running_container ps_lists_filters_and_formats inspect_resolves_containers_images_and_volumes
  rename_renames_and_refuses_taken_names kill_signals_and_wait_reports start_stop_restart_rm
  logs_tail_timestamps_and_follow stats_and_top_show_a_running_container cp_copies_both_ways
  events_show_the_lifecycle bad_input_gets_clear_errors_and_leaves_nothing port_lists_nothing_without_publishing)

# Each test cleans up its containers (the monitor keeps them running).
for t in "${all_tests[@]}"; do
  eval "orig_$t() { $(declare -f "$t" | tail -n +2); }"
  eval "$t() { orig_$t; cleanup; }"
done
echo "runtime: $RUNTIME" >&2
run_tests "${@:-${all_tests[@]}}"
