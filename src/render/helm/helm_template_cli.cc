// `flotilla helm template`: argument parsing and output, mirroring `helm template`.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "render/chartsource/chartsource.h"
#include "render/gotemplate/helm_objects.h"
#include "render/helm/chart.h"

namespace flotilla::helm {
namespace {

const char* kUsage =
    "Usage: flotilla helm template [NAME] CHART [flags]\n"
    "  -f, --values FILE        values file (repeatable; later files win)\n"
    "      --set K=V            set values (repeatable; a.b=c,d={x,y},e[0]=f)\n"
    "      --set-string K=V     set values as strings\n"
    "  -n, --namespace NS       release namespace (default \"default\")\n"
    "      --include-crds       include the charts' crds/ in the output\n"
    "      --no-hooks           leave out hook manifests\n"
    "      --kube-version V     Kubernetes version for .Capabilities (default v1.20.0)\n"
    "  -a, --api-versions V     extra API versions for .Capabilities (repeatable)\n"
    "      --strict             fail on missing values (missingkey=error)\n"
    "      --skip-schema-validation  do not validate values against values.schema.json\n"
    "Remote charts (CHART is a name in --repo, an oci://host/path/name or an https://.../x.tgz):\n"
    "      --repo URL           chart repository URL (its index.yaml lists CHART)\n"
    "      --version V          chart version or semver constraint (default: newest stable)\n"
    "      --username U, --password P   basic credentials for the repository or registry\n"
    "      --ca-file FILE       PEM CA bundle trusted in addition to the system's\n"
    "      --insecure-skip-tls-verify   do not verify the server certificate\n";

// Loads CHART: a local directory or .tgz, else a remote chart fetched (cached by digest under
// $FLOTILLA_CHART_CACHE when set, bounded by $FLOTILLA_CHART_CACHE_MAX_BYTES; archives over
// $FLOTILLA_CHART_MAX_BYTES, default 20 MiB, are refused; $FLOTILLA_CHART_TIMEOUT_SECONDS bounds
// connecting and stalls, default 10 s and 30 s).
StatusOr<Chart> LoadAnyChart(const chartsource::ChartRef& ref, const chartsource::ChartAuth& auth) {
  if (!ref.IsRemote()) return LoadChart(ref.chart);
  chartsource::HttpFetcherOptions fo;
  if (const char* dir = std::getenv("FLOTILLA_CHART_CACHE")) fo.cache_dir = dir;
  if (const char* max = std::getenv("FLOTILLA_CHART_CACHE_MAX_BYTES"))
    fo.max_cache_bytes = std::strtoull(max, nullptr, 10);
  if (const char* max = std::getenv("FLOTILLA_CHART_MAX_BYTES"))
    fo.max_chart_bytes = std::strtoull(max, nullptr, 10);
  if (const char* secs = std::getenv("FLOTILLA_CHART_TIMEOUT_SECONDS")) {
    long n = std::max(1L, std::strtol(secs, nullptr, 10));
    fo.connect_timeout = std::chrono::seconds(n);
    fo.stall_timeout = std::chrono::seconds(n);
  }
  auto fetcher = chartsource::NewHttpChartFetcher(fo);
  ASSIGN_OR_RETURN(chartsource::FetchedChart fetched, fetcher->Fetch(ref, auth));
  return LoadChartFiles(fetched.files);
}

}  // namespace

int RunHelmTemplate(int argc, char** argv) {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> value_ops;  // ("f"|"set"|"set-string", arg)
  ReleaseOptions opts;
  std::vector<std::string> extra_apis;
  chartsource::ChartRef ref;
  chartsource::ChartAuth auth;
  std::string ca_file;
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    auto next = [&](std::string* out) {
      size_t eq = a.find('=');
      if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
        *out = a.substr(eq + 1);
        return true;
      }
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string flag = a.substr(0, a.find('='));
    std::string v;
    if (flag == "-h" || flag == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (flag == "-f" || flag == "--values") {
      if (!next(&v)) break;
      value_ops.emplace_back("f", v);
    } else if (flag == "--set" || flag == "--set-string") {
      if (!next(&v)) break;
      value_ops.emplace_back(flag.substr(2), v);
    } else if (flag == "-n" || flag == "--namespace") {
      if (!next(&v)) break;
      opts.namespace_ = v;
    } else if (flag == "--kube-version") {
      if (!next(&v)) break;
      opts.kube_version = v;
    } else if (flag == "-a" || flag == "--api-versions") {
      if (!next(&v)) break;
      extra_apis.push_back(v);
    } else if (flag == "--include-crds") {
      opts.include_crds = true;
    } else if (flag == "--no-hooks") {
      opts.skip_hooks = true;
    } else if (flag == "--repo") {
      if (!next(&v)) break;
      ref.repo = v;
    } else if (flag == "--version") {
      if (!next(&v)) break;
      ref.version = v;
    } else if (flag == "--username") {
      if (!next(&v)) break;
      auth.username = v;
    } else if (flag == "--password") {
      if (!next(&v)) break;
      auth.password = v;
    } else if (flag == "--ca-file") {
      if (!next(&v)) break;
      ca_file = v;
    } else if (flag == "--insecure-skip-tls-verify") {
      auth.insecure_skip_tls_verify = true;
    } else if (flag == "--strict") {
      opts.strict = true;
    } else if (flag == "--skip-schema-validation") {
      opts.skip_schema_validation = true;
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "Error: unknown flag: " << a << "\n" << kUsage;
      return 2;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.empty() || positional.size() > 2) {
    std::cerr << "Error: expected [NAME] CHART\n" << kUsage;
    return 2;
  }
  if (positional.size() == 2) opts.name = positional[0];
  std::string chart_path = positional.back();
  if (!extra_apis.empty()) {
    opts.api_versions = gotemplate::DefaultAPIVersions();
    for (const auto& a : extra_apis) opts.api_versions.push_back(a);
  }
  Value values = Value::NewMap();
  for (const auto& [op, arg] : value_ops) {
    if (op == "f") {
      std::ifstream f(arg);
      if (!f) {
        std::cerr << "Error: open " << arg << ": no such file or directory\n";
        return 1;
      }
      std::stringstream ss;
      ss << f.rdbuf();
      auto v = ParseValuesFile(ss.str(), arg);
      if (!v.ok()) {
        std::cerr << "Error: failed to parse " << arg << ": " << v.status().message() << "\n";
        return 1;
      }
      values = MergeValues(values, *v);
    } else {
      Status st = ApplySet(arg, op == "set-string", &values);
      if (!st.ok()) {
        std::cerr << "Error: failed parsing --" << op << " data: " << st.message() << "\n";
        return 1;
      }
    }
  }
  if (!ca_file.empty()) {
    std::ifstream f(ca_file);
    if (!f) {
      std::cerr << "Error: open " << ca_file << ": no such file or directory\n";
      return 1;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    auth.ca_bundle = ss.str();
  }
  ref.chart = chart_path;
  auto chart = LoadAnyChart(ref, auth);
  if (!chart.ok()) {
    std::cerr << "Error: " << chart.status().message() << "\n";
    return 1;
  }
  auto manifests = RenderChart(*chart, values, opts);
  if (!manifests.ok()) {
    std::cerr << "Error: " << manifests.status().message() << "\n";
    return 1;
  }
  std::cout << FormatHelmTemplate(*manifests);
  return 0;
}

}  // namespace flotilla::helm
