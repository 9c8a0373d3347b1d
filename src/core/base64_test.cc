#include "core/base64.h"

#include <gtest/gtest.h>

namespace flotilla {
namespace {

TEST(Base64Test, RoundTripsAllPaddings) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff", 2)}) {
    auto back = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
}

TEST(Base64Test, RejectsGarbage) { EXPECT_FALSE(Base64Decode("Zm9v!").ok()); }

}  // namespace
}  // namespace flotilla
