// Runs a reconcile function over a WorkQueue with N workers, as controller-runtime does:
//
//   Result r = reconcile(key);
//   error          -> AddRateLimited(key)       (per-key exponential backoff; logged), and
//                     with after > 0 also AddAfter(key, after): retried no later than `after`
//   after > 0      -> Forget(key), AddAfter(key, after)
//   requeue        -> AddRateLimited(key)
//   otherwise      -> Forget(key)
//   always         -> Done(key)
//
// An exception escaping `reconcile` is caught and treated as an Internal error.
// Metric (when the queue has a name): controller_runtime_reconcile_total{controller, result} with
// result one of success, error, requeue, requeue_after.
#pragma once

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "queue/workqueue.h"

namespace flotilla::queue {

struct Result {
  bool requeue = false;
  std::chrono::nanoseconds after{0};
  Status error;

  static Result Success() { return Result(); }
  static Result Error(Status s) {
    Result r;
    r.error = std::move(s);
    return r;
  }
  static Result RequeueAfter(std::chrono::nanoseconds d) {
    Result r;
    r.after = d;
    return r;
  }
  static Result Requeue() {
    Result r;
    r.requeue = true;
    return r;
  }
};

using ReconcileFunc = std::function<Result(const std::string& key)>;

// Runs `reconcile` on `key` (which the caller got from `queue`) and settles it as above.
void ProcessKey(WorkQueue& queue, const std::string& key, const ReconcileFunc& reconcile);

// Blocks for the next key and processes it. Returns false once the queue is shut down and empty.
bool ProcessNext(WorkQueue& queue, const ReconcileFunc& reconcile);

// Processes one ready key without blocking (single-threaded simulation). Returns false if no key
// was ready.
bool ProcessNextReady(WorkQueue& queue, const ReconcileFunc& reconcile);

// `workers` threads calling ProcessNext until the queue is shut down and empty.
class WorkerPool {
 public:
  // Starts the threads. REQUIRES: workers >= 1; `queue` outlives the pool.
  WorkerPool(WorkQueue& queue, int workers, ReconcileFunc reconcile);
  // Shuts the queue down (with drain) and joins.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Waits until the workers have exited (after someone shuts the queue down).
  void Join();

 private:
  WorkQueue& queue_;
  ReconcileFunc reconcile_;
  std::vector<std::thread> threads_;
};

// Runs a WorkerPool and blocks until the queue is shut down and every worker has exited.
void Run(WorkQueue& queue, int workers, ReconcileFunc reconcile);

}  // namespace flotilla::queue
