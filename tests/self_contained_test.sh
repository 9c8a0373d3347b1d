#!/usr/bin/env bash
# The project must build and test from any clone, with nothing beside it: no tracked file may
# point outside the repository (a sibling ../shared, this machine's /work/..., an environment
# variable naming such a directory). Checked over `git ls-files`, so it costs well under a second;
# .ci/run runs it through ctest. Exit 77 (skipped) outside a git checkout.
#
# In the build and test plumbing (CMake, scripts, CI, shell tests, READMEs) any "../shared" or a
# parent of the source tree counts; in all files the machine-specific names below count. A test
# tree that merely contains a relative path such as "../shared/values.yaml" inside a repository it
# builds in memory is not a reference outside the clone, hence the split.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "not a git checkout: nothing to check"
  exit 77
fi
self=tests/self_contained_test.sh
# Split so that this file does not match itself.
everywhere="FLOTILLA_SHARED""_DIR|shared/""oracles|/wo""rk/"
plumbing="\\.\\./sha""red|SOURCE_DIR\\}/\\.\\."
found=0
# git grep exits 1 when nothing matches, which is the passing case.
git grep -n -I -E "$everywhere" -- . ":!$self" && found=1
git grep -n -I -E "$plumbing" -- CMakeLists.txt '*/CMakeLists.txt' '*.cmake' scripts .ci '*.sh' \
  '*README.md' ":!$self" && found=1
if [ "$found" -ne 0 ]; then
  echo "FAIL: the lines above refer to paths outside the repository; a fresh clone has none of them"
  exit 1
fi
echo "ok: $(git ls-files | wc -l) tracked files refer to nothing outside the repository"
