#include "render/bundles/discover.h"

#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

namespace flotilla::render {
namespace {

// Orders paths as a depth-first walk does (a directory's contents right after it), which is
// the order filepath.WalkDir visits them in: compare segment by segment.
bool WalkLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    size_t ie = a.find('/', i), je = b.find('/', j);
    if (ie == std::string::npos) ie = a.size();
    if (je == std::string::npos) je = b.size();
    int c = a.compare(i, ie - i, b, j, je - j);
    if (c != 0) return c < 0;
    i = ie + 1;
    j = je + 1;
  }
  return a.size() < b.size();
}

bool IsFleetYamlName(const std::string& base) {
  return base == "fleet.yaml" || base == "fleet.yml";
}

std::string StripSlashes(std::string p) {
  while (!p.empty() && p[0] == '/') p.erase(0, 1);  // as globDirs
  while (p.rfind("./", 0) == 0) p.erase(0, 2);
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (p == ".") p.clear();
  return p;
}

// Whether any segment of a relative path is hidden (".x"), for trees that do not list
// directories.
bool HiddenSegment(const std::string& rel) {
  size_t start = 0;
  while (start < rel.size()) {
    if (rel[start] == '.') return true;
    size_t slash = rel.find('/', start);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return false;
}

bool HasMeta(const std::string& p) { return p.find_first_of("*?[\\") != std::string::npos; }

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;
    if (c < 0x80) {
      n = 0;
    } else if ((c >> 5) == 6) {
      n = 1;
    } else if ((c >> 4) == 14) {
      n = 2;
    } else if ((c >> 3) == 30) {
      n = 3;
    } else {
      return false;
    }
    if (i + n >= s.size() && n > 0) return false;
    for (size_t k = 1; k <= n; k++)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += n + 1;
  }
  return true;
}

// Fleet's readFleetIgnore: one pattern a line; trailing blanks trimmed unless escaped; blank
// lines and `#` comments skipped.
std::vector<std::string> ParseFleetIgnore(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t end = line.size();
    while (end > 0 && std::isspace(static_cast<unsigned char>(line[end - 1]))) end--;
    if (end < line.size() && end > 0 && line[end - 1] == '\\') end++;  // keep one escaped blank
    line.resize(end);
    if (line.empty() || line[0] == '#') continue;
    out.push_back(line);
  }
  return out;
}

// `^.+/\*`: a pattern ignoring directories by name.
bool IsAllFilesInDirPattern(const std::string& p) {
  auto s = p.find("/*");
  return s != std::string::npos && s > 0;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view name) {
  return fnmatch(std::string(pattern).c_str(), std::string(name).c_str(), FNM_PATHNAME) == 0;
}

// Go's filepath.ErrBadPattern cases: an unclosed `[...]` or a trailing backslash.
bool BadPattern(std::string_view p) {
  for (size_t i = 0; i < p.size(); i++) {
    if (p[i] == '\\') {
      if (++i >= p.size()) return true;
    } else if (p[i] == '[') {
      size_t j = i + 1;
      if (j < p.size() && p[j] == '^') j++;
      if (j < p.size()) j++;  // a leading ']' is a literal
      while (j < p.size() && p[j] != ']') j++;
      if (j >= p.size()) return true;
      i = j;
    }
  }
  return false;
}

StatusOr<std::vector<std::string>> DiscoverBundleDirs(const Tree& tree, const std::string& raw) {
  std::string path = StripSlashes(raw);
  std::vector<std::string> bases;
  if (HasMeta(path)) {
    if (BadPattern(path)) return InvalidArgument("syntax error in pattern");
    ASSIGN_OR_RETURN(std::vector<TreeEntry> all, tree.Walk(""));
    for (const TreeEntry& e : all)
      if (e.is_dir && GlobMatch(path, e.path)) bases.push_back(e.path);
    std::sort(bases.begin(), bases.end());
  } else {
    auto entries = tree.Walk(path);
    if (!entries.ok()) {
      if (entries.status().code() == StatusCode::kNotFound ||
          entries.status().code() == StatusCode::kFailedPrecondition)
        return std::vector<std::string>{};  // as globDirs: a missing path matches nothing
      return entries.status();
    }
    bases.push_back(path);
  }

  std::vector<std::string> out;
  for (const std::string& base : bases) {
    ASSIGN_OR_RETURN(std::vector<TreeEntry> entries, tree.Walk(base));
    std::set<std::string> dirs = {base};
    std::set<std::string> with_fleet_yaml;
    std::map<std::string, bool> has_yaml;  // directory -> holds a .yaml/.yml file directly
    for (const TreeEntry& e : entries) {
      std::string rel = base.empty() ? e.path : e.path.substr(base.size() + 1);
      if (rel == ".git" || rel.rfind(".git/", 0) == 0 || rel.find("/.git/") != std::string::npos ||
          rel.ends_with("/.git"))
        continue;
      if (e.is_dir) {
        dirs.insert(e.path);
        continue;
      }
      // Trees need not list directories: every ancestor of a file is one.
      for (std::string d = TreeDir(e.path); d.size() > base.size(); d = TreeDir(d)) dirs.insert(d);
      std::string b = TreeBase(e.path);
      if (IsFleetYamlName(b)) with_fleet_yaml.insert(TreeDir(e.path));
      if (b.ends_with(".yaml") || b.ends_with(".yml")) has_yaml[TreeDir(e.path)] = true;
    }
    // hasSubDirectoryWithResourcesAndWithoutFleetYaml, bottom-up.
    std::vector<std::string> sorted(dirs.begin(), dirs.end());
    std::map<std::string, bool> resources;
    std::sort(sorted.begin(), sorted.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const std::string& d : sorted) {
      if (with_fleet_yaml.count(d)) {
        resources[d] = false;
        continue;
      }
      bool r = has_yaml[d];
      resources[d] = resources[d] || r;
      if (d != base && resources[d]) resources[TreeDir(d)] = true;
    }
    for (const std::string& d : dirs) {
      bool root = d == base;
      bool create = with_fleet_yaml.count(d) > 0 || (root && resources[d]);
      if (create) out.push_back(d);
    }
  }
  std::stable_sort(out.begin(), out.end(), WalkLess);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

StatusOr<Json> ReadBundleResources(const Tree& tree, const std::string& dir,
                                   const std::vector<std::string>& skip,
                                   const ContentLimits& limits) {
  ASSIGN_OR_RETURN(std::vector<TreeEntry> entries, tree.Walk(dir));
  std::sort(entries.begin(), entries.end(),
            [](const TreeEntry& a, const TreeEntry& b) { return WalkLess(a.path, b.path); });
  std::map<std::string, std::vector<std::string>> ignores;  // dir (relative) -> patterns
  std::vector<std::string> ignored_dirs;
  auto load_ignore = [&](const std::string& rel_dir) -> Status {
    std::string f = TreeJoin(TreeJoin(dir, rel_dir), ".fleetignore");
    for (const TreeEntry& e : entries)
      if (e.path == f && !e.is_dir) {
        ASSIGN_OR_RETURN(std::string text, tree.ReadFile(f));
        ignores[rel_dir] = ParseFleetIgnore(text);
      }
    return Status::Ok();
  };
  RETURN_IF_ERROR(load_ignore(""));
  auto is_ignored = [&](const std::string& rel, bool is_dir) {
    std::string base = TreeBase(rel);
    // Patterns of every directory from the bundle root down to the entry's parent.
    std::string parent = TreeDir(rel);
    std::vector<std::string> chain = {""};
    for (size_t i = 0; i < parent.size(); i++)
      if (parent[i] == '/') chain.push_back(parent.substr(0, i));
    if (!parent.empty()) chain.push_back(parent);
    for (const std::string& d : chain) {
      auto it = ignores.find(d);
      if (it == ignores.end()) continue;
      for (const std::string& p : it->second) {
        if (IsAllFilesInDirPattern(p)) {
          if (is_dir && p.substr(0, p.find("/*")) == base) return true;
        } else if (GlobMatch(p, base)) {
          return true;
        }
      }
    }
    return false;
  };

  Json resources = Json::array();
  uint64_t total = 0;
  for (const TreeEntry& e : entries) {
    std::string rel = dir.empty() ? e.path : e.path.substr(dir.size() + 1);
    bool under_ignored = false;
    for (const std::string& d : ignored_dirs)
      if (rel.rfind(d + "/", 0) == 0) under_ignored = true;
    if (under_ignored) continue;
    std::string base = TreeBase(rel);
    if (e.is_dir) {
      if (base == ".git" || base[0] == '.' || is_ignored(rel, true)) {
        ignored_dirs.push_back(rel);
        continue;
      }
      RETURN_IF_ERROR(load_ignore(rel));
      continue;
    }
    if (HiddenSegment(rel) || is_ignored(rel, false)) continue;
    if (rel == "fleet.yaml" || std::find(skip.begin(), skip.end(), rel) != skip.end()) continue;
    if (e.size > limits.max_file_bytes)
      return ResourceExhausted(fmt::format("{}: file is {} bytes, more than the limit of {}",
                                           e.path, e.size, limits.max_file_bytes));
    total += e.size;
    if (total > limits.max_bundle_bytes)
      return ResourceExhausted(fmt::format("{}: bundle is larger than the limit of {} bytes",
                                           TreeJoin(dir, ""), limits.max_bundle_bytes));
    auto read = tree.ReadFile(e.path);
    // A symlink to a directory (inside the tree) is not a file of the bundle.
    if (!read.ok() && read.status().code() == StatusCode::kFailedPrecondition) continue;
    if (!read.ok()) return read.status();
    std::string content = std::move(*read);
    if (content.size() > limits.max_file_bytes)
      return ResourceExhausted(fmt::format("{}: file is {} bytes, more than the limit of {}",
                                           e.path, content.size(), limits.max_file_bytes));
    if (!ValidUtf8(content)) continue;
    resources.push_back({{"name", rel}, {"content", content}});
  }
  std::sort(resources.begin(), resources.end(), [](const Json& a, const Json& b) {
    return a["name"].get<std::string>() < b["name"].get<std::string>();
  });
  return resources;
}

}  // namespace flotilla::render
