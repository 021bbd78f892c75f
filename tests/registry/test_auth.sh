#!/usr/bin/env bash
# Basic auth (htpasswd) over TLS: refused without credentials, ck login
# stores them in an auth file that pull and push then use, ck logout forgets.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../cli/lib.sh"
source "$HERE/fixture.sh"

start_registry auth auth || exit 1
make_busybox "$FIX/bb" || exit 1
populate "$REG_auth" busybox:latest "$FIX/bb" --dest-creds "$REG_USER:$REG_PASS" || exit 1
CERTS="$FIX/certs/$REG_auth"
# never the user's own auth file
unset REGISTRY_AUTH_FILE
export XDG_RUNTIME_DIR="$FIX/xdg-run" XDG_CONFIG_HOME="$FIX/xdg-config" HOME="$FIX/home"

auth_pull_without_credentials_is_refused() {
  run_ck pull --cert-dir "$CERTS" --authfile "$ROOT/auth.json" "$REG_auth/busybox:latest"
  expect_rc 125
  expect_err "$REG_auth/busybox"
  expect_err "HTTP 401"
  expect_err "authentication required"
  expect_err "no credentials were given"
  [ "$(store_blobs)" -eq 0 ] || fail "blobs stored without credentials"
}

auth_login_then_pull() {
  run_ck login -u "$REG_USER" -p "$REG_PASS" --cert-dir "$CERTS" --authfile "$ROOT/auth.json" "$REG_auth"
  expect_rc 0
  expect_out "Login Succeeded!"
  grep -q "\"$REG_auth\"" "$ROOT/auth.json" || fail "auth.json lacks $REG_auth: $(cat "$ROOT/auth.json")"
  [ "$(stat -c %a "$ROOT/auth.json")" = 600 ] || fail "auth.json is not 0600"
  run_ck pull -q --cert-dir "$CERTS" --authfile "$ROOT/auth.json" "$REG_auth/busybox:latest"
  expect_rc 0
  run_ck push -q --cert-dir "$CERTS" --authfile "$ROOT/auth.json" "$REG_auth/busybox:latest" "$REG_auth/mine:v1"
  expect_rc 0
}

auth_wrong_password_is_refused() {
  run_ck login -u "$REG_USER" -p wrong --cert-dir "$CERTS" --authfile "$ROOT/auth.json" "$REG_auth"
  expect_rc 125
  expect_err "invalid username/password"
  expect_err "$REG_auth"
  [ ! -e "$ROOT/auth.json" ] || fail "a refused login wrote the auth file"
  run_ck pull --creds "$REG_USER:wrong" --cert-dir "$CERTS" "$REG_auth/busybox:latest"
  expect_rc 125
  expect_err "credentials of user \"$REG_USER\" were refused"
}

auth_creds_flag() {
  run_ck pull -q --creds "$REG_USER:$REG_PASS" --cert-dir "$CERTS" "$REG_auth/busybox:latest"
  expect_rc 0
}

auth_password_stdin() {
  local o e
  o=$(mktemp) e=$(mktemp)
  echo "$REG_PASS" | "$CK_BIN" --root "$ROOT/storage" --runroot "$ROOT/run" login -u "$REG_USER" \
    --password-stdin --tls-verify=false --authfile "$ROOT/auth.json" "$REG_auth" >"$o" 2>"$e"
  rc=$?
  out=$(cat "$o") err=$(cat "$e")
  rm -f "$o" "$e"
  expect_rc 0
  expect_out "Login Succeeded!"
}

auth_logout_forgets() {
  run_ck login -u "$REG_USER" -p "$REG_PASS" --tls-verify=false --authfile "$ROOT/auth.json" "$REG_auth"
  expect_rc 0
  run_ck logout --authfile "$ROOT/auth.json" "$REG_auth"
  expect_rc 0
  expect_out "Removed login credentials for $REG_auth"
  run_ck pull --tls-verify=false --authfile "$ROOT/auth.json" "$REG_auth/busybox:latest"
  expect_rc 125
  expect_err "HTTP 401"
  run_ck logout --authfile "$ROOT/auth.json" "$REG_auth"
  expect_rc 125
  expect_err "not logged into $REG_auth"
}

auth_logout_all_keeps_the_file_valid() {
  printf '{"auths":{"other.example":{"auth":"YTpi"}},"credHelpers":{"x":"y"}}' >"$ROOT/auth.json"
  run_ck login -u "$REG_USER" -p "$REG_PASS" --tls-verify=false --authfile "$ROOT/auth.json" "$REG_auth"
  expect_rc 0
  grep -q other.example "$ROOT/auth.json" || fail "login dropped another registry's entry"
  run_ck logout --all --authfile "$ROOT/auth.json"
  expect_rc 0
  expect_out "Removed login credentials for all registries"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["auths"]=={}, d' "$ROOT/auth.json" ||
    fail "auth.json after logout --all: $(cat "$ROOT/auth.json")"
}

auth_registry_auth_file_variable() {
  REGISTRY_AUTH_FILE="$ROOT/env-auth.json" run_ck login -u "$REG_USER" -p "$REG_PASS" --tls-verify=false "$REG_auth"
  expect_rc 0
  [ -s "$ROOT/env-auth.json" ] || fail "REGISTRY_AUTH_FILE was not written"
  REGISTRY_AUTH_FILE="$ROOT/env-auth.json" run_ck pull -q --tls-verify=false "$REG_auth/busybox:latest"
  expect_rc 0
}

auth_default_file_under_xdg_runtime_dir() {
  run_ck login -u "$REG_USER" -p "$REG_PASS" --tls-verify=false "$REG_auth"
  expect_rc 0
  [ -s "$XDG_RUNTIME_DIR/containers/auth.json" ] || fail "no auth file in \$XDG_RUNTIME_DIR/containers"
  run_ck pull -q --tls-verify=false "$REG_auth/busybox:latest"
  expect_rc 0
  run_ck logout "$REG_auth"
  expect_rc 0
}

auth_login_needs_a_user_without_a_terminal() {
  run_ck login --tls-verify=false "$REG_auth" </dev/null
  expect_rc 125
  expect_err "username"
}

run_tests auth_pull_without_credentials_is_refused auth_login_then_pull auth_wrong_password_is_refused \
  auth_creds_flag auth_password_stdin auth_logout_forgets auth_logout_all_keeps_the_file_valid \
  auth_registry_auth_file_variable auth_default_file_under_xdg_runtime_dir auth_login_needs_a_user_without_a_terminal
