#include "coordination/leader_elector.h"

#include <unistd.h>

#include <ctime>
#include <random>
#include <utility>

#include <fmt/format.h>

#include "core/log.h"
#include "model/resource_type.h"

namespace flotilla::coordination {
namespace {

constexpr double kJitterFactor = 1.2;  // client-go's JitterFactor

std::string FieldString(const Json& spec, const char* key) {
  auto it = spec.find(key);
  return it != spec.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t FieldInt(const Json& spec, const char* key) {
  auto it = spec.find(key);
  return it != spec.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

LeaderElectionRecord RecordFromLease(const Json& lease) {
  LeaderElectionRecord r;
  auto spec_it = lease.find("spec");
  if (spec_it == lease.end() || !spec_it->is_object()) return r;
  const Json& spec = *spec_it;
  r.holder_identity = FieldString(spec, "holderIdentity");
  r.lease_duration_seconds = FieldInt(spec, "leaseDurationSeconds");
  r.acquire_time = FieldString(spec, "acquireTime");
  r.renew_time = FieldString(spec, "renewTime");
  r.lease_transitions = FieldInt(spec, "leaseTransitions");
  return r;
}

Json LeaseSpec(const LeaderElectionRecord& r) {
  Json spec = {{"holderIdentity", r.holder_identity},
               {"leaseDurationSeconds", r.lease_duration_seconds},
               {"leaseTransitions", r.lease_transitions}};
  if (!r.acquire_time.empty()) spec["acquireTime"] = r.acquire_time;
  if (!r.renew_time.empty()) spec["renewTime"] = r.renew_time;
  return spec;
}

std::string FormatMicroTime(std::chrono::system_clock::time_point t) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch());
  std::time_t secs = static_cast<std::time_t>(us.count() / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:06d}Z", buf, static_cast<int>(us.count() % 1000000));
}

Status ValidateConfig(const LeaderElectionConfig& c) {
  if (c.identity.empty()) return InvalidArgument("leader election: identity must not be empty");
  if (c.lease_name.empty()) return InvalidArgument("leader election: the Lease needs a name");
  if (c.retry_period.count() <= 0)
    return InvalidArgument("leader election: retry period must be greater than zero");
  if (c.lease_duration <= c.renew_deadline)
    return InvalidArgument(fmt::format(
        "leader election: lease duration ({} ms) must be greater than renew deadline ({} ms)",
        c.lease_duration.count(), c.renew_deadline.count()));
  if (static_cast<double>(c.renew_deadline.count()) <=
      kJitterFactor * static_cast<double>(c.retry_period.count()))
    return InvalidArgument(fmt::format(
        "leader election: renew deadline ({} ms) must be greater than retry period ({} ms) x {}",
        c.renew_deadline.count(), c.retry_period.count(), kJitterFactor));
  return Status::Ok();
}

std::string DefaultIdentity() {
  char buf[256] = {0};
  std::string host = gethostname(buf, sizeof buf - 1) == 0 && buf[0] ? buf : "flotilla";
  std::random_device rd;
  return fmt::format("{}_{:08x}{:08x}", host, rd(), rd());
}

StatusOr<std::unique_ptr<LeaderElector>> LeaderElector::Create(store::Store& store,
                                                               LeaderElectionConfig config,
                                                               LeaderCallbacks callbacks,
                                                               queue::Clock& clock) {
  RETURN_IF_ERROR(ValidateConfig(config));
  return std::unique_ptr<LeaderElector>(
      new LeaderElector(store, std::move(config), std::move(callbacks), clock));
}

LeaderElector::LeaderElector(store::Store& store, LeaderElectionConfig config,
                             LeaderCallbacks callbacks, queue::Clock& clock)
    : store_(store), config_(std::move(config)), callbacks_(std::move(callbacks)), clock_(clock) {
  // A simulated clock does not time waits out: it wakes them when it moves.
  listener_id_ = clock_.AddListener([this] {
    { std::lock_guard<std::mutex> l(mu_); }
    cv_.notify_all();
  });
  if (config_.metrics != nullptr) {
    leader_gauge_ = &config_.metrics
                         ->AddGauge("flotilla_leader",
                                    "1 while this replica holds the controllers' leader Lease.")
                         .WithLabels();
    leader_gauge_->Set(0);
    transitions_ = &config_.metrics
                        ->AddCounter("flotilla_leader_transitions_total",
                                     "Changes of the leader Lease's holder this replica saw "
                                     "(its own acquisitions included; the first holder seen "
                                     "is not a change).")
                        .WithLabels();
  }
}

LeaderElector::~LeaderElector() {
  Stop();
  clock_.RemoveListener(listener_id_);
}

std::string LeaderElector::LeaseKey() const {
  return config_.lease_namespace.empty() ? config_.lease_name
                                         : config_.lease_namespace + "/" + config_.lease_name;
}

bool LeaderElector::IsLeader() const {
  std::lock_guard<std::mutex> l(mu_);
  return !lost_ && observed_.holder_identity == config_.identity;
}

std::string LeaderElector::Leader() const {
  std::lock_guard<std::mutex> l(mu_);
  return observed_.holder_identity;
}

bool LeaderElector::TryAcquireOrRenew() {
  std::lock_guard<std::mutex> attempt(attempt_mu_);
  if (lost_) return false;
  const queue::TimePoint now = clock_.Now();
  const std::string wall = FormatMicroTime(std::chrono::system_clock::now());
  LeaderElectionRecord desired;
  desired.holder_identity = config_.identity;
  desired.lease_duration_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count();
  desired.acquire_time = wall;
  desired.renew_time = wall;
  const model::ResourceType& type = model::LeaseType();

  auto got = store_.Get(type, config_.lease_namespace, config_.lease_name);
  if (!got.ok()) {
    if (got.status().code() != StatusCode::kNotFound) {
      log::Warn("cannot read the leader lease",
                {{"lease", LeaseKey()}, {"error", got.status().ToString()}});
      return false;
    }
    Json lease = {{"apiVersion", type.ApiVersion()},
                  {"kind", type.kind},
                  {"metadata", {{"name", config_.lease_name}}},
                  {"spec", LeaseSpec(desired)}};
    if (!config_.lease_namespace.empty()) lease["metadata"]["namespace"] = config_.lease_namespace;
    auto created = store_.Create(type, std::move(lease));
    if (!created.ok()) {
      if (created.status().code() != StatusCode::kAlreadyExists)
        log::Warn("cannot create the leader lease",
                  {{"lease", LeaseKey()}, {"error", created.status().ToString()}});
      return false;
    }
    std::lock_guard<std::mutex> l(mu_);
    observed_ = desired;
    observed_raw_ = (*created)["spec"].dump();
    observed_time_ = renewed_at_ = now;
    return true;
  }

  const LeaderElectionRecord old = RecordFromLease(*got);
  {
    std::lock_guard<std::mutex> l(mu_);
    std::string raw = got->value("spec", Json::object()).dump();
    if (raw != observed_raw_) {
      observed_ = old;
      observed_raw_ = std::move(raw);
      observed_time_ = now;
    }
    const bool holder = observed_.holder_identity == config_.identity;
    if (!old.holder_identity.empty() && observed_time_ + config_.lease_duration > now && !holder)
      return false;  // held by another, and not seen unchanged for a lease duration yet
    if (holder) {
      desired.acquire_time = old.acquire_time;
      desired.lease_transitions = old.lease_transitions;
    } else {
      desired.lease_transitions = old.lease_transitions + 1;
    }
  }
  if (lost_) return false;       // a call that hung past the deadline must not renew late
  Json lease = std::move(*got);  // metadata.resourceVersion as read: a concurrent write conflicts
  lease["spec"] = LeaseSpec(desired);
  auto updated = store_.Update(type, std::move(lease));
  if (!updated.ok()) {
    if (updated.status().code() == StatusCode::kConflict)
      log::Debug("leader lease changed under this attempt", {{"lease", LeaseKey()}});
    else
      log::Warn("cannot update the leader lease",
                {{"lease", LeaseKey()}, {"error", updated.status().ToString()}});
    return false;
  }
  std::lock_guard<std::mutex> l(mu_);
  observed_ = desired;
  observed_raw_ = (*updated)["spec"].dump();
  observed_time_ = renewed_at_ = now;
  return true;
}

bool LeaderElector::Release() {
  std::lock_guard<std::mutex> attempt(attempt_mu_);
  if (!IsLeader()) return true;
  const model::ResourceType& type = model::LeaseType();
  auto got = store_.Get(type, config_.lease_namespace, config_.lease_name);
  if (!got.ok()) return false;
  LeaderElectionRecord old = RecordFromLease(*got);
  if (old.holder_identity != config_.identity) return true;  // no longer ours
  LeaderElectionRecord released;
  released.lease_duration_seconds = 1;
  released.acquire_time = released.renew_time = FormatMicroTime(std::chrono::system_clock::now());
  released.lease_transitions = old.lease_transitions;
  Json lease = std::move(*got);
  lease["spec"] = LeaseSpec(released);
  auto updated = store_.Update(type, std::move(lease));
  if (!updated.ok()) {
    log::Warn("cannot release the leader lease",
              {{"lease", LeaseKey()}, {"error", updated.status().ToString()}});
    return false;
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    observed_ = released;
    observed_raw_ = (*updated)["spec"].dump();
    observed_time_ = clock_.Now();
    leading_ = false;
  }
  if (leader_gauge_) leader_gauge_->Set(0);
  log::Info("leader lease released", {{"lease", LeaseKey()}, {"identity", config_.identity}});
  return true;
}

void LeaderElector::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (loop_.joinable() || stopping_) return;
  loop_ = std::thread([this] { Loop(); });
  watchdog_ = std::thread([this] { Watchdog(); });
}

void LeaderElector::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (loop_.joinable()) loop_.join();
  if (watchdog_.joinable()) watchdog_.join();
  if (config_.release_on_stop && IsLeader()) Release();
  if (leader_gauge_) leader_gauge_->Set(0);
}

void LeaderElector::SleepFor(std::chrono::nanoseconds d) {
  std::unique_lock<std::mutex> l(mu_);
  const queue::TimePoint deadline = clock_.Now() + d;
  while (!stopping_ && clock_.Now() < deadline) clock_.WaitUntil(cv_, l, deadline);
}

void LeaderElector::ReportTransition() {
  std::string holder = Leader();
  std::string previous;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (holder.empty() || holder == reported_leader_) return;
    previous = std::exchange(reported_leader_, holder);
  }
  if (!previous.empty() && transitions_) transitions_->Inc();
  log::Info(holder == config_.identity ? "this replica is the leader" : "new leader observed",
            {{"lease", LeaseKey()}, {"leader", holder}, {"identity", config_.identity}});
  if (callbacks_.on_new_leader) callbacks_.on_new_leader(holder);
}

void LeaderElector::Lose(const std::string& why) {
  if (lost_.exchange(true)) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    leading_ = false;
  }
  cv_.notify_all();
  if (leader_gauge_) leader_gauge_->Set(0);
  log::Error("leader election lost",
             {{"lease", LeaseKey()}, {"identity", config_.identity}, {"why", why}});
  if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
}

void LeaderElector::Loop() {
  log::Info("attempting to acquire the leader lease",
            {{"lease", LeaseKey()}, {"identity", config_.identity}});
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0, kJitterFactor);
  for (;;) {
    const bool acquired = TryAcquireOrRenew();
    ReportTransition();
    if (acquired) break;
    const auto retry = std::chrono::duration_cast<std::chrono::nanoseconds>(config_.retry_period);
    SleepFor(retry + std::chrono::nanoseconds(
                         static_cast<int64_t>(static_cast<double>(retry.count()) * jitter(rng))));
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return;
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return;
    leading_ = true;
  }
  cv_.notify_all();  // the watchdog starts counting
  if (leader_gauge_) leader_gauge_->Set(1);
  log::Info("acquired the leader lease: starting controllers",
            {{"lease", LeaseKey()}, {"identity", config_.identity}});
  if (callbacks_.on_started_leading) callbacks_.on_started_leading();

  // Renew every retry period; give up once the last successful renewal started renew_deadline
  // ago, or at once when another holder is seen.
  while (!lost_) {
    SleepFor(config_.retry_period);
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopping_) return;
    }
    const bool renewed = TryAcquireOrRenew();
    ReportTransition();
    if (renewed) continue;
    std::string why;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (observed_.holder_identity != config_.identity)
        why = "the lease has another holder: " + observed_.holder_identity;
      else if (clock_.Now() >= renewed_at_ + config_.renew_deadline)
        why = "failed to renew the lease before the renew deadline";
    }
    if (!why.empty()) Lose(why);
  }
}

void LeaderElector::Watchdog() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stopping_) {
    if (!leading_ || lost_) {
      cv_.wait(l);
      continue;
    }
    const queue::TimePoint deadline = renewed_at_ + config_.renew_deadline;
    if (clock_.Now() < deadline) {
      clock_.WaitUntil(cv_, l, deadline);
      continue;
    }
    // A store call of the loop hangs past the deadline: give up without waiting for it.
    l.unlock();
    Lose("no renewal before the renew deadline (the store did not answer)");
    l.lock();
  }
}

}  // namespace flotilla::coordination
