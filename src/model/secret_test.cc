#include "model/secret.h"

#include <gtest/gtest.h>

#include "core/base64.h"

namespace flotilla::model {
namespace {

TEST(SecretTest, DecodesDataAndTellsAbsentFromMalformed) {
  Json secret = {{"data",
                  {{"username", Base64Encode("me")},
                   {"secrets.yaml", Base64Encode("a: b")},
                   {"bad", "!!"},
                   {"number", 1}}}};
  EXPECT_EQ(*SecretValue(secret, "username"), "me");
  EXPECT_EQ(*SecretValue(secret, "secrets.yaml"), "a: b");
  EXPECT_EQ(SecretValue(secret, "nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(SecretValue(secret, "number").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(SecretValue(secret, "bad").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SecretValueOrEmpty(secret, "bad"), "");
  EXPECT_EQ(SecretValueOrEmpty(Json(), "username"), "");
}

}  // namespace
}  // namespace flotilla::model
