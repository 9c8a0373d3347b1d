#!/usr/bin/env bash
# Runs the real `flotilla target` against a real `flotilla server` (its Clusters), then
# `flotilla deploy --dry-run` on what it printed; stdout must be YAML kubectl accepts.
# Usage: target_test.sh FLOTILLA_BINARY
set -euo pipefail
bin=$1
tmp=$(mktemp -d)
server=""
cleanup() {
  [ -z "$server" ] || { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bin" server --data-dir "$tmp/data" --listen 127.0.0.1:0 --port-file "$tmp/port" \
  --apply-dir "$tmp/apply" >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 1 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || fail "server did not start: $(cat "$tmp/server.log")"
api="https://127.0.0.1:$(cat "$tmp/port")"
kcfg="$tmp/data/admin.kubeconfig"
kc() { kubectl --kubeconfig "$kcfg" --cache-dir="$tmp/kube" "$@"; }
cat <<'YAML' | kc apply -f - >/dev/null
apiVersion: fleet.cattle.io/v1alpha1
kind: Cluster
metadata:
  name: prod-1
  namespace: fleet-local
  labels:
    env: prod
YAML

mkdir -p "$tmp/repo/app"
cat >"$tmp/repo/app/fleet.yaml" <<'YAML'
defaultNamespace: base-ns
targetCustomizations:
- name: prod
  clusterSelector:
    matchLabels:
      env: prod
  namespace: prod-ns
YAML
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  v: x\n' >"$tmp/repo/app/cm.yaml"
(cd "$tmp/repo" && "$bin" apply -o "$tmp/bundle.yaml" --commit c1 demo app)

# target: one Content, one BundleDeployment per targeted cluster (local and prod-1).
"$bin" target --kubeconfig "$kcfg" -b "$tmp/bundle.yaml" -l >"$tmp/out.yaml" 2>"$tmp/err" ||
  fail "target exited $?: $(cat "$tmp/err")"
[ "$(grep -c '^kind: Content$' "$tmp/out.yaml")" = 1 ] || fail "want one Content: $(cat "$tmp/out.yaml")"
[ "$(grep -c '^kind: BundleDeployment$' "$tmp/out.yaml")" = 2 ] || fail "want 2 BundleDeployments"
grep -Eq '^  namespace: cluster-fleet-local-prod-1-83af3a13467f$' "$tmp/out.yaml" || fail "no BD for prod-1"
grep -q '^    namespace: prod-ns$' "$tmp/out.yaml" || fail "prod customization not in options"
grep -q 'name: prod-1' "$tmp/err" || fail "-l did not list the matched clusters: $(cat "$tmp/err")"

# deploy --dry-run: the objects for the last BundleDeployment in the file (prod-1).
"$bin" deploy -i "$tmp/out.yaml" --dry-run >"$tmp/objs.yaml" 2>"$tmp/err" ||
  fail "deploy exited $?: $(cat "$tmp/err")"
grep -q '^  namespace: prod-ns$' "$tmp/objs.yaml" || fail "deploy: $(cat "$tmp/objs.yaml")"
kc apply --dry-run=client --validate=false -o name -f "$tmp/objs.yaml" >"$tmp/kubectl" ||
  fail "kubectl refused deploy's output"
grep -qx 'configmap/cm' "$tmp/kubectl" || fail "kubectl: $(cat "$tmp/kubectl")"
# Only the Content and the local BundleDeployment: the bundle's defaultNamespace.
awk '/^---$/ { n++ } n <= 2' "$tmp/out.yaml" >"$tmp/local.yaml"
"$bin" deploy -i "$tmp/local.yaml" --dry-run | grep -q '^  namespace: base-ns$' ||
  fail "deploy for local: $(cat "$tmp/local.yaml")"

# Errors: stderr, exit code 1, nothing on stdout.
check_error() {  # check_error WANT ARGS...
  local want=$1
  shift
  if "$bin" "$@" >"$tmp/o" 2>"$tmp/e"; then fail "$* succeeded"; fi
  [ ! -s "$tmp/o" ] || fail "$*: stdout not empty"
  grep -q -- "$want" "$tmp/e" || fail "$*: $(cat "$tmp/e")"
}
check_error 'bundle-file is required' target --server "$api"
check_error 'only --dry-run' deploy -i "$tmp/out.yaml"
check_error 'GET http://127.0.0.1:1/' target --server http://127.0.0.1:1 -b "$tmp/bundle.yaml"
sed 's/^content: .*/content: bm90IGd6aXA=/' "$tmp/out.yaml" >"$tmp/corrupt.yaml"
check_error 'not valid gzip' deploy -i "$tmp/corrupt.yaml" --dry-run
check_error 'bundle is empty' target --kubeconfig "$kcfg" -b "$tmp/repo/app/cm.yaml"
# Without the kubeconfig's CA the server's certificate is not trusted.
check_error "GET $api/" target --server "$api" -b "$tmp/bundle.yaml"
echo PASS
