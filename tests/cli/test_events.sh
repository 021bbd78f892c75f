#!/usr/bin/env bash
# `ck events` over the typed events (ck_events_read_v2): its text, its
# --format templates and its JSON show the same events, filtered as asked.
. "$(dirname "$0")/lib.sh"

RUNTIME=${CK_TEST_RUNTIME:-runc}
FIXTURES=${CK_FIXTURES:-$(cd "$(dirname "$0")/../fixtures" && pwd)}
IMG=localhost/busybox:latest

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: containers run as root in these tests" >&2; exit 77
fi
command -v "$RUNTIME" >/dev/null || { echo "SKIP: $RUNTIME is not installed" >&2; exit 77; }
ARCHIVE_DIR=$(mktemp -d "$TMPBASE/ck-cli-img-XXXXXX")
trap 'rm -rf "$ARCHIVE_DIR"' EXIT
python3 "$FIXTURES/mkimage.py" "$ARCHIVE_DIR/busybox.tar" --format oci-archive --busybox --name "$IMG" >/dev/null ||
  { echo "cannot build the busybox image" >&2; exit 1; }
ck() { run_ck --runtime "$RUNTIME" "$@"; }

# One container that exits 3, with a label.
setup_events() {
  ck load -i "$ARCHIVE_DIR/busybox.tar"; expect_rc 0
  ck run --name ev1 --label tier=web $IMG sh -c 'exit 3'; expect_rc 3
  ck create --name ev2 --label tier=db $IMG true; expect_rc 0
}

events_template_fields_equal_the_json() {
  setup_events
  ck events --stream=false --format json --filter container=ev1; expect_rc 0
  echo "$out" >"$ROOT/ev.json"
  ck events --stream=false --filter container=ev1 \
    --format '{{.Type}}|{{.Status}}|{{.ID}}|{{.Name}}|{{.Image}}|{{.TimeNano}}|{{.Attributes.tier}}|{{.Time}}'
  expect_rc 0
  echo "$out" >"$ROOT/ev.tmpl"
  python3 - "$ROOT" <<'PY' || fail "template and JSON disagree"
import json, sys, time
root = sys.argv[1]
js = [json.loads(l) for l in open(f"{root}/ev.json").read().splitlines()]
tm = open(f"{root}/ev.tmpl").read().splitlines()
assert len(js) == len(tm) >= 3, (len(js), len(tm))
assert [e["Status"] for e in js][:1] == ["create"] and "start" in [e["Status"] for e in js], js
for e, line in zip(js, tm):
    f = line.split("|")
    want = [e["Type"], e["Status"], e["ID"], e["Name"], e["Image"], str(e["timeNano"]), e["Attributes"]["tier"]]
    assert f[:7] == want, (f, want)
    # {{.Time}} prints as Go prints a time.Time, in local time, to the ns
    secs, ns = divmod(e["timeNano"], 10**9)
    assert f[7].startswith(time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(secs))), (f[7], e)
    frac = ("%09d" % ns).rstrip("0")
    assert (frac and "." + frac + " " in f[7]) or (not frac and "." not in f[7].split(" ")[1]), (f[7], ns)
died = [e for e in js if e["Status"] == "died"]
assert len(died) == 1 and died[0]["ContainerExitCode"] == 3, died
PY
  ck events --stream=false --filter container=ev1 --filter event=died --format '{{.ContainerExitCode}} {{.Name}}'
  expect_rc 0; [ "$out" = "3 ev1" ] || fail "died template gave '$out'"
  # the text form names the container, its image and its labels
  ck events --stream=false --filter event=died; expect_rc 0
  grep -qE "container died [0-9a-f]{64} \(image=$IMG, name=ev1, tier=web\)" <<<"$out" || fail "text form: $out"
  cleanup_events
}

events_filters_and_bounds() {
  setup_events
  ck events --stream=false --filter label=tier=db --format '{{.Name}} {{.Status}}'; expect_rc 0
  [ "$out" = "ev2 create" ] || fail "label filter gave '$out'"
  ck events --stream=false --filter label=tier=nosuch; expect_rc 0; [ -z "$out" ] || fail "no match gave '$out'"
  ck events --stream=false --filter type=image --format '{{.Type}}'; expect_rc 0
  [ -z "$(grep -v '^image$' <<<"$out")" ] || fail "type filter gave '$out'"
  # --since the died event's own time keeps it and what came after
  ck events --stream=false --filter event=died --format '{{.TimeNano}}'; tn=$out
  since=$(python3 -c "import sys,datetime; n=int(sys.argv[1]); print(datetime.datetime.fromtimestamp(n//10**9, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S') + '.%09dZ' % (n % 10**9))" "$tn")
  ck events --stream=false --since "$since" --format '{{.Name}} {{.Status}}'; expect_rc 0
  grep -q "^ev1 died$" <<<"$out" || fail "--since lost the died event: $out"
  grep -q "^ev1 create$" <<<"$out" && fail "--since kept an earlier event: $out"
  ck events --stream=false --until "$since" --format '{{.Name}} {{.Status}}'; expect_rc 0
  grep -q "^ev1 create$" <<<"$out" || fail "--until lost an earlier event: $out"
  grep -q "died" <<<"$out" && fail "--until kept the died event: $out"
  ck events --stream=false --filter colour=red; expect_rc 125; expect_err 'colour=red'
  ck events --stream=false --format '{{.NoSuchField}}'; expect_rc 125; expect_err 'NoSuchField'
  cleanup_events
}

# The containers go before their root does (an exited one keeps its root
# filesystem mounted until it is removed).
cleanup_events() { ck rm -f ev1 ev2; expect_rc 0; }



if [ $# -gt 0 ]; then tests=("$@"); else tests=(events_template_fields_equal_the_json events_filters_and_bounds); fi
run_tests "${tests[@]}"
