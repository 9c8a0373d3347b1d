// Feeds a workqueue from the store: one thread watches a kind and hands every change to a
// handler (which only enqueues keys — the reconcilers read current state themselves). When the
// watch breaks or falls behind (kGone), it re-lists: every existing object is delivered again,
// so nothing is missed. A periodic resync re-delivers everything as a safety net.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "store/store.h"

namespace flotilla::gitops {

class Informer {
 public:
  using Handler = std::function<void(const store::WatchEvent&)>;

  // `resync` 0 = never.
  Informer(store::Store& store, const store::ResourceType& type, Handler handler,
           std::chrono::seconds resync = std::chrono::seconds(0), std::string ns = "");
  ~Informer();
  void Start();
  void Stop();
  // True once the initial list has been delivered.
  bool Synced() const { return synced_.load(); }

 private:
  void Loop();

  store::Store& store_;
  const store::ResourceType& type_;
  Handler handler_;
  std::chrono::seconds resync_;
  std::string ns_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> synced_{false};
  std::thread thread_;
};

}  // namespace flotilla::gitops
