// How long a failing key waits before its next attempt (client-go's workqueue.RateLimiter).
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "queue/clock.h"

namespace flotilla::queue {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // The delay before `key`'s next attempt; counts one more failure of `key`.
  virtual Duration When(const std::string& key) = 0;
  // Clears `key`'s failure history (after a success).
  virtual void Forget(const std::string& key) = 0;
  // Failures counted for `key` since it was last forgotten.
  virtual int NumRequeues(const std::string& key) const = 0;
};

// Per-key exponential backoff: base, 2*base, 4*base, ... capped at `cap`. Thread-safe.
class ExponentialBackoffRateLimiter : public RateLimiter {
 public:
  ExponentialBackoffRateLimiter(Duration base, Duration cap) : base_(base), cap_(cap) {}

  Duration When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) const override;

 private:
  const Duration base_;
  const Duration cap_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int> failures_;  // GUARDED_BY(mu_)
};

}  // namespace flotilla::queue
