#!/usr/bin/env bash
# The Helm chart of flotilla itself (deploy/helm/flotilla), rendered by `flotilla helm template`
# (the project's Helm engine, byte-compatible with `helm template`) and checked object by object:
# the Deployment's replicas, server flags, secrets, probes and volumes; the Service; the PDB; and
# the refusals (several replicas without leader election, no PostgreSQL secret).
#   chart_test.sh FLOTILLA_BIN
set -euo pipefail
bin=${1:?usage: chart_test.sh FLOTILLA_BIN}
chart="$(cd "$(dirname "$0")" && pwd)/flotilla"
command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null ||
  { echo "python3-yaml not installed: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin" helm template fl "$chart" -n flotilla-system >"$work/default.yaml"
"$bin" helm template fl "$chart" -n ops --set replicaCount=3 \
  --set 'extraArgs={--gitrepo-workers=100}' --set leaderElection.leaseDuration=30s \
  >"$work/three.yaml"
"$bin" helm template solo "$chart" -n ops --set replicaCount=1 \
  --set leaderElection.enabled=false >"$work/solo.yaml"
if "$bin" helm template fl "$chart" --set leaderElection.enabled=false >"$work/bad.yaml" \
  2>"$work/bad.err"; then
  echo "FAIL: 2 replicas without leader election rendered" >&2
  exit 1
fi
grep -q "needs leaderElection.enabled" "$work/bad.err" || { cat "$work/bad.err"; exit 1; }
if "$bin" helm template fl "$chart" --set postgres.existingSecret= >/dev/null 2>"$work/bad.err"
then
  echo "FAIL: rendered without a PostgreSQL secret" >&2
  exit 1
fi
grep -q "postgres.existingSecret is required" "$work/bad.err" || { cat "$work/bad.err"; exit 1; }

python3 - "$work" <<'PY'
import sys, yaml

work = sys.argv[1]
failures = []
checks = 0

def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)

def load(name):
    docs = [d for d in yaml.safe_load_all(open(f"{work}/{name}.yaml")) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}

def container(objs):
    dep = objs[("Deployment", "fl-flotilla")] if ("Deployment", "fl-flotilla") in objs else \
        objs[("Deployment", "solo-flotilla")]
    return dep, dep["spec"]["template"]["spec"]["containers"][0]

objs = load("default")
check(set(objs) == {("Deployment", "fl-flotilla"), ("Service", "fl-flotilla"),
                    ("PodDisruptionBudget", "fl-flotilla")}, f"objects: {sorted(objs)}")
dep, c = container(objs)
check(dep["apiVersion"] == "apps/v1", "Deployment apiVersion")
check(dep["metadata"]["namespace"] == "flotilla-system", "namespace")
check(dep["spec"]["replicas"] == 2, "default replicas 2")
sel = dep["spec"]["selector"]["matchLabels"]
check(all(dep["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in sel.items()),
      "pod labels match the selector")
args = c["args"]
for a in ["server", "--listen=0.0.0.0:8443", "--store=$(FLOTILLA_STORE)",
          "--tls-cert=/etc/flotilla/tls/tls.crt", "--tls-key=/etc/flotilla/tls/tls.key",
          "--leader-elect=true", "--leader-elect-lease-duration=15s",
          "--leader-elect-renew-deadline=10s", "--leader-elect-retry-period=2s",
          "--leader-elect-resource-namespace=flotilla-system", "--data-dir=/var/lib/flotilla"]:
    check(a in args, f"arg {a} in {args}")
check(args[0] == "server", "first arg is the subcommand")
check(not any("password" in a.lower() for a in args), "no password on the command line")
env = {e["name"]: e for e in c["env"]}
check(env["FLOTILLA_STORE"]["valueFrom"]["secretKeyRef"] == {"name": "flotilla-postgres", "key": "url"},
      "store URL from the Secret")
check(env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "flotilla-postgres", "key": "password"},
      "password from the Secret")
ports = {p["name"]: p["containerPort"] for p in c["ports"]}
check(ports == {"https": 8443}, f"ports {ports}")
for probe, path in [("livenessProbe", "/livez"), ("readinessProbe", "/readyz")]:
    g = c[probe]["httpGet"]
    check(g == {"path": path, "port": "https", "scheme": "HTTPS"}, f"{probe}: {g}")
    check(c[probe]["periodSeconds"] > 0, f"{probe} period")
mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
check(mounts == {"data": "/var/lib/flotilla", "tls": "/etc/flotilla/tls"}, f"mounts {mounts}")
vols = {v["name"]: v for v in dep["spec"]["template"]["spec"]["volumes"]}
check(vols["tls"]["secret"]["secretName"] == "flotilla-tls", "TLS secret")
check(c["securityContext"]["readOnlyRootFilesystem"] is True, "read-only root")
check(dep["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True, "non-root")
svc = objs[("Service", "fl-flotilla")]
check(svc["spec"]["selector"] == sel, "Service selects the pods")
check(svc["spec"]["ports"] == [{"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}],
      f"Service ports {svc['spec']['ports']}")
pdb = objs[("PodDisruptionBudget", "fl-flotilla")]
check(pdb["spec"]["minAvailable"] == 1 and pdb["spec"]["selector"]["matchLabels"] == sel, "PDB")

objs = load("three")
dep, c = container(objs)
check(dep["spec"]["replicas"] == 3, "replicaCount=3")
check("--gitrepo-workers=100" in c["args"], "extraArgs")
check("--leader-elect-lease-duration=30s" in c["args"], "lease duration value")
check("--leader-elect-resource-namespace=ops" in c["args"], "Lease in the release namespace")

objs = load("solo")
check(("PodDisruptionBudget", "solo-flotilla") not in objs, "no PDB for one replica")
dep, c = container(objs)
check(dep["spec"]["replicas"] == 1, "solo replicas")
check("--leader-elect=false" in c["args"], "leader election off")
check(not any(a.startswith("--leader-elect-lease") for a in c["args"]), "no election flags")

for f in failures:
    print("FAIL:", f)
print(f"chart: {checks - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
PY
echo "PASS"
