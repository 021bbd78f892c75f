#!/bin/sh
# Runs a command of bench/pods.yaml as an unprivileged user, for the rootless
# engines: HOME and XDG_RUNTIME_DIR in the engine's scratch directory (made
# the user's on first use), so that neither engine reads the user's own
# configuration or meets the other's pause process or sockets.
# usage: as-user.sh USER SCRATCH COMMAND [ARGS...]
set -eu
u=$1 dir=$2
shift 2
if [ ! -e "$dir/.as-user" ]; then
	mkdir -p "$dir/home" "$dir/xdg"
	chown "$u:" "$dir" "$dir/home" "$dir/xdg"
	chmod 700 "$dir/xdg"
	touch "$dir/.as-user"
fi
exec setpriv --reuid "$u" --regid "$(id -g "$u")" --clear-groups -- \
	env HOME="$dir/home" XDG_RUNTIME_DIR="$dir/xdg" "$@"
