#!/usr/bin/env bash
# Compares the ABI of the built library with the committed baseline.  Passes
# when nothing changed or the only changes are additions (new functions,
# fields appended to appendable structs); fails on anything else.
#
# usage: abi-check.sh LIBRARY SOURCE_DIR WORK_DIR PYTHON SANITIZE
# Exits 77 (ctest SKIP_RETURN_CODE) for builds whose DWARF cannot be compared.
set -u

lib=$1 src=$2 work=$3 python=$4 sanitize=$5
baseline=$src/abi/libcontainerkit.abi
suppressions=$src/abi/libcontainerkit.abignore
current=$work/current.abi
report=$work/abidiff.txt

case $sanitize in
ON|on|1|TRUE|true|YES|yes)
	echo "SKIP: sanitizer build (CK_SANITIZE=ON): instrumentation changes nothing public, but"
	echo "      abidw output may differ; the ABI is checked in the normal RelWithDebInfo build"
	exit 77 ;;
esac
if ! readelf -S "$lib" | grep -q '\.debug_info'; then
	echo "SKIP: $lib has no DWARF (CMAKE_BUILD_TYPE without -g); the ABI check needs RelWithDebInfo"
	exit 77
fi
for tool in abidw abidiff; do
	command -v $tool >/dev/null ||
		{ echo "FAIL: $tool not found; install abigail-tools"; exit 1; }
done
[ -f "$baseline" ] ||
	{ echo "FAIL: no baseline $baseline; create it with scripts/abi-baseline.sh (ABI.md)"; exit 1; }

mkdir -p "$work" || exit 1
"$src/scripts/abi-baseline.sh" --output "$current" "$lib" || { echo "FAIL: abidw failed"; exit 1; }

# -t: also compare types no function mentions (the error code enum).
abidiff -t --suppressions "$suppressions" "$baseline" "$current" > "$report" 2>&1
rc=$?
failed=0
show_report() { sed 's/^/    /' "$report"; }

if [ $((rc & 1)) -ne 0 ] || [ $((rc & 2)) -ne 0 ]; then
	echo "FAIL: abidiff could not compare (exit status $rc):"
	show_report
	exit 1
fi
if [ $((rc & 8)) -ne 0 ]; then
	echo "FAIL: incompatible ABI change against $baseline (abidiff exit status $rc):"
	failed=1
elif [ $((rc & 4)) -ne 0 ]; then
	# abidiff sets only this bit for layout changes too (a reordered struct, a
	# changed parameter), so anything but additions fails here.
	if grep 'summary:' "$report" | grep -E '(^|[^0-9])[1-9][0-9]* ([Rr]emoved|[Cc]hanged)' >/dev/null; then
		echo "FAIL: ABI changes other than additions against $baseline (abidiff exit status $rc):"
		failed=1
	else
		echo "ok: only compatible additions since the baseline:"
	fi
else
	echo "ok: the ABI is identical to the baseline"
fi
show_report

"$python" "$src/tests/abi/layout.py" "$baseline" "$current" || failed=1
exit $failed
