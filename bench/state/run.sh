#!/usr/bin/env bash
# The state benchmark: `ck-bench state` for both backends at 10, 1,000 and
# 100,000 records, and `ck volume ls` at 1,000 volumes timed with hyperfine.
# Writes Markdown tables to stdout and to bench/state/results.md; progress
# goes to stderr.  See bench/README.md.
#
# usage: bench/state/run.sh [BUILD_DIR]     (default: build, in the source tree)
# environment: CK_BENCH_DIR  directory (and so disk) the scratch stores go in
#                            (default /var/tmp)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
bench=$build/examples/ck-bench/ck-bench
ck=$build/examples/ck/ck
scratch=${CK_BENCH_DIR:-/var/tmp}
results=$here/results.md

backends=(sqlite lmdb)
sizes=(10 1000 100000)
ops_for() { if (($1 >= 100000)); then echo 500; else echo 1000; fi; }
ls_volumes=1000

say() { printf 'run.sh: %s\n' "$*" >&2; }

if [[ ! -x $bench ]]; then
	say "$bench not found: build first (cmake -B build && cmake --build build)"
	exit 1
fi
work=$(mktemp -d "$scratch/ck-bench-run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The value of KEY in the one-line JSON object of FILE (strings unquoted).
jget() { sed -n "s/.*\"$2\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" "$1" | tr -d '"'; }
# A / B with D decimals, or n/a.
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b > 0) printf "%.*f", d, a / b; else printf "n/a" }'; }
# Formats a number with D decimals.
num() { awk -v a="$1" -v d="${2:-0}" 'BEGIN { printf "%.*f", d, a }'; }

start=$(date +%s)
load_start=$(cut -d' ' -f1 /proc/loadavg)
for n in "${sizes[@]}"; do
	for b in "${backends[@]}"; do
		ops=$(ops_for "$n")
		t0=$(date +%s)
		"$bench" state --backend "$b" --records "$n" --ops "$ops" --root "$work" --format json \
			>"$work/$b-$n.json"
		say "ck-bench state --backend $b --records $n --ops $ops: $(($(date +%s) - t0)) s"
	done
done

# `ck volume ls` end to end: one process per run, as a user types it.
ls_note=""
declare -A ls_mean ls_sd ls_min ls_max
if ! command -v hyperfine >/dev/null 2>&1; then
	ls_note="hyperfine is not installed (Debian package \`hyperfine\`), so \`ck volume ls\` was not timed."
	say "$ls_note"
elif [[ ! -x $ck ]]; then
	ls_note="$ck is not built, so \`ck volume ls\` was not timed."
	say "$ls_note"
else
	for b in "${backends[@]}"; do
		say "ck volume ls, $b, $ls_volumes volumes"
		"$bench" state --backend "$b" --records "$ls_volumes" --root "$work" --populate-only \
			--format json >"$work/ls-$b.json"
		root=$(jget "$work/ls-$b.json" root)
		runroot=$(jget "$work/ls-$b.json" runroot)
		cmd="$ck --root $root --runroot $runroot --db-backend $b volume ls"
		listed=$($cmd -q | wc -l)
		if [[ $listed != "$ls_volumes" ]]; then
			say "ck volume ls listed $listed volumes on $b, expected $ls_volumes"
			exit 1
		fi
		hyperfine -N --style basic --warmup 3 --min-runs 30 --export-json "$work/hf-$b.json" "$cmd" >&2
		hf() { grep -m1 "\"$1\"" "$work/hf-$b.json" | sed 's/.*: *\([0-9.e+-]*\).*/\1/'; }
		ls_mean[$b]=$(hf mean)
		ls_sd[$b]=$(hf stddev)
		ls_min[$b]=$(hf min)
		ls_max[$b]=$(hf max)
		rm -rf "$(dirname "$root")"
	done
fi

ms() { awk -v s="$1" 'BEGIN { printf "%.2f", s * 1000 }'; }
first=$work/${backends[0]}-${sizes[0]}.json

{
	echo "# State benchmark"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), libcontainerkit $(jget "$first" version)" \
		"($(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$src" diff --quiet HEAD 2>/dev/null || echo '+dirty')," \
		"$(uname -sr), $(nproc) CPUs), scratch stores on $(jget "$first" fs) ($scratch)," \
		"$(($(date +%s) - start)) s, load average $load_start at the start and $(cut -d' ' -f1 /proc/loadavg) at the end" \
		"(other work on the machine makes every figure noisy; the ratios less so)."
	echo "Produced by \`bench/state/run.sh\`; bench/README.md explains every figure."
	echo
	echo "## Operations per second"
	echo
	echo "Each operation is its own durable transaction.  ops: 1000 (500 at 100,000 records)."
	echo "The sqlite/lmdb rows are the ratio of the two backends measured in this run (> 1: sqlite is faster)."
	echo
	echo "| records | backend | create (API) | create (raw record) | lookup by name | list all (lists/s) | list all (records/s) | delete |"
	echo "|--:|:--|--:|--:|--:|--:|--:|--:|"
	cols=(create_api_ops_per_s create_raw_ops_per_s lookup_ops_per_s list_per_s list_records_per_s delete_ops_per_s)
	decs=(0 0 0 1 0 0)
	for n in "${sizes[@]}"; do
		for b in "${backends[@]}"; do
			row="| $n | $b |"
			for i in "${!cols[@]}"; do
				row+=" $(num "$(jget "$work/$b-$n.json" "${cols[$i]}")" "${decs[$i]}") |"
			done
			echo "$row"
		done
		row="| $n | **sqlite/lmdb** |"
		for c in "${cols[@]}"; do
			row+=" $(ratio "$(jget "$work/sqlite-$n.json" "$c")" "$(jget "$work/lmdb-$n.json" "$c")") |"
		done
		echo "$row"
	done
	echo
	echo "## Durable write latency"
	echo
	echo "One put per write transaction (commit), against write(4 KiB) + fdatasync() appended to a file in"
	echo "the same storage root (fsync), timed the same way by 1 writer or 16 concurrent writer processes"
	echo "(the same total number of samples).  commit/fsync: how many raw syncs a durable commit costs."
	echo
	echo "| records | backend | writers | commit p50 ms | commit p99 ms | fsync p50 ms | fsync p99 ms | commit/fsync p50 | commit/fsync p99 | commits/s |"
	echo "|--:|:--|--:|--:|--:|--:|--:|--:|--:|--:|"
	for n in "${sizes[@]}"; do
		for b in "${backends[@]}"; do
			f=$work/$b-$n.json
			for w in 1w 16w; do
				echo "| $n | $b | ${w%w} | $(jget "$f" commit_${w}_p50_ms) | $(jget "$f" commit_${w}_p99_ms) |" \
					"$(jget "$f" fsync_${w}_p50_ms) | $(jget "$f" fsync_${w}_p99_ms) |" \
					"$(jget "$f" ratio_${w}_p50) | $(jget "$f" ratio_${w}_p99) | $(num "$(jget "$f" commit_${w}_ops_per_s)") |"
			done
		done
	done
	echo
	echo "## \`ck volume ls\`, $ls_volumes volumes (end to end, hyperfine)"
	echo
	if [[ -n $ls_note ]]; then
		echo "$ls_note"
	else
		echo "| backend | mean ms | ± σ ms | min ms | max ms |"
		echo "|:--|--:|--:|--:|--:|"
		for b in "${backends[@]}"; do
			echo "| $b | $(ms "${ls_mean[$b]}") | $(ms "${ls_sd[$b]}") | $(ms "${ls_min[$b]}") | $(ms "${ls_max[$b]}") |"
		done
		echo "| **sqlite/lmdb** | $(ratio "${ls_mean[sqlite]}" "${ls_mean[lmdb]}") | | | |"
		echo
		echo "A ratio above 1 means sqlite takes longer."
	fi
	warnings=0
	for f in "$work"/sqlite-*.json "$work"/lmdb-*.json; do
		warnings=$((warnings + $(jget "$f" warnings)))
	done
	if ((warnings > 0)); then
		echo
		echo "The library logged $warnings warning(s) during the runs (see stderr)."
	fi
} | tee "$results"
