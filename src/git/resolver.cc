#include "git/resolver.h"

#include <condition_variable>
#include <mutex>
#include <unordered_map>

#include "git/url.h"

namespace flotilla::git {
namespace {

struct Flight {
  Resolver::Clock::time_point started;
  bool done = false;
  StatusOr<std::string> result = Status(StatusCode::kInternal, "lookup not finished");
};

// InvalidArgument for bad URLs (the lookup would fail the same way, without a network call).
StatusOr<std::string> Key(const RemoteSpec& spec) {
  ASSIGN_OR_RETURN(ParsedUrl url, ParseUrl(spec.url));
  ASSIGN_OR_RETURN(std::string normalized, NormalizeUrl(spec.url));
  Auth credentials = spec.auth;
  credentials.username += '\x01' + url.user;
  credentials.password += '\x01' + url.password;
  std::string ref =
      spec.revision.empty() ? "branch:" + spec.EffectiveBranch() : "revision:" + spec.revision;
  return normalized + '\n' + ref + '\n' + credentials.Fingerprint();
}

}  // namespace

struct Resolver::Impl {
  LookupFn lookup;
  mutable std::mutex mu;
  std::condition_variable done_cv;
  std::unordered_map<std::string, std::shared_ptr<Flight>> latest;  // guarded by mu
  Stats stats;                                                      // guarded by mu

  // Drops finished flights too old to be reused by anyone reasonable. REQUIRES: mu held.
  void Prune(Clock::time_point now) {
    if (latest.size() < 4096) return;
    for (auto it = latest.begin(); it != latest.end();) {
      if (it->second->done && now - it->second->started > std::chrono::minutes(10)) {
        it = latest.erase(it);
      } else {
        ++it;
      }
    }
  }
};

Resolver::Resolver(LookupFn lookup) : impl_(std::make_unique<Impl>()) {
  impl_->lookup = std::move(lookup);
}

Resolver::~Resolver() = default;

StatusOr<std::string> Resolver::Resolve(const RemoteSpec& spec,
                                        std::chrono::milliseconds max_staleness) {
  if (!spec.revision.empty() && IsCommitId(spec.revision)) return impl_->lookup(spec);
  ASSIGN_OR_RETURN(std::string key, Key(spec));
  const Clock::time_point now = Clock::now();
  std::shared_ptr<Flight> flight;
  {
    std::unique_lock lock(impl_->mu);
    impl_->stats.calls++;
    auto it = impl_->latest.find(key);
    if (it != impl_->latest.end() && it->second->started >= now - max_staleness) {
      std::shared_ptr<Flight> shared = it->second;
      impl_->done_cv.wait(lock, [&] { return shared->done; });
      return shared->result;
    }
    flight = std::make_shared<Flight>();
    flight->started = now;
    impl_->latest[key] = flight;
    impl_->stats.lookups++;
    impl_->Prune(now);
  }
  StatusOr<std::string> result = impl_->lookup(spec);
  {
    std::lock_guard lock(impl_->mu);
    flight->result = result;
    flight->done = true;
  }
  impl_->done_cv.notify_all();
  return result;
}

Resolver::Stats Resolver::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

}  // namespace flotilla::git
