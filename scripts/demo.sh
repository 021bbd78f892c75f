#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine (as root, without internet):
# install, build, then drive the ck CLI: build a busybox image offline and
# load it, run a web server container with an env file and a volume, fetch
# its page from inside and from the host, look at it (ps, logs, stats, top,
# events), stop and remove it; then volumes and a state migration in brief.
# CK_DEMO_BUILD_DIR=DIR uses an existing build instead of installing and
# building into build/.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${CK_DEMO_BUILD_DIR:-}" ]; then
  build=$CK_DEMO_BUILD_DIR
else
  scripts/install-deps.sh
  scripts/build.sh build
  build=build
fi

ck=$build/examples/ck/ck
root=$(mktemp -d /tmp/ck-demo.XXXXXX)
cleanup() {
  "$ck" --root "$root/storage" --runroot "$root/run" rm -af >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap cleanup EXIT
ck() { echo "+ ck $*" >&2; "$ck" --root "$root/storage" --runroot "$root/run" "$@"; }
# The runtime: crun where it works on this host, else runc (docs/HOST-SETUP.md:
# crun refuses hybrid cgroups with controllers left on cgroup2).
runtime=crun
if ! command -v crun >/dev/null || [ -s /sys/fs/cgroup/unified/cgroup.controllers ]; then runtime=runc; fi

ck version

# 1. An image without internet: busybox-static packed as an OCI archive.
python3 tests/fixtures/mkimage.py "$root/busybox.tar" --format oci-archive --busybox --name localhost/busybox:latest \
  --created "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
ck load -i "$root/busybox.tar"
ck images

# 2. A web server with an env file and a volume.
mkdir -p "$root/www"
echo '<html><body><h1>hello from a ck container</h1></body></html>' >"$root/www/index.html"
printf '# settings of the demo site\nSITE_NAME=ck demo\nGREETING=hello from an env file\n' >"$root/web.env"
ck --runtime "$runtime" run -d --name web --env-file "$root/web.env" -v "$root/www:/var/www:Z" \
  localhost/busybox httpd -f -vv -p 8080 -h /var/www

# 3. Its page, through ck exec (busybox nc: busybox-static's wget segfaults)...
get='printf "GET / HTTP/1.0\r\n\r\n" | nc 127.0.0.1 8080'
for _ in $(seq 50); do
  "$ck" --root "$root/storage" --runroot "$root/run" exec web sh -c "$get" 2>/dev/null | grep -q "hello from" && break
  sleep 0.1
done
page=$(ck exec web sh -c "$get")
echo "--- the page, fetched inside the container with ck exec:"
echo "$page"
grep -q "hello from a ck container" <<<"$page"
# ... and from the host, in the container's network namespace.
pid=$(ck inspect --format '{{.State.Pid}}' web)
page=$(printf 'GET / HTTP/1.0\r\n\r\n' | nsenter --net="/proc/$pid/ns/net" /bin/busybox nc 127.0.0.1 8080)
echo "--- the page, fetched from the host in the network namespace of pid $pid:"
echo "$page"
grep -q "hello from a ck container" <<<"$page"
ck exec web sh -c 'echo "$SITE_NAME: $GREETING"'

# 4. Looking at it.
ck ps
ck logs web # httpd -vv logs each request it served
ck stats --no-stream web
ck top web

# 5. Stopping and removing it.
ck stop web
ck ps -a
ck rm web
ck events --stream=false --filter container=web

# 6. Volumes and the state store, in brief: a migration to LMDB and back.
ck volume create --label app=web webdata
ck --runtime "$runtime" run --rm -v webdata:/data localhost/busybox sh -c 'echo kept >/data/note'
ck volume ls
ck system migrate --to lmdb
ck --db-backend lmdb volume ls
ck system migrate --to sqlite
ck system check
ck --runtime "$runtime" run --rm -v webdata:/data localhost/busybox cat /data/note
ck volume rm webdata
ck ps -a
echo "demo: done"
