#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install, build, then drive the ck
# CLI through the store: info, volumes, a migration to LMDB and back, a check.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh build

ck=build/examples/ck/ck
root=$(mktemp -d /tmp/ck-demo.XXXXXX)
trap 'rm -rf "$root"' EXIT
ck() { echo "+ ck $*" >&2; "$ck" --root "$root/storage" --runroot "$root/run" "$@"; }

ck version
ck info
ck volume create --label app=web --label tier=front webdata
ck volume create --label app=db dbdata
ck volume ls
ck volume ls --filter label=app=db
ck volume inspect webdata
echo "hello" > "$root/storage/volumes/webdata/_data/index.html"
ck system migrate --to lmdb
ck --db-backend lmdb volume ls
ck system migrate --to sqlite
ck system check
ck volume rm dbdata
ck volume prune --force
ck volume ls
echo "demo: done"
