#!/usr/bin/env bash
# Two ck pull processes of one image into one store at the same time: both
# succeed, and every blob and layer is stored once.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../cli/lib.sh"
source "$HERE/fixture.sh"

start_registry plain plain || exit 1
mkdir -p "$FIX/big"
head -c $((24 * 1024 * 1024)) /dev/urandom >"$FIX/big/random.bin"
make_busybox "$FIX/bb" --layer-dir "$FIX/big" || exit 1
populate "$REG_plain" big:latest "$FIX/bb" || exit 1

# pull_bg N REF: ck pull in the background, output in $ROOT/pull-N.{out,err,rc}
PULLS=()
pull_bg() {
  ("$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" pull --tls-verify=false "$2" \
     >"$ROOT/pull-$1.out" 2>"$ROOT/pull-$1.err"; echo $? >"$ROOT/pull-$1.rc") &
  PULLS+=($!)
}

# wait_pulls: only for the pulls (the registry runs in the background too)
wait_pulls() {
  wait "${PULLS[@]}"
  PULLS=()
}

concurrent_pulls_both_succeed_and_store_once() {
  pull_bg 1 "$REG_plain/big:latest"
  pull_bg 2 "$REG_plain/big:latest"
  wait_pulls
  local n
  for n in 1 2; do
    [ "$(cat "$ROOT/pull-$n.rc")" = 0 ] || fail "pull $n failed: $(cat "$ROOT/pull-$n.err")"
  done
  [ "$(cat "$ROOT/pull-1.out")" = "$(cat "$ROOT/pull-2.out")" ] || fail "the two pulls printed different ids"
  [ "$(store_blobs)" -eq 4 ] || fail "expected 4 blobs (manifest, config, 2 layers), found $(store_blobs)"
  [ "$(find "$ROOT/storage/images/layers" -mindepth 1 -maxdepth 1 | wc -l)" -eq 2 ] ||
    fail "expected 2 unpacked layers: $(ls "$ROOT/storage/images/layers")"
  [ "$(store_tmp)" -eq 0 ] || fail "temporary files left: $(ls -a "$ROOT/storage/images/tmp")"
  # one of them downloaded, the other found everything in place
  cat "$ROOT/pull-1.err" "$ROOT/pull-2.err" | grep -q 'skipped: already exists' ||
    fail "neither pull skipped a blob"
  run_ck image exists "$REG_plain/big:latest"
  expect_rc 0
}

concurrent_pulls_under_two_names() {
  skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$REG_plain/big:latest" \
    "docker://$REG_plain/big:other" >/dev/null 2>&1 || { fail "skopeo copy failed"; return; }
  pull_bg 1 "$REG_plain/big:latest"
  pull_bg 2 "$REG_plain/big:other"
  wait_pulls
  local n
  for n in 1 2; do
    [ "$(cat "$ROOT/pull-$n.rc")" = 0 ] || fail "pull $n failed: $(cat "$ROOT/pull-$n.err")"
  done
  [ "$(store_blobs)" -eq 4 ] || fail "expected 4 blobs, found $(store_blobs)"
  run_ck image exists "$REG_plain/big:latest"
  expect_rc 0
  run_ck image exists "$REG_plain/big:other"
  expect_rc 0
}

run_tests concurrent_pulls_both_succeed_and_store_once concurrent_pulls_under_two_names
