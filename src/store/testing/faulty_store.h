// FaultyStore: a Store that wraps any other and makes chosen or random (seeded) calls fail, the
// way a loaded database, a dropped connection or a restarted API server fails them. For tests of
// the rule "never act destructively on a transient error": every fault it injects is transient
// (Unavailable, Conflict, DeadlineExceeded, Internal; never NotFound), so a controller that
// deletes, prunes or uninstalls because of one is wrong.
//
// What can fail: Create, Get, List, Update, UpdateStatus, Delete (before the write, or after it
// was made — the caller sees an error for a write that happened), Watch creation, and open
// watchers (stopped with kGone at a random Next, as one that fell behind). Everything else is the
// wrapped store's. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "store/store.h"

namespace flotilla::store::testing {

enum class Op { kCreate, kGet, kList, kUpdate, kUpdateStatus, kDelete, kWatch, kWatchNext };
const char* OpName(Op op);

// One call, as a rule sees it. `name` is empty for List, Watch and watcher calls.
struct Call {
  Op op;
  const ResourceType* type;
  std::string ns;
  std::string name;
};

class FaultyStore : public Store {
 public:
  // `inner` must outlive this store and every watcher it returns.
  explicit FaultyStore(Store& inner, uint64_t seed = 1);

  // Random faults: each call of `op` fails with probability `rate` (0 = never). The default rate
  // applies to every op without its own.
  void SetFailRate(double rate);
  void SetFailRate(Op op, double rate);
  double fail_rate() const;

  // Scripted faults: `rule` sees every call first; a Status it returns is the call's result (for
  // kWatchNext, the watcher stops with that status). Replaces the previous rule; nullptr clears.
  using Rule = std::function<std::optional<Status>(const Call&)>;
  void SetRule(Rule rule);
  // Convenience: every call of `op` on `kind` (any kind if empty) fails with `status`.
  void FailAlways(Op op, const std::string& kind, Status status);

  // How many faults were injected so far.
  int64_t injected() const;

  StatusOr<Json> Create(const ResourceType& type, Json object) override;
  StatusOr<Json> Get(const ResourceType& type, const std::string& ns,
                     const std::string& name) override;
  StatusOr<ListResult> List(const ResourceType& type, const ListOptions& options) override;
  StatusOr<Json> Update(const ResourceType& type, Json object) override;
  StatusOr<Json> UpdateStatus(const ResourceType& type, Json object) override;
  StatusOr<Json> Delete(const ResourceType& type, const std::string& ns, const std::string& name,
                        const DeleteOptions& options = {}) override;
  StatusOr<std::unique_ptr<Watcher>> Watch(const ResourceType& type,
                                           const WatchOptions& options) override;
  int64_t CurrentResourceVersion() override { return inner_.CurrentResourceVersion(); }
  Status CheckHealth() override { return inner_.CheckHealth(); }

 private:
  class FaultyWatcher;
  // The fault for `call`, if one is injected. For writes, *after is set when the write is to be
  // made before the error is returned.
  std::optional<Status> Fault(const Call& call, bool* after = nullptr);
  template <typename Write>
  StatusOr<Json> MaybeFailWrite(const Call& call, Write write);

  Store& inner_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;         // GUARDED_BY(mu_)
  double default_rate_ = 0;     // GUARDED_BY(mu_)
  std::map<Op, double> rates_;  // GUARDED_BY(mu_)
  Rule rule_;                   // GUARDED_BY(mu_)
  int64_t injected_ = 0;        // GUARDED_BY(mu_)
};

}  // namespace flotilla::store::testing
