#!/usr/bin/env bash
# ck system check on damaged stores, through the real CLI: every kind of
# damage of each backend is reported naming the file and the next step, and
# a check without --repair leaves the damaged files as they were.
. "$(dirname "$0")/lib.sh"

# make_store BACKEND: a store with a few volumes, so that the file has pages.
make_store() {
  run_ck --db-backend "$1" volume create keep; expect_rc 0
  for i in 1 2 3 4 5 6 7 8; do
    run_ck volume create --label "pad=$(printf '%0300d' "$i")" "pad$i"
  done
  STATE=$ROOT/storage/state
  if [ "$1" = sqlite ]; then DATA=$STATE/sqlite/state.db; else DATA=$STATE/lmdb/data.mdb; fi
  # The records are in SQLite's WAL until a checkpoint copies them into the
  # file (every 256 pages): copy them now, so that damage to the file is
  # damage to them.
  if [ "$1" = sqlite ]; then sqlite3 "$DATA" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null || fail "checkpoint"; fi
}

# Fingerprint of what a check must not change: the data file, the marker and
# the list of entries under state/ (no new store made beside the damaged one).
# SQLite's reader makes an empty WAL and its index beside a WAL-mode file:
# those are left out, but a WAL must stay empty (nothing was written).
fingerprint() {
  { sha256sum "$DATA" "$STATE/backend" 2>&1; ls -a "$STATE" "$(dirname "$DATA")" | grep -v -- '-wal$\|-shm$'
    if [ -s "$DATA-wal" ]; then echo "a WAL with $(stat -c %s "$DATA-wal") bytes"; fi; }
}

# The page of the file that holds the root of LMDB's main database (the
# directory of buckets), from the newer of the two meta pages (64-bit layout:
# the page size in the free DB's md_pad at byte 40, the main DB's md_root at
# 128, the txnid at 144 of each meta page).
lmdb_root_page() {
  /usr/bin/python3 - "$DATA" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
psize = struct.unpack_from("<I", data, 40)[0]
metas = [(struct.unpack_from("<Q", data, off + 144)[0], struct.unpack_from("<Q", data, off + 128)[0])
         for off in (0, psize)]
print(psize, max(metas)[1])
PY
}

# damage KIND: empty, garbage, truncated, page (one page in the middle
# overwritten), missing.  The SQLite WAL goes too, so it cannot mend the file.
damage() {
  rm -f "$DATA-wal" "$DATA-shm"
  case $1 in
    empty) : >"$DATA" ;;
    garbage) head -c 65536 /dev/urandom >"$DATA" ;;
    truncated) truncate -s 5000 "$DATA" ;;
    page)
      local size psize pgno; size=$(stat -c %s "$DATA")
      # SQLite: page 2 (from 1), the root of the kv table, the first made.
      if [[ $DATA == *.mdb ]]; then read -r psize pgno < <(lmdb_root_page); else psize=4096 pgno=1; fi
      [ "$pgno" -ge 1 ] && [ "$size" -ge $(( (pgno + 2) * psize )) ] ||
        fail "page $pgno is not in the middle of $size bytes"
      # 0xff bytes: no valid page type, so the damage cannot pass for a page.
      head -c "$psize" /dev/zero | tr '\0' '\377' | dd of="$DATA" bs="$psize" seek="$pgno" conv=notrunc status=none ;;
    missing) rm -f "$DATA" ;;
  esac
}

# check_damaged BACKEND KIND: the report, the next step and the files untouched.
check_damaged() {
  make_store "$1"
  damage "$2"
  local before; before=$(fingerprint)
  run_ck volume ls; expect_rc 125; expect_err "ck system"
  run_ck system check; expect_rc 1
  expect_out "integrity"; expect_out "$DATA"
  expect_out "next step: no backup of the store is kept in $STATE; start over with an empty store: 'ck system reset --force'"
  expect_no_out "returned no readable report"
  run_ck system check --format json; expect_rc 1
  /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["ok"] is False and d["remaining"] >= 1, d
for p in d["problems"]:
    assert p["kind"] == "integrity" and sys.argv[1] in p["detail"], p
    assert "ck system reset --force" in p["hint"], p
' "$DATA" <<<"$out" || fail "JSON report is wrong: $out"
  [ "$(fingerprint)" = "$before" ] || fail "a check without --repair changed the store: $(diff <(echo "$before") <(fingerprint))"
  # Nothing to repair without losing data: the same problem stays, named.
  run_ck system check --repair; expect_rc 1; expect_out "$DATA"; expect_out "next step:"
  # The next step it names works.
  run_ck system reset --force; expect_rc 0
  run_ck volume create again; expect_rc 0
  run_ck system check; expect_rc 0
}

check_sqlite_empty_file_names_file_and_reset() { check_damaged sqlite empty; }
check_sqlite_garbage_file_names_file_and_reset() { check_damaged sqlite garbage; }
check_sqlite_truncated_file_names_file_and_reset() { check_damaged sqlite truncated; }
check_sqlite_damaged_page_names_file_and_reset() { check_damaged sqlite page; }
check_sqlite_missing_file_names_file_and_reset() { check_damaged sqlite missing; }
check_lmdb_empty_file_names_file_and_reset() { check_damaged lmdb empty; }
check_lmdb_garbage_file_names_file_and_reset() { check_damaged lmdb garbage; }
check_lmdb_truncated_file_names_file_and_reset() { check_damaged lmdb truncated; }
check_lmdb_damaged_page_names_file_and_reset() { check_damaged lmdb page; }
check_lmdb_missing_file_names_file_and_reset() { check_damaged lmdb missing; }

# After a migration, the backup it left is the next step, with the commands
# that restore it; following them brings the records back.
check_damaged_store_names_the_migration_backup() {
  make_store lmdb
  run_ck system migrate --to sqlite; expect_rc 0
  local backup; backup=$(ls -d "$STATE"/lmdb.backup-*)
  run_ck volume create after-migration; expect_rc 0
  DATA=$STATE/sqlite/state.db
  damage garbage
  local before; before=$(fingerprint)
  run_ck system check; expect_rc 1; expect_out "$DATA"
  expect_out "next step: restore the backup $backup"
  expect_out "mv $STATE/sqlite $STATE/sqlite.damaged && mv $backup $STATE/lmdb && echo lmdb > $STATE/backend"
  [ "$(fingerprint)" = "$before" ] || fail "a check without --repair changed the store"
  local cmd; cmd=$(sed -n "s/.*run '\(mv [^']*\)'.*/\1/p" <<<"$out")
  [ -n "$cmd" ] || fail "no restore command in: $out"
  eval "$cmd"
  run_ck volume inspect keep; expect_rc 0
  # What was made after the migration lost its record; its directory is adopted.
  run_ck system check; expect_rc 1; expect_out "after-migration"; expect_out "next step: run 'ck system check --repair'"
  run_ck system check --repair; expect_rc 0
  run_ck volume inspect after-migration; expect_rc 0
  [ -d "$STATE/sqlite.damaged" ] || fail "the damaged store was not kept aside"
}

# A lost marker beside an LMDB store (sqlite is the default): nothing opens a
# new, empty store over it; check names it and --repair writes it again.
check_lost_marker_is_named_and_repaired() {
  make_store lmdb
  rm "$STATE/backend"
  run_ck volume ls; expect_rc 125; expect_err "lost its marker $STATE/backend"; expect_err "ck system check --repair"
  [ ! -e "$STATE/sqlite" ] || fail "a new sqlite store was made over the lmdb one"
  run_ck system check; expect_rc 1
  expect_out "$STATE/backend is missing; $STATE/lmdb holds a lmdb store"
  expect_out "next step: run 'ck system check --repair' to write \"lmdb\" into $STATE/backend"
  [ ! -e "$STATE/backend" ] || fail "a check without --repair wrote the marker"
  run_ck system check --repair; expect_rc 0; expect_out "repaired"
  run_ck volume inspect keep; expect_rc 0
}

check_garbled_marker_is_named_and_repaired() {
  make_store sqlite
  printf 'x\001y%%' >"$STATE/backend"
  local before; before=$(fingerprint)
  run_ck volume ls; expect_rc 125; expect_err "$STATE/backend"
  run_ck system check; expect_rc 1
  expect_out "$STATE/backend is empty or does not name a state backend"
  expect_out "next step: run 'ck system check --repair' to write \"sqlite\" into $STATE/backend"
  [ "$(fingerprint)" = "$before" ] || fail "a check without --repair changed the store"
  run_ck system check --repair; expect_rc 0
  run_ck volume inspect keep; expect_rc 0
}

# An empty marker, and no store anywhere: the only way on is a reset.
check_empty_marker_without_store_says_reset() {
  make_store lmdb
  : >"$STATE/backend"
  rm -rf "$STATE/lmdb"
  run_ck system check; expect_rc 1
  expect_out "$STATE/backend is empty or does not name a state backend"; expect_out "and no backend's directory"
  expect_out "next step: no backup of the store is kept in $STATE; start over with an empty store: 'ck system reset --force'"
  run_ck system check --repair; expect_rc 1
}

# A well-formed name of a backend this program does not know may belong to
# one that another program registers: never rewritten.
check_unknown_backend_marker_is_not_rewritten() {
  make_store sqlite
  echo custom >"$STATE/backend"
  run_ck system check --repair; expect_rc 1
  expect_out "open the store from the program that registers the \"custom\" backend"
  expect_out "echo sqlite > $STATE/backend"
  [ "$(cat "$STATE/backend")" = custom ] || fail "the marker was rewritten"
}

# Any one page of the file overwritten, in turn: ck fails with a message (or
# does not notice a page nothing uses), and never dies of a signal.
no_damaged_page_crashes() {
  make_store "$1"
  rm -f "$DATA-wal" "$DATA-shm"
  cp "$DATA" "$ROOT/pristine"
  local pages=$(( $(stat -c %s "$DATA") / 4096 )) pg
  for ((pg = 1; pg < pages; pg++)); do
    cp "$ROOT/pristine" "$DATA"; rm -f "$DATA-wal" "$DATA-shm"
    head -c 4096 /dev/zero | tr '\0' '\377' | dd of="$DATA" bs=4096 seek="$pg" conv=notrunc status=none
    run_ck volume ls -q
    [ "$rc" -eq 0 ] || [ "$rc" -eq 125 ] || fail "page $pg: ck volume ls exited $rc: $err"
    run_ck system check
    [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "page $pg: ck system check exited $rc: $err"
    if [ "$rc" -eq 1 ]; then expect_out "$DATA"; expect_out "next step:"; fi
  done
}

check_sqlite_no_damaged_page_crashes() { no_damaged_page_crashes sqlite; }
check_lmdb_no_damaged_page_crashes() { no_damaged_page_crashes lmdb; }

run_tests \
  check_sqlite_no_damaged_page_crashes check_lmdb_no_damaged_page_crashes \
  check_sqlite_empty_file_names_file_and_reset check_sqlite_garbage_file_names_file_and_reset \
  check_sqlite_truncated_file_names_file_and_reset check_sqlite_damaged_page_names_file_and_reset \
  check_sqlite_missing_file_names_file_and_reset \
  check_lmdb_empty_file_names_file_and_reset check_lmdb_garbage_file_names_file_and_reset \
  check_lmdb_truncated_file_names_file_and_reset check_lmdb_damaged_page_names_file_and_reset \
  check_lmdb_missing_file_names_file_and_reset \
  check_damaged_store_names_the_migration_backup check_lost_marker_is_named_and_repaired \
  check_garbled_marker_is_named_and_repaired check_empty_marker_without_store_says_reset \
  check_unknown_backend_marker_is_not_rewritten
