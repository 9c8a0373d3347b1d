#!/usr/bin/env bash
# Security on by default, end to end with the real server, curl and Debian's kubectl: the API
# speaks only TLS (its own CA) and answers 401 with Kubernetes' Status to every request without
# a valid bearer token -- get, list and watch alike -- while the admin kubeconfig the server
# wrote works with kubectl; expired, revoked and ServiceAccount-bound tokens die as they should;
# plain HTTP and unauthenticated serving are refused off loopback; no token reaches the log.
. "$(dirname "$0")/lib.sh"

start_server
wait_until "server ready" acurl -sf "$API/readyz"
PORT=${API##*:}

log "the admin kubeconfig works with kubectl, and it and the keys are private"
kc get gitrepos -A >/dev/null || fail "kubectl with the admin kubeconfig"
for f in "$KUBECONFIG_FILE" "$WORK/data/tls/ca.key" "$WORK/data/tls/serving.key"; do
  [ "$(stat -c %a "$f")" = 600 ] || fail "$f is mode $(stat -c %a "$f"), want 600"
done
[ "$API" = "https://127.0.0.1:$PORT" ] || fail "kubeconfig server URL: $API"

# status [CURL ARGS...] URL: the HTTP status (body in $WORK/body); 000 when nothing came back.
status() { curl --cacert "$E2E_CA" -s -o "$WORK/body" -w '%{http_code}' --max-time 5 "$@" || true; }
# expect_401 DESC [CURL ARGS...]: 401 with Kubernetes' Status body, nothing else.
expect_401() {
  local desc=$1 got
  shift
  got=$(status "$@")
  [ "$got" = 401 ] || fail "$desc: HTTP $got, want 401: $(head -c 300 "$WORK/body")"
  python3 -c 'import json,sys; b=json.load(open(sys.argv[1]));
want={"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}
sys.exit(0 if b==want else "body: %r" % b)' "$WORK/body" || fail "$desc: wrong 401 body"
}
FLEET=/apis/fleet.cattle.io/v1alpha1
URLS=(
  "$FLEET/namespaces/fleet-local/gitrepos" "$FLEET/namespaces/fleet-local/gitrepos/x"
  "$FLEET/namespaces/fleet-local/gitrepos?watch=1" "$FLEET/gitrepos" "$FLEET/gitrepos?watch=true"
  "$FLEET/namespaces/fleet-local/bundles" "$FLEET/namespaces/fleet-local/bundles/x"
  "$FLEET/namespaces/fleet-local/bundles?watch=1" "$FLEET/bundles?watch=1"
  "/api/v1/namespaces/fleet-local/secrets" "/api/v1/namespaces/flotilla-system/secrets/x"
  "/api/v1/namespaces/fleet-local/secrets?watch=1" "/api/v1/secrets?watch=1"
  "/api/v1/namespaces/default/serviceaccounts/x/token" /api /apis /version /metrics
)
WRONG_SHAPE="flt_0123456789abcdef.$(printf '0%.0s' $(seq 64))"
log "no token, a garbage token, a well-formed unknown token: 401 on get, list and watch"
for u in "${URLS[@]}"; do
  expect_401 "no token GET $u" "$API$u"
  expect_401 "garbage token GET $u" -H "Authorization: Bearer garbage" "$API$u"
  expect_401 "unknown token GET $u" -H "Authorization: Bearer $WRONG_SHAPE" "$API$u"
done
expect_401 "no token POST" -X POST -H 'Content-Type: application/json' -d '{}' \
  "$API$FLEET/namespaces/fleet-local/gitrepos"
expect_401 "basic auth" -u admin:admin "$API$FLEET/gitrepos"
# The admin token is what makes the difference.
[ "$(status -H "@$WORK/auth-header" "$API$FLEET/gitrepos")" = 200 ] || fail "admin list"
got=$(curl --cacert "$E2E_CA" -H "@$WORK/auth-header" -s -o /dev/null -w '%{http_code}' \
  --max-time 2 "$API$FLEET/gitrepos?watch=1" || true)
[ "$got" = 200 ] || fail "admin watch: HTTP $got"
# kubectl with a wrong token says so.
if KUBECONFIG=/dev/null kubectl --server="$API" --certificate-authority="$E2E_CA" --token garbage \
  get gitrepos -A >"$WORK/out" 2>&1 </dev/null; then fail "kubectl with a garbage token succeeded"; fi
grep -qiE "unauthorized|provide credentials" "$WORK/out" || fail "kubectl with a garbage token: $(cat "$WORK/out")"
log "open endpoints answer without a token"
for u in /healthz /livez /readyz; do
  [ "$(status "$API$u")" = 200 ] || fail "$u without a token"
done

log "plain HTTP to the TLS port gets no API"
got=$(curl -s -o "$WORK/body" -w '%{http_code}' --max-time 5 -H "@$WORK/auth-header" \
  "http://127.0.0.1:$PORT$FLEET/gitrepos" || true)
[ "$got" != 200 ] || fail "plain HTTP was served"
grep -q "HTTPS server" "$WORK/body" || fail "plain HTTP: $(head -c 200 "$WORK/body")"

log "an operator's token works until it expires or is revoked"
flt() { "$FLOTILLA_BIN" token --kubeconfig "$KUBECONFIG_FILE" "$@"; }
SHORT=$(flt create --user short --group system:masters --ttl 2s 2>"$WORK/err") ||
  fail "token create: $(cat "$WORK/err")"
[ "$(status -H "Authorization: Bearer $SHORT" "$API$FLEET/gitrepos")" = 200 ] ||
  fail "a fresh token: $(cat "$WORK/body")"
sleep 3
expect_401 "expired token" -H "Authorization: Bearer $SHORT" "$API$FLEET/gitrepos"
LONG=$(flt create --user ops --group system:masters 2>"$WORK/err") ||
  fail "token create: $(cat "$WORK/err")"
LONG_ID=$(sed -n 's/^token id \([0-9a-f]*\) .*/\1/p' "$WORK/err")
[ -n "$LONG_ID" ] || fail "no id on stderr: $(cat "$WORK/err")"
[ "$(status -H "Authorization: Bearer $LONG" "$API$FLEET/gitrepos")" = 200 ] || fail "ops token"
flt revoke "$LONG_ID" 2>"$WORK/err" || fail "revoke: $(cat "$WORK/err")"
expect_401 "revoked token" -H "Authorization: Bearer $LONG" "$API$FLEET/gitrepos"
expect_401 "revoked token watch" -H "Authorization: Bearer $LONG" "$API$FLEET/gitrepos?watch=1"
if flt revoke "$LONG_ID" 2>"$WORK/err"; then fail "revoking twice succeeded"; fi
grep -q "not found" "$WORK/err" || fail "second revoke: $(cat "$WORK/err")"
if flt create --user x --ttl soon 2>"$WORK/err"; then fail "--ttl soon accepted"; fi

log "ServiceAccounts and kubectl create token"
kc create serviceaccount robot -n fleet-local >/dev/null
kc get serviceaccount robot -n fleet-local >/dev/null || fail "get serviceaccount"
kc api-resources --api-group='' -o name 2>/dev/null | grep -q '^serviceaccounts$' || fail "discovery"
SA=$(kc create token robot -n fleet-local --duration 10m) || fail "kubectl create token"
got=$(status -H "Authorization: Bearer $SA" "$API$FLEET/namespaces/fleet-local/gitrepos")
[ "$got" = 200 ] || [ "$got" = 403 ] || fail "a ServiceAccount token: HTTP $got"
kc create token robot -n fleet-local -o json >"$WORK/tr.json"
python3 -c 'import json,sys; t=json.load(open(sys.argv[1]));
assert t["kind"]=="TokenRequest" and t["status"]["token"] and t["status"]["expirationTimestamp"], t' \
  "$WORK/tr.json" || fail "TokenRequest: $(cat "$WORK/tr.json")"
if kc create token robot -n fleet-local --duration 1s 2>"$WORK/err"; then
  fail "a 1 s TokenRequest was accepted"
fi
grep -q "less than 10 minutes" "$WORK/err" || fail "1 s TokenRequest: $(cat "$WORK/err")"
if kc create token nobody -n fleet-local 2>"$WORK/err"; then fail "token for a missing SA"; fi
kc delete serviceaccount robot -n fleet-local >/dev/null
expect_401 "the deleted ServiceAccount's token" -H "Authorization: Bearer $SA" "$API$FLEET/gitrepos"

log "a restart keeps the CA and the admin token; only the URL follows the new port"
ADMIN=$E2E_TOKEN
CA_BEFORE=$(sha256sum <"$WORK/data/tls/ca.crt")
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
start_server
wait_until "server ready again" acurl -sf "$API/readyz"
[ "$E2E_TOKEN" = "$ADMIN" ] || fail "the admin token changed across a restart"
[ "$(sha256sum <"$WORK/data/tls/ca.crt")" = "$CA_BEFORE" ] || fail "the CA changed"
kc get gitrepos -A >/dev/null || fail "kubectl after the restart"

log "plain HTTP and anonymous serving are refused off loopback"
for flag in --insecure-http --anonymous-admin; do
  if timeout 30 "$FLOTILLA_BIN" server --data-dir "$WORK/other" --listen 0.0.0.0:0 $flag \
    >"$WORK/refused.log" 2>&1; then fail "$flag on 0.0.0.0 started"; fi
  grep -q "loopback" "$WORK/refused.log" || fail "$flag: $(cat "$WORK/refused.log")"
done
log "--insecure-http on loopback serves HTTP, still with authentication"
"$FLOTILLA_BIN" server --data-dir "$WORK/plain" --listen 127.0.0.1:0 --insecure-http \
  --port-file "$WORK/plain-port" --apply-dir "$WORK/plain-apply" >>"$WORK/server.log" 2>&1 &
PLAIN_PID=$!
trap 'rc=$?; set +e; kill $PLAIN_PID 2>/dev/null; wait $PLAIN_PID 2>/dev/null; cleanup $rc' EXIT
for _ in $(seq 1 200); do [ -s "$WORK/plain-port" ] && break; sleep 0.05; done
PLAIN="http://127.0.0.1:$(cat "$WORK/plain-port")"
wait_until "plain server ready" curl -sf "$PLAIN/readyz"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$PLAIN$FLEET/gitrepos")" = 401 ] ||
  fail "--insecure-http turned authentication off"
# (kubectl does not send a token over plain HTTP; curl does.)
PLAIN_TOKEN=$(sed -n 's/^ *token: *//p' "$WORK/plain/admin.kubeconfig" | tr -d "\"'")
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $PLAIN_TOKEN" \
  "$PLAIN$FLEET/gitrepos")" = 200 ] || fail "the plain server's admin token"
kill -TERM $PLAIN_PID
wait $PLAIN_PID || true

log "no token ever reaches the server log"
for t in "$ADMIN" "$SHORT" "$LONG" "$SA" "$PLAIN_TOKEN"; do
  [ -n "$t" ] || continue
  if grep -qF "${t#*.}" "$WORK/server.log"; then fail "a token is in the server log"; fi
done
grep -q "token issued" "$WORK/server.log" || fail "token issuance is not logged (by id)"
log "PASS"
