// Faults while fetching: truncated packs, stalled servers, 5xx. Each fails the call with a reason,
// leaves the cache usable, and never holds up work on other repositories.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <random>
#include <thread>

#include "git/cache.h"
#include "git/remote.h"
#include "git/test_util.h"

namespace flotilla::git {
namespace {

using ::testing::HasSubstr;
using testing::Repo;
using testing::Server;
using testing::TempDir;

std::string RandomBytes(size_t n) {
  std::mt19937_64 rng(42);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

class FetchFaultTest : public ::testing::Test {
 protected:
  FetchFaultTest()
      : repo_(tmp_.path() + "/srv", "big.git", "main"),
        server_("git-http.sh", tmp_.path() + "/srv") {
    commit_ = repo_.Commit("main", {{"blob.bin", RandomBytes(256 << 10)}, {"a.yaml", "a: 1\n"}});
  }
  RemoteSpec Spec() {
    RemoteSpec s;
    s.url = server_.url() + "big.git";
    s.branch = "main";
    return s;
  }
  void Fault(const std::string& kind, const std::string& value) {
    std::ofstream(tmp_.path() + "/srv/.git-http." + kind) << value;
  }
  void Heal(const std::string& kind) {
    std::filesystem::remove(tmp_.path() + "/srv/.git-http." + kind);
  }
  TempDir tmp_;
  Repo repo_;
  Server server_;
  std::string commit_;
};

TEST_F(FetchFaultTest, TruncatedPackFailsAndTheCacheRecovers) {
  Cache cache(tmp_.path() + "/cache");
  Fault("truncate", "4000");
  auto broken = cache.Open(Spec(), commit_);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), StatusCode::kUnavailable) << broken.status().ToString();
  EXPECT_THAT(broken.status().message(), HasSubstr("cannot fetch from http://127.0.0.1:"));
  Heal("truncate");
  auto ok = cache.Open(Spec(), commit_);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*(*ok)->ReadFile("blob.bin")).size(), size_t{256} << 10);
}

TEST_F(FetchFaultTest, ServerErrorFailsTheFetch) {
  Cache cache(tmp_.path() + "/cache");
  Fault("fail", "503");
  auto r = cache.Open(Spec(), commit_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr("503"));
  Heal("fail");
  EXPECT_TRUE(cache.Open(Spec(), commit_).ok());
}

TEST_F(FetchFaultTest, StalledServerTimesOutWithoutBlockingOtherRepositories) {
  TempDir other_tmp;
  Repo other(other_tmp.path() + "/srv", "other.git", "main");
  std::string other_commit = other.Commit("main", {{"b", "2"}});
  Server other_server("git-daemon.sh", other_tmp.path() + "/srv");
  Cache cache(tmp_.path() + "/cache");

  Fault("delay", "4");
  RemoteSpec slow = Spec();
  slow.timeouts.idle = std::chrono::milliseconds(1000);
  std::atomic<bool> slow_done{false};
  Status slow_status;
  std::thread t([&] {
    slow_status = cache.Open(slow, commit_).status();
    slow_done = true;
  });
  RemoteSpec fast;
  fast.url = other_server.url() + "other.git";
  fast.branch = "main";
  auto r = cache.Open(fast, other_commit);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(slow_done.load()) << "the stalled fetch finished first?";
  t.join();
  EXPECT_EQ(slow_status.code(), StatusCode::kUnavailable) << slow_status.ToString();
  EXPECT_THAT(slow_status.message(), HasSubstr("timed out"));
  Heal("delay");
  EXPECT_TRUE(cache.Open(Spec(), commit_).ok());
}

}  // namespace
}  // namespace flotilla::git
