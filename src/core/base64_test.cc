#include "core/base64.h"

#include <gtest/gtest.h>

namespace flotilla {
namespace {

TEST(Base64Test, RoundTripsAllPaddings) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba",
                                                       "foobar", std::string("\0\xff", 2)}) {
    auto back = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
}

TEST(Base64Test, RejectsGarbage) { EXPECT_FALSE(Base64Decode("Zm9v!").ok()); }

TEST(Base64Test, LenientAcceptsMissingPaddingAndLineBreaks) {
  EXPECT_EQ(*Base64Decode("Zm8"), "fo");
  EXPECT_EQ(*Base64Decode("Zm9v\nYmFy\r\n"), "foobar");
  EXPECT_EQ(*Base64Decode("Zm9vY"), "foo");  // a lone final sextet carries no byte
  EXPECT_FALSE(Base64Decode("Zm=8").ok());
}

TEST(Base64Test, StrictReportsGoOffsets) {
  EXPECT_EQ(*Base64DecodeStrict("Zm8="), "fo");
  EXPECT_EQ(*Base64DecodeStrict(""), "");
  EXPECT_EQ(Base64DecodeStrict("Zm8").status().message(), "illegal base64 data at input byte 3");
  EXPECT_EQ(Base64DecodeStrict("Zm9v!").status().message(), "illegal base64 data at input byte 4");
  EXPECT_EQ(Base64DecodeStrict("Zm9vY").status().message(), "illegal base64 data at input byte 4");
  EXPECT_EQ(Base64DecodeStrict("Z===").status().message(), "illegal base64 data at input byte 1");
}

}  // namespace
}  // namespace flotilla
