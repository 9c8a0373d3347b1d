#!/usr/bin/env bash
# Cluster registration (Fleet's agent-initiated flow) with the real server, kubectl and two
# `flotilla agent --registration-file` processes. Proves: a ClusterRegistrationToken gets a
# values Secret; agents registering with it (labels env=dev / env=test) get their own Cluster
# and credential (<state-dir>/kubeconfig, 0600) and apply exactly their variant; the
# registration token may only create ClusterRegistrations; an agent's credential cannot read
# another cluster's BundleDeployments or any GitRepo (403); re-registering with the same
# client-id after losing the state dir gets the same Cluster; a restart with a state dir skips
# registration; an expired token (ttl 1s) is refused (401) and deleted with its Secret; a revoked
# agent credential is logged and, given a fresh registration file, the agent registers again.
# shellcheck disable=SC2119 # start_server takes optional flags
here=$(dirname "$0")
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"

CHECKIN=1s
declare -A AGENT_PID=()
stop_agent() {
  kill -TERM "${AGENT_PID[$1]}" 2>/dev/null || true
  wait "${AGENT_PID[$1]}" 2>/dev/null || true
  unset "AGENT_PID[$1]"
}
stop_agents() {
  local c
  for c in "${!AGENT_PID[@]}"; do stop_agent "$c"; done
}
on_exit() {
  local rc=$? c
  stop_agents
  if [ $rc -ne 0 ]; then
    for c in dev test; do
      echo "---- agent $c log (last 30 lines) ----" >&2
      tail -n 30 "$WORK/agent-$c.log" >&2 2>/dev/null || true
    done
  fi
  cleanup $rc
}
trap on_exit EXIT

# values_of TOKEN FILE: the `values` of the token's Secret, as a Fleet user reads it.
values_of() {
  kc get secret -n fleet-default "$1" -o 'jsonpath={.data.values}' | base64 -d >"$2"
  grep -q '^token: ' "$2"
}
new_token() {
  cat <<YAML | kc apply -f - >/dev/null
apiVersion: fleet.cattle.io/v1alpha1
kind: ClusterRegistrationToken
metadata: {name: $1, namespace: fleet-default}
spec: {ttl: $2}
YAML
  wait_until "token $1 has its values Secret" kc get secret -n fleet-default "$1"
}

# start_agent NAME: `flotilla agent` registering as client id NAME with env=NAME.
start_agent() {
  local c=$1
  mkdir -p "$WORK/agent-$c"
  "$FLOTILLA_BIN" agent --registration-file "$WORK/agent-$c/values.yaml" \
    --state-dir "$WORK/agent-$c/state" --apply-dir "$WORK/apply-$c" \
    --cluster-labels "env=$c,owner=e2e" --client-id "client-$c" --checkin-interval "$CHECKIN" \
    >>"$WORK/agent-$c.log" 2>&1 &
  AGENT_PID[$c]=$!
}
cluster_of() { sed -n 's/.*"name":"\([^"]*\)".*/\1/p' "$WORK/agent-$1/state/cluster.json"; }
# akc NAME ARGS: kubectl with agent NAME's own credential.
akc() { kubectl --kubeconfig "$WORK/agent-$1/state/kubeconfig" --cache-dir="$WORK/kube-cache-$1" "${@:2}"; }
agent_token() { sed -n 's/^ *token: *//p' "$WORK/agent-$1/state/kubeconfig" | tr -d "\"'"; }

# grants_are NAME N: agent NAME has logged N grants (evaluated at each try of wait_until).
grants_are() { [ "$(grep -c 'registration granted' "$WORK/agent-$1.log")" = "$2" ]; }
clusters_count() { kc get clusters -n fleet-default -o name | grep -c 'cluster-' || true; }

start_git_daemon
env_variants_repo dev test

start_server --agent-checkin-interval "$CHECKIN"
wait_until "server ready" acurl -fsS "$API/readyz"

log "a ClusterRegistrationToken gets its values Secret"
new_token reg 1h
secret_name=$(kc get clusterregistrationtoken -n fleet-default reg -o 'jsonpath={.status.secretName}')
[ "$secret_name" = reg ] || fail "status.secretName is '$secret_name'"
expires=$(kc get clusterregistrationtoken -n fleet-default reg -o 'jsonpath={.status.expires}')
[ -n "$expires" ] || fail "no status.expires"
values_of reg "$WORK/values.yaml"
for key in apiServerURL apiServerCA token clusterNamespace; do
  grep -q "^$key: " "$WORK/values.yaml" || fail "values lack $key"
done
# The registration token may create ClusterRegistrations, nothing else.
reg_token=$(sed -n 's/^token: *//p' "$WORK/values.yaml")
rkc() { kubectl --server "$API" --certificate-authority "$E2E_CA" --token "$reg_token" "$@"; }
[ "$(rkc auth can-i create clusterregistrations -n fleet-default)" = yes ] ||
  fail "the registration token cannot create clusterregistrations"
for what in "get secrets -n fleet-default" "list clusterregistrations -n fleet-default" \
  "get gitrepos -n fleet-default" "create clusters -n fleet-default"; do
  # shellcheck disable=SC2086 # $what is words
  answer=$(rkc auth can-i $what || true)
  [ "$answer" = no ] || fail "the registration token may $what"
done
out=$(rkc get secrets -n fleet-default 2>&1 || true)
case "$out" in *Forbidden*) ;; *) fail "registration token listing secrets: $out" ;; esac

log "two agents register and deploy their own variant"
cat <<YAML | kc apply -f - >/dev/null
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: app
  namespace: fleet-default
spec:
  repo: ${GIT_URL}app.git
  pollingInterval: 1s
  targets:
  - clusterSelector:
      matchLabels: {owner: e2e}
YAML
for c in dev test; do
  mkdir -p "$WORK/agent-$c"
  cp "$WORK/values.yaml" "$WORK/agent-$c/values.yaml"
  start_agent "$c"
done
for c in dev test; do wait_until "$c holds the $c variant" variant_is "$c" "$c"; done
wait_until "GitRepo reports 2/2 ready" field_is app '{.status.display.readyBundleDeployments}' 2/2 fleet-default
[ "$(clusters_count)" = 2 ] || fail "want 2 registered clusters, have $(clusters_count)"
for c in dev test; do
  grep -q "waiting for the server to grant" "$WORK/agent-$c.log" || fail "$c showed no progress"
  grep -q "registration granted" "$WORK/agent-$c.log" || fail "$c did not log its grant"
  [ "$(stat -c %a "$WORK/agent-$c/state/kubeconfig")" = 600 ] || fail "$c kubeconfig not 0600"
  grep -q "$reg_token" "$WORK/agent-$c/state/kubeconfig" && fail "$c kept the registration token"
  [ "$(kc get cluster -n fleet-default "$(cluster_of "$c")" -o 'jsonpath={.metadata.labels.env}')" = "$c" ] ||
    fail "cluster of $c lacks env=$c"
done
grep -q "$reg_token" "$WORK/server.log" && fail "the registration token appears in the server log"
for c in dev test; do
  grep -q "$(agent_token "$c")" "$WORK/server.log" "$WORK/agent-$c.log" && fail "$c's credential appears in a log"
done

log "an agent's credential reaches only its own cluster"
dev_ns=$(kc get bundledeployments -A -l "fleet.cattle.io/cluster=$(cluster_of dev)" -o 'jsonpath={.items[0].metadata.namespace}')
test_ns=$(kc get bundledeployments -A -l "fleet.cattle.io/cluster=$(cluster_of test)" -o 'jsonpath={.items[0].metadata.namespace}')
if [ -z "$dev_ns" ] || [ -z "$test_ns" ]; then fail "no BundleDeployments for the registered clusters"; fi
akc dev get bundledeployments -n "$dev_ns" -o name >/dev/null || fail "dev cannot read its own BundleDeployments"
for what in "get bundledeployments -n $test_ns" "get gitrepos -n fleet-default" \
  "get gitrepos -A" "get secrets -n cattle-fleet-clusters-system"; do
  # shellcheck disable=SC2086 # $what is words
  out=$(akc dev $what 2>&1 || true)
  case "$out" in *Forbidden*) ;; *) fail "dev's credential may $what: $out" ;; esac
done
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$E2E_CA" -H "Authorization: Bearer $(agent_token dev)" \
  "$API/apis/fleet.cattle.io/v1alpha1/namespaces/$test_ns/bundledeployments?watch=1&timeoutSeconds=1")
[ "$code" = 403 ] || fail "dev watching test's BundleDeployments: HTTP $code"

log "a restart with the state dir skips registration"
stop_agent dev
start_agent dev
wait_until "dev restarted on its saved credential" grep -q "using the credential in the state dir" "$WORK/agent-dev.log"
[ "$(grep -c 'registration granted' "$WORK/agent-dev.log")" = 1 ] || fail "dev registered again on restart"

log "re-registration with the same client id gets the same Cluster"
dev_cluster=$(cluster_of dev)
old_token=$(agent_token dev)
stop_agent dev
rm -rf "$WORK/agent-dev/state"
start_agent dev
wait_until "dev registered again" grants_are dev 2
wait_until "dev saved its new credential" test -s "$WORK/agent-dev/state/cluster.json"
[ "$(cluster_of dev)" = "$dev_cluster" ] || fail "dev got another Cluster: $(cluster_of dev)"
[ "$(clusters_count)" = 2 ] || fail "re-registration made a new Cluster"
[ "$(agent_token dev)" != "$old_token" ] || fail "re-registration kept the old credential"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$E2E_CA" -H "Authorization: Bearer $old_token" \
  "$API/apis/fleet.cattle.io/v1alpha1/namespaces/$dev_ns/bundledeployments")
[ "$code" = 401 ] || fail "the superseded credential still works: HTTP $code"
n=$(kc get clusterregistrations -n fleet-default -o 'jsonpath={.items[*].spec.clientID}' | tr ' ' '\n' | grep -c '^client-dev$')
[ "$n" = 1 ] || fail "want 1 registration of client-dev, have $n"
wait_until "dev still holds its variant" variant_is dev dev

log "an expired registration token is refused and deleted"
# A token of ttl 1s expires before anyone may rely on it (creationTimestamp has whole seconds):
# its values are caught while it lives with ttl 1h, then its ttl is cut to 1s.
new_token short 1h
values_of short "$WORK/short.yaml"
short_token=$(sed -n 's/^token: *//p' "$WORK/short.yaml")
kc patch clusterregistrationtoken -n fleet-default short --type merge -p '{"spec":{"ttl":"1s"}}' >/dev/null
wait_until "the expired token is deleted" bash -c '! kc get clusterregistrationtoken -n fleet-default short'
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$E2E_CA" -H "Authorization: Bearer $short_token" \
  -H 'Content-Type: application/json' -X POST \
  "$API/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-default/clusterregistrations" \
  -d '{"apiVersion":"fleet.cattle.io/v1alpha1","kind":"ClusterRegistration","metadata":{"name":"late"},"spec":{"clientID":"x","clientRandom":"y"}}')
[ "$code" = 401 ] || fail "expired registration token: HTTP $code, want 401"
# An agent given the expired values says why it cannot register.
mkdir -p "$WORK/agent-late"
"$FLOTILLA_BIN" agent --registration-file "$WORK/short.yaml" --state-dir "$WORK/agent-late/state" \
  --apply-dir "$WORK/apply-late" >"$WORK/agent-late.log" 2>&1 &
AGENT_PID[late]=$!
wait_until "the late agent says its token was refused" grep -q "was refused (401 Unauthorized)" "$WORK/agent-late.log"
stop_agent late
printf 'apiVersion: fleet.cattle.io/v1alpha1\nkind: ClusterRegistrationToken\nmetadata: {name: once, namespace: fleet-default}\nspec: {ttl: 1s}\n' |
  kc apply -f - >/dev/null
wait_until "its values Secret is deleted" bash -c '! kc get secret -n fleet-default short'
wait_until "a token of ttl 1s is deleted" bash -c '! kc get clusterregistrationtoken -n fleet-default once'
wait_until "with its values Secret" bash -c '! kc get secret -n fleet-default once'

log "a revoked agent credential: the agent says so and registers again with a fresh file"
kc delete clusterregistrationtoken -n fleet-default reg >/dev/null
wait_until "token reg is gone" bash -c '! kc get clusterregistrationtoken -n fleet-default reg'
test_cluster=$(cluster_of test)
tok=$(agent_token test)
id=${tok#flt_}
id=${id%%.*}
"$FLOTILLA_BIN" token revoke "$id" --kubeconfig "$KUBECONFIG_FILE" >/dev/null 2>&1 ||
  fail "cannot revoke the test agent's token"
wait_until "test logged the refusal" grep -q "refused this agent's credential (401" "$WORK/agent-test.log"
# Its registration file holds the deleted token: refused, said clearly, read again later.
wait_until "test logged the refused registration token" grep -q "registration token in .* was refused (401" "$WORK/agent-test.log"
new_token fresh 1h
values_of fresh "$WORK/agent-test/values.yaml"
wait_until "test registered again" grants_are test 2
[ "$(cluster_of test)" = "$test_cluster" ] || fail "test got another Cluster"
[ "$(agent_token test)" != "$tok" ] || fail "test kept its revoked credential"
sed -i 's/env: test/env: test\n  version: "2"/' "$WORK/repo/overlays/test/cm.yaml"
c2=$(commit_repo app "$WORK/repo")
wait_until "commit synced" field_is app '{.status.commit}' "$c2" fleet-default
wait_until "test applies on its new credential" grep -q 'version: "2"' "$WORK/apply-test/app-test/configmap/app.yaml"
wait_until "GitRepo 2/2 ready" field_is app '{.status.display.readyBundleDeployments}' 2/2 fleet-default

log "deleting a Cluster removes its deployments, then revokes its agent's credential"
dev_token=$(agent_token dev)
kc delete cluster -n fleet-default "$(cluster_of dev)" >/dev/null
no_bds() { [ -z "$(kc get bundledeployments -n "$1" -o name)" ]; }
wait_until "dev's BundleDeployments are gone" no_bds "$dev_ns"
wait_until "dev's objects are removed" bash -c "! test -e '$WORK/apply-dev/app-dev/configmap/app.yaml'"
refused() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$E2E_CA" -H "Authorization: Bearer $1" \
    "$API/apis/fleet.cattle.io/v1alpha1/namespaces/$2/bundledeployments")" = 401 ]
}
wait_until "dev's credential is revoked" refused "$dev_token" "$dev_ns"
wait_until "dev logged the refusal" grep -q "refused this agent's credential (401" "$WORK/agent-dev.log"
wait_until "GitRepo 1/1 ready" field_is app '{.status.display.readyBundleDeployments}' 1/1 fleet-default

stop_agents
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "server exit code $?"
SERVER_PID=""
log "PASS"
