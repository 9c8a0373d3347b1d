#!/usr/bin/env bash
# Failover benchmark (on demand, never in ctest): two `flotilla server` replicas on one throwaway
# PostgreSQL (tests/fixtures/postgres.sh), leader election with the given durations (client-go's
# defaults unless set). ROUNDS times: the leader is killed with -9 and the time until the other
# replica reports flotilla_leader 1 is measured; the killed one restarts as a follower. Then
# ROUNDS graceful handovers: SIGTERM to the leader (it releases the Lease) and the same
# measurement. Prints every figure and min / median / max of each kind, with the worst case the
# election allows for a kill: lease duration + 2 x 2.2 x retry period (a candidate sleeps up to
# 2.2 retry periods between attempts: once before it sees the last renewal, once after expiry).
#
#   bench/failover.sh                          # 15s / 10s / 2s, 5 rounds each
#   LEASE=8s RENEW=5s RETRY=1s ROUNDS=10 bench/failover.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
FLOTILLA_BIN=${FLOTILLA_BIN:-$root/build/bin/flotilla}
export FLOTILLA_BIN FLOTILLA_SOURCE_DIR=$root
LEASE=${LEASE:-15s}
RENEW=${RENEW:-10s}
RETRY=${RETRY:-2s}
ROUNDS=${ROUNDS:-5}

# shellcheck source=tests/e2e/lib.sh
. "$root/tests/e2e/lib.sh"
PG_ROOT="$WORK/pg"
PG_URL=$("$FIXTURES/postgres.sh" start "$PG_ROOT") || { echo "PostgreSQL needed" >&2; exit 2; }
declare -A PID PORT
on_exit() {
  local rc=$1 r
  for r in a b; do [ -n "${PID[$r]:-}" ] && kill -KILL "${PID[$r]}" 2>/dev/null; done
  wait 2>/dev/null
  "$FIXTURES/postgres.sh" stop "$PG_ROOT" >/dev/null 2>&1
  rm -rf "$WORK"
  exit "$rc"
}
trap 'on_exit $?' EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# start R [tls flags]: a replica with its own data dir; waits for its port.
start() {
  local r=$1
  shift
  rm -f "$WORK/port-$r"
  "$FLOTILLA_BIN" server --data-dir "$WORK/data-$r" --listen 127.0.0.1:0 \
    --port-file "$WORK/port-$r" --store "$PG_URL" --leader-elect-lease-duration "$LEASE" \
    --leader-elect-renew-deadline "$RENEW" --leader-elect-retry-period "$RETRY" "$@" \
    >>"$WORK/server-$r.log" 2>&1 &
  PID[$r]=$!
  for _ in $(seq 1 400); do [ -s "$WORK/port-$r" ] && break; sleep 0.05; done
  PORT[$r]=$(cat "$WORK/port-$r")
}
TLS=()
leads() {
  grep -qx "flotilla_leader 1" <<<"$(curl -s --cacert "$WORK/data-a/tls/ca.crt" \
    -H "@$WORK/auth-header" "https://127.0.0.1:${PORT[$1]}/metrics")"
}
start a
TLS=(--tls-cert "$WORK/data-a/tls/serving.crt" --tls-key "$WORK/data-a/tls/serving.key")
token=$(sed -n 's/^ *token: *//p' "$WORK/data-a/admin.kubeconfig" | tr -d "\"'")
printf 'Authorization: Bearer %s\n' "$token" >"$WORK/auth-header"
until leads a; do sleep 0.1; done
start b "${TLS[@]}"

# round KIND: KIND is KILL or TERM; sets TOOK to the takeover time.
round() {
  local leader follower t0
  if leads a; then leader=a follower=b; else leader=b follower=a; fi
  sleep 3  # a few renewals: the follower has seen the current record
  t0=$(now)
  kill -"$1" "${PID[$leader]}"
  until leads "$follower"; do sleep 0.05; done
  TOOK=$(since "$t0")
  wait "${PID[$leader]}" 2>/dev/null || true  # (bash reports the killed job on stderr)
  if [ "$leader" = a ]; then start a; else start b "${TLS[@]}"; fi
}
stats() {
  sort -n | awk '{ v[NR] = $1 } END { printf "min %.2f  median %.2f  max %.2f  (n=%d)", v[1],
    (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR], NR }'
}
secs() { awk -v d="$1" 'BEGIN { n = d + 0; if (d ~ /ms$/) n /= 1000; print n }'; }
echo "lease ${LEASE}, renew deadline ${RENEW}, retry ${RETRY}; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
kills=()
for i in $(seq 1 "$ROUNDS"); do
  round KILL
  kills+=("$TOOK")
  echo "kill -9 round $i: new leader after ${kills[-1]} s"
done
terms=()
for i in $(seq 1 "$ROUNDS"); do
  round TERM
  terms+=("$TOOK")
  echo "SIGTERM round $i: new leader after ${terms[-1]} s"
done
echo "kill -9 takeover:  $(printf '%s\n' "${kills[@]}" | stats)  worst case $(awk -v l="$(secs "$LEASE")" \
  -v r="$(secs "$RETRY")" 'BEGIN { printf "%.1f", l + 4.4 * r }') s"
echo "SIGTERM handover:  $(printf '%s\n' "${terms[@]}" | stats)"
