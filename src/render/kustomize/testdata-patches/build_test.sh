#!/usr/bin/env bash
# Runs `flotilla-kustomize build` on every case here and checks its output is byte-identical to
# the expected.yaml recorded from kubectl kustomize (or that it fails, for error cases).
# Usage: build_test.sh FLOTILLA_KUSTOMIZE_BINARY TESTDATA_DIR
set -u
bin=$1
cd "$2"
fail=0
for d in */; do
  d=${d%/}
  if [[ -f $d/error.txt ]]; then
    if (cd "$d" && "$bin" build . >/dev/null 2>&1); then echo "FAIL $d: expected an error"; fail=1; fi
  elif ! diff -u "$d/expected.yaml" <(cd "$d" && "$bin" build . 2>&1); then
    echo "FAIL $d: output differs from kubectl kustomize"
    fail=1
  fi
done
exit $fail
