// Chart loading from a directory, a .tgz or in-memory files (helm/pkg/chart/loader).
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/gzip.h"
#include "core/yaml.h"
#include "render/helm/chart.h"
#include "render/helm/ignore.h"

namespace flotilla::helm {
namespace {

constexpr size_t kMaxChartBytes = 64 << 20;

bool SafeRelative(const std::string& p) {
  if (p.empty() || p[0] == '/') return false;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    if (p.compare(i, j - i, "..") == 0 && j - i == 2) return false;
    i = j + 1;
  }
  return true;
}

Status WalkDir(const std::string& root, const std::string& rel, const IgnoreRules& rules,
               std::map<std::string, std::string>* out, size_t* total) {
  std::string dir = rel.empty() ? root : root + "/" + rel;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return NotFound(fmt::format("cannot read chart directory {}", dir));
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    std::string r = rel.empty() ? n : rel + "/" + n;
    std::string full = root + "/" + r;
    struct stat st;
    if (lstat(full.c_str(), &st) != 0) continue;
    if (S_ISLNK(st.st_mode)) continue;  // symlinks could escape the chart
    if (S_ISDIR(st.st_mode)) {
      if (n == ".git" || rules.Ignore(r, true)) continue;
      RETURN_IF_ERROR(WalkDir(root, r, rules, out, total));
    } else if (S_ISREG(st.st_mode)) {
      if (rules.Ignore(r, false)) continue;
      *total += st.st_size;
      if (*total > kMaxChartBytes)
        return ResourceExhausted(
            fmt::format("chart {} is larger than {} bytes", root, kMaxChartBytes));
      std::ifstream f(full, std::ios::binary);
      std::stringstream ss;
      ss << f.rdbuf();
      (*out)[r] = ss.str();
    }
  }
  return Status::Ok();
}

// A chart archive's tar stream, bounded by kMaxChartBytes.
StatusOr<std::string> GunzipChart(const std::string& data) {
  auto out = Gunzip(data, kMaxChartBytes);
  if (out.ok()) return out;
  if (out.status().code() == StatusCode::kInvalidArgument)
    return InvalidArgument("chart archive is not valid gzip");
  if (out.status().code() == StatusCode::kResourceExhausted)
    return ResourceExhausted("chart archive expands beyond the size limit");
  return out.status();
}

// ustar/GNU tar: regular files only; the top directory is stripped.
StatusOr<std::map<std::string, std::string>> Untar(const std::string& tar,
                                                   std::string* top_dir = nullptr) {
  std::map<std::string, std::string> files;
  size_t off = 0;
  std::string long_name;
  while (off + 512 <= tar.size()) {
    const char* h = tar.data() + off;
    if (h[0] == 0) break;
    std::string name(h, strnlen(h, 100));
    std::string prefix(h + 345, strnlen(h + 345, 155));
    if (!prefix.empty()) name = prefix + "/" + name;
    if (!long_name.empty()) {
      name = long_name;
      long_name.clear();
    }
    size_t size = std::strtoull(std::string(h + 124, 12).c_str(), nullptr, 8);
    char type = h[156];
    off += 512;
    if (off + size > tar.size()) return InvalidArgument("truncated chart archive");
    std::string body = tar.substr(off, size);
    off += (size + 511) / 512 * 512;
    if (type == 'L') {
      long_name = body.c_str();
      continue;
    }
    if (type != '0' && type != 0) continue;
    size_t slash = name.find('/');
    if (slash == std::string::npos) continue;
    std::string rel = name.substr(slash + 1);
    if (top_dir != nullptr && top_dir->empty()) *top_dir = name.substr(0, slash);
    if (!SafeRelative(rel)) return InvalidArgument("chart archive has an unsafe path: " + name);
    files[rel] = std::move(body);
  }
  return files;
}

StatusOr<Chart> LoadArchiveBytes(const std::string& data) {
  ASSIGN_OR_RETURN(std::string tar, GunzipChart(data));
  ASSIGN_OR_RETURN(auto files, Untar(tar));
  return LoadChartFiles(files);
}

}  // namespace

StatusOr<std::map<std::string, std::string>> ReadChartArchive(const std::string& tgz,
                                                              std::string* top_dir) {
  ASSIGN_OR_RETURN(std::string tar, GunzipChart(tgz));
  return Untar(tar, top_dir);
}

StatusOr<Chart> LoadChartFiles(const std::map<std::string, std::string>& files) {
  Chart c;
  auto it = files.find("Chart.yaml");
  if (it == files.end()) return InvalidArgument("Chart.yaml file is missing");
  auto meta = ParseYaml(it->second, "Chart.yaml");
  if (!meta.ok()) return meta.status();
  if (!meta->is_object()) return InvalidArgument("Chart.yaml: expected a mapping");
  c.metadata = *meta;
  if (c.metadata.contains("name") && !c.metadata["name"].is_string())
    return InvalidArgument("Chart.yaml: name must be a string");
  if (c.Name().empty()) return InvalidArgument("validation: chart.metadata.name is required");
  if (c.metadata.contains("dependencies")) {
    const Json& deps = c.metadata["dependencies"];
    if (!deps.is_array() && !deps.is_null())
      return InvalidArgument("Chart.yaml: dependencies must be a list");
    for (size_t i = 0; deps.is_array() && i < deps.size(); i++) {
      if (!deps[i].is_object())
        return InvalidArgument(fmt::format("Chart.yaml: dependencies[{}] must be a mapping", i));
      for (const char* k : {"name", "alias", "condition", "version", "repository"})
        if (deps[i].contains(k) && !deps[i][k].is_string() && !deps[i][k].is_null())
          return InvalidArgument(
              fmt::format("Chart.yaml: dependencies[{}].{} must be a string", i, k));
    }
  }
  c.values = Value::NewMap();
  std::map<std::string, std::map<std::string, std::string>> sub_dirs;
  for (const auto& [path, data] : files) {
    if (!SafeRelative(path)) return InvalidArgument("unsafe path in chart: " + path);
    if (path == "Chart.yaml") continue;
    if (path == "values.yaml") {
      auto v = ParseYaml(data, c.Name() + "/values.yaml");
      if (!v.ok()) return v.status();
      if (v->is_object()) c.values = Value::FromJson(*v, false);
      continue;
    }
    if (path == "values.schema.json") {
      c.schema = data;
      continue;
    }
    if (path == "requirements.yaml") {
      auto r = ParseYaml(data, "requirements.yaml");
      if (r.ok() && r->is_object() && r->contains("dependencies"))
        c.metadata["dependencies"] = (*r)["dependencies"];
      continue;
    }
    if (path == "requirements.lock" || path == "Chart.lock") continue;
    if (path.rfind("templates/", 0) == 0) {
      c.templates.emplace_back(path, data);
      continue;
    }
    if (path.rfind("charts/", 0) == 0) {
      std::string rest = path.substr(7);
      size_t slash = rest.find('/');
      if (slash == std::string::npos) {
        if (rest.size() > 4 && rest.substr(rest.size() - 4) == ".tgz") {
          auto sub = LoadArchiveBytes(data);
          if (!sub.ok()) return sub.status().WithContext("charts/" + rest);
          c.dependencies.push_back(std::move(*sub));
        }
        continue;
      }
      sub_dirs[rest.substr(0, slash)][rest.substr(slash + 1)] = data;
      continue;
    }
    if (path.rfind("crds/", 0) == 0) c.crds.emplace_back(path, data);
    c.files[path] = data;
  }
  for (const auto& [name, sub_files] : sub_dirs) {
    auto sub = LoadChartFiles(sub_files);
    if (!sub.ok()) return sub.status().WithContext("charts/" + name);
    c.dependencies.push_back(std::move(*sub));
  }
  std::sort(c.dependencies.begin(), c.dependencies.end(),
            [](const Chart& a, const Chart& b) { return a.Name() < b.Name(); });
  return c;
}

StatusOr<Chart> LoadChart(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return NotFound(fmt::format("chart {} not found", path));
  if (S_ISDIR(st.st_mode)) {
    // The chart's .helmignore applies to directories only (`helm package` applied it to archives).
    IgnoreRules rules = IgnoreRules::Defaults();
    std::ifstream ignore_file(path + "/.helmignore", std::ios::binary);
    if (ignore_file) {
      std::stringstream ss;
      ss << ignore_file.rdbuf();
      auto parsed = IgnoreRules::Parse(ss.str());
      if (!parsed.ok()) return parsed.status().WithContext(path);
      rules = std::move(*parsed);
    }
    std::map<std::string, std::string> files;
    size_t total = 0;
    RETURN_IF_ERROR(WalkDir(path, "", rules, &files, &total));
    return LoadChartFiles(files);
  }
  if (static_cast<size_t>(st.st_size) > kMaxChartBytes)
    return ResourceExhausted(fmt::format("chart archive {} is too large", path));
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return LoadArchiveBytes(ss.str());
}

}  // namespace flotilla::helm
