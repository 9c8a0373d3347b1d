#include "render/tree/memory_tree.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/base64.h"
#include "core/gzip.h"

namespace flotilla::render {
namespace {

class MemoryTree : public Tree {
 public:
  explicit MemoryTree(std::map<std::string, std::string> files) : files_(std::move(files)) {}

  StatusOr<std::vector<TreeEntry>> Walk(std::string_view dir) const override {
    std::string d;
    if (!NormalizeTreePath(dir, &d))
      return InvalidArgument(fmt::format("path \"{}\" escapes the repository root", dir));
    std::string prefix = d.empty() ? "" : d + "/";
    std::set<std::string> dirs;
    std::vector<TreeEntry> out;
    for (const auto& [path, content] : files_) {
      if (path.rfind(prefix, 0) != 0) continue;
      out.push_back({path, false, content.size()});
      for (size_t s = path.find('/', prefix.size()); s != std::string::npos;
           s = path.find('/', s + 1))
        dirs.insert(path.substr(0, s));
    }
    if (out.empty() && !d.empty()) return NotFound(fmt::format("directory \"{}\" not found", dir));
    for (const std::string& x : dirs) out.push_back({x, true, 0});
    std::sort(out.begin(), out.end(),
              [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });
    return out;
  }

  StatusOr<std::string> ReadFile(std::string_view path) const override {
    std::string p;
    if (!NormalizeTreePath(path, &p))
      return InvalidArgument(fmt::format("path \"{}\" escapes the repository root", path));
    auto it = files_.find(p);
    if (it == files_.end()) return NotFound(fmt::format("file \"{}\" not found", path));
    return it->second;
  }

 private:
  std::map<std::string, std::string> files_;
};

// A "base64+gz" resource's content, named in errors by its resource `name`.
StatusOr<std::string> GunzipResource(const std::string& in, const std::string& name) {
  auto out = Gunzip(in, 256u << 20);
  if (out.ok()) return out;
  if (out.status().code() == StatusCode::kInvalidArgument)
    return InvalidArgument(fmt::format("{}: invalid gzip content", name));
  if (out.status().code() == StatusCode::kResourceExhausted)
    return ResourceExhausted(fmt::format("{}: decompresses to more than 256 MiB", name));
  return out.status();
}

}  // namespace

std::unique_ptr<Tree> OpenMemoryTree(std::map<std::string, std::string> files) {
  std::map<std::string, std::string> clean;
  for (auto& [path, content] : files) {
    std::string p;
    if (NormalizeTreePath(path, &p)) clean[p] = std::move(content);
  }
  return std::make_unique<MemoryTree>(std::move(clean));
}

StatusOr<std::unique_ptr<Tree>> MemoryTreeFromBundleResources(const Json& resources) {
  std::map<std::string, std::string> files;
  if (!resources.is_array()) return std::unique_ptr<Tree>(std::make_unique<MemoryTree>(files));
  for (const Json& r : resources) {
    if (!r.is_object()) return InvalidArgument("a bundle resource must be a map");
    std::string name = r.value("name", "");
    std::string path;
    if (!NormalizeTreePath(name, &path) || path.empty())
      return InvalidArgument(fmt::format("bundle resource \"{}\" escapes the bundle root", name));
    std::string content = r.value("content", "");
    std::string encoding = r.value("encoding", "");
    if (encoding == "base64+gz") {
      auto raw = Base64Decode(content);
      if (!raw.ok()) return raw.status().WithContext(name);
      ASSIGN_OR_RETURN(content, GunzipResource(*raw, name));
    } else if (encoding == "base64") {
      auto raw = Base64Decode(content);
      if (!raw.ok()) return raw.status().WithContext(name);
      content = std::move(*raw);
    } else if (!encoding.empty()) {
      return InvalidArgument(fmt::format("{}: unknown encoding \"{}\"", name, encoding));
    }
    files[path] = std::move(content);
  }
  return std::unique_ptr<Tree>(std::make_unique<MemoryTree>(std::move(files)));
}

std::string TreeBase(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string TreeDir(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}

std::string TreeJoin(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  if (name.empty()) return std::string(dir);
  return std::string(dir) + "/" + std::string(name);
}

bool NormalizeTreePath(std::string_view in, std::string* out) {
  if (!in.empty() && in[0] == '/') return false;
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= in.size()) {
    size_t s = in.find('/', start);
    std::string part(
        in.substr(start, s == std::string_view::npos ? std::string_view::npos : s - start));
    start = s == std::string_view::npos ? in.size() + 1 : s + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return false;
      parts.pop_back();
    } else {
      parts.push_back(part);
    }
  }
  out->clear();
  for (const std::string& p : parts) *out += (out->empty() ? "" : "/") + p;
  return true;
}

}  // namespace flotilla::render
