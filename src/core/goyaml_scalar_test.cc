#include "core/goyaml_scalar.h"

#include <gtest/gtest.h>

namespace flotilla::goyaml {
namespace {

TEST(GoYamlScalarTest, StylesAllowed) {
  ScalarAnalysis plain = AnalyzeScalar("image: shop");  // ": " is a block indicator
  EXPECT_FALSE(plain.block_plain);
  EXPECT_TRUE(plain.single);
  EXPECT_TRUE(AnalyzeScalar("shop:1.0").block_plain);
  EXPECT_FALSE(AnalyzeScalar("- item").block_plain);
  EXPECT_FALSE(AnalyzeScalar(" lead").block_plain);
  ScalarAnalysis lines = AnalyzeScalar("a\nb");
  EXPECT_TRUE(lines.multiline);
  EXPECT_TRUE(lines.block);
  EXPECT_FALSE(lines.block_plain);
  ScalarAnalysis special = AnalyzeScalar(std::string("a\x01", 2));
  EXPECT_FALSE(special.single || special.block || special.block_plain);
  ScalarAnalysis empty = AnalyzeScalar("");
  EXPECT_FALSE(empty.flow_plain);
  EXPECT_FALSE(empty.block);
}

TEST(GoYamlScalarTest, DoubleQuotedEscapes) {
  EXPECT_EQ(DoubleQuotedEscape('\n'), "n");
  EXPECT_EQ(DoubleQuotedEscape('"'), "\"");
  EXPECT_EQ(DoubleQuotedEscape('\\'), "\\");
  EXPECT_EQ(DoubleQuotedEscape(0x01), "x01");
  EXPECT_EQ(DoubleQuotedEscape(0xFEFF), "uFEFF");
  EXPECT_EQ(DoubleQuotedEscape(0x1F600), "U0001F600");
  EXPECT_EQ(DoubleQuotedEscape(0x2028), "L");
}

}  // namespace
}  // namespace flotilla::goyaml
