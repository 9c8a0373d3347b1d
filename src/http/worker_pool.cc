#include "http/worker_pool.h"

#include <fmt/format.h>

#include <cstring>
#include <utility>

namespace flotilla::http {

WorkerPool::~WorkerPool() { Stop(); }

Status WorkerPool::Start(size_t threads, size_t stack_bytes) {
  {
    std::lock_guard lk(mu_);
    stopping_ = false;
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack_bytes);
  int err = 0;
  for (size_t i = 0; i < threads && err == 0; i++) {
    pthread_t t;
    err = pthread_create(&t, &attr, &WorkerPool::Main, this);
    if (err == 0) threads_.push_back(t);
  }
  pthread_attr_destroy(&attr);
  if (err != 0) {
    Stop();
    return ResourceExhausted(
        fmt::format("cannot start {} worker threads: {}", threads, std::strerror(err)));
  }
  return Status::Ok();
}

void WorkerPool::Submit(std::function<void()> task, bool urgent) {
  {
    std::lock_guard lk(mu_);
    if (stopping_) return;
    (urgent ? urgent_ : normal_).push_back(std::move(task));
  }
  cv_.notify_one();
}

void WorkerPool::Stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
    urgent_.clear();
    normal_.clear();
  }
  cv_.notify_all();
  for (pthread_t t : threads_) pthread_join(t, nullptr);
  threads_.clear();
}

void* WorkerPool::Main(void* self) {
  static_cast<WorkerPool*>(self)->Run();
  return nullptr;
}

void WorkerPool::Run() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stopping_ || !urgent_.empty() || !normal_.empty(); });
      if (stopping_) return;
      auto& lane = urgent_.empty() ? normal_ : urgent_;
      task = std::move(lane.front());
      lane.pop_front();
    }
    task();
  }
}

}  // namespace flotilla::http
