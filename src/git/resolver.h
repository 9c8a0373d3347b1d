// Shared remote lookups: one ResolveCommit per (repository, ref, credentials) at a time, however
// many GitRepos point there.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "git/remote.h"

namespace flotilla::git {

// Thread-safe. Lookups are keyed by NormalizeUrl(url), the ref asked for (revision, or branch),
// and the credentials (Auth fields and URL userinfo; two GitRepos with different secrets never
// share a result).
class Resolver {
 public:
  using Clock = std::chrono::steady_clock;
  using LookupFn = std::function<StatusOr<std::string>(const RemoteSpec&)>;

  // `lookup` is what is shared (ResolveCommit by default; tests inject their own).
  explicit Resolver(LookupFn lookup = ResolveCommit);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Same results and errors as ResolveCommit(spec). Reuses the result of a lookup for the same key
  // that *started* at most `max_staleness` before this call: if that lookup is still running, waits
  // for it; if it finished, returns its result (success or error) at once. Otherwise starts one.
  //
  // Polling passes a staleness of a fraction of its interval (so GitRepos polling one repository
  // within that window share one request). A webhook or a forced sync passes 0, which guarantees
  // a lookup that started after the call, so it sees every push made before the call.
  StatusOr<std::string> Resolve(const RemoteSpec& spec,
                                std::chrono::milliseconds max_staleness = {});

  struct Stats {
    uint64_t calls = 0;    // Resolve calls
    uint64_t lookups = 0;  // calls of `lookup` they caused
  };
  Stats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace flotilla::git
