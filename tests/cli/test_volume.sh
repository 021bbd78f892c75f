#!/usr/bin/env bash
# The ck volume commands, driven through the real CLI on both backends.
. "$(dirname "$0")/lib.sh"

volume_create_ls_inspect_rm() {
  for b in sqlite lmdb; do
    rm -rf "$ROOT"/*
    run_ck --db-backend $b volume create --label app=web --label tier=front web; expect_rc 0; expect_out web
    run_ck --db-backend $b volume create db; expect_rc 0
    run_ck volume ls; expect_rc 0; expect_out "DRIVER"; expect_out "web"; expect_out "db"
    run_ck volume ls -q --filter label=app=web; expect_rc 0
    [ "$out" = "web" ] || fail "filtered list is '$out'"
    run_ck volume ls --filter name=d --format json; expect_rc 0; expect_out '"Name": "db"'; expect_no_out '"web"'
    run_ck volume inspect web; expect_rc 0; expect_out '"tier": "front"'; expect_out "$ROOT/storage/volumes/web/_data"
    [ -d "$ROOT/storage/volumes/web/_data" ] || fail "web has no data directory"
    run_ck volume exists web; expect_rc 0
    run_ck volume exists nothere; expect_rc 1
    run_ck volume rm web; expect_rc 0
    [ ! -e "$ROOT/storage/volumes/web" ] || fail "web's directory survived rm"
    run_ck volume ls -q; [ "$out" = "db" ] || fail "after rm: '$out'"
  done
}

volume_create_generates_a_name() {
  run_ck volume create; expect_rc 0
  [[ "$out" =~ ^[0-9a-f]{64}$ ]] || fail "generated name '$out'"
}

volume_duplicate_name_is_refused() {
  run_ck volume create data; expect_rc 0
  run_ck volume create data; expect_rc 125; expect_err '"data" already exists'
  run_ck volume ls -q; [ "$out" = "data" ] || fail "list is '$out'"
}

volume_bad_input_gets_clear_errors() {
  run_ck volume create "no/slash"; expect_rc 125; expect_err 'invalid volume name "no/slash"'
  run_ck volume create --label =x v; expect_rc 125; expect_err "label"
  run_ck volume create --driver nfs v; expect_rc 125; expect_err "nfs"
  run_ck volume ls --filter colour=blue; expect_rc 125; expect_err "colour"
  run_ck volume rm missing; expect_rc 1; expect_err 'missing'
  run_ck volume inspect missing; expect_rc 125; expect_err 'missing'
  run_ck volume create --bogus v; expect_rc 125; expect_err "unknown flag: --bogus"
  run_ck volume ls -q; [ -z "$out" ] || fail "bad input left volumes: $out"
  [ -z "$(ls -A "$ROOT/storage/volumes" 2>/dev/null)" ] || fail "bad input left directories"
}

volume_prune_removes_unused_and_honours_filters() {
  run_ck volume create --label keep=yes a; run_ck volume create b; run_ck volume create c
  run_ck volume prune -f --filter label=keep=yes; expect_rc 0; expect_out a
  run_ck volume ls -q; [ "$out" = $'b\nc' ] || fail "after filtered prune: '$out'"
  # Without -f, prune asks; end of input means no.
  run_ck volume prune </dev/null; run_ck volume ls -q; [ "$out" = $'b\nc' ] || fail "unconfirmed prune removed: '$out'"
  run_ck volume prune --force; expect_rc 0
  run_ck volume ls -q; [ -z "$out" ] || fail "after prune: '$out'"
}

run_tests volume_create_ls_inspect_rm volume_create_generates_a_name volume_duplicate_name_is_refused \
  volume_bad_input_gets_clear_errors volume_prune_removes_unused_and_honours_filters
