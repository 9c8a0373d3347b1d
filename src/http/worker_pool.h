// A fixed pool of threads with a known stack size that runs submitted tasks in two lanes:
// urgent tasks (health probes) go before ordinary ones. Thread-safe.
#pragma once

#include <pthread.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "core/status.h"

namespace flotilla::http {

class WorkerPool {
 public:
  WorkerPool() = default;
  ~WorkerPool();  // Stop()s
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts `threads` threads with `stack_bytes` of stack each. kResourceExhausted when the
  // system refuses a thread (the ones started are stopped again).
  Status Start(size_t threads, size_t stack_bytes);
  void Submit(std::function<void()> task, bool urgent);
  // Runs no further tasks (queued ones are dropped, unrun), waits for running ones, joins.
  void Stop();

 private:
  static void* Main(void* self);
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> urgent_;  // GUARDED_BY(mu_)
  std::deque<std::function<void()>> normal_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                     // GUARDED_BY(mu_)
  std::vector<pthread_t> threads_;
};

}  // namespace flotilla::http
