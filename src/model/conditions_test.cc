#include "model/conditions.h"

#include <gtest/gtest.h>

namespace flotilla::model {
namespace {

TEST(ConditionsTest, TransitionTimeMovesOnlyWithStatus) {
  Json st;
  EXPECT_TRUE(SetCondition(st, "Ready", false, "", "waiting"));
  ASSERT_TRUE(st["conditions"].is_array());
  Json c = *FindCondition(st, "Ready");
  EXPECT_FALSE(c.contains("reason"));  // omitempty, as Fleet
  EXPECT_TRUE(c.contains("lastTransitionTime"));
  EXPECT_TRUE(c.contains("lastUpdateTime"));
  EXPECT_FALSE(SetCondition(st, "Ready", false, "", "waiting"));  // nothing changed
  EXPECT_EQ(*FindCondition(st, "Ready"), c);

  // Same status, new message: only lastUpdateTime may move.
  st["conditions"][0]["lastTransitionTime"] = "then";
  EXPECT_TRUE(SetCondition(st, "Ready", false, "Waiting", "still waiting"));
  EXPECT_EQ(st["conditions"][0]["lastTransitionTime"], "then");
  EXPECT_EQ(st["conditions"][0]["reason"], "Waiting");

  // A flip moves lastTransitionTime.
  EXPECT_TRUE(SetCondition(st, "Ready", true, "", ""));
  EXPECT_NE(st["conditions"][0]["lastTransitionTime"], "then");
  EXPECT_FALSE(st["conditions"][0].contains("reason"));
  EXPECT_TRUE(ConditionIs(st, "Ready", true));
  EXPECT_FALSE(ConditionIs(st, "Other", true));
  EXPECT_EQ(FindCondition(Json("x"), "Ready"), nullptr);
}

}  // namespace
}  // namespace flotilla::model
