// The Manager routes store events to the keys its controllers declare, hands each key to one
// worker at a time (deduplicated while queued), stops cleanly (waiting for reconciles in flight,
// dropping what is queued) and starts again with a full re-list, as leader election needs.
#include "controller/manager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "model/resource_type.h"
#include "queue/clock.h"
#include "store/testing/faulty_store.h"

namespace flotilla::controller {
namespace {

using store::testing::Op;

Json Cluster(const std::string& ns, const std::string& name, const std::string& group = "") {
  Json c = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
            {"kind", "Cluster"},
            {"metadata", {{"name", name}, {"namespace", ns}}}};
  if (!group.empty()) c["metadata"]["labels"] = {{"group", group}};
  return c;
}

// Records reconciles; thread-safe; lets a test wait for a count without a time limit.
struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> keys;

  queue::ReconcileFunc Func() {
    return [this](const std::string& key) {
      std::lock_guard<std::mutex> lock(mu);
      if (key.starts_with("seed/")) return queue::Result::Success();  // the fixture's object
      keys.push_back(key);
      cv.notify_all();
      return queue::Result::Success();
    };
  }
  void WaitFor(const std::string& key, size_t times = 1) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] {
      return static_cast<size_t>(std::count(keys.begin(), keys.end(), key)) >= times;
    });
  }
  std::vector<std::string> Take() {
    std::lock_guard<std::mutex> lock(mu);
    return std::exchange(keys, {});
  }
};

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore("sqlite://:memory:");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    faulty_ = std::make_unique<store::testing::FaultyStore>(*store_);
    // A store that has seen a write (see the test of an empty store below).
    ASSERT_TRUE(store_->Create(model::ClusterType(), Cluster("seed", "seed")).ok());
  }

  void Create(const Json& obj) { ASSERT_TRUE(store_->Create(model::ClusterType(), obj).ok()); }

  // A Manager driven by the test's thread, on a fake clock, with private metrics.
  std::unique_ptr<Manager> Manual() {
    Manager::Options o;
    o.clock = &clock_;
    o.registry = &registry_;
    o.threads = false;
    return std::make_unique<Manager>(*faulty_, o);
  }
  std::unique_ptr<Manager> Threaded() {
    Manager::Options o;
    o.registry = &registry_;
    return std::make_unique<Manager>(*faulty_, o);
  }

  void Drain(Manager& m) {
    ASSERT_TRUE(m.Poll().ok());
    while (m.ProcessNextReady()) {
    }
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::testing::FaultyStore> faulty_;
  queue::FakeClock clock_;
  metrics::Registry registry_;
};

TEST_F(ManagerTest, RoutesEventsToTheKeysEachControllerDeclares) {
  auto m = Manual();
  Recorder clusters, groups;
  Queue& cq = m->AddController({.name = "cluster", .reconcile = clusters.Func()});
  Queue& gq = m->AddController({.name = "group", .reconcile = groups.Func()});
  // Two controllers interested in one kind, each mapping an event to its own key.
  m->Watch(model::ClusterType(),
           [&](const store::WatchEvent& ev) { cq.Add(store::ObjectKey(ev.object)); });
  m->Watch(model::ClusterType(), [&](const store::WatchEvent& ev) {
    std::string g = ev.object["metadata"].value("labels", Json::object()).value("group", "");
    if (!g.empty()) gq.Add(store::NamespaceOf(ev.object) + "/" + g);
  });
  ASSERT_TRUE(m->Start().ok());
  Create(Cluster("ns1", "a", "blue"));
  Create(Cluster("ns2", "b"));
  Drain(*m);
  EXPECT_EQ(clusters.Take(), (std::vector<std::string>{"ns1/a", "ns2/b"}));
  EXPECT_EQ(groups.Take(), (std::vector<std::string>{"ns1/blue"}));
  m->Stop();
}

TEST_F(ManagerTest, WatchesOfOneKindShareOneStoreWatchAndNamespacedOnesSeeTheirNamespace) {
  std::map<std::string, int> watches;  // kind -> store watches opened
  faulty_->SetRule([&](const store::testing::Call& c) -> std::optional<Status> {
    if (c.op == Op::kWatch) watches[c.type->kind]++;
    return std::nullopt;
  });
  auto m = Manual();
  Recorder all, one;
  Queue& aq = m->AddController({.name = "all", .reconcile = all.Func()});
  Queue& oq = m->AddController({.name = "one", .reconcile = one.Func()});
  m->Watch(model::ClusterType(),
           [&](const store::WatchEvent& ev) { oq.Add(store::ObjectKey(ev.object)); },
           {.ns = "ns2"});
  m->Watch(model::ClusterType(),
           [&](const store::WatchEvent& ev) { aq.Add(store::ObjectKey(ev.object)); });
  ASSERT_TRUE(m->Start().ok());
  Create(Cluster("ns1", "a"));
  Create(Cluster("ns2", "b"));
  Drain(*m);
  EXPECT_EQ(all.Take(), (std::vector<std::string>{"ns1/a", "ns2/b"}));
  EXPECT_EQ(one.Take(), (std::vector<std::string>{"ns2/b"}));
  EXPECT_EQ(watches["Cluster"], 1);
  m->Stop();
}

TEST_F(ManagerTest, AKeyQueuedManyTimesIsReconciledOnce) {
  auto m = Manual();
  Recorder rec;
  Queue& q = m->AddController({.name = "cluster", .reconcile = rec.Func()});
  m->Watch(model::ClusterType(),
           [&](const store::WatchEvent& ev) { q.Add(store::ObjectKey(ev.object)); });
  ASSERT_TRUE(m->Start().ok());
  Create(Cluster("ns1", "a"));
  for (int i = 0; i < 3; i++) {  // three more events for the same key
    auto got = store_->Get(model::ClusterType(), "ns1", "a");
    ASSERT_TRUE(got.ok());
    (*got)["metadata"]["labels"] = {{"n", std::to_string(i)}};
    ASSERT_TRUE(store_->Update(model::ClusterType(), *got).ok());
  }
  q.Add("ns1/a");
  Drain(*m);
  EXPECT_EQ(rec.Take(), (std::vector<std::string>{"ns1/a"}));
  m->Stop();
}

TEST_F(ManagerTest, RegistrationIsClosedAfterTheFirstStart) {
  auto m = Manual();
  auto ok = [](const std::string&) { return queue::Result::Success(); };
  m->AddController({.name = "c", .reconcile = ok});
  EXPECT_THROW(m->AddController({.name = "c", .reconcile = ok}), std::invalid_argument);
  ASSERT_TRUE(m->Start().ok());
  m->Stop();
  EXPECT_THROW(m->AddController({.name = "late", .reconcile = ok}), std::logic_error);
  EXPECT_THROW(m->Watch(model::ClusterType(), [](const store::WatchEvent&) {}), std::logic_error);
}

TEST_F(ManagerTest, FailedKeysAreRequeuedOnTheQueueClock) {
  auto m = Manual();
  int calls = 0;
  Queue& q = m->AddController({.name = "flaky", .reconcile = [&](const std::string&) {
                                 return ++calls < 3 ? queue::Result::Error(Unavailable("not yet"))
                                                    : queue::Result::Success();
                               }});
  ASSERT_TRUE(m->Start().ok());
  q.Add("k");
  while (true) {
    while (m->ProcessNextReady()) {
    }
    auto next = m->NextReadyAt();
    if (!next) break;
    clock_.AdvanceTo(*next);
  }
  EXPECT_EQ(calls, 3);
  m->Stop();
}

TEST_F(ManagerTest, StopDropsQueuedKeysAndAddsWhileStopped) {
  auto m = Manual();
  Recorder rec;
  Queue& q = m->AddController({.name = "c", .reconcile = rec.Func()});
  ASSERT_TRUE(m->Start().ok());
  q.Add("queued-before-stop");
  m->Stop();
  q.Add("added-while-stopped");
  EXPECT_FALSE(m->ProcessNextReady());
  ASSERT_TRUE(m->Start().ok());
  EXPECT_FALSE(m->ProcessNextReady());
  EXPECT_TRUE(rec.Take().empty());
  q.Add("after-restart");
  EXPECT_TRUE(m->ProcessNextReady());
  EXPECT_EQ(rec.Take(), (std::vector<std::string>{"after-restart"}));
  m->Stop();
}

TEST_F(ManagerTest, StartAndStopAreIdempotent) {
  auto m = Threaded();
  Recorder rec;
  Queue& q = m->AddController({.name = "c", .workers = 2, .reconcile = rec.Func()});
  m->Watch(model::ClusterType(),
           [&](const store::WatchEvent& ev) { q.Add(store::ObjectKey(ev.object)); });
  EXPECT_FALSE(m->Started());
  m->Stop();  // never started: a no-op
  ASSERT_TRUE(m->Start().ok());
  ASSERT_TRUE(m->Start().ok());
  EXPECT_TRUE(m->Started());
  Create(Cluster("ns1", "a"));
  rec.WaitFor("ns1/a");
  m->Stop();
  m->Stop();
  EXPECT_FALSE(m->Started());
  EXPECT_FALSE(m->Synced());
}

TEST_F(ManagerTest, StopWaitsForReconcilesInFlight) {
  auto m = Threaded();
  std::mutex mu;
  std::condition_variable cv;
  bool started = false, release = false;
  std::atomic<bool> finished{false};
  Queue& q = m->AddController({.name = "slow", .reconcile = [&](const std::string&) {
                                 std::unique_lock<std::mutex> lock(mu);
                                 started = true;
                                 cv.notify_all();
                                 cv.wait(lock, [&] { return release; });
                                 finished = true;
                                 return queue::Result::Success();
                               }});
  ASSERT_TRUE(m->Start().ok());
  q.Add("k");
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return started; });
  }
  bool finished_when_stop_returned = false;
  std::thread stopper([&] {
    m->Stop();
    finished_when_stop_returned = finished;
  });
  // Give Stop every chance to return early (it must not), then let the reconcile finish.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(m->Started());
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  stopper.join();
  EXPECT_TRUE(finished_when_stop_returned);
}

TEST_F(ManagerTest, RestartAfterStopReListsEverything) {
  auto m = Threaded();
  Recorder rec;
  Queue& q = m->AddController({.name = "c", .reconcile = rec.Func()});
  m->Watch(model::ClusterType(),
           [&](const store::WatchEvent& ev) { q.Add(store::ObjectKey(ev.object)); });
  ASSERT_TRUE(m->Start().ok());
  Create(Cluster("ns1", "a"));
  rec.WaitFor("ns1/a");
  m->Stop();
  Create(Cluster("ns1", "b"));  // while stopped: no informer sees it
  ASSERT_TRUE(m->Start().ok());
  // The new informers list the store again: both objects, as a new leader sees them.
  rec.WaitFor("ns1/a", 2);
  rec.WaitFor("ns1/b");
  while (!m->Synced()) std::this_thread::yield();
  m->Stop();
}

TEST_F(ManagerTest, PeriodicJobsRunOnlyWhileStarted) {
  auto m = Threaded();
  std::mutex mu;
  std::condition_variable cv;
  int runs = 0;
  m->Every("tick", std::chrono::milliseconds(1), [&] {
    std::lock_guard<std::mutex> lock(mu);
    runs++;
    cv.notify_all();
  });
  ASSERT_TRUE(m->Start().ok());
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return runs >= 3; });
  }
  m->Stop();
  int after_stop;
  {
    std::lock_guard<std::mutex> lock(mu);
    after_stop = runs;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(runs, after_stop);
  }
  ASSERT_TRUE(m->Start().ok());  // and again after a restart
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return runs > after_stop; });
  }
  m->Stop();
}

TEST(ManagerEmptyStoreTest, AWriteBetweenTheFirstListAndItsWatchIsNotMissed) {
  auto s = store::OpenStore("sqlite://:memory:");
  ASSERT_TRUE(s.ok());
  store::Store& inner = **s;
  store::testing::FaultyStore faulty(inner);
  // The list of the never-written store says resourceVersion 0; a Cluster is created just
  // before the informer opens its watch.
  bool created = false;
  faulty.SetRule([&](const store::testing::Call& c) -> std::optional<Status> {
    if (c.op == Op::kWatch && !created) {
      created = true;
      EXPECT_TRUE(inner.Create(model::ClusterType(), Cluster("ns1", "between")).ok());
    }
    return std::nullopt;
  });
  queue::FakeClock clock;
  metrics::Registry registry;
  Manager m(faulty, {.clock = &clock, .registry = &registry, .threads = false});
  Recorder rec;
  Queue& q = m.AddController({.name = "c", .reconcile = rec.Func()});
  m.Watch(model::ClusterType(),
          [&](const store::WatchEvent& ev) { q.Add(store::ObjectKey(ev.object)); });
  ASSERT_TRUE(m.Start().ok());
  ASSERT_TRUE(m.Poll().ok());
  ASSERT_TRUE(m.Poll().ok());
  while (m.ProcessNextReady()) {
  }
  EXPECT_TRUE(created);
  EXPECT_EQ(rec.Take(), (std::vector<std::string>{"ns1/between"}));
  m.Stop();
}

TEST_F(ManagerTest, AnInformerThatCannotListRetriesAndIsNotSynced) {
  faulty_->FailAlways(Op::kList, "Cluster", Unavailable("store down"));
  auto m = Manual();
  Recorder rec;
  Queue& q = m->AddController({.name = "c", .reconcile = rec.Func()});
  m->Watch(model::ClusterType(),
           [&](const store::WatchEvent& ev) { q.Add(store::ObjectKey(ev.object)); });
  ASSERT_TRUE(m->Start().ok());
  Create(Cluster("ns1", "a"));
  EXPECT_FALSE(m->Poll().ok());
  EXPECT_FALSE(m->Synced());
  EXPECT_FALSE(m->ProcessNextReady());
  faulty_->SetRule(nullptr);  // the store is back: the next poll lists
  Drain(*m);
  EXPECT_TRUE(m->Synced());
  EXPECT_EQ(rec.Take(), (std::vector<std::string>{"ns1/a"}));
  m->Stop();
}

}  // namespace
}  // namespace flotilla::controller
