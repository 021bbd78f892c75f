#!/usr/bin/env bash
# A rootless store shifts file ownership into the user's subordinate id
# range: driven through the real CLI as the unprivileged user
# CK_TEST_ROOTLESS_USER (subuid/subgid 100000:65536, scripts/test.sh), with
# the owners checked from root.  Usage: test_shift.sh TEST... (one ctest per
# test; exit 77 when it cannot run here).
set -u
CK_BIN=${CK_BIN:?set CK_BIN to the ck binary}
FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
U=${CK_TEST_ROOTLESS_USER:-}
IMG=localhost/shift:1

skip() { echo "SKIP: $*" >&2; exit 77; }
[ -n "$U" ] || skip "set CK_TEST_ROOTLESS_USER to a user with ranges in /etc/subuid and /etc/subgid"
[ "$(id -u)" -eq 0 ] || skip "switching to $U needs root"
id "$U" >/dev/null 2>&1 || skip "no user $U"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is missing"
UID_U=$(id -u "$U") GID_U=$(id -g "$U")
SUB=$(awk -F: -v u="$U" -v n="$UID_U" '$1 == u || $1 == n { print $2; exit }' /etc/subuid)
SUBG=$(awk -F: -v u="$U" -v n="$UID_U" '$1 == u || $1 == n { print $2; exit }' /etc/subgid)
[ -n "$SUB" ] && [ -n "$SUBG" ] || skip "$U has no range in /etc/subuid or /etc/subgid"
setpriv --reuid "$UID_U" --regid "$GID_U" --clear-groups -- test -x "$CK_BIN" ||
  skip "$U cannot run $CK_BIN (is the build tree readable?)"

failed=0
fail() { echo "  FAIL: $*" >&2; failed=1; }

ROOT=$(mktemp -d /tmp/ck-shift-XXXXXX) || exit 1
chmod 755 "$ROOT"
S=$ROOT/s
mkdir "$ROOT/xdg" "$ROOT/in" "$S" "$ROOT/r"
chown "$U:" "$ROOT/xdg" "$ROOT/in" "$S" "$ROOT/r"
chmod 700 "$S" "$ROOT/r"
cleanup() {
  [ -d "$S" ] && as_user system reset -f >/dev/null 2>&1
  rm -rf "$ROOT"
}
trap cleanup EXIT

# as_user ARGS...: ck as the rootless user on this test's store; sets $out,
# $err and $rc.
as_user() {
  local o=$ROOT/.out e=$ROOT/.err
  setpriv --reuid "$UID_U" --regid "$GID_U" --clear-groups -- env HOME="$ROOT/in" XDG_RUNTIME_DIR="$ROOT/xdg" \
    "$CK_BIN" --root "$S" --runroot "$ROOT/r" "$@" >"$o" 2>"$e" </dev/null
  rc=$?
  out=$(cat "$o") err=$(cat "$e")
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "expected exit $1, got $rc (stderr: $err)"; }
expect_err() { grep -qF -- "$1" <<<"$err" || fail "stderr lacks '$1': $err"; }

# owner PATH: "uid:gid" from root.
owner() { stat -c %u:%g "$1" 2>/dev/null || echo missing; }

# The layer directory that holds PATH (relative to the layer root).
layer_with() {
  local d
  for d in "$S"/images/layers/*/; do
    [ -e "$d$1" ] || [ -L "$d$1" ] && { echo "${d%/}"; return; }
  done
  echo "$S/images/layers/none"
}

# Files of the store owned by subordinate ids (none may be left).
shifted_files() { find "$S" \( -uid +$((SUB - 1)) -o -gid +$((SUBG - 1)) \) -print 2>/dev/null | head -5; }
expect_no_shifted_files() {
  local left
  left=$(shifted_files)
  [ -z "$left" ] || fail "files of subordinate ids left in the store: $left"
}
expect_empty() {
  local n
  n=$(find "$1" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  [ "$n" -eq 0 ] || fail "$1 is not empty: $(ls -A "$1" | head -5 | tr '\n' ' ')"
}

# make_image OUT NAME [extra layer-dir setup function]: busybox plus a layer
# whose files are owned by 0:0, 33:33 and 1000:1000 (and set-id bits, a
# symlink and a hardlink).
make_image() {
  local out=$1 name=$2 lay=$ROOT/lay-$RANDOM
  mkdir -p "$lay/srv/www" "$lay/srv/home/deep"
  echo root >"$lay/srv/rootfile"
  echo web >"$lay/srv/www/index.html"
  echo x >"$lay/srv/home/deep/f"
  cp /bin/true "$lay/srv/www/suid"
  ln "$lay/srv/www/index.html" "$lay/srv/www/hard"
  ln -s index.html "$lay/srv/www/link"
  chown -R 33:33 "$lay/srv/www"
  chown -h 33:33 "$lay/srv/www/link"
  chmod 4755 "$lay/srv/www/suid"
  chown -R 1000:1000 "$lay/srv/home"
  chmod 0750 "$lay/srv/home"
  [ $# -ge 3 ] && "$3" "$lay"
  python3 "$FIXTURES/mkimage.py" "$out" --format oci-archive --busybox --layer-dir "$lay" --name "$name" \
    >/dev/null || { echo "cannot build the test image" >&2; exit 1; }
  rm -rf "$lay"
  chmod 644 "$out"
}

load() {
  [ -f "$ROOT/img.tar" ] || make_image "$ROOT/img.tar" "$IMG"
  as_user load -q -i "$ROOT/img.tar"; expect_rc 0
}

need_runtime() {
  command -v crun >/dev/null || skip "crun is not installed"
}

# ---- the tests ----

layer_shift_load_owns_files_in_the_subuid_range() {
  load
  local L
  L=$(layer_with srv/www)
  [ "$(owner "$L/srv/rootfile")" = "$UID_U:$GID_U" ] || fail "0:0 is $(owner "$L/srv/rootfile"), not the user's"
  [ "$(owner "$L/srv")" = "$UID_U:$GID_U" ] || fail "/srv is $(owner "$L/srv")"
  [ "$(owner "$L/srv/www")" = "$((SUB + 32)):$((SUBG + 32))" ] || fail "33:33 is $(owner "$L/srv/www")"
  [ "$(owner "$L/srv/www/index.html")" = "$((SUB + 32)):$((SUBG + 32))" ] || fail "index.html $(owner "$L/srv/www/index.html")"
  [ "$(stat -c %u "$L/srv/www/link")" = "$((SUB + 32))" ] || fail "symlink owner $(stat -c %u "$L/srv/www/link")"
  [ "$(owner "$L/srv/home")" = "$((SUB + 999)):$((SUBG + 999))" ] || fail "1000:1000 is $(owner "$L/srv/home")"
  [ "$(owner "$L/srv/home/deep/f")" = "$((SUB + 999)):$((SUBG + 999))" ] || fail "deep file $(owner "$L/srv/home/deep/f")"
  # Modes as in the archive; set-id bits stripped in a rootless store.
  [ "$(stat -c %a "$L/srv/home")" = 750 ] || fail "mode of home is $(stat -c %a "$L/srv/home")"
  [ "$(stat -c %a "$L/srv/www/suid")" = 755 ] || fail "set-uid bit kept: $(stat -c %a "$L/srv/www/suid")"
  [ "$(stat -c %h "$L/srv/www/hard")" = 2 ] || fail "hardlink lost"
  # The owners are real: nothing recorded in the override xattr.
  python3 -c 'import os,sys; sys.exit(1 if "user.containers.override_stat" in os.listxattr(sys.argv[1]) else 0)' \
    "$L/srv/www/index.html" || fail "override_stat written on a shifted file"
  grep -q "^uid 1 $SUB " "$S/images/idmap" 2>/dev/null ||
    fail "images/idmap does not record the mapping: $(cat "$S/images/idmap" 2>&1)"
  expect_empty "$S/images/tmp"
}

layer_shift_rootless_container_sees_the_image_owners() {
  need_runtime
  load
  as_user run --rm "$IMG" ls -lnd /srv/rootfile /srv/www /srv/www/index.html /srv/home; expect_rc 0
  grep -Eq '^d.* 33 +33 .*/srv/www$' <<<"$out" || fail "/srv/www not 33:33 inside: $out"
  grep -Eq ' 33 +33 .*/srv/www/index.html$' <<<"$out" || fail "index.html not 33:33 inside: $out"
  grep -Eq '^d.* 1000 +1000 .*/srv/home$' <<<"$out" || fail "/srv/home not 1000:1000 inside: $out"
  grep -Eq ' 0 +0 .*/srv/rootfile$' <<<"$out" || fail "/srv/rootfile not 0:0 inside: $out"
  # What a container makes as uid 33 lands in the range too, and goes with it.
  as_user run --name c1 "$IMG" sh -c 'mkdir -p /srv/www/made/sub && echo m >/srv/www/made/sub/f &&
    chown -R 33:33 /srv/www/made && chmod 500 /srv/www/made'; expect_rc 0
  local made
  made=$(find "$S/rootfs" -path '*/merged/srv/www/made' 2>/dev/null | head -1)
  [ -n "$made" ] && [ "$(owner "$made")" = "$((SUB + 32)):$((SUBG + 32))" ] ||
    fail "file made by uid 33 in the container is $(owner "${made:-none}") on disk"
  as_user rm c1; expect_rc 0
  expect_empty "$S/rootfs"
}

layer_shift_rmi_and_prune_remove_the_shifted_files() {
  need_runtime
  load
  make_image "$ROOT/img2.tar" localhost/shift:2 add_second
  as_user load -q -i "$ROOT/img2.tar"; expect_rc 0
  as_user run --rm "$IMG" true; expect_rc 0
  as_user rmi "$IMG"; expect_rc 0
  # The second image still holds the busybox layer and its own.
  [ "$(find "$S/images/layers" -mindepth 1 -maxdepth 1 | wc -l)" -eq 2 ] || fail "layers left: $(ls "$S/images/layers")"
  as_user untag localhost/shift:2; expect_rc 0
  as_user image prune -a -f; expect_rc 0
  expect_empty "$S/images/layers"
  expect_empty "$S/images/tmp"
  expect_empty "$S/rootfs"
  expect_no_shifted_files
}
add_second() { mkdir -p "$1/srv/second"; echo 2 >"$1/srv/second/f"; chown -R 33:33 "$1/srv/second"; }

layer_shift_system_reset_removes_the_shifted_files() {
  need_runtime
  load
  # A container left behind with files it made as uid 33, read-only.
  as_user run --name left "$IMG" sh -c 'mkdir -p /srv/www/made/sub && chown -R 33:33 /srv/www/made &&
    chmod 500 /srv/www/made/sub /srv/www/made'; expect_rc 0
  [ -n "$(shifted_files)" ] || fail "the test store has no shifted files to begin with"
  as_user system reset -f; expect_rc 0
  expect_no_shifted_files
  local left
  left=$(find "$S" -mindepth 1 ! -path "$S/state" ! -path "$S/state/store.lock" | head -5)
  [ -z "$left" ] || fail "reset left: $left"
  # And the store works again.
  load
}

# A load killed while the helper extracts leaves a layer directory of
# subordinate ids in images/tmp, which `system check --repair` removes.
layer_shift_kill_mid_extract_leaves_what_repair_removes() {
  many_files() {
    mkdir -p "$1/many"
    python3 - "$1/many" <<'EOF'
import os, sys
d = sys.argv[1]
for i in range(10000):
    p = os.path.join(d, "f%05d" % i)
    with open(p, "w") as f:
        f.write("x")
    os.chown(p, 33, 33)
os.chown(d, 33, 33)
EOF
  }
  make_image "$ROOT/big.tar" localhost/big:1 many_files
  # The load and its helpers are stopped (SIGSTOP) the moment the layer's
  # directory shows up, so the kill lands mid-extraction whatever the speed
  # of the machine; should the extraction still have won the race, the
  # load is tried again on an emptied store.
  local ck attempt n found="" d procs p
  for attempt in 1 2 3; do
    setpriv --reuid "$UID_U" --regid "$GID_U" --clear-groups -- env HOME="$ROOT/in" XDG_RUNTIME_DIR="$ROOT/xdg" \
      "$CK_BIN" --root "$S" --runroot "$ROOT/r" load -q -i "$ROOT/big.tar" >/dev/null 2>&1 </dev/null &
    ck=$! n=$((SECONDS + 60)) found=""
    while [ $SECONDS -lt $n ] && [ -z "$found" ]; do
      for d in "$S"/images/tmp/layer-*/many; do
        [ -d "$d" ] && found=$d
      done
      kill -0 $ck 2>/dev/null || break
    done
    procs="$ck $(pgrep -P $ck | tr '\n' ' ')"
    kill -STOP $procs 2>/dev/null
    procs="$ck $(pgrep -P $ck | tr '\n' ' ')" # a helper spawned meanwhile is stopped too
    kill -STOP $procs 2>/dev/null
    [ -n "$found" ] || { kill -KILL $procs 2>/dev/null; wait $ck; fail "never saw the extraction in progress"; return; }
    [ -d "$found" ] && [ "$(find "$found" -mindepth 1 -maxdepth 1 | wc -l)" -lt 10000 ] && break
    echo "  the extraction finished before it could be stopped; again ($attempt)" >&2
    kill -KILL $procs 2>/dev/null
    wait $ck 2>/dev/null
    as_user system reset -f
    found=""
  done
  [ -n "$found" ] || { fail "the extraction always finished before it could be stopped"; return; }
  local helpers
  helpers=$(pgrep -P $ck | tr '\n' ' ')
  kill -KILL $ck
  kill -CONT $helpers 2>/dev/null # a stopped helper would not act on its parent's death
  wait $ck 2>/dev/null
  # Gone, or a zombie that nobody has reaped yet, within a few seconds.
  for p in $helpers; do
    n=0
    while [ $n -lt 500 ]; do
      case $(ps -o stat= -p "$p" 2>/dev/null) in
      "" | Z*) break ;;
      esac
      sleep 0.01
      n=$((n + 1))
    done
    case $(ps -o stat= -p "$p" 2>/dev/null) in
    "" | Z*) ;;
    *) fail "helper $p outlived the process that started it"; kill -KILL "$p" ;;
    esac
  done
  # A directory of uid 33, which only the user namespace can empty.
  [ "$(owner "$found")" = "$((SUB + 32)):$((SUBG + 32))" ] || fail "the leftover is $(owner "$found")"
  [ -n "$(find "$found" -mindepth 1 -uid $((SUB + 32)) | head -1)" ] || fail "nothing shifted was left to repair"
  # Leftovers count as dead only once old enough; age them rather than wait.
  find "$S/images/tmp" "$S/images/blobs" -mindepth 1 -maxdepth 2 -exec touch -h -d '-30 min' {} +
  as_user system check --repair; expect_rc 0
  expect_empty "$S/images/tmp"
  expect_no_shifted_files
  # Nothing half-made was published as a layer.
  local L
  for L in "$S"/images/layers/*/; do
    [ -e "$L/many" ] && fail "a layer with the killed extraction's files exists: $L"
  done
  load
}

layer_shift_owner_outside_the_mapping_is_refused() {
  far() { echo far >"$1/srv/far"; chown 70000:70000 "$1/srv/far"; }
  make_image "$ROOT/far.tar" localhost/far:1 far
  as_user load -q -i "$ROOT/far.tar"
  [ "$rc" -ne 0 ] || fail "a layer with owner 70000 was loaded"
  expect_err 'entry "srv/far"'
  expect_err "owner 70000:70000 is outside the user namespace"
  expect_empty "$S/images/tmp"
  [ "$(find "$S/images/layers" -path '*/srv/far' | wc -l)" -eq 0 ] || fail "the refused layer was stored"
  expect_no_shifted_files
}

layer_shift_other_mapping_is_refused_until_reset() {
  load
  # As if the store had been made with other ranges.
  sed -i "s/^uid 1 $SUB /uid 1 $((SUB + 100000)) /; s/^gid 1 $SUBG /gid 1 $((SUBG + 100000)) /" "$S/images/idmap"
  make_image "$ROOT/img3.tar" localhost/shift:3 add_second
  as_user load -q -i "$ROOT/img3.tar"
  [ "$rc" -ne 0 ] || fail "a store of another mapping took a new layer"
  expect_err "ck system reset"
  expect_err "/etc/subuid"
  as_user system check
  grep -qF "ck system reset" <<<"$out" || fail "system check does not report the mapping: $out"
  as_user system reset -f; expect_rc 0
  expect_no_shifted_files
  [ ! -e "$S/images/idmap" ] || fail "the reset kept images/idmap"
  load
}

# A store recorded as unshifted (made without subordinate ids, or before
# shifting existed) stays so: the user's files, owners in override_stat.
layer_shift_unshifted_store_keeps_owners_in_the_xattr() {
  mkdir -p "$S/images"
  echo none >"$S/images/idmap"
  chown -R "$U:" "$S/images"
  chmod 700 "$S/images"
  load
  local L
  L=$(layer_with srv/www)
  [ "$(owner "$L/srv/www/index.html")" = "$UID_U:$GID_U" ] || fail "index.html is $(owner "$L/srv/www/index.html")"
  local v
  v=$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.containers.override_stat").decode())' \
    "$L/srv/www/index.html" 2>&1)
  [ "$v" = "33:33:0644" ] || fail "override_stat is '$v'"
  as_user rmi "$IMG"; expect_rc 0
  expect_empty "$S/images/layers"
}

[ $# -gt 0 ] || { echo "usage: $0 TEST..." >&2; exit 2; }
for t in "$@"; do
  echo "RUN  $t" >&2
  "$t"
done
[ $failed -eq 0 ] && echo "PASS" || echo "FAIL"
exit $failed
