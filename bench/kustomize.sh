#!/usr/bin/env bash
# On demand: `flotilla kustomize build` vs `kubectl kustomize` on a generated overlay
# (N Deployments referring to N/10 generated ConfigMaps; namePrefix, namespace, commonLabels,
# images). Prints both times and peak RSS, and checks the outputs are byte-identical.
#   bash bench/kustomize.sh build-dir/bin/flotilla [N=2000]
set -eu
BIN=$1
N=${2:-2000}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
mkdir -p "$DIR/base"
for ((i = 0; i < N; i++)); do
  printf -- '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app%d}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.25\n        envFrom: [{configMapRef: {name: cm%d}}]\n' "$i" $((i % (N / 10)))
done > "$DIR/base/all.yaml"
{
  echo "resources: [all.yaml]"
  echo "configMapGenerator:"
  for ((i = 0; i < N / 10; i++)); do printf -- '- name: cm%d\n  literals: [k=v%d]\n' "$i" "$i"; done
} > "$DIR/base/kustomization.yaml"
printf "namePrefix: prod-\nnamespace: prod\ncommonLabels: {env: prod}\nimages: [{name: nginx, newTag: '1.27'}]\nresources: [base]\n" > "$DIR/kustomization.yaml"
/usr/bin/time -f "flotilla kustomize build: %e s, %M KB peak RSS" "$BIN" kustomize build "$DIR" > "$DIR/flotilla.yaml"
if command -v kubectl >/dev/null; then
  /usr/bin/time -f "kubectl kustomize:        %e s, %M KB peak RSS" kubectl kustomize "$DIR" > "$DIR/kubectl.yaml" 2>"$DIR/kubectl.err" || true
  tail -1 "$DIR/kubectl.err"
  cmp -s "$DIR/flotilla.yaml" "$DIR/kubectl.yaml" && echo "outputs identical" || echo "OUTPUTS DIFFER"
fi
