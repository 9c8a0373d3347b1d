#!/usr/bin/env bash
# Fleet's seed scenario, for real: 30 GitRepos (each its own repository, half served by
# `git daemon`, half by lighttpd + git http-backend), all applied; then every repository gets a
# commit at once, twice. Every GitRepo must reach its new head (status.commit) and the apply
# directory must hold exactly the new objects (changed ones updated, removed ones pruned).
# Correctness only: no timing is asserted (bench/thirty.sh measures).
#   FLOTILLA_THIRTY_N=30        number of GitRepos/repositories
#   FLOTILLA_THIRTY_ROUNDS=2    commit rounds after the initial sync
# shellcheck disable=SC2119 # start_server takes optional flags
here=$(dirname "$0")
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/e2e/scenario.sh
. "$here/scenario.sh"

N=${FLOTILLA_THIRTY_N:-30}
ROUNDS=${FLOTILLA_THIRTY_ROUNDS:-2}
export E2E_WAIT_SECONDS=${E2E_WAIT_SECONDS:-180}

start_git_daemon
start_git_http
log "creating $N repositories"
scenario_repos "$N"
start_server
scenario_gitrepos "$N" "$GIT_URL" "$HTTP_URL" 1 5
kc apply -f "$WORK/gitrepos.yaml" >/dev/null
log "created $N GitRepos"
scenario_wait "$N" "all $N GitRepos synced and applied at round 0"

for r in $(seq 1 "$ROUNDS"); do
  scenario_commit_all "$N" "$r"
  log "round $r committed to all $N repositories"
  scenario_wait "$N" "all $N GitRepos at round $r"
done

# Every GitRepo is Ready with its one BundleDeployment, and the lost-sync alarm is back at 0.
ready=$(kc get gitrepos -n fleet-local -l flotilla-test=scenario \
  -o 'jsonpath={range .items[*]}{.status.display.readyBundleDeployments}{"\n"}{end}' |
  grep -c '^1/1$' || true)
[ "$ready" -eq "$N" ] || fail "only $ready/$N GitRepos show readyBundleDeployments 1/1"
alarm_zero() {
  grep -q '^flotilla_gitrepo_oldest_unsynced_seconds 0$' <<<"$(acurl -fsS "$API/metrics")"
}
wait_until "lost-sync alarm at 0" alarm_zero

kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "server exit code $?"
SERVER_PID=""
log "PASS"
