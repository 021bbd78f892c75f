#!/usr/bin/env bash
# ck pull against a real docker-registry on 127.0.0.1 (plain HTTP).
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../cli/lib.sh"
source "$HERE/fixture.sh"

start_registry plain plain || exit 1
make_busybox "$FIX/bb" || exit 1
populate "$REG_plain" busybox:latest "$FIX/bb" || exit 1
BB_ID=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]+"/index.json")); m=json.load(open(sys.argv[1]+"/blobs/sha256/"+d["manifests"][0]["digest"][7:])); print(m["config"]["digest"][7:])' "$FIX/bb")
BB_DIGEST=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REG_plain/busybox:latest")

pull_stores_image_and_prints_id() {
  run_ck pull --tls-verify=false "$REG_plain/busybox:latest"
  expect_rc 0
  [ "$out" = "$BB_ID" ] || fail "printed '$out', expected the image id $BB_ID"
  expect_err "Copying blob sha256:"
  expect_err " done"
  expect_err "Writing manifest to image destination"
  [ "$(store_blobs)" -eq 3 ] || fail "expected 3 blobs (manifest, config, layer), found $(store_blobs)"
  [ "$(store_tmp)" -eq 0 ] || fail "temporary files left: $(ls "$ROOT/storage/images/tmp")"
  run_ck image exists "$REG_plain/busybox:latest"
  expect_rc 0
}

repull_skips_every_blob() {
  run_ck pull --tls-verify=false "$REG_plain/busybox:latest"
  expect_rc 0
  run_ck pull --tls-verify=false "$REG_plain/busybox"
  expect_rc 0
  [ "$out" = "$BB_ID" ] || fail "second pull printed '$out'"
  [ "$(grep -c 'skipped: already exists' <<<"$err")" -eq 2 ] || fail "expected 2 skipped blobs: $err"
  ! grep -q ' done$' <<<"$err" || fail "a blob was copied again: $err"
}

pull_by_digest_names_no_tag() {
  run_ck pull --tls-verify=false "$REG_plain/busybox@$BB_DIGEST"
  expect_rc 0
  [ "$out" = "$BB_ID" ] || fail "printed '$out'"
  run_ck image exists "$REG_plain/busybox@$BB_DIGEST"
  expect_rc 0
  run_ck image exists "$REG_plain/busybox:latest"
  expect_rc 1
}

pull_quiet_prints_only_the_id() {
  run_ck pull -q --tls-verify=false "$REG_plain/busybox:latest"
  expect_rc 0
  [ "$out" = "$BB_ID" ] || fail "printed '$out'"
  [ -z "$err" ] || fail "-q printed progress: $err"
}

pull_missing_tag_names_registry_and_repo() {
  run_ck pull --tls-verify=false "$REG_plain/busybox:nope"
  expect_rc 125
  expect_err "$REG_plain/busybox"
  expect_err "MANIFEST_UNKNOWN"
  [ "$(store_blobs)" -eq 0 ] || fail "blobs stored for a missing image"
  run_ck pull --tls-verify=false "$REG_plain/nothere/at/all"
  expect_rc 125
  expect_err "HTTP 404"
}

pull_plain_http_registry_needs_tls_off() {
  run_ck pull "$REG_plain/busybox:latest"
  expect_rc 125
  expect_err "https://$REG_plain/v2/"
  expect_err "plain HTTP"
}

pull_insecure_registry_from_configuration() {
  CK_INSECURE_REGISTRIES="$REG_plain" run_ck pull -q "$REG_plain/busybox:latest"
  expect_rc 0
  [ "$out" = "$BB_ID" ] || fail "printed '$out'"
}

pull_short_name_through_search_registries() {
  CK_SEARCH_REGISTRIES="$REG_plain" CK_INSECURE_REGISTRIES="$REG_plain" run_ck pull -q busybox
  expect_rc 0
  [ "$out" = "$BB_ID" ] || fail "printed '$out'"
  run_ck image exists "$REG_plain/busybox:latest"
  expect_rc 0
  # a name that no search registry has: every registry tried is named
  CK_SEARCH_REGISTRIES="$REG_plain,127.0.0.1:1" CK_INSECURE_REGISTRIES="$REG_plain,127.0.0.1:1" \
    run_ck pull -q nosuchimage
  expect_rc 125
  expect_err "$REG_plain/nosuchimage"
  expect_err "127.0.0.1:1/nosuchimage"
}

pull_localhost_name_is_not_pulled() {
  run_ck pull localhost/busybox
  expect_rc 125
  expect_err "local image"
}

pull_bad_reference_is_refused() {
  run_ck pull --tls-verify=false "$REG_plain/BusyBox"
  expect_rc 125
  expect_err "invalid reference"
  run_ck pull --tls-verify=maybe "$REG_plain/busybox"
  expect_rc 125
  expect_err "true or false"
}

run_tests pull_stores_image_and_prints_id repull_skips_every_blob pull_by_digest_names_no_tag \
  pull_quiet_prints_only_the_id pull_missing_tag_names_registry_and_repo pull_plain_http_registry_needs_tls_off \
  pull_insecure_registry_from_configuration pull_short_name_through_search_registries \
  pull_localhost_name_is_not_pulled pull_bad_reference_is_refused
