#!/usr/bin/env bash
# Concurrent-watch benchmark (on demand, never in ctest): starts the real `flotilla server`, holds
# WATCHES watches on it (one per namespace, as one agent per cluster does), and prints what they
# cost the server (RSS, threads) and whether everyone else is still served (/healthz, lists,
# write -> event latency). See bench/watch/watch_bench.cc for what is measured.
#
#   bench/watches.sh                 # 10,000 watches
#   WATCHES=1000 EVENTS=100 bench/watches.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
FLOTILLA_BIN=${FLOTILLA_BIN:-$root/build/bin/flotilla}
BENCH=${WATCH_BENCH:-$root/build/bench/watch_bench}
export FLOTILLA_BIN FLOTILLA_SOURCE_DIR=$root
[ -x "$BENCH" ] || { echo "build it first: cmake --build build --target watch_bench" >&2; exit 2; }
# shellcheck source=tests/e2e/lib.sh
. "$root/tests/e2e/lib.sh"
ulimit -n "$(ulimit -Hn)"
# watch_bench speaks plain HTTP without a token: this measures the watch machinery itself, on
# loopback (TLS and token costs are measured by the agents' benchmark).
start_server --log-level warn --insecure-http --anonymous-admin
echo "flotilla server pid $SERVER_PID on $API"
"$BENCH" --port "${API##*:}" --pid "$SERVER_PID" --watches "${WATCHES:-10000}" \
  --events "${EVENTS:-200}"
