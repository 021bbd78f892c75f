#!/usr/bin/env bash
# Dumps the public ABI of a built libcontainerkit.so with abidw.  Run it at a
# release only (ABI.md): it rewrites the committed baseline in abi/ that the
# abi_matches_baseline test compares every build against.  Two files:
#
#   abi/libcontainerkit.abi    the library: exported symbols with their version
#                              nodes, function signatures, and every type they
#                              reach that include/ defines
#   abi/containerkit-types.abi every type include/ defines, reached or not (the
#                              error codes are an enum no signature names),
#                              from a stub compiled from all public headers
#
# usage: scripts/abi-baseline.sh [--output-dir DIR] BUILD_DIR|LIBRARY
#
# The library must come from a RelWithDebInfo build (-g -O2, no sanitizers;
# checked in its DWARF) made with the compiler CI uses; $CC (default cc)
# compiles the stub.  With --output-dir the dumps go to DIR instead (the test
# uses this), and the build checks are left to the caller.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
outdir=$root/abi
release=1

die() { echo "abi-baseline: $*" >&2; exit 1; }

if [ "${1:-}" = --output-dir ]; then
	[ $# -ge 2 ] || die "--output-dir needs a directory"
	outdir=$2 release=0
	shift 2
fi
[ $# -eq 1 ] || die "usage: $0 [--output-dir DIR] BUILD_DIR|LIBRARY"
command -v abidw >/dev/null || die "abidw not found (Debian: apt-get install abigail-tools)"

if [ -d "$1" ]; then
	lib=$(find "$1" -maxdepth 1 -type f -name 'libcontainerkit.so.*.*.*' | head -n 1)
	[ -n "$lib" ] || die "no libcontainerkit.so.X.Y.Z in $1; build it first"
else
	lib=$1
fi
[ -f "$lib" ] || die "$lib: no such file"
readelf -S "$lib" | grep -q '\.debug_info' || die "$lib has no DWARF; build RelWithDebInfo"

# A release baseline comes from a RelWithDebInfo build (-g -O2) without
# sanitizers, as the compiler recorded in the DWARF.
producers=$(readelf --debug-dump=info "$lib" 2>/dev/null |
	sed -n 's/.*DW_AT_producer *:.*): //p; s/.*DW_AT_producer *: //p' | LC_ALL=C sort -u)
if [ $release -eq 1 ]; then
	[ -n "$producers" ] || die "cannot read DW_AT_producer from $lib"
	while IFS= read -r p; do
		case " $p " in
		*" -fsanitize="*) die "built with sanitizers ($p); use a plain RelWithDebInfo build" ;;
		esac
		case " $p " in *" -g "*) ;; *) die "not built with -g ($p); use a RelWithDebInfo build" ;; esac
		case " $p " in *" -O2 "*) ;; *) die "not built with -O2 ($p); use a RelWithDebInfo build" ;; esac
	done <<< "$producers"
fi

mkdir -p "$outdir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Only types defined in include/ count (--headers-dir, --drop-private-types).
# Source locations, build directories, DT_NEEDED and imported symbols stay
# out, so two builds of the same interface give the same files wherever they
# were made, and a release's diff of abi/ shows only interface changes.
dump() { # dump ELF OUT [abidw options...]
	local elf=$1 out=$2
	shift 2
	abidw --headers-dir "$root/include" --drop-private-types --drop-undefined-syms \
		--no-elf-needed --no-corpus-path --no-comp-dir-path --no-show-locs --short-locs \
		--type-id-style hash "$@" --out-file "$work/dump.abi" "$elf"
	mv "$work/dump.abi" "$out"
}

dump "$lib" "$outdir/libcontainerkit.abi"

# The stub includes every public header (globbed, so new ones count) and keeps
# their unused types in its DWARF; abidw needs one exported symbol to read it.
(cd "$root/include" && find . -name '*.h' -type f | sed 's|^\./||' | LC_ALL=C sort) |
	sed 's/.*/#include <&>/' > "$work/types.c"
printf 'void ck_abi_types_stub(void);\nvoid ck_abi_types_stub(void) {}\n' >> "$work/types.c"
(cd "$work" && "${CC:-cc}" -std=c99 -g -O2 -fno-eliminate-unused-debug-types -fPIC -shared \
	-I"$root/include" types.c -o types.so)
dump "$work/types.so" "$outdir/containerkit-types.abi" --load-all-types

if [ $release -eq 1 ]; then
	echo "wrote $outdir/libcontainerkit.abi and containerkit-types.abi from $lib, built by:"
	printf '    %s\n' "$producers"
	echo "commit them with the release"
fi
exit 0
