#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what it needs,
# builds twice (plain, and with ASan+UBSan), and runs ctest on both builds.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# Rootless tests run as this user, with subordinate ids from useradd.
if [ "$(id -u)" -eq 0 ]; then
  id ckrootless >/dev/null 2>&1 || useradd --create-home --shell /bin/sh ckrootless
  export CK_TEST_ROOTLESS_USER=ckrootless
  # Rootless networking (slirp4netns) needs the host fix of docs/HOST-SETUP.md.
  [ -c /dev/net/tun ] && chmod 0666 /dev/net/tun
fi
scripts/build.sh build
scripts/build.sh build-asan -DCK_SANITIZE=ON -DCK_TUTORIAL_CACHE="$PWD/build/tutorial-images"

status=0
echo "== plain build =="
(cd build && ctest --output-on-failure -j2) || status=1
echo "== ASan+UBSan build =="
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j2) || status=1
exit $status
