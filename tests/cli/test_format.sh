#!/usr/bin/env bash
# --format through the real ck CLI (volume ls/inspect, images, ps, inspect):
# Go templates with functions, tables with podman's headers, errors with
# positions and exit code 125; and the same command lines run by podman 4.3
# in a scratch root (vfs storage) give the same output where both can.
. "$(dirname "$0")/lib.sh"

FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
IMG=localhost/busybox:latest
ARCHIVE_DIR=$(mktemp -d "$TMPBASE/ck-fmt-XXXXXX")
trap 'rm -rf "$ARCHIVE_DIR"; cleanup_podman' EXIT
python3 "$FIXTURES/mkimage.py" "$ARCHIVE_DIR/busybox.tar" --format oci-archive --busybox --name "$IMG" >/dev/null ||
  { echo "cannot build the busybox image" >&2; exit 1; }

HAVE_PODMAN=0
if command -v podman >/dev/null && [ "$(id -u)" -eq 0 ]; then HAVE_PODMAN=1; fi

# run_podman ARGS...: podman in the test's scratch root; sets $pout, $prc.
run_podman() {
  local o e
  o=$(mktemp) e=$(mktemp)
  # podman refuses a run root longer than 50 characters: a short one in /tmp
  [ -n "${PROOT:-}" ] && [ -d "$PROOT" ] || PROOT=$(mktemp -d /tmp/ckpm-XXXXXX)
  podman --root "$PROOT/root" --runroot "$PROOT/run" --storage-driver vfs --events-backend none \
    --cgroup-manager cgroupfs "$@" >"$o" 2>"$e"
  prc=$?
  pout=$(cat "$o") perr=$(cat "$e")
  rm -f "$o" "$e"
}

# same ARGS...: ck and podman print the same and exit alike.
same() {
  run_ck "$@"
  [ $HAVE_PODMAN -eq 1 ] || return 0
  run_podman "$@"
  [ "$rc" -eq "$prc" ] || fail "exit codes differ for '$*': ck $rc, podman $prc ($err | $perr)"
  [ "$out" = "$pout" ] || fail "outputs differ for '$*':
--- ck
$out
--- podman
$pout"
}

format_volume_templates_match_podman() {
  for v in "--label app=web --label tier=db data" "plain"; do
    run_ck volume create $v >/dev/null; expect_rc 0
    [ $HAVE_PODMAN -eq 1 ] && run_podman volume create $v
  done
  same volume ls --format '{{.Name}}'
  same volume ls --format 'table {{.Name}} {{.Driver}}'
  same volume ls --format 'table {{.Name}}\t{{.Driver | upper}}\t{{.Labels}}'
  same volume ls --noheading --format 'table {{.Name}}\t{{.Scope}}'
  same volume ls --format '{{.Name}}\t{{.Driver}}'
  same volume ls --format '{{.Labels.app}}|{{index .Labels "app"}}|{{json .Labels}}|{{len .Labels}}'
  same volume ls --format '{{if .Labels.app}}{{.Name}} is {{.Labels.app}}{{else}}{{.Name}} has none{{end}}'
  same volume ls --format '{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}'
  same volume ls --format '{{printf "%-6s|%5s" .Name .Driver}} {{title .Name}} {{truncate .Name 2}}'
  same volume ls --format '{{- .Name -}} {{/* comment */}} {{.Scope | lower}}'
  same volume inspect --format '{{.Name}} {{.Labels}} {{.Options}} {{.Scope}}' data
  run_ck volume ls --format 'table {{.Name}}\t{{.Driver}}'
  [ "$(head -1 <<<"$out")" = "VOLUME NAME  DRIVER" ] || fail "volume ls header: $out"
  run_ck volume inspect --format '{{.CreatedAt}}' data
  [[ "$out" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8}(\.[0-9]+)?\ \+0000\ UTC$ ]] || fail "time as Go prints it: '$out'"
}

format_errors_point_at_the_column_and_exit_125() {
  run_ck volume create data >/dev/null
  run_ck volume ls --format '{{.Name}'; expect_rc 125; expect_err "template: :1:7: bad character U+007D '}'"
  run_ck volume ls --format '{{.Nmae}}'; expect_rc 125
  expect_err 'template: :1:2: executing "" at <.Nmae>: can'"'"'t evaluate field Nmae'
  run_ck volume ls --format '{{if .Name}}'; expect_rc 125; expect_err "unexpected EOF"
  run_ck volume ls --format '{{nofunc .Name}}'; expect_rc 125; expect_err 'function "nofunc" not defined'
  run_ck volume inspect --format '{{upper 1}}' data; expect_rc 125; expect_err "expected string; got int"
  [ -z "$out" ] || fail "a failed template printed '$out'"
  if [ $HAVE_PODMAN -eq 1 ]; then
    run_podman volume create data
    for t in '{{.Name}' '{{.Nmae}}' '{{if .Name}}' '{{nofunc .Name}}'; do
      run_ck volume ls --format "$t"; run_podman volume ls --format "$t"
      [ "$rc" -eq "$prc" ] || fail "exit codes differ for '$t': ck $rc, podman $prc"
    done
  fi
}

format_images_match_podman() {
  run_ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0
  [ $HAVE_PODMAN -eq 1 ] && run_podman load -i "$ARCHIVE_DIR/busybox.tar"
  same images --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Digest}} {{.Created}}'
  same images --format 'table {{.ID}} {{.Repository}} {{.Tag}}'
  same images --format '{{.ID | upper}} {{len .ID}} {{if eq .Tag "latest"}}newest{{end}}'
  run_ck images --format 'table {{.ID}}\t{{.Repository}}'
  [ "$(head -1 <<<"$out")" = "IMAGE ID      REPOSITORY" ] || fail "images header: $out"
}

format_ps_and_inspect_of_containers() {
  run_ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0
  run_ck create --name c1 --label app=web $IMG echo hi; expect_rc 0
  local id=$out
  run_ck ps -a --format 'table {{.ID}}\t{{.Names}}\t{{.CreatedHuman}}\t{{.Labels}}'; expect_rc 0
  grep -qE "^CONTAINER ID  NAMES +CREATED +LABELS$" <<<"$(head -1 <<<"$out")" || fail "ps header: $out"
  grep -qE "^${id:0:12}  c1          (Less than a second|[0-9]+ seconds?) ago  map\[app:web\]$" <<<"$out" ||
    fail "ps row: $out"
  run_ck ps -a --format '{{.Names}} {{.Command}} {{.Image}} {{.Pid}}'
  [ "$out" = "c1 echo hi $IMG 0" ] || fail "ps template: '$out'"
  run_ck inspect --format '{{.ID}} {{.Name}} {{.State.Pid}} {{.State.Running}} {{.Config.Labels}}' c1
  [ "$out" = "$id c1 0 false map[app:web]" ] || fail "inspect template: '$out'"
  run_ck inspect --format '{{json .Config.Cmd}} {{join .Config.Cmd " "}} {{index .Config.Labels "app"}}' c1
  [ "$out" = '["echo","hi"] echo hi web' ] || fail "inspect functions: '$out'"
  run_ck inspect --format '{{if .State.Running}}up{{else}}{{.State.Status}}{{end}} {{range .Config.Cmd}}<{{.}}>{{end}}' c1
  [ "$out" = "created <echo><hi>" ] || fail "inspect control: '$out'"
  if [ $HAVE_PODMAN -eq 1 ]; then
    run_podman load -i "$ARCHIVE_DIR/busybox.tar"
    run_podman create --name c1 --label app=web $IMG echo hi
    same inspect --format '{{.Name}} {{.State.Pid}} {{.State.Running}} {{.Config.Labels}} {{json .Config.Cmd}} {{.State.Status}} {{index .Config.Labels "app"}} {{.HostConfig.AutoRemove}} {{len .Mounts}}' c1
    same ps -a --format '{{.Names}} {{.Labels}} {{.Status}} {{.Pid}} {{.Command}} {{.Image}}'
    run_ck ps -a --format 'table {{.ID}} {{.Names}} {{.Status}}'; local ckh=$(head -1 <<<"$out")
    run_podman ps -a --format 'table {{.ID}} {{.Names}} {{.Status}}'
    [ "$ckh" = "$(head -1 <<<"$pout")" ] || fail "ps headers differ: '$ckh' / '$(head -1 <<<"$pout")'"
  fi
  run_ck rm -f c1
}

# each test's podman root goes with it
cleanup_podman() {
  if [ -n "${PROOT:-}" ] && [ -d "$PROOT" ]; then
    podman --root "$PROOT/root" --runroot "$PROOT/run" --storage-driver vfs rm -af >/dev/null 2>&1
    rm -rf "$PROOT"
  fi
  PROOT=
}
for t in format_volume_templates_match_podman format_errors_point_at_the_column_and_exit_125 \
  format_images_match_podman format_ps_and_inspect_of_containers; do
  eval "orig_$t() { $(declare -f $t | tail -n +2); }"
  eval "$t() { orig_$t; cleanup_podman; }"
done

run_tests format_volume_templates_match_podman format_errors_point_at_the_column_and_exit_125 \
  format_images_match_podman format_ps_and_inspect_of_containers
