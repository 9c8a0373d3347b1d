// Private to src/git: what a Snapshot holds.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "git/cache.h"
#include "git/lg2.h"

namespace flotilla::git {

struct Snapshot::Impl {
  std::string commit;
  std::string url;  // redacted
  // Keeps the cache entry from being evicted while this snapshot lives.
  std::shared_ptr<void> pin;
  // libgit2 handles are not safe for concurrent use: `mu` guards them.
  mutable std::mutex mu;
  lg2::RepoPtr repo;
  lg2::OdbPtr odb;
  lg2::TreePtr root;
};

// Builds a snapshot of `commit` from the bare repository at `repo_dir`.
// NotFound if the commit is absent, InvalidArgument if the object is not a commit.
StatusOr<std::shared_ptr<Snapshot>> MakeSnapshot(const std::string& repo_dir,
                                                 const std::string& commit, const std::string& url,
                                                 std::shared_ptr<void> pin);

}  // namespace flotilla::git
