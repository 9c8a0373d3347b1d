#include "git/remote.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "git/refs.h"
#include "git/test_util.h"

namespace flotilla::git {
namespace {

using testing::ClosedPort;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Repo;
using testing::Server;
using testing::SilentServer;
using testing::TempDir;

class GitDaemonTest : public ::testing::Test {
 protected:
  GitDaemonTest()
      : repo_(tmp_.path() + "/srv", "demo.git"), server_("git-daemon.sh", tmp_.path() + "/srv") {}
  RemoteSpec Spec(const std::string& branch = "", const std::string& revision = "") {
    RemoteSpec s;
    s.url = server_.url() + "demo.git";
    s.branch = branch;
    s.revision = revision;
    return s;
  }
  TempDir tmp_;
  Repo repo_;
  Server server_;
};

TEST_F(GitDaemonTest, ResolvesBranchHeadAndDefaultsToMaster) {
  std::string c1 = repo_.Commit("master", {{"a.yaml", "a: 1\n"}});
  std::string c2 = repo_.Commit("main", {{"a.yaml", "a: 2\n"}});
  auto master = ResolveCommit(Spec());
  ASSERT_TRUE(master.ok()) << master.status().ToString();
  EXPECT_EQ(*master, c1);
  auto main = ResolveCommit(Spec("main"));
  ASSERT_TRUE(main.ok()) << main.status().ToString();
  EXPECT_EQ(*main, c2);
  // A new commit is seen by the next lookup.
  std::string c3 = repo_.Commit("main", {{"a.yaml", "a: 3\n"}});
  EXPECT_EQ(*ResolveCommit(Spec("main")), c3);
}

TEST_F(GitDaemonTest, MissingBranchIsNotFoundWithActionableMessage) {
  repo_.Commit("master", {{"a", "1"}});
  auto r = ResolveCommit(Spec("nope"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("branch \"nope\" not found on git://127.0.0.1:"));
}

TEST_F(GitDaemonTest, ResolvesTagsPeelingAnnotatedOnes) {
  std::string c1 = repo_.Commit("master", {{"a", "1"}});
  repo_.Tag("light", c1);
  repo_.Tag("v1.0", c1, "release 1.0");
  repo_.Commit("master", {{"a", "2"}});
  EXPECT_EQ(*ResolveCommit(Spec("", "light")), c1);
  EXPECT_EQ(*ResolveCommit(Spec("", "v1.0")), c1);
  EXPECT_EQ(*ResolveCommit(Spec("", "refs/tags/v1.0")), c1);
  auto missing = ResolveCommit(Spec("", "v9"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("revision \"v9\" not found"));
}

TEST_F(GitDaemonTest, MissingRepositoryIsNotFound) {
  repo_.Commit("master", {{"a", "1"}});
  RemoteSpec s = Spec();
  s.url = server_.url() + "absent.git";
  auto r = ResolveCommit(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().ToString();
}

TEST(ResolveCommitTest, CommitIdRevisionNeedsNoNetwork) {
  RemoteSpec s;
  s.url = "git://127.0.0.1:" + std::to_string(ClosedPort()) + "/x.git";
  s.revision = "0123456789ABCDEF0123456789abcdef01234567";
  auto r = ResolveCommit(s);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "0123456789abcdef0123456789abcdef01234567");
}

TEST(ResolveCommitTest, BadInputIsInvalidArgument) {
  RemoteSpec s;
  s.url = "ftp://example.com/x.git";
  EXPECT_EQ(ResolveCommit(s).status().code(), StatusCode::kInvalidArgument);
  s.url = "";
  EXPECT_EQ(ResolveCommit(s).status().code(), StatusCode::kInvalidArgument);
  s.url = "git://127.0.0.1:1/x.git";
  s.branch = "bad..name";
  EXPECT_EQ(ResolveCommit(s).status().code(), StatusCode::kInvalidArgument);
}

TEST(ResolveCommitTest, ClosedPortIsUnavailable) {
  for (std::string scheme : {"git", "http"}) {
    RemoteSpec s;
    s.url = scheme + "://127.0.0.1:" + std::to_string(ClosedPort()) + "/x.git";
    auto r = ResolveCommit(s);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
    EXPECT_THAT(r.status().message(), HasSubstr("cannot reach " + s.url + ": "));
    EXPECT_THAT(r.status().message(), HasSubstr("refused"));
  }
}

TEST(ResolveCommitTest, SilentServerTimesOutWithoutBlockingOthers) {
  TempDir tmp;
  Repo repo(tmp.path() + "/srv", "ok.git");
  std::string c1 = repo.Commit("master", {{"a", "1"}});
  Server good("git-daemon.sh", tmp.path() + "/srv");
  SilentServer silent;
  for (std::string scheme : {"git", "http"}) {
    std::atomic<bool> stalled_done{false};
    Status stalled_status;
    std::thread stalled([&] {
      RemoteSpec s;
      s.url = scheme + "://127.0.0.1:" + std::to_string(silent.port()) + "/x.git";
      s.timeouts.idle = std::chrono::milliseconds(1500);
      stalled_status = ResolveCommit(s).status();
      stalled_done = true;
    });
    // While the lookup against the silent server hangs, other servers are served.
    RemoteSpec ok;
    ok.url = good.url() + "ok.git";
    auto r = ResolveCommit(ok);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_FALSE(stalled_done.load()) << "the silent server answered?";
    stalled.join();
    EXPECT_EQ(stalled_status.code(), StatusCode::kUnavailable) << stalled_status.ToString();
    EXPECT_THAT(stalled_status.message(), HasSubstr("timed out"));
  }
}

class GitHttpTest : public ::testing::Test {
 protected:
  GitHttpTest()
      : repo_(tmp_.path() + "/srv", "demo.git"),
        server_("git-http.sh", tmp_.path() + "/srv",
                "FIXTURE_HTTP_USER=alice FIXTURE_HTTP_PASSWORD=s3cret-pw") {
    commit_ = repo_.Commit("main", {{"a.yaml", "a: 1\n"}});
  }
  RemoteSpec Spec(const std::string& user, const std::string& password) {
    RemoteSpec s;
    s.url = server_.url() + "demo.git";
    s.branch = "main";
    s.auth.username = user;
    s.auth.password = password;
    return s;
  }
  TempDir tmp_;
  Repo repo_;
  Server server_;
  std::string commit_;
};

TEST_F(GitHttpTest, BasicAuth) {
  auto ok = ResolveCommit(Spec("alice", "s3cret-pw"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok, commit_);

  auto none = ResolveCommit(Spec("", ""));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kUnauthenticated) << none.status().ToString();

  auto wrong = ResolveCommit(Spec("alice", "wrong-password"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated) << wrong.status().ToString();
  EXPECT_THAT(wrong.status().message(), HasSubstr("authentication failed for http://127.0.0.1:"));
  EXPECT_THAT(wrong.status().message(), Not(HasSubstr("wrong-password")));
}

TEST_F(GitHttpTest, CredentialsInUrlAreUsedButNeverShown) {
  RemoteSpec s = Spec("", "");
  s.url = "http://alice:s3cret-pw@" + server_.url().substr(7) + "demo.git";
  auto ok = ResolveCommit(s);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  s.url = "http://alice:bad-secret@" + server_.url().substr(7) + "demo.git";
  auto bad = ResolveCommit(s);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kUnauthenticated) << bad.status().ToString();
  EXPECT_THAT(bad.status().message(), Not(HasSubstr("bad-secret")));
  EXPECT_THAT(bad.status().message(), Not(HasSubstr("alice")));
}

TEST_F(GitHttpTest, ServerErrorsAndMissingRepos) {
  {
    std::ofstream(tmp_.path() + "/srv/.git-http.fail") << "503";
    auto r = ResolveCommit(Spec("alice", "s3cret-pw"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
    EXPECT_THAT(r.status().message(), HasSubstr("503"));
    std::filesystem::remove(tmp_.path() + "/srv/.git-http.fail");
  }
  RemoteSpec s = Spec("alice", "s3cret-pw");
  s.url = server_.url() + "absent.git";
  auto r = ResolveCommit(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().ToString();
  auto branch = ResolveCommit([&] {
    RemoteSpec b = Spec("alice", "s3cret-pw");
    b.branch = "nope";
    return b;
  }());
  EXPECT_EQ(branch.status().code(), StatusCode::kNotFound) << branch.status().ToString();
}

TEST_F(GitHttpTest, SpeaksProtocolV2) {
  RemoteSpec s = Spec("alice", "s3cret-pw");
  ASSERT_TRUE(ResolveCommit(s).ok());
  EXPECT_EQ(CachedHttpProtocol(s.url), 2);
  // Later lookups (one POST each) see new commits.
  std::string c2 = repo_.Commit("main", {{"a.yaml", "a: 2\n"}});
  EXPECT_EQ(*ResolveCommit(s), c2);
  // Polls reuse one kept-alive connection.
  RemoteStats before = GetRemoteStats();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(ResolveCommit(s).ok());
  RemoteStats after = GetRemoteStats();
  EXPECT_EQ(after.http_requests - before.http_requests, 10u);
  EXPECT_LE(after.http_connections - before.http_connections, 1u);
}

TEST(GitHttpV0Test, FallsBackToTheV0Advertisement) {
  TempDir tmp;
  Repo repo(tmp.path() + "/srv", "old.git");
  std::string c1 = repo.Commit("master", {{"a", "1"}});
  repo.Tag("v1", c1, "annotated");
  std::string c2 = repo.Commit("master", {{"a", "2"}});
  Server server("git-http.sh", tmp.path() + "/srv", "FIXTURE_HTTP_V0=1");
  RemoteSpec s;
  s.url = server.url() + "old.git";
  EXPECT_EQ(*ResolveCommit(s), c2);
  EXPECT_EQ(CachedHttpProtocol(s.url), 1);
  s.revision = "v1";
  EXPECT_EQ(*ResolveCommit(s), c1);
  s.revision = "";
  s.branch = "gone";
  EXPECT_EQ(ResolveCommit(s).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace flotilla::git
