#include <gtest/gtest.h>

#include "controller/informer.h"

namespace flotilla::controller {
namespace {

store::WatchEvent Event(store::WatchEventType type, int64_t generation, Json status) {
  Json obj = {{"metadata", {{"name", "a"}, {"namespace", "ns"}, {"generation", generation}}}};
  if (!status.is_null()) obj["status"] = std::move(status);
  return {type, std::move(obj), 0};
}

TEST(SpecChangeFilterTest, StatusOnlyWritesAreFilteredOut) {
  SpecChangeFilter f;
  EXPECT_TRUE(f.ShouldEnqueue(Event(store::WatchEventType::kAdded, 1, nullptr)));
  EXPECT_FALSE(f.ShouldEnqueue(Event(store::WatchEventType::kModified, 1, {{"commit", "x"}})));
  EXPECT_FALSE(
      f.ShouldEnqueue(Event(store::WatchEventType::kModified, 1, {{"webhookCommit", "y"}})));
  EXPECT_TRUE(f.ShouldEnqueue(Event(store::WatchEventType::kModified, 2, nullptr)));
}

// A webhook accepted by a follower replica reaches the leader as a new status.webhookCommit.
TEST(SpecChangeFilterTest, AWatchedStatusFieldCountsAsAChange) {
  SpecChangeFilter f("webhookCommit");
  EXPECT_TRUE(f.ShouldEnqueue(Event(store::WatchEventType::kAdded, 1, nullptr)));
  EXPECT_FALSE(f.ShouldEnqueue(Event(store::WatchEventType::kModified, 1, {{"commit", "x"}})));
  EXPECT_TRUE(f.ShouldEnqueue(
      Event(store::WatchEventType::kModified, 1, {{"commit", "x"}, {"webhookCommit", "y"}})));
  EXPECT_FALSE(f.ShouldEnqueue(
      Event(store::WatchEventType::kModified, 1, {{"commit", "y"}, {"webhookCommit", "y"}})));
  EXPECT_TRUE(f.ShouldEnqueue(
      Event(store::WatchEventType::kModified, 1, {{"commit", "y"}, {"webhookCommit", "z"}})));
}

}  // namespace
}  // namespace flotilla::controller
