#!/usr/bin/env bash
# End to end, as a user would: a real git daemon, the real flotilla server, Debian's kubectl.
# A GitRepo syncs, follows new commits, prunes deleted files; bad input gets clear errors and
# does not disturb other GitRepos.
. "$(dirname "$0")/lib.sh"

start_git_daemon
mkdir -p "$WORK/src/app"
cat >"$WORK/src/app/configmap.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  greeting: hello
YAML
cat >"$WORK/src/app/service.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: web
spec:
  ports:
  - port: 80
YAML
first=$(new_repo demo "$WORK/src")
start_server --gitrepo-workers 4 --bundle-workers 4 --bundledeployment-workers 4

demo_gitrepo >"$WORK/gitrepo.yaml"
kc apply -f "$WORK/gitrepo.yaml"

wait_until "first commit synced" field_is demo '{.status.commit}' "$first"
wait_until "configmap applied" test -f "$WORK/apply/default/configmap/app-config.yaml"
wait_until "service applied" test -f "$WORK/apply/web/service/web.yaml"
grep -q "greeting: hello" "$WORK/apply/default/configmap/app-config.yaml" || fail "content"
wait_until "GitRepo Ready" field_is demo '{.status.conditions[?(@.type=="Ready")].status}' True
field_is demo '{.status.display.readyBundleDeployments}' "1/1" || fail "readyBundleDeployments"
field_is demo '{.status.observedGeneration}' "$(gitrepo_field demo '{.metadata.generation}')" ||
  fail "observedGeneration"
kc get gitrepos -A | tee "$WORK/get.txt"
grep -q "COMMIT" "$WORK/get.txt" || fail "kubectl get has no COMMIT column"
grep -q "${first:0:7}" "$WORK/get.txt" || fail "kubectl get does not show the commit"
kc get bundles -n fleet-local demo-app -o name | grep -q bundle || fail "bundle missing"
kc describe gitrepo -n fleet-local demo >"$WORK/describe.txt"
grep -q "Synced" "$WORK/describe.txt" || { cat "$WORK/describe.txt"; fail "describe shows no Synced event"; }

log "push a change and delete a file"
sed -i 's/hello/bonjour/' "$WORK/src/app/configmap.yaml"
rm "$WORK/src/app/service.yaml"
second=$(commit_repo demo "$WORK/src")
wait_until "second commit synced" field_is demo '{.status.commit}' "$second"
wait_until "change applied" grep -q "greeting: bonjour" "$WORK/apply/default/configmap/app-config.yaml"
wait_until "deleted file pruned" test ! -e "$WORK/apply/web/service/web.yaml"
field_is demo '{.status.pollingCommit}' "$second" || fail "pollingCommit"

log "invalid GitRepo: 422 naming the field"
sed 's/pollingInterval: 1s/pollingInterval: 5x/; s/name: demo/name: invalid/' "$WORK/gitrepo.yaml" >"$WORK/bad.yaml"
if kc apply -f "$WORK/bad.yaml" 2>"$WORK/err.txt"; then fail "invalid GitRepo accepted"; fi
grep -q 'spec.pollingInterval' "$WORK/err.txt" || { cat "$WORK/err.txt"; fail "error does not name the field"; }
grep -q 'invalid duration "5x"' "$WORK/err.txt" || { cat "$WORK/err.txt"; fail "error text"; }

log "malformed YAML: condition names file and line; others unaffected"
mkdir -p "$WORK/broken"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n' >"$WORK/broken/bad.yaml"
new_repo broken "$WORK/broken" >/dev/null
sed "s/name: demo/name: broken/; s#demo.git#broken.git#; /paths:/d; /- app/d" "$WORK/gitrepo.yaml" |
  kc apply -f -
wait_until "broken GitRepo reports file and line" \
  field_contains broken '{.status.conditions[?(@.type=="Ready")].message}' 'bad.yaml:[0-9]*:[0-9]*: invalid YAML'
field_is broken '{.status.conditions[?(@.type=="Stalled")].status}' True || fail "Stalled"

log "unreachable repository: clear condition, retried"
sed "s/name: demo/name: unreachable/; s#repo: .*#repo: git://127.0.0.1:1/nothing.git#" "$WORK/gitrepo.yaml" |
  kc apply -f -
wait_until "unreachable GitRepo reports the failure" \
  field_contains unreachable '{.status.conditions[?(@.type=="GitPolling")].message}' '127.0.0.1:1'
t1=$(gitrepo_field unreachable '{.status.lastPollingTriggered}')
wait_until "unreachable GitRepo retried" bash -c "[ \"\$(kc get gitrepo -n fleet-local unreachable -o jsonpath='{.status.lastPollingTriggered}')\" != '$t1' ]"

log "the good GitRepo keeps syncing"
sed -i 's/bonjour/hallo/' "$WORK/src/app/configmap.yaml"
third=$(commit_repo demo "$WORK/src")
wait_until "third commit synced" field_is demo '{.status.commit}' "$third"
wait_until "third change applied" grep -q "greeting: hallo" "$WORK/apply/default/configmap/app-config.yaml"

log "delete the GitRepo: its objects are removed"
kc delete gitrepo -n fleet-local demo
wait_until "objects removed" test ! -e "$WORK/apply/default/configmap/app-config.yaml"

log "server stops cleanly on SIGTERM"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "server exit code $?"
SERVER_PID=""
log "PASS"
