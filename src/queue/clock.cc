#include "queue/clock.h"

#include <thread>

namespace flotilla::queue {
namespace {

class SteadyClock : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override {
    cv.wait_until(lock, deadline);
  }
  void SleepUntil(TimePoint deadline) override { std::this_thread::sleep_until(deadline); }
  uint64_t AddListener(std::function<void()>) override { return 0; }
  void RemoveListener(uint64_t) override {}
};

}  // namespace

Clock& RealClock() {
  static SteadyClock* clock = new SteadyClock();
  return *clock;
}

TimePoint FakeClock::Now() const {
  return TimePoint(Duration(now_ns_.load(std::memory_order_acquire)));
}

void FakeClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          TimePoint deadline) const {
  if (Now() >= deadline) return;
  cv.wait(lock);  // the owner's listener notifies `cv` when time moves
}

void FakeClock::SleepUntil(TimePoint deadline) {
  std::unique_lock<std::mutex> l(mu_);
  ++sleepers_;
  // now_ns_ only changes under mu_ (in AdvanceTo), so this wait cannot miss an advance.
  sleep_cv_.wait(l, [&] { return Now() >= deadline; });
  --sleepers_;
}

uint64_t FakeClock::AddListener(std::function<void()> fn) {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t id = next_id_++;
  listeners_.emplace(id, std::move(fn));
  return id;
}

void FakeClock::RemoveListener(uint64_t id) {
  std::lock_guard<std::mutex> l(mu_);
  listeners_.erase(id);
}

void FakeClock::Advance(Duration d) { AdvanceTo(Now() + d); }

void FakeClock::AdvanceTo(TimePoint t) {
  std::lock_guard<std::mutex> l(mu_);
  int64_t ns = t.time_since_epoch().count();
  if (ns > now_ns_.load(std::memory_order_relaxed)) {
    now_ns_.store(ns, std::memory_order_release);
  }
  sleep_cv_.notify_all();
  // Listeners run under mu_ so that RemoveListener returning means no call is in flight.
  for (auto& [id, fn] : listeners_) fn();
}

int FakeClock::Sleepers() const {
  std::lock_guard<std::mutex> l(mu_);
  return sleepers_;
}

}  // namespace flotilla::queue
