#include "render/bundles/remote_charts.h"

#include <algorithm>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "core/base64.h"
#include "core/hash.h"
#include "model/json_get.h"
#include "render/chartsource/chartsource.h"

namespace flotilla::render {
namespace {

constexpr const char* kChartPrefix = ".chart/";

// What a JSON string can hold (the dump of a Bundle must never throw).
bool ValidUtf8(const std::string& s) {
  try {
    (void)Json(s).dump();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// Fleet's checksum(helm): the directory a chart is embedded under.
std::string ChartPrefix(const Json& helm) {
  return kChartPrefix +
         Sha256Hex(model::GetString(helm, "chart") + ":" + model::GetString(helm, "repo") + ":" +
                   model::GetString(helm, "version"));
}

// Which credentials go with a chart: helmSecretNameForPaths (by bundle path) wins over
// helmSecretName; helmRepoURLRegex, when set, must match the repo (else the chart) URL.
StatusOr<chartsource::ChartAuth> AuthFor(const BuildOptions& o, const std::string& dir,
                                         const chartsource::ChartRef& ref) {
  chartsource::ChartAuth auth = o.chart_auth;
  auto it = o.chart_auth_for_paths.find(dir.empty() ? "." : dir);
  if (it != o.chart_auth_for_paths.end()) return it->second;
  if (!o.helm_repo_url_regex.empty()) {
    try {
      std::regex re(o.helm_repo_url_regex);
      const std::string& url = ref.repo.empty() ? ref.chart : ref.repo;
      if (!std::regex_search(url, re)) {
        auth.username.clear();
        auth.password.clear();
      }
    } catch (const std::regex_error& e) {
      return InvalidArgument(
          fmt::format("helmRepoURLRegex \"{}\": {}", o.helm_repo_url_regex, e.what()));
    }
  }
  return auth;
}

}  // namespace

bool IsRemoteChart(const Json& helm) {
  if (!helm.is_object()) return false;
  return chartsource::ChartRef{model::GetString(helm, "repo"), model::GetString(helm, "chart"), ""}
      .IsRemote();
}

Status EmbedRemoteCharts(const BuildOptions& options, const std::string& dir, Json* fy,
                         Json* resources) {
  std::vector<Json*> helms;
  if (fy->contains("helm")) helms.push_back(&(*fy)["helm"]);
  for (const char* f : {"targets", "targetCustomizations"})
    if (fy->contains(f) && (*fy)[f].is_array())
      for (Json& t : (*fy)[f])
        if (t.is_object() && t.contains("helm")) helms.push_back(&t["helm"]);
  std::set<std::string> embedded;
  std::string where = dir.empty() ? "fleet.yaml" : dir + "/fleet.yaml";
  for (Json* helm : helms) {
    if (!IsRemoteChart(*helm)) continue;
    chartsource::ChartRef ref{model::GetString(*helm, "repo"), model::GetString(*helm, "chart"),
                              model::GetString(*helm, "version")};
    if (ref.chart.empty())
      return InvalidArgument(fmt::format("{}: helm.repo {} is set but helm.chart is empty", where,
                                         chartsource::RedactUrl(ref.repo)));
    if (options.chart_fetcher == nullptr)
      return FailedPrecondition(fmt::format(
          "{}: chart {}: fetching remote charts is not enabled here", where, ref.Describe()));
    std::string prefix = ChartPrefix(*helm);
    if (embedded.insert(prefix).second) {
      ASSIGN_OR_RETURN(chartsource::ChartAuth auth, AuthFor(options, dir, ref));
      auto fetched = options.chart_fetcher->Fetch(ref, auth);
      if (!fetched.ok())
        return fetched.status().WithContext(fmt::format("{}: chart {}", where, ref.Describe()));
      for (const auto& [name, data] : fetched->files) {
        Json r = {{"name", prefix + "/" + fetched->top_dir + "/" + name}};
        if (ValidUtf8(data)) {
          r["content"] = data;
        } else {
          r["content"] = Base64Encode(data);
          r["encoding"] = "base64";
        }
        resources->push_back(std::move(r));
      }
    }
    (*helm)["chart"] = prefix;
    helm->erase("repo");
  }
  if (!embedded.empty())
    std::sort(resources->begin(), resources->end(), [](const Json& a, const Json& b) {
      return model::GetString(a, "name") < model::GetString(b, "name");
    });
  return Status::Ok();
}

StatusOr<std::optional<std::map<std::string, std::string>>> EmbeddedChartFiles(
    const Json& resources, const Json& helm) {
  std::string chart = model::GetString(helm, "chart");
  if (chart.empty() || IsRemoteChart(helm))
    return std::optional<std::map<std::string, std::string>>();
  while (chart.rfind("./", 0) == 0) chart.erase(0, 2);
  while (!chart.empty() && chart.back() == '/') chart.pop_back();
  if (chart.empty() || chart == ".") return std::optional<std::map<std::string, std::string>>();
  std::map<std::string, std::string> files;
  std::string prefix = chart + "/";
  for (const Json& r : resources) {
    std::string name = model::GetString(r, "name");
    if (name.rfind(prefix, 0) != 0) continue;
    std::string data = model::GetString(r, "content");
    std::string enc = model::GetString(r, "encoding");
    if (enc == "base64") {
      auto d = Base64Decode(data);
      if (!d.ok()) return InvalidArgument(fmt::format("{}: bad base64 content", name));
      data = std::move(*d);
    } else if (!enc.empty()) {
      return InvalidArgument(fmt::format("{}: unsupported encoding \"{}\"", name, enc));
    }
    files[name.substr(prefix.size())] = std::move(data);
  }
  if (files.empty())
    return NotFound(fmt::format("helm.chart \"{}\": no such directory in the bundle", chart));
  if (files.count("Chart.yaml")) return std::optional(std::move(files));
  // The archive's top directory (".chart/<hex>/<name>/Chart.yaml").
  std::set<std::string> tops;
  for (const auto& [name, _] : files) tops.insert(name.substr(0, name.find('/')));
  if (tops.size() == 1 && files.count(*tops.begin() + "/Chart.yaml")) {
    std::map<std::string, std::string> inner;
    std::string p = *tops.begin() + "/";
    for (auto& [name, data] : files) inner[name.substr(p.size())] = std::move(data);
    return std::optional(std::move(inner));
  }
  return NotFound(fmt::format("helm.chart \"{}\": no Chart.yaml in it", chart));
}

}  // namespace flotilla::render
