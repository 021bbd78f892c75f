#!/usr/bin/env bash
# The rootless floor of bench/pods.yaml, run as the suite's user (through
# as-user.sh): what neither rootless engine can skip -- rootless runc in a
# user namespace of the user's own id, a new network namespace, and
# slirp4netns for a pod's infra up to its ready signal -- with no store,
# image, record, seccomp filter or overlay.  A plain `run --rm` gets a
# namespace and no slirp4netns (an engine need not wait for it before a
# short command runs), so its figure is a lower bound.  Published ports
# need slirp4netns's API socket, which a shell cannot speak without
# starting an interpreter: that case is refused (exit 3), not measured.
#
# usage: floor-rootless.sh --dir DIR [--runtime RT] (the commands of floor.sh)
set -euo pipefail
dir= rt=runc
while [[ $# -gt 0 && $1 == --* ]]; do
	case $1 in
	--dir) dir=$2; shift 2 ;;
	--runtime) rt=$2; shift 2 ;;
	--version) echo "floor-rootless: $(slirp4netns --version | head -1), $rt"; exit 0 ;;
	*) echo "floor-rootless.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[[ -n $dir ]] || { echo "floor-rootless.sh: --dir is required" >&2; exit 2; }
mkdir -p "$dir/c" "$dir/slirp"
rtc() { "$rt" --root "$dir/runtime" "$@"; }

rootfs=$dir/rootfs
if [[ ! -x $rootfs/bin/busybox ]]; then
	mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/proc" "$rootfs/dev" "$rootfs/sys" "$rootfs/tmp"
	cp /bin/busybox "$rootfs/bin/"
	cp "$(readlink -f /usr/libexec/podman/catatonit)" "$rootfs/bin/catatonit"
	for a in sh true sleep httpd; do ln -sf busybox "$rootfs/bin/$a"; done
fi

# runc's rootless spec (the user's own id mapped to root), with the
# command and the namespaces filled in by sed: no interpreter starts in a
# timed command.
template=$dir/config.tmpl
if [[ ! -f $template ]]; then
	t=$(mktemp -d)
	(cd "$t" && "$rt" spec --rootless)
	/usr/bin/python3 - "$t/config.json" "$rootfs" > "$template" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["@ARGS@"]
c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]
c["root"] = {"path": sys.argv[2], "readonly": True}
c["linux"]["namespaces"] = ["@NSLIST@"]
print(json.dumps(c))
EOF
	rm -rf "$t"
fi

bundle() { # name namespaces-json args...
	local b=$dir/c/$1 ns=$2; shift 2
	local args; args=$(printf '"%s",' "$@")
	mkdir -p "$b"
	sed -e "s|\"@ARGS@\"|${args%,}|" -e "s|\"@NSLIST@\"|$ns|" "$template" > "$b/config.json"
}

own='{"type":"pid"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}'
fresh="$own,{\"type\":\"user\"},{\"type\":\"network\"}"

init_pid() { rtc state "$1" | sed -n 's/^ *"pid": \([0-9]*\),/\1/p'; }

# slirp4netns for the namespaces of the infra's init, up to its ready fd.
slirp_up() { # name pid
	local f=$dir/slirp/$1.ready
	rm -f "$f"; mkfifo "$f"
	slirp4netns --configure --mtu=65520 --disable-host-loopback --ready-fd 3 "$2" tap0 3>"$f" \
		</dev/null >/dev/null 2>&1 &
	echo $! > "$dir/slirp/$1.pid"
	read -r _ < "$f" || true # "1", without a newline
	rm -f "$f"
}

ctr_stop() { # name
	local b=$dir/c/$1 p=$dir/slirp/$1.pid
	if [[ -f $p ]]; then kill "$(<"$p")" 2>/dev/null || true; rm -f "$p"; fi
	[[ -d $b ]] || return 0
	rtc kill "$1" KILL 2>/dev/null || true
	rtc delete --force "$1" 2>/dev/null || true
	rm -rf "$b"
}

cmd=$1; shift
case $cmd in
load) exit 0 ;;
info) echo '{"store": {"graphDriverName": "none (no store)"}}'; exit 0 ;;
pod)
	sub=$1; shift
	case $sub in
	create) exit 0 ;;
	start)
		bundle "$1" "$fresh" /bin/catatonit -P
		(cd "$dir/c/$1" && rtc run -d "$1" >/dev/null)
		slirp_up "$1" "$(init_pid "$1")" ;;
	rm)
		if [[ $* == *-a* ]]; then
			for b in "$dir"/c/*; do [[ -d $b ]] && ctr_stop "${b##*/}"; done
			exit 0
		fi
		ctr_stop "${*: -1}" ;;
	*) echo "floor-rootless.sh: pod $sub is not known" >&2; exit 2 ;;
	esac ;;
run)
	pod= name= det=0
	while [[ $1 == -* ]]; do
		case $1 in
		--pod) pod=$2; shift 2 ;;
		--name) name=$2; shift 2 ;;
		--rm) shift ;;
		-d) det=1; shift ;;
		-p) echo "floor-rootless.sh: published ports are not measured (slirp4netns's API socket)" >&2; exit 3 ;;
		--ulimit|--ip) shift 2 ;;
		*) echo "floor-rootless.sh: run $1 is not known" >&2; exit 2 ;;
		esac
	done
	shift
	name=${name:-r$$}
	ns=$fresh
	if [[ -n $pod ]]; then
		p=$(init_pid "$pod")
		ns="$own,{\"type\":\"user\",\"path\":\"/proc/$p/ns/user\"},{\"type\":\"network\",\"path\":\"/proc/$p/ns/net\"}"
	fi
	bundle "$name" "$ns" "$@"
	if (( det )); then
		(cd "$dir/c/$name" && rtc run -d "$name" >/dev/null)
		echo "$name"
	else
		rc=0
		(cd "$dir/c/$name" && rtc run "$name" </dev/null) || rc=$?
		rm -rf "$dir/c/$name"
		exit $rc
	fi ;;
rm)
	[[ $* == *-a* ]] && exit 0
	ctr_stop "${*: -1}" ;;
inspect) [[ -d $dir/c/${*: -1} ]] ;;
*) echo "floor-rootless.sh: $cmd is not known" >&2; exit 2 ;;
esac
