#!/usr/bin/env bash
# Messages for bad input, through the real CLI: each says what is wrong and
# what was expected, once, and the command leaves nothing behind.
. "$(dirname "$0")/lib.sh"

FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
IMG=localhost/busybox:latest
ARCHIVE_DIR=$(mktemp -d "$TMPBASE/ck-cli-img-XXXXXX")
trap 'rm -rf "$ARCHIVE_DIR"' EXIT
python3 "$FIXTURES/mkimage.py" "$ARCHIVE_DIR/busybox.tar" --format oci-archive --busybox --name "$IMG" >/dev/null ||
  { echo "cannot build the busybox image" >&2; exit 1; }

load_image() { run_ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0; }

# count TEXT: how many times TEXT is in $err.
count() { grep -oF -- "$1" <<<"$err" | wc -l; }

nothing_left() {
  run_ck ps -a -q; [ -z "$out" ] || fail "a container was left: $out"
  run_ck volume ls -q; [ -z "$out" ] || fail "a volume was left: $out"
}

bind_source_relative_path_says_how_it_was_read() {
  load_image
  cd "$ROOT" || return
  run_ck create -v relative/path:/data $IMG true; expect_rc 125
  expect_err "bind mount source relative/path (for /data) does not exist: it was looked for as $ROOT/relative/path"
  expect_err "a source with a '/' or a leading '.' is a host path, relative to the current directory"
  expect_err "a named volume's name has no '/'"
  [ "$(count "No such file or directory")" -eq 0 ] || fail "the cause is said again: $err"
  run_ck create -v ./rel:/data $IMG true; expect_rc 125
  expect_err "bind mount source ./rel (for /data) does not exist: it was looked for as $ROOT/rel,"
  nothing_left
  cd / || return
}

bind_source_errors_say_the_cause_once() {
  load_image
  run_ck create -v "$ROOT/nothere:/data" $IMG true; expect_rc 125
  expect_err "bind mount source $ROOT/nothere (for /data) does not exist"
  [ "$(count "No such file or directory")" -eq 0 ] || fail "the cause is said: $err"
  touch "$ROOT/file"
  run_ck create -v "$ROOT/file/under:/data" $IMG true; expect_rc 125
  expect_err "bind mount source $ROOT/file/under (for /data) cannot be used: Not a directory"
  [ "$(count "Not a directory")" -eq 1 ] || fail "the cause is not said exactly once: $err"
  nothing_left
}

# A source without '/' nor a leading '.' is a named volume, made on first use.
bind_source_without_slash_is_a_named_volume() {
  load_image
  run_ck create --name c -v data:/data $IMG true; expect_rc 0
  run_ck volume ls -q; [ "$out" = data ] || fail "no named volume 'data': '$out'"
  run_ck rm c; expect_rc 0
}

missing_arguments_name_what_is_needed() {
  run_ck run; expect_rc 125
  [ "$err" = "Error: ck run: an image is required: ck run [options] IMAGE [COMMAND [ARG...]]" ] ||
    fail "ck run without an image: $err"
  run_ck create; expect_rc 125; expect_err "ck create: an image is required: ck create [options] IMAGE"
  run_ck start; expect_rc 125; expect_err "ck start: a container is required (or --all): ck start [options] CONTAINER"
  run_ck logs; expect_rc 125; expect_err "ck logs: a container is required: ck logs [options] CONTAINER"
  run_ck cp a; expect_rc 125
  expect_err "ck cp: a source and a destination are required (1 argument given): ck cp [options] [CONTAINER:]SRC_PATH"
  run_ck rename; expect_rc 125
  expect_err "ck rename: a container and its new name are required (0 arguments given): ck rename CONTAINER NAME"
  run_ck pull; expect_rc 125; expect_err "ck pull: an image is required: ck pull [options] IMAGE"
  run_ck push; expect_rc 125; expect_err "ck push: an image is required: ck push [options] IMAGE [DESTINATION]"
  run_ck save; expect_rc 125; expect_err "ck save: an image is required: ck save [options] IMAGE"
  run_ck image inspect; expect_rc 125; expect_err "ck image inspect: an image is required"
  run_ck container exists; expect_rc 125
  expect_err "ck container exists: one container is required (0 given): ck container exists CONTAINER"
  run_ck volume exists a b; expect_rc 125
  expect_err "ck volume exists: one name is required (2 given): ck volume exists VOLUME"
  for cmd in run create start logs cp rename pull push save history "image inspect" "container exists"; do
    run_ck $cmd
    ! grep -q "arg(s)" <<<"$err" || fail "ck $cmd: $err"
  done
}

rm_with_restart_says_what_conflicts_and_what_to_do() {
  load_image
  run_ck run --rm --restart always $IMG true; expect_rc 125
  [ "$err" = "Error: --rm conflicts with --restart always: a container that is removed when it exits cannot be restarted; drop --rm, or use --restart no" ] ||
    fail "--rm with --restart always: $err"
  run_ck create --rm --restart=on-failure:3 $IMG true; expect_rc 125; expect_err "--rm conflicts with --restart on-failure:3"
  nothing_left
}

run_tests bind_source_relative_path_says_how_it_was_read bind_source_errors_say_the_cause_once \
  bind_source_without_slash_is_a_named_volume missing_arguments_name_what_is_needed \
  rm_with_restart_says_what_conflicts_and_what_to_do
