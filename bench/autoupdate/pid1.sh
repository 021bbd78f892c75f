#!/usr/bin/env bash
# auto-update, ck against podman 4.3, in one run where podman can work: under
# systemd as PID 1 inside a ck container (podman dials systemd before it does
# anything, and this host has no systemd as PID 1).  Two measurements, both
# taken inside that container:
#  1. bench/autoupdate.yaml (`auto-update --dry-run` over 100 labelled
#     containers, a docker-registry on the container's own 127.0.0.1) run by
#     ck-bench there;
#  2. the time from `auto-update` to the updated container healthy: each
#     engine's container runs under its own `generate systemd --new` unit with
#     a healthcheck (interval 1 s), the local policy, a new image loaded before
#     each round (not timed); the time ends when the engine's inspect first
#     shows a new container healthy (ck's auto-update waits for it itself).
# Usage: bench/autoupdate/pid1.sh [BUILD_DIR] [RUNS]   (root; writes into
# $CK_BENCH_OUT, default BUILD_DIR/bench-autoupdate-pid1)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$REPO/build}" && pwd)
RUNS=${2:-10}
PARTS=${CK_BENCH_PARTS:-healthy dry} # which measurements: "healthy", "dry" or both
CK=$BUILD/examples/ck/ck
OUT=${CK_BENCH_OUT:-$BUILD/bench-autoupdate-pid1}
[ "$(id -u)" -eq 0 ] || { echo "needs root" >&2; exit 2; }
for f in "$CK" "$BUILD/examples/ck-bench/ck-bench" /usr/lib/systemd/systemd /usr/bin/podman /usr/sbin/runc; do
  [ -x "$f" ] || { echo "missing: $f" >&2; exit 2; }
done
mkdir -p "$OUT"
# short: podman refuses a run root longer than 50 characters
WORK=$(mktemp -d /tmp/ckaub-XXXXXX)
OUTER=(--root "$WORK/o/s" --runroot "$WORK/o/r")
cgroup_view() { ls /sys/fs/cgroup; grep ' /sys/fs/cgroup ' /proc/self/mounts | cut -d' ' -f4 | cut -d, -f1; }
cg_before=$(cgroup_view)
finish() {
  "$CK" "${OUTER[@]}" stop -t 30 sd >/dev/null 2>&1 || true
  "$CK" "${OUTER[@]}" rm -f sd >/dev/null 2>&1 || true
  rm -rf "$WORK"
  if [ "$(cgroup_view)" != "$cg_before" ]; then echo "the host's /sys/fs/cgroup changed" >&2; exit 1; fi
}
trap finish EXIT

# The outer image: systemd's configuration; /usr is the host's.
mkdir -p "$WORK/os/etc/systemd/system" "$WORK/os/"{proc,sys,dev,run,tmp,var/log,var/tmp,root,usr}
for d in bin lib lib64 sbin; do [ -e /$d ] && ln -s usr/$d "$WORK/os/$d"; done
echo "root:x:0:0:root:/root:/bin/sh" >"$WORK/os/etc/passwd"
echo "root:x:0:" >"$WORK/os/etc/group"
: >"$WORK/os/etc/machine-id"
cp /usr/lib/os-release "$WORK/os/etc/os-release"
# podman reads its settings from files, also when its healthcheck timers run
# `podman healthcheck run` without the command line's flags
mkdir -p "$WORK/os/etc/containers"
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$WORK/os/etc/containers/policy.json"
printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/p/root"\nrunroot = "%s/p/run"\n' "$WORK" "$WORK" \
  >"$WORK/os/etc/containers/storage.conf"
printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "ckrunc"\n[engine.runtimes]\nckrunc = ["%s/runc"]\n' \
  "$WORK" >"$WORK/os/etc/containers/containers.conf"
tar -C "$WORK/os" -cf "$WORK/os.tar" .
# runc with --no-new-keyring (ck's seccomp profile refuses keyctl in the outer container)
cat >"$WORK/runc" <<'EOF'
#!/bin/sh
n=$#; i=0; put=
while [ $i -lt $n ]; do
  a=$1; shift; i=$((i + 1))
  set -- "$@" "$a"
  if [ -z "$put" ] && { [ "$a" = run ] || [ "$a" = create ]; }; then set -- "$@" --no-new-keyring; put=1; fi
done
exec /usr/sbin/runc "$@"
EOF
chmod +x "$WORK/runc"
# it ends on SIGTERM: sleep as PID 1 would not, and every stop of the unit
# would take the whole stop timeout (10 s), the same for both engines
for v in 1 2; do
  python3 "$REPO/tests/fixtures/mkimage.py" "$WORK/hu-v$v.tar" --format oci-archive --busybox \
    --name localhost/hu:latest --cmd '["sh","-c","trap \"exit 0\" TERM; while :; do sleep 1 & wait; done"]' \
    --label version=$v >/dev/null
done

"$CK" "${OUTER[@]}" import "$WORK/os.tar" localhost/ck-systemd-os:latest >/dev/null
binds=(-v /usr:/usr:ro -v /sys/fs/cgroup:/sys/fs/cgroup -v "$REPO:$REPO:ro" -v "$WORK:$WORK" -v "$OUT:$OUT")
case "$BUILD" in "$REPO"/*) ;; *) binds+=(-v "$BUILD:$BUILD:ro") ;; esac
"$CK" "${OUTER[@]}" run -d --runtime runc --name sd --cap-add ALL -e container=ck --stop-signal RTMIN+3 \
  "${binds[@]}" localhost/ck-systemd-os:latest /usr/lib/systemd/systemd >/dev/null
n=300
until "$CK" "${OUTER[@]}" exec sd /usr/bin/systemctl is-system-running --wait >/dev/null 2>&1; do
  n=$((n - 1)); [ $n -gt 0 ] || { echo "systemd did not come up" >&2; exit 1; }; sleep 0.1
done

cat >"$WORK/inside.sh" <<EOF
#!/bin/bash
set -eu
WORK=$WORK CK=$CK RUNS=$RUNS OUT=$OUT PARTS="$PARTS"
EOF
cat >>"$WORK/inside.sh" <<'EOF'
K="$CK --root $WORK/k/s --runroot $WORK/k/r --runtime $WORK/runc"
P=podman
eng() { if [ "$1" = ck ]; then echo "$K"; else echo "$P"; fi; }
# 2. the healthy update
setup_unit() { # ENGINE NAME
  local e; e=$(eng "$1")
  $e load -q -i "$WORK/hu-v1.tar" >/dev/null
  $e create --name "$2" --network none --label io.containers.autoupdate=local --health-cmd true \
    --health-interval 1s localhost/hu:latest >/dev/null
  mkdir -p "$WORK/units"
  (cd "$WORK/units" && $e generate systemd --files --new --name "$2" >/dev/null)
  $e rm "$2" >/dev/null
  cp "$WORK/units/container-$2.service" /etc/systemd/system/
  systemctl daemon-reload
  systemctl start "container-$2.service"
}
healthy_new() { # ENGINE NAME OLD_ID
  local e s; e=$(eng "$1")
  s=$($e inspect --format '{{.Id}} {{.State.Health.Status}}' "$2" 2>/dev/null) || return 1
  [ "${s%% *}" != "$3" ] && [ "${s#* }" = healthy ]
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
case " $PARTS " in *" healthy "*) ;; *) RUNS_H=0 ;; esac
: >"$OUT/healthy-update.txt"
if [ "${RUNS_H:-$RUNS}" -gt 0 ]; then
setup_unit ck ck-hu
setup_unit podman pm-hu
v=2
for r in $(seq 1 "$RUNS"); do
  order="ck podman"; [ $((r % 2)) -eq 0 ] && order="podman ck"
  for en in $order; do
    name=ck-hu; [ $en = podman ] && name=pm-hu
    e=$(eng $en)
    $e load -q -i "$WORK/hu-v$v.tar" >/dev/null
    # the container healthy before the round starts
    n=600; until healthy_new $en $name none; do n=$((n - 1)); [ $n -gt 0 ] || exit 1; sleep 0.05; done
    old=$($e inspect --format '{{.Id}}' $name)
    t0=$(now_ms)
    $e auto-update >"$WORK/au.out" 2>&1 || { cat "$WORK/au.out" >&2; exit 1; }
    n=1200; until healthy_new $en $name "$old"; do n=$((n - 1)); [ $n -gt 0 ] || { echo "$en: no healthy new container" >&2; exit 1; }; sleep 0.05; done
    t1=$(now_ms)
    grep -q "local *true" "$WORK/au.out" || { echo "$en: not updated: $(cat "$WORK/au.out")" >&2; exit 1; }
    echo "$en $((t1 - t0))" >>"$OUT/healthy-update.txt"
  done
  v=$((3 - v))
done
systemctl stop container-ck-hu.service container-pm-hu.service
fi
case " $PARTS " in *" dry "*) ;; *) exit 0 ;; esac
# 1. the dry run over 100 containers, by ck-bench
"$(dirname "$CK")/../ck-bench/ck-bench" run --suite "$REPO_DIR/bench/autoupdate.yaml" --set ck="$CK" \
  --set runtime="$WORK/runc" --workdir "$WORK/bench" --runs "$RUNS" --json "$OUT/autoupdate-pid1.json" \
  --markdown "$OUT/autoupdate-pid1.md"
EOF
sed -i "s|^WORK=$WORK CK=|REPO_DIR=$REPO WORK=$WORK CK=|" "$WORK/inside.sh"
chmod +x "$WORK/inside.sh"
"$CK" "${OUTER[@]}" exec sd "$WORK/inside.sh"
if [ -s "$OUT/healthy-update.txt" ]; then
  echo "healthy update, ms (engine, time):"
  cat "$OUT/healthy-update.txt"
  for en in ck podman; do
    awk -v e=$en '$1 == e { print $2 }' "$OUT/healthy-update.txt" | sort -n >"$WORK/t.$en"
    echo "$en median $(awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }' "$WORK/t.$en") ms"
  done
fi
