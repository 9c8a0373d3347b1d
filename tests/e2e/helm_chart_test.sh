#!/usr/bin/env bash
# Remote Helm charts end to end: a GitRepo whose fleet.yaml points at a chart repository
# (helm.repo/chart/version, HTTPS with basic auth and a private CA) with helmSecretName, and at an
# OCI registry (docker-registry), synced by the server into the directory applier. Wrong
# credentials show up in the GitRepo's status naming the bundle and the chart URL, never the
# password; fixed credentials sync.
. "$(dirname "$0")/lib.sh"

CHARTS="$WORK/charts"
REG="$WORK/registry"
stop_chart_servers() {
  "$FIXTURES/static-http.sh" stop "$CHARTS" >/dev/null 2>&1 || true
  "$FIXTURES/oci-registry.sh" stop "$REG" >/dev/null 2>&1 || true
}
trap 'rc=$?; set +e; stop_chart_servers; cleanup $rc' EXIT

# package NAME VERSION OUT_DIR
package() {
  local d
  d=$(mktemp -d "$WORK/pkg.XXXXXX")
  mkdir -p "$d/$1/templates"
  printf 'apiVersion: v2\nname: %s\nversion: %s\n' "$1" "$2" >"$d/$1/Chart.yaml"
  printf 'greeting: hello\n' >"$d/$1/values.yaml"
  cat >"$d/$1/templates/cm.yaml" <<'T'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-{{ .Chart.Name }}
data:
  version: {{ .Chart.Version | quote }}
  greeting: {{ .Values.greeting | quote }}
T
  tar -C "$d" -czf "$3/$1-$2.tgz" "$1"
}

log "chart repository: HTTPS, basic auth, private CA"
mkdir -p "$CHARTS"
package web 1.0.0 "$CHARTS"
package web 1.1.0 "$CHARTS"
package web 2.0.0 "$CHARTS"
{
  echo "apiVersion: v1"
  echo "entries:"
  echo "  web:"
  for v in 2.0.0 1.1.0 1.0.0; do
    echo "  - {name: web, version: $v, urls: [web-$v.tgz], digest: $(sha256sum "$CHARTS/web-$v.tgz" | cut -d' ' -f1)}"
  done
} >"$CHARTS/index.yaml"
CHART_URL=$(FIXTURE_HTTP_TLS=1 FIXTURE_HTTP_USER=fleet FIXTURE_HTTP_PASSWORD=chart-s3cret \
  "$FIXTURES/static-http.sh" start "$CHARTS")

OCI_ADDR=""
if OCI_ADDR=$("$FIXTURES/oci-registry.sh" start "$REG"); then
  "$FIXTURES/oci-registry.sh" push "$REG" charts/web 1.0.0 "$CHARTS/web-1.0.0.tgz"
else
  log "docker-registry not available: the OCI bundle is skipped"
  OCI_ADDR=""
fi

mkdir -p "$WORK/src/web"
cat >"$WORK/src/web/fleet.yaml" <<YAML
defaultNamespace: charts
helm:
  repo: ${CHART_URL}
  chart: web
  version: "^1.0.0"
  releaseName: web
  values:
    greeting: from-fleet
YAML
paths="[web]"
if [ -n "$OCI_ADDR" ]; then
  mkdir -p "$WORK/src/oci"
  cat >"$WORK/src/oci/fleet.yaml" <<YAML
defaultNamespace: charts
helm:
  chart: oci://${OCI_ADDR}/charts/web
  version: 1.0.0
  releaseName: ociweb
YAML
  paths="[web, oci]"
fi
log "flotilla apply embeds the chart (fleet apply's helm flags)"
printf 'chart-s3cret\n' >"$WORK/password"
(cd "$WORK/src" && "$FLOTILLA_BIN" apply -o - --commit abc -u fleet -p "$WORK/password" \
  --cacerts-file "$CHARTS/.static-http/ca.pem" demo web) >"$WORK/apply.yaml" ||
  fail "flotilla apply with a remote chart"
grep -q 'chart: .chart/[0-9a-f]*$' "$WORK/apply.yaml" || fail "apply: helm.chart not rewritten"
grep -q 'name: .chart/[0-9a-f]*/web/templates/cm.yaml' "$WORK/apply.yaml" || fail "apply: chart not embedded"
grep -q 'version: 1.1.0' "$WORK/apply.yaml" || fail "apply: wrong version embedded"
if (cd "$WORK/src" && "$FLOTILLA_BIN" apply -o - --commit abc -u fleet \
  --cacerts-file "$CHARTS/.static-http/ca.pem" demo web) >"$WORK/apply.out" 2>"$WORK/apply.err"; then
  fail "apply without a password succeeded"
fi
grep -q "index.yaml: the credentials were rejected" "$WORK/apply.err" || fail "apply error: $(cat "$WORK/apply.err")"
[ -s "$WORK/apply.out" ] && fail "apply printed bundles on error"

start_git_daemon
commit=$(new_repo charts "$WORK/src")
start_server

log "wrong credentials: the failure is in the GitRepo's status"
kc create secret generic helm-creds -n fleet-local --from-literal=username=fleet \
  --from-literal=password=wrong-pass --from-file=cacerts="$CHARTS/.static-http/ca.pem"
cat <<YAML | kc apply -f -
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: charts
  namespace: fleet-local
spec:
  repo: ${GIT_URL}charts.git
  branch: master
  paths: ${paths}
  helmSecretName: helm-creds
YAML
wait_until "chart failure reported" field_contains charts '{.status.display.message}' "credentials were rejected"
msg=$(gitrepo_field charts '{.status.display.message}')
log "status: $msg"
grep -qF 'bundle "charts-web" (web)' <<<"$msg" || fail "status does not name the bundle: $msg"
grep -qF "${CHART_URL}index.yaml" <<<"$msg" || fail "status does not name the chart URL: $msg"
grep -q "wrong-pass" <<<"$msg" && fail "status leaks the password: $msg"
kc get gitrepo -n fleet-local charts -o yaml | grep -q "wrong-pass" && fail "GitRepo leaks the password"
[ -z "$(gitrepo_field charts '{.status.commit}')" ] || fail "a failed sync advanced status.commit"

log "fixed credentials sync, the newest ^1.0.0 version is deployed"
kc delete secret -n fleet-local helm-creds
kc create secret generic helm-creds -n fleet-local --from-literal=username=fleet \
  --from-literal=password=chart-s3cret --from-file=cacerts="$CHARTS/.static-http/ca.pem"
kc patch gitrepo -n fleet-local charts --type merge -p '{"spec":{"forceSyncGeneration":1}}'
wait_until "commit synced" field_is charts '{.status.commit}' "$commit"
cm="$WORK/apply/charts/configmap/web-web.yaml"
wait_until "chart applied" test -f "$cm"
grep -q 'version: 1.1.0' "$cm" || fail "wrong chart version applied: $(cat "$cm")"
grep -q 'greeting: from-fleet' "$cm" || fail "helm.values not applied: $(cat "$cm")"
bundle=$(kc get bundle -n fleet-local charts-web -o json)
grep -q '"chart": ".chart/' <<<"$bundle" || fail "helm.chart not rewritten to the embedded chart"
grep -q '".chart/[0-9a-f]*/web/Chart.yaml"' <<<"$bundle" || fail "chart files not embedded"
grep -q "$CHART_URL" <<<"$bundle" && fail "the Bundle still points agents at the repository"
ls "$WORK/data/chart-cache/"*.tgz >/dev/null || fail "no chart in the cache"
if [ -n "$OCI_ADDR" ]; then
  wait_until "OCI chart applied" test -f "$WORK/apply/charts/configmap/ociweb-web.yaml"
  grep -q 'version: 1.0.0' "$WORK/apply/charts/configmap/ociweb-web.yaml" || fail "OCI version"
fi

log "helmRepoURLRegex that does not match the repository: no credentials are sent"
kc patch gitrepo -n fleet-local charts --type merge \
  -p '{"spec":{"forceSyncGeneration":2,"helmRepoURLRegex":"^https://charts\\.example\\.com/"}}'
wait_until "unsent credentials reported" field_contains charts '{.status.display.message}' "no credentials are configured"
log "helmSecretNameForPaths: per-bundle credentials from secrets.yaml"
not_stalled() {
  [ "$(gitrepo_field charts '{.status.conditions[?(@.type=="Stalled")].status}')" = False ]
}
not_stalled && fail "expected the previous phase's failure to be visible"
ca_b64=$(base64 -w0 <"$CHARTS/.static-http/ca.pem")
cat >"$WORK/secrets.yaml" <<YAML
web:
  username: fleet
  password: chart-s3cret
  caBundle: ${ca_b64}
YAML
kc create secret generic creds-by-path -n fleet-local --from-file=secrets.yaml="$WORK/secrets.yaml"
kc patch gitrepo -n fleet-local charts --type merge -p '{"spec":{"forceSyncGeneration":3,"helmSecretName":null,"helmRepoURLRegex":null,"helmSecretNameForPaths":"creds-by-path"}}'
wait_until "synced with per-path credentials" not_stalled
field_is charts '{.status.observedGeneration}' "$(kc get gitrepo -n fleet-local charts -o 'jsonpath={.metadata.generation}')" ||
  fail "the last generation was not synced"

log "PASS"
