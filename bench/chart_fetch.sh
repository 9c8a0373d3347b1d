#!/usr/bin/env bash
# Remote chart fetch cost, on demand (never in CI): `flotilla helm template` of a small chart from
# a loopback HTTPS chart repository (basic auth, private CA) and from docker-registry, without
# and with the digest-keyed disk cache, N runs each; prints ms per run and the cache ratio.
#   bench/chart_fetch.sh BUILD_DIR [N]
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [N]}
n=${2:-20}
src=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/bin/flotilla-helm-template
fixtures=$src/tests/fixtures
work=$(mktemp -d)
export FIXTURE_OWNER_PID=$$
trap 'bash "$fixtures/static-http.sh" stop "$work/repo" >/dev/null 2>&1; bash "$fixtures/oci-registry.sh" stop "$work/reg" >/dev/null 2>&1; rm -rf "$work"' EXIT

mkdir -p "$work/repo" "$work/c/web/templates"
printf 'apiVersion: v2\nname: web\nversion: 1.0.0\n' >"$work/c/web/Chart.yaml"
for i in $(seq 1 30); do
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%s\ndata:\n  k: "{{ .Values.x | default 1 }}"\n' "$i" >"$work/c/web/templates/cm$i.yaml"
done
head -c 200000 /dev/urandom | base64 >"$work/c/web/blob.txt"   # ~270 KB, a realistic chart size
tar -C "$work/c" -czf "$work/repo/web-1.0.0.tgz" web
printf 'apiVersion: v1\nentries:\n  web:\n  - {name: web, version: 1.0.0, urls: [web-1.0.0.tgz], digest: %s}\n' \
  "$(sha256sum "$work/repo/web-1.0.0.tgz" | cut -d' ' -f1)" >"$work/repo/index.yaml"
url=$(FIXTURE_HTTP_TLS=1 FIXTURE_HTTP_USER=u FIXTURE_HTTP_PASSWORD=p bash "$fixtures/static-http.sh" start "$work/repo")
addr=$(bash "$fixtures/oci-registry.sh" start "$work/reg")
bash "$fixtures/oci-registry.sh" push "$work/reg" charts/web 1.0.0 "$work/repo/web-1.0.0.tgz"
echo "chart archive: $(stat -c %s "$work/repo/web-1.0.0.tgz") bytes, $n runs each"

run() {  # LABEL CMD...
  local label=$1 start end
  shift
  start=$(date +%s%N)
  for _ in $(seq 1 "$n"); do "$@" >/dev/null; done
  end=$(date +%s%N)
  echo "$(( (end - start) / n / 1000000 ))" >"$work/ms"
  printf '%-32s %5s ms/run\n' "$label" "$(cat "$work/ms")"
}
repo_args=(r web --repo "$url" --username u --password p --ca-file "$work/repo/.static-http/ca.pem")
run "local .tgz (no fetch)" "$bin" r "$work/repo/web-1.0.0.tgz"; base=$(cat "$work/ms")
run "repo, no cache" "$bin" "${repo_args[@]}"; cold=$(cat "$work/ms")
FLOTILLA_CHART_CACHE=$work/cache "$bin" "${repo_args[@]}" >/dev/null
FLOTILLA_CHART_CACHE=$work/cache run "repo, cache hit" "$bin" "${repo_args[@]}"; warm=$(cat "$work/ms")
run "repo, insecure (no CA parse)" "$bin" r web --repo "$url" --username u --password p --insecure-skip-tls-verify
run "oci, no cache" "$bin" r "oci://$addr/charts/web" --version 1.0.0
FLOTILLA_CHART_CACHE=$work/cache2 "$bin" r "oci://$addr/charts/web" --version 1.0.0 >/dev/null
FLOTILLA_CHART_CACHE=$work/cache2 run "oci, cache hit" "$bin" r "oci://$addr/charts/web" --version 1.0.0
echo "repo fetch overhead: no cache $((cold - base)) ms, cache hit $((warm - base)) ms (over the local render)"
