#include "core/time.h"

#include <gtest/gtest.h>

namespace flotilla {
namespace {

TEST(DurationTest, ParsesGoSyntax) {
  EXPECT_EQ(ParseGoDuration("15s")->count(), 15'000'000'000LL);
  EXPECT_EQ(ParseGoDuration("1m30s")->count(), 90'000'000'000LL);
  EXPECT_EQ(ParseGoDuration("1.5h")->count(), 5'400'000'000'000LL);
  EXPECT_EQ(ParseGoDuration("300ms")->count(), 300'000'000LL);
  EXPECT_EQ(ParseGoDuration("0")->count(), 0);
}

TEST(DurationTest, RejectsGarbage) {
  auto d = ParseGoDuration("5x");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(), "invalid duration \"5x\"");
  EXPECT_FALSE(ParseGoDuration("").ok());
  EXPECT_FALSE(ParseGoDuration("s").ok());
}

TEST(DurationTest, FormatsLikeGo) {
  EXPECT_EQ(FormatGoDuration(std::chrono::seconds(90)), "1m30s");
  EXPECT_EQ(FormatGoDuration(std::chrono::seconds(15)), "15s");
  EXPECT_EQ(FormatGoDuration(std::chrono::hours(2)), "2h0m0s");
}

TEST(TimeTest, Rfc3339RoundTrip) {
  Clock::time_point t;
  ASSERT_TRUE(ParseRfc3339("2026-11-25T14:27:25Z", &t));
  EXPECT_EQ(FormatRfc3339(t), "2026-11-25T14:27:25Z");
}

}  // namespace
}  // namespace flotilla
