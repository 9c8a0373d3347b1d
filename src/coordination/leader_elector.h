// Leader election through a coordination.k8s.io/v1 Lease kept in the store, with client-go's
// leaderelection semantics, so that several `flotilla server` replicas on one database run their
// controllers once.
//
// The record lives in the Lease's spec: holderIdentity, leaseDurationSeconds, acquireTime,
// renewTime (MicroTime) and leaseTransitions. Each attempt (TryAcquireOrRenew) reads the Lease
// and writes it back with the resourceVersion it read, so of two candidates writing at once one
// wins and the other gets kConflict (optimistic concurrency). A candidate never compares
// renewTime with its own clock: it takes over only once it has seen the record unchanged for
// lease_duration on its own (monotonic) clock, as client-go does, which tolerates any clock skew
// between replicas.
//
// The loop (Start): try every retry_period (jittered) until the lease is acquired, then call
// on_started_leading and renew every retry_period. A leader whose last successful renewal
// started more than renew_deadline ago has lost: on_stopped_leading is called once (by the loop,
// or by a watchdog when a store call hangs) and the elector does nothing more; the process is
// expected to exit (as kube-controller-manager does) so a supervisor restarts it. Since
// renew_deadline < lease_duration, a leader gives up before any other replica may take over.
//
// Thread-safe. Callbacks run on the elector's threads and must return promptly.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/json.h"
#include "core/metrics.h"
#include "core/status.h"
#include "queue/clock.h"
#include "store/store.h"

namespace flotilla::coordination {

// What the Lease's spec says (client-go's LeaderElectionRecord).
struct LeaderElectionRecord {
  std::string holder_identity;  // empty: nobody holds it (released)
  int64_t lease_duration_seconds = 0;
  std::string acquire_time;  // MicroTime, "2026-12-08T03:28:02.123456Z"
  std::string renew_time;
  int64_t lease_transitions = 0;
};

LeaderElectionRecord RecordFromLease(const Json& lease);
// The Lease spec holding `record` (a Lease's spec is exactly this record).
Json LeaseSpec(const LeaderElectionRecord& record);
// metav1.MicroTime: RFC 3339 in UTC with microseconds.
std::string FormatMicroTime(std::chrono::system_clock::time_point t);

struct LeaderElectionConfig {
  std::string lease_namespace = "cattle-fleet-system";
  std::string lease_name = "flotilla-controller";
  // REQUIRED: unique per process (a restarted process is a new candidate).
  std::string identity;
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  // At Stop, a leader writes an empty holder so another replica takes over at once.
  bool release_on_stop = true;
  // When set, flotilla_leader (1/0) and flotilla_leader_transitions_total are kept there.
  metrics::Registry* metrics = nullptr;
};

// client-go's checks: lease_duration > renew_deadline > 1.2 x retry_period > 0, an identity and
// a Lease name.
Status ValidateConfig(const LeaderElectionConfig& config);

// The default identity: "<hostname>_<random hex>", as kube-controller-manager makes it.
std::string DefaultIdentity();

struct LeaderCallbacks {
  // This replica now holds the lease: start the controllers.
  std::function<void()> on_started_leading;
  // This replica held the lease and lost it (it could not renew before the deadline, or another
  // holder was seen). Not called at Stop.
  std::function<void()> on_stopped_leading;
  // A holder was seen for the first time or the holder changed (this replica included).
  std::function<void(const std::string& identity)> on_new_leader;
};

class LeaderElector {
 public:
  // kInvalidArgument when ValidateConfig fails.
  static StatusOr<std::unique_ptr<LeaderElector>> Create(store::Store& store,
                                                         LeaderElectionConfig config,
                                                         LeaderCallbacks callbacks,
                                                         queue::Clock& clock = queue::RealClock());
  ~LeaderElector();  // Stop()
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Runs the loop and its watchdog on threads of their own.
  void Start();
  // Ends the loop (waiting for a store call in flight), then releases the lease when this
  // replica holds it and release_on_stop is set. Idempotent.
  void Stop();

  // True when the last record this elector read or wrote names it as holder (and it has not
  // lost).
  bool IsLeader() const;
  // The holder in the last record seen ("" if none).
  std::string Leader() const;
  const std::string& identity() const { return config_.identity; }
  const LeaderElectionConfig& config() const { return config_; }

  // One attempt, as client-go's tryAcquireOrRenew: creates the Lease when missing; renews it
  // when this elector holds it; takes it over when it has no holder or its record has not
  // changed for lease_duration since this elector first saw it. Returns true when this elector
  // holds the lease after the call. Exposed for tests and simulations.
  bool TryAcquireOrRenew();
  // client-go's release: when this elector holds the lease, writes an empty holder with a 1 s
  // duration. Returns false when the write failed.
  bool Release();

 private:
  LeaderElector(store::Store& store, LeaderElectionConfig config, LeaderCallbacks callbacks,
                queue::Clock& clock);
  void Loop();
  void Watchdog();
  // Sleeps on the elector's clock; returns early at Stop.
  void SleepFor(std::chrono::nanoseconds d);
  // Reports a new holder (callback, metric, log) when the observed one changed.
  void ReportTransition();
  // Once: marks the leadership lost and calls on_stopped_leading.
  void Lose(const std::string& why);
  std::string LeaseKey() const;

  store::Store& store_;
  const LeaderElectionConfig config_;
  const LeaderCallbacks callbacks_;
  queue::Clock& clock_;
  uint64_t listener_id_ = 0;
  metrics::Gauge* leader_gauge_ = nullptr;
  metrics::Counter* transitions_ = nullptr;

  std::mutex attempt_mu_;  // serializes TryAcquireOrRenew and Release
  mutable std::mutex mu_;  // guards what follows
  std::condition_variable cv_;
  LeaderElectionRecord observed_;
  std::string observed_raw_;          // the observed spec as JSON text, to see changes
  queue::TimePoint observed_time_{};  // when observed_ last changed, on clock_
  queue::TimePoint renewed_at_{};     // start of the last successful write by this elector
  bool leading_ = false;              // the loop acquired and has not lost
  bool stopping_ = false;
  std::string reported_leader_;  // last non-empty holder reported
  std::atomic<bool> lost_{false};
  std::thread loop_, watchdog_;
};

}  // namespace flotilla::coordination
