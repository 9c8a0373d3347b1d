#!/usr/bin/env bash
# Differential test: runs `kubectl kustomize` (kustomize v5) live on every golden case of
# testdata/ and diffs it with flotilla's output. Skipped (exit 77) without kustomize v5.
set -u
BIN=$1
DATA=$2
if ! command -v kubectl >/dev/null 2>&1; then
  echo "SKIP: kubectl not found"
  exit 77
fi
VER=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: //p')
case "$VER" in
  v5.*) ;;
  *) echo "SKIP: kubectl kustomize is not kustomize v5 (got '${VER:-none}')"; exit 77 ;;
esac
fail=0
n=0
for dir in "$DATA"/*/; do
  name=$(basename "$dir")
  # kustomize itself spends minutes on the alias bomb before the kernel kills it.
  [ "$name" = error_alias_bomb ] && continue
  n=$((n + 1))
  if [ -f "$dir/expected_error.txt" ]; then
    if kubectl kustomize "$dir" >/dev/null 2>&1; then
      echo "FAIL $name: kustomize accepts an input flotilla must refuse"; fail=1
    fi
    if "$BIN" build "$dir" >/dev/null 2>&1; then
      echo "FAIL $name: flotilla accepts an input kustomize refuses"; fail=1
    fi
    continue
  fi
  want=$(kubectl kustomize "$dir" 2>/dev/null) || { echo "FAIL $name: kustomize failed: $want"; fail=1; continue; }
  got=$("$BIN" build "$dir" 2>&1) || { echo "FAIL $name: flotilla failed: $got"; fail=1; continue; }
  if [ "$want" != "$got" ]; then
    echo "FAIL $name: output differs from kubectl kustomize:"
    diff <(echo "$want") <(echo "$got") | head -20
    fail=1
  fi
done
echo "$n cases compared with kustomize $VER"
exit $fail
