#!/usr/bin/env bash
# ck info, version, system migrate/check/reset and the global flags, through
# the real CLI.
. "$(dirname "$0")/lib.sh"

info_reports_paths_backend_and_cgroups() {
  run_ck info --format json; expect_rc 0
  python3 -c '
import json, sys
root = sys.argv[1]
d = json.load(sys.stdin)
assert d["store"]["graphRoot"] == root + "/storage", d["store"]
assert d["store"]["runRoot"] == root + "/run"
assert d["store"]["databaseBackend"] == "sqlite"
assert d["host"]["cgroupVersion"] in ("v1", "v2", "hybrid")
assert d["version"]["library"] == "1.1.0"
' "$ROOT" <<<"$out" || fail "info JSON is wrong: $out"
  run_ck info; expect_rc 0; expect_out "graphRoot: $ROOT/storage"
}

version_prints_library_version() {
  run_ck version; expect_rc 0; expect_out "1.1.0"
  run_ck version --format json; expect_rc 0; expect_out '1.1.0'
}

global_flags_and_errors() {
  run_ck --log-level nonsense info; expect_rc 125; expect_err "log level"
  run_ck --db-backend bolt info; expect_rc 125; expect_err 'unknown state backend "bolt"'
  run_ck frobnicate; expect_rc 125; expect_err "unrecognized command"
  run_ck --root; expect_rc 125
}

migrate_both_ways_keeps_volumes() {
  for i in 1 2 3; do run_ck volume create --label n=$i v$i; done
  echo data > "$ROOT/storage/volumes/v2/_data/f"
  run_ck system migrate --to lmdb; expect_rc 0
  run_ck info --format json; expect_out '"databaseBackend": "lmdb"'
  run_ck volume ls -q; [ "$out" = $'v1\nv2\nv3' ] || fail "after migrate: '$out'"
  run_ck --db-backend sqlite volume ls; expect_rc 125; expect_err "ck system migrate --to sqlite"
  run_ck system migrate --to lmdb; expect_rc 125; expect_err "already uses the lmdb backend"
  run_ck system migrate --to sqlite; expect_rc 0
  run_ck volume inspect v3; expect_out '"n": "3"'
  ls -d "$ROOT"/storage/state/lmdb.backup-* >/dev/null 2>&1 || fail "no lmdb backup kept"
  run_ck system check; expect_rc 0
}

check_reports_and_repairs() {
  run_ck volume create real; expect_rc 0
  mkdir -p "$ROOT/storage/volumes/stray/_data"; echo keep > "$ROOT/storage/volumes/stray/_data/x"
  run_ck system check; expect_rc 1; expect_out "stray"
  run_ck system check --format json; expect_rc 1; expect_out '"orphan-volume-dir"'
  run_ck system check --repair; expect_rc 0
  run_ck system check; expect_rc 0
  run_ck volume inspect stray; expect_rc 0
  [ "$(cat "$ROOT/storage/volumes/stray/_data/x")" = keep ] || fail "repair lost data"
}

reset_empties_the_store() {
  run_ck volume create a; run_ck volume create b
  run_ck system reset </dev/null; run_ck volume ls -q; [ -n "$out" ] || fail "reset without --force went ahead"
  run_ck system reset --force; expect_rc 0
  run_ck volume ls -q; expect_rc 0; [ -z "$out" ] || fail "after reset: '$out'"
  run_ck volume create c; expect_rc 0
}

run_tests info_reports_paths_backend_and_cgroups version_prints_library_version global_flags_and_errors \
  migrate_both_ways_keeps_volumes check_reports_and_repairs reset_empties_the_store
