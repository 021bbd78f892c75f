# Registry fixtures for the registry tests, sourced after tests/cli/lib.sh:
# real docker-registry instances on 127.0.0.1 (plain HTTP, TLS with a test
# CA, htpasswd basic auth over TLS), the misbehaving fakereg.py, and busybox
# images made by tests/fixtures/mkimage.py and copied in with skopeo.  Every
# server listens on 127.0.0.1 only and is stopped by the EXIT trap.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MKIMAGE="$HERE/../fixtures/mkimage.py"
FAKEREG="$HERE/fakereg.py"
REG_USER=tester
REG_PASS=s3cret

for tool in docker-registry skopeo openssl htpasswd python3 curl; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed (scripts/install-deps.sh installs it)" >&2
    exit 77
  fi
done

FIX=$(mktemp -d "${TMPBASE:-/tmp}/ck-reg-XXXXXX")
FIX_PIDS=()

fixture_cleanup() {
  local p
  for p in "${FIX_PIDS[@]}"; do
    kill "$p" 2>/dev/null
  done
  for p in "${FIX_PIDS[@]}"; do
    wait "$p" 2>/dev/null
  done
  rm -rf "$FIX"
}
trap fixture_cleanup EXIT

# free_port: a port on 127.0.0.1 nobody holds right now, from below the
# ephemeral range (tests/fixtures/free_ports.py says why)
free_port() {
  /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/../fixtures/free_ports.py" 1
}

# wait_http URL: until anything answers (any HTTP status), at most 10 s
wait_http() {
  local i
  for i in $(seq 100); do
    if curl -sk -o /dev/null --max-time 1 "$1"; then
      return 0
    fi
    sleep 0.1
  done
  echo "fixture: nothing answers at $1" >&2
  return 1
}

# make_ca: a test CA and a server certificate for 127.0.0.1 and localhost
make_ca() {
  [ -f "$FIX/ca/ca.crt" ] && return 0
  mkdir -p "$FIX/ca"
  (
    cd "$FIX/ca" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
      -subj "/CN=ck test CA" >/dev/null 2>&1 &&
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
      -subj "/CN=127.0.0.1" >/dev/null 2>&1 &&
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >ext.cnf &&
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt \
      -days 2 -extfile ext.cnf >/dev/null 2>&1
  ) || { echo "fixture: openssl failed" >&2; return 1; }
}

# start_registry NAME plain|tls|auth: sets REG_<NAME> to 127.0.0.1:PORT
start_registry() {
  local name=$1 flavour=$2 port dir scheme=http
  port=$(free_port)
  dir="$FIX/reg-$name"
  mkdir -p "$dir/data"
  {
    echo "version: 0.1"
    echo "log:"
    echo "  level: error"
    echo "  accesslog:"
    echo "    disabled: true"
    echo "storage:"
    echo "  filesystem:"
    echo "    rootdirectory: $dir/data"
    echo "  delete:"
    echo "    enabled: true"
    echo "http:"
    echo "  addr: 127.0.0.1:$port"
    echo "  secret: ck-test-secret"
  } >"$dir/config.yml"
  if [ "$flavour" != plain ]; then
    make_ca || return 1
    scheme=https
    {
      echo "  tls:"
      echo "    certificate: $FIX/ca/server.crt"
      echo "    key: $FIX/ca/server.key"
    } >>"$dir/config.yml"
  fi
  if [ "$flavour" = auth ]; then
    htpasswd -Bbn "$REG_USER" "$REG_PASS" >"$dir/htpasswd"
    {
      echo "auth:"
      echo "  htpasswd:"
      echo "    realm: ck-test"
      echo "    path: $dir/htpasswd"
    } >>"$dir/config.yml"
  fi
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  FIX_PIDS+=($!)
  wait_http "$scheme://127.0.0.1:$port/v2/" || { cat "$dir/log" >&2; return 1; }
  printf -v "REG_$name" '%s' "127.0.0.1:$port"
  # a certs.d directory with the CA, for --cert-dir
  if [ "$flavour" != plain ]; then
    mkdir -p "$FIX/certs/127.0.0.1:$port"
    cp "$FIX/ca/ca.crt" "$FIX/certs/127.0.0.1:$port/ca.crt"
  fi
}

# start_fake NAME MODE: sets FAKE_<NAME> to 127.0.0.1:PORT; requests go to $FIX/fake-NAME.log
start_fake() {
  local name=$1 mode=$2 pf="$FIX/fake-$1.port"
  python3 "$FAKEREG" --mode "$mode" --port-file "$pf" --log "$FIX/fake-$name.log" &
  FIX_PIDS+=($!)
  for _ in $(seq 100); do
    [ -s "$pf" ] && break
    sleep 0.1
  done
  [ -s "$pf" ] || { echo "fixture: fakereg $mode did not start" >&2; return 1; }
  printf -v "FAKE_$name" '%s' "127.0.0.1:$(cat "$pf")"
}

# make_busybox DIR [mkimage options...]: an OCI layout with tag "latest"
make_busybox() {
  local out=$1
  shift
  python3 "$MKIMAGE" "$out" --format oci-dir --name latest --busybox "$@" >/dev/null
}

# populate REGISTRY REPO:TAG OCIDIR [skopeo dest options...]
populate() {
  local reg=$1 ref=$2 dir=$3
  shift 3
  skopeo copy -q --dest-tls-verify=false "$@" "oci:$dir:latest" "docker://$reg/$ref" >/dev/null 2>"$FIX/skopeo.err" ||
    { echo "fixture: skopeo copy to $reg/$ref failed: $(cat "$FIX/skopeo.err")" >&2; return 1; }
}

# store_blobs: number of blobs in the test's store
store_blobs() {
  find "$ROOT/storage/images/blobs" -type f 2>/dev/null | wc -l
}

# store_tmp: files left in the store's tmp directory
store_tmp() {
  find "$ROOT/storage/images/tmp" -mindepth 1 2>/dev/null | wc -l
}
