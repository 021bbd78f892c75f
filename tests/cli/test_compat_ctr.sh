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

ps_sorts_by_every_key_as_podman_does() {
  load_both
  both tag $IMG localhost/aaa:1; expect_rc 0
  # created, started in another order, an image that sorts first, commands
  # and names that sort differently from the creation order
  both create $R --name m localhost/aaa:1 true; expect_rc 0
  both run -d $R --name z $IMG sleep 1000; expect_rc 0
  both run $R --name a $IMG echo hi; expect_rc 0
  both create $R --name b $IMG ls; expect_rc 0
  local k
  for k in command created image names runningfor size status; do
    both ps -a --sort $k --format '{{.Names}}'; expect_rc 0; same_out "--sort $k"
  done
  ck ps -a --sort names --format '{{.Names}}'; [ "$(echo $out)" = "a b m z" ] || fail "--sort names: $out"
  ck ps -a --sort status --format '{{.Names}}'; [ "$(echo $out)" = "m b a z" ] || fail "--sort status: $out"
  ck ps -a --sort id --no-trunc -q; [ "$out" = "$(sort <<<"$out")" ] || fail "--sort id: $out"
  [ "$(wc -l <<<"$out")" = 4 ] || fail "--sort id lost containers: $out"
  # --sort=KEY, and the table output follows the order too
  ck ps -a --sort=names --noheading; [ "$(awk '{print $NF}' <<<"$out" | xargs)" = "a b m z" ] || fail "table: $out"
  both ps -a --sort bogus; expect_rc 125; expect_err '"bogus" is not a valid value'
  # ck's store has no containers of other tools: --external adds none
  both ps --external --format '{{.Names}}'; expect_rc 0; same_out "--external"; [ "$out" = z ] || fail "--external: $out"
  pm_cleanup
}

run_tests device_appears_in_the_container ps_sorts_by_every_key_as_podman_does
