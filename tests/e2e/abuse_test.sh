#!/usr/bin/env bash
# The API under abuse (loopback, bounded in count and time): 1,000 connections holding half a
# header, 1,000 open watches, deep nesting, patch bombs, huge objects. Throughout, `kubectl get
# gitrepos -A` and /healthz answer within a second, the server's RSS stays under a bound, and it
# never exits; the held half-headers are closed at the header deadline.
. "$(dirname "$0")/lib.sh"

SLOW=${ABUSE_SLOW:-1000}
WATCHES=${ABUSE_WATCHES:-1000}
RSS_BOUND_MIB=${ABUSE_RSS_MIB:-512}
CLIENTS="$FLOTILLA_SOURCE_DIR/tests/e2e/abuse_clients.py"
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed" >&2; exit 77; }
ulimit -n "$(ulimit -Hn)"

start_server --log-level error
PORT=${API##*:}
wait_until "server ready" acurl -sf "$API/readyz"
cat <<YAML | kc apply -f - >/dev/null
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: victim
  namespace: fleet-local
spec:
  repo: https://example.invalid/repo
  paused: true
YAML

alive() { kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited"; }
# timed LIMIT_MS CMD...: CMD succeeds within LIMIT_MS; sets MS to what it took.
timed() {
  local limit=$1 start end
  shift
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1 || fail "'$*' failed while under abuse"
  end=$(date +%s%N)
  MS=$(((end - start) / 1000000))
  [ "$MS" -lt "$limit" ] || fail "'$*' took ${MS} ms while under abuse (limit ${limit} ms)"
}
# kubectl's own start-up is measured before the abuse: under abuse, the server may add less than
# a second to it.
timed 60000 kc get gitrepos -A
timed 60000 kc get gitrepos -A
KUBECTL_BASE=$MS
probe() {
  timed 1000 acurl -sf "$API/healthz"
  local health=$MS
  timed $((KUBECTL_BASE + 1000)) kc get gitrepos -A
  log "  /healthz ${health} ms, kubectl get gitrepos -A ${MS} ms (${KUBECTL_BASE} ms unloaded)"
}

log "holding $SLOW half-sent headers and $WATCHES watches"
python3 "$CLIENTS" hold "$PORT" "$SLOW" "$WATCHES" "$WORK/held" &
HOLDER=$!
# set -e holds inside traps: the holder may be gone already, so nothing here may fail the test.
trap 'rc=$?; set +e; kill $HOLDER 2>/dev/null; wait $HOLDER 2>/dev/null; cleanup $rc' EXIT
wait_until "clients holding" test -s "$WORK/held"
alive
probe

status_of() { python3 "$CLIENTS" request "$PORT" "$@"; }
expect_refused() {  # DESC WANT_REGEX METHOD PATH CONTENT_TYPE BODY_KIND
  local desc=$1 want=$2 got
  shift 2
  got=$(status_of "$@")
  [[ "$got" =~ ^($want)$ ]] || fail "$desc: got HTTP $got, want $want"
  log "  $desc: HTTP $got"
  alive
}
GR="/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-local/gitrepos"
expect_refused "GitRepo with a field nested 60,000 deep" "400|422" POST "$GR" application/json deep-object
expect_refused "merge patch 50,000 deep" "400|422" PATCH "$GR/victim" application/merge-patch+json merge-bomb
expect_refused "strategic merge patch 4,000 deep" "400|422" PATCH "$GR/victim" \
  application/strategic-merge-patch+json strategic-bomb
expect_refused "ConfigMap with a 2 MiB annotation" "413|422" POST /api/v1/namespaces/default/configmaps \
  application/json huge-annotation
expect_refused "4 MiB request body" "413" POST /api/v1/namespaces/default/configmaps application/json oversize
probe

log "waiting for the header deadline to close the half-sent headers"
wait_until "slow connections closed" sh -c "[ \"\$(cat '$WORK/held.closed' 2>/dev/null)\" = $SLOW ]"
probe
metrics=$(acurl -sf "$API/metrics")
watches=$(echo "$metrics" | awk '/^flotilla_http_watches /{print $2}')
[ "${watches%.*}" -ge "$WATCHES" ] || fail "flotilla_http_watches=$watches, want >= $WATCHES"
closes=$(echo "$metrics" | awk '/^flotilla_http_deadline_closes /{print $2}')
[ "${closes%.*}" -ge "$SLOW" ] || fail "flotilla_http_deadline_closes=$closes, want >= $SLOW"

hwm=$(awk '/^VmHWM:/{print int($2/1024)}' "/proc/$SERVER_PID/status")
log "server peak RSS ${hwm} MiB (bound ${RSS_BOUND_MIB} MiB)"
[ "$hwm" -lt "$RSS_BOUND_MIB" ] || fail "server peak RSS ${hwm} MiB over ${RSS_BOUND_MIB} MiB"
kill $HOLDER 2>/dev/null || true
wait $HOLDER 2>/dev/null || true
alive
log "PASS"
