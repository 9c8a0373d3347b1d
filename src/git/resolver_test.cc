#include "git/resolver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "git/test_util.h"

namespace flotilla::git {
namespace {

using namespace std::chrono_literals;

// A lookup that blocks until released, counting calls.
class Gate {
 public:
  StatusOr<std::string> Lookup(const RemoteSpec& spec) {
    std::unique_lock lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    ++calls_;
    return spec.branch + "@" + spec.auth.password;
  }
  void WaitEntered(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return entered_ >= n; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int entered_ = 0, calls_ = 0;
};

RemoteSpec Spec(const std::string& url, const std::string& branch = "main",
                const std::string& password = "") {
  RemoteSpec s;
  s.url = url;
  s.branch = branch;
  s.auth.password = password;
  return s;
}

TEST(ResolverTest, ConcurrentCallersShareOneLookup) {
  Gate gate;
  Resolver resolver([&](const RemoteSpec& s) { return gate.Lookup(s); });
  std::vector<std::thread> threads;
  std::vector<std::string> results(8);
  // The first caller starts the lookup and blocks in it...
  threads.emplace_back([&] { results[0] = *resolver.Resolve(Spec("https://h/x.git"), 1h); });
  gate.WaitEntered(1);
  // ...the others join it (spelling the same repository differently).
  std::atomic<int> started{0};
  for (int i = 1; i < 8; ++i) {
    threads.emplace_back([&, i] {
      started++;
      results[static_cast<size_t>(i)] = *resolver.Resolve(Spec("https://H/x/"), 1h);
    });
  }
  while (started < 7 || resolver.stats().calls < 8) std::this_thread::yield();
  gate.Open();
  for (auto& t : threads) t.join();
  EXPECT_EQ(gate.calls(), 1);
  for (const auto& r : results) EXPECT_EQ(r, "main@");
  EXPECT_EQ(resolver.stats().lookups, 1u);
}

TEST(ResolverTest, DifferentRefsOrCredentialsAreSeparateLookups) {
  Gate gate;
  gate.Open();
  Resolver resolver([&](const RemoteSpec& s) { return gate.Lookup(s); });
  EXPECT_EQ(*resolver.Resolve(Spec("https://h/x", "main", "a"), 1h), "main@a");
  EXPECT_EQ(*resolver.Resolve(Spec("https://h/x", "main", "b"), 1h), "main@b");
  EXPECT_EQ(*resolver.Resolve(Spec("https://h/x", "dev", "a"), 1h), "dev@a");
  EXPECT_EQ(*resolver.Resolve(Spec("https://u:p@h/x", "main", "a"), 1h), "main@a");
  EXPECT_EQ(gate.calls(), 4);
  // Within the staleness window, finished results are reused.
  EXPECT_EQ(*resolver.Resolve(Spec("https://h/x", "main", "a"), 1h), "main@a");
  EXPECT_EQ(gate.calls(), 4);
  // A zero staleness (webhook, forced sync) always asks again.
  EXPECT_EQ(*resolver.Resolve(Spec("https://h/x", "main", "a"), 0ms), "main@a");
  EXPECT_EQ(gate.calls(), 5);
}

TEST(ResolverTest, ErrorsAreSharedAndBadUrlsNeverLookedUp) {
  int calls = 0;
  Resolver resolver([&](const RemoteSpec&) -> StatusOr<std::string> {
    ++calls;
    return Unavailable("down");
  });
  EXPECT_EQ(resolver.Resolve(Spec("https://h/x"), 1h).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(resolver.Resolve(Spec("https://h/x"), 1h).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(resolver.Resolve(Spec("ftp://h/x"), 1h).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(calls, 1);
}

TEST(ResolverTest, AgainstARealServer) {
  testing::TempDir tmp;
  testing::Repo repo(tmp.path() + "/srv", "r.git", "main");
  std::string c1 = repo.Commit("main", {{"a", "1"}});
  testing::Server server("git-http.sh", tmp.path() + "/srv");
  Resolver resolver;
  RemoteSpec spec = Spec(server.url() + "r.git");
  EXPECT_EQ(*resolver.Resolve(spec, 1h), c1);
  std::string c2 = repo.Commit("main", {{"a", "2"}});
  EXPECT_EQ(*resolver.Resolve(spec, 1h), c1);   // reused within the window
  EXPECT_EQ(*resolver.Resolve(spec, 0ms), c2);  // a fresh lookup sees the push
}

}  // namespace
}  // namespace flotilla::git
