#!/usr/bin/env bash
# Two server replicas on one PostgreSQL (tests/fixtures/postgres.sh), with leader election: both
# serve the API (the second with the first's TLS certificate, tokens shared through the
# database); only the Lease holder runs the controllers. A webhook received by the follower
# reaches the leader's controller. A GitRepo created through the follower is synced by the
# leader; the leader is killed with -9 while it syncs a new commit; the follower takes the Lease
# within 15 s (lease 8 s, renew deadline 5 s, retry 1 s), finishes the sync and applies the new
# commit; a watch held on the follower keeps delivering throughout; flotilla_leader flips. Last,
# the database goes away and the leader, unable to renew, exits with code 1 (for its supervisor).
# Skips (77) without PostgreSQL.
. "$(dirname "$0")/lib.sh"

PG_ROOT="$WORK/pg"
if ! PG_URL=$("$FIXTURES/postgres.sh" start "$PG_ROOT"); then
  rc=$?
  [ $rc -eq 3 ] && { echo "PostgreSQL not installed: skipped"; exit 77; }
  fail "cannot start PostgreSQL"
fi
B_PID=""
WATCH_PID=""
on_exit() {
  local rc=$1
  [ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null
  if [ -n "$B_PID" ] && kill -0 "$B_PID" 2>/dev/null; then
    kill -TERM "$B_PID" 2>/dev/null
    wait "$B_PID" 2>/dev/null
  fi
  if [ "$rc" -ne 0 ]; then
    echo "---- replica B log (last 60 lines) ----" >&2
    tail -n 60 "$WORK/server-b.log" >&2 2>/dev/null
  fi
  "$FIXTURES/postgres.sh" stop "$PG_ROOT" >/dev/null 2>&1
  cleanup "$rc"
}
trap 'on_exit $?' EXIT

ELECTION=(--store "$PG_URL" --leader-elect-lease-duration 8s --leader-elect-renew-deadline 5s
  --leader-elect-retry-period 1s)

start_git_daemon
# Many objects, so that a sync takes a moment to render, store and apply.
mkdir -p "$WORK/src/app" "$WORK/hook"
write_app() {
  for i in $(seq 1 150); do
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%s\ndata:\n  version: "%s"\n' \
      "$i" "$1" >"$WORK/src/app/cm-$i.yaml"
  done
}
write_app one
first=$(new_repo demo "$WORK/src")
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hooked\ndata:\n  v: one\n' \
  >"$WORK/hook/cm.yaml"
hook_first=$(new_repo hooked "$WORK/hook")

log "replica A: the first server takes the Lease"
start_server "${ELECTION[@]}"
metric() { curl -s --cacert "$E2E_CA" -H "@$WORK/auth-header" "$1/metrics"; }
is_leader() { grep -qx "flotilla_leader $2" <<<"$(metric "$1")"; }
wait_until "A leads" is_leader "$API" 1
A_API=$API

log "replica B: same database, A's TLS certificate, its own data dir and port"
rm -f "$WORK/port-b"
"$FLOTILLA_BIN" server --data-dir "$WORK/data-b" --listen 127.0.0.1:0 --port-file "$WORK/port-b" \
  --apply-dir "$WORK/apply-b" --tls-cert "$WORK/data/tls/serving.crt" \
  --tls-key "$WORK/data/tls/serving.key" "${ELECTION[@]}" >>"$WORK/server-b.log" 2>&1 &
B_PID=$!
for _ in $(seq 1 200); do [ -s "$WORK/port-b" ] && break; sleep 0.05; done
[ -s "$WORK/port-b" ] || fail "replica B did not start"
B_API="https://127.0.0.1:$(cat "$WORK/port-b")"
# A's admin kubeconfig (its CA, a token in the shared database) aimed at B.
kb() { kubectl --kubeconfig "$WORK/data/admin.kubeconfig" --cache-dir="$WORK/kube-cache-b" \
  --server "$B_API" "$@"; }
bfield_is() { [ "$(kb get gitrepo -n fleet-local "$1" -o "jsonpath=$2")" = "$3" ]; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
wait_until "B ready" curl -sf --cacert "$E2E_CA" "$B_API/readyz"
wait_until "B follows" is_leader "$B_API" 0
wait_until "B logged the leader it saw" grep -q "new leader observed" "$WORK/server-b.log"
is_leader "$A_API" 1 || fail "A lost the Lease to a newcomer"

log "a webhook received by B (the follower) reaches A's controller"
cat <<YAML | kb apply -f -
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: hooked
  namespace: fleet-local
spec:
  repo: ${GIT_URL}hooked.git
  branch: master
  disablePolling: true
YAML
wait_until "hooked: first commit synced by A" field_is hooked '{.status.commit}' "$hook_first"
sed -i 's/v: one/v: two/' "$WORK/hook/cm.yaml"
hook_second=$(commit_repo hooked "$WORK/hook")
repo_path=${GIT_URL#git://}
cat >"$WORK/push.json" <<JSON
{"ref":"refs/heads/master","before":"$hook_first","after":"$hook_second","created":false,
 "deleted":false,"repository":{"name":"hooked","full_name":"e2e/hooked",
   "html_url":"http://${repo_path}hooked","clone_url":"http://${repo_path}hooked.git",
   "git_url":"${GIT_URL}hooked.git","default_branch":"master"},
 "pusher":{"name":"e2e"},"head_commit":{"id":"$hook_second","message":"change"}}
JSON
code=$(curl --cacert "$E2E_CA" -s -o "$WORK/resp.json" -w '%{http_code}' -X POST \
  "$B_API/webhooks" -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
  -H 'X-GitHub-Delivery: e2e-replicas' --data-binary @"$WORK/push.json")
[ "$code" = 200 ] || fail "webhook on B: HTTP $code $(cat "$WORK/resp.json")"
E2E_WAIT_SECONDS=30 wait_until "hooked: A synced the commit B's webhook announced" \
  field_is hooked '{.status.commit}' "$hook_second"
grep -q "sync started.*$hook_second\|$hook_second.*sync started" "$WORK/server.log" ||
  fail "A did not sync the webhook's commit"

log "a GitRepo created through B is synced by A"
demo_gitrepo | kb apply -f -
wait_until "first commit synced" field_is demo '{.status.commit}' "$first"
wait_until "A applied it" test -f "$WORK/apply/default/configmap/cm-150.yaml"
[ ! -e "$WORK/apply-b/default" ] || fail "the follower's agent applied something"

log "a watch held on B"
kb get gitrepo -n fleet-local demo --watch -o 'jsonpath={.status.commit}{"\n"}' \
  >"$WORK/watch-b.out" 2>"$WORK/watch-b.err" &
WATCH_PID=$!
wait_until "watch on B delivers" grep -q "$first" "$WORK/watch-b.out"

log "a new commit; A is killed with -9 as soon as it starts syncing it"
write_app two
second=$(commit_repo demo "$WORK/src")
deadline=$((SECONDS + 60))
until grep "sync started" "$WORK/server.log" | grep -q "$second"; do
  [ $SECONDS -lt $deadline ] || fail "A never started syncing $second"
  sleep 0.02
done
kill -KILL "$SERVER_PID"
killed_at=$(date +%s.%N)
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
at_kill=$(kb get gitrepo -n fleet-local demo -o 'jsonpath={.status.commit}')
log "A killed; status.commit at that moment: ${at_kill:0:12} (new: ${second:0:12})"

until is_leader "$B_API" 1; do
  awk -v t="$(since "$killed_at")" 'BEGIN { exit !(t < 30) }' || fail "B did not lead within 30 s"
  sleep 0.1
done
takeover=$(since "$killed_at")
log "B took the Lease ${takeover} s after the kill"
awk -v t="$takeover" 'BEGIN { exit !(t <= 15) }' || fail "takeover took ${takeover} s (> 15 s)"
grep -q "acquired the leader lease" "$WORK/server-b.log" || fail "no acquire line in B's log"
b_identity=$(sed -n 's/.*acquired the leader lease.*identity="\{0,1\}\([^" ]*\).*/\1/p' \
  "$WORK/server-b.log" | tail -1)
[ -n "$b_identity" ] || fail "no identity on B's acquire line"
holder=$(kb get lease -n cattle-fleet-system flotilla-controller -o 'jsonpath={.spec.holderIdentity}')
[ "$holder" = "$b_identity" ] || fail "Lease holder is '$holder', B is '$b_identity'"
transitions=$(kb get lease -n cattle-fleet-system flotilla-controller \
  -o 'jsonpath={.spec.leaseTransitions}')
[ "$transitions" -ge 1 ] || fail "leaseTransitions is $transitions"
m=$(metric "$B_API")
grep -qx "flotilla_leader_transitions_total 1" <<<"$m" || fail "B's transitions metric: $m"

log "B finishes the sync A was killed in"
wait_until "second commit synced by B" bfield_is demo '{.status.commit}' "$second"
wait_until "B applied the new commit" grep -q 'version: two' "$WORK/apply-b/default/configmap/cm-150.yaml"
wait_until "GitRepo Ready" bfield_is demo '{.status.conditions[?(@.type=="Ready")].status}' True
wait_until "the watch on B saw the new commit" grep -q "$second" "$WORK/watch-b.out"
kill -0 "$WATCH_PID" 2>/dev/null || fail "the watch on B ended: $(cat "$WORK/watch-b.err")"
kb get gitrepos -n fleet-local >/dev/null || fail "kubectl on the survivor"
kill "$WATCH_PID" 2>/dev/null
WATCH_PID=""

log "the database goes away: the leader exits (code 1) once it cannot renew"
"$FIXTURES/postgres.sh" stop "$PG_ROOT" >/dev/null 2>&1
lost_at=$(date +%s.%N)
while kill -0 "$B_PID" 2>/dev/null; do
  awk -v t="$(since "$lost_at")" 'BEGIN { exit !(t < 60) }' || fail "B still runs without a database"
  sleep 0.1
done
rc=0
wait "$B_PID" || rc=$?
B_PID=""
log "B exited with code $rc $(since "$lost_at") s after the database stopped"
[ "$rc" = 1 ] || fail "B exited with $rc, want 1"
grep -q "leader election lost" "$WORK/server-b.log" || fail "no 'leader election lost' line"
grep -q "leader lease lost: exiting" "$WORK/server-b.log" || fail "no exit line"
log "PASS (takeover ${takeover} s)"
