#!/usr/bin/env bash
# examples/typed-reads (the typed API alone, no JSON) against ck's own output
# for the same containers: ps, stats --no-stream, port and inspect.
. "$(dirname "$0")/../cli/lib.sh"

TYPED=${CK_TYPED_READS:?set CK_TYPED_READS to the typed-reads binary}
FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
IMG=localhost/busybox:latest
[ "$(id -u)" -eq 0 ] || { echo "SKIP: containers run as root here" >&2; exit 77; }
command -v runc >/dev/null || { echo "SKIP: runc is not installed" >&2; exit 77; }
ARCHIVE_DIR=$(mktemp -d "$TMPBASE/ck-typed-img-XXXXXX")
trap 'rm -rf "$ARCHIVE_DIR"' EXIT
python3 "$FIXTURES/mkimage.py" "$ARCHIVE_DIR/busybox.tar" --format oci-archive --busybox --name "$IMG" >/dev/null ||
  { echo "cannot build the busybox image" >&2; exit 1; }
ck() { run_ck --runtime runc "$@"; }
typed() { "$TYPED" "$ROOT/storage" "$ROOT/run" "$@"; }

# same_output WHAT CK_TEXT TYPED_TEXT: the two agree line for line (sorted)
same_output() {
  if [ "$(sort <<<"$2")" != "$(sort <<<"$3")" ]; then
    fail "$1 differs:"$'\n'"ck:    $2"$'\n'"typed: $3"
  fi
  [ -n "$2" ] || fail "$1: ck printed nothing"
}

typed_reads_match_the_cli() {
  local p1 p2 out_ck
  ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0
  p1=$(free_port); p2=$(free_port)
  ck run -d --name web --label app=web --label tier=front -p 127.0.0.1:$p1:80 -p $p2:8080/udp \
    -v "$ARCHIVE_DIR:/hosttmp" -v data1:/data $IMG sleep 300; expect_rc 0
  ck create --name idle --network none $IMG true; expect_rc 0
  ck run --name done --network none --label x=1 $IMG sh -c 'exit 4'; expect_rc 4

  ck ps -a --no-trunc --format '{{.ID}}|{{.Image}}|{{.Command}}|{{.State}}|{{.Ports}}|{{.Names}}'; expect_rc 0
  out_ck=$out
  out=$(typed ps) || fail "typed-reads ps failed"
  same_output ps "$out_ck" "$out"

  ck stats --no-stream --format '{{.ID}}|{{.Name}}|{{.PIDs}}|{{.BlockIO}}|{{.MemUsage}}' web; expect_rc 0
  out_ck=$(sed 's/|[^|]* \/ \([^|]*\)$/|\1/' <<<"$out")  # the memory limit of MemUsage
  out=$(typed stats web) || fail "typed-reads stats failed"
  same_output stats "$out_ck" "$out"

  ck port web; expect_rc 0; out_ck=$out
  out=$(typed port web) || fail "typed-reads port failed"
  same_output port "$out_ck" "$out"

  ck inspect --format '{{.Id}}|{{.Name}}|{{.State.Status}}|{{.State.Pid}}|{{.Config.Labels}}|{{range .Mounts}}{{.Destination}} {{end}}|{{.NetworkSettings.Ports}}' web idle done
  expect_rc 0; out_ck=$out
  out=$(typed inspect web idle done) || fail "typed-reads inspect failed"
  same_output inspect "$out_ck" "$out"

  out=$(typed inspect nosuch 2>&1) && fail "typed-reads found nosuch"
  grep -q nosuch <<<"$out" || fail "no error naming nosuch: $out"
  ck rm -f web idle done; expect_rc 0
}

run_tests typed_reads_match_the_cli
