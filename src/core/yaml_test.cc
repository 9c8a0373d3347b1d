#include "core/yaml.h"

#include <gtest/gtest.h>

#include <regex>

namespace flotilla {
namespace {

TEST(YamlTest, ResolvesPlainScalarsLikeGoYamlV2) {
  auto v = ParseYaml("a: 1\nb: 1.5\nc: true\nd: yes\ne: ~\nf: '1'\ng: hello\nh: 0x1F\ni: 1e3\n");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE((*v)["a"].is_number_integer());
  EXPECT_EQ((*v)["a"], 1);
  EXPECT_TRUE((*v)["b"].is_number_float());
  EXPECT_EQ((*v)["c"], true);
  EXPECT_EQ((*v)["d"], true);
  EXPECT_TRUE((*v)["e"].is_null());
  EXPECT_EQ((*v)["f"], "1");
  EXPECT_EQ((*v)["g"], "hello");
  EXPECT_EQ((*v)["h"], 31);
  EXPECT_EQ((*v)["i"], 1000.0);
}

TEST(YamlTest, MultiDocumentSkipsEmpty) {
  auto docs = ParseYamlStream("---\na: 1\n---\n# only a comment\n---\nb: 2\n");
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[1]["b"], 2);
}

TEST(YamlTest, ErrorNamesFileAndLine) {
  auto docs = ParseYamlStream("a: 1\nb: [1, 2\nc: 3\n", "deploy.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::regex_search(docs.status().message(),
                                std::regex(R"(^deploy\.yaml:\d+:\d+: invalid YAML: \S)")))
      << docs.status().message();
}

TEST(YamlTest, AliasesAndMergeKeys) {
  auto v = ParseYaml("base: &b {p: 1, q: 2}\nd:\n  <<: *b\n  q: 3\n");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ((*v)["d"]["p"], 1);
  EXPECT_EQ((*v)["d"]["q"], 3);
}

TEST(YamlTest, AliasBombIsRefused) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; c++, prev++) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; i++) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
  }
  auto v = ParseYaml(bomb, "bomb.yaml");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kResourceExhausted);
}

TEST(YamlTest, EmitsGoYamlLayout) {
  Json j = Json::parse(
      R"({"b":[1,"two",{"x":"y","w":"yy","z":[]}],"a":{"k":"true","m":"multi\nline\n"},"e":""})");
  EXPECT_EQ(ToYaml(j),
            "a:\n  k: \"true\"\n  m: |\n    multi\n    line\nb:\n- 1\n- two\n- w: yy\n  x: \"y\"\n "
            " z: []\ne: \"\"\n");
}

TEST(YamlTest, RoundTrip) {
  Json j = Json::parse(R"({"s":"a: b","n":-3,"f":0.5,"l":[[1,2],[]],"q":"it's","t":" lead"})");
  auto back = ParseYaml(ToYaml(j));
  ASSERT_TRUE(back.ok()) << ToYaml(j);
  EXPECT_EQ(*back, j) << ToYaml(j);
}

}  // namespace
}  // namespace flotilla

namespace flotilla {
namespace {

TEST(YamlTest, DeepNestingIsAnErrorNotACrash) {
  for (const auto& [open, close] : {std::pair<const char*, const char*>{"[", "]"}, {"{a: ", "}"}}) {
    std::string flow;
    for (int i = 0; i < 100000; ++i) flow += open;
    flow += "1";
    for (int i = 0; i < 100000; ++i) flow += close;
    auto v = ParseYaml(flow, "deep.yaml");
    ASSERT_FALSE(v.ok());
  }
  std::string block;  // a: \n  a: \n    a: ... in block style
  for (int i = 0; i < 2000; ++i) block += std::string(static_cast<size_t>(i), ' ') + "a:\n";
  EXPECT_FALSE(ParseYaml(block, "deep.yaml").ok());
  std::string dashes;  // "- - - ... 1": block sequences nested on one line
  for (int i = 0; i < 100000; ++i) dashes += "- ";
  EXPECT_FALSE(ParseYaml(dashes + "1", "deep.yaml").ok());
  // libfyaml (without FYPCF_DISABLE_DEPTH_LIMIT, which would need a larger stack) stops at 64
  // levels, below kMaxJsonDepth: YAML documents may nest 64 deep.
  std::string ok;
  for (size_t i = 0; i < 60; ++i) ok += std::string(i, ' ') + "a:\n";
  auto v = ParseYaml(ok, "ok.yaml");
  EXPECT_TRUE(v.ok()) << v.status().ToString();
}

}  // namespace
}  // namespace flotilla

namespace flotilla {
namespace {

TEST(YamlTest, InvalidUtf8IsAnErrorNotAHang) {
  // libfyaml 0.7.12 loops forever on this (found by scripts/fuzz.sh yaml).
  auto v = ParseYaml(std::string_view("%\x80", 2), "hang.yaml");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message(), "hang.yaml:1:2: invalid YAML: invalid UTF-8 (byte 1)");
  EXPECT_FALSE(ParseYaml("a: b\nc: \xc3\x28\n", "x.yaml").ok());
  EXPECT_FALSE(ParseYaml("a: \xed\xa0\x80\n", "x.yaml").ok());  // a surrogate
  auto ok = ParseYaml("a: \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n", "x.yaml");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)["a"], "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

}  // namespace
}  // namespace flotilla
