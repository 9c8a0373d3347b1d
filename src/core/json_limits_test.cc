#include "core/json_limits.h"

#include <string>

#include <gtest/gtest.h>

namespace flotilla {
namespace {

std::string Nested(size_t depth, const char* open = "{\"a\":", const char* close = "}") {
  std::string s;
  for (size_t i = 0; i < depth; ++i) s += open;
  s += "1";
  for (size_t i = 0; i < depth; ++i) s += close;
  return s;
}

TEST(JsonLimitsTest, TextDepthCountsBracketsOutsideStrings) {
  EXPECT_EQ(JsonTextDepth("1"), 0u);
  EXPECT_EQ(JsonTextDepth("{}"), 1u);
  EXPECT_EQ(JsonTextDepth("[[1],[[2]]]"), 3u);
  EXPECT_EQ(JsonTextDepth(R"({"[[[[": "{{{{\"[["})"), 1u);
  EXPECT_EQ(JsonTextDepth(R"(["\\", [1]])"), 2u);  // an escaped backslash ends before the quote
}

TEST(JsonLimitsTest, ParsesUpToTheLimitAndRefusesBeyond) {
  ASSERT_TRUE(ParseJson(Nested(kMaxJsonDepth)).ok());
  auto deep = ParseJson(Nested(kMaxJsonDepth + 1), "the request body");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(deep.status().message(),
            "the request body is nested deeper than 512 levels (the limit for objects and arrays)");
  EXPECT_FALSE(ParseJson(Nested(100000, "[", "]")).ok());  // no stack exhaustion
}

TEST(JsonLimitsTest, SyntaxErrorsNameTheOffsetNotTheText) {
  auto bad = ParseJson(R"({"password": "hunter2" x})", "the body");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("the body is not valid JSON (syntax error at byte "),
            std::string::npos);
  EXPECT_EQ(bad.status().message().find("hunter2"), std::string::npos);
}

TEST(JsonLimitsTest, DepthOfValuesWithoutRecursion) {
  EXPECT_EQ(JsonDepth(Json(1)), 0u);
  EXPECT_EQ(JsonDepth(Json::object()), 1u);
  EXPECT_EQ(JsonDepth(Json::parse(R"({"a": [1, {"b": []}], "c": {}})")), 4u);
  Json deep = Json::object();
  Json* cur = &deep;
  for (int i = 0; i < 5000; ++i) cur = &((*cur)["a"] = Json::object());
  EXPECT_EQ(JsonDepth(deep), 5001u);
  EXPECT_GT(JsonDepth(deep, 10), 10u);
  EXPECT_FALSE(CheckJsonDepth(deep, "x").ok());
  EXPECT_TRUE(CheckJsonDepth(Json::parse("[[]]"), "x").ok());
}

TEST(JsonLimitsTest, ApproxBytesTracksTheSerialization) {
  Json v = Json::parse(R"({"name": "abcdefghij", "list": ["x", "y"], "n": 12})");
  size_t exact = v.dump().size();
  size_t approx = ApproxJsonBytes(v);
  EXPECT_GE(approx, exact * 8 / 10);
  EXPECT_LE(approx, exact * 2);
  Json big = Json::array();
  for (int i = 0; i < 1000; ++i) big.push_back(std::string(1000, 'x'));
  EXPECT_GT(ApproxJsonBytes(big, 5000), 5000u);
  EXPECT_LT(ApproxJsonBytes(big, 5000), 10000u);  // stopped early
}

}  // namespace
}  // namespace flotilla
