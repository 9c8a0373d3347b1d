#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "render/tree/tree.h"

namespace flotilla::render {
namespace {

namespace fs = std::filesystem;

bool Escapes(std::string_view p) {
  if (!p.empty() && p[0] == '/') return true;
  fs::path norm = fs::path(std::string(p)).lexically_normal();
  std::string s = norm.generic_string();
  return s == ".." || s.rfind("../", 0) == 0;
}

class DiskTree : public Tree {
 public:
  explicit DiskTree(std::string root) : root_(fs::weakly_canonical(fs::path(root))) {}

  StatusOr<std::vector<TreeEntry>> Walk(std::string_view dir) const override {
    ASSIGN_OR_RETURN(fs::path base, Resolve(dir));
    std::error_code ec;
    if (!fs::is_directory(base, ec))
      return NotFound(fmt::format("directory \"{}\" not found", dir));
    std::vector<TreeEntry> out;
    for (auto it = fs::recursive_directory_iterator(base, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      if (it->path().filename() == ".git") {
        it.disable_recursion_pending();
        continue;
      }
      TreeEntry e;
      // Lexically: fs::relative would resolve symlinks and report their targets instead.
      e.path = it->path().lexically_relative(root_).generic_string();
      e.is_dir = it->is_directory(ec);
      if (!e.is_dir) e.size = it->is_regular_file(ec) ? it->file_size(ec) : 0;
      out.push_back(std::move(e));
    }
    if (ec) return Internal(fmt::format("cannot read \"{}\": {}", dir, ec.message()));
    std::sort(out.begin(), out.end(),
              [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });
    return out;
  }

  StatusOr<std::string> ReadFile(std::string_view path) const override {
    ASSIGN_OR_RETURN(fs::path p, Resolve(path));
    std::error_code ec;
    fs::path real = fs::weakly_canonical(p, ec);
    std::string rel = fs::relative(real, root_, ec).generic_string();
    if (ec || rel == ".." || rel.rfind("../", 0) == 0)
      return InvalidArgument(fmt::format("\"{}\" points outside the repository", path));
    std::ifstream in(real, std::ios::binary);
    if (!in) return NotFound(fmt::format("file \"{}\" not found", path));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  StatusOr<fs::path> Resolve(std::string_view rel) const {
    if (Escapes(rel))
      return InvalidArgument(fmt::format("path \"{}\" escapes the repository root", rel));
    return rel.empty() ? root_ : root_ / std::string(rel);
  }

  fs::path root_;
};

}  // namespace

std::unique_ptr<Tree> OpenDiskTree(std::string root) {
  return std::make_unique<DiskTree>(std::move(root));
}

}  // namespace flotilla::render
