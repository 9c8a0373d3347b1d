// The few file operations the directory applier needs, rooted at the apply dir: atomic writes
// (temporary sibling + fsync + rename + fsync of the directory), removals that tidy up empty
// directories, and reads. Each mutation first passes a fault hook, so tests can stop ("crash")
// the applier at every step, including between writing a temporary file and renaming it.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace flotilla::agent::directory {

// Called before each mutation with the step ("write", "rename", "remove") and the relative
// path. A non-OK status aborts the operation right there, leaving the disk as a crash would.
// Called concurrently when Applies of different deployments run concurrently.
using FaultHook = std::function<Status(std::string_view step, std::string_view path)>;

class Files {
 public:
  Files(std::filesystem::path root, bool sync, FaultHook hook)
      : root_(std::move(root)), sync_(sync), hook_(std::move(hook)) {}

  const std::filesystem::path& root() const { return root_; }

  // The file's content, or nullopt if it does not exist.
  StatusOr<std::optional<std::string>> Read(const std::string& rel) const;
  // Replaces the file atomically (readers see the old or the new content, never a mix), creating
  // parent directories. With `sync`, the content and the rename are durable on return.
  Status WriteAtomic(const std::string& rel, std::string_view content);
  // Removes the file (OK if absent), then its parent directories while they are empty, up to
  // (not including) the root.
  Status Remove(const std::string& rel);
  // Names of the regular files directly in `rel_dir` (empty if it does not exist).
  StatusOr<std::vector<std::string>> List(const std::string& rel_dir) const;
  // Deletes temporary files left by an interrupted WriteAtomic anywhere under the root.
  Status SweepTempFiles();

 private:
  Status Hook(std::string_view step, std::string_view rel) const {
    return hook_ ? hook_(step, rel) : Status::Ok();
  }
  Status EnsureDir(const std::filesystem::path& dir);
  Status SyncDir(const std::filesystem::path& dir) const;

  std::filesystem::path root_;
  bool sync_;
  FaultHook hook_;
};

}  // namespace flotilla::agent::directory
