// HttpChartFetcher: chart repositories, direct archive URLs and OCI registries, with a bounded
// content-addressed disk cache.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "core/hash.h"
#include "core/yaml.h"
#include "model/json_get.h"
#include "render/chartsource/fetch_impl.h"
#include "render/chartsource/http.h"
#include "render/helm/chart.h"

namespace flotilla::chartsource {
namespace {

namespace fs = std::filesystem;

std::string HostOf(const std::string& url) {
  size_t p = url.find("://");
  if (p == std::string::npos) return "";
  size_t end = url.find_first_of("/?#", p + 3);
  return url.substr(p + 3, end == std::string::npos ? std::string::npos : end - p - 3);
}

bool IsHexSha256(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The disk cache: <dir>/<sha256>.tgz, written atomically; least recently used files beyond
// max_bytes are removed. Safe across threads of one process (one mutex); concurrent processes
// only ever see complete files (rename).
class DiskCache {
 public:
  DiskCache(std::string dir, uint64_t max_bytes) : dir_(std::move(dir)), max_(max_bytes) {}

  bool enabled() const { return !dir_.empty(); }

  std::optional<std::string> Get(const std::string& sha) {
    if (!enabled() || !IsHexSha256(sha)) return std::nullopt;
    std::lock_guard<std::mutex> l(mu_);
    std::string path = dir_ + "/" + sha + ".tgz";
    std::ifstream f(path, std::ios::binary);
    if (!f) return std::nullopt;
    std::stringstream ss;
    ss << f.rdbuf();
    std::string data = ss.str();
    if (Sha256Hex(data) != sha) {  // a damaged entry is dropped, never served
      std::error_code ec;
      fs::remove(path, ec);
      return std::nullopt;
    }
    std::error_code ec;
    fs::last_write_time(path, fs::file_time_type::clock::now(), ec);  // LRU touch
    return data;
  }

  void Put(const std::string& sha, const std::string& data) {
    if (!enabled() || !IsHexSha256(sha) || data.size() > max_) return;
    std::lock_guard<std::mutex> l(mu_);
    std::error_code ec;
    fs::create_directories(dir_, ec);
    std::string path = dir_ + "/" + sha + ".tgz";
    std::string tmp = fmt::format("{}.tmp.{}.{}", path, ::getpid(), ++tmp_seq_);
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      if (!f) return;
      f.write(data.data(), static_cast<std::streamsize>(data.size()));
      if (!f) {
        fs::remove(tmp, ec);
        return;
      }
    }
    fs::rename(tmp, path, ec);
    if (ec) fs::remove(tmp, ec);
    Evict();
  }

 private:
  void Evict() {
    std::error_code ec;
    std::vector<std::pair<fs::file_time_type, fs::path>> files;
    uint64_t total = 0;
    for (const auto& e : fs::directory_iterator(dir_, ec)) {
      if (e.path().extension() != ".tgz") continue;
      total += e.file_size(ec);
      files.emplace_back(e.last_write_time(ec), e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& [t, p] : files) {
      if (total <= max_) break;
      uint64_t size = fs::file_size(p, ec);
      if (fs::remove(p, ec)) total -= std::min(total, size);
    }
  }

  std::string dir_;
  uint64_t max_;
  std::mutex mu_;
  uint64_t tmp_seq_ = 0;  // guarded by mu_
};

class HttpChartFetcher : public ChartFetcher {
 public:
  explicit HttpChartFetcher(HttpFetcherOptions o)
      : o_(std::move(o)), cache_(o_.cache_dir, o_.max_cache_bytes) {}

  StatusOr<FetchedChart> Fetch(const ChartRef& ref, const ChartAuth& auth) override {
    if (!ref.IsRemote())
      return InvalidArgument(fmt::format("{}: not a remote chart", ref.Describe()));
    bool oci = ref.repo.rfind("oci://", 0) == 0 || ref.chart.rfind("oci://", 0) == 0;
    ResolvedArchive where;
    std::string data;
    bool cached = false;
    if (oci) {
      OciClient client(ref, auth, o_);
      ASSIGN_OR_RETURN(where, client.Resolve());
      if (auto hit = cache_.Get(where.expected_sha256)) {
        data = std::move(*hit);
        cached = true;
      } else {
        ASSIGN_OR_RETURN(data, client.Download());
      }
    } else {
      if (ref.repo.empty()) {
        where.url = ref.chart;
      } else {
        ASSIGN_OR_RETURN(where, ResolveFromIndex(ref, auth));
      }
      if (auto hit = cache_.Get(where.expected_sha256)) {
        data = std::move(*hit);
        cached = true;
      } else {
        // As Helm (passCredentialsAll off): credentials go only to the repository's host.
        ChartAuth tls_only = auth;
        tls_only.username.clear();
        tls_only.password.clear();
        bool same_host = ref.repo.empty() || HostOf(RedactUrl(ref.repo)) == HostOf(where.url);
        ASSIGN_OR_RETURN(data, Download(where.url, same_host ? auth : tls_only));
      }
    }
    std::string sha = Sha256Hex(data);
    if (!where.expected_sha256.empty() && sha != where.expected_sha256)
      return Unavailable(fmt::format("{}: digest mismatch: expected sha256:{}, got sha256:{}",
                                     RedactUrl(where.url), where.expected_sha256, sha));
    FetchedChart out;
    out.url = RedactUrl(where.url);
    out.digest = "sha256:" + sha;
    out.from_cache = cached;
    auto files = helm::ReadChartArchive(data, &out.top_dir);
    if (!files.ok())
      return InvalidArgument(
          fmt::format("{}: not a Helm chart archive: {}", out.url, files.status().message()));
    auto chart = helm::LoadChartFiles(*files);
    if (!chart.ok())
      return InvalidArgument(
          fmt::format("{}: not a Helm chart: {}", out.url, chart.status().message()));
    out.files = std::move(*files);
    out.name = chart->Name();
    out.version = model::GetString(chart->metadata, "version");
    if (out.version.empty()) out.version = where.version;
    if (out.top_dir.empty()) out.top_dir = out.name;
    if (!cached) cache_.Put(sha, data);
    return out;
  }

 private:
  StatusOr<std::string> Download(const std::string& url, const ChartAuth& auth) {
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
      return InvalidArgument(fmt::format("{}: chart URLs must be http(s)", RedactUrl(url)));
    HttpRequest req;
    req.url = RedactUrl(url);
    req.basic = &auth;
    req.tls = &auth;
    req.max_bytes = o_.max_chart_bytes;
    req.limits = &o_;
    auto r = HttpGet(req);
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kResourceExhausted)
        return ResourceExhausted(fmt::format("chart {} is larger than the limit of {} bytes",
                                             RedactUrl(url), o_.max_chart_bytes));
      return r.status();
    }
    if (r->status < 200 || r->status >= 300)
      return HttpStatusError(*r, "chart archive", url, !auth.username.empty());
    return std::move(r->body);
  }

  StatusOr<ResolvedArchive> ResolveFromIndex(const ChartRef& ref, const ChartAuth& auth) {
    std::string repo = ref.repo;
    if (repo.rfind("http://", 0) != 0 && repo.rfind("https://", 0) != 0)
      return InvalidArgument(fmt::format(
          "helm.repo {}: a chart repository URL must be http(s) (use oci:// in helm.chart for "
          "registries)",
          RedactUrl(repo)));
    std::string index_url = repo;
    while (!index_url.empty() && index_url.back() == '/') index_url.pop_back();
    index_url += "/index.yaml";
    HttpRequest req;
    req.url = RedactUrl(index_url);
    req.basic = &auth;
    req.tls = &auth;
    req.max_bytes = o_.max_index_bytes;
    req.limits = &o_;
    ASSIGN_OR_RETURN(HttpResponse r, HttpGet(req));
    if (r.status < 200 || r.status >= 300)
      return HttpStatusError(r, "chart repository index", index_url, !auth.username.empty());
    auto index = ParseYaml(r.body, RedactUrl(index_url));
    if (!index.ok())
      return InvalidArgument(fmt::format("{} is not a chart repository index: {}",
                                         RedactUrl(index_url), index.status().message()));
    if (!index->is_object() || !index->contains("entries") || !(*index)["entries"].is_object())
      return InvalidArgument(
          fmt::format("{} is not a chart repository index (no entries)", RedactUrl(index_url)));
    const Json& entries = (*index)["entries"];
    if (!entries.contains(ref.chart) || !entries[ref.chart].is_array() ||
        entries[ref.chart].empty()) {
      std::vector<std::string> names;
      for (auto it = entries.begin(); it != entries.end(); ++it) names.push_back(it.key());
      std::string list;
      for (size_t i = 0; i < names.size() && i < 10; i++) list += (i ? ", " : "") + names[i];
      return NotFound(fmt::format("chart \"{}\" not found in repository {} (it has: {})", ref.chart,
                                  RedactUrl(repo), list.empty() ? "none" : list));
    }
    const Json& versions = entries[ref.chart];
    std::vector<std::string> available;
    for (const Json& v : versions)
      if (v.is_object() && v.contains("version") && v["version"].is_string())
        available.push_back(v["version"].get<std::string>());
    ASSIGN_OR_RETURN(std::string chosen, SelectVersion(available, ref.version,
                                                       fmt::format("chart \"{}\" in repository {}",
                                                                   ref.chart, RedactUrl(repo))));
    for (const Json& v : versions) {
      if (model::GetString(v, "version") != chosen) continue;
      if (!v.contains("urls") || !v["urls"].is_array() || v["urls"].empty() ||
          !v["urls"][0].is_string())
        return InvalidArgument(
            fmt::format("no URLs found for chart {} {} at {}", ref.chart, chosen, RedactUrl(repo)));
      ResolvedArchive out;
      out.version = chosen;
      out.url = ResolveChartUrl(RedactUrl(repo), v["urls"][0].get<std::string>());
      std::string digest = model::GetString(v, "digest");
      if (digest.rfind("sha256:", 0) == 0) digest = digest.substr(7);
      if (IsHexSha256(digest)) out.expected_sha256 = digest;
      return out;
    }
    return Internal("chosen version vanished");
  }

  HttpFetcherOptions o_;
  DiskCache cache_;
};

}  // namespace

std::unique_ptr<ChartFetcher> NewHttpChartFetcher(HttpFetcherOptions options) {
  return std::make_unique<HttpChartFetcher>(std::move(options));
}

}  // namespace flotilla::chartsource
