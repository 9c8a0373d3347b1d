#include "coordination/leader_elector.h"

#include <gtest/gtest.h>

#include <future>

#include "model/resource_type.h"
#include "store/testing/faulty_store.h"

namespace flotilla::coordination {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using store::testing::FaultyStore;
using store::testing::Op;

class LeaderElectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore("sqlite://:memory:");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  LeaderElectionConfig Config(const std::string& identity) {
    LeaderElectionConfig c;
    c.identity = identity;
    return c;  // client-go's defaults: 15 s lease, 10 s renew deadline, 2 s retry
  }

  std::unique_ptr<LeaderElector> Elector(const std::string& identity, store::Store* s = nullptr,
                                         LeaderCallbacks callbacks = {}) {
    auto e =
        LeaderElector::Create(s ? *s : *store_, Config(identity), std::move(callbacks), clock_);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return std::move(*e);
  }

  LeaderElectionRecord Stored() {
    auto l = store_->Get(model::LeaseType(), "cattle-fleet-system", "flotilla-controller");
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    return l.ok() ? RecordFromLease(*l) : LeaderElectionRecord{};
  }

  queue::FakeClock clock_;
  std::unique_ptr<store::Store> store_;
};

TEST(LeaseRecordTest, MicroTimeHasMicroseconds) {
  auto t = std::chrono::system_clock::time_point(std::chrono::microseconds(1500001));
  EXPECT_EQ(FormatMicroTime(t), "1970-01-01T00:00:01.500001Z");
}

TEST(LeaseRecordTest, SpecRoundTrips) {
  LeaderElectionRecord r{"a", 15, "2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:02.000000Z", 3};
  LeaderElectionRecord back = RecordFromLease(Json{{"spec", LeaseSpec(r)}});
  EXPECT_EQ(back.holder_identity, "a");
  EXPECT_EQ(back.lease_duration_seconds, 15);
  EXPECT_EQ(back.acquire_time, r.acquire_time);
  EXPECT_EQ(back.renew_time, r.renew_time);
  EXPECT_EQ(back.lease_transitions, 3);
  EXPECT_EQ(RecordFromLease(Json{{"spec", "garbage"}}).holder_identity, "");
}

TEST(LeaseRecordTest, ConfigIsCheckedAsClientGoDoes) {
  LeaderElectionConfig c;
  EXPECT_EQ(ValidateConfig(c).code(), StatusCode::kInvalidArgument);  // no identity
  c.identity = "a";
  EXPECT_TRUE(ValidateConfig(c).ok());
  c.renew_deadline = c.lease_duration;
  EXPECT_EQ(ValidateConfig(c).code(), StatusCode::kInvalidArgument);
  c.renew_deadline = milliseconds(2400);  // = 1.2 x retry
  EXPECT_EQ(ValidateConfig(c).code(), StatusCode::kInvalidArgument);
  c.renew_deadline = milliseconds(2401);
  EXPECT_TRUE(ValidateConfig(c).ok());
  c.retry_period = milliseconds(0);
  EXPECT_EQ(ValidateConfig(c).code(), StatusCode::kInvalidArgument);
  EXPECT_NE(DefaultIdentity(), DefaultIdentity());
}

TEST_F(LeaderElectorTest, FirstCandidateCreatesTheLease) {
  auto a = Elector("a");
  EXPECT_TRUE(a->TryAcquireOrRenew());
  EXPECT_TRUE(a->IsLeader());
  LeaderElectionRecord r = Stored();
  EXPECT_EQ(r.holder_identity, "a");
  EXPECT_EQ(r.lease_duration_seconds, 15);
  EXPECT_EQ(r.lease_transitions, 0);
  EXPECT_FALSE(r.acquire_time.empty());
  EXPECT_EQ(r.acquire_time, r.renew_time);
}

TEST_F(LeaderElectorTest, HolderThatStopsRenewingIsReplacedAfterLeaseDuration) {
  auto a = Elector("a");
  auto b = Elector("b");
  ASSERT_TRUE(a->TryAcquireOrRenew());
  const std::string acquired = Stored().acquire_time;
  // a renews every 5 s for a minute: b never gets in, and the acquire time stays.
  for (int i = 0; i < 12; i++) {
    EXPECT_FALSE(b->TryAcquireOrRenew());
    EXPECT_EQ(b->Leader(), "a");
    clock_.Advance(seconds(5));
    EXPECT_TRUE(a->TryAcquireOrRenew());
  }
  EXPECT_EQ(Stored().acquire_time, acquired);
  // a stops renewing. b saw its last renewal now: it waits a full lease duration from here.
  EXPECT_FALSE(b->TryAcquireOrRenew());
  clock_.Advance(milliseconds(14999));
  EXPECT_FALSE(b->TryAcquireOrRenew());
  EXPECT_FALSE(b->IsLeader());
  clock_.Advance(milliseconds(2));
  EXPECT_TRUE(b->TryAcquireOrRenew());
  EXPECT_TRUE(b->IsLeader());
  LeaderElectionRecord r = Stored();
  EXPECT_EQ(r.holder_identity, "b");
  EXPECT_EQ(r.lease_transitions, 1);
  // The old holder comes back: it sees b's record and stands down.
  EXPECT_FALSE(a->TryAcquireOrRenew());
  EXPECT_FALSE(a->IsLeader());
  EXPECT_EQ(a->Leader(), "b");
  EXPECT_EQ(Stored().holder_identity, "b");
}

TEST_F(LeaderElectorTest, ExpiryIsMeasuredFromWhenTheCandidateSawTheRecord) {
  auto a = Elector("a");
  ASSERT_TRUE(a->TryAcquireOrRenew());
  clock_.Advance(seconds(60));  // nobody watched meanwhile
  auto b = Elector("b");        // a late candidate cannot trust renewTime: it waits a full lease
  EXPECT_FALSE(b->TryAcquireOrRenew());
  clock_.Advance(seconds(14));
  EXPECT_FALSE(b->TryAcquireOrRenew());
  clock_.Advance(seconds(2));
  EXPECT_TRUE(b->TryAcquireOrRenew());
}

TEST_F(LeaderElectorTest, StaleWriteLosesOnResourceVersionConflict) {
  auto a = Elector("a");
  ASSERT_TRUE(a->TryAcquireOrRenew());
  FaultyStore b_store(*store_);
  auto b = Elector("b", &b_store);
  auto c = Elector("c");
  EXPECT_FALSE(b->TryAcquireOrRenew());
  EXPECT_FALSE(c->TryAcquireOrRenew());
  clock_.Advance(seconds(16));  // a is gone; b and c both may take over
  // Between b's read and b's write, c takes the lease: b writes with a stale resourceVersion.
  bool raced = false;
  b_store.SetRule([&](const store::testing::Call& call) -> std::optional<Status> {
    if (call.op == Op::kUpdate && !raced) {
      raced = true;
      EXPECT_TRUE(c->TryAcquireOrRenew());
    }
    return std::nullopt;
  });
  EXPECT_FALSE(b->TryAcquireOrRenew());
  EXPECT_TRUE(raced);
  EXPECT_FALSE(b->IsLeader());
  EXPECT_TRUE(c->IsLeader());
  LeaderElectionRecord r = Stored();
  EXPECT_EQ(r.holder_identity, "c");
  EXPECT_EQ(r.lease_transitions, 1);
  // b now sees c's fresh record and waits for it to expire.
  EXPECT_FALSE(b->TryAcquireOrRenew());
  EXPECT_EQ(b->Leader(), "c");
}

TEST_F(LeaderElectorTest, ReleasedLeaseIsTakenAtOnce) {
  auto a = Elector("a");
  auto b = Elector("b");
  ASSERT_TRUE(a->TryAcquireOrRenew());
  EXPECT_FALSE(b->TryAcquireOrRenew());
  EXPECT_TRUE(a->Release());
  EXPECT_FALSE(a->IsLeader());
  EXPECT_EQ(Stored().holder_identity, "");
  EXPECT_TRUE(b->TryAcquireOrRenew());  // no waiting: nobody holds it
  EXPECT_EQ(Stored().lease_transitions, 1);
}

// The loop on a simulated clock: it acquires, renews, and when the store stops answering it
// gives up no earlier than the renew deadline after its last successful renewal.
TEST_F(LeaderElectorTest, LoopGivesUpAtTheRenewDeadline) {
  FaultyStore faulty(*store_);
  std::promise<void> started;
  std::promise<queue::TimePoint> stopped;
  int stops = 0;
  metrics::Registry registry;
  LeaderElectionConfig config = Config("a");
  config.metrics = &registry;
  LeaderCallbacks callbacks;
  callbacks.on_started_leading = [&] { started.set_value(); };
  callbacks.on_stopped_leading = [&] {
    if (stops++ == 0) stopped.set_value(clock_.Now());
  };
  auto a = LeaderElector::Create(faulty, config, callbacks, clock_);
  ASSERT_TRUE(a.ok());
  (*a)->Start();
  started.get_future().wait();
  EXPECT_NE(registry.Serialize().find("flotilla_leader 1"), std::string::npos);
  const queue::TimePoint t0 = clock_.Now();
  // Renewals succeed for a while (the loop renews every 2 s of simulated time)...
  auto renewed = [&] { return Stored().renew_time; };
  std::string first = renewed();
  while (renewed() == first) {
    clock_.Advance(milliseconds(500));
    std::this_thread::sleep_for(milliseconds(1));
  }
  // ...then every read of the Lease fails.
  faulty.FailAlways(Op::kGet, "Lease", Unavailable("database gone"));
  const queue::TimePoint cut = clock_.Now();
  auto lost = stopped.get_future();
  while (lost.wait_for(milliseconds(2)) != std::future_status::ready)
    clock_.Advance(milliseconds(250));
  const queue::TimePoint at = lost.get();
  EXPECT_GE(at - cut, milliseconds(10000) - seconds(2));  // last renewal was <= 2 s before cut
  EXPECT_GE(at - t0, milliseconds(10000));
  EXPECT_FALSE((*a)->IsLeader());
  EXPECT_NE(registry.Serialize().find("flotilla_leader 0"), std::string::npos);
  (*a)->Stop();
  EXPECT_EQ(stops, 1);
}

// A store call that hangs cannot keep a leader in office: the watchdog gives up for it.
TEST_F(LeaderElectorTest, WatchdogGivesUpWhileAStoreCallHangs) {
  FaultyStore faulty(*store_);
  std::promise<void> started, stopped;
  std::promise<void> unblock;
  std::shared_future<void> unblocked = unblock.get_future().share();
  std::atomic<bool> hang{false};
  LeaderCallbacks callbacks;
  callbacks.on_started_leading = [&] { started.set_value(); };
  callbacks.on_stopped_leading = [&] { stopped.set_value(); };
  auto a = LeaderElector::Create(faulty, Config("a"), callbacks, clock_);
  ASSERT_TRUE(a.ok());
  (*a)->Start();
  started.get_future().wait();
  const queue::TimePoint t0 = clock_.Now();
  faulty.SetRule([&](const store::testing::Call& call) -> std::optional<Status> {
    if (hang && call.op == Op::kGet) unblocked.wait();
    return std::nullopt;
  });
  hang = true;
  auto lost = stopped.get_future();
  queue::TimePoint at{};
  while (lost.wait_for(milliseconds(2)) != std::future_status::ready) {
    clock_.Advance(milliseconds(250));
    at = clock_.Now();
  }
  EXPECT_GE(at - t0, milliseconds(10000));
  unblock.set_value();
  (*a)->Stop();
}

// A leader that stops gracefully hands over at once; a watcher counts the change of holder.
TEST_F(LeaderElectorTest, StopReleasesAndTheNextReplicaLeads) {
  metrics::Registry registry;
  std::promise<void> a_started, b_started;
  std::promise<void> b_saw_a;
  LeaderElectionConfig ca = Config("a");
  LeaderCallbacks a_callbacks;
  a_callbacks.on_started_leading = [&] { a_started.set_value(); };
  auto a = LeaderElector::Create(*store_, ca, a_callbacks, clock_);
  ASSERT_TRUE(a.ok());
  (*a)->Start();
  a_started.get_future().wait();
  LeaderElectionConfig cb = Config("b");
  cb.metrics = &registry;
  bool saw = false;
  LeaderCallbacks b_callbacks;
  b_callbacks.on_started_leading = [&] { b_started.set_value(); };
  b_callbacks.on_new_leader = [&](const std::string& who) {
    if (who == "a" && !saw) {
      saw = true;
      b_saw_a.set_value();
    }
  };
  auto b = LeaderElector::Create(*store_, cb, b_callbacks, clock_);
  ASSERT_TRUE(b.ok());
  (*b)->Start();
  b_saw_a.get_future().wait();
  (*a)->Stop();
  EXPECT_EQ(Stored().holder_identity, "");
  auto led = b_started.get_future();
  while (led.wait_for(milliseconds(2)) != std::future_status::ready)
    clock_.Advance(milliseconds(500));  // b's next retry; far less than a lease duration
  EXPECT_EQ(Stored().holder_identity, "b");
  EXPECT_EQ(Stored().lease_transitions, 1);
  std::string m = registry.Serialize();
  EXPECT_NE(m.find("flotilla_leader 1"), std::string::npos) << m;
  EXPECT_NE(m.find("flotilla_leader_transitions_total 1"), std::string::npos) << m;
  (*b)->Stop();
}

}  // namespace
}  // namespace flotilla::coordination
