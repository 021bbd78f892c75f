#!/usr/bin/env bash
# podman compatibility of the image listing, each behaviour run on ck and on
# podman 4.3 in a scratch root, comparing exit codes and output: untagged
# (dangling) images shown as <none>, the intermediate ones only with -a, and
# the dangling filter.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/podman.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the container CLI tests run as root" >&2; exit 77
fi
command -v runc >/dev/null || { echo "SKIP: runc is not installed" >&2; exit 77; }

FIX=$(mktemp -d "$TMPBASE/ck-compat-img-XXXXXX")
trap 'rm -rf "$FIX"' EXIT
IMG=localhost/busybox:latest
python3 "${CK_FIXTURES:-$HERE/../fixtures}/mkimage.py" "$FIX/busybox.tar" --format oci-archive --busybox \
  --name "$IMG" >/dev/null || { echo "cannot build the busybox image" >&2; exit 1; }
R="$PM_LIMITS --network none"

images_show_untagged_images_as_podman_does() {
  ck load -i "$FIX/busybox.tar"; expect_rc 0
  [ $HAVE_PODMAN -eq 0 ] || run_podman load -i "$FIX/busybox.tar"
  # x:1 committed twice: the first commit loses its name (dangling)
  both create $R --name cm $IMG true; expect_rc 0
  both commit -q cm localhost/x:1; expect_rc 0
  both commit -q cm localhost/x:1; expect_rc 0
  # an untagged commit that another image is built on (intermediate)
  both run $R --name i1 $IMG sh -c '>/a'; expect_rc 0
  both commit -q i1; expect_rc 0
  local ck_inter=${ck_out:0:12} pm_inter=${pm_out:0:12}
  run_ck --runtime runc run $R --name i2 "$ck_inter" sh -c '>/b'; expect_rc 0
  [ $HAVE_PODMAN -eq 0 ] || { run_podman run $R --name i2 "$pm_inter" sh -c '>/b'; expect_rc 0; }
  both commit -q i2 localhost/child:1; expect_rc 0
  # (ids differ between the engines: compare names and kinds only)
  local f='{{.Repository}}:{{.Tag}}'
  both images --format "$f"; expect_rc 0; same_out "images"
  [ "$(echo $out)" = "localhost/child:1 localhost/x:1 <none>:<none> localhost/busybox:latest" ] ||
    fail "images: $(echo $out)"
  both images -a --format "$f"; expect_rc 0; same_out "images -a"
  [ "$(grep -c '<none>' <<<"$out")" = 2 ] || fail "images -a: $(echo $out)"
  # the table: <none> in both columns
  both images --noheading; expect_rc 0
  grep -qE '^<none> +<none> +[0-9a-f]{12} ' <<<"$out" || fail "images table: $out"
  [ $HAVE_PODMAN -eq 0 ] || [ "$(awk '{print $1, $2}' <<<"$ck_out")" = "$(awk '{print $1, $2}' <<<"$pm_out")" ] ||
    fail "images table: ck '$ck_out', podman '$pm_out'"
  # dangling: untagged and with nothing built on it
  both images --filter dangling=true --format "$f"; expect_rc 0; same_out "dangling=true"
  [ "$out" = "<none>:<none>" ] || fail "dangling=true: $out"
  both images -a --filter dangling=true -q; expect_rc 0
  [ "$(wc -l <<<"$out")" = 1 ] || fail "-a dangling=true: $out"
  [ "$out" != "$ck_inter" ] || fail "dangling=true listed the intermediate image"
  both images --filter dangling=false --format "$f"; expect_rc 0; same_out "dangling=false"
  both images -a --filter dangling=false --format "$f"; expect_rc 0; same_out "-a dangling=false"
  both images --format '{{.Repository}} {{.Dangling}}'; expect_rc 0; same_out "{{.Dangling}}"
  expect_out "<none> true"; expect_out "localhost/x false"
  both images --filter dangling=maybe; expect_rc 125
  expect_err "dangling"
  pm_cleanup
}

run_tests images_show_untagged_images_as_podman_does
