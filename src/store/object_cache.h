// A bounded LRU cache of parsed objects keyed by resourceVersion. Because every write gets a
// new, globally unique resourceVersion, an entry never goes stale: a database row whose
// resource_version is R has exactly the cached object R. Parsing JSON costs ~10x a copy of
// the parsed value, so Get and List serve copies from here and parse only on a miss.
// Thread-safe (sharded locks).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/json.h"

namespace flotilla::store {

class ObjectCache {
 public:
  // `max_bytes` bounds the estimated heap of the cached objects (ApproxJsonMemory); 0 disables
  // the cache.
  explicit ObjectCache(size_t max_bytes);

  std::shared_ptr<const Json> Find(int64_t resource_version);
  // Returns the object's estimated memory (computed outside the lock), cached or not.
  size_t Insert(int64_t resource_version, std::shared_ptr<const Json> object);
  void Erase(int64_t resource_version);

  struct Stats {
    uint64_t hits = 0, misses = 0;
    size_t bytes = 0, entries = 0;
  };
  Stats stats() const;

 private:
  static constexpr size_t kShards = 16;
  struct Item {
    int64_t rv;
    std::shared_ptr<const Json> object;
    size_t bytes;
  };
  struct Shard {
    mutable std::mutex mu;
    std::list<Item> lru;  // front = most recently used
    std::unordered_map<int64_t, std::list<Item>::iterator> index;
    size_t bytes = 0;
    uint64_t hits = 0, misses = 0;
  };
  Shard& ShardFor(int64_t rv) { return shards_[static_cast<uint64_t>(rv) % kShards]; }

  const size_t shard_max_bytes_;
  std::vector<Shard> shards_;
};

}  // namespace flotilla::store
