#include "gitops/git_source.h"

#include "git/cache.h"
#include "git/resolver.h"

namespace flotilla::gitops {
namespace {

// A render::Tree over a git::Snapshot (reads blobs straight from the object database).
class SnapshotTree : public render::Tree {
 public:
  explicit SnapshotTree(std::shared_ptr<git::Snapshot> snap) : snap_(std::move(snap)) {}

  StatusOr<std::vector<render::TreeEntry>> Walk(std::string_view dir) const override {
    ASSIGN_OR_RETURN(std::vector<git::Entry> entries, snap_->Walk(dir));
    std::vector<render::TreeEntry> out;
    out.reserve(entries.size());
    for (const git::Entry& e : entries) {
      if (e.mode == git::EntryMode::kSubmodule) continue;
      out.push_back({e.path, e.mode == git::EntryMode::kDirectory, e.size,
                     e.mode == git::EntryMode::kSymlink});
    }
    return out;
  }
  StatusOr<std::string> ReadFile(std::string_view path) const override {
    return snap_->ReadFile(path);
  }
  StatusOr<std::string> ContentId(std::string_view dir) const override {
    return snap_->TreeId(dir);
  }

 private:
  std::shared_ptr<git::Snapshot> snap_;
};

class LibGit2Source : public GitSource {
 public:
  explicit LibGit2Source(const std::string& dir) : cache_(dir) {}

  StatusOr<std::string> ResolveCommit(const git::RemoteSpec& spec,
                                      std::chrono::milliseconds max_staleness) override {
    return resolver_.Resolve(spec, max_staleness);
  }
  StatusOr<std::shared_ptr<const render::Tree>> OpenTree(const git::RemoteSpec& spec,
                                                         const std::string& commit) override {
    ASSIGN_OR_RETURN(std::shared_ptr<git::Snapshot> snap, cache_.Open(spec, commit));
    return std::shared_ptr<const render::Tree>(std::make_shared<SnapshotTree>(std::move(snap)));
  }

 private:
  git::Cache cache_;
  git::Resolver resolver_;  // GitRepos on one (url, ref, credentials) share lookups
};

}  // namespace

std::unique_ptr<GitSource> NewLibGit2Source(const std::string& cache_dir) {
  return std::make_unique<LibGit2Source>(cache_dir);
}

}  // namespace flotilla::gitops
