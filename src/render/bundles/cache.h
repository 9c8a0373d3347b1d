// A bounded, content-addressed cache of built Bundles, so a new commit re-renders only the
// bundles whose inputs changed. BuildBundleSet consults it when BuildOptions::cache is set.
//
// Key: sha256 over the bundle directory's Tree::ContentId (a git tree id: every file beneath it,
// fleet.yaml included), the directory, and every BuildOptions field that shapes the output
// except the commit (the fleet.yaml commit label is set on the way out). Files read outside the
// directory (e.g. helm valuesFiles `../values.yaml`) are recorded with a hash of their content
// and re-checked on every hit. Never cached: trees without content ids (a directory on disk),
// bundles holding symlinks, walks outside the directory, charts from a repository (their
// content is not in the tree), and failures (a retry renders again).
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/json.h"

namespace flotilla::render {

class BundleCache {
 public:
  // Files outside the bundle directory the build read, as (path, sha256 of content).
  using Deps = std::vector<std::pair<std::string, std::string>>;
  struct Entry {
    Json bundle;  // without the commit label; null when the directory built no Bundle
    Deps deps;
  };
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;  // = renders of cacheable bundles
    uint64_t uncacheable = 0;
    uint64_t entries = 0;
    uint64_t bytes = 0;
  };

  // Keeps at most `max_bytes` of bundles (their serialised size), least recently used first out.
  explicit BundleCache(uint64_t max_bytes = 256ull << 20);

  // The entry for `key`, if present (and marks it recently used). Counts nothing: the caller
  // reports the outcome with Hit/Miss once deps are verified.
  bool Get(const std::string& key, Entry* out);
  void Put(const std::string& key, Entry entry);
  void Hit();
  void Miss();
  void Uncacheable();
  Stats stats() const;

 private:
  struct Slot {
    std::string key;
    Entry entry;
    uint64_t bytes;
  };
  void EvictLocked();

  const uint64_t max_bytes_;
  mutable std::mutex mu_;
  std::list<Slot> lru_;  // front = most recently used; guarded by mu_
  std::unordered_map<std::string, std::list<Slot>::iterator> index_;  // guarded by mu_
  Stats stats_;                                                       // guarded by mu_
};

}  // namespace flotilla::render
