#include "queue/worker_pool.h"

#include <algorithm>
#include <exception>

#include "core/log.h"
#include "core/metrics.h"

namespace flotilla::queue {
namespace {

void CountResult(const WorkQueue& queue, const char* result) {
  if (queue.registry() == nullptr) return;
  queue.registry()
      ->AddCounter("controller_runtime_reconcile_total",
                   "Total number of reconciliations per controller")
      .WithLabels({{"controller", queue.name()}, {"result", result}})
      .Inc();
}

Result CallReconcile(const ReconcileFunc& reconcile, const std::string& key) {
  try {
    return reconcile(key);
  } catch (const std::exception& e) {
    return Result::Error(Internal(std::string("reconcile threw: ") + e.what()));
  } catch (...) {
    return Result::Error(Internal("reconcile threw a non-standard exception"));
  }
}

}  // namespace

void ProcessKey(WorkQueue& queue, const std::string& key, const ReconcileFunc& reconcile) {
  Result r = CallReconcile(reconcile, key);
  if (!r.error.ok()) {
    int retries = queue.NumRequeues(key);
    log::Error("reconcile failed; retrying with backoff",
               {{"queue", queue.name()},
                {queue.name().empty() ? std::string_view("key") : queue.name(), key},
                {"error", r.error.ToString()},
                {"retries", std::to_string(retries)}});
    queue.AddRateLimited(key);
    if (r.after > Duration::zero()) queue.AddAfter(key, r.after);  // the earlier wins
    CountResult(queue, "error");
  } else if (r.after > Duration::zero()) {
    queue.Forget(key);
    queue.AddAfter(key, r.after);
    CountResult(queue, "requeue_after");
  } else if (r.requeue) {
    queue.AddRateLimited(key);
    CountResult(queue, "requeue");
  } else {
    queue.Forget(key);
    CountResult(queue, "success");
  }
  queue.Done(key);
}

bool ProcessNext(WorkQueue& queue, const ReconcileFunc& reconcile) {
  std::optional<std::string> key = queue.Get();
  if (!key) return false;
  ProcessKey(queue, *key, reconcile);
  return true;
}

bool ProcessNextReady(WorkQueue& queue, const ReconcileFunc& reconcile) {
  std::optional<std::string> key = queue.TryGet();
  if (!key) return false;
  ProcessKey(queue, *key, reconcile);
  return true;
}

WorkerPool::WorkerPool(WorkQueue& queue, int workers, ReconcileFunc reconcile)
    : queue_(queue), reconcile_(std::move(reconcile)) {
  for (int i = 0; i < std::max(workers, 1); ++i) {
    threads_.emplace_back([this] {
      while (ProcessNext(queue_, reconcile_)) {
      }
    });
  }
}

WorkerPool::~WorkerPool() {
  queue_.ShutDownWithDrain();
  Join();
}

void WorkerPool::Join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void Run(WorkQueue& queue, int workers, ReconcileFunc reconcile) {
  WorkerPool pool(queue, workers, std::move(reconcile));
  pool.Join();
}

}  // namespace flotilla::queue
