# podman 4.3 beside ck for the differential CLI tests: podman in a scratch
# root of the test's own (vfs, cgroupfs, file events, runc), and `both`,
# which runs one command line on each engine and compares exit codes.
# Sourced after lib.sh.
HAVE_PODMAN=0
command -v podman >/dev/null && HAVE_PODMAN=1
# podman refuses a run root longer than 50 characters: its roots live in
# /tmp, named after the test's root, and go with it (pm_cleanup).
pm_dir() { echo "/tmp/ckp-$(basename "$ROOT")"; }
# run_podman ARGS...: sets $out, $err and $rc as run_ck does.  The tmp
# directory is the test's too: podman's default (/run/libpod) is shared with
# every other podman on the host, and a `system reset` anywhere removes it.
run_podman() {
  local o e
  o=$(mktemp) e=$(mktemp)
  podman --root "$(pm_dir)/p" --runroot "$(pm_dir)/r" --tmpdir "$(pm_dir)/t" --storage-driver vfs \
    --runtime runc --cgroup-manager cgroupfs --events-backend file "$@" >"$o" 2>"$e" </dev/null
  rc=$?
  out=$(cat "$o") err=$(cat "$e")
  rm -f "$o" "$e"
}
ck() { run_ck --runtime runc "$@"; }
# podman's default nofile and nproc limits are above this host's hard limits
PM_LIMITS='--ulimit nofile=1024:1024 --ulimit nproc=1024:1024'

# Both engines: CMD... gives the same exit code; $ck_rc/$ck_out/$ck_err and
# $pm_rc/$pm_out/$pm_err hold what each did ($pm_* empty without podman).
both() {
  ck "$@"; ck_rc=$rc ck_out=$out ck_err=$err
  pm_rc="" pm_out="" pm_err=""
  if [ $HAVE_PODMAN -eq 1 ]; then
    run_podman "$@"; pm_rc=$rc pm_out=$out pm_err=$err
    [ "$ck_rc" = "$pm_rc" ] || fail "'$*': ck exited $ck_rc ($ck_err), podman $pm_rc ($pm_err)"
  fi
  rc=$ck_rc out=$ck_out err=$ck_err
}
# Same output on both (when podman is here).
same_out() {
  [ $HAVE_PODMAN -eq 0 ] || [ "$ck_out" = "$pm_out" ] ||
    fail "$1: ck printed '$ck_out', podman '$pm_out'"
}

pm_cleanup() {
  run_ck ps -a -q --no-trunc
  [ -n "$out" ] && run_ck rm -f $out
  if [ $HAVE_PODMAN -eq 1 ] && [ -d "$(pm_dir)" ]; then
    run_podman rm -a -f -t 0
    run_podman system reset -f
    rm -rf "$(pm_dir)"
  fi
  true
}
