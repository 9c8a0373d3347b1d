// The controller runtime: a Manager owns the informers (store watches, resumed or re-listed),
// the workqueues and the worker pools of every controller it runs, and the periodic jobs that
// belong with them. Each controller registers itself (e.g. `GitRepoController::Register`):
//
//   controller::Queue& q = manager.AddController({.name = "gitrepo", .workers = 50,
//                                                 .reconcile = [&](const std::string& key) {
//                                                   return Reconcile(key);
//                                                 }});
//   manager.Watch(model::GitRepoType(), [&q](const store::WatchEvent& ev) {
//     q.Add(store::ObjectKey(ev.object));  // a handler only maps an event to keys
//   });
//
// Watches of one kind share one informer (one store watch), whatever the number of handlers;
// a handler registered for one namespace sees only that namespace's events. Handlers run on the
// informer's thread, must be quick and must only enqueue: the reconcilers read current state.
//
// Start() and Stop() are idempotent, and a stopped Manager can be started again (what leader
// election does when leadership is lost and won back): every Start creates fresh queues and
// informers, so the informers' first lists re-deliver every object as ADDED and the controllers
// see the whole store again. Stop() stops the informers, drops the keys still queued, and waits
// until every reconcile in flight has returned and every worker has exited. Keys added while the
// Manager is stopped are dropped (the next Start re-lists everything anyway).
//
// For deterministic simulation, construct with `threads = false` and a FakeClock: Start() then
// starts no thread, and the caller drives informers with Poll() and reconciles with
// ProcessNextReady().
//
// Thread-safe, except that registration (AddController, Watch, Every) must happen before the
// first Start().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "core/status.h"
#include "queue/clock.h"
#include "queue/rate_limiter.h"
#include "queue/worker_pool.h"
#include "queue/workqueue.h"
#include "store/store.h"

namespace flotilla::controller {

class Informer;
class Manager;

// A controller's queue as its watches and other triggers (webhooks, other controllers) see it.
// The reference AddController returns stays valid for the Manager's life; while the Manager is
// stopped, adds are dropped. Thread-safe.
class Queue {
 public:
  void Add(const std::string& key);
  // d <= 0 adds now.
  void AddAfter(const std::string& key, std::chrono::nanoseconds d);
  const std::string& name() const { return name_; }

 private:
  friend class Manager;
  explicit Queue(std::string name) : name_(std::move(name)) {}
  void Attach(queue::WorkQueue* q);

  const std::string name_;
  std::mutex mu_;
  queue::WorkQueue* current_ = nullptr;  // GUARDED_BY(mu_); null while stopped
};

struct ControllerOptions {
  // Names the queue in metrics and logs ("gitrepo", "bundle"); unique in a Manager.
  std::string name = "";
  // Keys reconciled in parallel (never the same key twice at once).
  int workers = 1;
  queue::ReconcileFunc reconcile = nullptr;
  // Per-key backoff after failures, made afresh at every Start; null: queue::DefaultRateLimiter().
  std::function<std::unique_ptr<queue::RateLimiter>()> rate_limiter = nullptr;
};

struct WatchOptions {
  // Only this namespace's objects ("" = every namespace).
  std::string ns = "";
  // Re-deliver every object this often as a safety net (0 = never). Watches sharing an informer
  // share the shortest.
  std::chrono::seconds resync{0};
};

using EventHandler = std::function<void(const store::WatchEvent&)>;

class Manager {
 public:
  struct Options {
    // The workqueues' clock; null = queue::RealClock(). A FakeClock for simulations.
    queue::Clock* clock = nullptr;
    // Where queue and reconcile metrics go; null = metrics::DefaultRegistry().
    metrics::Registry* registry = nullptr;
    // false: Start() starts no threads; the caller drives Poll() and ProcessNextReady().
    bool threads = true;
    // When set, every controller's backoff, whatever it registered (simulations shorten them).
    std::function<std::unique_ptr<queue::RateLimiter>()> rate_limiter = nullptr;
  };

  explicit Manager(store::Store& store, Options options);
  explicit Manager(store::Store& store) : Manager(store, Options()) {}
  ~Manager();  // Stop()
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // ---- registration (REQUIRES: before the first Start) ----

  // Adds a controller: a workqueue and `workers` workers calling `reconcile`. Returns the queue
  // that its watches (and anyone else) add keys to.
  Queue& AddController(ControllerOptions options);
  // Hands every change of `type` (in `options.ns`) to `handler`.
  void Watch(const store::ResourceType& type, EventHandler handler, WatchOptions options = {});
  // Runs `job` every `period` while started, the first time `first` after Start (default: one
  // period), on the Manager's own thread (one for all jobs): housekeeping that belongs with the
  // controllers (checking clusters in or marking them offline, expiring Events).
  void Every(std::string name, std::chrono::milliseconds period, std::function<void()> job,
             std::optional<std::chrono::milliseconds> first = std::nullopt);

  // ---- lifecycle ----

  // Creates the queues and informers and starts the workers, informers and periodic jobs.
  // Idempotent: OK when already started.
  Status Start();
  // Stops informers and periodic jobs, drops queued keys, and returns once every worker has
  // exited (in-flight reconciles complete). Idempotent.
  void Stop();
  bool Started() const;
  // True while started and once every informer has delivered its initial list.
  bool Synced() const;

  store::Store& store() const { return store_; }

  // ---- single-threaded drive (Options.threads = false) ----

  // Lets every informer deliver what is ready now (Informer::Poll). OK iff all are caught up;
  // otherwise the first error (the others were polled too).
  Status Poll();
  // Processes one ready key of each controller, in registration order. False if none was ready.
  bool ProcessNextReady();
  // The earliest due time of a delayed key in any queue.
  std::optional<queue::TimePoint> NextReadyAt() const;

 private:
  struct Controller;
  struct Registration {
    const store::ResourceType* type;
    EventHandler handler;
    WatchOptions options;
  };
  struct Job {
    std::string name;
    std::chrono::milliseconds period;
    std::chrono::milliseconds first;
    std::function<void()> run;
  };

  void RunJobs();

  store::Store& store_;
  const Options options_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  std::vector<Registration> watches_;
  std::vector<Job> jobs_;

  std::mutex lifecycle_mu_;  // serializes Start and Stop (held while workers are joined)
  std::atomic<bool> started_{false};
  bool ever_started_ = false;  // GUARDED_BY(lifecycle_mu_)
  mutable std::mutex state_mu_;
  std::vector<std::unique_ptr<Informer>> informers_;  // GUARDED_BY(state_mu_)
  std::thread jobs_thread_;
  std::mutex jobs_mu_;
  std::condition_variable jobs_cv_;
  bool jobs_stop_ = false;  // GUARDED_BY(jobs_mu_)
};

}  // namespace flotilla::controller
