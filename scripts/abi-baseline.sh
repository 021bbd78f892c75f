#!/usr/bin/env bash
# Dumps the public ABI of a built libcontainerkit.so with abidw.  Run it at a
# release only (ABI.md): it rewrites the committed baseline abi/libcontainerkit.abi
# that the abi_matches_baseline test compares every build against.
#
# usage: scripts/abi-baseline.sh [--output FILE] BUILD_DIR|LIBRARY
#
# BUILD_DIR must be a RelWithDebInfo build without CK_SANITIZE, made with the
# compiler CI uses.  With --output the dump goes to FILE instead (the test
# uses this), and the build checks are left to the caller.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
baseline=$root/abi/libcontainerkit.abi
out=$baseline

die() { echo "abi-baseline: $*" >&2; exit 1; }

if [ "${1:-}" = --output ]; then
	[ $# -ge 2 ] || die "--output needs a file"
	out=$2
	shift 2
fi
[ $# -eq 1 ] || die "usage: $0 [--output FILE] BUILD_DIR|LIBRARY"
command -v abidw >/dev/null || die "abidw not found (Debian: apt-get install abigail-tools)"

if [ -d "$1" ]; then
	build=$1
	lib=$(find "$build" -maxdepth 1 -type f -name 'libcontainerkit.so.*.*.*' | head -n 1)
	[ -n "$lib" ] || die "no libcontainerkit.so.X.Y.Z in $build; build it first"
	if [ "$out" = "$baseline" ]; then
		cache=$build/CMakeCache.txt
		[ -f "$cache" ] || die "$build has no CMakeCache.txt"
		grep -q '^CMAKE_BUILD_TYPE:[A-Z]*=RelWithDebInfo$' "$cache" ||
			die "$build is not a RelWithDebInfo build; the baseline must come from one"
		if grep -q '^CK_SANITIZE:BOOL=\(ON\|1\|TRUE\|YES\)$' "$cache"; then
			die "$build is a sanitizer build; the baseline must not come from one"
		fi
	fi
else
	lib=$1
fi
[ -f "$lib" ] || die "$lib: no such file"
readelf -S "$lib" | grep -q '\.debug_info' || die "$lib has no DWARF; build RelWithDebInfo"

# Only types defined in include/ count (--headers-dir, --drop-private-types),
# including those no function mentions (--load-all-types: enums of codes).
# Paths, build directories, DT_NEEDED and imported symbols stay out, so two
# builds of the same tree give the same file wherever they were made.
tmp=$(mktemp "${out}.XXXXXX")
trap 'rm -f "$tmp"' EXIT
abidw --headers-dir "$root/include" --drop-private-types --load-all-types \
	--drop-undefined-syms --no-elf-needed --no-corpus-path --no-comp-dir-path \
	--short-locs --type-id-style hash --out-file "$tmp" "$lib"
mv "$tmp" "$out"
trap - EXIT
[ "$out" = "$baseline" ] && echo "wrote $out from $lib; commit it with the release"
exit 0
