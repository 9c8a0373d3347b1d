#include "queue/rate_limiter.h"

#include <cmath>

namespace flotilla::queue {

Duration ExponentialBackoffRateLimiter::When(const std::string& key) {
  int exp;
  {
    std::lock_guard<std::mutex> l(mu_);
    exp = failures_[key]++;
  }
  // In floating point, so that large exponents saturate at the cap instead of overflowing.
  double backoff = static_cast<double>(base_.count()) * std::pow(2.0, exp);
  if (backoff >= static_cast<double>(cap_.count())) return cap_;
  return Duration(static_cast<Duration::rep>(backoff));
}

void ExponentialBackoffRateLimiter::Forget(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  failures_.erase(key);
}

int ExponentialBackoffRateLimiter::NumRequeues(const std::string& key) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

}  // namespace flotilla::queue
