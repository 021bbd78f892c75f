#!/usr/bin/env bash
# `ck info` and `ck version` in podman's structure: the templates podman
# users write, and the JSON keys compared with the installed podman's.
. "$(dirname "$0")/lib.sh"

version_template_reads_client_version() {
  run_ck version --format json; expect_rc 0
  want=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Client"]["Version"])' <<<"$out")
  [ -n "$want" ] || fail "no Client.Version in $out"
  run_ck version --format '{{.Client.Version}}'; expect_rc 0
  [ "$out" = "$want" ] || fail "{{.Client.Version}} gave '$out', not '$want'"
  run_ck version --format '{{.Client.OsArch}}'; expect_rc 0
  case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  [ "$out" = "linux/$arch" ] || fail "{{.Client.OsArch}} gave '$out'"
}

info_templates_read_ck_values() {
  for rt in runc crun; do
    run_ck --runtime $rt info --format '{{.Host.OCIRuntime.Name}}'; expect_rc 0
    [ "$out" = $rt ] || fail "{{.Host.OCIRuntime.Name}} with --runtime $rt gave '$out'"
  done
  run_ck info --format '{{.Store.GraphRoot}}'; expect_rc 0
  [ "$out" = "$ROOT/storage" ] || fail "{{.Store.GraphRoot}} gave '$out'"
  run_ck info --format '{{.Store.RunRoot}} {{.Host.Kernel}} {{.Host.Security.Rootless}}'; expect_rc 0
  [ "$out" = "$ROOT/run $(uname -r) $([ "$(id -u)" = 0 ] && echo false || echo true)" ] ||
    fail "runroot/kernel/rootless gave '$out'"
  run_ck volume create v1; expect_rc 0
  run_ck info --format '{{.Store.ContainerStore.Number}} {{.Store.ImageStore.Number}} {{.Store.VolumeCount}}'
  [ "$out" = "0 0 1" ] || fail "counts gave '$out'"
  run_ck info --format '{{.Host.NoSuchKey}}'; expect_rc 0; expect_out '<no value>'
}

# podman's keys (top level, and second level under host, store and
# version) must all be in ck's JSON, except those listed here with why.
info_json_has_podmans_keys() {
  command -v podman >/dev/null || { echo "SKIP podman is not installed" >&2; skipped=1; return; }
  # podman refuses a run root longer than 50 characters: a short one
  local p
  p=$(mktemp -d /tmp/ck-pi-XXXXXX)
  podman --root "$p/storage" --runroot "$p/run" info --format json >"$ROOT/podman-info.json" 2>"$ROOT/podman.err"
  local prc=$?
  rm -rf "$p"
  [ $prc -eq 0 ] || { echo "SKIP podman info fails here: $(cat "$ROOT/podman.err")" >&2; skipped=1; return; }
  podman version --format json >"$ROOT/podman-version.json" 2>/dev/null ||
    { echo "SKIP podman version fails here" >&2; skipped=1; return; }
  run_ck info --format json; expect_rc 0; echo "$out" >"$ROOT/ck-info.json"
  run_ck version --format json; expect_rc 0; echo "$out" >"$ROOT/ck-version.json"
  python3 - "$ROOT" <<'PY' || fail "ck's JSON keys differ from podman's (above)"
import json, sys
root = sys.argv[1]
load = lambda n: json.load(open(f"{root}/{n}.json"))
# What ck cannot fill, and why.
missing_ok = {
    "registries": "ck has no registries.conf search list to show",
    "plugins.authorization": "ck has no authorization plugins",
    "host.buildahVersion": "ck does not use buildah",
    "host.cgroupControllers": "not reported: ck reads statistics per controller where it needs them",
    "host.conmon": "ck's own monitor (ck-monitor) takes conmon's place",
    "host.cpuUtilization": "needs two samples of /proc/stat over time; info takes one look",
    "host.distribution": "the distribution is not ck's concern",
    "host.idMappings": "rootless mappings are applied per container, not reported globally",
    "host.remoteSocket": "ck has no API service",
    "host.serviceIsRemote": "ck has no API service",
    "host.uptime": "not reported",
    "host.linkmode": "a Go build property",
    "store.graphOptions": "ck has no storage driver options",
    "store.graphRootAllocated": "not reported (ck system df reports use)",
    "store.graphRootUsed": "not reported (ck system df reports use)",
    "store.graphStatus": "overlay's backing details are not probed",
    "store.imageCopyTmpDir": "ck writes under <root>/images/tmp, not a configurable directory",
    "version.GoVersion": "ck is not written in Go",
    "version.GitCommit": "builds are not stamped with a commit",
    "version.BuiltTime": "builds are not stamped with a time",
    "version.Built": "builds are not stamped with a time",
    "Client.GoVersion": "ck is not written in Go",
    "Client.GitCommit": "builds are not stamped with a commit",
    "Client.BuiltTime": "builds are not stamped with a time",
    "Client.Built": "builds are not stamped with a time",
}
bad = []
def compare(pod, ck, where, depth):
    for k, v in pod.items():
        path = f"{where}.{k}" if where else k
        if path in missing_ok:
            if k in ck:
                bad.append(f"{path} is filled now: take it off the list")
            continue
        if k not in ck:
            bad.append(f"{path} missing from ck")
        elif depth < 1 and isinstance(v, dict):
            if not isinstance(ck[k], dict):
                bad.append(f"{path} is not an object in ck")
            else:
                compare(v, ck[k], path, depth + 1)
compare(load("podman-info"), load("ck-info"), "", 0)
compare(load("podman-version"), load("ck-version"), "", 0)
# the third level that templates reach
ck = load("ck-info")
for k in ("name", "path", "version"):
    if k not in ck["host"]["ociRuntime"]:
        bad.append(f"host.ociRuntime.{k} missing")
for k in ("number", "paused", "running", "stopped"):
    if k not in ck["store"]["containerStore"]:
        bad.append(f"store.containerStore.{k} missing")
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# Names on the command line run those tests only (ctest runs the podman
# comparison apart, so that its skip is reported as one).
skipped=0
if [ $# -gt 0 ]; then tests=("$@"); else
  tests=(version_template_reads_client_version info_templates_read_ck_values info_json_has_podmans_keys); fi
run_tests "${tests[@]}"
rc=$?
[ $rc -eq 0 ] && [ $skipped -eq 1 ] && [ ${#tests[@]} -eq 1 ] && exit 77
exit $rc
