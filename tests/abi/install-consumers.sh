#!/usr/bin/env bash
# Installs the build into a scratch prefix, then builds and runs the consumer
# in tests/abi/consumer twice: with pkg-config, and as a CMake project using
# find_package(containerkit 1.0).  Also checks that the installed headers are
# exactly the public ones and compile alone from the prefix.
#
# usage: install-consumers.sh BUILD_DIR SOURCE_DIR WORK_DIR CMAKE CC SANITIZE
set -u

build=$1 src=$2 work=$3 cmake=$4 cc=$5 sanitize=$6
prefix=$work/prefix
consumer=$src/tests/abi/consumer
fail() { echo "FAIL: $*"; exit 1; }
run() { # run LOG CMD...: runs a step, showing its output only when it fails
	local log=$1; shift
	"$@" > "$log" 2>&1 || { echo "FAIL: $*"; sed 's/^/    /' "$log"; exit 1; }
}

san_flags=()
case $sanitize in
ON|on|1|TRUE|true|YES|yes) san_flags=('-fsanitize=address,undefined') ;;
esac

rm -rf "$work" && mkdir -p "$work" || exit 1
run "$work/install.log" "$cmake" --install "$build" --prefix "$prefix"

# The public headers, and nothing from lib/, are installed.
diff <(cd "$src/include" && find . -name '*.h' | LC_ALL=C sort) \
     <(cd "$prefix/include" && find . -name '*.h' | LC_ALL=C sort) > "$work/headers.diff" ||
	{ echo "FAIL: installed headers differ from include/:"; sed 's/^/    /' "$work/headers.diff"; exit 1; }
run "$work/headers.log" "$src/tests/abi/headers-compile-alone.sh" c "$cc" "$prefix/include" "$work/headers"

pc=$(find "$prefix" -name containerkit.pc -path '*/pkgconfig/*')
[ -n "$pc" ] && [ "$(printf '%s\n' "$pc" | wc -l)" -eq 1 ] || fail "expected one containerkit.pc under $prefix, found: $pc"
libdir=$(find "$prefix" -name 'libcontainerkit.so.*.*.*' -type f -printf '%h\n' | head -n 1)
[ -n "$libdir" ] || fail "no libcontainerkit.so.X.Y.Z installed under $prefix"
[ -L "$libdir/libcontainerkit.so" ] && [ -e "$libdir/libcontainerkit.so.1" ] ||
	fail "the linker name and SONAME links are not installed beside the library in $libdir"

# check_binary NAME BINARY: runs it against the installed library.
check_binary() {
	local name=$1 bin=$2 out
	LD_LIBRARY_PATH=$libdir ldd "$bin" | grep -q "libcontainerkit.so.1 => $libdir/" ||
		fail "$name consumer does not load libcontainerkit.so.1 from $libdir: $(LD_LIBRARY_PATH=$libdir ldd "$bin" | grep containerkit)"
	mkdir -p "$work/run-$name"
	out=$(LD_LIBRARY_PATH=$libdir "$bin" "$work/run-$name" 2>&1) ||
		{ echo "FAIL: $name consumer failed:"; printf '%s\n' "$out" | sed 's/^/    /'; exit 1; }
	printf '%s\n' "$out" | sed "s/^/    $name: /"
	printf '%s\n' "$out" | grep -qx "context root $work/run-$name/root" || fail "$name consumer: no context root line"
	printf '%s\n' "$out" | grep -q '^error CK_EVERSION: .' || fail "$name consumer: no CK_EVERSION message"
	printf '%s\n' "$out" | grep -qx 'consumer ok' || fail "$name consumer did not finish"
	[ -d "$work/run-$name/root" ] || fail "$name consumer: the context did not create its root"
}

# 1. pkg-config, finding containerkit only in the scratch prefix (searched
# first); the system's directories stay on the path for the packages that
# containerkit.pc requires (Requires.private: yaml-0.1).
pcdir=$(dirname "$pc")
export PKG_CONFIG_PATH=$pcdir PKG_CONFIG_LIBDIR=$pcdir:$(pkg-config --variable pc_path pkg-config)
pcflags=$(pkg-config --cflags --libs containerkit) || fail "pkg-config --cflags --libs containerkit failed"
[ "$(pkg-config --variable=includedir containerkit)" = "$prefix/include" ] ||
	fail "containerkit.pc: includedir is $(pkg-config --variable=includedir containerkit), not $prefix/include"
[ "$(pkg-config --variable=libdir containerkit)" = "$libdir" ] ||
	fail "containerkit.pc: libdir is $(pkg-config --variable=libdir containerkit), not $libdir"
# shellcheck disable=SC2086 # pkg-config output is meant to be split
run "$work/pkgconfig-build.log" "$cc" -std=c99 -pedantic -Wall -Wextra -Werror "${san_flags[@]}" \
	"$consumer/consumer.c" -o "$work/consumer-pkgconfig" $pcflags
echo "ok: built with pkg-config: $pcflags"
check_binary pkgconfig "$work/consumer-pkgconfig"
unset PKG_CONFIG_PATH PKG_CONFIG_LIBDIR

# 2. CMake's find_package(), seeing only the scratch prefix.
cmake_args=(-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo
            -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
            -DCMAKE_C_FLAGS="-Wall -Wextra -Werror ${san_flags[*]}")
run "$work/cmake-configure.log" "$cmake" -S "$consumer" -B "$work/cmake-build" "${cmake_args[@]}"
grep -q "^containerkit_DIR:PATH=$prefix/" "$work/cmake-build/CMakeCache.txt" ||
	fail "find_package found $(grep '^containerkit_DIR' "$work/cmake-build/CMakeCache.txt"), not the scratch prefix"
run "$work/cmake-build.log" "$cmake" --build "$work/cmake-build"
echo "ok: built with find_package(containerkit 1.0)"
check_binary cmake "$work/cmake-build/consumer"

# A consumer asking for another major version is refused (SameMajorVersion).
if "$cmake" -S "$consumer" -B "$work/cmake-build-v2" "${cmake_args[@]}" -DCK_WANT_VERSION=2.0 \
	> "$work/cmake-v2.log" 2>&1; then
	fail "find_package(containerkit 2.0) accepted the installed 1.x package"
fi
echo "ok: find_package(containerkit 2.0) is refused"
