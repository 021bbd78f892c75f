#!/usr/bin/env bash
# Multi-platform images: an OCI index and a Docker manifest list with two
# platforms, written into a real registry; ck pull picks this host's entry,
# or the one --platform names, and says which platforms exist otherwise.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../cli/lib.sh"
source "$HERE/fixture.sh"

case $(uname -m) in
  x86_64) HOST=amd64 OTHER=arm64 ;;
  aarch64) HOST=arm64 OTHER=amd64 ;;
  *) echo "SKIP: no test images for $(uname -m)" >&2; exit 77 ;;
esac

start_registry plain plain || exit 1
HOST_ID=$(python3 "$MKIMAGE" "$FIX/host" --format oci-dir --name latest --busybox --arch "$HOST" --env ARCH="$HOST" --print-id) || exit 1
OTHER_ID=$(python3 "$MKIMAGE" "$FIX/other" --format oci-dir --name latest --busybox --arch "$OTHER" --env ARCH="$OTHER" --print-id) || exit 1
HOST_ID=${HOST_ID#sha256:} OTHER_ID=${OTHER_ID#sha256:}

# make_index REPO FORMAT(oci|v2s2): both images as REPO:HOST and REPO:OTHER, then an index as REPO:latest
make_index() {
  local repo=$1 format=$2 list_type entry_type fmt_opt=()
  if [ "$format" = v2s2 ]; then
    fmt_opt=(--format v2s2)
    list_type=application/vnd.docker.distribution.manifest.list.v2+json
    entry_type=application/vnd.docker.distribution.manifest.v2+json
  else
    list_type=application/vnd.oci.image.index.v1+json
    entry_type=application/vnd.oci.image.manifest.v1+json
  fi
  populate "$REG_plain" "$repo:$HOST" "$FIX/host" "${fmt_opt[@]}" || return 1
  populate "$REG_plain" "$repo:$OTHER" "$FIX/other" "${fmt_opt[@]}" || return 1
  skopeo inspect --tls-verify=false --raw "docker://$REG_plain/$repo:$HOST" >"$FIX/$repo-host.json" || return 1
  skopeo inspect --tls-verify=false --raw "docker://$REG_plain/$repo:$OTHER" >"$FIX/$repo-other.json" || return 1
  python3 - "$FIX" "$repo" "$list_type" "$entry_type" "$HOST" "$OTHER" >"$FIX/$repo-index.json" <<'PY' || return 1
import hashlib, json, os, sys
fix, repo, list_type, entry_type, host, other = sys.argv[1:]
entries = []
for which, arch in (("other", other), ("host", host)):
    body = open(os.path.join(fix, "%s-%s.json" % (repo, which)), "rb").read()
    entries.append({"mediaType": entry_type, "digest": "sha256:" + hashlib.sha256(body).hexdigest(),
                    "size": len(body), "platform": {"os": "linux", "architecture": arch}})
print(json.dumps({"schemaVersion": 2, "mediaType": list_type, "manifests": entries}))
PY
  curl -sf -X PUT -H "Content-Type: $list_type" --data-binary "@$FIX/$repo-index.json" \
    "http://$REG_plain/v2/$repo/manifests/latest" >/dev/null || { echo "PUT of the index failed" >&2; return 1; }
}
make_index multi oci || exit 1
make_index dlist v2s2 || exit 1
INDEX_DIGEST=sha256:$(sha256sum <"$FIX/multi-index.json" | cut -d' ' -f1)

index_selects_this_host() {
  run_ck pull -q --tls-verify=false "$REG_plain/multi:latest"
  expect_rc 0
  [ "$out" = "$HOST_ID" ] || fail "pulled $out, expected the $HOST image $HOST_ID"
  [ "$(store_blobs)" -eq 3 ] || fail "expected only the $HOST image's 3 blobs, found $(store_blobs)"
}

index_platform_flag_selects_the_other() {
  run_ck pull -q --tls-verify=false --platform "linux/$OTHER" "$REG_plain/multi:latest"
  expect_rc 0
  [ "$out" = "$OTHER_ID" ] || fail "pulled $out, expected the $OTHER image $OTHER_ID"
  run_ck pull -q --tls-verify=false --arch "$HOST" "$REG_plain/multi:latest"
  expect_rc 0
  [ "$out" = "$HOST_ID" ] || fail "--arch $HOST pulled $out"
}

index_unknown_platform_lists_those_there_are() {
  run_ck pull -q --tls-verify=false --platform linux/s390x "$REG_plain/multi:latest"
  expect_rc 125
  expect_err "linux/$HOST"
  expect_err "linux/$OTHER"
  [ "$(store_blobs)" -eq 0 ] || fail "blobs stored for an unknown platform"
}

index_docker_manifest_list() {
  run_ck pull -q --tls-verify=false "$REG_plain/dlist:latest"
  expect_rc 0
  [ "$out" = "$HOST_ID" ] || fail "pulled $out from the manifest list, expected $HOST_ID"
  run_ck pull -q --tls-verify=false --platform "linux/$OTHER" "$REG_plain/dlist"
  expect_rc 0
  [ "$out" = "$OTHER_ID" ] || fail "pulled $out from the manifest list, expected $OTHER_ID"
}

index_pull_by_index_digest() {
  run_ck pull -q --tls-verify=false "$REG_plain/multi@$INDEX_DIGEST"
  expect_rc 0
  [ "$out" = "$HOST_ID" ] || fail "pulled $out by the index digest"
  run_ck image exists "$REG_plain/multi@$INDEX_DIGEST"
  expect_rc 0
}

run_tests index_selects_this_host index_platform_flag_selects_the_other index_unknown_platform_lists_those_there_are \
  index_docker_manifest_list index_pull_by_index_digest
