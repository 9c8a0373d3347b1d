#!/usr/bin/env bash
# Records expected.yaml for every case without error.txt from `kubectl kustomize` (kustomize
# v5.5), and checks that kustomize fails the error cases too. Run once per new case; review.
set -u
cd "$(dirname "$0")"
for d in */; do
  d=${d%/}
  if [[ -f $d/error.txt ]]; then
    if kubectl kustomize "$d" >/dev/null 2>&1; then echo "$d: kustomize did not fail"; fi
  else
    kubectl kustomize "$d" > "$d/expected.yaml" || echo "$d: kustomize failed"
  fi
done
