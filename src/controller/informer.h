// Feeds a workqueue from the store: one thread watches a kind and hands every change to a
// handler (which only enqueues keys — the reconcilers read current state themselves). A watch
// that ends without losing its place (a server restart or a network cut, for a store over the
// API) is resumed from the last resourceVersion delivered (bookmarks included), so nothing is
// delivered twice. When the place is lost (kGone: the watch fell behind or the version expired)
// or cannot be resumed, it re-lists: every existing object is delivered again as ADDED, and
// every object it had delivered that the list no longer holds is delivered as DELETED (its last
// known labels), as client-go's DeletedFinalStateUnknown, so a deletion during a broken watch is
// not missed either. Failures are retried with backoff (250 ms doubling to 5 s); the first of a
// run is logged as a warning, the recovery once. A periodic resync re-delivers everything.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "store/store.h"

namespace flotilla::controller {

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

  // Drives the informer without its thread, for single-threaded simulations (REQUIRES: not
  // started): (re)lists when it has no open watch, then delivers every event ready now. OK means
  // caught up: everything written before the call was delivered and the watch is open. Otherwise
  // the error of the list or watch; the next call retries.
  Status Poll();

 private:
  void Loop();
  // One step: (re)list when there is no open watch, else wait up to `timeout` for one event.
  // Returns whether anything was delivered, or the list/watch error.
  StatusOr<bool> Step(std::chrono::milliseconds timeout);
  Status Relist();
  Status OpenWatch(int64_t from);
  void Deliver(const store::WatchEvent& ev);

  store::Store& store_;
  const store::ResourceType& type_;
  Handler handler_;
  std::chrono::seconds resync_;
  std::string ns_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> synced_{false};
  std::thread thread_;
  // Touched only by the thread running Step (the loop, or a simulation's Poll).
  std::unique_ptr<store::Watcher> watcher_;
  // The resourceVersion to resume a watch from (0: re-list).
  int64_t resume_from_ = 0;
  std::chrono::steady_clock::time_point next_resync_;
  // key -> the last delivered state, trimmed to apiVersion, kind and metadata name, namespace
  // and labels (what handlers route by), to announce deletions a re-list reveals.
  std::map<std::string, Json> known_;
};

// For a handler: true for ADDED and DELETED, spec changes (metadata.generation) and deletion
// marks; false for status-only writes, which the controllers make themselves and must not wake
// them again. Thread-safe.
class SpecChangeFilter {
 public:
  SpecChangeFilter() = default;
  // Also true when status.<status_field> changes: a trigger another process writes, such as the
  // webhookCommit a follower replica's webhook receiver records for the leader's controller.
  explicit SpecChangeFilter(std::string status_field) : status_field_(std::move(status_field)) {}
  bool ShouldEnqueue(const store::WatchEvent& ev);

 private:
  const std::string status_field_;
  std::mutex mu_;
  // key -> generation and status field; GUARDED_BY(mu_)
  std::unordered_map<std::string, std::pair<int64_t, Json>> seen_;
};

}  // namespace flotilla::controller
