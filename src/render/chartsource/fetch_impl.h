// Private to chartsource: the pieces of HttpChartFetcher shared between its files.
#pragma once

#include <string>

#include "core/status.h"
#include "render/chartsource/chartsource.h"

namespace flotilla::chartsource {

// Where an archive is and how to check it, once a reference is resolved.
struct ResolvedArchive {
  std::string url;              // for messages and FetchedChart.url
  std::string version;          // chosen version (may be empty for direct URLs)
  std::string expected_sha256;  // hex; empty = unknown (direct URLs, indexes without digests)
};

// An OCI reference resolved through the registry: the chart layer's digest and how to get it.
// `download` performs the blob GET (with the registry's auth) and returns the bytes.
struct OciSession;
class OciClient {
 public:
  OciClient(const ChartRef& ref, const ChartAuth& auth, const HttpFetcherOptions& limits);
  ~OciClient();
  // Picks the tag (exact, or the highest matching the constraint), reads its manifest.
  StatusOr<ResolvedArchive> Resolve();
  // GETs the chart layer resolved by Resolve().
  StatusOr<std::string> Download();

 private:
  std::unique_ptr<OciSession> s_;
};

}  // namespace flotilla::chartsource
