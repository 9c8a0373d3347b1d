#include "store/testing/faulty_store.h"

#include <atomic>

#include <fmt/format.h>

namespace flotilla::store::testing {

const char* OpName(Op op) {
  switch (op) {
    case Op::kCreate:
      return "create";
    case Op::kGet:
      return "get";
    case Op::kList:
      return "list";
    case Op::kUpdate:
      return "update";
    case Op::kUpdateStatus:
      return "updateStatus";
    case Op::kDelete:
      return "delete";
    case Op::kWatch:
      return "watch";
    case Op::kWatchNext:
      return "watchNext";
  }
  return "?";
}

namespace {

bool IsWrite(Op op) {
  return op == Op::kCreate || op == Op::kUpdate || op == Op::kUpdateStatus || op == Op::kDelete;
}

}  // namespace

// Passes events through until a fault stops it: then Next returns nullopt with stopped() and
// status() the injected error, as a watcher that fell out of the retained history.
class FaultyStore::FaultyWatcher : public Watcher {
 public:
  FaultyWatcher(FaultyStore& store, std::unique_ptr<Watcher> inner, Call call)
      : store_(store), inner_(std::move(inner)), call_(std::move(call)) {}

  std::optional<WatchEvent> Next(std::chrono::milliseconds timeout) override {
    if (failed_) return std::nullopt;
    if (auto fault = store_.Fault(call_)) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        why_ = *fault;
      }
      failed_ = true;
      inner_->Stop();
      return std::nullopt;
    }
    return inner_->Next(timeout);
  }
  void Stop() override { inner_->Stop(); }
  bool stopped() const override { return failed_ || inner_->stopped(); }
  Status status() const override {
    if (failed_) {
      std::lock_guard<std::mutex> lock(mu_);
      return why_;
    }
    return inner_->status();
  }

 private:
  FaultyStore& store_;
  std::unique_ptr<Watcher> inner_;
  const Call call_;
  std::atomic<bool> failed_{false};
  mutable std::mutex mu_;
  Status why_;  // GUARDED_BY(mu_)
};

FaultyStore::FaultyStore(Store& inner, uint64_t seed) : inner_(inner), rng_(seed) {}

void FaultyStore::SetFailRate(double rate) {
  std::lock_guard<std::mutex> lock(mu_);
  default_rate_ = rate;
  rates_.clear();
}

void FaultyStore::SetFailRate(Op op, double rate) {
  std::lock_guard<std::mutex> lock(mu_);
  rates_[op] = rate;
}

double FaultyStore::fail_rate() const {
  std::lock_guard<std::mutex> lock(mu_);
  return default_rate_;
}

void FaultyStore::SetRule(Rule rule) {
  std::lock_guard<std::mutex> lock(mu_);
  rule_ = std::move(rule);
}

void FaultyStore::FailAlways(Op op, const std::string& kind, Status status) {
  SetRule([op, kind, status](const Call& c) -> std::optional<Status> {
    if (c.op == op && (kind.empty() || c.type->kind == kind)) return status;
    return std::nullopt;
  });
}

int64_t FaultyStore::injected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return injected_;
}

std::optional<Status> FaultyStore::Fault(const Call& call, bool* after) {
  std::lock_guard<std::mutex> lock(mu_);
  if (rule_) {
    if (std::optional<Status> s = rule_(call)) {
      injected_++;
      return s;
    }
  }
  auto it = rates_.find(call.op);
  const double rate = it != rates_.end() ? it->second : default_rate_;
  if (rate <= 0 || std::uniform_real_distribution<double>(0, 1)(rng_) >= rate) return std::nullopt;
  injected_++;
  const int pick = std::uniform_int_distribution<int>(0, 5)(rng_);
  const std::string what = fmt::format("injected {} fault on {}", OpName(call.op), call.type->kind);
  if (call.op == Op::kWatchNext) return Gone(what + ": watcher fell behind");
  if (IsWrite(call.op) && after != nullptr) *after = pick % 2 == 1;  // half: made, then failed
  if ((call.op == Op::kUpdate || call.op == Op::kUpdateStatus) && pick < 2)
    return Conflict(what + ": the object has been modified");
  if (pick == 2) return DeadlineExceeded(what + ": timeout");
  if (pick == 3 && !IsWrite(call.op)) return Internal(what + ": disk I/O error");
  return Unavailable(what + ": database is locked");
}

template <typename Write>
StatusOr<Json> FaultyStore::MaybeFailWrite(const Call& call, Write write) {
  bool after = false;
  std::optional<Status> fault = Fault(call, &after);
  if (!fault) return write();
  if (after) {
    auto made = write();  // the write happens; its answer is lost
    if (!made.ok()) return made;
  }
  return *fault;
}

StatusOr<Json> FaultyStore::Create(const ResourceType& type, Json object) {
  Call call{Op::kCreate, &type, NamespaceOf(object), NameOf(object)};
  return MaybeFailWrite(call, [&] { return inner_.Create(type, object); });
}

StatusOr<Json> FaultyStore::Get(const ResourceType& type, const std::string& ns,
                                const std::string& name) {
  if (auto fault = Fault({Op::kGet, &type, ns, name})) return *fault;
  return inner_.Get(type, ns, name);
}

StatusOr<ListResult> FaultyStore::List(const ResourceType& type, const ListOptions& options) {
  if (auto fault = Fault({Op::kList, &type, options.ns, ""})) return *fault;
  return inner_.List(type, options);
}

StatusOr<Json> FaultyStore::Update(const ResourceType& type, Json object) {
  Call call{Op::kUpdate, &type, NamespaceOf(object), NameOf(object)};
  return MaybeFailWrite(call, [&] { return inner_.Update(type, object); });
}

StatusOr<Json> FaultyStore::UpdateStatus(const ResourceType& type, Json object) {
  Call call{Op::kUpdateStatus, &type, NamespaceOf(object), NameOf(object)};
  return MaybeFailWrite(call, [&] { return inner_.UpdateStatus(type, object); });
}

StatusOr<Json> FaultyStore::Delete(const ResourceType& type, const std::string& ns,
                                   const std::string& name, const DeleteOptions& options) {
  return MaybeFailWrite({Op::kDelete, &type, ns, name},
                        [&] { return inner_.Delete(type, ns, name, options); });
}

StatusOr<std::unique_ptr<Watcher>> FaultyStore::Watch(const ResourceType& type,
                                                      const WatchOptions& options) {
  if (auto fault = Fault({Op::kWatch, &type, options.ns, ""})) return *fault;
  ASSIGN_OR_RETURN(std::unique_ptr<Watcher> inner, inner_.Watch(type, options));
  return std::unique_ptr<Watcher>(std::make_unique<FaultyWatcher>(
      *this, std::move(inner), Call{Op::kWatchNext, &type, options.ns, ""}));
}

}  // namespace flotilla::store::testing
