#!/usr/bin/env bash
# podman compatibility of the container commands, each behaviour run on ck
# and on podman 4.3 in a scratch root, comparing exit codes and output:
# --device, ps --sort and --external, cp (archive, pause, tar streams,
# container to container) and mount's listing.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/podman.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the container CLI tests run as root" >&2; exit 77
fi
command -v runc >/dev/null || { echo "SKIP: runc is not installed" >&2; exit 77; }

FIX=$(mktemp -d "$TMPBASE/ck-compat-ctr-XXXXXX")
trap 'rm -rf "$FIX"' EXIT
IMG=localhost/busybox:latest
python3 "${CK_FIXTURES:-$HERE/../fixtures}/mkimage.py" "$FIX/busybox.tar" --format oci-archive --busybox \
  --name "$IMG" >/dev/null || { echo "cannot build the busybox image" >&2; exit 1; }
R="$PM_LIMITS --network none"

load_both() {
  ck load -i "$FIX/busybox.tar"; expect_rc 0
  [ $HAVE_PODMAN -eq 0 ] || run_podman load -i "$FIX/busybox.tar"
}

device_appears_in_the_container() {
  load_both
  # /dev/zero under another name, read in the container
  both run --rm $R --device /dev/zero:/dev/foo $IMG sh -c 'ls -l /dev/foo | cut -c1-10; head -c 4 /dev/foo | od -An -c'
  expect_rc 0; same_out "--device /dev/zero:/dev/foo"
  grep -q '\\0  \\0  \\0  \\0' <<<"$out" || fail "reading /dev/foo: $out"
  # the same path in the container when none is given
  both run --rm $R --device /dev/zero $IMG sh -c 'head -c 2 /dev/zero | wc -c'
  expect_rc 0; same_out "--device /dev/zero"; [ "$out" = 2 ] || fail "--device /dev/zero: $out"
  # the permissions are the device cgroup's: /dev/fuse is in no default
  # list, so "r" lets it be opened for reading only
  local s='(exec 3</dev/t) && echo r; (exec 4>/dev/t) && echo w; true'
  both run --rm $R --device /dev/fuse:/dev/t:r $IMG sh -c "$s"
  expect_rc 0; same_out "--device :r"; [ "$out" = r ] || fail "--device /dev/fuse:/dev/t:r: $out"
  both run --rm $R --device /dev/fuse:/dev/t $IMG sh -c "$s"
  expect_rc 0; same_out "--device"; [ "$out" = "r
w" ] || fail "--device /dev/fuse:/dev/t: $out"
  # without it, the container has no such node
  both run --rm $R $IMG ls /dev/t; expect_rc 1
  ck create --name d --device /dev/zero:/dev/foo:rw $IMG true; expect_rc 0
  ck inspect --format '{{range .HostConfig.Devices}}{{.PathOnHost}} {{.PathInContainer}} {{.CgroupPermissions}}{{end}}' d
  [ "$out" = "/dev/zero /dev/foo rw" ] || fail "inspect: $out"
  # bad values: podman's exit code, a message naming what is wrong, nothing made
  both run --rm $R --device /dev/nope $IMG true; expect_rc 125; expect_err "/dev/nope"
  both run --rm $R --device /dev/zero:foo $IMG true; expect_rc 125; expect_err "invalid device mode: foo"
  both run --rm $R --device /dev/zero:/dev/foo:x $IMG true; expect_rc 125; expect_err "invalid device mode: x"
  both run --rm $R --device /etc/passwd $IMG true; expect_rc 125; expect_err "/etc/passwd is not a valid device"
  ck run --rm --device zero:/dev/foo $IMG true; expect_rc 125; expect_err "not an absolute path"
  ck ps -a -q; [ "$(wc -l <<<"$out")" = 1 ] || fail "a refused --device left a container: $out"
  pm_cleanup
}

run_tests device_appears_in_the_container
