#!/bin/sh
# Runs a container test binary as an unprivileged user that has subordinate
# id ranges (CK_TEST_ROOTLESS_USER), so that the rootless configuration is
# checked end to end.  Exits 77 (skipped) where that cannot be done.
bin=$1
user=${CK_TEST_ROOTLESS_USER:-}
if [ -z "$user" ]; then
  echo "SKIP: set CK_TEST_ROOTLESS_USER to a user with ranges in /etc/subuid and /etc/subgid"
  exit 77
fi
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: switching to $user needs root"
  exit 77
fi
if ! id "$user" >/dev/null 2>&1; then
  echo "SKIP: no user $user"
  exit 77
fi
if ! su -s /bin/sh "$user" -c "test -x '$bin'"; then
  echo "SKIP: $user cannot run $bin (is the build tree readable?)"
  exit 77
fi
dir=$(mktemp -d /tmp/ck-rootless-XXXXXX) || exit 1
chown "$user" "$dir"
su -s /bin/sh "$user" -c "cd '$dir' && XDG_RUNTIME_DIR='$dir' CK_TEST_TMPDIR='$dir' '$bin'"
rc=$?
rm -rf "$dir"
exit $rc
