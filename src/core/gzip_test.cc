#include "core/gzip.h"

#include <gtest/gtest.h>

namespace flotilla {
namespace {

TEST(GzipTest, RoundTrips) {
  std::string big(200000, 'x');
  for (const std::string& s : {std::string(), std::string("hello"), big}) {
    auto gz = Gzip(s);
    ASSERT_TRUE(gz.ok());
    auto back = Gunzip(*gz, 1 << 20);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, s);
  }
}

TEST(GzipTest, RejectsGarbageAndTruncation) {
  EXPECT_EQ(Gunzip("not gzip", 100).status().code(), StatusCode::kInvalidArgument);
  auto gz = Gzip(std::string(1000, 'a'));
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(Gunzip(gz->substr(0, gz->size() / 2), 1 << 20).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(GzipTest, StopsAtTheLimit) {
  auto gz = Gzip(std::string(300000, 'a'));
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(Gunzip(*gz, 299999).status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(Gunzip(*gz, 300000).ok());
}

}  // namespace
}  // namespace flotilla
