// A read-only file tree: what bundles (and Kustomize builds) are read from. The controller reads
// a git commit through it (gitops/git_tree.h), the CLI a directory on disk (DiskTree) — so both
// take the same path from a tree to Bundles.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace flotilla::render {

struct TreeEntry {
  std::string path;  // relative to the tree root, "/"-separated
  bool is_dir = false;
  uint64_t size = 0;
  bool is_symlink = false;  // a symlink (reads follow it; its target may lie outside `dir`)
};

class Tree {
 public:
  virtual ~Tree() = default;
  // Every file and directory beneath `dir` ("" = root), sorted by path. Paths escaping the root
  // are InvalidArgument; a missing dir is NotFound.
  virtual StatusOr<std::vector<TreeEntry>> Walk(std::string_view dir) const = 0;
  virtual StatusOr<std::string> ReadFile(std::string_view path) const = 0;
  // A content id for `dir` (equal ids = identical contents); empty when unsupported.
  virtual StatusOr<std::string> ContentId(std::string_view dir) const { return std::string(); }
};

// `path` ("/"-separated, relative to a tree root) lexically normalised into `*out` ("" = the
// root); false when it is absolute or `..` climbs above the root.
bool NormalizeTreePath(std::string_view path, std::string* out);

// Helpers for tree paths as Walk returns them ("/"-separated, relative, normalised; "" = root).
// The last element: "a/b.yaml" -> "b.yaml", "b.yaml" -> "b.yaml".
std::string TreeBase(std::string_view path);
// All but the last element: "a/b.yaml" -> "a", "b.yaml" -> "" (the root).
std::string TreeDir(std::string_view path);
// `dir`/`name`, where an empty side stands for "nothing to add": ("", "x") -> "x", ("a", "") ->
// "a".
std::string TreeJoin(std::string_view dir, std::string_view name);

// A directory on the local disk. Symlinks that leave `root` are refused.
std::unique_ptr<Tree> OpenDiskTree(std::string root);

}  // namespace flotilla::render
