#!/usr/bin/env bash
# The pod suite (bench/pods.yaml) run by ck-bench against ck and podman:
# writes results.md, results.json and docs/bench-pods.svg, and prints the
# table.  Needs root, podman, netavark, runc and curl.  Not run in CI.
#
# usage: bench/pods/run.sh [BUILD_DIR] [ck-bench run options...]
#   e.g. bench/pods/run.sh build --runs 10
# environment: CK_BENCH_DIR  scratch directory (default /var/tmp)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
shift || true
bench=$build/examples/ck-bench/ck-bench
[[ -x $bench && -x $build/examples/ck/ck ]] || { echo "run.sh: build first (scripts/build.sh $build)" >&2; exit 2; }
export TMPDIR=${CK_BENCH_DIR:-/var/tmp}
rc=0
"$bench" run --suite "$src/bench/pods.yaml" --set ck="$build/examples/ck/ck" \
	--json "$here/results.json" --markdown "$here/results.md" --svg "$src/docs/bench-pods.svg" "$@" || rc=$?
# 3: some cases failed; they are in the report.
[[ $rc -eq 0 || $rc -eq 3 ]] || exit $rc
