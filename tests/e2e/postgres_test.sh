#!/usr/bin/env bash
# End to end on the PostgreSQL store: a real PostgreSQL (tests/fixtures/postgres.sh), the real
# server with --store postgres://..., Debian's kubectl. A GitRepo syncs and follows a commit; the
# server killed with -9 and restarted on the same database finds everything and resumes the
# resourceVersion; a second server process on the same database (a replica, its controllers
# idle here) sees the same objects; the password never reaches the logs. Skips (77) without
# PostgreSQL.
. "$(dirname "$0")/lib.sh"

PG_ROOT="$WORK/pg"
if ! PG_URL=$("$FIXTURES/postgres.sh" start "$PG_ROOT"); then
  rc=$?
  [ $rc -eq 3 ] && { echo "PostgreSQL not installed: skipped"; exit 77; }
  fail "cannot start PostgreSQL"
fi
# shellcheck disable=SC2064 # expand now: WORK is removed by cleanup
trap "$FIXTURES/postgres.sh stop '$PG_ROOT' >/dev/null 2>&1; cleanup \$?" EXIT
PASSWORD=$(cat "$PG_ROOT/.postgres/password")
log "PostgreSQL at ${PG_URL%%\?*}"

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
first=$(new_repo demo "$WORK/src")
start_server --store "$PG_URL"
grep -q 'store opened' "$WORK/server.log" || fail "no 'store opened' line"
grep -q "store=\"postgres://flotilla@127.0.0.1" "$WORK/server.log" || fail "store URL not logged"

demo_gitrepo >"$WORK/gitrepo.yaml"
kc apply -f "$WORK/gitrepo.yaml"
wait_until "first commit synced" field_is demo '{.status.commit}' "$first"
wait_until "configmap applied" test -f "$WORK/apply/default/configmap/app-config.yaml"
wait_until "GitRepo Ready" field_is demo '{.status.conditions[?(@.type=="Ready")].status}' True

log "the objects are rows in PostgreSQL"
rows=$(PGPASSWORD=$PASSWORD psql -h 127.0.0.1 -p "$(cat "$PG_ROOT/.postgres/port")" -U flotilla \
  -d postgres -Atc "SELECT count(*) FROM flotilla_objects WHERE kind = 'gitrepos.fleet.cattle.io'")
[ "$rows" = 1 ] || fail "want 1 GitRepo row, got $rows"

log "kill -9 and restart on the same database"
rv_before=$(gitrepo_field demo '{.metadata.resourceVersion}')
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
start_server --store "$PG_URL"
field_is demo '{.status.commit}' "$first" || fail "status lost across restart"
sed -i 's/hello/bonjour/' "$WORK/src/app/configmap.yaml"
second=$(commit_repo demo "$WORK/src")
wait_until "second commit synced" field_is demo '{.status.commit}' "$second"
wait_until "change applied" grep -q "greeting: bonjour" "$WORK/apply/default/configmap/app-config.yaml"
rv_after=$(gitrepo_field demo '{.metadata.resourceVersion}')
[ "$rv_after" -gt "$rv_before" ] || fail "resourceVersion went from $rv_before to $rv_after"

log "a second server process on the same database serves the same objects"
FIRST_PID=$SERVER_PID
rm -f "$WORK/port"
"$FLOTILLA_BIN" server --data-dir "$WORK/data2" --listen 127.0.0.1:0 --port-file "$WORK/port" \
  --apply-dir "$WORK/apply2" --store "$PG_URL" >>"$WORK/server2.log" 2>&1 &
SECOND_PID=$!
for _ in $(seq 1 200); do [ -s "$WORK/port" ] && break; sleep 0.05; done
[ -s "$WORK/port" ] || fail "second server did not start"
# Each server has its own CA and admin kubeconfig; their tokens live in the shared database.
kc2() { kubectl --kubeconfig "$WORK/data2/admin.kubeconfig" --cache-dir="$WORK/kube-cache2" "$@"; }
wait_until "replica serves with its admin kubeconfig" kc2 get namespaces fleet-local
wait_until "replica sees the synced GitRepo" \
  sh -c "[ \"\$(kubectl --kubeconfig '$WORK/data2/admin.kubeconfig' get gitrepo -n fleet-local demo -o jsonpath='{.status.commit}')\" = '$second' ]"
kc2 create configmap from-replica -n fleet-local --from-literal=k=v >/dev/null
wait_until "first server sees the replica's write" kc get configmap -n fleet-local from-replica
kill -TERM "$SECOND_PID"
wait "$SECOND_PID" 2>/dev/null || true
SERVER_PID=$FIRST_PID

log "the password is in no log"
if grep -qF "$PASSWORD" "$WORK/server.log" "$WORK/server2.log"; then fail "password logged"; fi
log "PASS"
