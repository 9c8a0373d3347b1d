#include "auth/kubeconfig.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "auth/tokens.h"

namespace flotilla::auth {
namespace {

namespace fs = std::filesystem;

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore("sqlite://:memory:");
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
    dir_ = fs::path(::testing::TempDir()) /
           ("kubeconfig_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    path_ = (dir_ / "admin.kubeconfig").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::unique_ptr<store::Store> store_;
  fs::path dir_;
  std::string path_;
};

TEST_F(KubeconfigTest, RendersWhatItParses) {
  Kubeconfig c{"https://127.0.0.1:6443", "-----BEGIN CERTIFICATE-----\nx\n", "flt_abc"};
  auto back = ParseKubeconfig(RenderKubeconfig(c), "k");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->server, c.server);
  EXPECT_EQ(back->ca_pem, c.ca_pem);
  EXPECT_EQ(back->token, c.token);
  EXPECT_EQ(ParseKubeconfig("kind: Pod\n", "k").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(KubeconfigTest, FirstStartIssuesAnAdminTokenLaterStartsKeepIt) {
  auto first = EnsureAdminKubeconfig(*store_, path_, "https://127.0.0.1:1000", "CA");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->issued_token);
  EXPECT_TRUE(first->written);
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto k1 = ReadKubeconfig(path_);
  ASSERT_TRUE(k1.ok());
  auto user = LookupToken(*store_, k1->token);
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->name, "admin");
  EXPECT_EQ(user->groups, (std::vector<std::string>{"system:masters", "system:authenticated"}));

  // Same address: nothing to do. New port: only the server URL changes.
  auto same = EnsureAdminKubeconfig(*store_, path_, "https://127.0.0.1:1000", "CA");
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same->issued_token);
  EXPECT_FALSE(same->written);
  auto moved = EnsureAdminKubeconfig(*store_, path_, "https://127.0.0.1:2000", "CA");
  ASSERT_TRUE(moved.ok());
  EXPECT_FALSE(moved->issued_token);
  EXPECT_TRUE(moved->written);
  auto k2 = ReadKubeconfig(path_);
  ASSERT_TRUE(k2.ok());
  EXPECT_EQ(k2->server, "https://127.0.0.1:2000");
  EXPECT_EQ(k2->token, k1->token);

  // A revoked token is replaced.
  ASSERT_TRUE(RevokeToken(*store_, TokenId(k2->token)).ok());
  auto renewed = EnsureAdminKubeconfig(*store_, path_, "https://127.0.0.1:2000", "CA");
  ASSERT_TRUE(renewed.ok());
  EXPECT_TRUE(renewed->issued_token);
  auto k3 = ReadKubeconfig(path_);
  ASSERT_TRUE(k3.ok());
  EXPECT_NE(k3->token, k2->token);
  EXPECT_TRUE(LookupToken(*store_, k3->token).ok());
}

}  // namespace
}  // namespace flotilla::auth
