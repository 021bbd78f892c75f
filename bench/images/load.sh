#!/usr/bin/env bash
# The image load benchmark: `ck load -i` against `podman load -i` of the same
# archive, a ~100 MB image (the busybox base layer plus a generated layer of
# some hundreds of files of mixed sizes, half random and half repetitive bytes),
# as a docker-archive (plain layers) and as an oci-archive (gzip layers).
# Each run starts from an empty store on both sides.  Timed with hyperfine;
# prints a Markdown table of the medians and their ratio (progress goes to
# stderr).  See bench/README.md for why only the ratio is the finding.
#
# usage: bench/images/load.sh [BUILD_DIR]     (default: build, in the source tree)
# environment: CK_BENCH_DIR     where the scratch files go (default /var/tmp; the disk measured)
#              CK_BENCH_MB      size of the generated layer in MB (default 100)
#              CK_BENCH_RUNS    timed runs per case (default 5)
#              CK_BENCH_DRIVER  podman's storage driver (default overlay, its own default)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
scratch=${CK_BENCH_DIR:-/var/tmp}
mb=${CK_BENCH_MB:-100}
runs=${CK_BENCH_RUNS:-5}
driver=${CK_BENCH_DRIVER:-overlay}

say() { printf 'load.sh: %s\n' "$*" >&2; }
load_start=$(cut -d' ' -f1 /proc/loadavg) # printed with the results: the machine may be busy

ck=$build/examples/ck/ck
[[ -x $ck ]] || { say "$ck not found: build first (cmake -B build && cmake --build build)"; exit 1; }
for tool in python3 hyperfine podman; do
	command -v "$tool" >/dev/null || { say "$tool is needed (apt-get install $tool)"; exit 1; }
done

work=$(mktemp -d "$scratch/ck-bench-load.XXXXXX")
pm="podman --root $work/podman --runroot $work/podman-run --storage-driver $driver"
cleanup() {
	$pm rmi -a -f >/dev/null 2>&1 || true # overlay mounts, if any
	rm -rf "$work"
}
trap cleanup EXIT

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
print(i, file=sys.stderr)
EOF
mk() { python3 "$src/tests/fixtures/mkimage.py" "$@"; }
mk "$work/docker.tar" --format docker-archive --name localhost/bench:1 --busybox --layer-dir "$work/layer" >/dev/null
mk "$work/oci.tar" --format oci-archive --name localhost/bench:1 --busybox --layer-dir "$work/layer" --compress gzip >/dev/null
files=$(find "$work/layer" -type f | wc -l)
fs=$(findmnt -n -o FSTYPE -T "$work" 2>/dev/null || stat -f -c %T "$work") # stat -f says "ext2/ext3" for ext4

# A sanity pass: both load each archive and agree on the image id.
for a in docker oci; do
	rm -rf "$work/ck" "$work/ck-run"
	"$ck" --root "$work/ck" --runroot "$work/ck-run" load -q -i "$work/$a.tar" >/dev/null
	$pm load -q -i "$work/$a.tar" >/dev/null 2>&1
	$pm rmi -a -f >/dev/null 2>&1
done

results=()
for a in docker oci; do
	say "timing $a.tar ($(du -m "$work/$a.tar" | cut -f1) MB): ck load, then podman load"
	hyperfine --runs "$runs" --warmup 1 --style none --export-json "$work/$a.json" \
		--prepare "rm -rf $work/ck $work/ck-run; sync" \
		-n ck "$ck --root $work/ck --runroot $work/ck-run load -q -i $work/$a.tar" \
		--prepare "$pm rmi -a -f >/dev/null 2>&1; rm -rf $work/podman $work/podman-run; sync" \
		-n podman "$pm load -q -i $work/$a.tar" >&2
	results+=("$a|$(du -m "$work/$a.tar" | cut -f1)|$work/$a.json")
done

cat <<EOF
### \`ck load -i\` against \`podman load -i\` ($(date -u +%Y-%m-%d), $(nproc) cores, $fs, podman $(podman --version | awk '{print $3}') with --storage-driver $driver)

Image: busybox base layer + one layer of $files files (~$mb MB); fresh store every run; median ± standard
deviation of $runs runs.  Load average $load_start at the start, $(cut -d' ' -f1 /proc/loadavg) at the end.

| archive | size | ck load | podman load | ck / podman |
| --- | ---: | ---: | ---: | ---: |
EOF
for r in "${results[@]}"; do
	IFS='|' read -r name size json <<<"$r"
	python3 - "$name" "$size" "$json" <<'EOF'
import json, sys
name, size, path = sys.argv[1:4]
res = {r["command"]: r for r in json.load(open(path))["results"]}
ck, pm = res["ck"]["median"], res["podman"]["median"]
cks, pms = res["ck"].get("stddev") or 0, res["podman"].get("stddev") or 0
label = {"docker": "docker-archive (plain layers)", "oci": "oci-archive (gzip layers)"}[name]
print(f"| {label} | {size} MB | {ck*1000:.0f} ms ± {cks*1000:.0f} | {pm*1000:.0f} ms ± {pms*1000:.0f} | {ck/pm:.2f} |")
EOF
done
