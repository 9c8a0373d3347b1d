#!/usr/bin/env bash
# Scale benchmark (on demand, never in ctest): GITREPOS GitRepos over REPOS repositories on a
# loopback git server, all synced; then one commit to every repository at once ("batch commit"),
# measured until every GitRepo has synced the new commit and its object is in the apply dir.
#
#   bench/scale.sh                      # 1,000 GitRepos over 100 repositories
#   GITREPOS=10000 REPOS=100 bench/scale.sh
#
# Each repository has P = GITREPOS/REPOS paths (p1..pP, one ConfigMap each); GitRepo number k of a
# repository deploys path pk, so every GitRepo has its own object but GitRepos share repositories
# (creating 10,000 repositories would measure git, not flotilla). The batch commit changes every
# path of every repository.
#
# Environment:
#   FLOTILLA_BIN   the binary (default: build/bin/flotilla, then build-proof/bin/flotilla)
#   GITREPOS=1000 REPOS=100 POLL=15s  sizes and every GitRepo's pollingInterval
#   GIT=daemon|http                   git daemon (default) or lighttpd + git http-backend
#   SERVER_FLAGS="..."                extra flags for `flotilla server` (e.g. --gitrepo-workers 8)
#   PERF=1                            perf record -g the server during the batch commit phase
#   TIMEOUT=900                       give up (fail) after this many seconds per phase
#   KEEP=1                            keep the scratch dir (server log, metrics, perf data)
# Prints: create time, time to all synced (initial and after the batch commit), syncs/s, server
# CPU seconds (utime+stime), peak RSS (VmHWM), sync duration and workqueue figures from /metrics,
# and a reference: `git ls-remote` wall time x GITREPOS (what polling each GitRepo with git would
# cost per round).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${FLOTILLA_BIN:-}" ]; then
  for b in "$root/build/bin/flotilla" "$root/build-proof/bin/flotilla"; do
    if [ -x "$b" ]; then FLOTILLA_BIN=$b; break; fi
  done
fi
export FLOTILLA_BIN FLOTILLA_SOURCE_DIR=$root
for tool in jq curl git; do
  command -v "$tool" >/dev/null || { echo "scale.sh needs $tool" >&2; exit 2; }
done
GITREPOS=${GITREPOS:-1000}
REPOS=${REPOS:-100}
POLL=${POLL:-15s}
GIT=${GIT:-daemon}
TIMEOUT=${TIMEOUT:-900}
read -r -a EXTRA <<<"${SERVER_FLAGS:-}"
if [ $((GITREPOS % REPOS)) -ne 0 ]; then
  echo "GITREPOS must be a multiple of REPOS" >&2
  exit 2
fi
P=$((GITREPOS / REPOS))

# shellcheck source=tests/e2e/lib.sh
. "$root/tests/e2e/lib.sh"
if [ -n "${KEEP:-}" ]; then
  trap 'rc=$?; [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null;
    "$FIXTURES/git-daemon.sh" stop "$GIT_ROOT" >/dev/null 2>&1 || true
    "$FIXTURES/git-http.sh" stop "$GIT_ROOT" >/dev/null 2>&1 || true
    echo "kept $WORK" >&2; exit $rc' EXIT
fi

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
cpu_seconds() {  # utime+stime of the server, seconds
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
    "/proc/$SERVER_PID/stat"
}
hwm_mib() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }
rss_mib() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# tree R: rewrites $WORK/tree for round R (one ConfigMap per path; name filled in per repo).
write_round() {
  local r=$1 j
  for j in $(seq 1 "$P"); do
    mkdir -p "$WORK/tree/p$j"
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c-REPO-%s\n  namespace: bench\ndata:\n  round: "%s"\n' \
      "$j" "$r" >"$WORK/tree/p$j/cm.yaml"
  done
}
# commit_round R: commits round R to every repository (8 at a time).
commit_round() {
  local r=$1
  write_round "$r"
  # shellcheck disable=SC2016 # expanded by the inner bash
  seq 1 "$REPOS" | xargs -P 8 -I{} bash -c '
    d=$(mktemp -d); cp -r "$1/tree/." "$d"; sed -i "s/c-REPO-/c-{}-/" "$d"/p*/cm.yaml
    "$2/git-repo.sh" commit "$1/git/r{}.git" master "$d" "round $3" >"$1/heads/r{}"
    rm -rf "$d"' _ "$WORK" "$FIXTURES" "$r"
}

log "flotilla: $FLOTILLA_BIN"
log "$GITREPOS GitRepos over $REPOS repositories ($P paths each), pollingInterval $POLL, git $GIT, load $(load)"
mkdir -p "$WORK/heads" "$WORK/bodies"
t=$(now)
for i in $(seq 1 "$REPOS"); do "$FIXTURES/git-repo.sh" init "$GIT_ROOT/r$i.git" master; done
commit_round 0
log "repositories created in $(elapsed "$t" "$(now)") s"
if [ "$GIT" = http ]; then
  start_git_http
  BASE=$HTTP_URL
else
  start_git_daemon
  BASE=$GIT_URL
fi

# Reference: one `git ls-remote` of a branch, averaged over 20 runs.
t=$(now)
for _ in $(seq 1 20); do git ls-remote "${BASE}r1.git" refs/heads/master >/dev/null; done
LSREMOTE=$(awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.4f", (b - a) / 20 }')
log "git ls-remote: $LSREMOTE s per call"

start_server "${EXTRA[@]}" --log-level warn
log "server pid $SERVER_PID at $API"

# Create the GitRepos: JSON bodies POSTed by 4 curl processes, each reusing one connection.
for c in 0 1 2 3; do : >"$WORK/curl$c.cfg"; done
n=0
for i in $(seq 1 "$REPOS"); do
  for j in $(seq 1 "$P"); do
    n=$((n + 1))
    printf '{"apiVersion":"fleet.cattle.io/v1alpha1","kind":"GitRepo","metadata":{"name":"g-%s-%s","namespace":"fleet-local","labels":{"bench":"scale"}},"spec":{"repo":"%sr%s.git","branch":"master","pollingInterval":"%s","paths":["p%s"]}}' \
      "$i" "$j" "$BASE" "$i" "$POLL" "$j" >"$WORK/bodies/$n.json"
    printf 'url = "%s/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-local/gitrepos"\ndata-binary = "@%s"\nheader = "Content-Type: application/json"\nheader = "@%s"\ncacert = "%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\nnext\n' \
      "$API" "$WORK/bodies/$n.json" "$WORK/auth-header" "$E2E_CA" >>"$WORK/curl$((n % 4)).cfg"
  done
done
for c in 0 1 2 3; do sed -i '$d' "$WORK/curl$c.cfg"; done  # no "next" after the last request
cpu0=$(cpu_seconds)
t_create=$(now)
pids=()
for c in 0 1 2 3; do
  curl -sS -K "$WORK/curl$c.cfg" >"$WORK/curl$c.out" &
  pids+=($!)
done
wait "${pids[@]}"
t_created=$(now)
created=$(cat "$WORK"/curl?.out | grep -c '^201$' || true)
[ "$created" -eq "$GITREPOS" ] || fail "created $created of $GITREPOS GitRepos: $(sort "$WORK"/curl?.out | uniq -c | tr '\n' ' ')"
log "created $GITREPOS GitRepos in $(elapsed "$t_create" "$t_created") s ($(awk -v n="$GITREPOS" -v a="$t_create" -v b="$t_created" 'BEGIN { printf "%.0f", n / (b - a) }')/s)"

# applied_count R: how many GitRepos' objects are in the apply dir at round R.
applied_count() {
  { grep -rlE "^  round: \"?$1\"?\$" "$WORK/apply/bench/configmap" 2>/dev/null || true; } | wc -l
}
# synced_count: GitRepos whose status.commit is their repository's head (one list).
synced_count() {
  local heads
  heads=$(for i in $(seq 1 "$REPOS"); do printf '"r%s":"%s",' "$i" "$(cat "$WORK/heads/r$i")"; done)
  acurl -fsS "$API/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-local/gitrepos?labelSelector=bench%3Dscale" |
    jq --argjson h "{${heads%,}}" \
      '[.items[] | select(.status.commit == $h[(.spec.repo | capture("/(?<r>r[0-9]+)\\.git$").r)])] | length'
}
# wait_all R DESC: waits until all GitRepos' objects are applied at round R, then until all report
# the head (checked with a list, only once the apply dir is complete); prints progress.
wait_all() {
  local r=$1 desc=$2 start deadline a s next_log
  start=$(now)
  deadline=$((SECONDS + TIMEOUT))
  next_log=$((SECONDS + 10))
  while true; do
    a=$(applied_count "$r")
    if [ "$a" -ge "$GITREPOS" ]; then
      T_APPLIED=$(now)
      break
    fi
    [ $SECONDS -lt "$deadline" ] || fail "timeout: $desc: applied $a/$GITREPOS"
    if [ $SECONDS -ge "$next_log" ]; then
      log "  $desc: applied $a/$GITREPOS after $(elapsed "$start" "$(now)") s, RSS $(rss_mib) MiB, load $(load)"
      next_log=$((SECONDS + 10))
    fi
    sleep 0.5
  done
  while true; do
    s=$(synced_count)
    if [ "$s" -ge "$GITREPOS" ]; then
      T_SYNCED=$(now)
      break
    fi
    [ $SECONDS -lt "$deadline" ] || fail "timeout: $desc: status.commit $s/$GITREPOS"
    sleep 0.5
  done
}

wait_all 0 "initial sync"
cpu1=$(cpu_seconds)
INIT_APPLIED=$(elapsed "$t_create" "$T_APPLIED")
INIT_SYNCED=$(elapsed "$t_create" "$T_SYNCED")
log "initial: all applied $INIT_APPLIED s, all status.commit $INIT_SYNCED s after the first POST; CPU $(elapsed "$cpu0" "$cpu1") s; RSS $(rss_mib) MiB"
acurl -fsS "$API/metrics" >"$WORK/metrics.initial"
sleep 2

# The batch commit.
cpu2=$(cpu_seconds)
t_commit=$(now)
commit_round 1
t_committed=$(now)
log "batch commit: $REPOS repositories in $(elapsed "$t_commit" "$t_committed") s"
if [ -n "${PERF:-}" ]; then
  perf record -g -F 499 -p "$SERVER_PID" -o "$WORK/perf.data" >/dev/null 2>&1 &
  PERF_PID=$!
fi
wait_all 1 "batch commit"
if [ -n "${PERF:-}" ]; then
  kill -INT "$PERF_PID"
  wait "$PERF_PID" 2>/dev/null || true
  perf report -i "$WORK/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
    grep -v '^#' | grep '%' | head -40 >"$WORK/perf.txt" || true
fi
cpu3=$(cpu_seconds)
acurl -fsS "$API/metrics" >"$WORK/metrics.final"
BATCH_APPLIED=$(elapsed "$t_committed" "$T_APPLIED")
BATCH_SYNCED=$(elapsed "$t_committed" "$T_SYNCED")
BATCH_SYNCED0=$(elapsed "$t_commit" "$T_SYNCED")
BATCH_CPU=$(elapsed "$cpu2" "$cpu3")

metric() {  # metric FILE NAME_WITH_LABELS: value (0 if absent)
  awk -v m="$2" '$1 == m { v = $2 } END { print v + 0 }' "$1"
}
syncs0=$(metric "$WORK/metrics.initial" 'flotilla_gitrepo_syncs_total{result="success"}')
syncs1=$(metric "$WORK/metrics.final" 'flotilla_gitrepo_syncs_total{result="success"}')
polls1=$(metric "$WORK/metrics.final" 'flotilla_gitrepo_polls_total{result="success"}')
pollerr=$(metric "$WORK/metrics.final" 'flotilla_gitrepo_polls_total{result="error"}')
dsum=$(metric "$WORK/metrics.final" flotilla_gitrepo_sync_duration_seconds_sum)
dcount=$(metric "$WORK/metrics.final" flotilla_gitrepo_sync_duration_seconds_count)

echo
echo "== flotilla scale benchmark: $GITREPOS GitRepos over $REPOS repositories ($GIT), pollingInterval $POLL =="
echo "server flags: ${SERVER_FLAGS:-(defaults)}; cores: $(nproc); load at end: $(load)"
printf '%-44s %s\n' \
  "create ($GITREPOS POSTs, 4 clients)" "$(elapsed "$t_create" "$t_created") s" \
  "initial: all applied / all status.commit" "$INIT_APPLIED s / $INIT_SYNCED s (from first POST)" \
  "batch commit: all applied / all status.commit" "$BATCH_APPLIED s / $BATCH_SYNCED s (from the last ref update; $BATCH_SYNCED0 s from the first)" \
  "batch commit syncs/s" "$(awk -v n="$GITREPOS" -v t="$BATCH_SYNCED" 'BEGIN { printf "%.0f", n / t }')" \
  "server CPU: initial / batch" "$(elapsed "$cpu0" "$cpu1") s / $BATCH_CPU s" \
  "peak RSS (VmHWM)" "$(hwm_mib) MiB" \
  "successful syncs (initial, batch)" "$syncs0, $((${syncs1%.*} - ${syncs0%.*}))" \
  "polls ok / failed (whole run)" "$polls1 / $pollerr" \
  "mean sync duration (whole run)" "$(awk -v s="$dsum" -v c="$dcount" 'BEGIN { printf "%.1f ms", c ? 1000 * s / c : 0 }')" \
  "git ls-remote per call (reference)" "$LSREMOTE s" \
  "git ls-remote x $GITREPOS (one poll round, serial)" "$(awk -v l="$LSREMOTE" -v n="$GITREPOS" 'BEGIN { printf "%.1f s", l * n }')" \
  "batch all-synced / (ls-remote x $GITREPOS)" "$(awk -v l="$LSREMOTE" -v n="$GITREPOS" -v t="$BATCH_SYNCED" 'BEGIN { printf "%.2f", t / (l * n) }')"
echo "-- /metrics (final) --"
grep -E '^(flotilla_gitrepo_oldest_unsynced_seconds|workqueue_(adds_total|retries_total|depth)|flotilla_gitrepo_sync_duration_seconds_(sum|count)|workqueue_(queue|work)_duration_seconds_(sum|count))' \
  "$WORK/metrics.final" || true
if [ -n "${PERF:-}" ]; then
  echo "-- perf (batch commit phase, top symbols) --"
  cat "$WORK/perf.txt"
fi
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
SERVER_PID=""
