#!/usr/bin/env bash
# One GitRepo, several bundles: a failure confined to one bundle does not stop the others; the
# broken bundle keeps its stored version, nothing is pruned, status.commit stays on the last
# fully stored commit and the GitRepo names the bundle and file until a fix lands. Unchanged
# bundles are served from the render cache (flotilla_render_cache_*_total on /metrics).
. "$(dirname "$0")/lib.sh"

cm() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  v: "%s"\n' "$1" "$2"; }
bundle_label() {
  kc get bundle -n fleet-local "$1" -o 'jsonpath={.metadata.labels.fleet\.cattle\.io/commit}'
}
metric() { acurl -sf "$API/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

start_git_daemon
for b in a b c; do
  mkdir -p "$WORK/src/$b"
  cm "cm-$b" one >"$WORK/src/$b/cm.yaml"
  printf 'defaultNamespace: ns-%s\n' "$b" >"$WORK/src/$b/fleet.yaml"
done
first=$(new_repo demo "$WORK/src")
start_server --gitrepo-workers 2 --bundle-workers 2 --bundledeployment-workers 2
cat <<YAML | kc apply -f -
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: demo
  namespace: fleet-local
spec:
  repo: ${GIT_URL}demo.git
  pollingInterval: 1s
YAML
wait_until "first commit synced" field_is demo '{.status.commit}' "$first"
for b in a b c; do
  wait_until "bundle $b applied" grep -Eq 'v: "?one"?$' "$WORK/apply/ns-$b/configmap/cm-$b.yaml"
done

log "second commit: a changes, b gets a fleet.yaml typo, c is removed"
cm cm-a two >"$WORK/src/a/cm.yaml"
cm cm-b two >"$WORK/src/b/cm.yaml"
printf 'defaultNamespce: ns-b\n' >"$WORK/src/b/fleet.yaml"
rm -r "$WORK/src/c"
second=$(commit_repo demo "$WORK/src")
wait_until "a deployed at the second commit" grep -Eq 'v: "?two"?$' "$WORK/apply/ns-a/configmap/cm-a.yaml"
[ "$(bundle_label demo-a)" = "$second" ] || fail "bundle a not at the second commit"
wait_until "GitRepo names the bundle and file" field_contains demo \
  '{.status.conditions[?(@.type=="Ready")].message}' 'bundle "demo-b" (b): b/fleet.yaml:1: defaultNamespce: unknown field'
field_is demo '{.status.conditions[?(@.type=="Ready")].reason}' BundleFailed || fail "Ready reason"
field_is demo '{.status.conditions[?(@.type=="Stalled")].status}' True || fail "Stalled"
field_is demo '{.status.commit}' "$first" || fail "status.commit advanced past a failed bundle"
field_is demo '{.status.pollingCommit}' "$second" || fail "pollingCommit"
kc get gitrepo -n fleet-local demo >"$WORK/get.txt"
grep -q 'demo-b' "$WORK/get.txt" || { cat "$WORK/get.txt"; fail "kubectl get gitrepo does not show the failure"; }
[ "$(bundle_label demo-b)" = "$first" ] || fail "broken bundle b lost its stored version"
kc get bundle -n fleet-local demo-c -o name >/dev/null || fail "bundle c pruned during a partial sync"
grep -Eq 'v: "?one"?$' "$WORK/apply/ns-b/configmap/cm-b.yaml" || fail "b's objects changed"
test -f "$WORK/apply/ns-c/configmap/cm-c.yaml" || fail "c's objects removed during a partial sync"
failures=$(metric 'flotilla_gitrepo_syncs_total{result="error"}')
wait_until "the failing sync is retried" bash -c \
  "[ \"\$(acurl -sf $API/metrics | awk '\$1 == \"flotilla_gitrepo_syncs_total{result=\\\"error\\\"}\" {print \$2}')\" != '$failures' ]"

log "third commit fixes b: everything converges, c is pruned"
printf 'defaultNamespace: ns-b\n' >"$WORK/src/b/fleet.yaml"
printf 'defaultNamespace: ns-alt\n' >"$WORK/src/b/alt.yaml"
hits_before=$(metric flotilla_render_cache_hits_total)
third=$(commit_repo demo "$WORK/src")
wait_until "third commit synced" field_is demo '{.status.commit}' "$third"
wait_until "GitRepo Ready" field_is demo '{.status.conditions[?(@.type=="Ready")].status}' True
wait_until "b deployed at the third commit" grep -Eq 'v: "?two"?$' "$WORK/apply/ns-b/configmap/cm-b.yaml"
wait_until "c's objects removed" test ! -e "$WORK/apply/ns-c/configmap/cm-c.yaml"
if kc get bundle -n fleet-local demo-c -o name 2>/dev/null; then fail "bundle c not pruned"; fi
[ "$(bundle_label demo-a)" = "$third" ] || fail "bundle a not relabelled with the third commit"
hits_after=$(metric flotilla_render_cache_hits_total)
[ "${hits_after%.*}" -gt "${hits_before%.*}" ] || fail "unchanged bundle a was rendered again (hits $hits_before -> $hits_after)"

log "spec.bundles (driven scan): one bundle per base, options file per bundle"
kc patch gitrepo -n fleet-local demo --type merge \
  -p '{"spec":{"bundles":[{"base":"a"},{"base":"b","options":"alt.yaml"}]}}' >/dev/null
wait_until "bundle demo-b-alt stored" kc get bundle -n fleet-local demo-b-alt
wait_until "b applied with its options file" test -f "$WORK/apply/ns-alt/configmap/cm-b.yaml"
wait_until "demo-b pruned" bash -c "! kc get bundle -n fleet-local demo-b"
kc get bundle -n fleet-local demo-a -o name >/dev/null || fail "demo-a missing under spec.bundles"

log "helm.valuesFrom: the local agent reads the ConfigMap from the store when it applies"
mkdir -p "$WORK/chart/templates"
printf 'apiVersion: v2\nname: greeter\nversion: 0.1.0\n' >"$WORK/chart/Chart.yaml"
printf 'greeting: from-chart\n' >"$WORK/chart/values.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  greeting: {{ .Values.greeting | quote }}\n' \
  >"$WORK/chart/templates/cm.yaml"
printf 'defaultNamespace: ns-chart\nhelm:\n  valuesFrom:\n  - configMapKeyRef:\n      name: chart-values\n' \
  >"$WORK/chart/fleet.yaml"
new_repo chart "$WORK/chart" >/dev/null
cat <<YAML | kc apply -f - >/dev/null
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: chart
  namespace: fleet-local
spec:
  repo: ${GIT_URL}chart.git
  pollingInterval: 1s
YAML
wait_until "missing ConfigMap reported on the GitRepo" field_contains chart \
  '{.status.conditions[?(@.type=="Ready")].message}' 'configmap "ns-chart/chart-values" not found'
kc create namespace ns-chart >/dev/null 2>&1 || true
kc create configmap chart-values -n ns-chart --from-literal=values.yaml='greeting: from-configmap' >/dev/null
wait_until "chart applied with the ConfigMap's values" \
  grep -q 'from-configmap' "$WORK/apply/ns-chart/configmap/greeting.yaml"

log "Kustomize: kustomize.dir picked per target customization; a broken kustomization is reported"
mkdir -p "$WORK/kz/base" "$WORK/kz/overlays/local" "$WORK/kz/overlays/other"
printf 'resources: [cm.yaml]\nconfigMapGenerator:\n- name: settings\n  literals: [MODE=base]\n' \
  >"$WORK/kz/base/kustomization.yaml"
cm web base >"$WORK/kz/base/cm.yaml"
printf 'resources: [../../base]\nnamePrefix: local-\ncommonLabels: {stage: local}\n' \
  >"$WORK/kz/overlays/local/kustomization.yaml"
printf 'resources: [../../base]\nnamePrefix: other-\n' >"$WORK/kz/overlays/other/kustomization.yaml"
cat >"$WORK/kz/fleet.yaml" <<'YAML'
defaultNamespace: ns-kz
kustomize:
  dir: overlays/other
targetCustomizations:
- name: local
  clusterName: local
  kustomize:
    dir: overlays/local
YAML
new_repo kz "$WORK/kz" >/dev/null
cat <<YAML | kc apply -f - >/dev/null
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: kz
  namespace: fleet-local
spec:
  repo: ${GIT_URL}kz.git
  pollingInterval: 1s
YAML
wait_until "the local overlay applied" test -f "$WORK/apply/ns-kz/configmap/local-web.yaml"
grep -q 'stage: local' "$WORK/apply/ns-kz/configmap/local-web.yaml" || fail "commonLabels missing"
ls "$WORK/apply/ns-kz/configmap/" | grep -Eq '^local-settings-[a-z0-9]{10}\.yaml$' ||
  fail "generated ConfigMap with kustomize's hash suffix missing: $(ls "$WORK/apply/ns-kz/configmap/")"
[ ! -e "$WORK/apply/ns-kz/configmap/other-web.yaml" ] || fail "the default overlay was applied too"
printf 'resources: [../../base, missing.yaml]\nnamePrefix: local-\n' \
  >"$WORK/kz/overlays/local/kustomization.yaml"
broken=$(commit_repo kz "$WORK/kz")
wait_until "broken kustomization named in the GitRepo" field_contains kz \
  '{.status.conditions[?(@.type=="Ready")].message}' 'overlays/local/kustomization.yaml: resources\[1\]'
test -f "$WORK/apply/ns-kz/configmap/local-web.yaml" || fail "objects lost while the kustomization is broken"
printf 'resources: [../../base]\nnamePrefix: local-\nnameSuffix: -v2\n' \
  >"$WORK/kz/overlays/local/kustomization.yaml"
fixed=$(commit_repo kz "$WORK/kz")
wait_until "fixed kustomization synced" field_is kz '{.status.commit}' "$fixed"
wait_until "renamed object applied" test -f "$WORK/apply/ns-kz/configmap/local-web-v2.yaml"
wait_until "old object pruned" test ! -e "$WORK/apply/ns-kz/configmap/local-web.yaml"

kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "server exit code $?"
SERVER_PID=""
log "PASS"
