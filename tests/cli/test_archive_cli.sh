#!/usr/bin/env bash
# ck load and ck save as a user drives them, and their interoperability:
# archives ck writes load in skopeo and podman, and archives skopeo and
# podman write load in ck, with the same image ids.  Exits 77 (skipped)
# without skopeo; the podman parts say so and are skipped without podman.
. "$(dirname "$0")/../cli/lib.sh"

SRC=${CK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MK="python3 $SRC/tests/fixtures/mkimage.py"
command -v skopeo >/dev/null || { echo "skopeo is not installed: skipping"; exit 77; }
HAVE_PODMAN=1
command -v podman >/dev/null || { HAVE_PODMAN=0; echo "podman is not installed: its interop checks are skipped" >&2; }

# podman on its own throw-away storage (vfs: no overlay mounts to clean up).
# Its run root must be short (podman refuses more than 50 characters).
PMRUN=$(mktemp -d /tmp/ckpm.XXXXXX)
trap 'rm -rf "$PMRUN"' EXIT
pm() { podman --root "$ROOT/podman" --runroot "$PMRUN/r" --storage-driver vfs "$@"; }
pm_fresh() { rm -rf "$PMRUN/r"; } # each test has its own root: start its run root afresh
pm_id() { pm image inspect --format '{{.Id}}' "$1" 2>/dev/null | sed 's/^sha256://'; }

# The id ck gave image $1: the config name in a docker-archive ck saves
# (ck's id is its config digest, which docker-archives name their config by).
ck_id() {
  "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" save -o "$ROOT/id-probe.tar" "$1" >/dev/null 2>&1 || return
  tar -xOf "$ROOT/id-probe.tar" manifest.json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Config"][:-5])'
  rm -f "$ROOT/id-probe.tar"
}
# The config digest skopeo reads from a reference, without "sha256:".
skopeo_id() { skopeo inspect --raw "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"][7:])'; }

# A busybox image with a second layer that deletes and adds files.
fixture() { # OUT FORMAT NAME [args]
  local out=$1 fmt=$2 name=$3; shift 3
  mkdir -p "$ROOT/l2/etc" && echo hi >"$ROOT/l2/etc/motd" && touch "$ROOT/l2/etc/.wh.group"
  $MK "$out" --format "$fmt" --name "$name" --busybox --cmd '["sh"]' --layer-dir "$ROOT/l2" --print-id "$@" | sed 's/^sha256://'
}

cli_load_prints_each_name() {
  local id
  id=$(fixture "$ROOT/a.tar" oci-archive localhost/a:1 --label x=1)
  run_ck load -i "$ROOT/a.tar"; expect_rc 0; expect_out "Loaded image: localhost/a:1"
  expect_err "Copying blob sha256:"
  [ "$(ck_id localhost/a:1)" = "$id" ] || fail "id $(ck_id localhost/a:1), want $id"
  run_ck load --quiet --input "$ROOT/a.tar"; expect_rc 0; expect_out "Loaded image: localhost/a:1"
  [ -z "$err" ] || fail "quiet load wrote to stderr: $err"
  $MK "$ROOT/u.tar" --format oci-archive --busybox --label unnamed=1 >/dev/null
  run_ck load -q -i "$ROOT/u.tar"; expect_rc 0
  [[ "$out" =~ ^"Loaded image: sha256:"[0-9a-f]{64}$ ]] || fail "unnamed image printed as '$out'"
}

cli_load_stdin_and_save_stdout() {
  local id
  id=$(fixture "$ROOT/a.tar" docker-archive localhost/pipe:1)
  run_ck load <"$ROOT/a.tar"; expect_rc 0; expect_out "Loaded image: localhost/pipe:1"
  "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" save localhost/pipe:1 >"$ROOT/out.tar" || fail "save to stdout"
  tar -tf "$ROOT/out.tar" | grep -q "^$id.json$" || fail "stdout archive lacks $id.json"
  gzip -c "$ROOT/out.tar" | "$CK_BIN" --root "$ROOT/s2" --runroot "$ROOT/r2" load >/dev/null || fail "load of gzip from stdin"
}

cli_load_and_save_errors_exit_125() {
  run_ck load -i "$ROOT/missing.tar"; expect_rc 125; expect_err "missing.tar"
  head -c 3000 /dev/urandom >"$ROOT/junk.tar"
  run_ck load -i "$ROOT/junk.tar"; expect_rc 125; expect_err "junk.tar is neither an oci-archive nor a docker-archive"
  run_ck load -i "$ROOT/junk.tar" extra; expect_rc 125; expect_err "accepts 0 arg"
  run_ck save -o "$ROOT/x.tar" localhost/nothere:1; expect_rc 125; expect_err "nothere"
  [ ! -e "$ROOT/x.tar" ] || fail "a failed save left $ROOT/x.tar"
  run_ck save -o "$ROOT/x.tar"; expect_rc 125; expect_err "ck save: an image is required: ck save [options] IMAGE [IMAGE...]"
  fixture "$ROOT/a.tar" oci-archive localhost/e:1 >/dev/null
  run_ck load -q -i "$ROOT/a.tar"; expect_rc 0
  run_ck save --format tarball -o "$ROOT/x.tar" localhost/e:1; expect_rc 125; expect_err 'unknown format "tarball"'
  run_ck save --format docker-dir -o "$ROOT/x" localhost/e:1; expect_rc 125; expect_err "docker-dir is not supported"
  run_ck save --format oci-dir localhost/e:1; expect_rc 125; expect_err "needs an output directory"
  [ -z "$(ls -A "$ROOT" | grep ck-save)" ] || fail "temporaries left: $(ls -A "$ROOT")"
}

# A multi-image archive whose last image is bad loads nothing: not its good
# images, nor the name it would have moved off the image that held it; the
# error names the bad image, and the store stays consistent.
cli_load_multi_image_is_all_or_nothing() {
  local old i
  old=$($MK "$ROOT/old.tar" --format docker-archive --name localhost/m0:1 --busybox --label old=1 --print-id | sed 's/^sha256://')
  run_ck load -q -i "$ROOT/old.tar"; expect_rc 0
  for i in 0 1 2; do
    mkdir -p "$ROOT/l$i" && echo "$i" >"$ROOT/l$i/which"
    $MK "$ROOT/lay" --format oci-dir $([ $i = 0 ] || echo --append) --name "localhost/m$i:1" --busybox \
      --layer-dir "$ROOT/l$i" >/dev/null || fail "mkimage image $i"
  done
  cp -r "$ROOT/lay" "$ROOT/good"
  python3 "$SRC/tests/archive/test_archive_spoil.py" "$ROOT/lay" 2 bad-layer || fail "spoiling the layout"
  $MK "$ROOT/bad.tar" --format oci-archive --from-dir "$ROOT/lay" >/dev/null
  run_ck load -i "$ROOT/bad.tar"; expect_rc 125
  expect_err "bad.tar: index.json manifests[2] (localhost/m2:1)"; expect_err "diff id"
  expect_no_out "Loaded image"
  run_ck images --format '{{.Repository}}:{{.Tag}} {{.ID}}'; expect_rc 0
  expect_out "localhost/m0:1 ${old:0:12}"
  expect_no_out "localhost/m1"; expect_no_out "localhost/m2"
  [ "$(ck_id localhost/m0:1)" = "$old" ] || fail "localhost/m0:1 moved to $(ck_id localhost/m0:1)"
  run_ck system check; expect_rc 0; expect_out "No problems found"
  [ -z "$(ls -A "$ROOT/storage/images/tmp")" ] || fail "images/tmp holds $(ls -A "$ROOT/storage/images/tmp")"
  # The good archive moves the name in the same step as it adds the images.
  $MK "$ROOT/good.tar" --format oci-archive --from-dir "$ROOT/good" >/dev/null
  run_ck load -i "$ROOT/good.tar"; expect_rc 0
  for i in 0 1 2; do expect_out "Loaded image: localhost/m$i:1"; done
  [ "$(ck_id localhost/m0:1)" != "$old" ] || fail "localhost/m0:1 was not moved"
}

interop_ck_archives_load_in_skopeo() {
  local id f
  id=$(fixture "$ROOT/a.tar" oci-archive localhost/sk:1)
  run_ck load -q -i "$ROOT/a.tar"; expect_rc 0
  run_ck save -o "$ROOT/d.tar" localhost/sk:1; expect_rc 0
  run_ck save --format oci-archive -o "$ROOT/o.tar" localhost/sk:1; expect_rc 0
  run_ck save --format oci-dir -o "$ROOT/od" localhost/sk:1; expect_rc 0
  for f in "docker-archive:$ROOT/d.tar" "oci-archive:$ROOT/o.tar" "oci:$ROOT/od:localhost/sk:1"; do
    [ "$(skopeo_id "$f")" = "$id" ] || fail "skopeo reads $f with config $(skopeo_id "$f"), want $id"
    rm -rf "$ROOT/copy"
    skopeo copy -q "$f" "dir:$ROOT/copy" >/dev/null 2>"$ROOT/skerr" || fail "skopeo copy $f: $(cat "$ROOT/skerr")"
    [ -f "$ROOT/copy/$id" ] || fail "skopeo copy of $f lacks config $id"
  done
  skopeo inspect "docker-archive:$ROOT/d.tar:localhost/sk:1" >/dev/null || fail "skopeo finds no localhost/sk:1 in d.tar"
}

interop_skopeo_archives_load_in_ck() {
  local id
  id=$(fixture "$ROOT/lay" oci-dir localhost/src:1)
  skopeo copy -q "oci:$ROOT/lay:localhost/src:1" "docker-archive:$ROOT/sd.tar:localhost/sd:1" >/dev/null || fail "skopeo docker-archive"
  skopeo copy -q "oci:$ROOT/lay:localhost/src:1" "oci-archive:$ROOT/so.tar:localhost/so:1" >/dev/null || fail "skopeo oci-archive"
  skopeo copy -q "oci:$ROOT/lay:localhost/src:1" "oci:$ROOT/sod:localhost/sod:1" >/dev/null || fail "skopeo oci"
  run_ck load -i "$ROOT/sd.tar"; expect_rc 0; expect_out "Loaded image: localhost/sd:1"
  run_ck load -i "$ROOT/so.tar"; expect_rc 0; expect_out "Loaded image: localhost/so:1"
  run_ck load -i "$ROOT/sod"; expect_rc 0; expect_out "Loaded image: localhost/sod:1"
  for n in sd so sod; do
    [ "$(ck_id localhost/$n:1)" = "$id" ] || fail "localhost/$n:1 has id $(ck_id localhost/$n:1), want $id"
  done
}

interop_ck_archives_load_in_podman() {
  [ $HAVE_PODMAN = 1 ] || { echo "  podman not installed: skipped" >&2; return; }
  pm_fresh
  local id id2
  id=$(fixture "$ROOT/a.tar" oci-archive localhost/pm:1)
  id2=$($MK "$ROOT/b.tar" --format docker-archive --name localhost/pm2:1 --busybox --label two=2 --print-id | sed 's/^sha256://')
  run_ck load -q -i "$ROOT/a.tar"; run_ck load -q -i "$ROOT/b.tar"
  run_ck save -o "$ROOT/d.tar" localhost/pm:1; expect_rc 0
  run_ck save --format oci-archive -o "$ROOT/o.tar" localhost/pm2:1; expect_rc 0
  run_ck save -m -o "$ROOT/m.tar" localhost/pm:1 localhost/pm2:1; expect_rc 0
  pm load -i "$ROOT/d.tar" >"$ROOT/pm.out" 2>&1 || fail "podman load d.tar: $(cat "$ROOT/pm.out")"
  grep -q "Loaded image: localhost/pm:1" "$ROOT/pm.out" || fail "podman: $(cat "$ROOT/pm.out")"
  [ "$(pm_id localhost/pm:1)" = "$id" ] || fail "podman id $(pm_id localhost/pm:1), want $id"
  pm load -i "$ROOT/o.tar" >"$ROOT/pm.out" 2>&1 || fail "podman load o.tar: $(cat "$ROOT/pm.out")"
  grep -q "Loaded image: localhost/pm2:1" "$ROOT/pm.out" || fail "podman: $(cat "$ROOT/pm.out")"
  [ "$(pm_id localhost/pm2:1)" = "$id2" ] || fail "podman id $(pm_id localhost/pm2:1), want $id2"
  pm rmi -a -f >/dev/null 2>&1
  pm load -i "$ROOT/m.tar" >"$ROOT/pm.out" 2>&1 || fail "podman load m.tar: $(cat "$ROOT/pm.out")"
  [ "$(pm_id localhost/pm:1)" = "$id" ] && [ "$(pm_id localhost/pm2:1)" = "$id2" ] ||
    fail "multi-image archive in podman: $(pm images 2>&1)"
}

interop_podman_saves_load_in_ck() {
  [ $HAVE_PODMAN = 1 ] || { echo "  podman not installed: skipped" >&2; return; }
  pm_fresh
  local id id2
  id=$(fixture "$ROOT/a.tar" oci-archive localhost/ps:1)
  id2=$($MK "$ROOT/b.tar" --format docker-archive --name localhost/ps2:1 --busybox --label two=2 --print-id | sed 's/^sha256://')
  pm load -q -i "$ROOT/a.tar" >/dev/null 2>&1 && pm load -q -i "$ROOT/b.tar" >/dev/null 2>&1 || fail "podman load"
  pm save -q -o "$ROOT/pd.tar" localhost/ps:1 || fail "podman save docker-archive"
  pm save -q --format oci-archive -o "$ROOT/po.tar" localhost/ps:1 || fail "podman save oci-archive"
  pm save -q --format oci-dir -o "$ROOT/pod" localhost/ps:1 || fail "podman save oci-dir"
  pm save -q -m -o "$ROOT/pm.tar" localhost/ps:1 localhost/ps2:1 || fail "podman save -m"
  run_ck load -i "$ROOT/pd.tar"; expect_rc 0; expect_out "Loaded image: localhost/ps:1"
  [ "$(ck_id localhost/ps:1)" = "$id" ] || fail "from podman's docker-archive: $(ck_id localhost/ps:1), want $id"
  for f in po.tar pod; do
    rm -rf "$ROOT/storage" "$ROOT/run"
    run_ck load -i "$ROOT/$f"; expect_rc 0; expect_out "Loaded image: localhost/ps:1"
    [ "$(ck_id localhost/ps:1)" = "$id" ] || fail "from podman's $f: $(ck_id localhost/ps:1), want $id"
  done
  rm -rf "$ROOT/storage" "$ROOT/run"
  run_ck load -i "$ROOT/pm.tar"; expect_rc 0; expect_out "Loaded image: localhost/ps:1"; expect_out "Loaded image: localhost/ps2:1"
  [ "$(ck_id localhost/ps2:1)" = "$id2" ] || fail "from podman's multi-image archive: $(ck_id localhost/ps2:1), want $id2"
}

run_tests cli_load_prints_each_name cli_load_stdin_and_save_stdout cli_load_and_save_errors_exit_125 \
  cli_load_multi_image_is_all_or_nothing \
  interop_ck_archives_load_in_skopeo interop_skopeo_archives_load_in_ck interop_ck_archives_load_in_podman \
  interop_podman_saves_load_in_ck
