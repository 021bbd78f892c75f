#!/usr/bin/env bash
# ck kube play/down, ck play kube and ck generate kube through the real CLI
# against real containers of a busybox image with runc on the bridge network:
# a two-container pod from YAML serves a page on its published port, kube
# down leaves nothing; bad input gets a clear error and leaves nothing; the
# YAML ck generates plays back to the same pod; the names, ports, env and
# exit codes match podman 4.3's on the same YAML; a .kube Quadlet file gives
# a unit that systemd-analyze verifies and whose commands play and down it.
# Usage: test_kube.sh [TEST...] runs some of them.
. "$(dirname "$0")/lib.sh"

RUNTIME=${CK_TEST_RUNTIME:-runc}
FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
EXEC=$(cd "$(dirname "$0")" && pwd)/systemd_exec.py
IMG=localhost/busybox:latest

[ "$(id -u)" -eq 0 ] || { echo "SKIP: pods on bridge networks need root" >&2; exit 77; }
command -v "$RUNTIME" >/dev/null || { echo "SKIP: $RUNTIME is not installed" >&2; exit 77; }
[ -x /usr/lib/podman/netavark ] || [ -x /usr/libexec/podman/netavark ] ||
  { echo "SKIP: netavark is not installed" >&2; exit 77; }
[ -x /usr/bin/catatonit ] || [ -x /usr/libexec/podman/catatonit ] ||
  { echo "SKIP: catatonit is not installed (apt-get install catatonit)" >&2; exit 77; }
for tool in curl iptables; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed" >&2; exit 77; }
done

ARCHIVE_DIR=$(mktemp -d "$TMPBASE/ck-kube-img-XXXXXX")
trap 'rm -rf "$ARCHIVE_DIR"' EXIT
python3 "$FIXTURES/mkimage.py" "$ARCHIVE_DIR/busybox.tar" --format oci-archive --busybox --name "$IMG" >/dev/null ||
  { echo "cannot build the busybox image" >&2; exit 1; }

ck() { run_ck --runtime "$RUNTIME" "$@"; }
load_image() { ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0; }
wait_for() {
  local n=$(($1 * 20)); shift
  while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.05; n=$((n - 1)); done
  return 1
}

# No pod, container, runtime state or mount is left; volumes as listed in $1.
nothing_left() {
  run_ck ps -a -q; [ -z "$out" ] || fail "containers left: $out"
  run_ck pod ps -q; [ -z "$out" ] || fail "pods left: $out"
  run_ck volume ls -q; [ "$out" = "${1:-}" ] || fail "volumes: '$out', expected '${1:-}'"
  local left
  left=$(ls "$ROOT/run/runtime/$RUNTIME" 2>/dev/null | grep -v '^log-')
  [ -z "$left" ] || fail "runtime state left: $left"
  grep -q "$ROOT/storage/rootfs" /proc/mounts && fail "root filesystems still mounted"
  run_ck system check; [ "$rc" -eq 0 ] || fail "system check: $out $err"
  true
}

# The tutorial's pod as YAML, a busybox pair: a web server on a host
# directory, configured from a ConfigMap, and a second container with a
# claim's volume.
blog_yaml() { # PORT SITE
  cat <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: blog-config
data:
  GREETING: hello
  TITLE: "a blog"
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: blog-data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
---
apiVersion: v1
kind: Pod
metadata:
  name: blog
  labels:
    app: blog
  annotations:
    io.example/owner: tests
spec:
  restartPolicy: Never
  containers:
  - name: web
    image: $IMG
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    workingDir: /www
    envFrom:
    - configMapRef:
        name: blog-config
    env:
    - name: MODE
      value: "production"
    - name: WHO
      valueFrom:
        configMapKeyRef:
          name: blog-config
          key: GREETING
    ports:
    - containerPort: 8080
      hostPort: $1
      hostIP: 127.0.0.1
    volumeMounts:
    - name: site
      mountPath: /www
      readOnly: true
  - name: db
    image: $IMG
    args: ["sh", "-c", "echo stored > /data/row && exec sleep 1000"]
    securityContext:
      capabilities:
        drop: [NET_RAW]
    volumeMounts:
    - name: data
      mountPath: /data
  volumes:
  - name: site
    hostPath:
      path: $2
      type: Directory
  - name: data
    persistentVolumeClaim:
      claimName: blog-data
  # each container's stop timeout (sleep and httpd as PID 1 ignore SIGTERM)
  terminationGracePeriodSeconds: 1
EOF
}

page_is() { curl -sf "http://127.0.0.1:$1/index.html" 2>/dev/null | grep -qx "$2"; }

kube_play_serves_the_page_and_down_leaves_nothing() {
  load_image
  local port; port=$(free_port)
  mkdir -p "$ROOT/site"; echo "the blog's page" >"$ROOT/site/index.html"
  blog_yaml "$port" "$ROOT/site" >"$ROOT/blog.yaml"
  ck kube play "$ROOT/blog.yaml"; expect_rc 0
  [ "$(head -n2 <<<"$out")" = "Volumes:
blog-data" ] || fail "the volume is not listed once, first: $out"
  expect_out "Pod:"; expect_out "Containers:"
  ck pod ps --format '{{.Name}} {{.Status}} {{.Labels}}'
  expect_out "blog Running"; expect_out "app:blog"
  ck ps -a --format '{{.Names}}' --filter label=io.containerkit.pod.infra!=x
  ck ps --format '{{.Names}}'
  grep -qx blog-web <<<"$out" && grep -qx blog-db <<<"$out" || fail "containers not named POD-CONTAINER: $out"
  wait_for 20 page_is "$port" "the blog's page" || fail "the page is not served on 127.0.0.1:$port"
  ck exec blog-web env
  expect_out "GREETING=hello"; expect_out "TITLE=a blog"; expect_out "MODE=production"; expect_out "WHO=hello"
  ck exec blog-web sh -c pwd; [ "$out" = /www ] || fail "workingDir: $out"
  ck inspect --format '{{.Config.StopTimeout}}' blog-db
  [ "$out" = 1 ] || fail "terminationGracePeriodSeconds is not the stop timeout: $out"
  ck exec blog-web sh -c 'touch /www/x'; [ "$rc" -ne 0 ] || fail "a readOnly mount was writable"
  wait_for 10 bash -c "'$CK_BIN' --root '$ROOT/storage' --runroot '$ROOT/run' exec blog-db cat /data/row | grep -q stored" ||
    fail "the claim's volume was not written"
  # annotations reach the OCI configuration
  ck inspect --format '{{.Id}}' blog-web
  grep -q '"io.example/owner":"tests"' "$ROOT/storage/containers/$out/userdata/config.json" ||
    fail "the pod's annotation is not in the container's config.json"
  ck volume ls -q; [ "$out" = blog-data ] || fail "volumes: $out"
  ck kube play "$ROOT/blog.yaml"; expect_rc 125; expect_err "blog"
  # --replace removes the pod first; its volume stays and is used again
  ck play kube --replace "$ROOT/blog.yaml"; expect_rc 0
  wait_for 20 page_is "$port" "the blog's page" || fail "the replaced pod does not serve the page"
  ck kube down "$ROOT/blog.yaml"; expect_rc 0
  expect_out "Pods stopped:"; expect_out "Pods removed:"
  curl -sf "http://127.0.0.1:$port/index.html" >/dev/null && fail "the port still answers after down"
  nothing_left blog-data
  ck kube down "$ROOT/blog.yaml"; expect_rc 125; expect_err "none of its pods exists"
  ck volume rm blog-data; expect_rc 0
}

# What is on stdin plays too, --start=false only creates, and
# --down takes the pods down again.
kube_play_from_stdin_without_start() {
  load_image
  local port; port=$(free_port)
  mkdir -p "$ROOT/site"
  blog_yaml "$port" "$ROOT/site" >"$ROOT/blog.yaml"
  "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" --runtime "$RUNTIME" kube play --start=false - \
    <"$ROOT/blog.yaml" >"$ROOT/o" 2>"$ROOT/e"; rc=$?; err=$(cat "$ROOT/e")
  expect_rc 0
  ck ps -a --format '{{.Names}} {{.Status}}'
  expect_out "blog-web Created"; expect_out "blog-db Created"
  ck kube play --down "$ROOT/blog.yaml"; expect_rc 0
  # the ConfigMap from a file of its own (--configmap), and none: refused
  sed -n '1,/^---$/p' "$ROOT/blog.yaml" | sed '$d' >"$ROOT/cm.yaml"
  sed '1,/^---$/d' "$ROOT/blog.yaml" >"$ROOT/pod.yaml"
  ck kube play --start=false "$ROOT/pod.yaml"; expect_rc 125; expect_err "no ConfigMap named blog-config"
  ck kube play --start=false --configmap "$ROOT/cm.yaml" "$ROOT/pod.yaml"; expect_rc 0
  ck inspect --format '{{.Config.Env}}' blog-web; expect_out "TITLE=a blog"
  ck kube play --start=false --replace --configmap "$ROOT/pod.yaml" "$ROOT/pod.yaml"; expect_rc 125
  expect_err "a --configmap file holds ConfigMaps only"
  ck pod exists blog; [ "$rc" -eq 0 ] || fail "a refused --replace removed the pod"
  ck kube down "$ROOT/pod.yaml"; expect_rc 0
  nothing_left blog-data
  run_ck volume rm blog-data
}

bad() { # NAME: the YAML on stdin goes to $ROOT/NAME.yaml
  cat >"$ROOT/$1.yaml"
}

kube_bad_input_is_refused_and_leaves_nothing() {
  load_image
  local port; port=$(free_port)
  mkdir -p "$ROOT/site"
  printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n spec: [\n' | bad malformed
  ck kube play "$ROOT/malformed.yaml"; expect_rc 125
  expect_err "malformed.yaml:5:2: malformed YAML"
  printf 'apiVersion: v1\nkind: Frob\nmetadata:\n  name: x\n' | bad kind
  ck kube play "$ROOT/kind.yaml"; expect_rc 125
  expect_err "kind.yaml:2:7: kind Frob is not supported"
  sed 's/^    workingDir: \/www$/    livenessProbe: {exec: {command: [true]}}/' <(blog_yaml "$port" "$ROOT/site") | bad field
  ck kube play "$ROOT/field.yaml"; expect_rc 125
  expect_err "Pod blog: unsupported field spec.containers[0].livenessProbe"
  expect_err "field.yaml:33:5"
  sed "s|image: $IMG|image: localhost/nosuch:latest|" <(blog_yaml "$port" "$ROOT/site") | bad noimage
  ck kube play "$ROOT/noimage.yaml"; expect_rc 125
  expect_err "Pod blog: container web"; expect_err "nosuch"
  nothing_left
  sed 's/name: blog-config$/name: other-config/' <(blog_yaml "$port" "$ROOT/site") | sed '0,/name: other-config/s//name: blog-config-x/' | bad nocm
  ck kube play "$ROOT/nocm.yaml"; expect_rc 125; expect_err "nocm.yaml:40:7: Pod blog: env WHO: no ConfigMap named other-config"
  sed 's/type: Directory/type: Socket/' <(blog_yaml "$port" "$ROOT/site") | bad socket
  ck kube play "$ROOT/socket.yaml"; expect_rc 125; expect_err "hostPath.type: Socket is not supported"
  sed "s|path: $ROOT/site|path: $ROOT/missing|" <(blog_yaml "$port" "$ROOT/site") | bad nodir
  ck kube play "$ROOT/nodir.yaml"; expect_rc 125; expect_err "hostPath $ROOT/missing is not a directory"
  sed 's/^  name: blog$/  name: blog/; s/^      storage: 1Gi$/      storage: 1Gi\n---\napiVersion: apps\/v1\nkind: Deployment\nmetadata:\n  name: two\nspec:\n  replicas: 3/' \
    <(blog_yaml "$port" "$ROOT/site") | bad replicas
  ck kube play "$ROOT/replicas.yaml"; expect_rc 125; expect_err "3 replicas"
  nothing_left
  # a host port in use: the start fails and what the play made is undone,
  # the claim's new volume too
  python3 -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); print("ready", flush=True); import signal; signal.pause()' \
    "$port" </dev/null >"$ROOT/listener" 2>&1 &
  local lpid=$!
  wait_for 10 grep -qs ready "$ROOT/listener" || fail "the listener did not start"
  blog_yaml "$port" "$ROOT/site" >"$ROOT/busy.yaml"
  ck kube play "$ROOT/busy.yaml"; expect_rc 125
  expect_err "starting pod blog: cannot start pod blog"; expect_err "$port"
  kill $lpid 2>/dev/null; wait $lpid 2>/dev/null
  nothing_left
}

# A pod made by hand, written as YAML and played back, is the same pod.
kube_generate_plays_back_to_the_same_pod() {
  load_image
  local port; port=$(free_port)
  mkdir -p "$ROOT/site"; echo "generated" >"$ROOT/site/index.html"
  ck pod create --name gen -p "127.0.0.1:$port:8080" --label tier=front; expect_rc 0
  ck create --pod gen --name gen-web -w /www -e "COLOR=blue green" -v "$ROOT/site:/www:ro" -v store:/data \
    "$IMG" httpd -f -p 8080 -h /www; expect_rc 0
  ck create --pod gen --name gen-side "$IMG" sleep 1000; expect_rc 0
  snapshot() {
    local s=""
    for c in gen-web gen-side; do
      ck inspect --format '{{.Name}}|{{.Config.Cmd}}|{{.Config.WorkingDir}}|{{range .Mounts}}{{.Destination}}:{{.RW}} {{end}}' "$c"
      s+="$out;"
    done
    ck inspect --format '{{.Config.Env}}' gen-web; s+="$out;"
    ck pod inspect --format '{{.Name}} {{.Labels}}' gen; s+="$out;"
    run_ck pod inspect gen; s+="$(grep -o '"Host[IP][a-z]*": *"[0-9.]*"' <<<"$out" | tr -d ' ' | tr '\n' ' ')"
    echo "$s"
  }
  local before; before=$(snapshot)
  ck generate kube gen; expect_rc 0
  echo "$out" >"$ROOT/gen.yaml"
  expect_out "kind: Pod"; expect_out "name: web"; expect_out "claimName: store"; expect_out '- "8080"'
  expect_no_out "HOSTNAME"
  grep -q "COLOR" "$ROOT/gen.yaml" || fail "env not written: $out"
  ck generate kube -s -f "$ROOT/svc.yaml" gen; expect_rc 0
  grep -q "kind: Service" "$ROOT/svc.yaml" || fail "no Service with -s"
  ck generate kube -f "$ROOT/svc.yaml" gen; expect_rc 125; expect_err "svc.yaml"
  ck pod rm -f gen; expect_rc 0
  ck kube play --start=false "$ROOT/gen.yaml"; expect_rc 0
  local after; after=$(snapshot)
  [ "$before" = "$after" ] || fail "played back differently:
before: $before
after:  $after"
  ck kube play --replace "$ROOT/svc.yaml"; expect_rc 0
  wait_for 20 page_is "$port" "generated" || fail "the played-back pod does not serve its page"
  ck kube down "$ROOT/svc.yaml"; expect_rc 0
  nothing_left store
  ck volume rm store
}

# Differential: the same YAML on podman 4.3 (its roots in /tmp, as
# test_compat.sh keeps them short).  podman cannot start containers on this
# host's rlimits, so both create without starting.
pm_dir() { echo "/tmp/ckk-$(basename "$ROOT")"; }
run_podman() {
  local o e
  o=$(mktemp) e=$(mktemp)
  podman --root "$(pm_dir)/p" --runroot "$(pm_dir)/r" --storage-driver vfs --runtime runc \
    --cgroup-manager cgroupfs --events-backend file "$@" >"$o" 2>"$e" </dev/null
  rc=$?
  out=$(cat "$o") err=$(cat "$e")
  rm -f "$o" "$e"
}

kube_play_matches_podman() {
  command -v podman >/dev/null || { echo "  (podman is not installed: ck alone)" >&2; }
  load_image
  local port; port=$(free_port) have=0
  command -v podman >/dev/null && have=1
  [ $have -eq 0 ] || { run_podman load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0; }
  mkdir -p "$ROOT/site"
  blog_yaml "$port" "$ROOT/site" >"$ROOT/blog.yaml"
  printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n spec: [\n' >"$ROOT/malformed.yaml"
  printf 'apiVersion: v1\nkind: Frob\nmetadata:\n  name: x\n' >"$ROOT/kind.yaml"
  local shape_ck shape_pm
  shape() { # the engine's view after the play: names, ports, env
    local e=$1
    $e ps -a --format '{{.Names}}'; grep -v -- '-infra$' <<<"$out" | sort | tr '\n' ' '
    $e pod ps --format '{{.Name}}'; echo "pods: $out"
    $e pod inspect blog; grep -o '"HostPort": *"[0-9]*"\|"HostIp": *"[0-9.]*"' <<<"$out" | tr -d ' ' | sort -u | tr '\n' ' '
    $e inspect --format '{{.Config.Env}}' blog-web; tr ' ' '\n' <<<"${out//[\[\]]/}" | grep -E '^(GREETING|TITLE|MODE|WHO)=' | sort | tr '\n' ' '
  }
  for args in "kube play --start=false $ROOT/blog.yaml" "kube play $ROOT/malformed.yaml" "kube play $ROOT/kind.yaml" \
              "kube down $ROOT/malformed.yaml"; do
    ck $args; local ck_rc=$rc ck_shown
    ck_shown=$(sed -E 's/^[0-9a-f]{64}$/ID/' <<<"$out")
    if [ $have -eq 1 ]; then
      run_podman $args
      [ "$ck_rc" = "$rc" ] || fail "'$args': ck exited $ck_rc, podman $rc ($err)"
      # what a play prints: the volumes, each pod with its containers
      [ "$ck_shown" = "$(sed -E 's/^[0-9a-f]{64}$/ID/' <<<"$out")" ] || fail "'$args' prints differently:
ck:     $ck_shown
podman: $out"
    fi
  done
  shape_ck=$(shape ck)
  if [ $have -eq 1 ]; then
    shape_pm=$(shape run_podman)
    [ "$shape_ck" = "$shape_pm" ] || fail "ck and podman differ:
ck:     $shape_ck
podman: $shape_pm"
  fi
  grep -q "blog-db blog-web" <<<"$shape_ck" || fail "unexpected names: $shape_ck"
  ck kube down "$ROOT/blog.yaml"; local ck_rc=$rc
  if [ $have -eq 1 ]; then
    run_podman kube down "$ROOT/blog.yaml"
    [ "$ck_rc" = "$rc" ] || fail "kube down: ck exited $ck_rc, podman $rc ($err)"
    run_podman kube down "$ROOT/blog.yaml"; local pm_rc=$rc
    ck kube down "$ROOT/blog.yaml"
    [ "$rc" = "$pm_rc" ] || fail "second kube down: ck exited $rc, podman $pm_rc"
    run_podman pod rm -a -f; run_podman system reset -f; rm -rf "$(pm_dir)"
  fi
  run_ck volume rm blog-data
  nothing_left
}

# A .kube Quadlet file: the unit verifies, and its commands, run as
# systemd runs them, play the pod (the page is served) and take it down.
kube_quadlet_unit_plays_and_downs() {
  command -v systemd-analyze >/dev/null || { echo "  (no systemd-analyze: skipped)" >&2; return; }
  load_image
  local port; port=$(free_port)
  mkdir -p "$ROOT/q" "$ROOT/qout" "$ROOT/site" "$ROOT/rt"
  echo "from the unit" >"$ROOT/site/index.html"
  blog_yaml "$port" "$ROOT/site" >"$ROOT/q/blog.yaml"
  printf '[Unit]\nDescription=the blog\n[Kube]\nYaml=blog.yaml\nAutoUpdate=web/local\nSetWorkingDirectory=yaml\n[Install]\nWantedBy=default.target\n' \
    >"$ROOT/q/blog.kube"
  run_ck --runtime "$RUNTIME" systemd generate-units --output "$ROOT/qout" "$ROOT/q"; expect_rc 0
  local o
  o=$(cd "$ROOT/qout" && systemd-analyze verify "$ROOT/qout"/*.service 2>&1)
  [ $? -eq 0 ] && [ -z "$o" ] || fail "systemd-analyze verify: $o"
  o=$(python3 "$EXEC" "$ROOT/qout/blog.service" start "$ROOT/rt" 2>&1) || fail "unit start: $o"
  wait_for 20 page_is "$port" "from the unit" || fail "the unit's pod does not serve the page"
  [ -s "$ROOT/rt/blog.pid" ] || fail "no PIDFile written: $(ls "$ROOT/rt")"
  ck inspect --format '{{index .Config.Labels "io.containers.autoupdate"}}' blog-web; [ "$out" = local ] ||
    fail "AutoUpdate=web/local did not label blog-web: $out"
  ck inspect --format '{{index .Config.Labels "io.containers.autoupdate"}}' blog-db; [ -z "$out" ] ||
    fail "AutoUpdate=web/local labelled blog-db: $out"
  o=$(python3 "$EXEC" "$ROOT/qout/blog.service" stop "$ROOT/rt" 2>&1) || fail "unit stop: $o"
  nothing_left blog-data
  run_ck volume rm blog-data
}

cleanup() {
  run_ck pod rm -a -f
  run_ck ps -a -q --no-trunc
  [ -n "$out" ] && run_ck rm -f $out
  true
}
all="kube_play_serves_the_page_and_down_leaves_nothing kube_play_from_stdin_without_start
  kube_bad_input_is_refused_and_leaves_nothing kube_generate_plays_back_to_the_same_pod kube_play_matches_podman
  kube_quadlet_unit_plays_and_downs"
with_cleanup() { "$1"; cleanup; }
for t in ${@:-$all}; do eval "t_$t() { with_cleanup $t; }"; done
tests=(); for t in ${@:-$all}; do tests+=("t_$t"); done
run_tests "${tests[@]}"
