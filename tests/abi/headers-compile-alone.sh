#!/usr/bin/env bash
# Compiles, for every header under the include directory, a translation unit
# that includes only that header (twice, to prove the include guard), as
# pedantic C99 or C++11.  The headers are globbed at run time, so a new header
# is covered without touching the build.
#
# usage: headers-compile-alone.sh c|cxx COMPILER INCLUDE_DIR WORK_DIR
set -u

lang=$1 compiler=$2 incdir=$3 work=$4

case $lang in
c)   ext=c   flags=(-std=c99 -pedantic -Wall -Wextra -Werror -Wstrict-prototypes -fsyntax-only) ;;
cxx) ext=cpp flags=(-std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only) ;;
*)   echo "usage: $0 c|cxx COMPILER INCLUDE_DIR WORK_DIR" >&2; exit 2 ;;
esac

mkdir -p "$work" || exit 1
mapfile -t headers < <(cd "$incdir" && find . -name '*.h' -type f | sed 's|^\./||' | LC_ALL=C sort)
if [ ${#headers[@]} -eq 0 ]; then
	echo "FAIL: no header found under $incdir"
	exit 1
fi

failed=0
for h in "${headers[@]}"; do
	tu="$work/${h//\//_}.$ext"
	printf '#include <%s>\n#include <%s>\n' "$h" "$h" > "$tu"
	if out=$("$compiler" "${flags[@]}" -I"$incdir" "$tu" 2>&1); then
		echo "ok: $h"
	else
		echo "FAIL: $h does not compile alone as $lang ($compiler ${flags[*]}):"
		printf '%s\n' "$out" | sed 's/^/    /'
		failed=1
	fi
done
exit $failed
