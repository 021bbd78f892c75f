#!/usr/bin/env bash
# examples/hello, the README's program: it loads a busybox archive, runs a
# command, prints its output and exit code, and leaves no container behind.
set -u
HELLO=${CK_HELLO:?set CK_HELLO to the hello example}
FIXTURES=${CK_FIXTURES:?}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: runs containers as root" >&2; exit 77; }
command -v runc >/dev/null || { echo "SKIP: runc is not installed" >&2; exit 77; }
T=$(mktemp -d "${CK_TEST_TMPDIR:-/tmp}/ck-hello-XXXXXX")
trap 'rm -rf "$T"' EXIT
python3 "$FIXTURES/mkimage.py" "$T/bb.tar" --format oci-archive --busybox --name localhost/busybox:latest >/dev/null
export CK_ROOT=$T/root CK_RUNROOT=$T/run CK_RUNTIME=runc
out=$("$HELLO" "$T/bb.tar" localhost/busybox sh -c 'echo hello from ck; exit 3' 2>&1)
rc=$?
failed=0
check() { if eval "$1"; then echo "PASS $2"; else echo "FAIL $2: $out"; failed=$((failed + 1)); fi; }
check '[ $rc -eq 3 ]' "exit code passed through (got $rc)"
check 'grep -qx "hello from ck" <<<"$out"' "output read from the log"
check 'grep -qx "exit code: 3" <<<"$out"' "exit code printed"
check '[ -z "$(ls -A "$T/root/containers" 2>/dev/null)" ]' "container removed"
out=$("$HELLO" "$T/missing.tar" localhost/busybox true 2>&1)
rc=$?
check '[ $rc -eq 1 ] && grep -q "missing.tar" <<<"$out"' "a missing archive is named"
echo "$((4 + 1 - failed)) passed, $failed failed"
[ $failed -eq 0 ]
