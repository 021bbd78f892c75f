#!/usr/bin/env bash
# The floor of bench/pods.yaml: an "engine" that does only the work no engine
# can skip -- a network namespace, `netavark setup`/`teardown` with the JSON
# ck gives it, and the OCI runtime's create/start/kill/delete -- and nothing
# else (no store, no image, no record).  It takes the few command lines of
# the suite in podman's grammar, so ck-bench times it in the same run as the
# engines it bounds.  Rootful only.
#
# usage: floor.sh --dir DIR [--runtime RT] pod create --name P | pod start P |
#        pod rm -f P | run [--pod P] [--rm] [-d] [--name N] [-p IP:HP:CP] [--ulimit X]... IMAGE CMD... |
#        rm -f -t 0 N | pod rm -a -f | rm -a -f -t 0 | load -i F | --version | info ...
set -euo pipefail
dir= rt=runc
while [[ $# -gt 0 && $1 == --* ]]; do
	case $1 in
	--dir) dir=$2; shift 2 ;;
	--runtime) rt=$2; shift 2 ;;
	--version) echo "floor: netavark $(/usr/lib/podman/netavark --version 2>/dev/null | awk '{print $2}'), $rt"; exit 0 ;;
	*) echo "floor.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[[ -n $dir ]] || { echo "floor.sh: --dir is required" >&2; exit 2; }
netavark=${CK_NETAVARK:-/usr/lib/podman/netavark}
aardvark=${CK_AARDVARK_DNS:-/usr/lib/podman/aardvark-dns}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p "$dir/ns" "$dir/c" "$dir/netavark"
# The runtime's state of its own, as each engine has.
rtc() { "$rt" --root "$dir/runtime" "$@"; }

# A rootfs shared read-only by every container: the host's static busybox,
# and catatonit for a pod's infra (as both engines' infra images hold).
rootfs=$dir/rootfs
if [[ ! -x $rootfs/bin/busybox ]]; then
	mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/proc" "$rootfs/dev" "$rootfs/sys" "$rootfs/tmp"
	cp /bin/busybox "$rootfs/bin/"
	cp "$(readlink -f /usr/libexec/podman/catatonit)" "$rootfs/bin/catatonit"
	for a in sh true sleep httpd; do ln -sf busybox "$rootfs/bin/$a"; done
	echo floor > "$rootfs/etc/hostname"
fi

# Addresses go round 10.88.252.2-250 (never reused back to back: a new MAC
# on a just-freed address waits for the host's neighbour entry to expire).
next_ip() {
	local n=2
	[[ -f $dir/ipnext ]] && n=$(<"$dir/ipnext")
	echo $(( n >= 250 ? 2 : n + 1 )) > "$dir/ipnext"
	echo "10.88.252.$n"
}

# The JSON ck's lib/net/netavark.c gives netavark for the default network.
net_json() { # id name ip ports-json
	cat <<EOF
{"container_id":"$1","container_name":"$2","port_mappings":[$4],"networks":{"podman":{"static_ips":["$3"],"aliases":["$2"],"interface_name":"eth0"}},"network_info":{"podman":{"name":"podman","id":"2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9","driver":"bridge","network_interface":"podman0","subnets":[{"subnet":"10.88.0.0/16","gateway":"10.88.0.1"}],"ipv6_enabled":false,"internal":false,"dns_enabled":false,"ipam_options":{"driver":"host-local"}}}}
EOF
}

netavark_run() { # cmd ns json
	"$netavark" --config "$dir/netavark" --rootless false --aardvark-binary "$aardvark" "$1" "$2" <<<"$3" >/dev/null
}

# A namespace bound on a file, set up by netavark; its JSON kept beside it.
net_up() { # name ports-json
	local id ip ns=$dir/ns/$1
	printf -v id "%08x%08x%08x%08x" $RANDOM$RANDOM $RANDOM$RANDOM $RANDOM $$
	ip=$(next_ip)
	touch "$ns"
	unshare --net="$ns" true
	net_json "$id" "$1" "$ip" "$2" > "$ns.json"
	netavark_run setup "$ns" "$(<"$ns.json")"
}

net_down() { # name
	local ns=$dir/ns/$1
	[[ -f $ns.json ]] && netavark_run teardown "$ns" "$(<"$ns.json")"
	umount "$ns" 2>/dev/null || true
	rm -f "$ns" "$ns.json"
}

# A bundle: the runtime's default spec with the command, the shared rootfs
# read-only, no terminal, the network namespace given; made from a template
# with sed, so that no interpreter starts inside a timed command.
template=$dir/config.tmpl
if [[ ! -f $template ]]; then
	t=$(mktemp -d)
	(cd "$t" && "$rt" spec)
	python3 - "$t/config.json" "$rootfs" > "$template" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["@ARGS@"]
c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]
c["root"] = {"path": sys.argv[2], "readonly": True}
for n in c["linux"]["namespaces"]:
    if n["type"] == "network":
        n["path"] = "@NS@"
print(json.dumps(c))
EOF
	rm -rf "$t"
fi

bundle() { # name ns-path args...
	local b=$dir/c/$1 ns=$2; shift 2
	local args; args=$(printf '"%s",' "$@")
	mkdir -p "$b"
	sed -e "s|\"@ARGS@\"|${args%,}|" -e "s|@NS@|$ns|" "$template" > "$b/config.json"
}

ctr_stop() { # name
	local b=$dir/c/$1
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
		net_up "$1" ""
		bundle "$1" "$dir/ns/$1" /bin/catatonit -P
		(cd "$dir/c/$1" && rtc run -d "$1" >/dev/null) ;;
	rm)
		if [[ $* == *-a* ]]; then
			for b in "$dir"/c/*; do [[ -d $b ]] && ctr_stop "${b##*/}"; done
			for n in "$dir"/ns/*.json; do [[ -f $n ]] && { n=${n%.json}; net_down "${n##*/}"; }; done
			exit 0
		fi
		p=${*: -1}
		ctr_stop "$p"
		net_down "$p" ;;
	*) echo "floor.sh: pod $sub is not known" >&2; exit 2 ;;
	esac ;;
run)
	pod= name= rm=0 det=0 port=
	while [[ $1 == -* ]]; do
		case $1 in
		--pod) pod=$2; shift 2 ;;
		--name) name=$2; shift 2 ;;
		--rm) rm=1; shift ;;
		-d) det=1; shift ;;
		-p) port=$2; shift 2 ;;
		--ulimit|--ip) shift 2 ;;
		*) echo "floor.sh: run $1 is not known" >&2; exit 2 ;;
		esac
	done
	shift # the image: the floor has one rootfs
	name=${name:-r$$}
	pm=
	if [[ -n $port ]]; then
		IFS=: read -r hip hport cport <<<"$port"
		pm="{\"host_ip\":\"$hip\",\"container_port\":$cport,\"host_port\":$hport,\"range\":1,\"protocol\":\"tcp\"}"
	fi
	if [[ -n $pod ]]; then
		ns=$dir/ns/$pod
	else
		net_up "$name" "$pm"
		ns=$dir/ns/$name
	fi
	bundle "$name" "$ns" "$@"
	if (( det )); then
		(cd "$dir/c/$name" && rtc run -d "$name" >/dev/null)
		echo "$name"
	else
		rc=0
		(cd "$dir/c/$name" && rtc run "$name" </dev/null) || rc=$?
		rm -rf "$dir/c/$name"
		[[ -n $pod ]] || net_down "$name"
		exit $rc
	fi ;;
rm)
	if [[ $* == *-a* ]]; then exit 0; fi
	n=${*: -1}
	ctr_stop "$n"
	net_down "$n" ;;
inspect) [[ -d $dir/c/${*: -1} ]] ;;
*) echo "floor.sh: $cmd is not known" >&2; exit 2 ;;
esac
