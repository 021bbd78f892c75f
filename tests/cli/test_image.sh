#!/usr/bin/env bash
# The ck image commands (images, image ls/inspect/history/exists/prune, tag,
# untag, rmi, import), driven through the real CLI on both backends.
. "$(dirname "$0")/lib.sh"

# mkrootfs DIR: a small root filesystem (a busybox-like binary, a symlink,
# /etc/passwd) in DIR/rootfs and its tarball in DIR/rootfs.tar.
mkrootfs() {
  local d=$1
  mkdir -p "$d/rootfs/bin" "$d/rootfs/etc"
  if [ -x /bin/busybox ]; then cp /bin/busybox "$d/rootfs/bin/busybox"; else head -c 300000 /dev/urandom >"$d/rootfs/bin/busybox"; fi
  ln -s busybox "$d/rootfs/bin/sh"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$d/rootfs/etc/passwd"
  tar -C "$d/rootfs" -cf "$d/rootfs.tar" .
}

image_import_ls_inspect_history() {
  for b in sqlite lmdb; do
    rm -rf "$ROOT"/*
    mkrootfs "$ROOT"
    local diff
    diff=$(sha256sum "$ROOT/rootfs.tar" | cut -d' ' -f1)
    run_ck --db-backend $b import "$ROOT/rootfs.tar" bb; expect_rc 0
    [[ "$out" =~ ^sha256:[0-9a-f]{64}$ ]] || fail "import printed '$out'"
    local id=${out#sha256:}
    run_ck images; expect_rc 0
    expect_out "REPOSITORY"; expect_out "IMAGE ID"
    grep -qE "^localhost/bb +latest +${id:0:12} +(Less than a second|[0-9]+ seconds?) ago +[0-9.]+ [kM]B$" <<<"$out" ||
      fail "images row: $out"
    run_ck images -q; [ "$out" = "${id:0:12}" ] || fail "images -q: '$out'"
    run_ck image ls -q --no-trunc; [ "$out" = "sha256:$id" ] || fail "image ls -q --no-trunc: '$out'"
    run_ck images --format json; expect_rc 0; expect_out "\"Id\": \"$id\""; expect_out '"localhost/bb:latest"'
    run_ck images --format '{{.Repository}}:{{.Tag}} {{.ID}}'; [ "$out" = "localhost/bb:latest ${id:0:12}" ] ||
      fail "template: '$out'"
    run_ck image inspect bb; expect_rc 0
    expect_out "\"Id\": \"$id\""; expect_out "\"sha256:$diff\""; expect_out '"Type": "layers"'
    expect_out '"RepoTags": ['; expect_out '"Os": "linux"'
    [ "${out:0:1}" = "[" ] || fail "inspect is not an array"
    run_ck image inspect --format '{{.Id}}' bb; [ "$out" = "$id" ] || fail "inspect --format: '$out'"
    [ -d "$ROOT/storage/images/layers/$diff/bin" ] || fail "layer $diff is not unpacked"
    [ -f "$ROOT/storage/images/blobs/sha256/$diff" ] || fail "the tarball is not the layer blob"
    run_ck image history bb; expect_rc 0
    expect_out "CREATED BY"; expect_out "ck import"; expect_out "${id:0:12}"; expect_out "rootfs.tar"
    run_ck history --format json bb; expect_rc 0; expect_out '"createdBy": "ck import"'
    run_ck image exists bb; expect_rc 0
    run_ck image exists localhost/bb:latest; expect_rc 0
    run_ck image exists "${id:0:8}"; expect_rc 0
    run_ck image exists nothere; expect_rc 1
  done
}

image_import_compressed_and_from_stdin() {
  mkrootfs "$ROOT"
  gzip -c "$ROOT/rootfs.tar" >"$ROOT/rootfs.tar.gz"
  run_ck import "$ROOT/rootfs.tar.gz" gz; expect_rc 0
  run_ck import - docker.io/me/piped:1 <"$ROOT/rootfs.tar.gz"; expect_rc 0
  run_ck images --format '{{.Repository}}:{{.Tag}}'
  expect_out "localhost/gz:latest"; expect_out "docker.io/me/piped:1"
  run_ck image inspect gz; expect_out '"sha256:'"$(sha256sum "$ROOT/rootfs.tar" | cut -d' ' -f1)"'"'
  # no name: a dangling image, shown as podman shows it (no image is built
  # on it, so it is not one of the intermediate images that -a adds)
  run_ck import "$ROOT/rootfs.tar"; expect_rc 0
  local id=${out#sha256:}
  run_ck images -q; expect_out "${id:0:12}"
  run_ck images; grep -qE "^<none> +<none> +${id:0:12}" <<<"$out" || fail "untagged row: $out"
  run_ck images -a; grep -qE "^<none> +<none> +${id:0:12}" <<<"$out" || fail "untagged row: $out"
  run_ck images --filter dangling=true -q; [ "$out" = "${id:0:12}" ] || fail "dangling: '$out'"
}

image_tag_untag_and_rmi_as_podman() {
  mkrootfs "$ROOT"
  run_ck import "$ROOT/rootfs.tar" bb; local id=${out#sha256:}
  run_ck tag bb other:1 quay.io/team/bb; expect_rc 0
  run_ck images --format '{{.Repository}}:{{.Tag}}'
  expect_out "localhost/bb:latest"; expect_out "localhost/other:1"; expect_out "quay.io/team/bb:latest"
  run_ck images --filter reference=other -q; [ "$out" = "${id:0:12}" ] || fail "reference filter: '$out'"
  run_ck untag bb quay.io/team/bb; expect_rc 0
  run_ck images --format '{{.Repository}}'; expect_no_out "quay.io"
  # a name of an image with several names only goes away
  run_ck rmi other:1; expect_rc 0; [ "$out" = "Untagged: localhost/other:1" ] || fail "rmi name: '$out'"
  run_ck tag bb again; expect_rc 0
  # by id, with several names, it needs force
  run_ck rmi "${id:0:12}"; expect_rc 125; expect_err "by ID with more than one tag"
  run_ck rmi -f "${id:0:12}"; expect_rc 0
  expect_out "Untagged: localhost/bb:latest"; expect_out "Untagged: localhost/again:latest"; expect_out "Deleted: $id"
  run_ck images -a -q; [ -z "$out" ] || fail "after rmi: '$out'"
  [ -z "$(ls -A "$ROOT/storage/images/blobs/sha256")" ] || fail "rmi left blobs"
  [ -z "$(ls -A "$ROOT/storage/images/layers")" ] || fail "rmi left layers"
  # the last name: the image goes
  run_ck import "$ROOT/rootfs.tar" solo; id=${out#sha256:}
  run_ck image rm solo; expect_rc 0; expect_out "Untagged: localhost/solo:latest"; expect_out "Deleted: $id"
  run_ck untag nothere; expect_rc 125; expect_err "nothere: image not known"
}

image_rmi_keeps_layers_shared_with_another_image() {
  mkrootfs "$ROOT"
  run_ck import "$ROOT/rootfs.tar" one; local one=${out#sha256:}
  run_ck import "$ROOT/rootfs.tar" two; expect_rc 0
  local diff
  diff=$(sha256sum "$ROOT/rootfs.tar" | cut -d' ' -f1)
  run_ck rmi one; expect_rc 0; expect_out "Deleted: $one"
  [ -d "$ROOT/storage/images/layers/$diff" ] || fail "the shared layer went with the first image"
  [ -f "$ROOT/storage/images/blobs/sha256/$diff" ] || fail "the shared blob went with the first image"
  run_ck image inspect two; expect_rc 0
  run_ck rmi -a; expect_rc 0
  [ ! -e "$ROOT/storage/images/layers/$diff" ] || fail "the layer survived its last image"
}

image_bad_input_gets_clear_errors() {
  mkrootfs "$ROOT"
  echo "not a tarball" >"$ROOT/text"
  run_ck import "$ROOT/text" x; expect_rc 125; expect_err "$ROOT/text is not a tar archive"
  run_ck import "$ROOT/nothere.tar"; expect_rc 125; expect_err "cannot open $ROOT/nothere.tar"
  run_ck import "$ROOT/rootfs.tar" "Bad Name"; expect_rc 125; expect_err 'invalid reference "Bad Name"'
  run_ck import; expect_rc 125; expect_err "requires 1 or 2 arguments"
  run_ck images -a -q; [ -z "$out" ] || fail "bad imports left images: $out"
  [ -z "$(ls -A "$ROOT/storage/images/blobs/sha256" 2>/dev/null)" ] || fail "bad imports left blobs"
  run_ck import "$ROOT/rootfs.tar" bb; expect_rc 0
  run_ck tag bb UPPER; expect_rc 125; expect_err "repository name must be lowercase"
  run_ck tag bb; expect_rc 125; expect_err "at least two arguments"
  run_ck tag nothere x; expect_rc 125; expect_err "nothere: image not known"
  run_ck rmi nothere; expect_rc 1; expect_err "Error: nothere: image not known"
  run_ck rmi -i nothere; expect_rc 0
  run_ck rmi; expect_rc 125; expect_err "image name or ID must be specified"
  run_ck images --filter colour=blue; expect_rc 125; expect_err 'invalid image filter "colour=blue"'
  run_ck images --filter before=nothere; expect_rc 125; expect_err "nothere: image not known"
  run_ck image inspect bb nothere; expect_rc 125; expect_err "nothere: image not known"; expect_out '"Id"'
  run_ck image history; expect_rc 125; expect_err "ck image history: one image is required (0 given): ck image history [options] IMAGE"
  run_ck image bogus; expect_rc 125; expect_err "unrecognized command"
  run_ck images --bogus; expect_rc 125; expect_err "unknown flag: --bogus"
  run_ck images -q; [ -n "$out" ] || fail "the good image went missing"
}

image_prune_removes_dangling_then_all() {
  mkrootfs "$ROOT"
  run_ck import "$ROOT/rootfs.tar"; local dangling=${out#sha256:}
  run_ck import "$ROOT/rootfs.tar" keep; local kept=${out#sha256:}
  # without -f it asks; end of input means no
  run_ck image prune </dev/null; expect_rc 0; expect_out "WARNING! This command removes all dangling images."
  run_ck images -a -q; expect_out "${dangling:0:12}"
  run_ck image prune -f; expect_rc 0; [ "$out" = "$dangling" ] || fail "prune printed '$out'"
  run_ck images -a -q; [ "$out" = "${kept:0:12}" ] || fail "after prune: '$out'"
  run_ck image prune -a -f; expect_rc 0; [ "$out" = "$kept" ] || fail "prune -a printed '$out'"
  run_ck images -a -q; [ -z "$out" ] || fail "after prune -a: '$out'"
}

image_system_check_repairs_a_missing_layer() {
  mkrootfs "$ROOT"
  run_ck import "$ROOT/rootfs.tar" bb
  local diff
  diff=$(sha256sum "$ROOT/rootfs.tar" | cut -d' ' -f1)
  run_ck system check; expect_rc 0
  rm -rf "$ROOT/storage/images/layers/$diff"
  run_ck system check; expect_rc 1; expect_out "damaged-image"; expect_out "is not unpacked"
  run_ck system check --repair; expect_rc 0
  [ -d "$ROOT/storage/images/layers/$diff/bin" ] || fail "repair did not unpack the layer again"
  run_ck system check; expect_rc 0
}

run_tests image_import_ls_inspect_history image_import_compressed_and_from_stdin \
  image_tag_untag_and_rmi_as_podman image_rmi_keeps_layers_shared_with_another_image \
  image_bad_input_gets_clear_errors image_prune_removes_dangling_then_all \
  image_system_check_repairs_a_missing_layer
