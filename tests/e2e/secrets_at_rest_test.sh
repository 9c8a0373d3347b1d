#!/usr/bin/env bash
# Secrets sealed at rest (--secrets-encryption-key-file): the real server and kubectl. A Secret's
# value never reaches the database files or the log in the clear; rotation to a new key (new key
# first, rewrite every Secret with kubectl replace, drop the old key) keeps every Secret readable;
# a missing key is a clear error, not an empty Secret; a bad key file stops the server at start.
source "$(dirname "$0")/lib.sh"

SENTINEL="sentinel-$RANDOM-correct-horse-battery"
key() { head -c 32 /dev/urandom | base64 -w0; }
KEY1=$(key)
KEY2=$(key)
keyfile() {  # keyfile NAME=SECRET...: an EncryptionConfiguration with these aesgcm keys
  {
    printf 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n'
    printf 'resources:\n  - resources: [secrets]\n    providers:\n      - aesgcm:\n          keys:\n'
    for kv in "$@"; do
      printf '            - name: %s\n              secret: %s\n' "${kv%%=*}" "${kv#*=}"
    done
  } >"$WORK/keys.yaml"
  chmod 600 "$WORK/keys.yaml"
}
stop_server() {
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
password() { kc get secret db -n fleet-local -o jsonpath='{.data.password}' | base64 -d; }

keyfile "key1=$KEY1"
start_server --secrets-encryption-key-file "$WORK/keys.yaml"
wait_until "server ready" kc get namespaces fleet-local
kc create secret generic db -n fleet-local --from-literal=password="$SENTINEL" >/dev/null
[ "$(password)" = "$SENTINEL" ] || fail "the Secret does not read back"
stop_server
if grep -a -q -e "$SENTINEL" -e "$(printf %s "$SENTINEL" | base64 -w0)" "$WORK"/data/flotilla.db*; then
  fail "the Secret's value is in the database files in the clear"
fi
grep -a -q "k8s:enc:aesgcm:v1:key1:" "$WORK"/data/flotilla.db* || fail "no value sealed with key1"
log "ok: sealed at rest with key1"

# Rotate: key2 first, key1 still readable; rewrite every Secret; then key2 alone.
keyfile "key2=$KEY2" "key1=$KEY1"
start_server --secrets-encryption-key-file "$WORK/keys.yaml"
wait_until "server ready (key2, key1)" kc get namespaces fleet-local
[ "$(password)" = "$SENTINEL" ] || fail "the Secret does not read back with key1 second"
kc get secrets -A -o json | kc replace -f - >/dev/null
stop_server
keyfile "key2=$KEY2"
start_server --secrets-encryption-key-file "$WORK/keys.yaml"
wait_until "server ready (key2)" kc get namespaces fleet-local
[ "$(password)" = "$SENTINEL" ] || fail "the Secret does not read back after rotation"
log "ok: rotated to key2"
stop_server

# A key file without the Secret's key: an error that names it; the server keeps serving.
keyfile "key3=$(key)"
start_server --secrets-encryption-key-file "$WORK/keys.yaml"
wait_until "server ready (key3)" kc get namespaces fleet-local
if out=$(kc get secret db -n fleet-local 2>&1); then fail "a Secret sealed with key2 was read with key3"; fi
echo "$out" | grep -q 'key2' || fail "the error does not name the missing key: $out"
kc get namespaces fleet-local >/dev/null || fail "the server stopped serving"
log "ok: missing key refused: $(echo "$out" | head -1)"
stop_server

# A malformed key file: the server refuses to start, naming the problem.
printf 'kind: EncryptionConfiguration\nresources: []\n' >"$WORK/keys.yaml"
if "$FLOTILLA_BIN" server --data-dir "$WORK/data" --listen 127.0.0.1:0 \
  --secrets-encryption-key-file "$WORK/keys.yaml" >"$WORK/bad.log" 2>&1; then
  fail "the server started with a malformed key file"
fi
grep -q "encryption configuration" "$WORK/bad.log" || fail "no clear error: $(cat "$WORK/bad.log")"

! grep -a -q -e "$SENTINEL" "$WORK/server.log" || fail "the Secret's value is in the server log"
log "PASS"
