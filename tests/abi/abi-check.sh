#!/usr/bin/env bash
# Compares the ABI of the built library and of the public headers with the
# committed baseline in abi/ (scripts/abi-baseline.sh).  Passes when nothing
# changed or the only changes are additions (new functions, new types, fields
# appended to the appendable structs); fails on anything else.
#
# usage: abi-check.sh LIBRARY SOURCE_DIR WORK_DIR PYTHON CC SANITIZE
# Exits 77 (ctest SKIP_RETURN_CODE) for builds whose DWARF is not comparable.
set -u

lib=$1 src=$2 work=$3 python=$4 cc=$5 sanitize=$6
suppressions=$src/abi/libcontainerkit.abignore

case $sanitize in
ON|on|1|TRUE|true|YES|yes)
	echo "SKIP: sanitizer build (CK_SANITIZE=ON): instrumentation changes nothing public, but"
	echo "      abidw's view of it may differ; the plain RelWithDebInfo build checks the ABI"
	exit 77 ;;
esac
if ! readelf -S "$lib" | grep -q '\.debug_info'; then
	echo "SKIP: $lib has no DWARF (a build type without -g); the ABI check needs RelWithDebInfo"
	exit 77
fi
for tool in abidw abidiff; do
	command -v $tool >/dev/null || { echo "FAIL: $tool not found; install abigail-tools"; exit 1; }
done

rm -rf "$work" && mkdir -p "$work/current" || exit 1
CC=$cc "$src/scripts/abi-baseline.sh" --output-dir "$work/current" "$lib" ||
	{ echo "FAIL: could not dump the current ABI"; exit 1; }

failed=0
for name in libcontainerkit.abi containerkit-types.abi; do
	baseline=$src/abi/$name current=$work/current/$name report=$work/$name.diff
	if [ ! -f "$baseline" ]; then
		echo "FAIL: no baseline $baseline; scripts/abi-baseline.sh makes it at a release (ABI.md)"
		failed=1
		continue
	fi
	# -t compares the types no function reaches, which only the stub's dump,
	# made with --load-all-types, records (abidiff aborts on the other).
	opts=()
	[ $name = containerkit-types.abi ] && opts=(-t)
	abidiff "${opts[@]}" --suppressions "$suppressions" "$baseline" "$current" > "$report" 2>&1
	rc=$?
	if [ $rc -ge 128 ] || [ $((rc & 3)) -ne 0 ]; then
		echo "FAIL: $name: abidiff could not compare (exit status $rc):"
		failed=1
	elif [ $((rc & 8)) -ne 0 ]; then
		echo "FAIL: $name: incompatible ABI change (abidiff exit status $rc):"
		failed=1
	elif [ $((rc & 4)) -ne 0 ]; then
		# abidiff sets only this bit for a reordered struct or a changed
		# parameter too, so anything but additions fails here.
		if grep 'summary:' "$report" | grep -E '(^|[^0-9])[1-9][0-9]* ([Rr]emoved|[Cc]hanged)' >/dev/null; then
			echo "FAIL: $name: ABI changes other than additions (abidiff exit status $rc):"
			failed=1
		else
			echo "ok: $name: only compatible additions since the baseline:"
		fi
	else
		echo "ok: $name: identical to the baseline"
	fi
	sed 's/^/    /' "$report"
	# The suppression that lets appendable structs grow also hides reordered
	# or retyped members; layout.py checks those, and enum values.
	"$python" "$src/tests/abi/layout.py" "$baseline" "$current" | sed "s/^/$name: /"
	[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1
done
exit $failed
