#!/usr/bin/env bash
# A build used the way a user uses it: through the build tree's
# containerkit.pc, or installed under a scratch prefix and reached only
# through that prefix (no LD_LIBRARY_PATH, no build tree on any path), it
# runs real containers: the library finds its helper programs, and the
# installed ck finds the library.
#
# usage: install-run.sh build-tree|prefix BUILD_DIR SOURCE_DIR WORK_DIR CMAKE CC SANITIZE PROGRAM_RPATH
#   PROGRAM_RPATH  the RUNPATH the build gives installed programs ("" when
#                  it is configured for a system library directory)
# Environment: CK_TEST_RUNTIME (default runc).  Exit 77: cannot run here.
set -u

mode=$1 build=$2 src=$3 work=$4 cmake=$5 cc=$6 sanitize=$7 rpath=${8-}
runtime=${CK_TEST_RUNTIME:-runc}
image=localhost/busybox:latest
unset LD_LIBRARY_PATH CK_LIBEXEC_DIR CK_CONFIG CK_ROOT CK_RUNROOT CK_RUNTIME PKG_CONFIG_SYSROOT_DIR

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
run() { # run LOG CMD...: runs a step, showing its output only when it fails
	local log=$1; shift
	"$@" > "$log" 2>&1 || { echo "FAIL: $*"; sed 's/^/    /' "$log"; exit 1; }
}

san_flags=()
case $sanitize in
ON|on|1|TRUE|true|YES|yes) san_flags=('-fsanitize=address,undefined') ;;
esac

# Containers need root and a runtime that works on this host.
can_run_containers() {
	[ "$(id -u)" -eq 0 ] || { why="containers need root"; return 1; }
	command -v "$runtime" > /dev/null || { why="$runtime is not installed"; return 1; }
	if [ "$runtime" = crun ] && [ -s /sys/fs/cgroup/unified/cgroup.controllers ]; then
		why="crun refuses hybrid cgroups with controllers on cgroup2 (HOST-NOTES.md)"
		return 1
	fi
}

# The ck of the scratch install, on a scratch store, leaves no container
# behind whatever happens.
ck_bin=
ck() { "$ck_bin" --root "$work/store" --runroot "$work/runroot" --runtime "$runtime" "$@"; }
cleanup() {
	if [ -n "$ck_bin" ] && [ -x "$ck_bin" ] && [ -d "$work/store" ]; then
		ids=$(ck ps -a -q --no-trunc 2> /dev/null)
		# shellcheck disable=SC2086 # one id per word
		[ -z "$ids" ] || ck rm -f $ids > /dev/null 2>&1
	fi
}
trap cleanup EXIT

rm -rf "$work" && mkdir -p "$work" || exit 1

make_image() {
	run "$work/mkimage.log" python3 "$src/tests/fixtures/mkimage.py" "$work/busybox.tar" --format oci-archive \
		--busybox --name "$image"
}

# build_program PCDIR OUT [LDFLAGS...]: builds tests/install/run.c with the
# flags of the containerkit.pc in PCDIR, and nothing else on pkg-config's path.
build_program() {
	local pcdir=$1 out=$2 flags
	shift 2
	flags=$(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_LIBDIR=$pcdir:$(pkg-config --variable pc_path pkg-config) pkg-config --cflags --libs containerkit) ||
		fail "pkg-config --cflags --libs containerkit failed with PKG_CONFIG_PATH=$pcdir"
	echo "ok: pkg-config with PKG_CONFIG_PATH=$pcdir: $flags"
	# shellcheck disable=SC2086 # pkg-config output is meant to be split
	run "$work/cc.log" "$cc" -std=c99 -pedantic -Wall -Wextra -Werror "${san_flags[@]}" \
		"$src/tests/install/run.c" -o "$out" $flags "$@"
}

# loads_from BINARY DIR: the binary loads libcontainerkit.so.1 from DIR.
loads_from() {
	local got
	got=$(ldd "$1" | sed -n 's/.*libcontainerkit\.so\.1 => \([^ ]*\) .*/\1/p')
	[ -n "$got" ] && [ "$(cd "$(dirname "$got")" && pwd -P)" = "$(cd "$2" && pwd -P)" ] ||
		fail "$1 loads libcontainerkit.so.1 from '${got:-nowhere}', not from $2: $(ldd "$1" | grep containerkit)"
}

# run_program BINARY DIR [LIBEXEC]: runs tests/install/run.c's program.
run_program() {
	local bin=$1 dir=$2 out rc
	shift 2
	mkdir -p "$dir"
	out=$("$bin" "$dir" "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/    /'
	last_out=$out
	return $rc
}

if [ "$mode" = build-tree ]; then
	# The build tree's containerkit.pc: the library just built and the
	# source headers; its rpath lets the program run from anywhere.
	pc=$build/containerkit.pc
	[ -f "$pc" ] || fail "no containerkit.pc in the build tree $build"
	[ "$(PKG_CONFIG_PATH=$build PKG_CONFIG_LIBDIR=$build:$(pkg-config --variable pc_path pkg-config) pkg-config --variable=includedir containerkit)" = "$src/include" ] ||
		fail "the build tree's containerkit.pc does not point at $src/include"
	build_program "$build" "$work/run"
	loads_from "$work/run" "$build"
	if ! can_run_containers; then
		# What needs no container still shows the program runs.
		run_program "$work/run" "$work/ctx" || fail "the program built from the build tree failed"
		printf '%s\n' "$last_out" | grep -qx 'run ok' || fail "the program did not finish"
		skip "built and ran a program from the build tree's containerkit.pc; $why, so no container was run"
	fi
	make_image
	# The helpers are found beside the library in the build tree.
	run_program "$work/run" "$work/api" "$runtime" "$work/busybox.tar" ||
		fail "the program built from the build tree did not run a container"
	printf '%s\n' "$last_out" | grep -qx 'hello from an installed containerkit' || fail "no output from the container"
	echo "ok: a program built with the build tree's containerkit.pc ran a container with $runtime"
	exit 0
fi

[ "$mode" = prefix ] || fail "unknown mode $mode"
can_run_containers || skip "$why"
[ -n "$rpath" ] || skip "the build is configured for a system library directory, where programs get no RUNPATH"

# 1. The install: programs, helpers, and only the scratch prefix in its
#    pkg-config file.
prefix=$work/prefix
run "$work/install.log" "$cmake" --install "$build" --prefix "$prefix"
ck_bin=$prefix/bin/ck
pcfile=$(find "$prefix" -name containerkit.pc -path '*/pkgconfig/*')
[ -n "$pcfile" ] && [ "$(printf '%s\n' "$pcfile" | wc -l)" -eq 1 ] || fail "expected one containerkit.pc under $prefix: $pcfile"
libdir=$(PKG_CONFIG_PATH=$(dirname "$pcfile") PKG_CONFIG_LIBDIR=$(dirname "$pcfile"):$(pkg-config --variable pc_path pkg-config) pkg-config --variable=libdir containerkit)
[ -f "$libdir/libcontainerkit.so.1" ] || fail "containerkit.pc names libdir $libdir, which has no libcontainerkit.so.1"
helpers=$(find "$prefix" -path '*/containerkit/ck-*' -type f -perm -u+x | sort)
for h in ck-monitor ck-userns; do
	printf '%s\n' "$helpers" | grep -q "/$h\$" || fail "$h is not installed under $prefix (found: $helpers)"
done
# The scratch prefix lies in the build tree's test directory: what names
# the build or source tree outside it is a leak.
names_tree() { sed "s|$prefix||g" | grep -qF -e "$build" -e "$src"; }
names_tree < "$pcfile" && fail "the installed containerkit.pc names the build or source tree: $(cat "$pcfile")"

# 2. RUNPATH: ck finds the library from where it is; the helpers need
#    nothing outside the system's directories.
readelf -d "$ck_bin" | grep '(RUNPATH)' | grep -qF "[$rpath]" ||
	fail "the installed ck has no RUNPATH $rpath: $(readelf -d "$ck_bin" | grep -E 'RPATH|RUNPATH')"
echo "ok: the installed ck has RUNPATH $rpath"
loads_from "$ck_bin" "$libdir"
for h in $helpers; do
	ldd "$h" | grep -q 'not found' && fail "$h does not find its libraries: $(ldd "$h")"
	ldd "$h" | names_tree && fail "$h loads a library from the build tree: $(ldd "$h")"
done

make_image

# 3. A program built through the installed containerkit.pc alone (its own
#    rpath names the prefix's libdir: the prefix is not a system one) runs a
#    container: the library finds the installed helpers.
build_program "$(dirname "$pcfile")" "$work/run" "-Wl,-rpath,$libdir"
loads_from "$work/run" "$libdir"
readelf -d "$work/run" | names_tree && fail "the program names the build tree: $(readelf -d "$work/run" | grep PATH)"
run_program "$work/run" "$work/api" "$runtime" "$work/busybox.tar" ||
	fail "a program built against the install did not run a container"
printf '%s\n' "$last_out" | grep -qx 'hello from an installed containerkit' || fail "no output from the container"
echo "ok: a program built with the installed containerkit.pc ran a container with $runtime"

#    libexec_dir of the options, naming an empty directory, is the only
#    place looked, and the error names it.
mkdir -p "$work/empty"
run_program "$work/run" "$work/api-empty" "$runtime" "$work/busybox.tar" "$work/empty"
[ $? -eq 3 ] || fail "with libexec_dir $work/empty the start did not fail as expected"
echo "ok: libexec_dir naming an empty directory fails, naming it"

# 4. The installed ck: load and run, and the monitor is the installed one.
ck load -i "$work/busybox.tar" > "$work/load.log" 2>&1 || { sed 's/^/    /' "$work/load.log"; fail "ck load failed"; }
out=$(ck --log-level debug run --rm "$image" echo hello from ck 2> "$work/ck-run.err")
rc=$?
[ $rc -eq 0 ] && [ "$out" = "hello from ck" ] ||
	{ sed 's/^/    /' "$work/ck-run.err"; fail "the installed ck did not run a container (exit $rc, output '$out')"; }
monitor=$(printf '%s\n' "$helpers" | grep '/ck-monitor$')
grep -qF "helper program ck-monitor: $monitor" "$work/ck-run.err" ||
	{ grep -i helper "$work/ck-run.err"; fail "the installed ck did not use the installed monitor $monitor"; }
echo "ok: the installed ck ran a container with $runtime and $monitor"

# 5. CK_LIBEXEC_DIR naming an empty directory: the start fails, naming it
#    and the variable, and `run --rm` leaves no container.
out=$(CK_LIBEXEC_DIR=$work/empty ck run --rm "$image" true 2>&1)
rc=$?
[ $rc -ne 0 ] || fail "ck run succeeded with CK_LIBEXEC_DIR=$work/empty"
printf '%s\n' "$out" | grep -qF "ck-monitor in $work/empty (set by CK_LIBEXEC_DIR)" ||
	fail "the error does not name $work/empty and CK_LIBEXEC_DIR: $out"
[ -z "$(ck ps -a -q)" ] || fail "a failed run --rm left a container: $(ck ps -a)"
echo "ok: CK_LIBEXEC_DIR=$work/empty: $out"

# 6. The install is relocatable: moved elsewhere, it still runs; without
#    its monitor, the error names every place looked.
cleanup
mv "$prefix" "$work/moved" || fail "cannot move $prefix"
ck_bin=$work/moved/bin/ck
moved_libdir=$work/moved/${libdir#"$prefix"/}
moved_monitor=$work/moved/${monitor#"$prefix"/}
out=$(ck run --rm "$image" echo moved 2>&1)
[ "$out" = moved ] || fail "the moved install did not run a container: $out"
echo "ok: the install, moved to $work/moved, runs containers"
mv "$moved_monitor" "$moved_monitor.away"
out=$(ck run --rm "$image" true 2>&1) && fail "ck run succeeded without ck-monitor"
for where in "$(dirname "$moved_monitor")" "$moved_libdir" CK_LIBEXEC_DIR; do
	printf '%s\n' "$out" | grep -qF "$where" || fail "the error does not name $where: $out"
done
mv "$moved_monitor.away" "$moved_monitor"
echo "ok: without its monitor: $out"
exit 0
