#!/usr/bin/env bash
# Starts a real docker-registry on 127.0.0.1 with a two-layer busybox image
# and runs the progress tests (test_progress.c, $PROGRESS_BIN) against it.
HERE=$(cd "$(dirname "$0")" && pwd)
CK_BIN=${CK_BIN:-unused}
source "$HERE/../cli/lib.sh"
source "$HERE/../registry/fixture.sh"

start_registry plain plain || exit 1
mkdir -p "$FIX/extra/etc" && echo second >"$FIX/extra/etc/second-layer"
make_busybox "$FIX/bb" --layer-dir "$FIX/extra" || exit 1
populate "$REG_plain" busybox:latest "$FIX/bb" || exit 1
layers=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]+"/index.json")); m=json.load(open(sys.argv[1]+"/blobs/sha256/"+d["manifests"][0]["digest"][7:])); print(len(m["layers"]))' "$FIX/bb")
[ "$layers" -ge 2 ] || { echo "the test image has $layers layers, expected 2" >&2; exit 1; }
CK_TEST_REGISTRY=$REG_plain CK_TEST_LAYERS=$layers "$PROGRESS_BIN" "$@"
