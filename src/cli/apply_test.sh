#!/usr/bin/env bash
# Runs the real `flotilla apply` and checks stdout, stderr and the exit code.
# Usage: apply_test.sh FLOTILLA_BINARY TESTDATA_DIR
set -euo pipefail
bin=$1
testdata=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A repository with a fleet.yaml bundle, printed as Fleet prints it.
cd "$testdata/nested-fleet-yaml/repo"
COMMIT=c0ffee "$bin" apply -o - -n my-ns --label team=a --label tier=b nest . >"$tmp/out" 2>"$tmp/err" ||
  fail "apply exited $? ($(cat "$tmp/err"))"
[ ! -s "$tmp/err" ] || fail "unexpected stderr: $(cat "$tmp/err")"
[ "$(grep -c '^kind: Bundle$' "$tmp/out")" = 4 ] || fail "want 4 bundles: $(cat "$tmp/out")"
[ "$(grep -c '^---$' "$tmp/out")" = 3 ] || fail "want 3 separators"
grep -q '^  name: nest-apps-web-inner$' "$tmp/out" || fail "missing nest-apps-web-inner"
grep -q '^  namespace: my-ns$' "$tmp/out" || fail "-n not honoured"
grep -q 'fleet.cattle.io/commit: c0ffee' "$tmp/out" || fail "env COMMIT not honoured"
grep -q '    team: a$' "$tmp/out" || fail "--label not honoured"
# --commit wins over COMMIT; the output parses as YAML documents.
COMMIT=c0ffee "$bin" apply -o - --commit abc123 nest apps/web >"$tmp/out2"
grep -q 'fleet.cattle.io/commit: abc123' "$tmp/out2" || fail "--commit not honoured"
grep -q '^  name: nest-apps-web$' "$tmp/out2" || fail "apps/web not named nest-apps-web"

# --driven-scan (GitRepo spec.bundles): each BASE[:OPTIONS] is one bundle, no recursion.
"$bin" apply -o - --driven-scan --commit x nest apps/web apps/web:inner/fleet.yaml >"$tmp/driven"
[ "$(grep -c '^kind: Bundle$' "$tmp/driven")" = 2 ] || fail "driven: want 2 bundles: $(cat "$tmp/driven")"
grep -q '^  name: nest-apps-web$' "$tmp/driven" || fail "driven: nest-apps-web"
grep -q '^  name: nest-apps-web-inner-fleet$' "$tmp/driven" || fail "driven: options-file bundle name"
if "$bin" apply -o - --driven-scan nest 'a:b:c' >"$tmp/out" 2>"$tmp/err"; then fail "a:b:c accepted"; fi
grep -q 'invalid bundle path' "$tmp/err" || fail "driven bad path: $(cat "$tmp/err")"

# -o FILE writes the file, nothing on stdout.
"$bin" apply -o "$tmp/sub/bundles.yaml" nest apps/db >"$tmp/out3"
[ ! -s "$tmp/out3" ] || fail "stdout not empty with -o FILE"
grep -q '^  name: nest-apps-db$' "$tmp/sub/bundles.yaml" || fail "-o FILE not written"

# Errors: stderr names bundle, file, line and field; stdout stays empty; exit code non-zero.
cd "$testdata/fleet-yaml-typo/repo"
if "$bin" apply -o - test app >"$tmp/out" 2>"$tmp/err"; then fail "typo accepted"; fi
[ ! -s "$tmp/out" ] || fail "stdout not empty on error: $(cat "$tmp/out")"
grep -q 'bundle "test-app" (app): app/fleet.yaml:3: defaultNamespce: unknown field' "$tmp/err" ||
  fail "bad error message: $(cat "$tmp/err")"

# Missing arguments and unsupported modes are errors too.
if "$bin" apply -o - >"$tmp/out" 2>"$tmp/err"; then fail "no BUNDLE_NAME accepted"; fi
grep -q 'BUNDLE_NAME' "$tmp/err" || fail "no BUNDLE_NAME: $(cat "$tmp/err")"
if "$bin" apply test . >"$tmp/out" 2>"$tmp/err"; then fail "apply without -o accepted"; fi
grep -q 'use -o -' "$tmp/err" || fail "no -o: $(cat "$tmp/err")"
echo PASS
