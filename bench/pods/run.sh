#!/usr/bin/env bash
# The pod suite (bench/pods.yaml) run by ck-bench in two groups: rootful (ck
# against podman, beside the floor of pods/floor.sh) and rootless (ck against
# podman, both as the suite's unprivileged user, beside pods/floor-rootless.sh).  Writes results.md,
# results.json and docs/bench-pods.svg for the first, results-rootless.* and
# docs/bench-pods-rootless.svg for the second, and prints both tables.  Needs
# root, podman, netavark, runc, slirp4netns and curl.  Not run in CI.
#
# usage: bench/pods/run.sh [BUILD_DIR] [ck-bench run options...]
#   e.g. bench/pods/run.sh build --runs 10
# environment: CK_BENCH_DIR   scratch directory (default /var/tmp)
#              CK_BENCH_GROUPS  "rootful rootless" (default), or one of them
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
shift || true
bench=$build/examples/ck-bench/ck-bench
[[ -x $bench && -x $build/examples/ck/ck ]] || { echo "run.sh: build first (scripts/build.sh $build)" >&2; exit 2; }
export TMPDIR=${CK_BENCH_DIR:-/var/tmp}
user=$(sed -n 's/^  user: *\([^ #]*\).*/\1/p' "$src/bench/pods.yaml")
status=0
for group in ${CK_BENCH_GROUPS:-rootful rootless}; do
	case $group in
	rootful) engines=(--engine ck --engine podman --engine floor) sfx= ;;
	rootless)
		# The rootless engines need the user, and the host fix of
		# docs/HOST-SETUP.md; this script does not change the host.
		id "$user" >/dev/null 2>&1 || { echo "run.sh: no user $user (useradd --create-home $user)" >&2; exit 2; }
		[[ -r /dev/net/tun && $(stat -c %a /dev/net/tun) == 666 ]] ||
			{ echo "run.sh: /dev/net/tun is not open to $user (chmod 0666 /dev/net/tun)" >&2; exit 2; }
		engines=(--engine ck-rootless --engine podman-rootless --engine floor-rootless) sfx=-rootless ;;
	*) echo "run.sh: unknown group $group" >&2; exit 2 ;;
	esac
	# The rootless engines' user walks the work directory to its scratch.
	work=$(mktemp -d "$TMPDIR/ck-bench-pods-XXXXXX")
	chmod 755 "$work"
	rc=0
	"$bench" run --suite "$src/bench/pods.yaml" --set ck="$build/examples/ck/ck" --workdir "$work" "${engines[@]}" \
		--json "$here/results$sfx.json" --markdown "$here/results$sfx.md" --svg "$src/docs/bench-pods$sfx.svg" \
		"$@" || rc=$?
	rm -rf "$work"
	# 3: some cases failed; they are in the report.
	[[ $rc -eq 0 || $rc -eq 3 ]] || exit $rc
	[[ $rc -eq 0 ]] || status=$rc
done
exit $status
