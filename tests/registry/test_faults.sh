#!/usr/bin/env bash
# A registry that misbehaves (fakereg.py on 127.0.0.1): wrong bytes, a
# dropped connection, sizes that lie, token auth, redirects, server errors.
# A failed pull leaves no image and no temporary file behind.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../cli/lib.sh"
source "$HERE/fixture.sh"

for m in good baddigest drop sizelie bearer redirect err500; do
  start_fake "$m" "$m" || exit 1
done

faults_digest_mismatch_is_thrown_away() {
  run_ck pull --tls-verify=false "$FAKE_baddigest/test/img:latest"
  expect_rc 125
  expect_err "$FAKE_baddigest/test/img"
  expect_err "content has digest"
  [ "$(store_blobs)" -eq 0 ] || fail "a blob was kept: $(find "$ROOT/storage/images/blobs" -type f)"
  [ "$(store_tmp)" -eq 0 ] || fail "temporary files left"
  run_ck image exists "$FAKE_baddigest/test/img:latest"
  expect_rc 1
}

faults_dropped_connection_resumes() {
  run_ck pull --tls-verify=false "$FAKE_drop/test/img:latest"
  expect_rc 0
  grep -q 'bytes=' "$FIX/fake-drop.log" || fail "no Range request after the drop: $(cat "$FIX/fake-drop.log")"
  [ "$(store_tmp)" -eq 0 ] || fail "temporary files left"
  run_ck image exists "$FAKE_drop/test/img:latest"
  expect_rc 0
}

faults_lying_sizes_are_refused() {
  run_ck pull --tls-verify=false "$FAKE_sizelie/test/img:latest"
  expect_rc 125
  expect_err "the manifest says"
  [ "$(store_blobs)" -eq 0 ] || fail "a blob was kept"
  [ "$(store_tmp)" -eq 0 ] || fail "temporary files left"
}

faults_token_auth() {
  run_ck pull --tls-verify=false "$FAKE_bearer/test/img:latest"
  expect_rc 125
  expect_err "requires credentials"
  run_ck pull -q --tls-verify=false --creds tester:s3cret "$FAKE_bearer/test/img:latest"
  expect_rc 0
  run_ck login -u tester -p nope --tls-verify=false --authfile "$ROOT/auth.json" "$FAKE_bearer"
  expect_rc 125
  expect_err "refused the credentials"
  run_ck login -u tester -p s3cret --tls-verify=false --authfile "$ROOT/auth.json" "$FAKE_bearer"
  expect_rc 0
}

faults_redirected_blobs_are_followed() {
  run_ck pull -q --tls-verify=false "$FAKE_redirect/test/img:latest"
  expect_rc 0
  grep -q 'GET /storage/' "$FIX/fake-redirect.log" || fail "the redirect was not followed"
}

faults_server_error_is_reported() {
  run_ck pull --tls-verify=false "$FAKE_err500/test/img:latest"
  expect_rc 125
  expect_err "HTTP 500"
  expect_err "the storage backend is on fire"
}

faults_plain_output_without_terminal() {
  run_ck pull --tls-verify=false "$FAKE_good/test/img:latest"
  expect_rc 0
  expect_err "Copying blob sha256:"
  [ "$(grep -c '^Copying blob sha256:[0-9a-f]\{64\} done$' <<<"$err")" -eq 2 ] || fail "progress lines: $err"
}

run_tests faults_digest_mismatch_is_thrown_away faults_dropped_connection_resumes faults_lying_sizes_are_refused \
  faults_token_auth faults_redirected_blobs_are_followed faults_server_error_is_reported \
  faults_plain_output_without_terminal
