#!/usr/bin/env bash
# The container benchmark, in the manner of podman's hack/perf: the latency
# of `run --rm IMAGE true`, `create`, `start`, `stop`, `rm`, `ps -a` and
# `inspect` with 0, 1,000 and 10,000 containers present, timed with
# hyperfine for ck, for podman 4.3 (vfs storage, no network, the same image
# and runtime) and, for run, for a bare `crun run` of an equivalent bundle;
# then 200 parallel `ck run --rm` (errors, p50, p99).  Prints a Markdown
# report and writes it to bench/containers/results-hyperfine.md; progress goes to
# stderr.  Needs root, hyperfine, podman and crun.  Not run in CI.
#
# usage: bench/containers/hyperfine.sh [BUILD_DIR]    (default: build)
# environment:
#   CK_BENCH_DIR      scratch directory (default /var/tmp)
#   CK_BENCH_SIZES    container counts (default "0 1000 10000")
#   CK_BENCH_RUNS     hyperfine runs per measurement (default 10)
#   CK_BENCH_PAIR_ROUNDS  alternating blocks of the run target's two sides,
#                     ck run --rm and bare crun (default 4: 4 x RUNS runs each)
#   CK_BENCH_COLD_PAUSE   seconds of pause before each run of the target's
#                     second measurement (default 0.1)
#   CK_BENCH_RUNTIME  OCI runtime for ck and podman (default crun; runc where crun cannot run)
#   CK_BENCH_PARALLEL parallel runs in the burst (default 200)
#   CK_BENCH_PODMAN_MAX  podman is populated and measured up to this many
#                     containers (default 1000: filling podman's vfs store with
#                     10,000 containers takes hours here); above it, n/a
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
ckbin=$build/examples/ck/ck
scratch=${CK_BENCH_DIR:-/var/tmp}
read -r -a sizes <<<"${CK_BENCH_SIZES:-0 1000 10000}"
runs=${CK_BENCH_RUNS:-10}
parallel=${CK_BENCH_PARALLEL:-200}
podman_max=${CK_BENCH_PODMAN_MAX:-1000}
results=$here/results-hyperfine.md
img=localhost/busybox:latest

say() { printf 'run.sh: %s\n' "$*" >&2; }
for t in hyperfine podman crun python3; do
	command -v $t >/dev/null || { say "$t is not installed"; exit 1; }
done
[[ -x $ckbin ]] || { say "$ckbin not found: build first (scripts/build.sh)"; exit 1; }
[[ $(id -u) -eq 0 ]] || { say "run as root"; exit 1; }
runtime=${CK_BENCH_RUNTIME:-crun}
# crun refuses a hybrid host whose cgroup2 hierarchy has controllers bound.
# The library rebinds hugetlb to a v1 hierarchy of its own so that crun runs
# (lib/runtime/host.c, docs/HOST-SETUP.md); the bare crun and podman need the
# same, so it is done here first (cgroup files report size 0: read them).
unified=/sys/fs/cgroup/unified/cgroup.controllers
if [[ $runtime = crun && -r $unified && -n $(cat $unified) ]]; then
	if [[ $(cat $unified) = hugetlb && ${CK_FIX_HYBRID_CGROUPS:-1} != 0 ]]; then
		mkdir -p /sys/fs/cgroup/hugetlb
		mountpoint -q /sys/fs/cgroup/hugetlb || mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb || true
	fi
	if [[ -n $(cat $unified) ]]; then
		say "crun cannot run on this hybrid-cgroup host (see docs/HOST-SETUP.md); using runc"
		runtime=runc
	else
		say "hybrid-cgroup host: rebound hugetlb to cgroup v1 so that crun runs, as the library does"
	fi
fi

work=$(mktemp -d "$scratch/ck-bench-ctr.XXXXXX")
cleanup() {
	"$ckbin" --root "$work/ck" --runroot "$work/ckrun" rm -af >/dev/null 2>&1 || true
	podman $P rm -af >/dev/null 2>&1 || true
	rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

CK="$ckbin --root $work/ck --runroot $work/ckrun --runtime $runtime"
P="--root $work/p --runroot $work/prun --tmpdir $work/ptmp --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --runtime $runtime"
PODMAN="podman $P"
# podman's default rlimits exceed this host's hard limits (docs/HOST-SETUP.md)
PRUN="--network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096"

say "image, stores and bundle in $work (runtime $runtime)"
python3 "$src/tests/fixtures/mkimage.py" "$work/busybox.tar" --format oci-archive --busybox --name $img >/dev/null
$CK load -i "$work/busybox.tar" >/dev/null 2>&1
$PODMAN load -i "$work/busybox.tar" >/dev/null 2>&1

# The bare bundle: the image's root filesystem and `crun spec`, no terminal,
# running `true`.
mkdir -p "$work/bundle/rootfs"
python3 - "$work/busybox.tar" "$work/bundle/rootfs" <<'EOF'
import io, json, sys, tarfile
arc = tarfile.open(sys.argv[1])
blob = lambda d: arc.extractfile("blobs/" + d.replace(":", "/")).read()
index = json.loads(arc.extractfile("index.json").read())
manifest = json.loads(blob(index["manifests"][0]["digest"]))
for layer in manifest["layers"]:
    tarfile.open(fileobj=io.BytesIO(blob(layer["digest"]))).extractall(sys.argv[2])
EOF
(cd "$work/bundle" && crun spec)
python3 - "$work/bundle/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
json.dump(c, open(p, "w"))
EOF

# hyperfine's median of one measurement, in ms.
median() { python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$1"; }
# measure NAME PREPARE COMMAND: the median in ms, or n/a if it failed.
measure() {
	local name=$1 prep=$2 cmd=$3
	local args=(--runs "$runs" --warmup 1 --style none --export-json "$work/$name.json")
	[[ -n $prep ]] && args+=(--prepare "$prep")
	if hyperfine "${args[@]}" "$cmd" >"$work/$name.log" 2>&1; then
		median "$work/$name.json"
	else
		say "$name failed: $(tail -3 "$work/$name.log" | tr '\n' ' ')"
		echo n/a
	fi
}
# measure_pair NAME_A PREP_A CMD_A NAME_B PREP_B CMD_B: "MEDIAN_A MEDIAN_B" in
# ms over $pair_rounds alternating blocks of $runs runs each (A, B, A, B,
# ...), so that a machine whose speed drifts over minutes weighs on both
# sides alike; n/a for a side that failed.
pair_rounds=${CK_BENCH_PAIR_ROUNDS:-4}
measure_pair() {
	local na=$1 pa=$2 ca=$3 nb=$4 pb=$5 cb=$6 r
	for ((r = 1; r <= pair_rounds; r++)); do
		measure "$na.$r" "$pa" "$ca" >/dev/null
		measure "$nb.$r" "$pb" "$cb" >/dev/null
	done
	python3 - "$work" "$na" "$nb" "$pair_rounds" <<'EOF2'
import json, os, statistics, sys
work, names, rounds = sys.argv[1], sys.argv[2:4], int(sys.argv[4])
out = []
for n in names:
    t = []
    for r in range(1, rounds + 1):
        p = os.path.join(work, "%s.%d.json" % (n, r))
        try:
            t += json.load(open(p))["results"][0]["times"]
        except (OSError, ValueError, KeyError, IndexError):
            t = None
            break
    out.append("%.2f" % (statistics.median(t) * 1000) if t else "n/a")
print(" ".join(out))
EOF2
}

# A / B with one decimal, or n/a.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.1fx", a / b; else printf "n/a" }'; }

# populate TOOL N: brings the number of bench containers of TOOL up to N,
# two creates at a time (the machine has 2 cores).
populate() {
	local tool=$1 n=$2 have
	if [[ $tool = ck ]]; then have=$($CK ps -a -q | wc -l); else have=$($PODMAN ps -a -q | wc -l); fi
	((have >= n)) && return 0
	local t0=$SECONDS
	if [[ $tool = ck ]]; then
		seq $((n - have)) | xargs -P 2 -I{} $CK create --label bench=filler $img true >/dev/null
	else
		seq $((n - have)) | xargs -P 2 -I{} $PODMAN create $PRUN --label bench=filler $img true >/dev/null
	fi
	say "$tool: $((n - have)) containers created in $((SECONDS - t0)) s"
}

rows=()
target_notes=()
# The target's two sides, ck run --rm and a bare crun run, alternate (see
# measure_pair), on the empty store, twice:
# - back to back, as hyperfine runs them;
# - each run after a pause of $cold_pause s.  A run's move of its init into
#   the v1 cgroups waits for an RCU grace period (10 to 30 ms here) unless
#   another move happened within the last one: back-to-back bare crun runs
#   find the way opened by the run before, which a start seldom meets
#   outside a loop.  After the pause both sides start from an idle system.
cold_pause=${CK_BENCH_COLD_PAUSE:-0.1}
read -r bare_run ck_run0 < <(measure_pair bare-crun "crun delete -f bench-bare >/dev/null 2>&1 || true" \
	"crun run -b $work/bundle bench-bare" ck-run-pair "" "$CK run --rm $img true")
say "bare crun run: $bare_run ms; ck run --rm alternating with it: $ck_run0 ms"
read -r bare_cold ck_cold < <(measure_pair bare-crun-cold \
	"crun delete -f bench-bare >/dev/null 2>&1 || true; sleep $cold_pause" "crun run -b $work/bundle bench-bare" \
	ck-run-cold "sleep $cold_pause" "$CK run --rm $img true")
say "after a pause of $cold_pause s: bare crun run: $bare_cold ms; ck run --rm: $ck_cold ms"
# The runtime's own share of a ck run: crun running the config.json ck
# writes (seccomp profile, masked paths, cgroup limits) on ck's mounted root
# filesystem of a container that ran once.  Informational, not the target.
ck_cfg_run=n/a
if [[ $runtime = crun ]] && cfgid=$($CK run -d --name xcfg $img true 2>/dev/null) && $CK wait xcfg >/dev/null 2>&1; then
	mkdir -p "$work/ckbundle"
	cp "$work/ck/containers/$cfgid/userdata/config.json" "$work/ckbundle/"
	ck_cfg_run=$(measure ckcfg-crun "crun delete -f bench-ckcfg >/dev/null 2>&1 || true" \
		"crun --cgroup-manager=cgroupfs run -b $work/ckbundle bench-ckcfg")
	say "crun run of ck's config.json: $ck_cfg_run ms"
fi
$CK rm -f -i xcfg >/dev/null 2>&1 || true
for n in "${sizes[@]}"; do
	populate ck "$n"
	with_podman=1
	((n > podman_max)) && with_podman=0
	((with_podman)) && populate podman "$n"
	say "measuring with $n containers"
	declare -A ck_ms pm_ms
	if [[ $n = 0 ]]; then
		ck_ms[run]=$ck_run0
	else
		ck_ms[run]=$(measure "ck-run-$n" "" "$CK run --rm $img true")
	fi
	if ((with_podman)); then
		pm_ms[run]=$(measure "pm-run-$n" "" "$PODMAN run --rm $PRUN $img true")
	else
		pm_ms[run]=n/a
	fi
	ck_ms[create]=$(measure "ck-create-$n" "$CK rm -f -i xcreate" "$CK create --name xcreate $img true")
	if ((with_podman)); then
		pm_ms[create]=$(measure "pm-create-$n" "$PODMAN rm -f -i xcreate" "$PODMAN create $PRUN --name xcreate $img true")
	else
		pm_ms[create]=n/a
	fi
	$CK rm -f -i xcreate >/dev/null; $PODMAN rm -f -i xcreate >/dev/null
	ck_ms[start]=$(measure "ck-start-$n" "bash -c '$CK rm -f -i xstart; $CK create --name xstart $img true'" "$CK start xstart")
	if ((with_podman)); then
		pm_ms[start]=$(measure "pm-start-$n" "bash -c '$PODMAN rm -f -i xstart; $PODMAN create $PRUN --name xstart $img true'" \
			"$PODMAN start xstart")
	else
		pm_ms[start]=n/a
	fi
	$CK rm -f -i xstart >/dev/null; $PODMAN rm -f -i xstart >/dev/null
	ck_ms[stop]=$(measure "ck-stop-$n" "bash -c '$CK rm -f -i xstop; $CK run -d --name xstop $img sleep 1000'" "$CK stop -t 0 xstop")
	if ((with_podman)); then
		pm_ms[stop]=$(measure "pm-stop-$n" "bash -c '$PODMAN rm -f -i xstop; $PODMAN run -d $PRUN --name xstop $img sleep 1000'" \
			"$PODMAN stop -t 0 xstop")
	else
		pm_ms[stop]=n/a
	fi
	$CK rm -f -i xstop >/dev/null; $PODMAN rm -f -i xstop >/dev/null
	ck_ms[rm]=$(measure "ck-rm-$n" "$CK create --name xrm $img true" "$CK rm xrm")
	if ((with_podman)); then
		pm_ms[rm]=$(measure "pm-rm-$n" "$PODMAN create $PRUN --name xrm $img true" "$PODMAN rm xrm")
	else
		pm_ms[rm]=n/a
	fi
	$CK create --name xinspect $img true >/dev/null; $PODMAN create $PRUN --name xinspect $img true >/dev/null
	ck_ms[ps]=$(measure "ck-ps-$n" "" "$CK ps -a")
	if ((with_podman)); then
		pm_ms[ps]=$(measure "pm-ps-$n" "" "$PODMAN ps -a")
	else
		pm_ms[ps]=n/a
	fi
	ck_ms[inspect]=$(measure "ck-inspect-$n" "" "$CK inspect xinspect")
	if ((with_podman)); then
		pm_ms[inspect]=$(measure "pm-inspect-$n" "" "$PODMAN inspect xinspect")
	else
		pm_ms[inspect]=n/a
	fi
	$CK rm -f xinspect >/dev/null; $PODMAN rm -f xinspect >/dev/null
	for op in run create start stop rm ps inspect; do
		label=$op; [[ $op = run ]] && label="run --rm true"; [[ $op = ps ]] && label="ps -a"
		bare=n/a; vs_bare=n/a
		[[ $op = run ]] && bare=$bare_run && vs_bare=$(ratio "${ck_ms[$op]}" "$bare_run")
		rows+=("| \`$label\` | $n | ${ck_ms[$op]} | ${pm_ms[$op]} | $bare | $(ratio "${pm_ms[$op]}" "${ck_ms[$op]}") | $vs_bare |")
	done
	check() { awk -v v="$2" -v t="$3" "BEGIN { exit !(v != \"n/a\" && v $1 t) }" && echo met || echo "NOT met"; }
	if [[ $n = 0 ]]; then
		r=$(awk -v a="${ck_ms[run]}" -v b="$bare_run" 'BEGIN { if (b > 0 && a+0 > 0) print a / b; else print "n/a" }')
		target_notes+=("- \`ck run --rm\` <= 1.5x bare crun (0 containers), back to back: $(ratio "${ck_ms[run]}" "$bare_run") — $(check '<=' "$r" 1.5)")
		r=$(awk -v a="$ck_cold" -v b="$bare_cold" 'BEGIN { if (b > 0 && a+0 > 0) print a / b; else print "n/a" }')
		target_notes+=("- the same, each run after a pause of $cold_pause s (ck $ck_cold ms, bare crun $bare_cold ms): $(ratio "$ck_cold" "$bare_cold") — $(check '<=' "$r" 1.5)")
		r=$(awk -v a="${ck_ms[run]}" -v b="$ck_cfg_run" 'BEGIN { if (b > 0 && a+0 > 0) print a / b; else print "n/a" }')
		target_notes+=("- the same against crun running the config.json ck writes (same profile, masks, cgroups and compiled seccomp filter): $(ratio "${ck_ms[run]}" "$ck_cfg_run") — $(check '<=' "$r" 1.5)")
		r=$(awk -v a="${pm_ms[create]}" -v b="${ck_ms[create]}" 'BEGIN { if (b > 0 && a+0 > 0) print a / b; else print "n/a" }')
		target_notes+=("- \`ck create\` >= 10x faster than podman (0 containers): $(ratio "${pm_ms[create]}" "${ck_ms[create]}") — $(check '>=' "$r" 10)")
	fi
	if [[ $n = 1000 ]]; then
		r=$(awk -v a="${pm_ms[ps]}" -v b="${ck_ms[ps]}" 'BEGIN { if (b > 0 && a+0 > 0) print a / b; else print "n/a" }')
		target_notes+=("- \`ck ps -a\` >= 50x faster than podman (1,000 containers): $(ratio "${pm_ms[ps]}" "${ck_ms[ps]}") — $(check '>=' "$r" 50)")
	fi
done

# The burst: $parallel `ck run --rm` at once, on an emptied store.
say "burst: $parallel parallel ck run --rm"
$CK rm -af >/dev/null 2>&1 || true
seq "$parallel" | xargs -P "$parallel" -I{} bash -c \
	't0=$(date +%s%N); '"$CK"' run --rm '"$img"' true >/dev/null 2>>'"$work"'/burst.err; rc=$?; echo "$rc $(( ($(date +%s%N) - t0) / 1000000 ))"' \
	>"$work/burst.txt"
burst=$(python3 - "$work/burst.txt" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
lat = sorted(int(ms) for rc, ms in rows)
errors = sum(1 for rc, ms in rows if rc != "0")
pct = lambda p: lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))] if lat else 0
print(f"| {len(rows)} | {errors} | {pct(50)} | {pct(99)} | {lat[-1] if lat else 0} |")
EOF
)
left=$($CK ps -a -q | wc -l)

{
	echo "# Container benchmark"
	echo
	echo "$(date -u +%Y-%m-%d) on $(nproc) cores, $(uname -r); runtime $runtime ($($runtime --version | head -1));"
	echo "$(podman --version); hyperfine medians of $runs runs in ms. podman: vfs storage, cgroupfs, \`--network none\`,"
	echo "file events; the same busybox image (tests/fixtures/mkimage.py --busybox). Bare crun: \`crun run\` of a bundle"
	echo "made from the image's root filesystem and \`crun spec\`. Generated by bench/containers/hyperfine.sh."
	echo
	echo "| operation | containers | ck | podman | bare crun | podman / ck | ck / crun |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${rows[@]}"
	echo
	echo "Targets:"
	echo
	printf '%s\n' "${target_notes[@]}"
	echo
	echo "For reference: \`crun run\` of the config.json ck writes for the same container (seccomp profile,"
	echo "masked paths, cgroups), on ck's root filesystem: $ck_cfg_run ms; the rest of \`ck run --rm\` is ck's own."
	echo
	echo "## $parallel parallel \`ck run --rm $img true\`"
	echo
	echo "| runs | errors | p50 ms | p99 ms | max ms |"
	echo "|---:|---:|---:|---:|---:|"
	echo "$burst"
	echo
	echo "Containers left afterwards: $left."
	if [[ -s $work/burst.err ]]; then
		echo
		echo "First errors:"
		echo
		sort "$work/burst.err" | uniq -c | sort -rn | head -5 | sed 's/^/    /'
	fi
} | tee "$results"
