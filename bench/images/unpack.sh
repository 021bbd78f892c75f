#!/usr/bin/env bash
# The layer unpack benchmark: a generated ~200 MB layer (about 4,400 files
# of mixed sizes, half random and half repetitive bytes), plain and gzip,
# unpacked by ck__layer_unpack (blob digest and diff id verified in the same
# pass, every path resolved beneath the layer root, synced before the rename)
# and by GNU tar into an empty directory.  Prints a Markdown table of the
# medians and their ratio; progress goes to stderr.  See bench/README.md.
#
# usage: bench/images/unpack.sh [BUILD_DIR]    (default: build, in the source tree)
# environment: CK_BENCH_DIR   where the scratch files go (default /var/tmp; the disk
#                             measured)
#              CK_BENCH_MB    layer size in MB (default 200)
#              CK_BENCH_RUNS  timed runs per case (default 5)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
scratch=${CK_BENCH_DIR:-/var/tmp}
mb=${CK_BENCH_MB:-200}
runs=${CK_BENCH_RUNS:-5}

say() { printf 'unpack.sh: %s\n' "$*" >&2; }
load_start=$(cut -d' ' -f1 /proc/loadavg) # printed with the results: the machine may be busy

driver=
for d in "$build/tests/images_layer" "$build/images_layer"; do
	[[ -x $d ]] && driver=$d && break
done
if [[ -z $driver ]]; then
	say "images_layer not found under $build: build first (cmake -B build && cmake --build build)"
	exit 1
fi
for tool in python3 tar gzip sha256sum; do
	command -v "$tool" >/dev/null || { say "$tool is needed"; exit 1; }
done

work=$(mktemp -d "$scratch/ck-bench-unpack.XXXXXX")
trap 'rm -rf "$work"' EXIT
store=$work/store
out=$work/out

say "generating a ${mb} MB layer in $work"
python3 - "$work/layer.tar" "$mb" <<'EOF'
import io, random, sys, tarfile
path, mb = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
text = b"the quick brown fox jumps over the lazy dog 0123456789\n" * 2000
total, i = 0, 0
with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as t:
    while total < mb << 20:
        # Mostly small files, some large ones, as in a distribution layer.
        size = rnd.choice([rnd.randint(200, 16 << 10)] * 15 + [rnd.randint(64 << 10, 1 << 20)])
        half = size // 2
        data = rnd.randbytes(half) + (text * (size // len(text) + 1))[: size - half]
        info = tarfile.TarInfo("d%02d/s%02d/f%05d" % (i % 16, (i // 16) % 8, i))
        info.size, info.mode, info.mtime = size, 0o644, 1600000000
        t.addfile(info, io.BytesIO(data))
        total += size
        i += 1
    print(i, file=sys.stderr)
EOF
say "compressing with gzip -6"
gzip -6 -k -c "$work/layer.tar" >"$work/layer.tar.gz"

# The store: the two blobs in place, as a pull or load would leave them.
mkdir -p "$store/images/blobs/sha256"
tar_hex=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gz_hex=$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)
cp "$work/layer.tar" "$store/images/blobs/sha256/$tar_hex"
cp "$work/layer.tar.gz" "$store/images/blobs/sha256/$gz_hex"
files=$(tar -tf "$work/layer.tar" | wc -l)
tar_size=$(stat -c %s "$work/layer.tar")
gz_size=$(stat -c %s "$work/layer.tar.gz")

ck_cmd() { # blob hex -> the command that unpacks it
	echo "CK_BENCH_ROOT=$store CK_BENCH_UNPACK_BLOB=sha256:$1 CK_BENCH_DIFF_ID=sha256:$tar_hex $driver bench_unpack"
}
ck_prep="rm -rf $store/images/layers $store/images/tmp; sync"
tar_prep="rm -rf $out; mkdir $out; sync"

# Median seconds of a command, by hyperfine or by a plain loop.
median() { # prepare command
	if command -v hyperfine >/dev/null; then
		hyperfine --style none --warmup 1 --runs "$runs" --prepare "$1" --export-json "$work/h.json" \
			"$2" >/dev/null 2>&1
		python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$work/h.json"
	else
		local t=()
		for _ in $(seq "$runs"); do
			bash -c "$1"
			local a b
			a=$(date +%s%N)
			bash -c "$2" >/dev/null
			b=$(date +%s%N)
			t+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')")
		done
		printf '%s\n' "${t[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
	fi
}
command -v hyperfine >/dev/null || say "hyperfine not found: timing with a plain loop"

# Sanity: the driver unpacks both and finds the same diff id.
bash -c "$ck_prep"
bash -c "$(ck_cmd "$tar_hex")" >/dev/null 2>&1 || { say "unpack of the plain layer failed:"; bash -c "$(ck_cmd "$tar_hex")"; exit 1; }
bash -c "$ck_prep"
bash -c "$(ck_cmd "$gz_hex")" >/dev/null 2>&1 || { say "unpack of the gzip layer failed:"; bash -c "$(ck_cmd "$gz_hex")"; exit 1; }

say "timing plain: ck__layer_unpack"
ck_plain=$(median "$ck_prep" "$(ck_cmd "$tar_hex")")
say "timing plain: tar -xf"
tar_plain=$(median "$tar_prep" "tar -xf $work/layer.tar -C $out")
say "timing plain: tar -xf + sync"
tar_plain_sync=$(median "$tar_prep" "tar -xf $work/layer.tar -C $out && sync -f $out")
say "timing gzip: ck__layer_unpack"
ck_gz=$(median "$ck_prep" "$(ck_cmd "$gz_hex")")
say "timing gzip: tar -xzf"
tar_gz=$(median "$tar_prep" "tar -xzf $work/layer.tar.gz -C $out")
say "timing gzip: tar -xzf + sync"
tar_gz_sync=$(median "$tar_prep" "tar -xzf $work/layer.tar.gz -C $out && sync -f $out")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
secs() { awk -v a="$1" 'BEGIN { printf "%.3f", a }'; }
rate() { awk -v s="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.0f", s / 1048576 / t; else printf "n/a" }'; }
fs=$(findmnt -n -o FSTYPE -T "$work" 2>/dev/null || stat -f -c %T "$work") # stat -f says "ext2/ext3" for ext4

cat <<EOF
## Layer unpack ($(uname -r), $(nproc) CPUs, $fs at $scratch)

Layer: $files files, $((tar_size >> 20)) MiB as tar, $((gz_size >> 20)) MiB gzip -6.  Median of $runs runs
after one warm-up (load average $load_start at the start, $(cut -d' ' -f1 /proc/loadavg) at the end); the
page cache is flushed (\`sync\`) before each run.  ck__layer_unpack verifies
the blob digest and computes the diff id in the same pass, and syncs the layer (syncfs) before its
atomic rename; \`tar -x\` does neither, so \`tar -x + sync\` is given as well.

| layer | ck__layer_unpack | tar -x | ratio | tar -x + sync | ratio | ck rate (uncompressed) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| plain tar | $(secs "$ck_plain") s | $(secs "$tar_plain") s | $(ratio "$ck_plain" "$tar_plain") | $(secs "$tar_plain_sync") s | $(ratio "$ck_plain" "$tar_plain_sync") | $(rate "$tar_size" "$ck_plain") MiB/s |
| gzip | $(secs "$ck_gz") s | $(secs "$tar_gz") s | $(ratio "$ck_gz" "$tar_gz") | $(secs "$tar_gz_sync") s | $(ratio "$ck_gz" "$tar_gz_sync") | $(rate "$tar_size" "$ck_gz") MiB/s |
EOF
