#!/usr/bin/env bash
# ck auto-update against a real docker-registry on 127.0.0.1 and real runc
# containers: the registry and local policies, dry runs, updates that keep the
# name and the volume's data, a broken image rolled back, a pod with one good
# and one bad update, and labels or names that cannot be updated.
# Usage: test_autoupdate.sh [TEST...] runs some of them.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../cli/lib.sh"
source "$HERE/fixture.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the auto-update tests run containers as root" >&2; exit 77
fi
command -v runc >/dev/null || { echo "SKIP: runc is not installed" >&2; exit 77; }

LABEL=io.containers.autoupdate
# The gate: how long an updated container must keep running.  Short here;
# the broken image exits at once, well within it.
GATE=(--gate-seconds 1)

start_registry plain plain || exit 1
# v1 and v2 run for ever and differ only by a label; v3 exits at once.
make_busybox "$FIX/v1" --cmd '["sleep","1000"]' --label version=1 || exit 1
make_busybox "$FIX/v2" --cmd '["sleep","1000"]' --label version=2 || exit 1
make_busybox "$FIX/v3" --cmd '["false"]' --label version=3 || exit 1
image_id() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1]+"/index.json")); m=json.load(open(sys.argv[1]+"/blobs/sha256/"+d["manifests"][0]["digest"][7:])); print(m["config"]["digest"][7:])' "$1"
}
# h1 and h2 pass their healthcheck, h3 never does (and runs on).
make_busybox "$FIX/h1" --cmd '["sleep","1000"]' --label version=h1 --healthcheck '["CMD-SHELL","true"]' \
  --health-interval 1 --health-start-period 2 || exit 1
make_busybox "$FIX/h2" --cmd '["sleep","1000"]' --label version=h2 --healthcheck '["CMD-SHELL","true"]' \
  --health-interval 1 --health-start-period 2 || exit 1
make_busybox "$FIX/h3" --cmd '["sleep","1000"]' --label version=h3 --healthcheck '["CMD-SHELL","false"]' \
  --health-interval 1 --health-retries 1 || exit 1
V1=$(image_id "$FIX/v1") V2=$(image_id "$FIX/v2") V3=$(image_id "$FIX/v3")
H2=$(image_id "$FIX/h2")
# Local images for the local policy, as archives to load under one name.
for v in 1 2 3; do
  skopeo copy -q "oci:$FIX/v$v:latest" "oci-archive:$FIX/local-v$v.tar:localhost/lapp:latest" >/dev/null ||
    { echo "cannot make the local archive v$v" >&2; exit 1; }
done

ck() { run_ck --runtime runc "$@"; }
au() { ck auto-update --tls-verify=false "${GATE[@]}" "$@"; }

# field CTR TEMPLATE: one field of `ck inspect`
field() {
  ck inspect --format "$2" "$1"
  printf '%s' "$out"
}

# row NAME: the auto-update table's line for container NAME
row() { grep -F "($1)" <<<"$out"; }

cleanup() {
  run_ck ps -a -q --no-trunc
  [ -n "$out" ] && run_ck rm -f $out
  run_ck pod rm -f -a >/dev/null 2>&1
}

# deploy NAME REPO [ck run options...]: v1 pushed as REPO:latest, pulled,
# and run detached with the registry policy and volume NAME-data on /data.
deploy() {
  local name=$1 repo=$2
  shift 2
  populate "$REG_plain" "$repo:latest" "$FIX/v1" || fail "push v1"
  ck pull -q --tls-verify=false "$REG_plain/$repo:latest"; expect_rc 0
  ck run -d --name "$name" --label "$LABEL=registry" -v "$name-data:/data" "$@" "$REG_plain/$repo:latest"
  expect_rc 0
}

dry_run_reports_pending_and_changes_nothing() {
  deploy web app
  local id
  id=$(field web '{{.Id}}')
  au --dry-run; expect_rc 0
  expect_out "UNIT"
  expect_out "UPDATED"
  row web | grep -q "registry *false$" || fail "up to date: expected false: $out"
  populate "$REG_plain" app:latest "$FIX/v2" || fail "push v2"
  au --dry-run; expect_rc 0
  row web | grep -q "$REG_plain/app:latest *registry *pending$" || fail "expected pending: $out"
  [ "$(field web '{{.Id}}')" = "$id" ] || fail "the container changed in a dry run"
  [ "$(field web '{{.Image}}')" = "$V1" ] || fail "the image changed in a dry run"
  [ "$(field web '{{.State.Status}}')" = running ] || fail "not running after a dry run"
  ck image inspect --format '{{.Id}}' "$REG_plain/app:latest"
  [ "$out" = "$V1" ] || fail "a dry run pulled: the name points to $out"
  au --dry-run --format json; expect_rc 0
  /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); e=d[0]; assert e["Updated"]=="pending" and e["Policy"]=="registry" and e["ContainerName"]=="web" and e["Container"].endswith("(web)") and e["Unit"]=="", e' "$out" ||
    fail "json: $out"
  au --dry-run --format '{{.ContainerName}}={{.Updated}}'; expect_rc 0
  [ "$out" = "web=pending" ] || fail "template: $out"
  cleanup
}

update_keeps_name_and_volume_then_broken_image_is_rolled_back() {
  deploy web app -p 127.0.0.1::80 -e GREETING=hi
  ck exec web sh -c 'echo kept > /data/file'; expect_rc 0
  local id1 id2
  id1=$(field web '{{.Id}}')
  populate "$REG_plain" app:latest "$FIX/v2" || fail "push v2"
  au; expect_rc 0
  row web | grep -q "registry *true$" || fail "expected true: $out"
  id2=$(field web '{{.Id}}')
  [ "$id2" != "$id1" ] || fail "still the same container"
  [ "$(field web '{{.Image}}')" = "$V2" ] || fail "not on v2"
  [ "$(field web '{{.State.Status}}')" = running ] || fail "not running after the update"
  ck exec web cat /data/file; expect_rc 0
  [ "$out" = kept ] || fail "the volume's data: '$out'"
  ck exec web sh -c 'echo $GREETING'; expect_rc 0
  [ "$out" = hi ] || fail "the environment was not carried over: '$out'"
  ck port web; expect_rc 0
  expect_out "80/tcp -> 127.0.0.1:"
  ck ps -a -q; [ "$(wc -l <<<"$out")" -eq 1 ] || fail "the previous container is still there: $out"
  # v3 exits at once: rolled back to the v2 container
  populate "$REG_plain" app:latest "$FIX/v3" || fail "push v3"
  au; expect_rc 0
  row web | grep -q "registry *rolled back$" || fail "expected rolled back: $out"
  expect_err "web rolled back"
  expect_err "the update failed: the new container"
  expect_err "exited with code 1"
  [ "$(field web '{{.Id}}')" = "$id2" ] || fail "the v2 container did not come back"
  [ "$(field web '{{.State.Status}}')" = running ] || fail "the v2 container does not run again"
  ck image inspect --format '{{.Id}}' "$REG_plain/app:latest"
  [ "$out" = "$V2" ] || fail "the name points to $out, not back to v2"
  ck exec web cat /data/file; expect_rc 0
  [ "$out" = kept ] || fail "the volume's data after the rollback: '$out'"
  ck ps -a -q; [ "$(wc -l <<<"$out")" -eq 1 ] || fail "a container was left behind: $out"
  ck volume ls -q; [ "$out" = web-data ] || fail "volumes: $out"
  cleanup
}

# With a healthcheck the gate waits for healthy (no --gate-seconds: the
# image's start period plus one interval), and an image that never turns
# healthy is rolled back though its process keeps running.
health_gates_the_update() {
  populate "$REG_plain" happ:latest "$FIX/h1" || fail "push h1"
  ck pull -q --tls-verify=false "$REG_plain/happ:latest"; expect_rc 0
  ck run -d --name hweb --label "$LABEL=registry" -v hweb-data:/data "$REG_plain/happ:latest"; expect_rc 0
  ck exec hweb sh -c 'echo h > /data/f'; expect_rc 0
  populate "$REG_plain" happ:latest "$FIX/h2" || fail "push h2"
  ck auto-update --tls-verify=false; expect_rc 0
  row hweb | grep -q "registry *true$" || fail "expected true: $out"
  [ "$(field hweb '{{.Image}}')" = "$H2" ] || fail "not on h2"
  [ "$(field hweb '{{.State.Health.Status}}')" = healthy ] || fail "not healthy after the update"
  local id2
  id2=$(field hweb '{{.Id}}')
  populate "$REG_plain" happ:latest "$FIX/h3" || fail "push h3"
  ck auto-update --tls-verify=false; expect_rc 0
  row hweb | grep -q "registry *rolled back$" || fail "expected rolled back: $out"
  expect_err "healthy"
  [ "$(field hweb '{{.Id}}')" = "$id2" ] || fail "the h2 container did not come back"
  [ "$(field hweb '{{.State.Status}}')" = running ] || fail "the h2 container does not run again"
  ck exec hweb cat /data/f; [ "$out" = h ] || fail "data: '$out'"
  cleanup
}

rollback_false_leaves_the_failed_update() {
  deploy web app
  populate "$REG_plain" app:latest "$FIX/v3" || fail "push v3"
  au --rollback=false; expect_rc 125
  row web | grep -q "failed$" || fail "expected failed: $out"
  expect_err "exited with code 1"
  [ "$(field web '{{.Image}}')" = "$V3" ] || fail "the failed container is not the one left"
  ck volume ls -q; [ "$out" = web-data ] || fail "volumes: $out"
  cleanup
}

local_policy_follows_the_local_name() {
  ck load -i "$FIX/local-v1.tar"; expect_rc 0
  ck run -d --name loc --label "$LABEL=local" -v loc-data:/data localhost/lapp:latest; expect_rc 0
  ck exec loc sh -c 'echo local > /data/f'; expect_rc 0
  au; expect_rc 0
  row loc | grep -q "localhost/lapp:latest *local *false$" || fail "expected false: $out"
  ck load -i "$FIX/local-v2.tar"; expect_rc 0
  au --dry-run; expect_rc 0
  row loc | grep -q "local *pending$" || fail "expected pending: $out"
  au; expect_rc 0
  row loc | grep -q "local *true$" || fail "expected true: $out"
  [ "$(field loc '{{.Image}}')" = "$V2" ] || fail "not on the new local image"
  ck exec loc cat /data/f; [ "$out" = local ] || fail "data: '$out'"
  # a broken local image: rolled back, the name points to v2 again
  ck load -i "$FIX/local-v3.tar"; expect_rc 0
  au; expect_rc 0
  row loc | grep -q "local *rolled back$" || fail "expected rolled back: $out"
  ck image inspect --format '{{.Id}}' localhost/lapp:latest
  [ "$out" = "$V2" ] || fail "the local name points to $out"
  [ "$(field loc '{{.State.Status}}')" = running ] || fail "not running after the rollback"
  cleanup
}

pod_members_one_good_one_bad() {
  ck pod create --name pp; expect_rc 0
  populate "$REG_plain" good:latest "$FIX/v1" || fail "push good"
  populate "$REG_plain" bad:latest "$FIX/v1" || fail "push bad"
  ck pull -q --tls-verify=false "$REG_plain/good:latest"; expect_rc 0
  ck pull -q --tls-verify=false "$REG_plain/bad:latest"; expect_rc 0
  ck run -d --pod pp --name good --label "$LABEL=image" -v good-data:/data "$REG_plain/good:latest"; expect_rc 0
  ck run -d --pod pp --name bad --label "$LABEL=registry" -v bad-data:/data "$REG_plain/bad:latest"; expect_rc 0
  ck exec bad sh -c 'echo b > /data/f'; expect_rc 0
  local bad_id
  bad_id=$(field bad '{{.Id}}')
  populate "$REG_plain" good:latest "$FIX/v2" || fail "push good v2"
  populate "$REG_plain" bad:latest "$FIX/v3" || fail "push bad v3"
  au; expect_rc 0
  row good | grep -q "registry *true$" || fail "good: $out"
  row bad | grep -q "registry *rolled back$" || fail "bad: $out"
  [ "$(field good '{{.Image}}')" = "$V2" ] || fail "good is not on v2"
  [ "$(field good '{{.State.Status}}')" = running ] || fail "good does not run"
  [ "$(field bad '{{.Id}}')" = "$bad_id" ] || fail "bad is not the previous container"
  [ "$(field bad '{{.State.Status}}')" = running ] || fail "bad does not run again"
  ck exec bad cat /data/f; [ "$out" = b ] || fail "bad's data: '$out'"
  ck pod inspect --format '{{.Id}}' pp; expect_rc 0
  local pod=$out
  for n in good bad; do [ "$(field $n '{{.Pod}}')" = "$pod" ] || fail "$n is not in the pod"; done
  cleanup
}

unknown_policy_fails_and_changes_nothing() {
  deploy odd app --label "$LABEL=sometimes"
  local id
  id=$(field odd '{{.Id}}')
  populate "$REG_plain" app:latest "$FIX/v2" || fail "push v2"
  au; expect_rc 125
  row odd | grep -q "sometimes *failed$" || fail "expected failed: $out"
  expect_err "unknown policy \"sometimes\""
  [ "$(field odd '{{.Id}}')" = "$id" ] || fail "the container changed"
  [ "$(field odd '{{.State.Status}}')" = running ] || fail "the container stopped"
  cleanup
}

short_name_under_registry_fails_and_changes_nothing() {
  ck load -i "$FIX/local-v1.tar"; expect_rc 0
  ck run -d --name short --label "$LABEL=registry" lapp; expect_rc 0
  local id
  id=$(field short '{{.Id}}')
  au; expect_rc 125
  row short | grep -q "failed$" || fail "expected failed: $out"
  expect_err "image \"lapp\" is not fully qualified"
  [ "$(field short '{{.Id}}')" = "$id" ] || fail "the container changed"
  cleanup
}

rm_container_fails_and_keeps_running() {
  ck load -i "$FIX/local-v1.tar"; expect_rc 0
  ck run -d --rm --name gone --label "$LABEL=local" localhost/lapp:latest; expect_rc 0
  local id
  id=$(field gone '{{.Id}}')
  ck load -i "$FIX/local-v2.tar"; expect_rc 0
  au; expect_rc 125
  row gone | grep -q "local *failed$" || fail "expected failed: $out"
  expect_err "was run with --rm"
  [ "$(field gone '{{.Id}}')" = "$id" ] || fail "the container changed"
  [ "$(field gone '{{.State.Status}}')" = running ] || fail "the container stopped"
  cleanup
}

unlabelled_disabled_and_stopped_containers_are_left_out() {
  ck load -i "$FIX/local-v1.tar"; expect_rc 0
  ck run -d --name plain localhost/lapp:latest; expect_rc 0
  ck run -d --name off --label "$LABEL=disabled" localhost/lapp:latest; expect_rc 0
  ck create --name stopped --label "$LABEL=local" localhost/lapp:latest; expect_rc 0
  ck load -i "$FIX/local-v2.tar"; expect_rc 0
  au; expect_rc 0
  [ "$(wc -l <<<"$out")" -eq 1 ] || fail "only the header expected: $out"
  [ "$(field stopped '{{.Image}}')" = "$V1" ] || fail "a stopped container was updated"
  cleanup
}

if [ $# -gt 0 ]; then
  run_tests "$@"
else
  run_tests dry_run_reports_pending_and_changes_nothing \
    update_keeps_name_and_volume_then_broken_image_is_rolled_back \
    health_gates_the_update rollback_false_leaves_the_failed_update local_policy_follows_the_local_name \
    pod_members_one_good_one_bad unknown_policy_fails_and_changes_nothing \
    short_name_under_registry_fails_and_changes_nothing rm_container_fails_and_keeps_running \
    unlabelled_disabled_and_stopped_containers_are_left_out
fi
