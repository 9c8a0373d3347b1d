#!/usr/bin/env bash
# kill -9 at random moments: the seed scenario (N GitRepos, each its own repository, git daemon and
# lighttpd + git http-backend), several rounds of "commit to every repository at once", with the
# server killed by SIGKILL at random moments (while GitRepos are created, polled, synced, applied;
# sometimes a round is committed while it is down) and restarted on the same data dir. After each
# round it must converge with nothing lost: every GitRepo's status.commit is its head, the apply
# dir holds exactly the head's objects (updated and pruned), and the SQLite file passes
# `PRAGMA integrity_check` after every kill.
#   FLOTILLA_KILL9_N=20          GitRepos/repositories
#   FLOTILLA_KILL9_ROUNDS=4      commit rounds (each with 1-3 kills); e.g. 50 for a long run
#   FLOTILLA_KILL9_SEED=S        replay the random choices of a run (sleeps, kills, when to commit)
# shellcheck disable=SC2119 # start_server takes optional flags
here=$(dirname "$0")
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/e2e/scenario.sh
. "$here/scenario.sh"

N=${FLOTILLA_KILL9_N:-20}
ROUNDS=${FLOTILLA_KILL9_ROUNDS:-4}
SEED=${FLOTILLA_KILL9_SEED:-$(($(date +%s%N) % 1000000))}
RANDOM=$SEED
log "seed $SEED (replay the choices with FLOTILLA_KILL9_SEED=$SEED), $N GitRepos, $ROUNDS rounds"
export E2E_WAIT_SECONDS=${E2E_WAIT_SECONDS:-180}
DB="$WORK/data/flotilla.db"
KILLS=0
round=0

integrity_ok() {
  local out
  out=$(sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1) || fail "sqlite3 failed: $out"
  [ "$out" = ok ] || fail "integrity_check after kill $KILLS: $out"
}

# random_sleep MAX_TENTHS: sleeps 0..MAX_TENTHS tenths of a second.
random_sleep() {
  local t=$((RANDOM % ($1 + 1)))
  sleep "$((t / 10)).$((t % 10))"
}

kill9() {
  kill -KILL "$SERVER_PID" 2>/dev/null || fail "server died by itself (see log)"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  KILLS=$((KILLS + 1))
  integrity_ok
}

# chaos: 1-3 times: let the server run 0-1.5 s, kill -9 it, sometimes commit a new round while it is
# down, restart it. MIDFLIGHT counts the kills that hit a server with work left (not converged).
MIDFLIGHT=0
chaos() {
  local _k state kills=$((1 + RANDOM % 3))
  for _k in $(seq 1 "$kills"); do
    random_sleep 15
    state="converged"
    if ! scenario_converged "$N" 2>/dev/null; then
      state="mid-flight"
      MIDFLIGHT=$((MIDFLIGHT + 1))
    fi
    kill9
    if [ $((RANDOM % 3)) -eq 0 ]; then
      round=$((round + 1))
      scenario_commit_all "$N" "$round"
      log "kill $KILLS ($state); round $round committed while the server is down"
    else
      log "kill $KILLS ($state)"
    fi
    start_server
  done
}

start_git_daemon
start_git_http
scenario_repos "$N"
scenario_gitrepos "$N" "$GIT_URL" "$HTTP_URL" 1 3
start_server
kc apply -f "$WORK/gitrepos.yaml" >/dev/null
log "created $N GitRepos"
chaos
scenario_wait "$N" "all $N GitRepos at round $round after $KILLS kills"

for _ in $(seq 1 "$ROUNDS"); do
  round=$((round + 1))
  scenario_commit_all "$N" "$round"
  log "round $round committed to all $N repositories"
  chaos
  scenario_wait "$N" "all $N GitRepos at round $round after $KILLS kills"
done

alarm_zero() {
  grep -q '^flotilla_gitrepo_oldest_unsynced_seconds 0$' <<<"$(acurl -fsS "$API/metrics")"
}
wait_until "lost-sync alarm at 0" alarm_zero
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "server exit code $?"
SERVER_PID=""
integrity_ok
log "PASS: seed $SEED, $KILLS kills ($MIDFLIGHT mid-flight), $round rounds"
