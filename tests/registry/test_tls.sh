#!/usr/bin/env bash
# TLS: a registry whose certificate comes from a test CA is refused until the
# CA is trusted (--cert-dir) or verification is turned off.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../cli/lib.sh"
source "$HERE/fixture.sh"

start_registry tls tls || exit 1
make_busybox "$FIX/bb" || exit 1
populate "$REG_tls" busybox:latest "$FIX/bb" || exit 1
CERTS="$FIX/certs/$REG_tls"

tls_untrusted_certificate_is_refused_with_its_reason() {
  run_ck pull "$REG_tls/busybox:latest"
  expect_rc 125
  expect_err "$REG_tls/busybox"
  expect_err "certificate"
  expect_err "--cert-dir"
  [ "$(store_blobs)" -eq 0 ] || fail "blobs stored after a refused connection"
}

tls_cert_dir_trusts_the_ca() {
  run_ck pull -q --cert-dir "$CERTS" "$REG_tls/busybox:latest"
  expect_rc 0
  [ ${#out} -eq 64 ] || fail "printed '$out'"
}

tls_verify_false_skips_verification() {
  run_ck pull -q --tls-verify=false "$REG_tls/busybox:latest"
  expect_rc 0
}

tls_verify_true_is_the_default() {
  run_ck pull -q --tls-verify "$REG_tls/busybox:latest"
  expect_rc 125
  expect_err "certificate"
  run_ck pull -q --tls-verify=true "$REG_tls/busybox:latest"
  expect_rc 125
}

tls_wrong_ca_is_refused() {
  mkdir -p "$ROOT/other"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ROOT/other/k" -out "$ROOT/other/ca.crt" -days 1 \
    -subj "/CN=other" >/dev/null 2>&1
  run_ck pull -q --cert-dir "$ROOT/other" "$REG_tls/busybox:latest"
  expect_rc 125
  expect_err "certificate"
}

tls_push_with_cert_dir() {
  run_ck pull -q --cert-dir "$CERTS" "$REG_tls/busybox:latest"
  run_ck push -q --cert-dir "$CERTS" "$REG_tls/busybox:latest" "$REG_tls/pushed:v1"
  expect_rc 0
  skopeo inspect --cert-dir "$CERTS" --format '{{.Digest}}' "docker://$REG_tls/pushed:v1" >/dev/null 2>&1 ||
    fail "skopeo cannot see the pushed image"
}

run_tests tls_untrusted_certificate_is_refused_with_its_reason tls_cert_dir_trusts_the_ca \
  tls_verify_false_skips_verification tls_verify_true_is_the_default tls_wrong_ca_is_refused tls_push_with_cert_dir
