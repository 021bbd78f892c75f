#!/usr/bin/env bash
# Checks the shared object's names against the version in the public header:
# SONAME libcontainerkit.so.MAJOR, real file libcontainerkit.so.MAJOR.MINOR.PATCH,
# and the two symlinks (SONAME and linker name) pointing at that file.
#
# usage: soname.sh LIB_DIR VERSION_H
set -u

libdir=$1 version_h=$2
fail() { echo "FAIL: $*"; exit 1; }

ver() { sed -n "s/^#define CK_VERSION_$1 \([0-9][0-9]*\).*/\1/p" "$version_h"; }
major=$(ver MAJOR) minor=$(ver MINOR) patch=$(ver PATCH)
[ -n "$major" ] && [ -n "$minor" ] && [ -n "$patch" ] || fail "cannot read CK_VERSION_* from $version_h"

soname=libcontainerkit.so.$major
real=libcontainerkit.so.$major.$minor.$patch

[ -f "$libdir/$real" ] && [ ! -L "$libdir/$real" ] ||
	fail "$libdir/$real is not a regular file (does project(VERSION) match $version_h?): $(ls "$libdir"/libcontainerkit.so* 2>&1 | tr '\n' ' ')"

got=$(readelf -d "$libdir/$real" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$got" = "$soname" ] || fail "SONAME of $real is '$got', expected '$soname'"

for link in "$soname" libcontainerkit.so; do
	[ -L "$libdir/$link" ] || fail "$libdir/$link is not a symlink"
	[ "$(readlink -f "$libdir/$link")" = "$(readlink -f "$libdir/$real")" ] ||
		fail "$link points to $(readlink "$libdir/$link"), not $real"
done

echo "ok: SONAME $soname, real file $real"
