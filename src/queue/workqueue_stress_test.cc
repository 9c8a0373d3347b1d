// Randomized, seeded, single-threaded runs of the queue on a fake clock (the way the sync
// simulation drives it), checking client-go's invariants after every step and at the end.
// A failing seed is printed; re-run it with --gtest_filter and FLOTILLA_QUEUE_SEED=<seed>.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <set>

#include "queue/workqueue.h"

namespace flotilla::queue {
namespace {

using std::chrono::milliseconds;

void RunSeed(uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  FakeClock clock;
  QueueOptions o;
  o.clock = &clock;
  o.rate_limiter =
      std::make_unique<ExponentialBackoffRateLimiter>(milliseconds(1), milliseconds(50));
  WorkQueue q(std::move(o));

  const int keys = 1 + pick(12);
  std::map<std::string, uint64_t> version;  // bumped by every add: "the world changed"
  std::map<std::string, uint64_t> seen;     // what the last run of the key read
  std::map<std::string, TimePoint> in_flight;
  auto key = [&] { return "k" + std::to_string(pick(keys)); };

  auto start = [&](const std::string& k) {
    ASSERT_FALSE(in_flight.count(k)) << k << " handed to two workers";
    in_flight[k] = clock.Now();
    seen[k] = version[k];
  };
  auto finish = [&](bool fail) {
    auto it = in_flight.begin();
    std::advance(it, pick(static_cast<int>(in_flight.size())));
    std::string k = it->first;
    in_flight.erase(it);
    if (fail) {
      q.AddRateLimited(k);
    } else {
      q.Forget(k);
    }
    q.Done(k);
  };

  for (int step = 0; step < 3000; ++step) {
    switch (pick(8)) {
      case 0:
      case 1: {
        std::string k = key();
        ++version[k];
        q.Add(k);
        break;
      }
      case 2: {
        std::string k = key();
        ++version[k];
        q.AddAfter(k, milliseconds(pick(40)));
        break;
      }
      case 3:
      case 4:
        if (auto k = q.TryGet()) {
          ASSERT_NO_FATAL_FAILURE(start(*k));
        }
        break;
      case 5:
        if (!in_flight.empty()) finish(pick(4) == 0);
        break;
      case 6:
        clock.Advance(milliseconds(pick(20)));
        break;
      case 7:
        if (auto next = q.NextReadyAt()) clock.AdvanceTo(*next);
        break;
    }
    ASSERT_EQ(q.NumProcessing(), in_flight.size());
    ASSERT_LE(q.Len(), static_cast<size_t>(keys));  // each key queued at most once
  }

  // Settle: finish everything, successfully, until nothing is queued, waiting or in flight.
  while (!in_flight.empty()) finish(false);
  for (int guard = 0; guard < 100000; ++guard) {
    if (auto k = q.TryGet()) {
      ASSERT_NO_FATAL_FAILURE(start(*k));
      finish(false);
    } else if (auto next = q.NextReadyAt()) {
      clock.AdvanceTo(*next);
    } else {
      break;
    }
  }
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(q.NumWaiting(), 0u);
  for (const auto& [k, v] : version) {
    EXPECT_EQ(seen[k], v) << k << ": an add was never followed by a run";
    EXPECT_EQ(q.NumRequeues(k), 0) << k;
  }
}

TEST(WorkQueueStressTest, RandomizedRunsKeepInvariants) {
  if (const char* s = std::getenv("FLOTILLA_QUEUE_SEED")) {
    RunSeed(std::strtoull(s, nullptr, 10));
    return;
  }
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    RunSeed(seed);
    if (HasFatalFailure() || HasFailure()) {
      ADD_FAILURE() << "failing seed: " << seed;
      return;
    }
  }
}

}  // namespace
}  // namespace flotilla::queue
