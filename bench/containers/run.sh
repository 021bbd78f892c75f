#!/usr/bin/env bash
# The container suite (bench/containers.yaml) run by ck-bench against ck and
# podman: writes results.md, results.json and docs/bench-containers.svg, and
# prints the table.  Needs root, podman and runc.  Not run in CI.
#
# usage: bench/containers/run.sh [BUILD_DIR] [ck-bench run options...]
#   e.g. bench/containers/run.sh build --sizes 0 --runs 10
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
"$bench" run --suite "$src/bench/containers.yaml" --set ck="$build/examples/ck/ck" \
	--json "$here/results.json" --markdown "$here/results.md" --svg "$src/docs/bench-containers.svg" "$@" || rc=$?
# 3: some cases failed (ck has no pod or system df yet); they are in the report.
[[ $rc -eq 0 || $rc -eq 3 ]] || exit $rc
