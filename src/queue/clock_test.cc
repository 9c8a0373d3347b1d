#include "queue/clock.h"

#include <gtest/gtest.h>

#include <thread>

namespace flotilla::queue {
namespace {

using std::chrono::seconds;

TEST(FakeClockTest, MovesOnlyWhenAdvancedAndNeverBackward) {
  FakeClock clock;
  TimePoint t0 = clock.Now();
  EXPECT_EQ(clock.Now(), t0);
  clock.Advance(seconds(5));
  EXPECT_EQ(clock.Now(), t0 + seconds(5));
  clock.AdvanceTo(t0 + seconds(1));  // in the past: ignored
  EXPECT_EQ(clock.Now(), t0 + seconds(5));
}

TEST(FakeClockTest, SleepUntilWakesWhenTimeReachesTheDeadline) {
  FakeClock clock;
  TimePoint deadline = clock.Now() + seconds(10);
  bool woke = false;
  std::thread sleeper([&] {
    clock.SleepUntil(deadline);
    woke = true;
  });
  while (clock.Sleepers() == 0) std::this_thread::yield();
  clock.Advance(seconds(9));
  EXPECT_EQ(clock.Sleepers(), 1);  // still asleep: the deadline has not come
  clock.Advance(seconds(1));
  sleeper.join();
  EXPECT_TRUE(woke);
  EXPECT_EQ(clock.Sleepers(), 0);
}

TEST(FakeClockTest, ListenersAreCalledOnEveryMoveUntilRemoved) {
  FakeClock clock;
  int calls = 0;
  uint64_t id = clock.AddListener([&] { ++calls; });
  clock.Advance(seconds(1));
  clock.Advance(seconds(1));
  clock.RemoveListener(id);
  clock.Advance(seconds(1));
  EXPECT_EQ(calls, 2);
}

TEST(RealClockTest, IsMonotonic) {
  TimePoint a = RealClock().Now();
  TimePoint b = RealClock().Now();
  EXPECT_LE(a, b);
}

}  // namespace
}  // namespace flotilla::queue
