// Where the GitRepo controller gets commits and trees from. The production implementation talks
// to real remotes through src/git (libgit2 + the shared object cache); the deterministic
// simulation of the sync state machine substitutes simulated remotes.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/status.h"
#include "git/remote.h"
#include "render/tree/tree.h"

namespace flotilla::gitops {

class GitSource {
 public:
  virtual ~GitSource() = default;
  // The commit `spec` should sync now (branch head, tag, or pinned revision). A lookup of the
  // same (repository, ref, credentials) that started at most `max_staleness` ago may be shared
  // (0 = a fresh lookup that sees every push made before the call).
  virtual StatusOr<std::string> ResolveCommit(const git::RemoteSpec& spec,
                                              std::chrono::milliseconds max_staleness = {}) = 0;
  // The tree of `commit`, fetched into the local cache if needed.
  virtual StatusOr<std::shared_ptr<const render::Tree>> OpenTree(const git::RemoteSpec& spec,
                                                                 const std::string& commit) = 0;
};

// libgit2-backed source with the object cache under `cache_dir`.
std::unique_ptr<GitSource> NewLibGit2Source(const std::string& cache_dir);

}  // namespace flotilla::gitops
