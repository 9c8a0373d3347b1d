// Remote Helm charts: a chart repository (index.yaml + .tgz over HTTP(S)), a direct .tgz URL, or
// an OCI registry (oci://host[:port]/path/chart, registry v2 API), as Helm and Fleet fetch them.
// The controller, `flotilla apply` and `flotilla helm template` share one ChartFetcher.
//
//   auto fetcher = NewHttpChartFetcher({.cache_dir = data_dir + "/charts"});
//   ASSIGN_OR_RETURN(FetchedChart c, fetcher->Fetch({.repo = "https://charts.example.com",
//                                                    .chart = "web", .version = "^1.2.0"}, auth));
//
// Errors never contain credentials: URLs are shown without userinfo and secrets are not logged.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace flotilla::chartsource {

// What to fetch, with Fleet's helm.repo / helm.chart / helm.version meanings:
//  - repo set (http/https): a chart repository; `chart` is the chart's name in its index.yaml.
//  - repo empty, chart "oci://host[:port]/path/name": an OCI registry (repo "oci://..." with the
//    chart name appended is accepted too, as Helm's --repo).
//  - repo empty, chart "http(s)://.../x.tgz": the archive itself.
// `version` is an exact version or a semver constraint; empty = the newest non-prerelease.
struct ChartRef {
  std::string repo;
  std::string chart;
  std::string version;

  bool IsRemote() const;
  // "repo=... chart=... version=..." for messages (URLs without userinfo).
  std::string Describe() const;
};

struct ChartAuth {
  std::string username;
  std::string password;
  std::string ca_bundle;  // PEM, added to the system CAs
  bool insecure_skip_tls_verify = false;
};

struct FetchedChart {
  std::string name;                          // Chart.yaml name
  std::string version;                       // the version chosen (Chart.yaml version)
  std::string url;                           // where the archive came from (no userinfo)
  std::string digest;                        // "sha256:<hex>" of the archive
  std::string top_dir;                       // the archive's top directory (usually the chart name)
  std::map<std::string, std::string> files;  // relative to the chart root
  bool from_cache = false;
};

class ChartFetcher {
 public:
  virtual ~ChartFetcher() = default;
  // Resolves `ref` (index.yaml or registry tags), downloads and verifies the archive and checks
  // that it is a chart. Codes: NotFound (unknown chart, no matching version), Unauthenticated /
  // PermissionDenied (401/403), Unavailable (digest mismatch: retried), InvalidArgument (not a
  // chart, bad reference), ResourceExhausted (too big), Unavailable (network, timeouts, 5xx).
  virtual StatusOr<FetchedChart> Fetch(const ChartRef& ref, const ChartAuth& auth) = 0;
};

struct HttpFetcherOptions {
  std::string cache_dir;                    // empty = no disk cache
  uint64_t max_cache_bytes = 512ull << 20;  // oldest archives are evicted beyond this
  uint64_t max_chart_bytes = 20ull << 20;   // a chart archive larger than this is refused
  uint64_t max_index_bytes = 64ull << 20;   // index.yaml, manifests, token answers
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{120'000};
  std::chrono::seconds stall_timeout{30};  // no byte for this long = failure
};

std::unique_ptr<ChartFetcher> NewHttpChartFetcher(HttpFetcherOptions options);

// Helm's choice among the versions of a chart: an exact string match first, else the highest
// version satisfying `constraint` ("" = "*": newest non-prerelease). Versions that are not
// semantic versions are skipped. NotFound lists up to five available versions.
StatusOr<std::string> SelectVersion(const std::vector<std::string>& available,
                                    const std::string& constraint, const std::string& what);

// Resolves a chart URL from index.yaml against the repository URL as Helm does (the repository
// URL taken as a directory).
std::string ResolveChartUrl(const std::string& repo_url, const std::string& chart_url);

// "https://host/path" without "user:password@".
std::string RedactUrl(const std::string& url);

// The parameters of a `WWW-Authenticate: Bearer realm="...",service="...",scope="..."` header
// (lower-cased keys plus "scheme"); empty when it does not parse.
std::map<std::string, std::string> ParseAuthenticate(const std::string& header);

}  // namespace flotilla::chartsource
