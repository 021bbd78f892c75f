#!/usr/bin/env bash
# The tutorial's images (tests/fixtures/mkpgimages.py: PostgreSQL 15 and a psql-backed web page) run with the
# real ck CLI and runc: the page writes rows through the application, the rows survive removing and re-running
# the database on the same volume, and bad settings fail clearly.  Until pods exist, both containers use the
# host's network and listen only on 127.0.0.1, on free ports.  Usage: test_images.sh [TEST...]
. "$(dirname "$0")/../cli/lib.sh"

RUNTIME=${CK_TEST_RUNTIME:-runc}
FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
CACHE=${CK_TUTORIAL_CACHE:-$TMPBASE/tutorial-images}
DB=localhost/tutorial-db:latest
APP=localhost/tutorial-app:latest

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the tutorial image tests run as root" >&2; exit 77
fi
command -v "$RUNTIME" >/dev/null || { echo "SKIP: $RUNTIME is not installed" >&2; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl is not installed (scripts/install-deps.sh)" >&2; exit 77; }

# Built once (the tutorial_images_build test), then taken from the cache: the build checks that it is current.
archives=$(/usr/bin/python3 "$FIXTURES/mkpgimages.py" --cache "$CACHE" --quiet) ||
  { echo "cannot build the tutorial images" >&2; exit 1; }
DB_TAR=$(sed -n 1p <<<"$archives")
APP_TAR=$(sed -n 2p <<<"$archives")

ck() { run_ck --runtime "$RUNTIME" "$@"; }

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
wait_for() {
  local n=$(($1 * 10)); shift
  while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}

cleanup() {
  run_ck ps -a -q --no-trunc
  [ -n "$out" ] && run_ck rm -f $out
  true
}

load_images() {
  ck load -i "$DB_TAR"; expect_rc 0
  ck load -i "$APP_TAR"; expect_rc 0
}

# The env files of the tutorial, pointed at free ports on 127.0.0.1 of the host's network.
write_env_files() {
  DBPORT=$(free_port) WEBPORT=$(free_port)
  mkdir -p "$ROOT/database" "$ROOT/uploads"
  printf 'POSTGRES_USER=hedgedoc\nPOSTGRES_PASSWORD=pass word\nPOSTGRES_DB=hedgedoc\n' >"$ROOT/database.env"
  printf 'POSTGRES_LISTEN=127.0.0.1\nPGPORT=%s\n' "$DBPORT" >>"$ROOT/database.env"
  printf 'PGHOST=127.0.0.1\nPGPORT=%s\nPGUSER=hedgedoc\nPGPASSWORD=pass word\nPGDATABASE=hedgedoc\n' \
    "$DBPORT" >"$ROOT/application.env"
  printf 'APP_LISTEN=127.0.0.1:%s\n' "$WEBPORT" >>"$ROOT/application.env"
}

run_database() {
  ck run --detach --name=database --network host --label io.containers.autoupdate=image \
    --env-file "$ROOT/database.env" --volume "$ROOT/database/:/var/lib/postgresql/data:Z" "$DB"
  expect_rc 0
}

# Ready means: postgres answers on its TCP port (pg_isready inside the container, over 127.0.0.1).
db_ready() { ck exec database pg_isready -q -h 127.0.0.1 -p "$DBPORT" -U hedgedoc -d hedgedoc; [ "$rc" -eq 0 ]; }

fetch() { # fetch QUERY: GET http://127.0.0.1:WEBPORT/QUERY into $page and $code
  page=$(curl -sS --max-time 10 -o - -w '\n%{http_code}' "http://127.0.0.1:$WEBPORT/$1" 2>&1)
  code=${page##*$'\n'} page=${page%$'\n'*}
}
web_ready() { fetch "" && [ "$code" != 000 ]; }

tutorial_app_writes_rows_that_persist_across_db_rm() {
  load_images; write_env_files
  run_database
  wait_for 30 db_ready || fail "postgres not ready: $(ck logs database; echo "$out")"
  ck logs database; expect_out 'created cluster in /var/lib/postgresql/data with user "hedgedoc"'
  ck run --detach --name=application --network host --label io.containers.autoupdate=image \
    --env-file "$ROOT/application.env" --volume "$ROOT/uploads/:/app/uploads:Z" "$APP"
  expect_rc 0
  wait_for 20 web_ready || fail "the application does not answer on 127.0.0.1:$WEBPORT"
  fetch ""; [ "$code" = 200 ] || fail "GET / gave $code: $page"
  grep -q '<li' <<<"$page" && fail "a fresh database shows rows: $page"
  fetch "?add=first%20%3Cnote%3E"; [ "$code" = 200 ] || fail "add gave $code: $page"
  fetch ""
  grep -qF '<li id="note-1">first &lt;note&gt;</li>' <<<"$page" || fail "the row is not on the page: $page"
  # The data lives in the volume: a new container on the same directory finds it and does not initialise.
  ck rm -f database; expect_rc 0
  fetch ""; [ "$code" = 503 ] || fail "GET / without a database gave $code: $page"
  run_database
  wait_for 30 db_ready || fail "postgres not ready again: $(ck logs database; echo "$out")"
  ck logs database; expect_no_out "created cluster"
  fetch "?add=second"
  grep -qF '<li id="note-1">first &lt;note&gt;</li>' <<<"$page" || fail "the first row is gone: $page"
  # (rm -f kills postgres, so the sequence resumes past the values it had logged ahead: any id will do)
  grep -qE '<li id="note-[0-9]+">second</li>' <<<"$page" || fail "the second row is missing: $page"
  [ "$(stat -c %u "$ROOT/database")" = 999 ] || fail "the data directory is not the postgres user's"
  # SIGINT (the image's stop signal) is postgres's fast shutdown: stop returns once it has shut down cleanly.
  ck stop -t 20 database; expect_rc 0
  ck logs database; grep -qF "database system is shut down" <<<"$out$err" || fail "no clean shutdown: $err"
  ck inspect --format '{{.State.ExitCode}}' database; [ "$out" = 0 ] || fail "postgres exited with '$out'"
}

# The tutorial's own commands in a pod, with the images' defaults (127.0.0.1:5432, port 3000): only
# --publish is left out until pods publish ports, so the page is fetched from inside the pod with busybox nc.
tutorial_pod_runs_the_deployment() {
  load_images
  mkdir -p "$ROOT/database" "$ROOT/uploads"
  printf 'POSTGRES_USER=hedgedoc\nPOSTGRES_PASSWORD=secret\nPOSTGRES_DB=hedgedoc\n' >"$ROOT/database.env"
  printf 'PGUSER=hedgedoc\nPGPASSWORD=secret\nPGDATABASE=hedgedoc\n' >"$ROOT/application.env"
  ck pod create --help; [ "$rc" -eq 0 ] || { echo "SKIP: this ck has no pods" >&2; rm -rf "$ROOT"; exit 77; }
  # The tutorial publishes 127.0.0.1:8080:3000; a free port stands in for 8080.
  local hostport
  hostport=$(free_port)
  ck pod create --name hedgedoc --publish "127.0.0.1:$hostport:3000"; expect_rc 0
  pod_db() {
    ck run --detach --pod=hedgedoc --name=database --label io.containers.autoupdate=image \
      --env-file "$ROOT/database.env" --volume "$ROOT/database/:/var/lib/postgresql/data:Z" "$DB"
    expect_rc 0
  }
  pod_ready() { ck exec database pg_isready -q -h 127.0.0.1 -p 5432 -U hedgedoc -d hedgedoc; [ "$rc" -eq 0 ]; }
  pod_get() { # pod_get QUERY: the reply of the application's port 3000, asked from the pod's loopback
    ck exec application sh -c 'printf "GET /%s HTTP/1.0\r\n\r\n" "$1" | nc 127.0.0.1 3000' sh "$1"
    page=$out
  }
  pod_up() { pod_get "" && grep -q '^HTTP/1.0 200' <<<"$page"; }
  pod_db
  ck run --detach --pod=hedgedoc --name=application --label io.containers.autoupdate=image \
    --env-file "$ROOT/application.env" --volume "$ROOT/uploads/:/app/uploads:Z" "$APP"
  expect_rc 0
  wait_for 30 pod_ready || fail "postgres not ready: $(ck logs database; echo "$out$err")"
  wait_for 20 pod_up || fail "the application does not answer in the pod: $page"
  pod_get "?add=in%20the%20pod"; grep -qF '>in the pod</li>' <<<"$page" || fail "the row is not on the page: $page"
  # the host reaches the application through the pod's published port
  host_up() { curl -sf -o /dev/null "http://127.0.0.1:$hostport/"; }
  wait_for 20 host_up || fail "the pod's published port 127.0.0.1:$hostport does not answer"
  page=$(curl -s "http://127.0.0.1:$hostport/?add=from%20the%20host")
  grep -qF '>from the host</li>' <<<"$page" || fail "a row written from the host is not on the page: $page"
  ck rm -f database; expect_rc 0
  pod_db
  wait_for 30 pod_ready || fail "postgres not ready again: $(ck logs database; echo "$out$err")"
  pod_get ""; grep -qF '>in the pod</li>' <<<"$page" || fail "the row did not persist: $page"
  wait_for 20 host_up || fail "the published port does not answer after the database came back"
  grep -qF '>from the host</li>' <<<"$(curl -s "http://127.0.0.1:$hostport/")" || fail "the host's row did not persist"
  ck pod rm -f hedgedoc; expect_rc 0
  curl -s -m 2 -o /dev/null "http://127.0.0.1:$hostport/" && fail "the port still answers after pod rm -f"
  ck ps -a -q; [ -z "$out" ] || fail "containers left after pod rm -f: $out"
}

# TCP logins need the password: the application with a wrong one gets a clear page and no rows.
tutorial_db_refuses_a_wrong_password() {
  load_images; write_env_files
  sed -i 's/^PGPASSWORD=.*/PGPASSWORD=wrong/' "$ROOT/application.env"
  run_database
  wait_for 30 db_ready || fail "postgres not ready: $(ck logs database; echo "$out")"
  ck run --detach --name=application --network host --env-file "$ROOT/application.env" "$APP"; expect_rc 0
  wait_for 20 web_ready || fail "the application does not answer on 127.0.0.1:$WEBPORT"
  fetch "?add=x"; [ "$code" = 503 ] || fail "a wrong password gave $code: $page"
  grep -qF 'password authentication failed for user &quot;hedgedoc&quot;' <<<"$page" || fail "page: $page"
}

# What the pod relies on: with no settings but the password, postgres listens on every address of its own
# network (here a private one, --network none, so nothing reaches the host) on 5432, TCP logins need the
# password, and the user and database default to postgres.
tutorial_db_defaults_serve_5432_with_a_password() {
  load_images
  mkdir -p "$ROOT/database"
  ck run --detach --name=database --network none -e POSTGRES_PASSWORD=pw \
    --volume "$ROOT/database/:/var/lib/postgresql/data:Z" "$DB"; expect_rc 0
  ready() { ck exec database pg_isready -q -h 127.0.0.1 -p 5432 -U postgres -d postgres; [ "$rc" -eq 0 ]; }
  wait_for 30 ready || fail "postgres not ready: $(ck logs database; echo "$out")"
  ck exec -e PGPASSWORD=pw database psql -X -h 127.0.0.1 -U postgres -At \
    -c 'SHOW listen_addresses' -c 'SHOW port' -c 'SELECT current_user, current_database()'
  expect_rc 0; [ "$out" = $'*\n5432\npostgres|postgres' ] || fail "settings '$out'"
  ck exec -e PGPASSWORD=wrong database psql -X -h 127.0.0.1 -U postgres -c 'SELECT 1'
  [ "$rc" -ne 0 ] || fail "a wrong password was accepted over TCP"
  expect_err 'password authentication failed for user "postgres"'
}

# Without POSTGRES_PASSWORD an empty data directory cannot be initialised: a clear log line, exit 1, and the
# directory stays empty (nothing half-written to confuse the next start).
tutorial_db_without_password_fails_clearly() {
  load_images; write_env_files
  sed -i '/^POSTGRES_PASSWORD=/d' "$ROOT/database.env"
  run_database
  ck wait database; expect_rc 0; [ "$out" = 1 ] || fail "exit code '$out'"
  ck logs database
  grep -qF 'database: the data directory /var/lib/postgresql/data is empty and POSTGRES_PASSWORD is not set' \
    <<<"$out$err" || fail "logs: $out $err"
  [ -z "$(ls -A "$ROOT/database")" ] || fail "the data directory was written: $(ls -A "$ROOT/database")"
}

tutorial_app_without_settings_fails_clearly() {
  load_images
  ck run --name=application --network host -e PGUSER=u "$APP"; expect_rc 1
  ck logs application
  grep -qF 'application: missing database settings: PGPASSWORD PGDATABASE' <<<"$out$err" ||
    fail "logs: $out $err"
}

# The same deployment as an unprivileged user (CK_TEST_ROOTLESS_USER, with subuid/subgid ranges): the images need
# nothing a user namespace lacks, and the data directory ends up owned by the subordinate id of postgres (999).
tutorial_runs_rootless() {
  local u=${CK_TEST_ROOTLESS_USER:-} uid sub rl
  if [ -z "$u" ] || ! id "$u" >/dev/null 2>&1 || ! command -v setpriv >/dev/null; then
    echo "SKIP: set CK_TEST_ROOTLESS_USER to a user with subuid/subgid ranges (scripts/test.sh does)" >&2
    rm -rf "$ROOT"; exit 77
  fi
  uid=$(id -u "$u")
  sub=$(awk -F: -v u="$u" -v n="$uid" '$1 == u || $1 == n { print $2; exit }' /etc/subuid)
  [ -n "$sub" ] || { echo "SKIP: $u has no range in /etc/subuid" >&2; rm -rf "$ROOT"; exit 77; }
  rl=$(mktemp -d /tmp/ck-tutorial-rl-XXXXXX)
  chmod 755 "$rl"; mkdir "$rl/home" "$rl/xdg" "$rl/s" "$rl/r"; chown "$u:" "$rl/home" "$rl/xdg" "$rl/s" "$rl/r"
  ROOT_SAVED=$ROOT ROOT=$rl/home
  write_env_files; chown -R "$u:" "$ROOT"
  as_user() {
    local o=$rl/.out e=$rl/.err
    setpriv --reuid "$uid" --regid "$(id -g "$u")" --clear-groups -- env HOME="$rl/home" XDG_RUNTIME_DIR="$rl/xdg" \
      "$CK_BIN" --root "$rl/s" --runroot "$rl/r" --runtime "$RUNTIME" "$@" >"$o" 2>"$e" </dev/null
    rc=$?; out=$(cat "$o") err=$(cat "$e")
  }
  as_user load -i "$DB_TAR"; expect_rc 0
  as_user load -i "$APP_TAR"; expect_rc 0
  rl_db() {
    as_user run --detach --name=database --network host --env-file "$ROOT/database.env" \
      --volume "$ROOT/database/:/var/lib/postgresql/data:Z" "$DB"; expect_rc 0
  }
  rl_ready() { as_user exec database pg_isready -q -h 127.0.0.1 -p "$DBPORT" -U hedgedoc -d hedgedoc; [ "$rc" -eq 0 ]; }
  rl_db
  wait_for 30 rl_ready || fail "postgres not ready: $(as_user logs database; echo "$out$err")"
  as_user run --detach --name=application --network host --env-file "$ROOT/application.env" \
    --volume "$ROOT/uploads/:/app/uploads:Z" "$APP"; expect_rc 0
  wait_for 20 web_ready || fail "the application does not answer on 127.0.0.1:$WEBPORT"
  fetch "?add=rootless"; grep -qF '>rootless</li>' <<<"$page" || fail "the row is not on the page: $page"
  as_user rm -f database; expect_rc 0
  rl_db
  wait_for 30 rl_ready || fail "postgres not ready again: $(as_user logs database; echo "$out$err")"
  fetch ""; grep -qF '>rootless</li>' <<<"$page" || fail "the row did not persist: $page"
  [ "$(stat -c %u "$ROOT/database")" = $((sub + 998)) ] ||
    fail "data directory owner $(stat -c %u "$ROOT/database"), expected $((sub + 998))"
  as_user system reset -f
  ROOT=$ROOT_SAVED
  rm -rf "$rl"
}

# The tutorial's own commands as an unprivileged user: the pod's network is slirp4netns (the rootless default),
# its published port answers on the host's 127.0.0.1, the members share the infra's namespaces (user namespace
# included), and the data persists in ~/database across `rm -f database`.  The set-up opens /dev/net/tun up, as
# docs/HOST-SETUP.md says.
tutorial_pod_runs_rootless() {
  local u=${CK_TEST_ROOTLESS_USER:-} uid rl hostport
  if [ -z "$u" ] || ! id "$u" >/dev/null 2>&1 || ! command -v setpriv >/dev/null || ! command -v slirp4netns >/dev/null ||
    [ ! -c /dev/net/tun ]; then
    echo "SKIP: needs CK_TEST_ROOTLESS_USER (scripts/test.sh), setpriv, slirp4netns and /dev/net/tun" >&2
    rm -rf "$ROOT"; exit 77
  fi
  chmod 0666 /dev/net/tun
  uid=$(id -u "$u")
  rl=$(mktemp -d /tmp/ck-tutorial-rlpod-XXXXXX)
  chmod 755 "$rl"; mkdir -p "$rl/home/database" "$rl/home/uploads" "$rl/xdg" "$rl/s" "$rl/r"
  printf 'POSTGRES_USER=hedgedoc\nPOSTGRES_PASSWORD=secret\nPOSTGRES_DB=hedgedoc\n' >"$rl/home/database.env"
  printf 'PGUSER=hedgedoc\nPGPASSWORD=secret\nPGDATABASE=hedgedoc\n' >"$rl/home/application.env"
  chown -R "$u:" "$rl/home" "$rl/xdg" "$rl/s" "$rl/r"
  as_user() {
    local o=$rl/.out e=$rl/.err
    setpriv --reuid "$uid" --regid "$(id -g "$u")" --clear-groups -- env HOME="$rl/home" XDG_RUNTIME_DIR="$rl/xdg" \
      PATH="$PATH" "$CK_BIN" --root "$rl/s" --runroot "$rl/r" --runtime "$RUNTIME" "$@" >"$o" 2>"$e" </dev/null
    rc=$?; out=$(cat "$o") err=$(cat "$e")
  }
  as_user load -i "$DB_TAR"; expect_rc 0
  as_user load -i "$APP_TAR"; expect_rc 0
  hostport=$(free_port) # stands in for the tutorial's 8080
  as_user pod create --name hedgedoc --publish "127.0.0.1:$hostport:3000"; expect_rc 0
  rlpod_db() {
    as_user run --detach --pod=hedgedoc --name=database --label io.containers.autoupdate=image \
      --env-file "$rl/home/database.env" --volume "$rl/home/database/:/var/lib/postgresql/data:Z" "$DB"
    expect_rc 0
  }
  rlpod_ready() { as_user exec database pg_isready -q -h 127.0.0.1 -p 5432 -U hedgedoc -d hedgedoc; [ "$rc" -eq 0 ]; }
  host_up() { curl -sf -o /dev/null "http://127.0.0.1:$hostport/"; }
  rlpod_db
  as_user run --detach --pod=hedgedoc --name=application --label io.containers.autoupdate=image \
    --env-file "$rl/home/application.env" --volume "$rl/home/uploads/:/app/uploads:Z" "$APP"
  expect_rc 0
  wait_for 30 rlpod_ready || fail "postgres not ready: $(as_user logs database; echo "$out$err")"
  wait_for 20 host_up || fail "the pod's published port 127.0.0.1:$hostport does not answer"
  page=$(curl -s "http://127.0.0.1:$hostport/?add=rootless%20pod")
  grep -qF '>rootless pod</li>' <<<"$page" || fail "a row written from the host is not on the page: $page"
  as_user rm -f database; expect_rc 0
  rlpod_db
  wait_for 30 rlpod_ready || fail "postgres not ready again: $(as_user logs database; echo "$out$err")"
  grep -qF '>rootless pod</li>' <<<"$(curl -s "http://127.0.0.1:$hostport/")" || fail "the row did not persist"
  as_user pod rm -f hedgedoc; expect_rc 0
  curl -s -m 2 -o /dev/null "http://127.0.0.1:$hostport/" && fail "the port still answers after pod rm -f"
  [ -z "$(pgrep -u "$uid" -x slirp4netns -r R,S,D)" ] || fail "slirp4netns left running: $(pgrep -a -u "$uid" -x slirp4netns)"
  as_user system reset -f
  rm -rf "$rl"
}

# What a user sees in `image inspect`, and what a rootless store needs: no set-id bits and no device nodes.
tutorial_images_are_well_formed() {
  load_images
  ck image inspect "$DB" "$APP"; expect_rc 0
  /usr/bin/python3 -c '
import json, sys
db, app = json.load(sys.stdin)
want = {"Entrypoint": ["/usr/local/bin/db-entrypoint"], "Cmd": ["postgres"], "User": "root",
        "StopSignal": "SIGINT", "ExposedPorts": {"5432/tcp": {}}, "Volumes": {"/var/lib/postgresql/data": {}}}
bad = {k: db["Config"].get(k) for k in want if db["Config"].get(k) != want[k]}
want = {"Entrypoint": ["/usr/local/bin/app-entrypoint"], "Cmd": ["httpd"], "User": "app",
        "ExposedPorts": {"3000/tcp": {}}, "WorkingDir": "/app"}
bad.update({"app " + k: app["Config"].get(k) for k in want if app["Config"].get(k) != want[k]})
bad.update({"Created": i["Created"] for i in (db, app) if i["Created"] < "2020"})
sys.exit("unexpected: %r" % bad if bad else 0)' <<<"$out" || fail "image inspect: $out"
  local tar
  for tar in "$DB_TAR" "$APP_TAR"; do
    /usr/bin/python3 - "$tar" <<'EOF' || fail "$tar has special files"
import gzip, io, sys, tarfile
outer = tarfile.open(sys.argv[1])
bad = []
for m in outer.getmembers():
    data = outer.extractfile(m).read() if m.isfile() else b""
    if data[:2] != b"\x1f\x8b":
        continue
    for e in tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))):
        if e.ischr() or e.isblk() or e.isfifo() or e.mode & 0o6000:
            bad.append(e.name)
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
  done
  # the server and the client start (their libraries are all in the image)
  ck run --rm "$DB" postgres --version; expect_rc 0; expect_out "postgres (PostgreSQL) 15."
  ck run --rm "$APP" psql --version; expect_rc 0; expect_out "psql (PostgreSQL) 15."
}

all_tests=(tutorial_app_writes_rows_that_persist_across_db_rm tutorial_pod_runs_the_deployment
  tutorial_db_refuses_a_wrong_password
  tutorial_db_defaults_serve_5432_with_a_password tutorial_db_without_password_fails_clearly
  tutorial_app_without_settings_fails_clearly tutorial_runs_rootless
  tutorial_images_are_well_formed)

for t in "${all_tests[@]}"; do
  eval "orig_$t() { $(declare -f "$t" | tail -n +2); }"
  eval "$t() { orig_$t; cleanup; }"
done
echo "runtime: $RUNTIME" >&2
run_tests "${@:-${all_tests[@]}}"
