#!/usr/bin/env bash
# ck kube play pulls what the store lacks from a real docker-registry on
# 127.0.0.1, as the containers' imagePullPolicy says, before it makes anything:
# a pull that cannot happen (Never, an unreachable registry) leaves nothing.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

RUNTIME=${CK_TEST_RUNTIME:-runc}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the container CLI tests run as root" >&2; exit 77; }
command -v "$RUNTIME" >/dev/null || { echo "SKIP: $RUNTIME is not installed" >&2; exit 77; }
[ -x /usr/bin/catatonit ] || [ -x /usr/libexec/podman/catatonit ] ||
  { echo "SKIP: catatonit is not installed (apt-get install catatonit)" >&2; exit 77; }
. "$HERE/../registry/fixture.sh"

# The pods stay off the bridge: what is tested is the image, not the network.
ck() { run_ck --runtime "$RUNTIME" "$@"; }
play() { ck kube play --network none "$@"; }

nothing_left() {
  run_ck ps -a -q; [ -z "$out" ] || fail "containers left: $out"
  run_ck pod ps -q; [ -z "$out" ] || fail "pods left: $out"
  run_ck volume ls -q; [ -z "$out" ] || fail "volumes left: $out"
  run_ck images -q; [ -z "$out" ] || fail "images left: $out"
}

# pod_yaml NAME IMAGE [POLICY]: a claim and a pod whose one container echoes
# the image's marker file and exits
pod_yaml() {
  cat <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: $1-data
---
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: $2
${3:+    imagePullPolicy: $3
}    command: ["sh", "-c", "cat /marker"]
    volumeMounts:
    - name: data
      mountPath: /data
  volumes:
  - name: data
    persistentVolumeClaim:
      claimName: $1-data
EOF
}

# image_with MARKER DIR: a busybox layout whose /marker holds MARKER
image_with() {
  mkdir -p "$FIX/layer-$1" && printf '%s\n' "$1" >"$FIX/layer-$1/marker" &&
    make_busybox "$2" --layer-dir "$FIX/layer-$1"
}

# ran POD-CTR TEXT: the container ran to exit 0 and printed TEXT
ran() {
  ck wait "$1"; [ "$out" = 0 ] || fail "$1 exited '$out' ($err)"
  ck logs "$1"; [ "$out" = "$2" ] || fail "$1 printed '$out', expected '$2'"
}

setup_registry() {
  start_registry plain plain || { fail "no registry"; return 1; }
  REG_PID=${FIX_PIDS[-1]}
  image_with one "$FIX/one" && image_with two "$FIX/two" || { fail "no image"; return 1; }
  populate "$REG_plain" busybox:1.0 "$FIX/one" && populate "$REG_plain" busybox:latest "$FIX/one" ||
    { fail "populate"; return 1; }
}

kube_play_pulls_an_image_only_the_registry_has() {
  setup_registry || return
  pod_yaml web "$REG_plain/busybox:1.0" >"$ROOT/web.yaml"
  # plain HTTP: refused unless TLS verification is off
  play "$ROOT/web.yaml"; expect_rc 125; expect_err "Pod web: container app: image $REG_plain/busybox:1.0"
  nothing_left
  play --tls-verify=false --authfile "$ROOT/none.json" "$ROOT/web.yaml"; expect_rc 0
  ran web-app one
  ck image exists "$REG_plain/busybox:1.0"; expect_rc 0
  ck kube down "$ROOT/web.yaml"; expect_rc 0
  # IfNotPresent (the default for a tag other than latest) does not ask the
  # registry again: with it gone the play still works
  kill "$REG_PID"; wait "$REG_PID" 2>/dev/null
  play --tls-verify=false "$ROOT/web.yaml"; expect_rc 0
  ran web-app one
  ck kube down "$ROOT/web.yaml"; expect_rc 0
}

kube_play_pulls_latest_always() {
  setup_registry || return
  export CK_INSECURE_REGISTRIES=$REG_plain
  pod_yaml first "$REG_plain/busybox" >"$ROOT/first.yaml"
  play "$ROOT/first.yaml"; expect_rc 0
  ran first-app one
  # the tag moves in the registry: no tag (so latest) pulls it again
  populate "$REG_plain" busybox:latest "$FIX/two" || fail "populate two"
  pod_yaml second "$REG_plain/busybox" >"$ROOT/second.yaml"
  play "$ROOT/second.yaml"; expect_rc 0
  ran second-app two
  # IfNotPresent, spelt out, keeps the local latest
  populate "$REG_plain" busybox:latest "$FIX/one" || fail "populate one"
  pod_yaml third "$REG_plain/busybox:latest" IfNotPresent >"$ROOT/third.yaml"
  play "$ROOT/third.yaml"; expect_rc 0
  ran third-app two
  # Always on a tag that is not latest pulls too
  populate "$REG_plain" busybox:1.0 "$FIX/two" || fail "populate 1.0"
  pod_yaml fourth "$REG_plain/busybox:1.0" Always >"$ROOT/fourth.yaml"
  play "$ROOT/fourth.yaml"; expect_rc 0
  ran fourth-app two
  local y
  for y in first second third fourth; do
    ck kube down "$ROOT/$y.yaml"; expect_rc 0
  done
  unset CK_INSECURE_REGISTRIES
}

kube_play_never_and_unreachable_leave_nothing() {
  setup_registry || return
  export CK_INSECURE_REGISTRIES=$REG_plain
  pod_yaml never "$REG_plain/busybox:1.0" Never >"$ROOT/never.yaml"
  play "$ROOT/never.yaml"; expect_rc 125
  expect_err "Pod never: container app: image $REG_plain/busybox:1.0"; expect_err "pull policy is never"
  nothing_left
  local port; port=$(free_port)
  pod_yaml gone "127.0.0.1:$port/busybox:1.0" >"$ROOT/gone.yaml"
  CK_INSECURE_REGISTRIES=127.0.0.1:$port play "$ROOT/gone.yaml"; expect_rc 125
  expect_err "Pod gone: container app: image 127.0.0.1:$port/busybox:1.0"
  nothing_left
  # a policy Kubernetes does not have is refused where it stands
  pod_yaml odd "$REG_plain/busybox:1.0" Sometimes >"$ROOT/odd.yaml"
  play "$ROOT/odd.yaml"; expect_rc 125
  expect_err "odd.yaml:15:22: Pod odd: spec.containers[0].imagePullPolicy: Sometimes is not Always, IfNotPresent or Never"
  nothing_left
  unset CK_INSECURE_REGISTRIES
}

# Two containers of one image: it is fetched once, with the policy that asks
# most of the registry, whichever container comes first.
kube_play_shared_image_takes_the_strongest_policy() {
  setup_registry || return
  export CK_INSECURE_REGISTRIES=$REG_plain
  pod_yaml warm "$REG_plain/busybox:1.0" >"$ROOT/warm.yaml"
  play "$ROOT/warm.yaml"; expect_rc 0
  ran warm-app one
  ck kube down "$ROOT/warm.yaml"; expect_rc 0
  populate "$REG_plain" busybox:1.0 "$FIX/two" || fail "populate two"
  cat >"$ROOT/pair.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: pair
spec:
  restartPolicy: Never
  containers:
  - name: first
    image: $REG_plain/busybox:1.0
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "cat /marker"]
  - name: second
    image: $REG_plain/busybox:1.0
    imagePullPolicy: Always
    command: ["sh", "-c", "cat /marker"]
EOF
  play "$ROOT/pair.yaml"; expect_rc 0
  ran pair-first two
  ran pair-second two
  ck kube down "$ROOT/pair.yaml"; expect_rc 0
  unset CK_INSECURE_REGISTRIES
}

if [ $# -gt 0 ]; then
  run_tests "$@"
else
  run_tests kube_play_pulls_an_image_only_the_registry_has kube_play_pulls_latest_always \
    kube_play_never_and_unreachable_leave_nothing kube_play_shared_image_takes_the_strongest_policy
fi
