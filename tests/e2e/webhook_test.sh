#!/usr/bin/env bash
# Webhooks end to end: a GitRepo with disablePolling syncs a new commit only when a signed
# GitHub-style push event is POSTed to $API/webhooks; unsigned and forged events are refused and
# change nothing.
. "$(dirname "$0")/lib.sh"

SECRET="e2e-webhook-secret"
start_git_daemon
mkdir -p "$WORK/src"
cat >"$WORK/src/configmap.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: hooked
data:
  version: one
YAML
first=$(new_repo hooked "$WORK/src")
start_server

kc create secret generic gitjob-webhook -n cattle-fleet-system --from-literal=github="$SECRET"
cat <<YAML | kc apply -f -
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: hooked
  namespace: fleet-local
spec:
  repo: ${GIT_URL}hooked.git
  branch: master
  disablePolling: true
  pollingInterval: 1s
YAML
wait_until "first commit synced" field_is hooked '{.status.commit}' "$first"
wait_until "first version applied" grep -q "version: one" "$WORK/apply/default/configmap/hooked.yaml"

sed -i 's/version: one/version: two/' "$WORK/src/configmap.yaml"
second=$(commit_repo hooked "$WORK/src")
sleep 3
field_is hooked '{.status.commit}' "$first" || fail "disablePolling GitRepo moved without a webhook"

# A GitHub push event for this repository (URLs as a GitHub-like server would spell them).
repo_path=${GIT_URL#git://}
cat >"$WORK/push.json" <<JSON
{"ref":"refs/heads/master","before":"$first","after":"$second","created":false,"deleted":false,
 "repository":{"name":"hooked","full_name":"e2e/hooked","html_url":"http://${repo_path}hooked",
   "clone_url":"http://${repo_path}hooked.git","git_url":"${GIT_URL}hooked.git",
   "ssh_url":"git@${repo_path%%:*}:hooked.git","default_branch":"master"},
 "pusher":{"name":"e2e"},"head_commit":{"id":"$second","message":"change"}}
JSON
sign() { openssl dgst -sha256 -hmac "$1" -hex <"$WORK/push.json" | sed 's/^.*= //'; }
post() {
  curl --cacert "$E2E_CA" -s -o "$WORK/resp.json" -w '%{http_code}' -X POST "$API/webhooks" \
    -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
    -H 'X-GitHub-Delivery: e2e-1' "$@" --data-binary @"$WORK/push.json"
}

log "unsigned and forged events are refused"
code=$(post)
[ "$code" = 401 ] || fail "unsigned webhook: HTTP $code $(cat "$WORK/resp.json")"
code=$(post -H "X-Hub-Signature-256: sha256=$(sign wrong-secret)")
[ "$code" = 403 ] || fail "forged webhook: HTTP $code $(cat "$WORK/resp.json")"
sleep 2
field_is hooked '{.status.commit}' "$first" || fail "a refused webhook moved the GitRepo"
field_is hooked '{.status.webhookCommit}' "" || fail "a refused webhook wrote webhookCommit"

log "a signed event syncs the new commit"
code=$(post -H "X-Hub-Signature-256: sha256=$(sign "$SECRET")")
[ "$code" = 200 ] || fail "signed webhook: HTTP $code $(cat "$WORK/resp.json")"
grep -q '"fleet-local/hooked"' "$WORK/resp.json" || fail "response: $(cat "$WORK/resp.json")"
wait_until "webhookCommit recorded" field_is hooked '{.status.webhookCommit}' "$second"
wait_until "second commit synced" field_is hooked '{.status.commit}' "$second"
wait_until "second version applied" grep -q "version: two" "$WORK/apply/default/configmap/hooked.yaml"

log "GitHub's ping and non-POST requests"
[ "$(curl --cacert "$E2E_CA" -s -o /dev/null -w '%{http_code}' -X POST "$API/webhooks" -H 'X-GitHub-Event: ping' \
  --data '{"zen":"hi"}')" = 200 ] || fail "ping"
[ "$(curl --cacert "$E2E_CA" -s -o /dev/null -w '%{http_code}' "$API/webhooks")" = 405 ] || fail "GET"
# (grep -q on a pipe may close it early: curl then dies of SIGPIPE and pipefail fails the test)
grep -q 'flotilla_webhook_requests_total{provider="github",result="matched"} 1' <<<"$(acurl -s "$API/metrics")" ||
  fail "webhook metric"
log "PASS"
