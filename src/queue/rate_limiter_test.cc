#include "queue/rate_limiter.h"

#include <gtest/gtest.h>

namespace flotilla::queue {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ExponentialBackoffTest, DoublesPerFailureUpToTheCap) {
  ExponentialBackoffRateLimiter rl(milliseconds(5), seconds(1));
  EXPECT_EQ(rl.When("a"), milliseconds(5));
  EXPECT_EQ(rl.When("a"), milliseconds(10));
  EXPECT_EQ(rl.When("a"), milliseconds(20));
  EXPECT_EQ(rl.When("a"), milliseconds(40));
  EXPECT_EQ(rl.NumRequeues("a"), 4);
  for (int i = 0; i < 4; ++i) rl.When("a");  // 80, 160, 320, 640
  EXPECT_EQ(rl.When("a"), seconds(1));       // 1280 ms, capped
  EXPECT_EQ(rl.When("a"), seconds(1));
}

TEST(ExponentialBackoffTest, KeysAreIndependentAndForgetResets) {
  ExponentialBackoffRateLimiter rl(milliseconds(1), seconds(10));
  rl.When("a");
  rl.When("a");
  EXPECT_EQ(rl.When("b"), milliseconds(1));
  EXPECT_EQ(rl.NumRequeues("a"), 2);
  EXPECT_EQ(rl.NumRequeues("b"), 1);
  rl.Forget("a");
  EXPECT_EQ(rl.NumRequeues("a"), 0);
  EXPECT_EQ(rl.When("a"), milliseconds(1));
}

TEST(ExponentialBackoffTest, HugeFailureCountsSaturateAtTheCap) {
  ExponentialBackoffRateLimiter rl(milliseconds(5), seconds(1000));
  Duration last{0};
  for (int i = 0; i < 5000; ++i) {
    Duration d = rl.When("a");
    EXPECT_GE(d, last);
    EXPECT_LE(d, seconds(1000));
    last = d;
  }
  EXPECT_EQ(last, seconds(1000));
}

}  // namespace
}  // namespace flotilla::queue
