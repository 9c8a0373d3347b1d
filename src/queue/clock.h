// Time as the workqueue sees it: the real monotonic clock in production, a simulated one in tests
// and in the deterministic simulation of the sync state machine.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace flotilla::queue {

using TimePoint = std::chrono::steady_clock::time_point;
using Duration = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;

  virtual TimePoint Now() const = 0;

  // Blocks on `cv`, whose mutex `lock` holds, until `cv` is notified, Now() reaches `deadline`,
  // or a spurious wakeup: callers re-check their condition in a loop. A simulated clock does not
  // time out by itself; it calls its listeners when it moves (see AddListener), and the owner of
  // `cv` notifies it from there.
  virtual void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         TimePoint deadline) const = 0;

  // Blocks the calling thread until Now() >= deadline.
  virtual void SleepUntil(TimePoint deadline) = 0;
  void SleepFor(Duration d) { SleepUntil(Now() + d); }

  // Registers `fn` to be called, on the advancing thread, every time a simulated clock moves; a
  // real clock never calls it. `fn` must not advance the clock nor add/remove listeners.
  // Returns an id for RemoveListener, which returns only once no call of `fn` is running.
  virtual uint64_t AddListener(std::function<void()> fn) = 0;
  virtual void RemoveListener(uint64_t id) = 0;
};

// std::chrono::steady_clock. Thread-safe; lives forever.
Clock& RealClock();

// A clock that moves only when told to. Thread-safe: any thread may Advance while others wait.
class FakeClock : public Clock {
 public:
  FakeClock() = default;
  explicit FakeClock(TimePoint start) : now_ns_(start.time_since_epoch().count()) {}

  TimePoint Now() const override;
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override;
  void SleepUntil(TimePoint deadline) override;
  uint64_t AddListener(std::function<void()> fn) override;
  void RemoveListener(uint64_t id) override;

  // Moves time forward (never backward) and wakes everything whose deadline passed.
  void Advance(Duration d);
  void AdvanceTo(TimePoint t);
  // Number of threads blocked in SleepUntil (lets a test wait until a sleeper is parked).
  int Sleepers() const;

 private:
  std::atomic<int64_t> now_ns_{0};
  mutable std::mutex mu_;  // guards listeners_, next_id_, sleepers_; held while calling listeners
  std::condition_variable sleep_cv_;
  std::map<uint64_t, std::function<void()>> listeners_;
  uint64_t next_id_ = 1;
  int sleepers_ = 0;
};

}  // namespace flotilla::queue
