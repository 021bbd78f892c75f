#!/usr/bin/env bash
# The image pull benchmark: `ck pull` against `podman pull` of the same ~100 MB
# image (the busybox base layer plus a generated layer of some hundreds of
# files of mixed sizes, half random and half repetitive bytes, gzip layers)
# from the same local docker-registry on 127.0.0.1 (plain HTTP, so both run
# with --tls-verify=false).  Each run starts from an empty store on both sides
# (hyperfine's prepare step wipes it); podman uses the vfs driver, as it does
# without overlay.  Prints a Markdown table of the medians and their ratio
# (progress goes to stderr).  See bench/README.md for why only the ratio is the
# finding.
#
# usage: bench/images/pull.sh [BUILD_DIR]     (default: build, in the source tree)
# environment: CK_BENCH_DIR     where the scratch files go (default /var/tmp; the disk measured)
#              CK_BENCH_MB      size of the generated layer in MB (default 100)
#              CK_BENCH_RUNS    timed runs per case (default 5)
#              CK_BENCH_DRIVER  podman's storage driver (default vfs)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
scratch=${CK_BENCH_DIR:-/var/tmp}
mb=${CK_BENCH_MB:-100}
runs=${CK_BENCH_RUNS:-5}
driver=${CK_BENCH_DRIVER:-vfs}

say() { printf 'pull.sh: %s\n' "$*" >&2; }
load_start=$(cut -d' ' -f1 /proc/loadavg) # printed with the results: the machine may be busy

ck=$build/examples/ck/ck
[[ -x $ck ]] || { say "$ck not found: build first (cmake -B build && cmake --build build)"; exit 1; }
for tool in python3 hyperfine podman skopeo docker-registry; do
	command -v "$tool" >/dev/null || { say "$tool is needed (apt-get install $tool)"; exit 1; }
done

work=$(mktemp -d "$scratch/ck-bench-pull.XXXXXX")
pm="podman --root $work/podman --runroot $work/podman-run --storage-driver $driver"
reg_pid=
# Every step may fail without stopping the rest (set -e applies in the trap
# too: a failed `wait` for the registry it killed used to end the script
# with status 143 and leave the scratch directory behind).
cleanup() {
	if [[ -n $reg_pid ]]; then
		kill "$reg_pid" 2>/dev/null || true
		wait "$reg_pid" 2>/dev/null || true
	fi
	$pm rmi -a -f >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# The registry: filesystem storage in the scratch directory, loopback only.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
reg=127.0.0.1:$port
cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: $reg
  secret: ck-bench
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
reg_pid=$!
for _ in $(seq 100); do
	curl -s -o /dev/null "http://$reg/v2/" && break
	sleep 0.1
done
curl -s -o /dev/null "http://$reg/v2/" || { say "docker-registry did not start: $(cat "$work/registry.log")"; exit 1; }

say "generating a ${mb} MB layer in $work"
python3 - "$work/layer" "$mb" <<'EOF'
import os, random, sys
root, mb = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
text = b"the quick brown fox jumps over the lazy dog 0123456789\n" * 2000
total, i = 0, 0
while total < mb << 20:
    size = rnd.choice([rnd.randint(200, 16 << 10)] * 8 + [rnd.randint(64 << 10, 4 << 20)])
    half = size // 2
    d = os.path.join(root, "d%02d" % (i % 16), "s%02d" % ((i // 16) % 8))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d" % i), "wb") as f:
        f.write(rnd.randbytes(half) + (text * (size // len(text) + 1))[: size - half])
    total += size
    i += 1
EOF
python3 "$src/tests/fixtures/mkimage.py" "$work/oci" --format oci-dir --name latest --busybox \
	--layer-dir "$work/layer" --compress gzip >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$work/oci:latest" "docker://$reg/bench:1" >/dev/null
files=$(find "$work/layer" -type f | wc -l)
rm -rf "$work/layer" "$work/oci"
fs=$(findmnt -n -o FSTYPE -T "$work" 2>/dev/null || stat -f -c %T "$work") # stat -f says "ext2/ext3" for ext4
compressed=$(du -sm "$work/registry" | cut -f1)

# A sanity pass: both pull it and agree on the image id.
ck_id=$("$ck" --root "$work/ck" --runroot "$work/ck-run" pull -q --tls-verify=false "$reg/bench:1")
pm_id=$($pm pull -q --tls-verify=false "$reg/bench:1" 2>/dev/null)
if [[ $ck_id != "$pm_id" ]]; then
	say "ck pulled image $ck_id but podman pulled $pm_id"
	exit 1
fi
$pm rmi -a -f >/dev/null 2>&1

say "timing a pull of $reg/bench:1 (${compressed} MB in the registry): ck pull, then podman pull"
hyperfine --runs "$runs" --warmup 1 --style none --export-json "$work/pull.json" \
	--prepare "rm -rf $work/ck $work/ck-run; sync" \
	-n ck "$ck --root $work/ck --runroot $work/ck-run pull -q --tls-verify=false $reg/bench:1" \
	--prepare "$pm rmi -a -f >/dev/null 2>&1; rm -rf $work/podman $work/podman-run; sync" \
	-n podman "$pm pull -q --tls-verify=false $reg/bench:1" >&2

cat <<EOF
### \`ck pull\` against \`podman pull\` ($(date -u +%Y-%m-%d), $(nproc) cores, $fs, podman $(podman --version | awk '{print $3}') with --storage-driver $driver)

Image: busybox base layer + one gzip layer of $files files (~$mb MB unpacked, $compressed MB in the registry),
from docker-registry on 127.0.0.1 over plain HTTP; fresh store every run; median of $runs runs.  Load
average $load_start at the start, $(cut -d' ' -f1 /proc/loadavg) at the end.

| image | ck pull | podman pull | ck / podman |
| --- | ---: | ---: | ---: |
EOF
python3 - "$work/pull.json" "$mb" <<'EOF'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
ck, pm = res["ck"]["median"], res["podman"]["median"]
print(f"| ~{sys.argv[2]} MB, 2 layers | {ck*1000:.0f} ms | {pm*1000:.0f} ms | {ck/pm:.2f} |")
EOF
