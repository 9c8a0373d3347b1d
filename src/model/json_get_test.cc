#include "model/json_get.h"

#include <gtest/gtest.h>

namespace flotilla::model {
namespace {

TEST(JsonGetTest, TypedReadsNeverThrow) {
  Json o = {{"spec", {{"helm", {{"chart", "c"}, {"atomic", true}, {"timeout", 30}}}}},
            {"metadata", {{"labels", {{"fleet.cattle.io/commit", "abc"}}}}},
            {"list", {1, 2}}};
  EXPECT_EQ(GetString(o, "spec.helm.chart"), "c");
  EXPECT_TRUE(GetBool(o, "spec.helm.atomic"));
  EXPECT_EQ(GetInt(o, "spec.helm.timeout"), 30);
  // Wrong types and missing paths read as absent.
  EXPECT_EQ(GetString(o, "spec.helm.timeout"), "");
  EXPECT_FALSE(GetBool(o, "spec.helm.chart"));
  EXPECT_EQ(GetInt(o, "spec.helm.chart"), 0);
  EXPECT_EQ(GetString(o, "list.x"), "");
  EXPECT_EQ(GetString(Json("scalar"), "a.b"), "");
  EXPECT_EQ(Find(o, "spec.nope"), nullptr);
  EXPECT_EQ(Find(o, ""), &o);
  // Keys holding dots are read key by key.
  EXPECT_EQ(At(o, {"metadata", "labels", "fleet.cattle.io/commit"}), "abc");
  EXPECT_TRUE(At(o, {"metadata", "nope", "x"}).is_null());
}

}  // namespace
}  // namespace flotilla::model
