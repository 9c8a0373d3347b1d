#!/usr/bin/env bash
# Runs the real `flotilla test` (Fleet's `fleet test`): which target a cluster matches and the
# manifests it gets, on stdout as clean YAML that kubectl accepts; errors on stderr, exit codes.
# Usage: match_test.sh FLOTILLA_BINARY
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

mkdir -p "$tmp/app/overlays/prod" "$tmp/broken"
cat >"$tmp/app/fleet.yaml" <<'YAML'
defaultNamespace: base-ns
targetCustomizations:
- name: prod
  clusterSelector:
    matchLabels:
      env: prod
  namespace: prod-ns
  yaml:
    overlays:
    - prod
- name: skip
  clusterName: banned
  doNotDeploy: true
- name: eu
  clusterGroup: europe
  defaultNamespace: eu-ns
YAML
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  v: base\n' >"$tmp/app/cm.yaml"
printf 'data:\n  v: prod\n' >"$tmp/app/overlays/prod/cm_patch.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n' >"$tmp/broken/bad.yaml"

run() {  # run ARGS...: stdout to $tmp/out, stderr to $tmp/err, exit code to $rc
  rc=0
  "$bin" test "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

# No cluster flags: the cluster is in the group "default", which the GitRepo-default target selects.
run "$tmp/app"
[ $rc = 0 ] || fail "exit $rc: $(cat "$tmp/err")"
[ "$(cat "$tmp/err")" = '# Matched: default' ] || fail "stderr: $(cat "$tmp/err")"
grep -q '^  namespace: base-ns$' "$tmp/out" || fail "defaultNamespace: $(cat "$tmp/out")"
grep -q '^  v: base$' "$tmp/out" || fail "content: $(cat "$tmp/out")"

# Labels select the prod customization: its overlay and forced namespace apply.
run -l env=prod -l tier=web "$tmp/app"
[ $rc = 0 ] || fail "exit $rc: $(cat "$tmp/err")"
grep -qx '# Matched: prod' "$tmp/err" || fail "prod match: $(cat "$tmp/err")"
grep -q '^  v: prod$' "$tmp/out" || fail "overlay not applied: $(cat "$tmp/out")"
grep -q '^  namespace: prod-ns$' "$tmp/out" || fail "namespace not forced: $(cat "$tmp/out")"

# A cluster group; an explicit target; doNotDeploy; quiet.
run -g europe "$tmp/app"
grep -qx '# Matched: eu' "$tmp/err" || fail "group match: $(cat "$tmp/err")"
grep -q '^  namespace: eu-ns$' "$tmp/out" || fail "eu namespace: $(cat "$tmp/out")"
run -t prod "$tmp/app"
grep -qx '# Matched: prod' "$tmp/err" && grep -q '^  v: prod$' "$tmp/out" || fail "-t prod"
run -N banned "$tmp/app"
[ $rc = 0 ] && [ ! -s "$tmp/out" ] || fail "doNotDeploy printed manifests: $(cat "$tmp/out")"
grep -q 'Matched: skip (doNotDeploy' "$tmp/err" || fail "doNotDeploy: $(cat "$tmp/err")"
run -q -l env=prod "$tmp/app"
[ $rc = 0 ] && [ ! -s "$tmp/out" ] || fail "-q printed manifests"

# The same from a Bundle file written by `flotilla apply`.
(cd "$tmp" && "$bin" apply -o "$tmp/bundle.yaml" --commit x demo app)
run -b "$tmp/bundle.yaml" -l env=prod
[ $rc = 0 ] && grep -q '^  v: prod$' "$tmp/out" || fail "-b: $(cat "$tmp/err")"

# Errors: stderr names file and line, stdout stays empty, exit code 1.
run "$tmp/broken"
[ $rc = 1 ] || fail "broken bundle exit $rc"
[ ! -s "$tmp/out" ] || fail "stdout not empty on error"
grep -q 'bad.yaml:[0-9]*:[0-9]*: invalid YAML' "$tmp/err" || fail "error text: $(cat "$tmp/err")"
run -t nope "$tmp/app"
[ $rc = 1 ] && grep -q 'no target named "nope"' "$tmp/err" || fail "unknown target: $(cat "$tmp/err")"
run -l bad "$tmp/app"
[ $rc = 1 ] && grep -q 'want KEY=VALUE' "$tmp/err" || fail "bad label: $(cat "$tmp/err")"
run "$tmp/nothing"
[ $rc = 1 ] && grep -q 'not a directory' "$tmp/err" || fail "missing dir: $(cat "$tmp/err")"

# stdout pipes into kubectl (client-side dry run against a real flotilla API for discovery).
"$bin" server --data-dir "$tmp/data" --listen 127.0.0.1:0 --port-file "$tmp/port" \
  >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 1 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || fail "server did not start: $(cat "$tmp/server.log")"
"$bin" test -l env=prod "$tmp/app" 2>/dev/null |
  kubectl --kubeconfig "$tmp/data/admin.kubeconfig" \
    --cache-dir="$tmp/kube" apply --dry-run=client --validate=false -o name -f - >"$tmp/kubectl" ||
  fail "kubectl refused the output"
grep -qx 'configmap/cm' "$tmp/kubectl" || fail "kubectl output: $(cat "$tmp/kubectl")"
echo PASS
