#!/usr/bin/env bash
# One repository with N bundles (default 500: a third raw YAML, a third local Helm charts, a third
# Kustomize when this build renders Kustomize, else raw YAML instead), served by git daemon to a
# running `flotilla server`. Measures:
#   1. per-bundle render cost, without any cache: `flotilla apply -o /dev/null` over each kind;
#   2. GitRepo created -> status.commit = the commit (all N Bundles stored), and the server's own
#      sync time ("sync finished ... seconds" in its log), then -> every BundleDeployment ready;
#   3. a second commit changing CHANGED bundles (default 5): commit -> synced, and the render
#      cache's hits/misses for that sync (want CHANGED misses, N - CHANGED hits);
# plus the server's peak RSS.
#
#   bench/bundles.sh
#   N=500 CHANGED=5 FLOTILLA_BIN=build/bin/flotilla bench/bundles.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${FLOTILLA_BIN:-}" ]; then
  for b in "$root/build/bin/flotilla" "$root/build-bundles/bin/flotilla"; do
    if [ -x "$b" ]; then FLOTILLA_BIN=$b; break; fi
  done
fi
export FLOTILLA_BIN FLOTILLA_SOURCE_DIR=$root
for tool in curl git kubectl; do
  command -v "$tool" >/dev/null || { echo "bundles.sh needs $tool" >&2; exit 2; }
done
N=${N:-500}
CHANGED=${CHANGED:-5}
# shellcheck source=tests/e2e/lib.sh
. "$root/tests/e2e/lib.sh"
export E2E_WAIT_SECONDS=${E2E_WAIT_SECONDS:-900}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
metric() { acurl -sf "$API/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

raw() {  # raw DIR I
  mkdir -p "$1"
  printf 'defaultNamespace: bench-%s\nlabels:\n  kind: raw\n' "$2" >"$1/fleet.yaml"
  cat >"$1/deployment.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-$2
  labels: {app: web-$2}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web-$2}
  template:
    metadata:
      labels: {app: web-$2}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 80
        env:
        - {name: BUNDLE, value: "$2"}
---
apiVersion: v1
kind: Service
metadata:
  name: web-$2
spec:
  selector: {app: web-$2}
  ports:
  - port: 80
YAML
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-%s\ndata:\n  rev: "1"\n' "$2" \
    >"$1/configmap.yaml"
}

helm() {  # helm DIR I
  mkdir -p "$1/templates"
  printf 'defaultNamespace: bench-%s\nhelm:\n  values:\n    replicas: 3\n' "$2" >"$1/fleet.yaml"
  printf 'apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: "1.0"\n' >"$1/Chart.yaml"
  printf 'replicas: 1\nimage: nginx:1.27\nrev: "1"\nport: 80\n' >"$1/values.yaml"
  cat >"$1/templates/_helpers.tpl" <<'TPL'
{{- define "web.fullname" -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "web.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
TPL
  cat >"$1/templates/deployment.yaml" <<'TPL'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "web.fullname" . }}
  labels:
    {{- include "web.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      {{- include "web.labels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "web.labels" . | nindent 8 }}
    spec:
      containers:
      - name: web
        image: {{ .Values.image | quote }}
        ports:
        - containerPort: {{ .Values.port }}
TPL
  cat >"$1/templates/configmap.yaml" <<'TPL'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "web.fullname" . }}
data:
  {{- range $k, $v := .Values }}
  {{ $k }}: {{ $v | toString | quote }}
  {{- end }}
TPL
}

kust() {  # kust DIR I
  mkdir -p "$1"
  raw "$1" "$2"
  printf 'defaultNamespace: bench-%s\n' "$2" >"$1/fleet.yaml"
  cat >"$1/kustomization.yaml" <<YAML
resources:
- deployment.yaml
- configmap.yaml
namePrefix: k-
commonLabels:
  bundle: "$2"
configMapGenerator:
- name: gen
  literals:
  - rev=1
YAML
}

# Does this build render Kustomize bundles yet?
probe="$WORK/probe"
kust "$probe/k" 0
KUSTOMIZE=1
if ! (cd "$probe" && "$FLOTILLA_BIN" apply -o /dev/null probe k >/dev/null 2>&1); then
  KUSTOMIZE=0
  log "this build does not render Kustomize bundles: the Kustomize third is raw YAML instead"
fi

src="$WORK/src"
for i in $(seq -f '%03g' 0 $((N - 1))); do
  case $((10#$i % 3)) in
    0) raw "$src/raw-$i" "$i" ;;
    1) helm "$src/helm-$i" "$i" ;;
    2) if [ $KUSTOMIZE = 1 ]; then kust "$src/kust-$i" "$i"; else raw "$src/raw-$i" "$i"; fi ;;
  esac
done
log "generated $N bundles: $(ls "$src" | cut -d- -f1 | sort | uniq -c | tr '\n' ' ')"

echo "## render cost without cache (flotilla apply -o /dev/null, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
for kind in raw helm kust; do
  count=$(find "$src" -maxdepth 1 -name "$kind-*" | wc -l)
  [ "$count" -gt 0 ] || continue
  t0=$(now)
  (cd "$src" && "$FLOTILLA_BIN" apply -o /dev/null --commit x bench "$kind-*")
  t=$(since "$t0")
  awk -v k="$kind" -v n="$count" -v t="$t" \
    'BEGIN { printf "%-5s %4d bundles  %6.2f s  %6.2f ms/bundle\n", k, n, t, t * 1000 / n }'
done

start_git_daemon
first=$(new_repo bench "$src")
start_server
cat <<YAML >"$WORK/gitrepo.yaml"
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: bench
  namespace: fleet-local
spec:
  repo: ${GIT_URL}bench.git
  pollingInterval: 1s
YAML
t0=$(now)
kc apply -f "$WORK/gitrepo.yaml" >/dev/null
wait_until "first commit synced" field_is bench '{.status.commit}' "$first"
t_synced=$(since "$t0")
stored=$(kc get bundles -n fleet-local -o name | wc -l)
sync1=$(grep 'sync finished' "$WORK/server.log" | tail -1 | sed 's/.*seconds=//')
wait_until "all BundleDeployments ready" field_is bench \
  '{.status.display.readyBundleDeployments}' "$N/$N"
t_ready=$(since "$t0")
echo "## first commit"
echo "GitRepo created -> $stored Bundles stored: $t_synced s (server sync: $sync1 s)"
echo "GitRepo created -> $N/$N BundleDeployments ready (applied): $t_ready s"

hits0=$(metric flotilla_render_cache_hits_total)
miss0=$(metric flotilla_render_cache_misses_total)
changed=0
for d in "$src"/*; do
  [ $changed -lt "$CHANGED" ] || break
  case $d in
    */helm-*) sed -i 's/rev: "1"/rev: "2"/' "$d/values.yaml" ;;
    */kust-*) sed -i 's/rev=1/rev=2/' "$d/kustomization.yaml" ;;
    *) sed -i 's/rev: "1"/rev: "2"/' "$d/configmap.yaml" ;;
  esac
  changed=$((changed + 1))
done
t0=$(now)
second=$(commit_repo bench "$src")
wait_until "second commit synced" field_is bench '{.status.commit}' "$second"
t_second=$(since "$t0")
sync2=$(grep 'sync finished' "$WORK/server.log" | tail -1 | sed 's/.*seconds=//')
hits=$(awk -v a="$hits0" -v b="$(metric flotilla_render_cache_hits_total)" 'BEGIN { print b - a }')
miss=$(awk -v a="$miss0" -v b="$(metric flotilla_render_cache_misses_total)" 'BEGIN { print b - a }')
echo "## second commit changing $CHANGED bundles"
echo "commit -> synced: $t_second s (server sync: $sync2 s; polling interval 1 s)"
echo "render cache for that sync: $miss rendered, $hits from the cache"
echo "server peak RSS: $(awk '/VmHWM/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$SERVER_PID/status")"
[ "$miss" = "$CHANGED" ] || { echo "unexpected: $miss bundles rendered, want $CHANGED" >&2; exit 1; }
