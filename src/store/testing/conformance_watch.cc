// Part of the Store conformance suite (conformance.h): watch semantics — order, exactly-once
// delivery, resume from a resourceVersion, 410 Gone for history too old or a watcher that fell
// behind, filtered watches entering and leaving, bookmarks, and watchers stopped by closing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "store/testing/conformance.h"

namespace flotilla::store::testing {
namespace {

using std::chrono::milliseconds;
const ResourceType& kGitRepo = model::GitRepoType();
const ResourceType& kConfigMap = model::ConfigMapType();

// Generous: only bounds how long a broken test hangs; never asserted on.
constexpr milliseconds kWait{10000};

std::string Describe(const WatchEvent& e) {
  return std::string(WatchEventTypeName(e.type)) + " " + ObjectKey(e.object) + "@" +
         std::to_string(e.resource_version);
}

std::vector<std::string> Drain(Watcher& w, size_t n) {
  std::vector<std::string> out;
  while (out.size() < n) {
    auto e = w.Next(kWait);
    if (!e) break;
    EXPECT_EQ(e->resource_version, ResourceVersionOf(e->object)) << Describe(*e);
    out.push_back(Describe(*e));
  }
  return out;
}

}  // namespace

TEST_P(StoreWatchTest, DeliversChangesInOrderFromAResourceVersion) {
  auto store = Open();
  ASSERT_OK_AND_ASSIGN(Json a, store->Create(kGitRepo, GitRepo("ns", "a", "r")));
  WatchOptions from_a;
  from_a.resource_version = ResourceVersionOf(a);
  ASSERT_OK_AND_ASSIGN(auto w, store->Watch(kGitRepo, from_a));

  ASSERT_OK(store->Create(kConfigMap, ConfigMap("ns", "other-kind", {})));  // rv a+1, filtered
  ASSERT_OK_AND_ASSIGN(Json b, store->Create(kGitRepo, GitRepo("ns", "b", "r")));
  a["spec"]["branch"] = "dev";
  ASSERT_OK_AND_ASSIGN(a, store->Update(kGitRepo, a));
  ASSERT_OK(store->Delete(kGitRepo, "ns", "b"));
  int64_t base = ResourceVersionOf(b);
  EXPECT_THAT(Drain(*w, 3), ::testing::ElementsAre("ADDED ns/b@" + std::to_string(base),
                                                   "MODIFIED ns/a@" + std::to_string(base + 1),
                                                   "DELETED ns/b@" + std::to_string(base + 2)));
  EXPECT_FALSE(w->Next(milliseconds(20)).has_value());
  EXPECT_FALSE(w->stopped());
  w->Stop();
  EXPECT_FALSE(w->Next(kWait).has_value());
  EXPECT_TRUE(w->stopped());
}

TEST_P(StoreWatchTest, InitialEventsThenChanges) {
  auto store = Open();
  ASSERT_OK(store->Create(kGitRepo, GitRepo("x", "one", "r")));
  ASSERT_OK(store->Create(kGitRepo, GitRepo("y", "two", "r")));
  WatchOptions opts;  // resource_version 0: synthetic ADDED for what exists
  ASSERT_OK_AND_ASSIGN(auto w, store->Watch(kGitRepo, opts));
  ASSERT_OK(store->Create(kGitRepo, GitRepo("x", "three", "r")));
  EXPECT_THAT(Drain(*w, 3),
              ::testing::ElementsAre("ADDED x/one@1", "ADDED y/two@2", "ADDED x/three@3"));

  WatchOptions in_y;
  in_y.ns = "y";
  ASSERT_OK_AND_ASSIGN(auto wy, store->Watch(kGitRepo, in_y));
  EXPECT_THAT(Drain(*wy, 1), ::testing::ElementsAre("ADDED y/two@2"));

  WatchOptions from_now;
  from_now.send_initial_events = false;
  ASSERT_OK_AND_ASSIGN(auto wn, store->Watch(kGitRepo, from_now));
  ASSERT_OK(store->Delete(kGitRepo, "x", "one"));
  EXPECT_THAT(Drain(*wn, 1), ::testing::ElementsAre("DELETED x/one@4"));
}

TEST_P(StoreWatchTest, TooOldResourceVersionIsGone) {
  FactoryOptions small;
  small.watch_history_events = 5;
  auto store = Open(small);
  for (int i = 0; i < 12; i++)
    ASSERT_OK(store->Create(kConfigMap, ConfigMap("ns", "c" + std::to_string(i), {})));
  WatchOptions old;
  old.resource_version = 2;
  auto w = store->Watch(kConfigMap, old);
  EXPECT_EQ(w.status().code(), StatusCode::kGone);
  EXPECT_EQ(w.status().message(), "too old resource version: 2 (7)");
  old.resource_version = 7;
  ASSERT_OK_AND_ASSIGN(auto ok, store->Watch(kConfigMap, old));
  EXPECT_EQ(Drain(*ok, 5).size(), 5u);

  // A store reopened has no history before its start (when its watch log is in memory).
  if (!GetParam().reopens || !GetParam().reopen_forgets_watch_history) return;
  store.reset();
  store = Open();
  old.resource_version = 11;
  EXPECT_EQ(store->Watch(kConfigMap, old).status().code(), StatusCode::kGone);
  old.resource_version = 12;
  ASSERT_OK(store->Watch(kConfigMap, old));
}

TEST_P(StoreWatchTest, WatcherFallingBehindIsClosedWithGone) {
  FactoryOptions small;
  small.watch_history_events = 4;
  auto store = Open(small);
  WatchOptions opts;
  opts.send_initial_events = false;
  ASSERT_OK_AND_ASSIGN(auto w, store->Watch(kConfigMap, opts));
  for (int i = 0; i < 10; i++)
    ASSERT_OK(store->Create(kConfigMap, ConfigMap("ns", "c" + std::to_string(i), {})));
  EXPECT_FALSE(w->Next(kWait).has_value());
  EXPECT_TRUE(w->stopped());
  EXPECT_EQ(w->status().code(), StatusCode::kGone);
}

TEST_P(StoreWatchTest, SelectorEnterAndLeave) {
  auto store = Open();
  WatchOptions opts;
  ASSERT_OK_AND_ASSIGN(opts.labels, model::LabelSelector::Parse("env=prod"));
  ASSERT_OK_AND_ASSIGN(auto w, store->Watch(kGitRepo, opts));
  WatchOptions fopts;
  ASSERT_OK_AND_ASSIGN(fopts.fields, FieldSelector::Parse("spec.branch=main"));
  ASSERT_OK_AND_ASSIGN(auto wf, store->Watch(kGitRepo, fopts));

  ASSERT_OK_AND_ASSIGN(Json o, store->Create(kGitRepo, GitRepo("ns", "a", "r")));  // 1: no match
  o["metadata"]["labels"] = {{"env", "prod"}};
  ASSERT_OK_AND_ASSIGN(o, store->Update(kGitRepo, o));  // 2: enters
  o["spec"]["branch"] = "main";
  ASSERT_OK_AND_ASSIGN(o, store->Update(kGitRepo, o));  // 3: stays (label), enters (field)
  o["metadata"]["labels"] = {{"env", "dev"}};
  ASSERT_OK_AND_ASSIGN(o, store->Update(kGitRepo, o));  // 4: leaves (label)
  ASSERT_OK(store->Delete(kGitRepo, "ns", "a"));        // 5: not seen by the label watch
  ASSERT_OK(store->Create(kGitRepo, GitRepo("ns", "marker", "r")));

  std::vector<WatchEvent> events;
  while (auto e = w->Next(milliseconds(100))) events.push_back(*e);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(Describe(events[0]), "ADDED ns/a@2");
  EXPECT_EQ(Describe(events[1]), "MODIFIED ns/a@3");
  EXPECT_EQ(Describe(events[2]), "DELETED ns/a@4");
  // The DELETED carries the last state that matched, at the event's resourceVersion.
  EXPECT_EQ(events[2].object["metadata"]["labels"]["env"], "prod");
  EXPECT_EQ(events[2].object["metadata"]["resourceVersion"], "4");

  EXPECT_THAT(Drain(*wf, 3),
              ::testing::ElementsAre("ADDED ns/a@3", "MODIFIED ns/a@4", "DELETED ns/a@5"));
}

TEST_P(StoreWatchTest, BookmarksOnlyWhenAllowed) {
  auto store = Open();
  WatchOptions opts;
  opts.send_initial_events = false;
  ASSERT_OK_AND_ASSIGN(auto plain, store->Watch(kGitRepo, opts));
  opts.allow_bookmarks = true;
  ASSERT_OK_AND_ASSIGN(auto w, store->Watch(kGitRepo, opts));
  EXPECT_FALSE(w->Next(milliseconds(10)).has_value()) << "nothing passed yet: no bookmark";
  ASSERT_OK(store->Create(kConfigMap, ConfigMap("ns", "a", {})));
  ASSERT_OK(store->Create(kConfigMap, ConfigMap("ns", "b", {})));
  auto e = w->Next(milliseconds(50));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->type, WatchEventType::kBookmark);
  EXPECT_EQ(e->resource_version, 2);
  EXPECT_EQ(e->object["metadata"]["resourceVersion"], "2");
  EXPECT_EQ(e->object["kind"], "GitRepo");
  EXPECT_FALSE(w->Next(milliseconds(10)).has_value()) << "one bookmark per position";
  EXPECT_FALSE(plain->Next(milliseconds(10)).has_value());
  ASSERT_OK(store->Create(kGitRepo, GitRepo("ns", "g", "r")));
  EXPECT_THAT(Drain(*w, 1), ::testing::ElementsAre("ADDED ns/g@3"));
}

TEST_P(StoreWatchTest, ClosingTheStoreStopsWatchers) {
  auto store = Open();
  ASSERT_OK_AND_ASSIGN(auto w, store->Watch(kGitRepo, {}));
  std::thread closer([&] { store.reset(); });
  auto e = w->Next(kWait);
  closer.join();
  EXPECT_FALSE(e.has_value());
  EXPECT_TRUE(w->stopped());
}

// Many writers, several watchers started at different points: each watcher sees every change
// after its start exactly once, in strictly increasing resourceVersion order.
TEST_P(StoreWatchTest, ConcurrentWritersExactlyOnceInOrder) {
  auto store = Open();
  constexpr int kThreads = 8, kWrites = 150;
  constexpr int kTotal = kThreads * kWrites;

  struct Seen {
    std::vector<int64_t> rvs;
    int64_t from = 0;
  };
  std::vector<Seen> seen(3);
  std::vector<std::unique_ptr<Watcher>> watchers;
  WatchOptions from_now;
  from_now.send_initial_events = false;
  ASSERT_OK_AND_ASSIGN(auto w0, store->Watch(kConfigMap, from_now));
  watchers.push_back(std::move(w0));

  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; t++) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kWrites; i++) {
        std::string name = "t" + std::to_string(t) + "-" + std::to_string(i % 10);
        Json cm = ConfigMap("ns", name, {{"i", std::to_string(i)}});
        auto r = i < 10 ? store->Create(kConfigMap, cm) : store->Update(kConfigMap, cm);
        EXPECT_TRUE(r.ok()) << r.status().ToString();
      }
    });
  }
  // Two more watchers joining mid-stream from a resourceVersion.
  for (int k = 1; k <= 2; k++) {
    std::this_thread::yield();
    // From a resourceVersion the writers have reached: 0 would mean "from now, with the
    // existing objects as ADDED" instead (a slow store may not have committed anything yet).
    while (store->CurrentResourceVersion() < k) std::this_thread::sleep_for(milliseconds(1));
    seen[k].from = store->CurrentResourceVersion();
    WatchOptions opts;
    opts.resource_version = seen[k].from;
    ASSERT_OK_AND_ASSIGN(auto wk, store->Watch(kConfigMap, opts));
    watchers.push_back(std::move(wk));
  }
  std::vector<std::thread> readers;
  for (int k = 0; k < 3; k++) {
    readers.emplace_back([&, k] {
      while (true) {
        int64_t want = kTotal - seen[k].from;
        if (static_cast<int64_t>(seen[k].rvs.size()) >= want) break;
        auto e = watchers[k]->Next(kWait);
        if (!e) break;
        seen[k].rvs.push_back(e->resource_version);
      }
    });
  }
  for (auto& t : writers) t.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(store->CurrentResourceVersion(), kTotal);
  for (int k = 0; k < 3; k++) {
    ASSERT_EQ(static_cast<int64_t>(seen[k].rvs.size()), kTotal - seen[k].from) << "watcher " << k;
    for (size_t i = 0; i < seen[k].rvs.size(); i++)
      ASSERT_EQ(seen[k].rvs[i], seen[k].from + 1 + static_cast<int64_t>(i)) << "watcher " << k;
    EXPECT_FALSE(watchers[k]->Next(milliseconds(10)).has_value());
  }
}

}  // namespace flotilla::store::testing
