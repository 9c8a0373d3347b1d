// A work queue of string keys with client-go's semantics (rate-limited delaying workqueue):
//
//  - A key is queued at most once: adding a queued key is a no-op.
//  - A key is handed to at most one worker at a time: between Get() returning it and Done(key).
//  - A key added while it is being processed is marked dirty and queued again by Done(key), so
//    the change that caused the add is always seen by a later run.
//  - AddRateLimited(key) re-adds after a per-key exponential backoff; Forget(key) resets it.
//  - AddAfter(key, d) adds once d has passed on the queue's Clock. Delayed keys wait in a heap the
//    queue services itself (no thread per item, no timer thread): Get/TryGet first move due keys
//    to the queue, and blocked Get()s wake at the earliest due time. If a key is already waiting,
//    the earlier due time wins.
//  - ShutDown(): Add* become no-ops, delayed keys are dropped, Get() keeps returning keys already
//    queued and then returns nullopt. ShutDownWithDrain() also waits until every key handed out
//    has been Done.
//
// For deterministic simulation, run the queue on a FakeClock and drive it from one thread with
// TryGet()/Done(), advancing the clock to NextReadyAt().
//
// Metrics (when options.name is set), as client-go/controller-runtime name them, label name=...:
// workqueue_depth, workqueue_adds_total, workqueue_queue_duration_seconds,
// workqueue_work_duration_seconds, workqueue_retries_total, workqueue_unfinished_work_seconds,
// workqueue_longest_running_processor_seconds.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

#include "core/metrics.h"
#include "queue/clock.h"
#include "queue/rate_limiter.h"

namespace flotilla::queue {

struct QueueOptions {
  // Names the queue in metrics and logs ("gitrepo", "bundle", ...). Empty: no metrics. Two live
  // queues must not share a name in one registry.
  std::string name;
  Clock* clock = nullptr;                     // default RealClock()
  std::unique_ptr<RateLimiter> rate_limiter;  // default DefaultRateLimiter()
  metrics::Registry* registry = nullptr;      // default metrics::DefaultRegistry()
};

// Exponential per-key backoff from 5 ms to 1000 s, as client-go's default controller limiter.
std::unique_ptr<RateLimiter> DefaultRateLimiter();

class WorkQueue {
 public:
  explicit WorkQueue(QueueOptions options = {});
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const std::string& key);
  // d <= 0 adds now.
  void AddAfter(const std::string& key, Duration d);
  // AddAfter(key, rate_limiter.When(key)); counts a retry.
  void AddRateLimited(const std::string& key);
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key) const;

  // Blocks until a key is ready (and returns it, now owned by the caller until Done), or the
  // queue is shut down and empty (nullopt).
  std::optional<std::string> Get();
  // Returns a ready key without blocking, or nullopt if none is ready now.
  std::optional<std::string> TryGet();
  // Ends the processing of `key` (from Get/TryGet); re-queues it if it was added meanwhile.
  void Done(const std::string& key);

  void ShutDown();
  // ShutDown(), then blocks until every key handed out has been Done.
  void ShutDownWithDrain();
  bool ShuttingDown() const;

  // Keys ready to be handed out.
  size_t Len() const;
  // Keys waiting for their AddAfter/AddRateLimited due time.
  size_t NumWaiting() const;
  // Keys handed out and not yet Done.
  size_t NumProcessing() const;
  // The earliest due time of a waiting key (what a simulation advances its clock to).
  std::optional<TimePoint> NextReadyAt() const;

  const std::string& name() const { return name_; }
  // The registry this queue reports to; nullptr when it has no name.
  metrics::Registry* registry() const;
  Clock& clock() const { return *clock_; }

 private:
  struct Metrics;

  void AddLocked(const std::string& key, TimePoint now);
  void PromoteDueLocked(TimePoint now);
  std::string PopLocked(TimePoint now);

  const std::string name_;
  Clock* const clock_;
  const std::unique_ptr<RateLimiter> rate_limiter_;
  std::unique_ptr<Metrics> metrics_;
  uint64_t listener_id_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;        // a key became ready, the heap front moved, or shutdown
  std::condition_variable drain_cv_;  // processing_ shrank
  std::deque<std::string> queue_;     // GUARDED_BY(mu_); ready keys, FIFO
  // Keys that need processing (queued, or added while processing), with their first add time.
  std::unordered_map<std::string, TimePoint> dirty_;       // GUARDED_BY(mu_)
  std::unordered_map<std::string, TimePoint> processing_;  // GUARDED_BY(mu_); key -> start
  // Delayed keys: (due, sequence, key), ordered by due time then arrival.
  using Waiting = std::tuple<TimePoint, uint64_t, std::string>;
  std::set<Waiting> waiting_;                                                    // GUARDED_BY(mu_)
  std::unordered_map<std::string, std::set<Waiting>::iterator> waiting_by_key_;  // GUARDED_BY(mu_)
  uint64_t seq_ = 0;                                                             // GUARDED_BY(mu_)
  bool shutting_down_ = false;                                                   // GUARDED_BY(mu_)
};

}  // namespace flotilla::queue
