#!/usr/bin/env bash
# The seed scenario, measured (tests/e2e/thirty_test.sh asserts the same scenario, without
# timings): N GitRepos, each its own repository (odd ones over git daemon, even ones over lighttpd
# + git http-backend), all applied; then one commit to every repository at once, ROUNDS times.
# For each GitRepo, latency = from its repository's ref update until BOTH its status.commit is the
# new commit AND the new objects are in the apply dir. Prints p50/p90/p100 per round and overall,
# the server's CPU time (utime+stime from /proc) during the rounds, and its peak RSS (VmHWM).
#
#   bench/thirty.sh
#   N=30 ROUNDS=3 POLL_MIN=1 POLL_MAX=15 SERVER_FLAGS="--gitrepo-workers 50" bench/thirty.sh
#   WEBHOOK=1 bench/thirty.sh   # GitRepos with disablePolling; each commit is announced by a
#                               # signed GitHub push webhook (issue 4's webhook -> applied latency)
#
# Latency is dominated by pollingInterval (POLL_MIN..POLL_MAX seconds, spread over the GitRepos;
# default 1..15 as Fleet's 15 s default and faster ones); the observation granularity is ~0.1 s.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${FLOTILLA_BIN:-}" ]; then
  for b in "$root/build/bin/flotilla" "$root/build-proof/bin/flotilla"; do
    if [ -x "$b" ]; then FLOTILLA_BIN=$b; break; fi
  done
fi
export FLOTILLA_BIN FLOTILLA_SOURCE_DIR=$root
for tool in jq curl git kubectl openssl; do
  command -v "$tool" >/dev/null || { echo "thirty.sh needs $tool" >&2; exit 2; }
done
N=${N:-30}
ROUNDS=${ROUNDS:-3}
POLL_MIN=${POLL_MIN:-1}
POLL_MAX=${POLL_MAX:-15}
read -r -a EXTRA <<<"${SERVER_FLAGS:-}"

# shellcheck source=tests/e2e/lib.sh
. "$root/tests/e2e/lib.sh"
# shellcheck source=tests/e2e/scenario.sh
. "$root/tests/e2e/scenario.sh"
export E2E_WAIT_SECONDS=$((POLL_MAX * 4 + 60))

now() { date +%s.%N; }
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
    "/proc/$SERVER_PID/stat"
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

# percentiles FILE: "p50 p90 p100" of the numbers in FILE (nearest-rank).
percentiles() {
  sort -g "$1" | awk '{ v[NR] = $1 } END {
    split("50 90 100", p, " ")
    for (k = 1; k <= 3; k++) { i = int((p[k] * NR + 99) / 100); if (i < 1) i = 1; printf "%s%.2f", (k > 1 ? " " : ""), v[i] }
    printf "\n" }'
}

start_git_daemon
start_git_http
scenario_repos "$N"
start_server "${EXTRA[@]}" --log-level warn
scenario_gitrepos "$N" "$GIT_URL" "$HTTP_URL" "$POLL_MIN" "$POLL_MAX"
WEBHOOK=${WEBHOOK:-0}
HOOK_SECRET=bench-secret
if [ "$WEBHOOK" = 1 ]; then
  # Fleet's global webhook secret; every GitRepo relies on webhooks only.
  kc create secret generic -n cattle-fleet-system gitjob-webhook \
    --from-literal=github="$HOOK_SECRET" >/dev/null
  sed -i 's/^  pollingInterval: .*$/  disablePolling: true/' "$WORK/gitrepos.yaml"
fi
# send_webhooks: one signed GitHub push event per repository, all at once.
send_webhooks() {
  local i url head body sig pids=()
  for i in $(seq 1 "$N"); do
    url=$GIT_URL
    if [ $((i % 2)) -eq 0 ]; then url=$HTTP_URL; fi
    head=$(cat "$WORK/heads/r$i")
    body="{\"ref\":\"refs/heads/master\",\"after\":\"$head\",\"deleted\":false,\"repository\":{\"name\":\"r$i\",\"clone_url\":\"${url}r$i.git\",\"html_url\":\"${url}r$i\"}}"
    sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$HOOK_SECRET" -hex | sed 's/^.*= //')
    acurl -fsS -o /dev/null -X POST "$API/webhooks" -H 'Content-Type: application/json' \
      -H 'X-GitHub-Event: push' -H "X-Hub-Signature-256: sha256=$sig" --data-binary "$body" &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || fail "webhook POST failed"; done
}
kc apply -f "$WORK/gitrepos.yaml" >/dev/null
scenario_wait "$N" "all $N GitRepos applied at round 0"
log "load $(load)"

: >"$WORK/all.lat"
cpu_start=$(cpu_seconds)
for r in $(seq 1 "$ROUNDS"); do
  scenario_commit_all "$N" "$r"
  if [ "$WEBHOOK" = 1 ]; then send_webhooks; fi
  declare -A done_at=()
  dir="$WORK/apply/$SCENARIO_NS/configmap"
  deadline=$((SECONDS + E2E_WAIT_SECONDS))
  while [ "${#done_at[@]}" -lt "$N" ]; do
    [ $SECONDS -lt $deadline ] || fail "round $r: only ${#done_at[@]}/$N converged"
    list=$(acurl -fsS "$API/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-local/gitrepos?labelSelector=flotilla-test%3Dscenario" |
      jq -r '.items[] | "\(.metadata.name) \(.status.commit // "")"')
    t=$(now)
    while read -r name commit; do
      [ -z "${done_at[$name]:-}" ] || continue
      i=${name#r}
      [ "$commit" = "$(cat "$WORK/heads/$name")" ] || continue
      grep -qE "^  round: \"?$r\"?\$" "$dir/cm-$i.yaml" 2>/dev/null || continue
      [ -f "$dir/x-$i-$r.yaml" ] || continue
      [ ! -e "$dir/x-$i-$((r - 1)).yaml" ] || continue
      done_at[$name]=$t
    done <<<"$list"
    sleep 0.05
  done
  : >"$WORK/round$r.lat"
  for name in "${!done_at[@]}"; do
    awk -v a="$(cat "$WORK/committed/$name")" -v b="${done_at[$name]}" 'BEGIN { printf "%.3f\n", b - a }' \
      >>"$WORK/round$r.lat"
  done
  cat "$WORK/round$r.lat" >>"$WORK/all.lat"
  read -r p50 p90 p100 <<<"$(percentiles "$WORK/round$r.lat")"
  log "round $r: p50 ${p50}s p90 ${p90}s p100 ${p100}s"
  unset done_at
  sleep 1
done
cpu_end=$(cpu_seconds)
read -r p50 p90 p100 <<<"$(percentiles "$WORK/all.lat")"
hwm=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status")
scenario_converged "$N" || fail "not converged at the end"
echo
if [ "$WEBHOOK" = 1 ]; then trigger="webhooks (disablePolling)"; else trigger="pollingInterval ${POLL_MIN}-${POLL_MAX}s"; fi
echo "== seed scenario: $N GitRepos (own repository each; git daemon + HTTP), $ROUNDS rounds, $trigger =="
echo "server flags: ${SERVER_FLAGS:-(defaults)}; cores: $(nproc); load: $(load)"
printf '%-40s %s\n' \
  "commit -> synced+applied latency" "p50 ${p50} s, p90 ${p90} s, p100 ${p100} s ($((N * ROUNDS)) samples)" \
  "server CPU during the rounds" "$(awk -v a="$cpu_start" -v b="$cpu_end" 'BEGIN { printf "%.2f s", b - a }')" \
  "server peak RSS (VmHWM)" "$hwm MiB"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
SERVER_PID=""
