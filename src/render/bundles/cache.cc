#include "render/bundles/cache.h"

#include "core/metrics.h"

namespace flotilla::render {
namespace {

struct CacheMetrics {
  metrics::Counter& hits;
  metrics::Counter& misses;
  metrics::Counter& uncacheable;
  static CacheMetrics& Get() {
    static CacheMetrics m{
        metrics::DefaultRegistry()
            .AddCounter("flotilla_render_cache_hits_total",
                        "Bundles served from the render cache (their directory did not change).")
            .WithLabels(),
        metrics::DefaultRegistry()
            .AddCounter("flotilla_render_cache_misses_total",
                        "Bundles rendered because no cached build matched their content.")
            .WithLabels(),
        metrics::DefaultRegistry()
            .AddCounter("flotilla_render_cache_uncacheable_total",
                        "Bundles rendered that the cache cannot hold (see render/bundles/cache.h).")
            .WithLabels()};
    return m;
  }
};

}  // namespace

BundleCache::BundleCache(uint64_t max_bytes) : max_bytes_(max_bytes) { CacheMetrics::Get(); }

bool BundleCache::Get(const std::string& key, Entry* out) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  lru_.splice(lru_.begin(), lru_, it->second);
  *out = it->second->entry;
  return true;
}

void BundleCache::Put(const std::string& key, Entry entry) {
  uint64_t bytes = key.size() + (entry.bundle.is_null() ? 0 : entry.bundle.dump().size());
  for (const auto& d : entry.deps) bytes += d.first.size() + d.second.size();
  std::lock_guard<std::mutex> lock(mu_);
  if (bytes > max_bytes_) return;
  auto it = index_.find(key);
  if (it != index_.end()) {
    stats_.bytes -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Slot{key, std::move(entry), bytes});
  index_[key] = lru_.begin();
  stats_.bytes += bytes;
  EvictLocked();
  stats_.entries = index_.size();
}

void BundleCache::EvictLocked() {
  while (stats_.bytes > max_bytes_ && !lru_.empty()) {
    stats_.bytes -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

void BundleCache::Hit() {
  CacheMetrics::Get().hits.Inc();
  std::lock_guard<std::mutex> lock(mu_);
  stats_.hits++;
}

void BundleCache::Miss() {
  CacheMetrics::Get().misses.Inc();
  std::lock_guard<std::mutex> lock(mu_);
  stats_.misses++;
}

void BundleCache::Uncacheable() {
  CacheMetrics::Get().uncacheable.Inc();
  std::lock_guard<std::mutex> lock(mu_);
  stats_.uncacheable++;
}

BundleCache::Stats BundleCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace flotilla::render
