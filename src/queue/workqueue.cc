#include "queue/workqueue.h"

#include <algorithm>

namespace flotilla::queue {
namespace {

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::unique_ptr<RateLimiter> DefaultRateLimiter() {
  return std::make_unique<ExponentialBackoffRateLimiter>(std::chrono::milliseconds(5),
                                                         std::chrono::seconds(1000));
}

// The queue's metric children, looked up once. Callback gauges are removed in ~WorkQueue.
struct WorkQueue::Metrics {
  metrics::Registry* registry;
  metrics::Labels labels;
  metrics::Counter* adds;
  metrics::Counter* retries;
  metrics::Histogram* latency;
  metrics::Histogram* work;
  metrics::Family<metrics::Gauge>* depth;
  metrics::Family<metrics::Gauge>* unfinished;
  metrics::Family<metrics::Gauge>* longest;
};

WorkQueue::WorkQueue(QueueOptions options)
    : name_(std::move(options.name)),
      clock_(options.clock ? options.clock : &RealClock()),
      rate_limiter_(options.rate_limiter ? std::move(options.rate_limiter) : DefaultRateLimiter()) {
  if (!name_.empty()) {
    auto* r = options.registry ? options.registry : &metrics::DefaultRegistry();
    auto buckets = metrics::ExponentialBuckets(1e-8, 10, 10);
    metrics::Labels l = {{"name", name_}};
    metrics_.reset(new Metrics{
        r,
        l,
        &r->AddCounter("workqueue_adds_total", "Total number of adds handled by workqueue")
             .WithLabels(l),
        &r->AddCounter("workqueue_retries_total", "Total number of retries handled by workqueue")
             .WithLabels(l),
        &r->AddHistogram("workqueue_queue_duration_seconds",
                         "How long in seconds an item stays in workqueue before being requested",
                         buckets)
             .WithLabels(l),
        &r->AddHistogram("workqueue_work_duration_seconds",
                         "How long in seconds processing an item from workqueue takes", buckets)
             .WithLabels(l),
        &r->AddGauge("workqueue_depth", "Current depth of workqueue"),
        &r->AddGauge("workqueue_unfinished_work_seconds",
                     "How many seconds of work has been done that is in progress and hasn't been "
                     "observed by work_duration. Large values indicate stuck threads. One can "
                     "deduce the number of stuck threads by observing the rate at which this "
                     "increases."),
        &r->AddGauge("workqueue_longest_running_processor_seconds",
                     "How many seconds has the longest running processor for workqueue been "
                     "running."),
    });
    metrics_->depth->SetCallback(l, [this] {
      std::lock_guard<std::mutex> g(mu_);
      return static_cast<double>(dirty_.size());
    });
    metrics_->unfinished->SetCallback(l, [this] {
      std::lock_guard<std::mutex> g(mu_);
      TimePoint now = clock_->Now();
      double total = 0;
      for (const auto& [key, start] : processing_) total += Seconds(now - start);
      return total;
    });
    metrics_->longest->SetCallback(l, [this] {
      std::lock_guard<std::mutex> g(mu_);
      TimePoint now = clock_->Now();
      double longest = 0;
      for (const auto& [key, start] : processing_)
        longest = std::max(longest, Seconds(now - start));
      return longest;
    });
  }
  // A simulated clock does not time out waits: wake every blocked Get() when it moves.
  listener_id_ = clock_->AddListener([this] {
    std::lock_guard<std::mutex> g(mu_);
    cv_.notify_all();
  });
}

WorkQueue::~WorkQueue() {
  clock_->RemoveListener(listener_id_);
  if (metrics_) {
    metrics_->depth->Remove(metrics_->labels);
    metrics_->unfinished->Remove(metrics_->labels);
    metrics_->longest->Remove(metrics_->labels);
  }
}

metrics::Registry* WorkQueue::registry() const { return metrics_ ? metrics_->registry : nullptr; }

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  AddLocked(key, clock_->Now());
}

void WorkQueue::AddLocked(const std::string& key, TimePoint now) {
  if (shutting_down_) return;
  if (!dirty_.emplace(key, now).second) return;  // already queued or pending
  if (metrics_) metrics_->adds->Inc();
  if (processing_.count(key)) return;  // Done() will queue it
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::AddAfter(const std::string& key, Duration d) {
  std::lock_guard<std::mutex> l(mu_);
  if (shutting_down_) return;
  TimePoint now = clock_->Now();
  if (d <= Duration::zero()) {
    AddLocked(key, now);
    return;
  }
  TimePoint due = now + d;
  auto it = waiting_by_key_.find(key);
  if (it != waiting_by_key_.end()) {
    if (std::get<0>(*it->second) <= due) return;  // the earlier due time wins
    waiting_.erase(it->second);
    waiting_by_key_.erase(it);
  }
  auto pos = waiting_.emplace(due, seq_++, key).first;
  waiting_by_key_.emplace(key, pos);
  // Blocked Get()s wait until the old front's due time; wake them if this one is earlier.
  if (pos == waiting_.begin()) cv_.notify_all();
}

void WorkQueue::AddRateLimited(const std::string& key) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (shutting_down_) return;
  }
  if (metrics_) metrics_->retries->Inc();
  AddAfter(key, rate_limiter_->When(key));
}

void WorkQueue::Forget(const std::string& key) { rate_limiter_->Forget(key); }

int WorkQueue::NumRequeues(const std::string& key) const { return rate_limiter_->NumRequeues(key); }

void WorkQueue::PromoteDueLocked(TimePoint now) {
  while (!waiting_.empty() && std::get<0>(*waiting_.begin()) <= now) {
    std::string key = std::get<2>(*waiting_.begin());
    waiting_by_key_.erase(key);
    waiting_.erase(waiting_.begin());
    AddLocked(key, now);
  }
}

std::string WorkQueue::PopLocked(TimePoint now) {
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  auto it = dirty_.find(key);
  if (metrics_ && it != dirty_.end()) metrics_->latency->Observe(Seconds(now - it->second));
  dirty_.erase(it);
  processing_.emplace(key, now);
  if (!queue_.empty()) cv_.notify_one();  // pass the baton if more keys are ready
  return key;
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    TimePoint now = clock_->Now();
    PromoteDueLocked(now);
    if (!queue_.empty()) return PopLocked(now);
    if (shutting_down_) return std::nullopt;
    if (waiting_.empty()) {
      cv_.wait(l);
    } else {
      clock_->WaitUntil(cv_, l, std::get<0>(*waiting_.begin()));
    }
  }
}

std::optional<std::string> WorkQueue::TryGet() {
  std::lock_guard<std::mutex> l(mu_);
  TimePoint now = clock_->Now();
  PromoteDueLocked(now);
  if (queue_.empty()) return std::nullopt;
  return PopLocked(now);
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = processing_.find(key);
  if (it == processing_.end()) return;
  if (metrics_) metrics_->work->Observe(Seconds(clock_->Now() - it->second));
  processing_.erase(it);
  if (dirty_.count(key)) {
    queue_.push_back(key);
    cv_.notify_one();
  }
  drain_cv_.notify_all();
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> l(mu_);
  shutting_down_ = true;
  waiting_.clear();
  waiting_by_key_.clear();
  cv_.notify_all();
}

void WorkQueue::ShutDownWithDrain() {
  ShutDown();
  std::unique_lock<std::mutex> l(mu_);
  drain_cv_.wait(l, [this] { return processing_.empty(); });
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard<std::mutex> l(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() const {
  std::lock_guard<std::mutex> l(mu_);
  // Due keys count as ready even before a Get() moves them.
  TimePoint now = clock_->Now();
  size_t due = 0;
  for (const auto& w : waiting_) {
    if (std::get<0>(w) > now) break;
    if (!dirty_.count(std::get<2>(w))) ++due;
  }
  return queue_.size() + due;
}

size_t WorkQueue::NumWaiting() const {
  std::lock_guard<std::mutex> l(mu_);
  return waiting_.size();
}

size_t WorkQueue::NumProcessing() const {
  std::lock_guard<std::mutex> l(mu_);
  return processing_.size();
}

std::optional<TimePoint> WorkQueue::NextReadyAt() const {
  std::lock_guard<std::mutex> l(mu_);
  if (waiting_.empty()) return std::nullopt;
  return std::get<0>(*waiting_.begin());
}

}  // namespace flotilla::queue
