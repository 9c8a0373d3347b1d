#!/usr/bin/env bash
# Agents benchmark (on demand, never in ctest): starts the real `flotilla server` with its secure
# defaults (TLS, tokens, RBAC), then bench/agents/agents_bench plays AGENTS agents — each its own
# ServiceAccount token and its own TLS watch on its cluster namespace — and times a GitRepo, then
# a commit, reaching all of them: every agent applied (its Content fetched by ID, unpacked, its
# status written) and the GitRepo N/N ready. Prints the server's RSS and threads.
# WATCH_ONLY=1 holds the watches and measures what they cost (for 10,000).
#
#   bench/agents.sh                          # 1,000 agents, a GitRepo then a commit
#   AGENTS=10000 WATCH_ONLY=1 bench/agents.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
FLOTILLA_BIN=${FLOTILLA_BIN:-$root/build/bin/flotilla}
BENCH=${AGENTS_BENCH:-$root/build/bench/agents_bench}
export FLOTILLA_BIN FLOTILLA_SOURCE_DIR=$root
[ -x "$BENCH" ] || { echo "build it first: ./scripts/build agents_bench flotilla" >&2; exit 2; }
# shellcheck source=tests/e2e/lib.sh
. "$root/tests/e2e/lib.sh"
trap 'cleanup $?' EXIT
ulimit -n "$(ulimit -Hn)"

start_git_daemon
mkdir -p "$WORK/repo"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  version: "1"\n' \
  >"$WORK/repo/cm.yaml"
printf 'defaultNamespace: app\n' >"$WORK/repo/fleet.yaml"
new_repo app "$WORK/repo" >/dev/null
# The second commit, run by the driver when the first has reached everyone; prints its id.
cat >"$WORK/commit.sh" <<SH
#!/usr/bin/env bash
sed -i 's/version: "1"/version: "2"/' "$WORK/repo/cm.yaml"
"$root/tests/fixtures/git-repo.sh" commit "$GIT_ROOT/app.git" master "$WORK/repo" "version 2"
SH
chmod +x "$WORK/commit.sh"

# INSECURE=1: plain HTTP on loopback (tokens and RBAC still checked), to see what TLS costs.
if [ "${INSECURE:-0}" = 1 ]; then start_server --log-level warn --insecure-http; else start_server --log-level warn; fi
wait_until "server ready" acurl -fsS "$API/readyz"
echo "flotilla server pid $SERVER_PID on $API; $(nproc) cores"
printf '%s\n' "$E2E_TOKEN" >"$WORK/admin-token"
args=(--server "$API" --ca "$E2E_CA" --admin-token-file "$WORK/admin-token" --pid "$SERVER_PID"
  --agents "${AGENTS:-1000}")
if [ "${WATCH_ONLY:-0}" = 1 ]; then
  args+=(--watch-only)
else
  args+=(--repo "${GIT_URL}app.git" --commit-cmd "$WORK/commit.sh")
fi
"$BENCH" "${args[@]}"
