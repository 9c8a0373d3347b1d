// Version selection, URL helpers and header parsing: the pure parts of chart fetching.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "render/chartsource/chartsource.h"
#include "render/gotemplate/semver.h"

namespace flotilla::chartsource {

bool ChartRef::IsRemote() const {
  if (!repo.empty()) return true;
  for (const char* p : {"oci://", "http://", "https://"})
    if (chart.rfind(p, 0) == 0) return true;
  return false;
}

std::string ChartRef::Describe() const {
  return fmt::format("repo={} chart={} version={}", RedactUrl(repo), RedactUrl(chart), version);
}

std::string RedactUrl(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  size_t host = scheme + 3;
  size_t end = url.find_first_of("/?#", host);
  size_t at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < host) return url;
  return url.substr(0, host) + url.substr(at + 1);
}

std::string ResolveChartUrl(const std::string& repo_url, const std::string& chart_url) {
  if (chart_url.find("://") != std::string::npos) return chart_url;
  std::string base = repo_url;
  size_t q = base.find_first_of("?#");
  if (q != std::string::npos) base.resize(q);
  if (chart_url.rfind("/", 0) == 0) {  // absolute path on the repository's host
    size_t host = base.find("://");
    size_t slash = host == std::string::npos ? std::string::npos : base.find('/', host + 3);
    return (slash == std::string::npos ? base : base.substr(0, slash)) + chart_url;
  }
  if (base.empty() || base.back() != '/') base += '/';
  std::string rel = chart_url;
  while (rel.rfind("./", 0) == 0) rel.erase(0, 2);
  return base + rel;
}

StatusOr<std::string> SelectVersion(const std::vector<std::string>& available,
                                    const std::string& constraint, const std::string& what) {
  if (!constraint.empty())
    for (const std::string& v : available)
      if (v == constraint) return v;
  std::string c = constraint.empty() ? "*" : constraint;
  auto probe = gotemplate::SemverMatches(c, "0.0.0");
  if (!probe.ok())
    return InvalidArgument(
        fmt::format("{}: version \"{}\" is neither a version nor a constraint ({})", what,
                    constraint, probe.status().message()));
  std::string best;
  std::vector<std::string> sorted;
  for (const std::string& v : available) {
    if (!gotemplate::SemverOrder(v, v).ok()) continue;
    sorted.push_back(v);
    auto ok = gotemplate::SemverMatches(c, v);
    if (!ok.ok() || !*ok) continue;
    if (best.empty() || *gotemplate::SemverOrder(v, best) > 0) best = v;
  }
  if (!best.empty()) return best;
  std::sort(sorted.begin(), sorted.end(), [](const std::string& a, const std::string& b) {
    return *gotemplate::SemverOrder(a, b) > 0;
  });
  std::string list;
  for (size_t i = 0; i < sorted.size() && i < 5; i++) list += (i ? ", " : "") + sorted[i];
  if (sorted.size() > 5) list += fmt::format(", ... ({} in all)", sorted.size());
  if (sorted.empty()) list = "none";
  return NotFound(fmt::format("{}: no version matches \"{}\" (available: {})", what,
                              constraint.empty() ? "newest stable" : constraint, list));
}

std::map<std::string, std::string> ParseAuthenticate(const std::string& header) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i < header.size() && header[i] == ' ') i++;
  if (i == header.size()) return out;
  size_t sp = header.find(' ', i);
  if (sp == std::string::npos) {
    if (i < header.size()) out["scheme"] = header.substr(i);
    for (auto& ch : out["scheme"]) ch = static_cast<char>(std::tolower(ch));
    return out;
  }
  std::string scheme = header.substr(i, sp - i);
  for (auto& ch : scheme) ch = static_cast<char>(std::tolower(ch));
  out["scheme"] = scheme;
  i = sp + 1;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ',')) i++;
    size_t eq = header.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = header.substr(i, eq - i);
    for (auto& ch : key) ch = static_cast<char>(std::tolower(ch));
    i = eq + 1;
    std::string value;
    if (i < header.size() && header[i] == '"') {
      i++;
      while (i < header.size() && header[i] != '"') {
        if (header[i] == '\\' && i + 1 < header.size()) i++;
        value += header[i++];
      }
      i++;  // closing quote
    } else {
      size_t end = header.find(',', i);
      if (end == std::string::npos) end = header.size();
      value = header.substr(i, end - i);
      while (!value.empty() && value.back() == ' ') value.pop_back();
      i = end;
    }
    out[key] = value;
  }
  return out;
}

}  // namespace flotilla::chartsource
