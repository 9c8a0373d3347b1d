#!/usr/bin/env bash
# Remote charts against real servers on loopback, through `flotilla helm template`:
#  - a chart repository served as static files by lighttpd over HTTPS with basic auth and a
#    throwaway CA (index.yaml + .tgz packaged here with tar);
#  - Debian's docker-registry (distribution) with charts pushed through its HTTP API: anonymous,
#    htpasswd basic auth, and the Bearer token flow (a token server issuing signed JWTs).
# Usage: chartsource_servers_test.sh HELM_TEMPLATE_BIN   (flotilla-helm-template)
set -uo pipefail
bin=${1:?usage: $0 HELM_TEMPLATE_BIN}
src=$(cd "$(dirname "$0")/../../.." && pwd)
fixtures=$src/tests/fixtures
work=$(mktemp -d)
export FIXTURE_OWNER_PID=$$
failures=0
cleanup() {
  bash "$fixtures/static-http.sh" stop "$work/repo" >/dev/null 2>&1
  bash "$fixtures/git-http.sh" stop "$work/hung" >/dev/null 2>&1
  for r in reg-anon reg-basic reg-token reg-tls; do
    bash "$fixtures/oci-registry.sh" stop "$work/$r" >/dev/null 2>&1
  done
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# expect_out NAME WANT CMD...: the command succeeds and its stdout contains WANT.
expect_out() {
  local name=$1 want=$2 out
  shift 2
  if ! out=$("$@" 2>&1); then fail "$name: exit $? ($out)"; return; fi
  grep -qF -- "$want" <<<"$out" || fail "$name: output lacks '$want': $out"
  echo "ok: $name"
}
# expect_err NAME WANT CMD...: the command fails, stdout is empty, stderr contains WANT and no
# secret.
expect_err() {
  local name=$1 want=$2 out err
  shift 2
  if out=$("$@" 2>"$work/err"); then fail "$name: succeeded: $out"; return; fi
  err=$(cat "$work/err")
  [ -z "$out" ] || fail "$name: stdout not empty: $out"
  grep -qF -- "$want" <<<"$err" || fail "$name: stderr lacks '$want': $err"
  if grep -qE 's3cret|hunter2|tok-pass' <<<"$err"; then fail "$name: a secret leaked: $err"; fi
  echo "ok: $name -> $err"
}

# package NAME VERSION OUT_DIR: a chart whose ConfigMap says which version rendered it.
package() {
  local name=$1 version=$2 out=$3 d
  d=$(mktemp -d)
  mkdir -p "$d/$name/templates"
  printf 'apiVersion: v2\nname: %s\nversion: %s\n' "$name" "$version" >"$d/$name/Chart.yaml"
  printf 'greeting: hello\n' >"$d/$name/values.yaml"
  cat >"$d/$name/templates/cm.yaml" <<'T'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-{{ .Chart.Name }}
data:
  version: {{ .Chart.Version | quote }}
  greeting: {{ .Values.greeting | quote }}
T
  tar -C "$d" -czf "$out/$name-$version.tgz" "$name"
  rm -rf "$d"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

# ---- chart repository over HTTPS with basic auth -------------------------------------------
repo=$work/repo
mkdir -p "$repo/charts" "$repo/dl"
for v in 1.0.0 1.2.0 2.0.0-rc.1; do package web "$v" "$repo/charts"; done
package db 0.3.0 "$repo/dl"
# a "chart" without Chart.yaml, and one whose index digest is wrong
mkdir -p "$work/bogus/bogus" && echo 'x: 1' >"$work/bogus/bogus/values.yaml"
tar -C "$work/bogus" -czf "$repo/charts/bogus-1.0.0.tgz" bogus
cp "$repo/charts/web-1.0.0.tgz" "$repo/charts/tampered-1.0.0.tgz"
cat >"$repo/index.yaml" <<EOF2
apiVersion: v1
entries:
  web:
  - name: web
    version: 1.0.0
    urls: [charts/web-1.0.0.tgz]
    digest: $(sha "$repo/charts/web-1.0.0.tgz")
  - name: web
    version: 2.0.0-rc.1
    urls: [./charts/web-2.0.0-rc.1.tgz]
    digest: $(sha "$repo/charts/web-2.0.0-rc.1.tgz")
  - name: web
    version: 1.2.0
    urls: [charts/web-1.2.0.tgz]
  db:
  - name: db
    version: 0.3.0
    urls: [/dl/db-0.3.0.tgz]
  bogus:
  - name: bogus
    version: 1.0.0
    urls: [charts/bogus-1.0.0.tgz]
  numeric:
  - name: numeric
    version: 1.0
    digest: 1234
    urls: [charts/web-1.0.0.tgz]
  tampered:
  - name: tampered
    version: 1.0.0
    urls: [charts/tampered-1.0.0.tgz]
    digest: "$(printf "0%.0s" $(seq 1 64))"
EOF2
url=$(FIXTURE_HTTP_TLS=1 FIXTURE_HTTP_USER=charts FIXTURE_HTTP_PASSWORD=s3cret \
  bash "$fixtures/static-http.sh" start "$repo") || { echo "cannot start the chart repository"; exit 1; }
ca=$repo/.static-http/ca.pem
auth=(--username charts --password s3cret --ca-file "$ca")

expect_out "repo: newest stable" 'version: "1.2.0"' "$bin" r web --repo "$url" "${auth[@]}"
expect_out "repo: ^1.0.0" 'version: "1.2.0"' "$bin" r web --repo "$url" --version '^1.0.0' "${auth[@]}"
expect_out "repo: ~1.0" 'version: "1.0.0"' "$bin" r web --repo "$url" --version '~1.0' "${auth[@]}"
expect_out "repo: exact with digest" 'name: r-web' "$bin" r web --repo "$url" --version 1.0.0 "${auth[@]}"
expect_out "repo: prerelease constraint" 'version: "2.0.0-rc.1"' "$bin" r web --repo "${url%/}" --version '>=2.0.0-0' "${auth[@]}"
expect_out "repo: absolute-path URL" 'version: "0.3.0"' "$bin" r db --repo "$url" "${auth[@]}"
expect_out "repo: insecure skip verify" 'version: "1.2.0"' "$bin" r web --repo "$url" --username charts --password s3cret --insecure-skip-tls-verify
expect_out "direct .tgz URL" 'version: "1.0.0"' "$bin" r "${url}charts/web-1.0.0.tgz" "${auth[@]}"
expect_err "repo: wrong password" "the credentials were rejected (HTTP 401)" "$bin" r web --repo "$url" --username charts --password hunter2 --ca-file "$ca"
expect_err "repo: no credentials" "no credentials are configured" "$bin" r web --repo "$url" --ca-file "$ca"
expect_err "repo: untrusted certificate" "certificate" "$bin" r web --repo "$url" --username charts --password s3cret
expect_err "repo: unknown chart" 'chart "nope" not found in repository' "$bin" r nope --repo "$url" "${auth[@]}"
expect_err "repo: unknown chart lists charts" 'bogus, db, numeric, tampered, web' "$bin" r nope --repo "$url" "${auth[@]}"
expect_err "repo: no matching version" 'no version matches "^3" (available: 2.0.0-rc.1, 1.2.0, 1.0.0)' "$bin" r web --repo "$url" --version '^3' "${auth[@]}"
expect_err "repo: bad digest" "digest mismatch" "$bin" r tampered --repo "$url" "${auth[@]}"
expect_err "repo: hostile index types" 'no version matches "newest stable" (available: none)' "$bin" r numeric --repo "$url" "${auth[@]}"
expect_err "repo: not a chart" "not a Helm chart" "$bin" r bogus --repo "$url" "${auth[@]}"
expect_err "repo: missing archive" "not found (HTTP 404)" "$bin" r "${url}charts/none-1.0.0.tgz" "${auth[@]}"
# The disk cache (the server's; FLOTILLA_CHART_CACHE for helm template): a hit skips the
# download, a damaged entry is never served, and the cache stays under its bound.
export FLOTILLA_CHART_CACHE=$work/cache
expect_out "cache: first fetch" 'version: "1.0.0"' "$bin" r web --repo "$url" --version 1.0.0 "${auth[@]}"
entry=$work/cache/$(sha "$repo/charts/web-1.0.0.tgz").tgz
[ -f "$entry" ] || fail "cache: no entry $entry"
mv "$repo/charts/web-1.0.0.tgz" "$work/web-1.0.0.tgz.saved"
expect_err "cache: the archive is gone from the server" "not found (HTTP 404)" "$bin" r "${url}charts/web-1.0.0.tgz" "${auth[@]}"
expect_out "cache: hit without the archive on the server" 'version: "1.0.0"' "$bin" r web --repo "$url" --version 1.0.0 "${auth[@]}"
echo garbage >"$entry"
expect_err "cache: damaged entry is not served" "not found (HTTP 404)" "$bin" r web --repo "$url" --version 1.0.0 "${auth[@]}"
[ -f "$entry" ] && fail "cache: the damaged entry was kept"
mv "$work/web-1.0.0.tgz.saved" "$repo/charts/web-1.0.0.tgz"
expect_out "cache: refilled" 'version: "1.0.0"' "$bin" r web --repo "$url" --version 1.0.0 "${auth[@]}"
[ -f "$entry" ] || fail "cache: not refilled"
size=$(stat -c %s "$entry")
FLOTILLA_CHART_CACHE_MAX_BYTES=$((size * 2 + size / 2)) expect_out "cache: second chart" 'version: "0.3.0"' "$bin" r db --repo "$url" "${auth[@]}"
FLOTILLA_CHART_CACHE_MAX_BYTES=$((size * 2 + size / 2)) expect_out "cache: third chart" 'version: "1.2.0"' "$bin" r web --repo "$url" --version 1.2.0 "${auth[@]}"
total=$(cat "$work/cache/"*.tgz | wc -c)
[ "$total" -le $((size * 2 + size / 2)) ] || fail "cache: $total bytes, over its bound"
[ "$(ls "$work/cache/"*.tgz | wc -l)" -eq 2 ] || fail "cache: expected the 2 most recent entries: $(ls "$work/cache")"
[ -f "$entry" ] && fail "cache: the least recently used entry was not evicted"
unset FLOTILLA_CHART_CACHE

FLOTILLA_CHART_MAX_BYTES=100 expect_err "repo: too big" "is larger than the limit of 100 bytes" "$bin" r web --repo "$url" "${auth[@]}"
# A server that accepts but does not answer (git-http.sh's delay fault) fails on the stall bound.
mkdir -p "$work/hung"
hung_url=$(bash "$fixtures/git-http.sh" start "$work/hung") || fail "start the hung server"
echo 20 >"$work/hung/.git-http.delay"
FLOTILLA_CHART_TIMEOUT_SECONDS=1 expect_err "stalled server times out naming the URL" "GET ${hung_url}index.yaml: timed out" "$bin" r web --repo "$hung_url"
bash "$fixtures/git-http.sh" stop "$work/hung" >/dev/null 2>&1
dead_port=$(bash -c ". '$fixtures/lib.sh'; pick_port")
expect_err "dead server names the URL" "https://127.0.0.1:$dead_port/index.yaml: cannot connect" "$bin" r web --repo "https://127.0.0.1:$dead_port" "${auth[@]}"

# ---- OCI registries ---------------------------------------------------------------------------
oci=$work/oci
mkdir -p "$oci"
package web 1.0.0 "$oci"
package web 1.1.0 "$oci"
package web 2.0.0 "$oci"
push_all() {  # REGISTRY_ROOT
  for v in 1.0.0 1.1.0 2.0.0; do
    bash "$fixtures/oci-registry.sh" push "$1" charts/web "$v" "$oci/web-$v.tgz" || fail "push $v to $1"
  done
}
if ! addr=$(bash "$fixtures/oci-registry.sh" start "$work/reg-anon"); then
  rc=$?
  [ $rc -eq 3 ] && { echo "SKIP: docker-registry not installed"; exit 0; }
  echo "cannot start docker-registry"; exit 1
fi
push_all "$work/reg-anon"
expect_out "oci anonymous: exact tag" 'version: "1.1.0"' "$bin" r "oci://$addr/charts/web" --version 1.1.0
expect_out "oci anonymous: ^1 from tags" 'version: "1.1.0"' "$bin" r "oci://$addr/charts/web" --version '^1'
expect_out "oci anonymous: newest" 'version: "2.0.0"' "$bin" r "oci://$addr/charts/web"
expect_out "oci: tag in the reference" 'version: "1.0.0"' "$bin" r "oci://$addr/charts/web:1.0.0"
expect_err "oci: unknown tag" 'no tag "9.9.9"' "$bin" r "oci://$addr/charts/web" --version 9.9.9
expect_err "oci: no matching version" 'no version matches "^5" (available: 2.0.0, 1.1.0, 1.0.0)' "$bin" r "oci://$addr/charts/web" --version '^5'
expect_err "oci: unknown repository" 'charts/nope: no tag "1.0.0" in the registry' "$bin" r "oci://$addr/charts/nope" --version 1.0.0

export FIXTURE_REGISTRY_USER=alice FIXTURE_REGISTRY_PASSWORD=s3cret
addr=$(FIXTURE_REGISTRY_AUTH=basic bash "$fixtures/oci-registry.sh" start "$work/reg-basic") || fail "start basic registry"
FIXTURE_REGISTRY_AUTH=basic push_all "$work/reg-basic"
expect_out "oci basic auth" 'version: "2.0.0"' "$bin" r "oci://$addr/charts/web" --version '>=1' --username alice --password s3cret
expect_err "oci basic: no credentials" "no credentials are configured" "$bin" r "oci://$addr/charts/web" --version 1.0.0
expect_err "oci basic: wrong password" "the credentials were rejected (HTTP 401)" "$bin" r "oci://$addr/charts/web" --version 1.0.0 --username alice --password hunter2

addr=$(FIXTURE_REGISTRY_AUTH=token bash "$fixtures/oci-registry.sh" start "$work/reg-token") || fail "start token registry"
FIXTURE_REGISTRY_AUTH=token push_all "$work/reg-token"
expect_out "oci bearer token" 'version: "1.1.0"' "$bin" r "oci://$addr/charts/web" --version '~1.1' --username alice --password s3cret
grep -q "scope=repository:charts/web:pull user=alice" "$work/reg-token/.oci-registry/token/requests.log" ||
  fail "the token server saw no pull-scope token request from alice"
expect_err "oci bearer: wrong password" "the credentials were rejected (HTTP 401)" "$bin" r "oci://$addr/charts/web" --version 1.0.0 --username alice --password hunter2
expect_err "oci bearer: anonymous denied" "HTTP 401" "$bin" r "oci://$addr/charts/web" --version 1.0.0

unset FIXTURE_REGISTRY_USER FIXTURE_REGISTRY_PASSWORD
addr=$(FIXTURE_REGISTRY_TLS=1 bash "$fixtures/oci-registry.sh" start "$work/reg-tls") || fail "start TLS registry"
FIXTURE_REGISTRY_TLS=1 push_all "$work/reg-tls"
expect_out "oci over HTTPS with a CA" 'version: "2.0.0"' "$bin" r "oci://$addr/charts/web" --ca-file "$work/reg-tls/.oci-registry/ca.pem"
expect_err "oci over HTTPS: untrusted, no plain-HTTP fallback" "the server certificate is not trusted" "$bin" r "oci://$addr/charts/web" --version 1.0.0
expect_out "oci over HTTPS: insecure skip verify" 'version: "1.0.0"' "$bin" r "oci://$addr/charts/web" --version 1.0.0 --insecure-skip-tls-verify
FLOTILLA_CHART_MAX_BYTES=100 expect_err "oci: too big" "over the limit of 100" "$bin" r "oci://$addr/charts/web" --version 1.0.0 --insecure-skip-tls-verify

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all chart source checks passed"
