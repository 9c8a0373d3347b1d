#include "queue/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>

namespace flotilla::queue {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Fixture {
  FakeClock clock;
  metrics::Registry registry;
  std::unique_ptr<WorkQueue> q;
  Fixture() {
    QueueOptions o;
    o.clock = &clock;
    o.name = "gitrepo";
    o.registry = &registry;
    q = std::make_unique<WorkQueue>(std::move(o));
  }
};

TEST(ProcessKeyTest, SuccessForgetsTheKeysBackoff) {
  Fixture f;
  f.q->AddRateLimited("a");
  f.clock.Advance(milliseconds(5));
  int calls = 0;
  EXPECT_TRUE(ProcessNextReady(*f.q, [&](const std::string& key) {
    EXPECT_EQ(key, "a");
    ++calls;
    return Result{};
  }));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(f.q->NumRequeues("a"), 0);
  EXPECT_EQ(f.q->NumProcessing(), 0u);
  EXPECT_FALSE(ProcessNextReady(*f.q, [](const std::string&) { return Result{}; }));
}

TEST(ProcessKeyTest, ErrorsRetryWithGrowingBackoffUntilSuccess) {
  Fixture f;
  int calls = 0;
  auto reconcile = [&](const std::string&) {
    return ++calls < 3 ? Result::Error(Unavailable("git server down")) : Result::Success();
  };
  f.q->Add("a");
  ASSERT_TRUE(ProcessNextReady(*f.q, reconcile));  // fails: retry in 5 ms
  EXPECT_EQ(f.q->NextReadyAt(), f.clock.Now() + milliseconds(5));
  EXPECT_FALSE(ProcessNextReady(*f.q, reconcile));
  f.clock.Advance(milliseconds(5));
  ASSERT_TRUE(ProcessNextReady(*f.q, reconcile));  // fails: retry in 10 ms
  EXPECT_EQ(f.q->NextReadyAt(), f.clock.Now() + milliseconds(10));
  EXPECT_EQ(f.q->NumRequeues("a"), 2);
  f.clock.Advance(milliseconds(10));
  ASSERT_TRUE(ProcessNextReady(*f.q, reconcile));  // succeeds
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(f.q->NumRequeues("a"), 0);
  EXPECT_EQ(f.q->NextReadyAt(), std::nullopt);
  std::string s = f.registry.Serialize();
  EXPECT_NE(
      s.find("controller_runtime_reconcile_total{controller=\"gitrepo\",result=\"error\"} 2\n"),
      std::string::npos)
      << s;
  EXPECT_NE(
      s.find("controller_runtime_reconcile_total{controller=\"gitrepo\",result=\"success\"} 1\n"),
      std::string::npos)
      << s;
}

TEST(ProcessKeyTest, AnErrorWithADeadlineRetriesNoLaterThanIt) {
  Fixture f;
  int calls = 0;
  auto reconcile = [&](const std::string&) {
    calls++;
    Result r = Result::Error(InvalidArgument("bundle broken at this commit"));
    r.after = milliseconds(7);
    return r;
  };
  f.q->Add("a");
  ASSERT_TRUE(ProcessNextReady(*f.q, reconcile));  // backoff 5 ms < deadline 7 ms
  EXPECT_EQ(f.q->NextReadyAt(), f.clock.Now() + milliseconds(5));
  f.clock.Advance(milliseconds(5));
  ASSERT_TRUE(ProcessNextReady(*f.q, reconcile));  // backoff 10 ms > deadline 7 ms
  EXPECT_EQ(f.q->NextReadyAt(), f.clock.Now() + milliseconds(7));
  EXPECT_EQ(f.q->NumRequeues("a"), 2);  // still an error: the backoff keeps growing
  EXPECT_EQ(calls, 2);
}

TEST(ProcessKeyTest, RequeueAfterSchedulesAndResetsBackoff) {
  Fixture f;
  f.q->AddRateLimited("a");
  f.clock.Advance(milliseconds(5));
  ASSERT_TRUE(ProcessNextReady(*f.q, [](const std::string&) {
    return Result::RequeueAfter(seconds(15));  // e.g. the polling interval
  }));
  EXPECT_EQ(f.q->NumRequeues("a"), 0);
  EXPECT_EQ(f.q->NextReadyAt(), f.clock.Now() + seconds(15));
}

TEST(ProcessKeyTest, RequeueUsesTheRateLimiter) {
  Fixture f;
  f.q->Add("a");
  ASSERT_TRUE(ProcessNextReady(*f.q, [](const std::string&) { return Result::Requeue(); }));
  EXPECT_EQ(f.q->NumRequeues("a"), 1);
  EXPECT_EQ(f.q->NextReadyAt(), f.clock.Now() + milliseconds(5));
}

TEST(ProcessKeyTest, AnExceptionIsAnError) {
  Fixture f;
  f.q->Add("a");
  ASSERT_TRUE(ProcessNextReady(
      *f.q, [](const std::string&) -> Result { throw std::runtime_error("boom"); }));
  EXPECT_EQ(f.q->NumRequeues("a"), 1);
  EXPECT_EQ(f.q->NumProcessing(), 0u);
}

TEST(WorkerPoolTest, ProcessesEveryKeyAndDrainsOnDestruction) {
  WorkQueue q;
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::string> done;
  {
    WorkerPool pool(q, 4, [&](const std::string& key) {
      std::lock_guard<std::mutex> l(mu);
      done.insert(key);
      cv.notify_all();
      return Result{};
    });
    for (int i = 0; i < 100; ++i) q.Add("k" + std::to_string(i));
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return done.size() == 100; });
  }
  EXPECT_TRUE(q.ShuttingDown());
  EXPECT_EQ(q.NumProcessing(), 0u);
}

TEST(WorkerPoolTest, RunReturnsAfterShutDown) {
  WorkQueue q;
  std::atomic<int> calls{0};
  q.Add("a");
  q.Add("b");
  std::thread runner([&] {
    queue::Run(q, 2, [&](const std::string&) {
      ++calls;
      return Result{};
    });
  });
  q.ShutDown();  // queued keys are still processed, then the workers exit
  runner.join();
  EXPECT_EQ(calls.load(), 2);
}

}  // namespace
}  // namespace flotilla::queue
