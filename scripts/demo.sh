#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine (as root, without internet):
# install, build, then deploy the tutorial's pod with ck: a PostgreSQL 15
# database and a web application that reads and writes it, built offline
# from Debian's packages (tests/fixtures/mkpgimages.py, cached), in one pod
# that publishes the application on 127.0.0.1:8080.  The host writes a row
# through the page, the database is replaced and the row is still there,
# and everything is torn down.  docs/TUTORIAL.md explains each step.
#
# CK_DEMO_BUILD_DIR=DIR uses an existing build instead of installing and
# building into build/; CK_DEMO_PORT changes the published host port.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${CK_DEMO_BUILD_DIR:-}" ]; then
  build=$CK_DEMO_BUILD_DIR
else
  scripts/install-deps.sh
  scripts/build.sh build
  build=build
fi
port=${CK_DEMO_PORT:-8080}

ckbin=$build/examples/ck/ck
work=$(mktemp -d /tmp/ck-demo.XXXXXX)
cleanup() {
  "$ckbin" --root "$work/storage" --runroot "$work/run" pod rm -f hedgedoc >/dev/null 2>&1 || true
  "$ckbin" --root "$work/storage" --runroot "$work/run" rm -af >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
ck() { echo "+ ck $*" >&2; "$ckbin" --root "$work/storage" --runroot "$work/run" "$@"; }
say() { printf '\n=== %s\n' "$*" >&2; }
# waits up to $1 seconds for a command to succeed (polling, no fixed sleep)
wait_for() {
  local n=$(($1 * 10)); shift
  while [ $n -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}
if /usr/bin/python3 -c "import socket,sys; s=socket.socket(); s.connect(('127.0.0.1', $port))" 2>/dev/null; then
  echo "demo: 127.0.0.1:$port is already in use; set CK_DEMO_PORT to a free port" >&2
  exit 1
fi

ck version

say "1. The images, built offline from Debian's packages (cached after the first run)"
archives=$(/usr/bin/python3 tests/fixtures/mkpgimages.py --quiet)
for a in $archives; do ck load -q -i "$a"; done
ck images

say "2. The deployment: a pod publishing 127.0.0.1:$port, a database and an application in it"
mkdir -p "$work/database" "$work/uploads"
printf 'POSTGRES_USER=hedgedoc\nPOSTGRES_PASSWORD=demo-secret\nPOSTGRES_DB=hedgedoc\n' >"$work/database.env"
printf 'PGUSER=hedgedoc\nPGPASSWORD=demo-secret\nPGDATABASE=hedgedoc\n' >"$work/application.env"
ck pod create --name hedgedoc --publish "127.0.0.1:$port:3000"
ck run --detach --pod=hedgedoc --name=database --label io.containers.autoupdate=image \
  --env-file "$work/database.env" --volume "$work/database/:/var/lib/postgresql/data:Z" localhost/tutorial-db
ck run --detach --pod=hedgedoc --name=application --label io.containers.autoupdate=image \
  --env-file "$work/application.env" --volume "$work/uploads/:/app/uploads:Z" localhost/tutorial-app
ck pod ps
ck ps --pod

say "3. The page, from the host, through the pod's published port"
page_up() { curl -sf -o /dev/null "http://127.0.0.1:$port/"; }
wait_for 60 page_up || { ck logs database; ck logs application; echo "demo: no page on 127.0.0.1:$port" >&2; exit 1; }
echo "+ curl 'http://127.0.0.1:$port/?add=written+by+the+host'" >&2
curl -s "http://127.0.0.1:$port/?add=written+by+the+host" | sed -n '/<ul>/,/<\/ul>/p'
curl -s "http://127.0.0.1:$port/" | grep -q '>written by the host</li>'

say "4. The database replaced: the row is in the volume, not in the container"
ck rm -f database
ck run --detach --pod=hedgedoc --name=database --label io.containers.autoupdate=image \
  --env-file "$work/database.env" --volume "$work/database/:/var/lib/postgresql/data:Z" localhost/tutorial-db
row_back() { curl -s "http://127.0.0.1:$port/" | grep -q '>written by the host</li>'; }
wait_for 60 row_back || { echo "demo: the row did not come back" >&2; exit 1; }
echo "+ curl http://127.0.0.1:$port/" >&2
curl -s "http://127.0.0.1:$port/" | sed -n '/<ul>/,/<\/ul>/p'

say "5. Looking at it: logs, processes, ports"
ck logs --tail 3 database
ck pod top hedgedoc
ck port --all
ck pod inspect --format '{{.Name}}: {{.NumContainers}} containers, state {{.State}}' hedgedoc

say "6. Tearing it down"
ck pod rm -f hedgedoc
ck ps -a
if curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/"; then
  echo "demo: 127.0.0.1:$port still answers after pod rm -f" >&2
  exit 1
fi
echo "demo: done"
