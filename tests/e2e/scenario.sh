# shellcheck shell=bash
# The "many GitRepos changed at once" scenario (sourced after lib.sh), shared by thirty_test.sh,
# kill9_test.sh and bench/thirty.sh: N repositories, one GitRepo each, every commit round changes
# every repository. Round R of repository I holds two ConfigMaps in namespace `scenario`:
#   cm-I        with data.round = "R"          (an object that changes)
#   x-I-R       a new object each round        (the previous round's one must be pruned)
# so "converged at round R" means: every GitRepo's status.commit is its repository's head, and the
# apply directory holds exactly cm-I at round R and x-I-R for every I.
set -euo pipefail

SCENARIO_NS=scenario

# scenario_tree I R: writes repository I's tree for round R into $WORK/src/rI (replacing it).
scenario_tree() {
  local i=$1 r=$2 d="$WORK/src/r$1"
  rm -rf "$d"
  mkdir -p "$d/app"
  cat >"$d/app/cm.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-$i
  namespace: $SCENARIO_NS
data:
  round: "$r"
  repo: "r$i"
YAML
  cat >"$d/app/extra.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: x-$i-$r
  namespace: $SCENARIO_NS
data:
  round: "$r"
YAML
}

# scenario_repos N: creates repositories r1..rN at round 0; heads in $WORK/heads/rI.
scenario_repos() {
  local n=$1 i
  mkdir -p "$WORK/heads"
  for i in $(seq 1 "$n"); do
    scenario_tree "$i" 0
    new_repo "r$i" "$WORK/src/r$i" >"$WORK/heads/r$i"
  done
  echo 0 >"$WORK/round"
}

# scenario_gitrepos N URL_FOR_ODD URL_FOR_EVEN MIN_S MAX_S: writes $WORK/gitrepos.yaml, one GitRepo
# per repository (odd ones through the first base URL, even ones through the second), with
# pollingInterval spread over MIN_S..MAX_S seconds.
scenario_gitrepos() {
  local n=$1 odd=$2 even=$3 min=$4 max=$5 i url
  : >"$WORK/gitrepos.yaml"
  for i in $(seq 1 "$n"); do
    url=$odd
    if [ $((i % 2)) -eq 0 ]; then url=$even; fi
    cat >>"$WORK/gitrepos.yaml" <<YAML
---
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: r$i
  namespace: fleet-local
  labels:
    flotilla-test: scenario
spec:
  repo: ${url}r$i.git
  branch: master
  pollingInterval: $((min + (i - 1) % (max - min + 1)))s
  paths:
  - app
YAML
  done
}

# scenario_commit_all N R: commits round R to every repository at once (in parallel); records the
# heads in $WORK/heads/rI and the time each ref was updated in $WORK/committed/rI (epoch seconds).
scenario_commit_all() {
  local n=$1 r=$2 i pids=()
  mkdir -p "$WORK/committed"
  for i in $(seq 1 "$n"); do scenario_tree "$i" "$r"; done
  for i in $(seq 1 "$n"); do
    (
      commit_repo "r$i" "$WORK/src/r$i" "round $r" >"$WORK/heads/r$i.new"
      date +%s.%N >"$WORK/committed/r$i"
      mv "$WORK/heads/r$i.new" "$WORK/heads/r$i"
    ) &
    pids+=($!)
  done
  # Not a bare `wait`: that would wait for the server too.
  for i in "${pids[@]}"; do wait "$i" || fail "commit failed"; done
  echo "$r" >"$WORK/round"
}

# scenario_commits: prints "rI COMMIT" per GitRepo as the server reports them (sorted).
scenario_commits() {
  kc get gitrepos -n fleet-local -l flotilla-test=scenario \
    -o 'jsonpath={range .items[*]}{.metadata.name}{" "}{.status.commit}{"\n"}{end}' | sort
}

# scenario_expected N: prints "rI HEAD" per repository (sorted like scenario_commits).
scenario_expected() {
  local i
  for i in $(seq 1 "$1"); do echo "r$i $(cat "$WORK/heads/r$i")"; done | sort
}

# scenario_applied_ok N R: true iff the apply dir holds exactly round R's objects.
scenario_applied_ok() {
  local n=$1 r=$2 i dir="$WORK/apply/$SCENARIO_NS/configmap"
  for i in $(seq 1 "$n"); do
    grep -q "^  round: \"\\?$r\"\\?\$" "$dir/cm-$i.yaml" 2>/dev/null || return 1
    [ -f "$dir/x-$i-$r.yaml" ] || return 1
  done
  # Exactly 2 objects per repository: every earlier round's x-I-* was pruned.
  [ "$(find "$dir" -maxdepth 1 -name '*.yaml' | wc -l)" -eq $((2 * n)) ]
}

# scenario_converged N: true iff every GitRepo reports its head as status.commit and the apply
# dir holds the current round exactly.
scenario_converged() {
  local n=$1
  [ "$(scenario_commits)" = "$(scenario_expected "$n")" ] || return 1
  scenario_applied_ok "$n" "$(cat "$WORK/round")"
}

# scenario_progress N: "synced/N applied/N" for logs.
scenario_progress() {
  local n=$1 synced applied=0 i r dir="$WORK/apply/$SCENARIO_NS/configmap"
  r=$(cat "$WORK/round")
  synced=$(comm -12 <(scenario_commits 2>/dev/null || true) <(scenario_expected "$n") | wc -l)
  for i in $(seq 1 "$n"); do
    if grep -q "^  round: \"\\?$r\"\\?\$" "$dir/cm-$i.yaml" 2>/dev/null; then
      applied=$((applied + 1))
    fi
  done
  echo "synced $synced/$n applied $applied/$n"
}

# scenario_wait N DESC: waits until scenario_converged N, logging progress every ~10 s; fails
# after E2E_WAIT_SECONDS (default 120) with the progress and the GitRepos that lag.
scenario_wait() {
  local n=$1 desc=$2 deadline=$((SECONDS + ${E2E_WAIT_SECONDS:-120})) next_log=$((SECONDS + 10))
  until scenario_converged "$n" 2>/dev/null; do
    if [ $SECONDS -ge "$deadline" ]; then
      log "$(scenario_progress "$n")"
      diff <(scenario_expected "$n") <(scenario_commits) >&2 || true
      fail "timed out waiting for: $desc"
    fi
    if [ $SECONDS -ge $next_log ]; then
      log "waiting for $desc: $(scenario_progress "$n")"
      next_log=$((SECONDS + 10))
    fi
    sleep 0.2
  done
  log "ok: $desc"
}
