#!/usr/bin/env bash
# The store benchmark on SQLite and PostgreSQL in one run: starts a throwaway PostgreSQL
# (tests/fixtures/postgres.sh, default durability: fsync on, synchronous_commit on) and runs
# store_bench --postgres against it; prints both columns side by side.
#
#   bench/store/compare.sh [BUILD_DIR] [store_bench flags, e.g. --objects 10000 --threads 8]
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
shift || true
root=$(mktemp -d "${TMPDIR:-/tmp}/flotilla-pgbench.XXXXXX")
trap '"$src/tests/fixtures/postgres.sh" stop "$root" >/dev/null 2>&1; rm -rf "$root"' EXIT
url=$(FIXTURE_OWNER_PID=$$ "$src/tests/fixtures/postgres.sh" start "$root")
"$build/bin/store_bench" --postgres "$url" "$@"
