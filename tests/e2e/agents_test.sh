#!/usr/bin/env bash
# Remote agents: the real server and three `flotilla agent` processes (clusters dev, test, prod in
# fleet-default, labelled env=dev/test/prod), each with its own state and apply dir, following a
# GitRepo whose fleet.yaml customises per env. Proves: each apply dir holds exactly its variant;
# relabelling a cluster moves its deployment; kill -9 of an agent then a restart converges;
# restarting the server loses nothing and the agents reconnect without re-applying anything
# (file mtimes unchanged); a stopped agent's Cluster shows offline within the window.
# shellcheck disable=SC2119 # start_server takes optional flags
here=$(dirname "$0")
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"

CHECKIN=1s
declare -A AGENT_PID=()
stop_agents() {
  local c
  for c in "${!AGENT_PID[@]}"; do
    kill -TERM "${AGENT_PID[$c]}" 2>/dev/null || true
    wait "${AGENT_PID[$c]}" 2>/dev/null || true
  done
}
trap 'rc=$?; stop_agents; cleanup $rc' EXIT

# The token an agent presents: a ServiceAccount per cluster, bound to exactly what Fleet's agent
# may do (its BundleDeployments, Contents by name, its own Cluster's status), and a token for it
# from `kubectl create token` (cluster registration would do this for the agent).
agent_token() {
  local c=$1 ns
  ns=$(cluster_ns fleet-default "$c")
  kc create namespace "$ns" >/dev/null 2>&1 || true
  cat <<YAML | kc apply -f - >/dev/null
apiVersion: v1
kind: ServiceAccount
metadata: {name: agent-$c, namespace: fleet-default}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: agent-$c, namespace: $ns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: fleet-bundledeployment-agent}
subjects: [{kind: ServiceAccount, name: agent-$c, namespace: fleet-default}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: agent-$c-content}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: fleet-content-reader}
subjects: [{kind: ServiceAccount, name: agent-$c, namespace: fleet-default}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: cluster-$c-status, namespace: fleet-default}
rules:
- apiGroups: [fleet.cattle.io]
  resources: [clusters, clusters/status]
  resourceNames: [$c]
  verbs: [get, update, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: cluster-$c-status, namespace: fleet-default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cluster-$c-status}
subjects: [{kind: ServiceAccount, name: agent-$c, namespace: fleet-default}]
YAML
  kc create token "agent-$c" -n fleet-default --duration 24h
}

# start_agent CLUSTER: runs `flotilla agent` for fleet-default/CLUSTER.
start_agent() {
  local c=$1
  mkdir -p "$WORK/agent-$c"
  [ -s "$WORK/agent-$c/token" ] || agent_token "$c" >"$WORK/agent-$c/token"
  "$FLOTILLA_BIN" agent --server "$API" --token-file "$WORK/agent-$c/token" --ca-file "$E2E_CA" \
    --state-dir "$WORK/agent-$c/state" --apply-dir "$WORK/apply-$c" \
    --cluster-namespace fleet-default --cluster-name "$c" --checkin-interval "$CHECKIN" \
    >>"$WORK/agent-$c.log" 2>&1 &
  AGENT_PID[$c]=$!
}

cluster_state() { kc get cluster -n fleet-default "$1" -o 'jsonpath={.status.display.state}'; }
# state_is CLUSTER STATE / state_is_not CLUSTER STATE (evaluated at each try of wait_until)
state_is() { [ "$(cluster_state "$1")" = "$2" ]; }
state_is_not() { [ "$(cluster_state "$1")" != "$2" ]; }

start_git_daemon
env_variants_repo dev test prod

start_server --agent-checkin-interval "$CHECKIN"
wait_until "server ready" acurl -fsS "$API/readyz"

for c in dev test prod; do
  cat <<YAML | kc apply -f - >/dev/null
apiVersion: fleet.cattle.io/v1alpha1
kind: Cluster
metadata:
  name: $c
  namespace: fleet-default
  labels: {env: $c}
spec: {}
YAML
done
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
      matchExpressions:
      - {key: env, operator: In, values: [dev, test, prod]}
YAML
for c in dev test prod; do start_agent "$c"; done

log "each agent applies exactly its variant"
for c in dev test prod; do wait_until "$c holds the $c variant" variant_is "$c" "$c"; done
wait_until "GitRepo reports 3/3 ready" field_is app '{.status.display.readyBundleDeployments}' 3/3 fleet-default
for c in dev test prod; do
  wait_until "$c checked in" state_is "$c" Ready
done
# Agents never read Bundles: manifests come from the Content the deploymentID names.
id=$(kc get bundledeployments -n "$(cluster_ns fleet-default dev)" -o 'jsonpath={.items[0].spec.deploymentID}')
kc get content "${id%%:*}" -o name >/dev/null || fail "the Content $id names does not exist"

log "relabelling a cluster moves its deployment"
kc label cluster -n fleet-default test env=prod --overwrite >/dev/null
wait_until "test now holds the prod variant" variant_is test prod
kc label cluster -n fleet-default test env=test --overwrite >/dev/null
wait_until "test holds the test variant again" variant_is test test

log "kill -9 an agent, change the repo, restart it: it converges"
kill -KILL "${AGENT_PID[dev]}"
wait "${AGENT_PID[dev]}" 2>/dev/null || true
sed -i 's/env: dev/env: dev\n  version: "2"/' "$WORK/repo/overlays/dev/cm.yaml"
c2=$(commit_repo app "$WORK/repo")
wait_until "commit synced" field_is app '{.status.commit}' "$c2" fleet-default
start_agent dev
wait_until "dev applied the new commit" grep -q 'version: "2"' "$WORK/apply-dev/app-dev/configmap/app.yaml"
wait_until "dev still exactly its variant" variant_is dev dev
wait_until "GitRepo 3/3 ready after the agent restart" field_is app '{.status.display.readyBundleDeployments}' 3/3 fleet-default

log "restart the server: agents reconnect, nothing is re-applied"
declare -A MTIME=()
for c in dev test prod; do MTIME[$c]=$(stat -c %y "$WORK/apply-$c/app-$c/configmap/app.yaml"); done
sleep 1.1  # mtimes have a 1 s floor on some filesystems; a rewrite now would show
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "server exit code $?"
SERVER_PID=""
sleep 1
E2E_LISTEN="127.0.0.1:${API##*:}" start_server --agent-checkin-interval "$CHECKIN"
wait_until "server ready again" acurl -fsS "$API/readyz"
for c in dev test prod; do
  wait_until "$c logged its reconnect" grep -q "informer reconnected" "$WORK/agent-$c.log"
done
# A change after the restart still arrives (the watch resumed).
sed -i 's/env: prod/env: prod\n  version: "3"/' "$WORK/repo/overlays/prod/cm.yaml"
c3=$(commit_repo app "$WORK/repo")
wait_until "prod applied the commit made after the server restart" \
  grep -q 'version: "3"' "$WORK/apply-prod/app-prod/configmap/app.yaml"
for c in dev test; do
  [ "$(stat -c %y "$WORK/apply-$c/app-$c/configmap/app.yaml")" = "${MTIME[$c]}" ] ||
    fail "$c re-applied an unchanged object after the server restart"
done
reconnects=$(grep -c "informer list/watch failed" "$WORK/agent-test.log" || true)
[ "$reconnects" -le 1 ] || fail "the test agent logged its reconnect $reconnects times, want once"

log "stop an agent: its cluster shows offline within the window, and recovers"
kill -TERM "${AGENT_PID[test]}"
wait "${AGENT_PID[test]}" 2>/dev/null || true
unset 'AGENT_PID[test]'
stopped_at=$SECONDS
wait_until "test shows Offline" state_is test Offline
[ $((SECONDS - stopped_at)) -le 15 ] || fail "offline took $((SECONDS - stopped_at)) s"
wait_until "the GitRepo names the offline cluster" field_contains app \
  '{.status.conditions[?(@.type=="Ready")].message}' offline fleet-default
[ "$(cluster_state dev)" != Offline ] || fail "dev shown offline while its agent runs"
start_agent test
wait_until "test back online" state_is_not test Offline
wait_until "GitRepo 3/3 ready again" field_is app '{.status.display.readyBundleDeployments}' 3/3 fleet-default

stop_agents
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "server exit code $?"
SERVER_PID=""
log "PASS"
