#include "model/labels.h"

#include <gtest/gtest.h>

namespace flotilla::model {
namespace {

TEST(LabelSelectorTest, ParsesAndMatchesAllOperators) {
  auto sel = LabelSelector::Parse("env=prod, tier!=db, region in (eu, us), !legacy, team");
  ASSERT_TRUE(sel.ok()) << sel.status().ToString();
  EXPECT_EQ(sel->requirements().size(), 5u);
  EXPECT_TRUE(sel->Matches(Labels{{"env", "prod"}, {"region", "eu"}, {"team", "a"}}));
  EXPECT_FALSE(sel->Matches(Labels{{"env", "prod"}, {"region", "asia"}, {"team", "a"}}));
  EXPECT_FALSE(
      sel->Matches(Labels{{"env", "prod"}, {"region", "eu"}, {"team", "a"}, {"legacy", "1"}}));
  EXPECT_FALSE(sel->Matches(Labels{{"env", "prod"}, {"region", "eu"}}));
  EXPECT_FALSE(
      sel->Matches(Labels{{"env", "prod"}, {"tier", "db"}, {"region", "eu"}, {"team", "a"}}));
}

TEST(LabelSelectorTest, EmptyMatchesEverything) {
  auto sel = LabelSelector::Parse("");
  ASSERT_TRUE(sel.ok());
  EXPECT_TRUE(sel->Matches(Labels{}));
}

TEST(LabelSelectorTest, RejectsMalformed) {
  EXPECT_FALSE(LabelSelector::Parse("env in (a,b").ok());
  EXPECT_FALSE(LabelSelector::Parse("bad key!=x=y").ok());
  EXPECT_FALSE(LabelSelector::Parse("a,,b").ok());
}

TEST(LabelSelectorTest, FromJson) {
  auto sel = LabelSelector::FromJson(Json::parse(
      R"({"matchLabels":{"env":"dev"},"matchExpressions":[{"key":"zone","operator":"NotIn","values":["a"]}]})"));
  ASSERT_TRUE(sel.ok()) << sel.status().ToString();
  EXPECT_TRUE(sel->Matches(Labels{{"env", "dev"}, {"zone", "b"}}));
  EXPECT_FALSE(sel->Matches(Labels{{"env", "dev"}, {"zone", "a"}}));
  EXPECT_FALSE(LabelSelector::FromJson(
                   Json::parse(R"({"matchExpressions":[{"key":"z","operator":"Near"}]})"))
                   .ok());
}

}  // namespace
}  // namespace flotilla::model
