// Part of the Store conformance suite (conformance.h): concurrent writers and readers on one
// store — no lost updates through Mutate(), resourceVersions unique and increasing, readers never
// see torn state.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "store/testing/conformance.h"

namespace flotilla::store::testing {
namespace {

const ResourceType& kGitRepo = model::GitRepoType();

int CounterOf(const Json& o, const char* field) {
  const Json& st = o.contains("status") ? o["status"] : Json::object();
  return st.value(field, 0);
}

}  // namespace

// N threads increment a counter in the status of the same object via Mutate (read, modify,
// conditional write, retry on conflict): the final value counts every increment.
TEST_P(StoreConcurrencyTest, MutateLosesNoUpdateOnOneObject) {
  auto store = Open();
  ASSERT_OK(store->Create(kGitRepo, GitRepo("ns", "hot", "r")));
  constexpr int kThreads = 8, kIncrements = 50;
  std::mutex mu;
  std::vector<int64_t> rvs;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; i++) {
        auto r = Mutate(
            *store, kGitRepo, "ns", "hot", /*status=*/true,
            [](Json& o) {
              o["status"]["count"] = CounterOf(o, "count") + 1;
              return true;
            },
            /*attempts=*/1000);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        std::lock_guard lk(mu);
        rvs.push_back(ResourceVersionOf(*r));
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_OK_AND_ASSIGN(Json final_obj, store->Get(kGitRepo, "ns", "hot"));
  EXPECT_EQ(CounterOf(final_obj, "count"), kThreads * kIncrements);
  std::set<int64_t> unique(rvs.begin(), rvs.end());
  EXPECT_EQ(unique.size(), rvs.size()) << "duplicate resourceVersions";
  EXPECT_EQ(*unique.rbegin(), ResourceVersionOf(final_obj));
  EXPECT_EQ(store->CurrentResourceVersion(), ResourceVersionOf(final_obj));
}

// Spec writers (Update) and status writers (UpdateStatus) on the same objects do not clobber
// each other's halves.
TEST_P(StoreConcurrencyTest, SpecAndStatusWritersDoNotClobber) {
  auto store = Open();
  constexpr int kObjects = 4, kRounds = 40;
  for (int i = 0; i < kObjects; i++)
    ASSERT_OK(store->Create(kGitRepo, GitRepo("ns", "o" + std::to_string(i), "r")));
  std::vector<std::thread> threads;
  for (int i = 0; i < kObjects; i++) {
    std::string name = "o" + std::to_string(i);
    for (bool status : {false, true}) {
      threads.emplace_back([&, name, status] {
        for (int r = 0; r < kRounds; r++) {
          auto res = Mutate(
              *store, kGitRepo, "ns", name, status,
              [&](Json& o) {
                if (status) {
                  o["status"]["count"] = CounterOf(o, "count") + 1;
                } else {
                  o["spec"]["paths"].push_back(std::to_string(r));
                }
                return true;
              },
              1000);
          ASSERT_TRUE(res.ok()) << res.status().ToString();
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kObjects; i++) {
    ASSERT_OK_AND_ASSIGN(Json o, store->Get(kGitRepo, "ns", "o" + std::to_string(i)));
    EXPECT_EQ(CounterOf(o, "count"), kRounds);
    EXPECT_EQ(o["spec"]["paths"].size(), static_cast<size_t>(kRounds));
    EXPECT_EQ(o["metadata"]["generation"], 1 + kRounds);
  }
}

// Writers on distinct objects, readers listing and getting at the same time: every write gets
// a unique resourceVersion, lists are internally consistent (no item newer than the list's
// resourceVersion) and the counter equals the number of writes.
TEST_P(StoreConcurrencyTest, DistinctObjectsAndConcurrentReaders) {
  auto store = Open();
  const ResourceType& cm = model::ConfigMapType();
  constexpr int kThreads = 8, kWrites = 100;
  std::mutex mu;
  std::vector<int64_t> rvs;
  std::atomic<bool> done = false;
  std::atomic<int> lists = 0;
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; r++) {
    readers.emplace_back([&] {
      while (!done) {
        auto l = store->List(cm, {});
        ASSERT_TRUE(l.ok()) << l.status().ToString();
        for (const Json& o : l->items) ASSERT_LE(ResourceVersionOf(o), l->resource_version);
        lists++;
        auto g = store->Get(cm, "ns", "t0-0");
        ASSERT_TRUE(g.ok() || g.status().code() == StatusCode::kNotFound);
      }
    });
  }
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; t++) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kWrites; i++) {
        std::string name = "t" + std::to_string(t) + "-" + std::to_string(i % 5);
        Json obj = ConfigMap("ns", name, {{"i", std::to_string(i)}});
        auto r = i < 5 ? store->Create(cm, obj) : store->Update(cm, obj);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        std::lock_guard lk(mu);
        rvs.push_back(ResourceVersionOf(*r));
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  for (auto& t : readers) t.join();
  std::sort(rvs.begin(), rvs.end());
  ASSERT_EQ(rvs.size(), static_cast<size_t>(kThreads * kWrites));
  for (size_t i = 0; i < rvs.size(); i++) ASSERT_EQ(rvs[i], static_cast<int64_t>(i + 1));
  EXPECT_EQ(store->CurrentResourceVersion(), kThreads * kWrites);
  EXPECT_GT(lists.load(), 0);
  ASSERT_OK(store->CheckHealth());
}

}  // namespace flotilla::store::testing
