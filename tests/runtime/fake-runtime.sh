#!/bin/sh
# A stand-in OCI runtime for the invocation tests: it records its command
# line and does what FAKE_MODE asks, so that error capture, fd hygiene and
# the environment can be checked without crun or runc.
log=
root=
for a in "$@"; do
  case "$a" in
    --log=*) log=${a#--log=} ;;
    --root=*) root=${a#--root=} ;;
  esac
done
[ -n "$FAKE_TRACE" ] && echo "$*" >>"$FAKE_TRACE"

case "$FAKE_MODE" in
  log)
    printf '{"level":"warning","msg":"just a warning"}\n{"level":"error","msg":"boom from the log"}\n' >"$log"
    exit 1 ;;
  stderr)
    i=0
    while [ $i -lt 100 ]; do echo "line $i of a long complaint"; i=$((i + 1)); done >&2
    echo "the real cause" >&2
    exit 2 ;;
  fds)
    for f in /proc/$$/fd/*; do echo "fd ${f##*/} -> $(readlink "$f")"; done >&2
    exit 1 ;;
  env)
    echo "notify=${NOTIFY_SOCKET:-unset} listen=${LISTEN_FDS:-unset} keep=${FAKE_KEEP:-unset}" >&2
    # read by the shell itself: a forked grep could see it mid-fork,
    # with every signal blocked
    while read -r line; do
      case $line in SigBlk* | SigIgn*) echo "$line" ;; esac
    done </proc/$$/status >&2
    exit 1 ;;
  create-fails)
    # leaves a state directory behind, as a runtime may
    for last; do :; done
    case "$*" in *" create "*) mkdir -p "$root/$last"; echo '{"level":"error","msg":"create went wrong"}' >"$log"; exit 1 ;; esac
    case "$*" in *" delete "*) rm -rf "$root/$last"; exit 0 ;; esac
    exit 0 ;;
  ok)
    exit 0 ;;
esac
exit 3
