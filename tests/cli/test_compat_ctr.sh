#!/usr/bin/env bash
# podman compatibility of the container commands, each behaviour run on ck
# and on podman 4.3 in a scratch root, comparing exit codes and output:
# --device, ps --sort and --external, cp (archive, pause, tar streams,
# container to container), mount's listing, and run's --add-host, --dns*,
# --no-hosts, --tmpfs, --unsetenv* and --pidfile.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/podman.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the container CLI tests run as root" >&2; exit 77
fi
command -v runc >/dev/null || { echo "SKIP: runc is not installed" >&2; exit 77; }

FIX=$(mktemp -d "$TMPBASE/ck-compat-ctr-XXXXXX")
trap 'rm -rf "$FIX"' EXIT
IMG=localhost/busybox:latest
python3 "${CK_FIXTURES:-$HERE/../fixtures}/mkimage.py" "$FIX/busybox.tar" --format oci-archive --busybox \
  --name "$IMG" >/dev/null || { echo "cannot build the busybox image" >&2; exit 1; }
R="$PM_LIMITS --network none"

load_both() {
  ck load -i "$FIX/busybox.tar"; expect_rc 0
  [ $HAVE_PODMAN -eq 0 ] || run_podman load -i "$FIX/busybox.tar"
}

device_appears_in_the_container() {
  load_both
  # /dev/zero under another name, read in the container
  both run --rm $R --device /dev/zero:/dev/foo $IMG sh -c 'ls -l /dev/foo | cut -c1-10; head -c 4 /dev/foo | od -An -c'
  expect_rc 0; same_out "--device /dev/zero:/dev/foo"
  grep -q '\\0  \\0  \\0  \\0' <<<"$out" || fail "reading /dev/foo: $out"
  # the same path in the container when none is given
  both run --rm $R --device /dev/zero $IMG sh -c 'head -c 2 /dev/zero | wc -c'
  expect_rc 0; same_out "--device /dev/zero"; [ "$out" = 2 ] || fail "--device /dev/zero: $out"
  # the permissions are the device cgroup's: /dev/fuse is in no default
  # list, so "r" lets it be opened for reading only
  local s='(exec 3</dev/t) && echo r; (exec 4>/dev/t) && echo w; true'
  both run --rm $R --device /dev/fuse:/dev/t:r $IMG sh -c "$s"
  expect_rc 0; same_out "--device :r"; [ "$out" = r ] || fail "--device /dev/fuse:/dev/t:r: $out"
  both run --rm $R --device /dev/fuse:/dev/t $IMG sh -c "$s"
  expect_rc 0; same_out "--device"; [ "$out" = "r
w" ] || fail "--device /dev/fuse:/dev/t: $out"
  # without it, the container has no such node
  both run --rm $R $IMG ls /dev/t; expect_rc 1
  ck create --name d --device /dev/zero:/dev/foo:rw $IMG true; expect_rc 0
  ck inspect --format '{{range .HostConfig.Devices}}{{.PathOnHost}} {{.PathInContainer}} {{.CgroupPermissions}}{{end}}' d
  [ "$out" = "/dev/zero /dev/foo rw" ] || fail "inspect: $out"
  # bad values: podman's exit code, a message naming what is wrong, nothing made
  both run --rm $R --device /dev/nope $IMG true; expect_rc 125; expect_err "/dev/nope"
  both run --rm $R --device /dev/zero:foo $IMG true; expect_rc 125; expect_err "invalid device mode: foo"
  both run --rm $R --device /dev/zero:/dev/foo:x $IMG true; expect_rc 125; expect_err "invalid device mode: x"
  both run --rm $R --device /etc/passwd $IMG true; expect_rc 125; expect_err "/etc/passwd is not a valid device"
  ck run --rm --device zero:/dev/foo $IMG true; expect_rc 125; expect_err "not an absolute path"
  ck ps -a -q; [ "$(wc -l <<<"$out")" = 1 ] || fail "a refused --device left a container: $out"
  pm_cleanup
}

ps_sorts_by_every_key_as_podman_does() {
  load_both
  both tag $IMG localhost/aaa:1; expect_rc 0
  # created, started in another order, an image that sorts first, commands
  # and names that sort differently from the creation order
  both create $R --name m localhost/aaa:1 true; expect_rc 0
  both run -d $R --name z $IMG sleep 1000; expect_rc 0
  both run $R --name a $IMG echo hi; expect_rc 0
  both create $R --name b $IMG ls; expect_rc 0
  local k
  for k in command created image names runningfor size status; do
    both ps -a --sort $k --format '{{.Names}}'; expect_rc 0; same_out "--sort $k"
  done
  ck ps -a --sort names --format '{{.Names}}'; [ "$(echo $out)" = "a b m z" ] || fail "--sort names: $out"
  ck ps -a --sort status --format '{{.Names}}'; [ "$(echo $out)" = "m b a z" ] || fail "--sort status: $out"
  ck ps -a --sort id --no-trunc -q; [ "$out" = "$(sort <<<"$out")" ] || fail "--sort id: $out"
  [ "$(wc -l <<<"$out")" = 4 ] || fail "--sort id lost containers: $out"
  # --sort=KEY, and the table output follows the order too
  ck ps -a --sort=names --noheading; [ "$(awk '{print $NF}' <<<"$out" | xargs)" = "a b m z" ] || fail "table: $out"
  both ps -a --sort bogus; expect_rc 125; expect_err '"bogus" is not a valid value'
  # ck's store has no containers of other tools: --external adds none
  both ps --external --format '{{.Names}}'; expect_rc 0; same_out "--external"; [ "$out" = z ] || fail "--external: $out"
  pm_cleanup
}

# The engines with stdin and stdout as they are (tar streams): ENGINE ARGS...
ck_raw() { "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" --runtime runc "$@"; }
pm_raw() {
  podman --root "$(pm_dir)/p" --runroot "$(pm_dir)/r" --tmpdir "$(pm_dir)/t" --storage-driver vfs \
    --runtime runc --cgroup-manager cgroupfs --events-backend file "$@"
}
# "uid:gid mode name" of each path under a directory of the container, sorted
owners() { echo "cd $1 && find . | sort | xargs stat -c '%u:%g %a %n'"; }

cp_matches_podman() {
  load_both
  local src=$FIX/src e
  mkdir -p "$src/d" "$FIX/out-ck" "$FIX/out-pm"
  echo hi >"$src/f"; echo x >"$src/d/g"; chown -R 123:456 "$src"
  both run -d $R --name u -u 1000:1000 $IMG sleep 1000; expect_rc 0
  both exec u mkdir /tmp/t; expect_rc 0
  # into a container: owned by its user (-a, the default), or kept (-a=false)
  both cp "$src/f" u:/tmp/t/f1; expect_rc 0
  both cp -a=false "$src/f" u:/tmp/t/f2; expect_rc 0
  both cp "$src/d" u:/tmp/t/d1; expect_rc 0
  both cp --archive=false "$src/d" u:/tmp/t/d2; expect_rc 0
  both exec u sh -c "$(owners /tmp/t)"; expect_rc 0; same_out "cp into a container"
  expect_out "1000:1000 644 ./d1/g"; expect_out "123:456 644 ./f2"
  # out of it: the caller's
  both exec u sh -c 'echo in >/tmp/o; mkdir /tmp/od; echo z >/tmp/od/z'; expect_rc 0
  ck cp u:/tmp/od "$FIX/out-ck/od"; expect_rc 0
  [ $HAVE_PODMAN -eq 0 ] || { run_podman cp u:/tmp/od "$FIX/out-pm/od"; expect_rc 0; }
  [ "$(stat -c '%u:%g %a' "$FIX/out-ck/od/z")" = "0:0 644" ] || fail "cp out: $(ls -lnR "$FIX/out-ck")"
  [ $HAVE_PODMAN -eq 0 ] || [ "$(cd "$FIX/out-ck" && find . | sort)" = "$(cd "$FIX/out-pm" && find . | sort)" ] ||
    fail "cp out: ck and podman made different trees"
  # to stdout as a tar stream: the same entries, owners and contents
  local l_ck l_pm
  l_ck=$(ck_raw cp u:/tmp/od - | tar --numeric-owner -tvf - | awk '{print $2, $NF}' | sed 's|/$||')
  [ "$l_ck" = "1000/1000 od
1000/1000 od/z" ] || fail "cp to stdout: $l_ck"
  [ "$(ck_raw cp u:/tmp/o - | tar -xOf - o)" = in ] || fail "cp of a file to stdout"
  if [ $HAVE_PODMAN -eq 1 ]; then
    l_pm=$(pm_raw cp u:/tmp/od - | tar --numeric-owner -tvf - | awk '{print $2, $NF}' | sed 's|/$||')
    [ "$l_ck" = "$l_pm" ] || fail "cp to stdout: ck '$l_ck', podman '$l_pm'"
  fi
  # from stdin: unpacked into a directory, owned as a copy is
  tar -C "$src" -cf "$FIX/in.tar" f d
  ck_raw cp - u:/tmp/t <"$FIX/in.tar" || fail "cp from stdin failed"
  [ $HAVE_PODMAN -eq 0 ] || pm_raw cp - u:/tmp/t <"$FIX/in.tar" || fail "podman cp from stdin failed"
  both exec u sh -c "$(owners /tmp/t)"; expect_rc 0; same_out "cp from stdin"
  expect_out "1000:1000 644 ./f"
  gzip -c "$FIX/in.tar" | ck_raw cp - u:/tmp/t || fail "cp of a compressed stream failed"
  # what podman refuses, ck refuses, and nothing is half made
  for e in "/tmp/t/nodir" "/tmp/t/f1"; do
    ck_raw cp - "u:$e" <"$FIX/in.tar" 2>"$FIX/err"; [ $? = 125 ] || fail "cp - u:$e did not fail"
    grep -q "destination must be a directory when copying from stdin" "$FIX/err" || fail "cp - u:$e: $(cat "$FIX/err")"
    if [ $HAVE_PODMAN -eq 1 ]; then pm_raw cp - "u:$e" <"$FIX/in.tar" 2>/dev/null; [ $? = 125 ] || fail "podman: cp - u:$e"; fi
  done
  echo garbage | ck_raw cp - u:/tmp/t 2>"$FIX/err"; [ $? = 125 ] || fail "a stream that is no tar was taken"
  grep -q "must be a (compressed) tar archive" "$FIX/err" || fail "garbage: $(cat "$FIX/err")"
  ck exec u sh -c 'ls /tmp/t/nodir; ls -d /tmp/t/garbage'; expect_rc 1
  ls -d "$ROOT/storage/containers/"*/cp-* 2>/dev/null && fail "a staging directory was left"
  both cp u:/nope -; expect_rc 125; expect_err "/nope"
  both cp - /tmp; expect_rc 125
  # container to container: owned by the destination's user (root here)
  both create $R --name u2 $IMG true; expect_rc 0
  both cp u:/tmp/od u2:/od; expect_rc 0
  both cp u:/tmp/o u2:/renamed; expect_rc 0
  l_ck=$(ck_raw cp u2:/od - | tar --numeric-owner -tvf - | awk '{print $2, $NF}' | sed 's|/$||')
  [ "$l_ck" = "0/0 od
0/0 od/z" ] || fail "container to container: $l_ck"
  [ "$(ck_raw cp u2:/renamed - | tar -xOf - renamed)" = in ] || fail "container to container, renamed"
  if [ $HAVE_PODMAN -eq 1 ]; then
    l_pm=$(pm_raw cp u2:/od - | tar --numeric-owner -tvf - | awk '{print $2, $NF}' | sed 's|/$||')
    [ "$l_ck" = "$l_pm" ] || fail "container to container: ck '$l_ck', podman '$l_pm'"
  fi
  # within one container (podman 4.3 hangs on this one)
  ck cp u:/tmp/o u:/tmp/o2; expect_rc 0
  ck exec u cat /tmp/o2; [ "$out" = in ] || fail "within a container: $out"
  pm_cleanup
}

cp_pause_freezes_the_container_for_the_copy() {
  ck load -i "$FIX/busybox.tar"; expect_rc 0
  ck run -d --network none --name p $IMG sleep 1000; expect_rc 0
  echo data >"$FIX/f"
  ck cp --pause "$FIX/f" p:/tmp/f; expect_rc 0
  ck exec p cat /tmp/f; [ "$out" = data ] || fail "cp --pause: $out"
  ck inspect --format '{{.State.Status}}' p; [ "$out" = running ] || fail "after cp --pause: $out"
  ck events --stream=false --filter event=pause --filter event=unpause --format '{{.Status}}'
  [ "$(echo $out)" = "pause unpause" ] || fail "cp --pause: the events were '$out'"
  # a container that was paused already stays paused
  ck pause p; expect_rc 0
  ck cp --pause p:/tmp/f "$FIX/back"; expect_rc 0; [ "$(cat "$FIX/back")" = data ] || fail "copy out while paused"
  ck inspect --format '{{.State.Status}}' p; [ "$out" = paused ] || fail "a paused container was thawed: $out"
  ck rm -f p; expect_rc 0
}

mount_lists_the_mounted_containers() {
  load_both
  both mount --format json; expect_rc 0; same_out "mount --format json, nothing mounted"; [ "$out" = "[]" ] || fail "$out"
  both mount; expect_rc 0; [ -z "$out" ] || fail "nothing mounted: $out"
  both run -d $R --name run1 $IMG sleep 1000; expect_rc 0
  both create $R --name c1 $IMG true; expect_rc 0
  both create $R --name c2 $IMG true; expect_rc 0
  both mount c1; expect_rc 0
  local mp=$out id
  ck inspect --format '{{.Id}}' c1; id=${out:0:12}
  # the running one and the mounted one, in the order of their ids, "ID  PATH"
  both mount; expect_rc 0
  [ "$(wc -l <<<"$out")" = 2 ] || fail "mount: $out"
  grep -qE '^[0-9a-f]{12}  /' <<<"$out" || fail "mount: $out"
  grep -qxF "$id  $mp" <<<"$out" || fail "mount: no line for c1: $out"
  [ "$(cut -c1-12 <<<"$out")" = "$(cut -c1-12 <<<"$out" | sort)" ] || fail "mount: not in the order of ids: $out"
  both mount --no-trunc; expect_rc 0; grep -qE '^[0-9a-f]{64}  /' <<<"$out" || fail "--no-trunc: $out"
  # json: podman's keys and indentation, the paths aside
  both mount --format json; expect_rc 0
  # (the order of ids differs between the engines)
  local shape='import json,sys; print(sorted((sorted(e), e["Names"]) for e in json.load(sys.stdin)))'
  [ $HAVE_PODMAN -eq 0 ] || [ "$(/usr/bin/python3 -c "$shape" <<<"$ck_out")" = "$(/usr/bin/python3 -c "$shape" <<<"$pm_out")" ] ||
    fail "mount --format json: ck '$ck_out', podman '$pm_out'"
  [ $HAVE_PODMAN -eq 0 ] || [ "$(grep -c '^ \{1,3\}"' <<<"$ck_out")" = "$(grep -c '^ \{1,3\}"' <<<"$pm_out")" ] ||
    fail "mount --format json: not podman's indentation: $ck_out"
  expect_out '"mountpoint": "'"$mp"'"'
  both mount --format '{{.ID}}'; expect_rc 125; expect_err 'unknown --format argument'
  both umount c1; expect_rc 0
  both mount --format json; expect_rc 0
  [ "$(/usr/bin/python3 -c 'import json,sys; print(" ".join(n for e in json.load(sys.stdin) for n in e["Names"]))' <<<"$out")" = run1 ] ||
    fail "after umount: $out"
  pm_cleanup
}

run_flags_hosts_dns_tmpfs_env_pidfile_match_podman() {
  load_both
  local H="$PM_LIMITS --network host"
  both run --rm $H --add-host db:10.1.2.3 --add-host v6:fd00::1 --dns 10.0.0.53 --dns 10.0.0.54 \
    --dns-search example.com --dns-search corp --dns-option ndots:2 $IMG sh -c 'head -2 /etc/hosts; cat /etc/resolv.conf'
  expect_rc 0; same_out "--add-host, --dns*"
  [ "$out" = "10.1.2.3	db
fd00::1	v6
search example.com corp
nameserver 10.0.0.53
nameserver 10.0.0.54
options ndots:2" ] || fail "--add-host, --dns*: $out"
  # one kind given replaces only that kind
  both run --rm $H --dns-option ndots:3 $IMG sh -c 'grep ^options /etc/resolv.conf; grep -c ^nameserver /etc/resolv.conf'
  expect_rc 0; same_out "--dns-option alone"
  [ "$(sed -n 2p <<<"$out")" = "$(grep -c ^nameserver /etc/resolv.conf)" ] || fail "--dns-option lost the nameservers: $out"
  # --no-hosts: the image's (this one has none)
  both run --rm $R --no-hosts $IMG cat /etc/hosts; expect_rc 1
  both run --rm $R --tmpfs /scratch:size=1m,mode=1777 --tmpfs /t2 --tmpfs /ro:ro $IMG sh -c \
    'grep -E " /(scratch|t2|ro) " /proc/mounts | cut -d" " -f2-4 | cut -d, -f1-3 | sort; stat -c %a /scratch'
  expect_rc 0; same_out "--tmpfs"; expect_out "/scratch tmpfs rw,nosuid,nodev"; expect_out "/ro tmpfs ro,"
  # refusals, in podman's exit code
  both run --rm $R --dns 1.1.1.1 $IMG true; expect_rc 125; expect_err "conflicting options: dns and the network mode: none"
  both run --rm $R --add-host bad $IMG true; expect_rc 125; expect_err "bad"
  both run --rm $R --dns 1.2.3 $IMG true; expect_rc 125; expect_err "1.2.3"
  both run --rm $R --tmpfs /x:foo $IMG true; expect_rc 125; expect_err "foo"
  # --unsetenv takes defaults away, never what is given (podman sets
  # TERM always, ck with -t only: left out of the comparison)
  local e1 e2
  both run --rm $R -e FOO=1 -e BAR=2 --unsetenv FOO --unsetenv PATH --unsetenv container $IMG /bin/env
  expect_rc 0; e1=$(grep -v -e ^HOSTNAME= -e ^TERM= <<<"$ck_out" | sort | xargs)
  e2=$(grep -v -e ^HOSTNAME= -e ^TERM= <<<"$pm_out" | sort | xargs)
  [ "$e1" = "BAR=2 FOO=1 HOME=/root" ] || fail "--unsetenv: $e1"
  [ $HAVE_PODMAN -eq 0 ] || [ "$e1" = "$e2" ] || fail "--unsetenv: ck '$e1', podman '$e2'"
  both run --rm $R -e BAR=2 --unsetenv-all $IMG /bin/env
  expect_rc 0; e1=$(grep -v -e ^HOSTNAME= -e ^TERM= <<<"$ck_out" | sort | xargs)
  e2=$(grep -v -e ^HOSTNAME= -e ^TERM= <<<"$pm_out" | sort | xargs)
  [ "$e1" = "BAR=2 HOME=/root" ] || fail "--unsetenv-all: $e1"
  [ $HAVE_PODMAN -eq 0 ] || [ "$e1" = "$e2" ] || fail "--unsetenv-all: ck '$e1', podman '$e2'"
  # without PATH a bare command is not found, by either
  both run --rm $R --unsetenv PATH $IMG sh -c true; expect_rc 127
  # --pidfile: the init's pid, written again at each start
  mkdir -p "$FIX/pid-ck" "$FIX/pid-pm"
  ck run -d $R --name pf --pidfile "$FIX/pid-ck/pf" $IMG sleep 1000; expect_rc 0
  [ $HAVE_PODMAN -eq 0 ] || { run_podman run -d $R --name pf --pidfile "$FIX/pid-pm/pf" $IMG sleep 1000; expect_rc 0; }
  ck inspect --format '{{.State.Pid}}' pf; [ "$(cat "$FIX/pid-ck/pf")" = "$out" ] || fail "--pidfile: $(cat "$FIX/pid-ck/pf") != $out"
  both stop -t 0 pf; expect_rc 0
  rm -f "$FIX/pid-ck/pf"
  both start pf; expect_rc 0
  ck inspect --format '{{.State.Pid}}' pf; [ "$(cat "$FIX/pid-ck/pf")" = "$out" ] || fail "--pidfile after a restart"
  ( cd "$FIX/pid-ck" && ck_raw run --rm $R --pidfile rel.pid $IMG true ) || fail "--pidfile rel.pid"
  [ -s "$FIX/pid-ck/rel.pid" ] || fail "a relative --pidfile was not written in the current directory"
  ck create --name h --add-host a:10.0.0.1 --dns-search x.org $IMG true; expect_rc 0
  ck start h; expect_rc 0
  ck inspect --format '{{.Id}}' h
  grep -q "10.0.0.1	a" "$ROOT/storage/containers/$out/userdata/hosts" || fail "--add-host not kept across create and start"
  pm_cleanup
}

run_tests device_appears_in_the_container ps_sorts_by_every_key_as_podman_does cp_matches_podman \
  cp_pause_freezes_the_container_for_the_copy mount_lists_the_mounted_containers run_flags_hosts_dns_tmpfs_env_pidfile_match_podman
