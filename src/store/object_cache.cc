#include "store/object_cache.h"

#include "store/json_memory.h"

namespace flotilla::store {

ObjectCache::ObjectCache(size_t max_bytes)
    : shard_max_bytes_(max_bytes / kShards), shards_(kShards) {}

std::shared_ptr<const Json> ObjectCache::Find(int64_t rv) {
  Shard& s = ShardFor(rv);
  std::lock_guard lk(s.mu);
  auto it = s.index.find(rv);
  if (it == s.index.end()) {
    s.misses++;
    return nullptr;
  }
  s.hits++;
  s.lru.splice(s.lru.begin(), s.lru, it->second);
  return it->second->object;
}

size_t ObjectCache::Insert(int64_t rv, std::shared_ptr<const Json> object) {
  const size_t bytes = ApproxJsonMemory(*object);
  if (bytes > shard_max_bytes_) return bytes;
  Shard& s = ShardFor(rv);
  std::lock_guard lk(s.mu);
  if (s.index.count(rv)) return bytes;
  s.lru.push_front(Item{rv, std::move(object), bytes});
  s.index.emplace(rv, s.lru.begin());
  s.bytes += bytes;
  while (s.bytes > shard_max_bytes_ && !s.lru.empty()) {
    s.bytes -= s.lru.back().bytes;
    s.index.erase(s.lru.back().rv);
    s.lru.pop_back();
  }
  return bytes;
}

void ObjectCache::Erase(int64_t rv) {
  Shard& s = ShardFor(rv);
  std::lock_guard lk(s.mu);
  auto it = s.index.find(rv);
  if (it == s.index.end()) return;
  s.bytes -= it->second->bytes;
  s.lru.erase(it->second);
  s.index.erase(it);
}

ObjectCache::Stats ObjectCache::stats() const {
  Stats out;
  for (const Shard& s : shards_) {
    std::lock_guard lk(s.mu);
    out.hits += s.hits;
    out.misses += s.misses;
    out.bytes += s.bytes;
    out.entries += s.index.size();
  }
  return out;
}

}  // namespace flotilla::store
