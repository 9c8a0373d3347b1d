#include "auth/tokens.h"

#include <gtest/gtest.h>

#include "core/json.h"
#include "model/resource_type.h"
#include "store/store.h"

namespace flotilla::auth {
namespace {

class TokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore("sqlite://:memory:");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  std::unique_ptr<store::Store> store_;
};

TEST_F(TokensTest, IssuedTokenAuthenticatesAndIsStoredOnlyHashed) {
  TokenSpec spec;
  spec.user = "admin";
  spec.groups = {"system:masters", "system:authenticated"};
  auto issued = IssueToken(*store_, spec);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(TokenId(issued->token), issued->id);

  auto user = LookupToken(*store_, issued->token);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->name, "admin");
  EXPECT_EQ(user->groups, spec.groups);
  EXPECT_TRUE(user->authenticated);

  auto rec = store_->Get(model::SecretType(), kSystemNamespace, "token-" + issued->id);
  ASSERT_TRUE(rec.ok());
  std::string dumped = rec->dump();
  std::string secret_part = issued->token.substr(issued->token.find('.') + 1);
  EXPECT_EQ(dumped.find(secret_part), std::string::npos) << "the token itself is stored";
}

TEST_F(TokensTest, WrongSecretUnknownIdAndGarbageAreUnauthenticated) {
  TokenSpec spec;
  spec.user = "u";
  auto issued = IssueToken(*store_, spec);
  ASSERT_TRUE(issued.ok());
  std::string wrong = issued->token;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(LookupToken(*store_, wrong).status().code(), StatusCode::kUnauthenticated);
  std::string unknown = "flt_0123456789abcdef." + std::string(64, 'a');
  EXPECT_EQ(LookupToken(*store_, unknown).status().code(), StatusCode::kUnauthenticated);
  for (const char* bad : {"", "flt_", "Bearer x", "flt_../../etc.passwd", "flt_zzzzzzzzzzzzzzzz.a"})
    EXPECT_EQ(LookupToken(*store_, bad).status().code(), StatusCode::kUnauthenticated) << bad;
}

TEST_F(TokensTest, RevokedAndExpiredTokensAreUnauthenticated) {
  TokenSpec spec;
  spec.user = "u";
  auto a = IssueToken(*store_, spec);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(RevokeToken(*store_, a->id).ok());
  EXPECT_EQ(LookupToken(*store_, a->token).status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(RevokeToken(*store_, a->id).ok()) << "revoking twice is fine";

  spec.ttl = std::chrono::seconds(3600);
  auto b = IssueToken(*store_, spec);
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(LookupToken(*store_, b->token).ok());
  // Expire it by rewriting the record's expiry into the past.
  auto rec = store_->Get(model::SecretType(), kSystemNamespace, "token-" + b->id);
  ASSERT_TRUE(rec.ok());
  (*rec)["data"]["expires"] = "MjAwMC0wMS0wMVQwMDowMDowMFo=";  // 2000-01-01T00:00:00Z
  ASSERT_TRUE(store_->Update(model::SecretType(), *rec).ok());
  EXPECT_EQ(LookupToken(*store_, b->token).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(TokensTest, ServiceAccountTokenDiesWithItsAccount) {
  ASSERT_TRUE(
      store_
          ->Create(model::NamespaceType(),
                   {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "apps"}}}})
          .ok());
  auto sa = store_->Create(model::ServiceAccountType(),
                           {{"apiVersion", "v1"},
                            {"kind", "ServiceAccount"},
                            {"metadata", {{"name", "deployer"}, {"namespace", "apps"}}}});
  ASSERT_TRUE(sa.ok()) << sa.status().ToString();
  std::string uid = (*sa)["metadata"].value("uid", "");
  auto t = IssueToken(*store_, ServiceAccountTokenSpec("apps", "deployer", uid, {}));
  ASSERT_TRUE(t.ok());
  auto user = LookupToken(*store_, t->token);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->name, "system:serviceaccount:apps:deployer");
  EXPECT_NE(std::find(user->groups.begin(), user->groups.end(), "system:serviceaccounts:apps"),
            user->groups.end());

  ASSERT_TRUE(store_->Delete(model::ServiceAccountType(), "apps", "deployer").ok());
  EXPECT_EQ(LookupToken(*store_, t->token).status().code(), StatusCode::kUnauthenticated);
  // A new account of the same name does not bring the old token back (uid differs).
  ASSERT_TRUE(store_
                  ->Create(model::ServiceAccountType(),
                           {{"apiVersion", "v1"},
                            {"kind", "ServiceAccount"},
                            {"metadata", {{"name", "deployer"}, {"namespace", "apps"}}}})
                  .ok());
  EXPECT_EQ(LookupToken(*store_, t->token).status().code(), StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace flotilla::auth
