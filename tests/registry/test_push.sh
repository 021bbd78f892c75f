#!/usr/bin/env bash
# ck push to a real docker-registry, then back again: the image keeps its
# digest and id, and skopeo sees what ck pushed.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../cli/lib.sh"
source "$HERE/fixture.sh"

start_registry src plain || exit 1
start_registry dst plain || exit 1
make_busybox "$FIX/bb" --env PUSHED=1 || exit 1
populate "$REG_src" busybox:latest "$FIX/bb" || exit 1

push_then_pull_back_into_fresh_root() {
  run_ck pull -q --tls-verify=false "$REG_src/busybox:latest"
  expect_rc 0
  local id=$out
  run_ck push --tls-verify=false --digestfile "$ROOT/digest" "$REG_src/busybox:latest" "$REG_dst/copy/busybox:v1"
  expect_rc 0
  expect_err "Copying blob sha256:"
  expect_err "Writing manifest to image destination"
  local digest
  digest=$(cat "$ROOT/digest" 2>/dev/null)
  [[ $digest == sha256:* ]] || fail "--digestfile holds '$digest'"
  local seen
  seen=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REG_dst/copy/busybox:v1" 2>&1)
  [ "$seen" = "$digest" ] || fail "skopeo sees digest '$seen', ck pushed '$digest'"
  skopeo inspect --tls-verify=false --config "docker://$REG_dst/copy/busybox:v1" 2>/dev/null |
    grep -q 'PUSHED=1' || fail "skopeo does not see the pushed config"
  # a fresh store pulls the same image back
  local first=$ROOT
  ROOT=$(mktemp -d "$TMPBASE/ck-cli-XXXXXX")
  run_ck pull -q --tls-verify=false "$REG_dst/copy/busybox:v1"
  expect_rc 0
  [ "$out" = "$id" ] || fail "pulled back id '$out', pushed $id"
  rm -rf "$ROOT"
  ROOT=$first
}

push_again_skips_blobs() {
  run_ck pull -q --tls-verify=false "$REG_src/busybox:latest"
  run_ck push --tls-verify=false "$REG_src/busybox:latest" "$REG_dst/again:v1"
  expect_rc 0
  run_ck push --tls-verify=false "$REG_src/busybox:latest" "$REG_dst/again:v2"
  expect_rc 0
  [ "$(grep -c 'skipped: already exists' <<<"$err")" -eq 2 ] || fail "expected 2 skipped blobs: $err"
}

push_without_destination_uses_the_image_name() {
  run_ck pull -q --tls-verify=false "$REG_src/busybox:latest"
  run_ck push --tls-verify=false "$REG_src/busybox:latest"
  expect_rc 0
  expect_err "skipped: already exists"
}

push_by_id_to_docker_transport() {
  run_ck pull -q --tls-verify=false "$REG_src/busybox:latest"
  run_ck push -q --tls-verify=false "${out:0:12}" "docker://$REG_dst/byid"
  expect_rc 0
  [ -z "$err" ] || fail "-q printed: $err"
  skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REG_dst/byid:latest" >/dev/null 2>&1 ||
    fail "byid:latest is not in the registry"
}

push_unknown_image_fails() {
  run_ck push --tls-verify=false "$REG_src/nothere:latest" "$REG_dst/x"
  expect_rc 125
  expect_err "nothere"
}

push_to_unreachable_registry_names_it() {
  run_ck pull -q --tls-verify=false "$REG_src/busybox:latest"
  run_ck push --tls-verify=false "$REG_src/busybox:latest" "127.0.0.1:1/x:y"
  expect_rc 125
  expect_err "127.0.0.1:1/x"
}

push_to_another_transport_is_refused() {
  run_ck pull -q --tls-verify=false "$REG_src/busybox:latest"
  run_ck push "$REG_src/busybox:latest" "oci-archive:$ROOT/x.tar"
  expect_rc 125
  expect_err "only registries"
  [ ! -e "$ROOT/x.tar" ] || fail "an archive was written"
}

# digest_of REF: the manifest digest the registry holds for REF, or nothing.
digest_of() {
  skopeo inspect --no-tags --tls-verify=false --format '{{.Digest}}' "docker://$1" 2>/dev/null
}

push_a_second_tag_writes_that_tag() {
  run_ck pull -q --tls-verify=false "$REG_src/busybox:latest"
  run_ck tag "$REG_src/busybox:latest" "$REG_dst/tags/bb:v1"
  expect_rc 0
  run_ck tag "$REG_src/busybox:latest" "$REG_dst/tags/bb:v2"
  expect_rc 0
  run_ck push --tls-verify=false --digestfile "$ROOT/digest" "$REG_dst/tags/bb:v2"
  expect_rc 0
  local want
  want=$(cat "$ROOT/digest")
  [ "$(digest_of "$REG_dst/tags/bb:v2")" = "$want" ] || fail "tags/bb:v2 is not in the registry"
  [ -z "$(digest_of "$REG_dst/tags/bb:v1")" ] || fail "pushing v2 also wrote v1"
  # and the first tag, pushed by itself, is written under its own name
  run_ck push --tls-verify=false "$REG_dst/tags/bb:v1"
  expect_rc 0
  [ "$(digest_of "$REG_dst/tags/bb:v1")" = "$want" ] || fail "tags/bb:v1 is not in the registry"
}

push_to_another_repository_and_registry() {
  run_ck pull -q --tls-verify=false "$REG_src/busybox:latest"
  run_ck push --tls-verify=false --digestfile "$ROOT/digest" "$REG_src/busybox:latest" "$REG_src/elsewhere/bb:x1"
  expect_rc 0
  local want
  want=$(cat "$ROOT/digest")
  [ "$(digest_of "$REG_src/elsewhere/bb:x1")" = "$want" ] || fail "another repository of the same registry"
  run_ck push --tls-verify=false "$REG_src/busybox:latest" "docker://$REG_dst/other/bb:x2"
  expect_rc 0
  [ "$(digest_of "$REG_dst/other/bb:x2")" = "$want" ] || fail "another registry"
  [ -z "$(digest_of "$REG_dst/other/bb:latest")" ] || fail "a tag that was not named was written"
}

push_by_digest_writes_the_manifest_by_digest() {
  run_ck pull -q --tls-verify=false "$REG_src/busybox:latest"
  local digest
  digest=$(digest_of "$REG_src/busybox:latest")
  [[ $digest == sha256:* ]] || { fail "no digest for the source"; return; }
  run_ck push --tls-verify=false "$REG_src/busybox:latest" "$REG_dst/bydigest/bb@$digest"
  expect_rc 0
  [ "$(digest_of "$REG_dst/bydigest/bb@$digest")" = "$digest" ] || fail "the manifest is not there by digest"
  [ -z "$(digest_of "$REG_dst/bydigest/bb:latest")" ] || fail "a by-digest push also wrote a tag"
  # the image named by its digest reference, with no destination
  run_ck push --tls-verify=false "$REG_src/busybox@$digest"
  expect_rc 0
  run_ck push --tls-verify=false "$REG_src/busybox:latest" "$REG_dst/bydigest/bb@sha256:$(printf '0%.0s' {1..64})"
  expect_rc 125
  expect_err "manifest digest is $digest"
}

run_tests push_then_pull_back_into_fresh_root push_again_skips_blobs push_without_destination_uses_the_image_name \
  push_by_id_to_docker_transport push_unknown_image_fails push_to_unreachable_registry_names_it \
  push_to_another_transport_is_refused push_a_second_tag_writes_that_tag push_to_another_repository_and_registry \
  push_by_digest_writes_the_manifest_by_digest
