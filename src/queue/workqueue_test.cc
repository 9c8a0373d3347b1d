#include "queue/workqueue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace flotilla::queue {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

QueueOptions Fake(FakeClock* clock, std::string name = "") {
  QueueOptions o;
  o.clock = clock;
  o.name = std::move(name);
  return o;
}

TEST(WorkQueueTest, AddDeduplicatesQueuedKeysAndKeepsFifoOrder) {
  FakeClock clock;
  WorkQueue q(Fake(&clock));
  q.Add("a");
  q.Add("b");
  q.Add("a");
  q.Add("c");
  q.Add("b");
  EXPECT_EQ(q.Len(), 3u);
  EXPECT_EQ(q.TryGet(), "a");
  EXPECT_EQ(q.TryGet(), "b");
  EXPECT_EQ(q.TryGet(), "c");
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, KeyAddedWhileProcessingIsHeldBackThenRequeuedOnDone) {
  FakeClock clock;
  WorkQueue q(Fake(&clock));
  q.Add("a");
  ASSERT_EQ(q.TryGet(), "a");
  q.Add("a");  // dirty: must not be handed to a second worker
  q.Add("a");  // still one pending run
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(q.TryGet(), std::nullopt);
  EXPECT_EQ(q.NumProcessing(), 1u);
  q.Done("a");
  EXPECT_EQ(q.Len(), 1u);
  ASSERT_EQ(q.TryGet(), "a");
  q.Done("a");
  EXPECT_EQ(q.TryGet(), std::nullopt);  // not dirty any more: no extra run
  EXPECT_EQ(q.NumProcessing(), 0u);
}

TEST(WorkQueueTest, DoneOfUnknownKeyIsIgnored) {
  FakeClock clock;
  WorkQueue q(Fake(&clock));
  q.Done("nope");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueueTest, AddAfterReleasesKeysInDueOrderOnTheFakeClock) {
  FakeClock clock;
  WorkQueue q(Fake(&clock));
  TimePoint t0 = clock.Now();
  q.AddAfter("c", milliseconds(30));
  q.AddAfter("a", milliseconds(10));
  q.AddAfter("b", milliseconds(20));
  q.AddAfter("d", milliseconds(10));  // same due time as "a": arrival order
  q.AddAfter("now", Duration::zero());
  EXPECT_EQ(q.NumWaiting(), 4u);
  EXPECT_EQ(q.NextReadyAt(), t0 + milliseconds(10));
  EXPECT_EQ(q.TryGet(), "now");
  EXPECT_EQ(q.TryGet(), std::nullopt);

  clock.Advance(milliseconds(9));
  EXPECT_EQ(q.TryGet(), std::nullopt);
  clock.Advance(milliseconds(1));
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(q.TryGet(), "a");
  EXPECT_EQ(q.TryGet(), "d");
  EXPECT_EQ(q.TryGet(), std::nullopt);
  EXPECT_EQ(q.NextReadyAt(), t0 + milliseconds(20));
  clock.Advance(milliseconds(100));  // both remaining are due: still in due order
  EXPECT_EQ(q.TryGet(), "b");
  EXPECT_EQ(q.TryGet(), "c");
  EXPECT_EQ(q.NextReadyAt(), std::nullopt);
}

TEST(WorkQueueTest, AddAfterKeepsTheEarlierDueTime) {
  FakeClock clock;
  WorkQueue q(Fake(&clock));
  q.AddAfter("a", seconds(30));
  q.AddAfter("a", seconds(10));  // earlier: wins
  q.AddAfter("a", seconds(50));  // later: ignored
  EXPECT_EQ(q.NumWaiting(), 1u);
  clock.Advance(seconds(10));
  EXPECT_EQ(q.TryGet(), "a");
  q.Done("a");
  clock.Advance(seconds(100));
  EXPECT_EQ(q.TryGet(), std::nullopt);  // exactly one delayed run
}

TEST(WorkQueueTest, DelayedKeyThatIsAlreadyQueuedIsNotDuplicated) {
  FakeClock clock;
  WorkQueue q(Fake(&clock));
  q.Add("a");
  q.AddAfter("a", seconds(1));
  clock.Advance(seconds(1));
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(q.TryGet(), "a");
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, AddRateLimitedBacksOffPerKeyAndForgetResets) {
  FakeClock clock;
  WorkQueue q(Fake(&clock));
  TimePoint t0 = clock.Now();
  q.AddRateLimited("a");
  EXPECT_EQ(q.NumRequeues("a"), 1);
  EXPECT_EQ(q.NextReadyAt(), t0 + milliseconds(5));
  clock.Advance(milliseconds(5));
  ASSERT_EQ(q.TryGet(), "a");
  q.AddRateLimited("a");
  q.Done("a");
  EXPECT_EQ(q.NextReadyAt(), clock.Now() + milliseconds(10));
  EXPECT_EQ(q.NumRequeues("a"), 2);
  q.Forget("a");
  EXPECT_EQ(q.NumRequeues("a"), 0);
}

TEST(WorkQueueTest, CustomRateLimiterIsUsed) {
  FakeClock clock;
  QueueOptions o = Fake(&clock);
  o.rate_limiter = std::make_unique<ExponentialBackoffRateLimiter>(seconds(1), seconds(3));
  WorkQueue q(std::move(o));
  TimePoint t0 = clock.Now();
  q.AddRateLimited("a");
  EXPECT_EQ(q.NextReadyAt(), t0 + seconds(1));
  q.AddRateLimited("b");
  q.AddRateLimited("b");
  q.AddRateLimited("b");  // 1, 2, then capped at 3; the earliest (1 s) wins in the heap
  EXPECT_EQ(q.NumRequeues("b"), 3);
}

TEST(WorkQueueTest, BlockedGetWakesWhenTheFakeClockReachesADueTime) {
  FakeClock clock;
  WorkQueue q(Fake(&clock));
  std::optional<std::string> got;
  std::thread worker([&] { got = q.Get(); });
  q.AddAfter("a", seconds(60));
  clock.Advance(seconds(60));
  worker.join();
  EXPECT_EQ(got, "a");
}

TEST(WorkQueueTest, BlockedGetWakesOnAddAndOnShutDown) {
  WorkQueue q;  // real clock
  std::optional<std::string> first, second;
  std::thread worker([&] {
    first = q.Get();
    q.Done(*first);
    second = q.Get();
  });
  q.Add("a");
  q.ShutDown();  // queued keys are still handed out; then Get() returns nullopt
  worker.join();
  EXPECT_EQ(first, "a");
  EXPECT_EQ(second, std::nullopt);
}

TEST(WorkQueueTest, RealClockAddAfterIsDelivered) {
  WorkQueue q;
  q.AddAfter("a", milliseconds(1));
  EXPECT_EQ(q.Get(), "a");
}

TEST(WorkQueueTest, ShutDownHandsOutQueuedKeysThenStopsAndIgnoresAdds) {
  FakeClock clock;
  WorkQueue q(Fake(&clock));
  q.Add("a");
  q.Add("b");
  q.AddAfter("later", seconds(1));
  q.ShutDown();
  EXPECT_TRUE(q.ShuttingDown());
  q.Add("c");
  q.AddAfter("d", seconds(1));
  q.AddRateLimited("e");
  EXPECT_EQ(q.NumWaiting(), 0u);  // delayed keys are dropped
  EXPECT_EQ(q.Get(), "a");
  EXPECT_EQ(q.Get(), "b");
  EXPECT_EQ(q.Get(), std::nullopt);
  clock.Advance(seconds(2));
  EXPECT_EQ(q.Get(), std::nullopt);
}

TEST(WorkQueueTest, ShutDownWithDrainWaitsForInFlightKeys) {
  FakeClock clock;
  WorkQueue q(Fake(&clock));
  q.Add("a");
  ASSERT_EQ(q.TryGet(), "a");
  std::atomic<bool> done_called{false};
  bool drain_saw_done = false;
  std::thread drainer([&] {
    q.ShutDownWithDrain();
    drain_saw_done = done_called.load();
  });
  while (!q.ShuttingDown()) std::this_thread::yield();
  done_called = true;
  q.Done("a");
  drainer.join();
  EXPECT_TRUE(drain_saw_done);
  EXPECT_EQ(q.NumProcessing(), 0u);
}

TEST(WorkQueueTest, ShutDownWithDrainWithNothingInFlightReturns) {
  WorkQueue q;
  q.ShutDownWithDrain();
  EXPECT_TRUE(q.ShuttingDown());
}

TEST(WorkQueueTest, ReportsMetricsOnItsOwnRegistry) {
  FakeClock clock;
  metrics::Registry registry;
  {
    QueueOptions o = Fake(&clock, "gitrepo");
    o.registry = &registry;
    WorkQueue q(std::move(o));
    q.Add("a");
    q.Add("a");
    q.Add("b");
    clock.Advance(seconds(2));
    ASSERT_EQ(q.TryGet(), "a");  // waited 2 s
    clock.Advance(seconds(3));
    q.AddRateLimited("c");
    std::string s = registry.Serialize();
    EXPECT_NE(s.find("workqueue_depth{name=\"gitrepo\"} 1\n"), std::string::npos) << s;
    EXPECT_NE(s.find("workqueue_adds_total{name=\"gitrepo\"} 2\n"), std::string::npos) << s;
    EXPECT_NE(s.find("workqueue_retries_total{name=\"gitrepo\"} 1\n"), std::string::npos) << s;
    EXPECT_NE(s.find("workqueue_longest_running_processor_seconds{name=\"gitrepo\"} 3\n"),
              std::string::npos)
        << s;
    EXPECT_NE(s.find("workqueue_unfinished_work_seconds{name=\"gitrepo\"} 3\n"), std::string::npos)
        << s;
    EXPECT_NE(s.find("workqueue_queue_duration_seconds_sum{name=\"gitrepo\"} 2\n"),
              std::string::npos)
        << s;
    q.Done("a");
    s = registry.Serialize();
    EXPECT_NE(s.find("workqueue_work_duration_seconds_sum{name=\"gitrepo\"} 3\n"),
              std::string::npos)
        << s;
    EXPECT_NE(s.find("workqueue_work_duration_seconds_count{name=\"gitrepo\"} 1\n"),
              std::string::npos)
        << s;
  }
  // Scrape-time gauges go away with the queue (they would read a dead queue).
  std::string s = registry.Serialize();
  EXPECT_EQ(s.find("workqueue_depth{"), std::string::npos) << s;
  EXPECT_EQ(s.find("workqueue_longest_running_processor_seconds{"), std::string::npos) << s;
}

// Many workers, many producers, few keys: no key is ever processed by two workers at once, and
// every add is followed by a run that sees it (the "no lost update" property).
TEST(WorkQueueTest, OneWorkerPerKeyAndNoLostUpdatesUnderConcurrency) {
  constexpr int kKeys = 16, kWorkers = 16, kProducers = 8, kAddsPerProducer = 5000;
  WorkQueue q;
  std::atomic<int> in_flight[kKeys] = {};
  std::atomic<uint64_t> version[kKeys] = {};
  std::atomic<uint64_t> seen[kKeys] = {};
  std::atomic<int> overlaps{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.Get()) {
        int k = std::stoi(*key);
        if (in_flight[k].fetch_add(1) != 0) overlaps++;
        seen[k] = version[k].load();  // level-triggered: read the current state
        std::this_thread::yield();
        in_flight[k].fetch_sub(1);
        q.Done(*key);
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      uint32_t x = 2463534242u + p;
      for (int i = 0; i < kAddsPerProducer; ++i) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        int k = static_cast<int>(x % kKeys);
        version[k].fetch_add(1);
        q.Add(std::to_string(k));
      }
    });
  }
  for (auto& t : producers) t.join();
  q.ShutDownWithDrain();
  for (auto& t : workers) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  for (int k = 0; k < kKeys; ++k) EXPECT_EQ(seen[k].load(), version[k].load()) << "key " << k;
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(q.NumProcessing(), 0u);
}

}  // namespace
}  // namespace flotilla::queue
