// The shared object cache: one bare repository per remote URL, fetched incrementally, and
// immutable Snapshots of a commit's tree read straight from the object database (no checkout).
//
// Layout: <dir>/<slug>-<hash>/ is a bare repository for one NormalizeUrl(url). The controller uses
// <data-dir>/git-cache as <dir>. The directory may be deleted at any time while no process uses
// it; it is rebuilt on demand.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "git/remote.h"

namespace flotilla::git {

enum class EntryMode {
  kRegular,     // 100644
  kExecutable,  // 100755
  kSymlink,     // 120000 (blob content is the link target)
  kDirectory,   // 040000
  kSubmodule,   // 160000 (a commit id of another repository; not followed)
};

struct Entry {
  std::string name;  // last path component
  std::string path;  // relative to the root, "/"-separated, no leading "/"
  EntryMode mode = EntryMode::kRegular;
  uint64_t size = 0;  // blob size in bytes; 0 for directories and submodules
  std::string id;     // 40-hex blob, tree or commit id
};

// An immutable view of one commit's tree. Thread-safe; cheap to share (hold it by shared_ptr).
// Stays valid while held, even if the cache fetches or evicts in the meantime.
//
// Paths are relative to the repository root, "/"-separated; "" and "." are the root; a leading
// "./", repeated or trailing "/", and ".." that stays inside the tree are tolerated. Paths that
// are absolute or climb out of the root are InvalidArgument (so callers strip the leading "/"
// Fleet allows in `spec.paths` before asking). Symlinks are followed by List, ReadFile and TreeId
// when they stay inside the tree; Walk reports them as kSymlink entries without following them.
class Snapshot {
 public:
  ~Snapshot();
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // The 40-hex commit id.
  const std::string& commit() const;
  // The remote URL this snapshot came from, without userinfo.
  const std::string& url() const;

  // The entries directly under directory `dir`, sorted by name.
  // NotFound if `dir` does not exist, FailedPrecondition if it is not a directory.
  StatusOr<std::vector<Entry>> List(std::string_view dir) const;

  // Every entry beneath `dir` (files, symlinks, submodules and directories, recursively),
  // sorted by path. Same errors as List.
  StatusOr<std::vector<Entry>> Walk(std::string_view dir) const;

  // The content of the file at `path`. Symlinks are followed (up to 16 hops) as long as their
  // targets stay inside the tree. NotFound if absent; FailedPrecondition for a directory or a
  // submodule; InvalidArgument for paths (or symlink targets) escaping the root;
  // ResourceExhausted if the blob is larger than `max_bytes`.
  StatusOr<std::string> ReadFile(std::string_view path,
                                 uint64_t max_bytes = uint64_t{256} << 20) const;

  // The 40-hex tree id of directory `dir`: equal ids mean byte-identical contents, so it can key
  // caches of rendered bundles. NotFound / FailedPrecondition as for List.
  StatusOr<std::string> TreeId(std::string_view dir) const;

  // Internal: snapshots are made by Cache::Open.
  struct Impl;
  explicit Snapshot(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

struct CacheOptions {
  // Upper bound on the total size of the cached repositories on disk; when exceeded after a fetch,
  // least-recently-used repositories that no live Snapshot refers to are deleted. 0 = unbounded.
  uint64_t max_bytes = 0;
};

// A cache of bare repositories, one per NormalizeUrl(url), under `dir`.
// Thread-safe. Calls for the same repository serialise on a per-repository lock; calls for
// different repositories run in parallel. Several Cache objects (or processes) must not share one
// `dir`.
class Cache {
 public:
  explicit Cache(std::string dir, CacheOptions options = {});
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // Ensures `commit` (40-hex, usually from ResolveCommit) is in the local object database for
  // `spec.url`, fetching incrementally if it is not (the branch, tags, and if still missing all
  // branches), and returns a read-only view of that commit's tree. No network call is made when
  // the commit is already cached, so access control is the job of ResolveCommit, which always
  // asks the server (except for a commit-id revision).
  // Errors: those of ResolveCommit, plus NotFound if the server does not have `commit`,
  // InvalidArgument if `commit` is not a 40-hex id or not a commit, Internal for local I/O errors.
  StatusOr<std::shared_ptr<Snapshot>> Open(const RemoteSpec& spec, const std::string& commit);

  // The directory of the bare repository used for `url` (whether or not it exists yet).
  StatusOr<std::string> RepoDir(std::string_view url) const;

  // Total bytes on disk of the cached repositories, as last measured (after a fetch/eviction).
  uint64_t SizeBytes() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace flotilla::git
