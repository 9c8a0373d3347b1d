#include "auth/token_authenticator.h"

#include <gtest/gtest.h>

#include "auth/tokens.h"
#include "core/base64.h"
#include "core/time.h"
#include "model/resource_type.h"
#include "store/store.h"
#include "store/testing/faulty_store.h"

namespace flotilla::auth {
namespace {

http::Request WithAuthorization(const std::string& value) {
  http::Request r;
  r.method = "GET";
  r.path = "/apis/fleet.cattle.io/v1alpha1/gitrepos";
  if (!value.empty()) r.headers["authorization"] = value;
  return r;
}

TEST(BearerTokenTest, ParsesKubernetesForms) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("bearer abc"), "abc");
  EXPECT_EQ(BearerToken("BEARER   abc  "), "abc");
  EXPECT_EQ(BearerToken("Bearer"), "");
  EXPECT_EQ(BearerToken("Bearer "), "");
  EXPECT_EQ(BearerToken("Basic YWJjOmRlZg=="), "");
  EXPECT_EQ(BearerToken("Bearerabc"), "");
  EXPECT_EQ(BearerToken("Bearer a b"), "");
  EXPECT_EQ(BearerToken(""), "");
}

class TokenAuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore("sqlite://:memory:");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  std::string Issue(std::chrono::seconds ttl = std::chrono::seconds(0)) {
    TokenSpec spec;
    spec.user = "alice";
    spec.groups = {"devs", "system:authenticated"};
    spec.ttl = ttl;
    auto t = IssueToken(*store_, spec);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? t->token : "";
  }
  std::unique_ptr<store::Store> store_;
};

TEST_F(TokenAuthenticatorTest, ValidTokenNamesItsUser) {
  std::string token = Issue();
  auto authn = TokenAuthenticator(*store_);
  auto user = authn->Authenticate(WithAuthorization("Bearer " + token));
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->name, "alice");
  EXPECT_EQ(user->groups, (std::vector<std::string>{"devs", "system:authenticated"}));
  EXPECT_TRUE(user->authenticated);
}

TEST_F(TokenAuthenticatorTest, MissingGarbageRevokedAndExpiredAre401) {
  auto authn = TokenAuthenticator(*store_);
  std::string token = Issue();
  for (const std::string& header :
       {std::string(), std::string("Bearer garbage"), "Basic " + token,
        "Bearer " + token.substr(0, token.size() - 1) + (token.back() == '0' ? "1" : "0")}) {
    auto user = authn->Authenticate(WithAuthorization(header));
    EXPECT_EQ(user.status().code(), StatusCode::kUnauthenticated) << header;
  }
  ASSERT_TRUE(RevokeToken(*store_, TokenId(token)).ok());
  EXPECT_EQ(authn->Authenticate(WithAuthorization("Bearer " + token)).status().code(),
            StatusCode::kUnauthenticated);
  // An expired token: its record says it expired a moment ago.
  std::string short_lived = Issue(std::chrono::seconds(1));
  auto rec = store_->Get(model::SecretType(), kSystemNamespace, "token-" + TokenId(short_lived));
  ASSERT_TRUE(rec.ok());
  (*rec)["data"]["expires"] = Base64Encode(FormatRfc3339(Clock::now() - std::chrono::seconds(1)));
  ASSERT_TRUE(store_->Update(model::SecretType(), *rec).ok());
  EXPECT_EQ(authn->Authenticate(WithAuthorization("Bearer " + short_lived)).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(TokenAuthenticatorTest, StoreErrorsAreNotUnauthenticatedAndNeverAllow) {
  std::string token = Issue();
  store::testing::FaultyStore faulty(*store_, 1);
  faulty.FailAlways(store::testing::Op::kGet, "", Status(StatusCode::kUnavailable, "db down"));
  auto authn = TokenAuthenticator(faulty);
  auto user = authn->Authenticate(WithAuthorization("Bearer " + token));
  EXPECT_FALSE(user.ok());
  EXPECT_EQ(user.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace flotilla::auth
