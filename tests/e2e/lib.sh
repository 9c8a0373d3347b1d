# Helpers for end-to-end tests (sourced). Each test gets a scratch dir, a real git server, the
# real `flotilla server` and Debian's `kubectl`; everything is torn down on exit.
set -euo pipefail

: "${FLOTILLA_BIN:?FLOTILLA_BIN must point at the flotilla binary}"
: "${FLOTILLA_SOURCE_DIR:?FLOTILLA_SOURCE_DIR must point at the source tree}"
FIXTURES="$FLOTILLA_SOURCE_DIR/tests/fixtures"
export FIXTURE_OWNER_PID=$$

WORK=$(mktemp -d "${TMPDIR:-/tmp}/flotilla-e2e.XXXXXX")
SERVER_PID=""
GIT_ROOT="$WORK/git"
mkdir -p "$GIT_ROOT"

# cleanup [RC]: a test's own EXIT trap passes the status it saw (its first command resets $?).
cleanup() {
  local rc=${1:-$?}
  set +e
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  "$FIXTURES/git-daemon.sh" stop "$GIT_ROOT" >/dev/null 2>&1 || true
  "$FIXTURES/git-http.sh" stop "$GIT_ROOT" >/dev/null 2>&1 || true
  if [ $rc -ne 0 ]; then
    echo "---- server log (last 80 lines) ----" >&2
    tail -n 80 "$WORK/server.log" >&2 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT

log() { echo "[e2e $(date +%H:%M:%S)] $*" >&2; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# start_git_daemon: sets GIT_URL (git://127.0.0.1:PORT/)
start_git_daemon() { GIT_URL=$("$FIXTURES/git-daemon.sh" start "$GIT_ROOT"); }
# start_git_http: sets HTTP_URL (http://127.0.0.1:PORT/), lighttpd + git http-backend, same repos.
start_git_http() { HTTP_URL=$("$FIXTURES/git-http.sh" start "$GIT_ROOT"); }

# new_repo NAME DIR: creates bare repo NAME.git with DIR's content as the first commit on master.
new_repo() {
  "$FIXTURES/git-repo.sh" init "$GIT_ROOT/$1.git" master
  "$FIXTURES/git-repo.sh" commit "$GIT_ROOT/$1.git" master "$2" "initial"
}
# commit_repo NAME DIR: commits DIR as the new tree of master; prints the commit id.
commit_repo() { "$FIXTURES/git-repo.sh" commit "$GIT_ROOT/$1.git" master "$2" "${3:-change}"; }

# start_server [extra flags...]: starts flotilla on a free port with its secure defaults (TLS
# with the CA it makes, bearer tokens); sets API (https://...), SERVER_PID, KUBECONFIG_FILE
# (the admin kubeconfig the server writes), E2E_CA (its CA) and E2E_TOKEN (the admin token).
# $E2E_LISTEN overrides the listen address (default 127.0.0.1:0).
start_server() {
  rm -f "$WORK/port"
  "$FLOTILLA_BIN" server --data-dir "$WORK/data" --listen "${E2E_LISTEN:-127.0.0.1:0}" \
    --port-file "$WORK/port" \
    --apply-dir "$WORK/apply" "$@" >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    [ -s "$WORK/port" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited at start"
    sleep 0.05
  done
  [ -s "$WORK/port" ] || fail "server did not report its port"
  KUBECONFIG_FILE="$WORK/data/admin.kubeconfig"
  API=$(sed -n 's/^ *server: *//p' "$KUBECONFIG_FILE" | tr -d "\"'")  # https:// unless --insecure-http
  E2E_CA="$WORK/data/tls/ca.crt"
  E2E_TOKEN=$(sed -n 's/^ *token: *//p' "$KUBECONFIG_FILE" | tr -d "\"'")
  [ -n "$E2E_TOKEN" ] || fail "no token in $KUBECONFIG_FILE"
  # curl reads the header from a file: the token stays out of every command line.
  printf 'Authorization: Bearer %s\n' "$E2E_TOKEN" >"$WORK/auth-header"
  export API KUBECONFIG_FILE E2E_CA E2E_TOKEN WORK
}

# cluster_ns NS NAME: the namespace of a cluster's BundleDeployments, as Fleet (and
# model::ClusterNamespace) names it: cluster-NS-NAME-<12 hex of sha256("NS::NAME")> (short names).
cluster_ns() { printf 'cluster-%s-%s-%s' "$1" "$2" "$(printf '%s::%s' "$1" "$2" | sha256sum | cut -c1-12)"; }

# kubectl as the admin, through the kubeconfig the server wrote.
kc() {
  kubectl --kubeconfig "$WORK/data/admin.kubeconfig" --cache-dir="$WORK/kube-cache" "$@"
}
# curl trusting the server's CA, as the admin: acurl -sf "$API/metrics".
acurl() { curl --cacert "$WORK/data/tls/ca.crt" -H "@$WORK/auth-header" "$@"; }
# Both work in `bash -c` and wait_until sub-shells too.
export -f kc acurl

# wait_until DESC CMD...: retries CMD (quietly) until it succeeds; gives up after
# E2E_WAIT_SECONDS (default 120) so a broken build fails instead of hanging CI.
wait_until() {
  local desc=$1
  shift
  local deadline=$((SECONDS + ${E2E_WAIT_SECONDS:-120}))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      fail "timed out waiting for: $desc"
    fi
    sleep 0.2
  done
  log "ok: $desc"
}

# demo_gitrepo: prints the GitRepo fleet-local/demo the sync tests share: ${GIT_URL}demo.git,
# branch master, polled every second, the app/ directory.
demo_gitrepo() {
  cat <<YAML
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: demo
  namespace: fleet-local
spec:
  repo: ${GIT_URL}demo.git
  branch: master
  pollingInterval: 1s
  paths:
  - app
YAML
}

# variant_is CLUSTER ENV: the apply dir holds exactly ENV's variant (one ConfigMap).
variant_is() {
  local c=$1 env=$2 files
  files=$(cd "$WORK/apply-$c" && find . -name '*.yaml' -not -path './.flotilla/*' | sort)
  [ "$files" = "./app-$env/configmap/app.yaml" ] || return 1
  grep -q "env: $env" "$WORK/apply-$c/app-$env/configmap/app.yaml"
}

# env_variants_repo ENV...: the repository "app" ($WORK/repo) the agent tests deploy: a base
# ConfigMap and, per ENV, an overlay and a targetCustomization for clusters labelled env=ENV,
# deployed into the namespace app-ENV.
env_variants_repo() {
  local env cm='apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  env: %s\n'
  mkdir -p "$WORK/repo"
  # shellcheck disable=SC2059 # the format is $cm
  printf "$cm" base >"$WORK/repo/cm.yaml"
  for env in "$@"; do
    mkdir -p "$WORK/repo/overlays/$env"
    # shellcheck disable=SC2059
    printf "$cm" "$env" >"$WORK/repo/overlays/$env/cm.yaml"
  done
  {
    echo "defaultNamespace: app"
    echo "targetCustomizations:"
    for env in "$@"; do
      printf -- '- name: %s\n  clusterSelector:\n    matchLabels: {env: %s}\n' "$env" "$env"
      printf '  defaultNamespace: app-%s\n  yaml:\n    overlays: [%s]\n' "$env" "$env"
    done
  } >"$WORK/repo/fleet.yaml"
  new_repo app "$WORK/repo" >/dev/null
}

gitrepo_field() { kc get gitrepo -n "${3:-fleet-local}" "$1" -o "jsonpath=$2"; }
field_is() { [ "$(gitrepo_field "$1" "$2" "${4:-fleet-local}")" = "$3" ]; }
field_contains() { gitrepo_field "$1" "$2" "${4:-fleet-local}" | grep -q -- "$3"; }
