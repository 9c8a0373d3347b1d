#include "git/cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "git/test_util.h"

namespace flotilla::git {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Repo;
using testing::Server;
using testing::TempDir;

std::vector<std::string> Paths(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.path);
  return out;
}

class CacheTest : public ::testing::Test {
 protected:
  CacheTest()
      : repo_(tmp_.path() + "/srv", "demo.git", "main"),
        server_("git-daemon.sh", tmp_.path() + "/srv") {}
  RemoteSpec Spec() {
    RemoteSpec s;
    s.url = server_.url() + "demo.git";
    s.branch = "main";
    return s;
  }
  std::string CacheDir() { return tmp_.path() + "/cache"; }
  TempDir tmp_;
  Repo repo_;
  Server server_;
};

TEST_F(CacheTest, OpenListReadAndFetchIncrementally) {
  std::string c1 = repo_.Commit("main", {{"README.md", "hello\n"},
                                         {"manifests/cm.yaml", "kind: ConfigMap\n"},
                                         {"manifests/sub/deploy.yaml", "kind: Deployment\n"}});
  Cache cache(CacheDir());
  auto s1 = cache.Open(Spec(), c1);
  ASSERT_TRUE(s1.ok()) << s1.status().ToString();
  EXPECT_EQ((*s1)->commit(), c1);

  auto root = (*s1)->List("");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  ASSERT_EQ(root->size(), 2u);
  EXPECT_EQ((*root)[0].name, "README.md");
  EXPECT_EQ((*root)[0].mode, EntryMode::kRegular);
  EXPECT_EQ((*root)[0].size, 6u);
  EXPECT_EQ((*root)[1].name, "manifests");
  EXPECT_EQ((*root)[1].mode, EntryMode::kDirectory);

  auto walk = (*s1)->Walk("manifests");
  ASSERT_TRUE(walk.ok()) << walk.status().ToString();
  EXPECT_THAT(Paths(*walk),
              ElementsAre("manifests/cm.yaml", "manifests/sub", "manifests/sub/deploy.yaml"));
  EXPECT_EQ(*(*s1)->ReadFile("manifests/sub/deploy.yaml"), "kind: Deployment\n");
  EXPECT_EQ(*(*s1)->ReadFile("./manifests//cm.yaml"), "kind: ConfigMap\n");
  auto tree1 = (*s1)->TreeId("manifests");
  ASSERT_TRUE(tree1.ok());

  // A second commit: only README changes, so the manifests tree id is unchanged.
  std::string c2 = repo_.Commit("main", {{"README.md", "hello again\n"},
                                         {"manifests/cm.yaml", "kind: ConfigMap\n"},
                                         {"manifests/sub/deploy.yaml", "kind: Deployment\n"}});
  auto s2 = cache.Open(Spec(), c2);
  ASSERT_TRUE(s2.ok()) << s2.status().ToString();
  EXPECT_EQ(*(*s2)->ReadFile("README.md"), "hello again\n");
  EXPECT_EQ(*(*s2)->TreeId("manifests"), *tree1);
  EXPECT_NE(*(*s2)->TreeId(""), *(*s1)->TreeId(""));
  // The old snapshot still reads its own commit.
  EXPECT_EQ(*(*s1)->ReadFile("README.md"), "hello\n");

  // Cached commits open without the server.
  testing::Run(testing::FixturePath("git-daemon.sh") + " stop " + tmp_.path() + "/srv");
  auto offline = cache.Open(Spec(), c1);
  ASSERT_TRUE(offline.ok()) << offline.status().ToString();
  EXPECT_EQ(*(*offline)->ReadFile("README.md"), "hello\n");
  // An uncached one needs the server, and says it cannot reach it.
  auto unreachable = cache.Open(Spec(), std::string(40, 'b'));
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(unreachable.status().message(), HasSubstr("refused"));
}

TEST_F(CacheTest, ErrorsForMissingThingsAndEscapes) {
  std::string c1 = repo_.Commit("main", {{"a/b.yaml", "b: 1\n"},
                                         {"a/link.yaml", "symlink:b.yaml"},
                                         {"a/dirlink", "symlink:../c"},
                                         {"c/d.yaml", "d: 1\n"},
                                         {"escape", "symlink:../../etc/passwd"},
                                         {"abs", "symlink:/etc/passwd"},
                                         {"loop", "symlink:loop"},
                                         {"run.sh", "exec:#!/bin/sh\n"}});
  Cache cache(CacheDir());
  auto snap = cache.Open(Spec(), c1);
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  const Snapshot& s = **snap;

  EXPECT_EQ(*s.ReadFile("a/link.yaml"), "b: 1\n");
  EXPECT_EQ(*s.ReadFile("a/dirlink/d.yaml"), "d: 1\n");
  EXPECT_EQ(*s.ReadFile("a/../c/d.yaml"), "d: 1\n");
  auto listed = s.List("a");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ((*listed)[1].mode, EntryMode::kSymlink);
  EXPECT_TRUE(s.List("a/dirlink").ok());

  for (const char* bad : {"../x", "/etc/passwd", "a/../../x", "escape", "abs", "loop"}) {
    auto r = s.ReadFile(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument)
        << bad << ": " << r.status().ToString();
  }
  EXPECT_EQ(s.ReadFile("missing.yaml").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ReadFile("a/b.yaml/x").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ReadFile("a").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.List("a/b.yaml").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.List("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ReadFile("a/b.yaml", 2).status().code(), StatusCode::kResourceExhausted);
  auto root = s.List("");
  ASSERT_TRUE(root.ok());
  bool saw_exec = false;
  for (const auto& e : *root) saw_exec |= e.name == "run.sh" && e.mode == EntryMode::kExecutable;
  EXPECT_TRUE(saw_exec);

  // A commit the server does not have.
  auto absent = cache.Open(Spec(), std::string(40, 'a'));
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.status().code(), StatusCode::kNotFound) << absent.status().ToString();
  EXPECT_THAT(absent.status().message(), HasSubstr("not found on git://127.0.0.1:"));
  EXPECT_EQ(cache.Open(Spec(), "HEAD").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CacheTest, FindsCommitsOnOtherBranchesAndTags) {
  std::string c1 = repo_.Commit("main", {{"a", "1"}});
  std::string other = repo_.Commit("feature", {{"a", "feature"}});
  repo_.Tag("v1", c1, "annotated");
  Cache cache(CacheDir());
  // The spec names "main", but the commit is only on "feature": found by the wider fetch.
  auto s = cache.Open(Spec(), other);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*(*s)->ReadFile("a"), "feature");
  RemoteSpec by_tag = Spec();
  by_tag.revision = "v1";
  auto t = cache.Open(by_tag, c1);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*(*t)->ReadFile("a"), "1");
}

TEST_F(CacheTest, ConcurrentOpensOfOneUrl) {
  std::vector<std::string> commits;
  for (int i = 0; i < 4; ++i) {
    commits.push_back(repo_.Commit("main", {{"n", std::to_string(i)}}));
  }
  Cache cache(CacheDir());
  std::vector<std::thread> threads;
  std::vector<std::string> results(16);
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      auto s = cache.Open(Spec(), commits[static_cast<size_t>(i) % commits.size()]);
      if (!s.ok()) {
        results[static_cast<size_t>(i)] = s.status().ToString();
        return;
      }
      results[static_cast<size_t>(i)] = *(*s)->ReadFile("n");
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 16; ++i) EXPECT_EQ(results[static_cast<size_t>(i)], std::to_string(i % 4));
}

TEST_F(CacheTest, EvictsLeastRecentlyUsedUnpinnedRepositories) {
  std::string a = repo_.Commit("main", {{"a", std::string(1000, 'a')}});
  Repo other(tmp_.path() + "/srv", "other.git", "main");
  std::string b = other.Commit("main", {{"b", std::string(1000, 'b')}});
  RemoteSpec other_spec = Spec();
  other_spec.url = server_.url() + "other.git";

  Cache cache(CacheDir(), CacheOptions{.max_bytes = 1});  // any second repository overflows
  auto dir_a = *cache.RepoDir(Spec().url);
  auto dir_b = *cache.RepoDir(other_spec.url);
  {
    auto sa = cache.Open(Spec(), a);
    ASSERT_TRUE(sa.ok()) << sa.status().ToString();
    // `sa` is alive: opening B must not evict A.
    auto sb = cache.Open(other_spec, b);
    ASSERT_TRUE(sb.ok()) << sb.status().ToString();
    EXPECT_TRUE(std::filesystem::exists(dir_a));
    EXPECT_EQ(*(*sa)->ReadFile("a"), std::string(1000, 'a'));
  }
  // Nothing pinned now; the next fetch evicts the least recently used (A, then B).
  std::string a2 = repo_.Commit("main", {{"a", "2"}});
  auto sa2 = cache.Open(Spec(), a2);
  ASSERT_TRUE(sa2.ok()) << sa2.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(dir_b));
  EXPECT_TRUE(std::filesystem::exists(dir_a));  // pinned by sa2
  // And an evicted repository comes back on demand.
  auto sb2 = cache.Open(other_spec, b);
  ASSERT_TRUE(sb2.ok()) << sb2.status().ToString();
  EXPECT_EQ(*(*sb2)->ReadFile("b"), std::string(1000, 'b'));
}

TEST_F(CacheTest, IncrementalFetchesAreCompacted) {
  Cache cache(CacheDir());
  std::vector<std::string> commits;
  std::string c0 = repo_.Commit("main", {{"n", "start"}});
  repo_.Tag("v0", c0, "annotated");
  RemoteSpec by_tag = Spec();
  by_tag.revision = "v0";
  ASSERT_TRUE(cache.Open(by_tag, c0).ok());  // fetches the annotated tag object too
  for (int i = 0; i < 40; ++i) {
    commits.push_back(repo_.Commit("main", {{"n", std::to_string(i)}}));
    auto s = cache.Open(Spec(), commits.back());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
  }
  std::string dir = *cache.RepoDir(Spec().url);
  size_t packs = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/objects/pack")) {
    packs += e.path().extension() == ".pack";
  }
  EXPECT_LE(packs, 17u);
  testing::Run("git --git-dir=" + dir + " fsck --no-dangling --no-progress 2>&1");
  // Every commit, and the annotated tag, are still there, without a server.
  testing::Run(testing::FixturePath("git-daemon.sh") + " stop " + tmp_.path() + "/srv");
  for (int i = 0; i < 40; ++i) {
    auto s = cache.Open(Spec(), commits[static_cast<size_t>(i)]);
    ASSERT_TRUE(s.ok()) << i << ": " << s.status().ToString();
    EXPECT_EQ(*(*s)->ReadFile("n"), std::to_string(i));
  }
}

TEST_F(CacheTest, SurvivesACorruptCacheDirectory) {
  std::string c1 = repo_.Commit("main", {{"a", "1"}});
  Cache probe(CacheDir());
  std::string dir = *probe.RepoDir(Spec().url);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/garbage") << "not a repository";
  Cache cache(CacheDir());
  auto s = cache.Open(Spec(), c1);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*(*s)->ReadFile("a"), "1");
}

}  // namespace
}  // namespace flotilla::git
