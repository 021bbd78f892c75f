#!/usr/bin/env bash
# The issue's full rootless kill run, by hand (not a ctest: it takes several
# minutes): ck SIGKILLed at random points of rootless pod create, start and
# rm, 50 times per command (ctest's rootless_rel_kill_runc runs 15), and 32
# pods side by side, each followed by the same checks for leftovers.
# Run as root from a build tree:
#   CK_BIN=build/examples/ck/ck tests/cli/manual_rootless_pod_kills.sh [RUNTIME]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${CK_BIN:?set CK_BIN to the ck binary of a build}"
CK_BIN=$(cd "$(dirname "$CK_BIN")" && pwd)/$(basename "$CK_BIN")
export CK_BIN
export CK_TEST_RUNTIME=${1:-runc}
export CK_TEST_ROOTLESS_USER=${CK_TEST_ROOTLESS_USER:-ckrootless}
export CK_TEST_TMPDIR=${CK_TEST_TMPDIR:-$(dirname "$(dirname "$CK_BIN")")/testtmp}
export CK_FIXTURES=$here/../fixtures
mkdir -p "$CK_TEST_TMPDIR"
id "$CK_TEST_ROOTLESS_USER" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$CK_TEST_ROOTLESS_USER"
CK_TEST_KILLS=50 CK_TEST_PODS=32 bash "$here/test_rootless_reliability.sh" \
  rootless_rel_parallel_pods_publish_fetch_and_leave_nothing rootless_rel_kill_during_pod_commands_leaves_nothing
