// Deterministic simulation of the pipeline (issues: no change is ever lost; never act
// destructively on a transient error).
//
// The real GitRepoController, BundleController and two agents (clusters `local` and `edge`, each
// applying into an in-memory cluster) run against a real (in-memory SQLite) store seen through a
// FaultyStore, wired by their own Register into a controller::Manager as `flotilla server` wires
// them, fed by the real informers (list, watch, re-list when the watch breaks), with a
// simulated clock and simulated git remotes, all driven from one thread by a seeded scheduler
// that interleaves commits, polls, spec edits, force-syncs, pauses, GitRepo deletions, Cluster
// relabels, git failures, store faults (reads, lists, watch creation, watchers breaking, writes
// before or after they are made) and restarts that lose every in-memory state (queues, backoff,
// timers, informer caches).
//
// Invariants:
// - While it runs, nothing deployed is removed unless the desired state removes it: a cluster
//   loses a deployment's objects only when its BundleDeployment is gone or being deleted; a
//   BundleDeployment is deleted only when its Bundle is gone or no longer targets its Cluster; a
//   Bundle is deleted only when its GitRepo is gone, being deleted, or no longer holds it; a
//   Content is deleted only when no BundleDeployment (not being deleted) names it.
// - After the faults stop, everything converges: every unpaused GitRepo ends with status.commit =
//   its remote head, observedGeneration = generation, updateGeneration = forceSyncGeneration and
//   its Bundle holding the head's files; every Cluster the Bundle targets has a ready
//   BundleDeployment and holds the head's objects; no cluster holds objects of a deployment that
//   does not exist; a deleted GitRepo leaves no Bundle behind; every Content left is named by a
//   BundleDeployment.
//
// FLOTILLA_SIM_SEEDS=N runs N seeds (default 1000); FLOTILLA_SIM_SEED=S replays one seed;
// FLOTILLA_SIM_LOG=1 logs the controllers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>

#include <fmt/format.h>

#include "agent/agent.h"
#include "controller/manager.h"
#include "core/log.h"
#include "gitops/gitrepo_controller.h"
#include "memory_applier.h"
#include "model/deployment.h"
#include "model/keys.h"
#include "model/names.h"
#include "model/resource_type.h"
#include "queue/clock.h"
#include "queue/workqueue.h"
#include "sim_git.h"
#include "store/store.h"
#include "store/testing/faulty_store.h"
#include "target/bundle_controller.h"

namespace flotilla::sim {
namespace {

using model::BundleDeploymentType;
using model::BundleType;
using model::ClusterGroupType;
using model::ClusterType;
using model::GitRepoType;
using store::testing::Op;

constexpr const char* kNs = "fleet-local";
const char* const kClusters[] = {"local", "edge"};

std::unique_ptr<store::Store> OpenMemoryStore() {
  auto s = store::OpenStore(":memory:");
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

bool Deleting(const Json& obj) { return obj["metadata"].contains("deletionTimestamp"); }

// The BundleDeployments naming Content `name`.
std::vector<Json> ContentReferences(store::Store& store, const std::string& name) {
  store::ListOptions lo;
  lo.labels = *model::LabelSelector::Parse(std::string(model::kContentNameLabel) + "=" + name);
  auto bds = store.List(BundleDeploymentType(), lo);
  EXPECT_TRUE(bds.ok()) << bds.status().ToString();
  return bds.ok() ? bds->items : std::vector<Json>{};
}

struct Sim {
  explicit Sim(uint64_t seed) : rng(seed), inner(OpenMemoryStore()), faulty(*inner, seed * 7 + 1) {
    git.rng = &rng;
    faulty.SetRule([this](const store::testing::Call& c) { return Audit(c); });
    for (int i = 0; i < 2; i++)
      appliers[i].audit = [this, i](const std::string& id, const std::vector<std::string>& keys,
                                    bool prune) { AuditRemoval(i, id, keys, prune); };
  }
  ~Sim() { Stop(); }

  std::mt19937_64 rng;
  std::unique_ptr<store::Store> inner;  // the truth, read by the invariants
  store::testing::FaultyStore faulty;   // what the controllers, informers and agents see
  queue::FakeClock clock;
  SimGit git;
  MemoryApplier appliers[2];  // the clusters of kClusters
  std::vector<std::string> violations;

  // In-memory state, lost by Restart.
  std::unique_ptr<gitops::GitRepoController> gitrepos;
  std::unique_ptr<target::BundleController> bundles;
  std::unique_ptr<agent::Agent> agents[2];
  // Runs them as flotilla server does (each controller's Register), driven from this thread.
  std::unique_ptr<controller::Manager> manager;
  controller::Queue* gitrepo_q = nullptr;
  metrics::Registry registry;

  std::vector<std::string> keys;  // GitRepo i is keys[i], on remote urls[i]
  std::vector<std::string> urls;
  std::map<std::string, int> versions;                   // url -> last version committed
  std::map<std::string, std::string> webhook_delivered;  // key -> commit its last webhook named
  const std::chrono::system_clock::time_point epoch =
      std::chrono::system_clock::from_time_t(1'800'000'000);

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

  // ---- the invariant "nothing deployed is removed unless the desired state removes it" ----

  void Violation(std::string what) {
    if (violations.size() < 5) violations.push_back(std::move(what));
  }

  // Sees every store call before it is made; judges deletions against the store's truth.
  std::optional<Status> Audit(const store::testing::Call& c) {
    if (c.op != Op::kDelete) return std::nullopt;
    if (c.type == &BundleDeploymentType()) AuditBundleDeploymentDelete(c.ns, c.name);
    if (c.type == &BundleType()) AuditBundleDelete(c.ns, c.name);
    if (c.type == &model::ContentType()) AuditContentDelete(c.name);
    return std::nullopt;
  }

  void AuditContentDelete(const std::string& name) {
    for (const Json& bd : ContentReferences(*inner, name))
      if (!Deleting(bd))
        Violation(fmt::format("Content {} deleted while BundleDeployment {} names it", name,
                              store::ObjectKey(bd)));
  }

  void AuditBundleDeploymentDelete(const std::string& ns, const std::string& name) {
    auto bd = inner->Get(BundleDeploymentType(), ns, name);
    if (!bd.ok()) return;
    const Json labels = (*bd)["metadata"].value("labels", Json::object());
    auto bundle = inner->Get(BundleType(), labels.value(model::kBundleNamespaceLabel, ""),
                             labels.value(model::kBundleNameLabel, ""));
    if (!bundle.ok() || Deleting(*bundle)) return;
    auto cluster = inner->Get(ClusterType(), labels.value(model::kClusterNamespaceLabel, ""),
                              labels.value(model::kClusterLabel, ""));
    if (!cluster.ok()) return;
    auto options = target::ClusterOptions(*inner, *bundle, *cluster);
    if (options.ok() && !*options) return;
    Violation(fmt::format("BundleDeployment {}/{} deleted while its Bundle targets its cluster", ns,
                          name));
  }

  void AuditBundleDelete(const std::string& ns, const std::string& name) {
    auto bundle = inner->Get(BundleType(), ns, name);
    if (!bundle.ok()) return;
    const std::string repo =
        (*bundle)["metadata"].value("labels", Json::object()).value(model::kRepoNameLabel, "");
    auto gr = inner->Get(GitRepoType(), ns, repo);
    if (!gr.ok() || Deleting(*gr)) return;
    if (name != repo + "-" + (*gr)["spec"]["paths"][0].get<std::string>()) return;
    Violation(fmt::format("Bundle {}/{} deleted while its GitRepo holds it", ns, name));
  }

  // Before cluster `c` loses objects of deployment `id` ("ns/name" of its BundleDeployment).
  void AuditRemoval(int c, const std::string& id, const std::vector<std::string>& objects,
                    bool prune) {
    auto [ns, name] = store::SplitKey(id);
    auto bd = inner->Get(BundleDeploymentType(), ns, name);
    if (!prune) {
      if (bd.ok() && !Deleting(*bd))
        Violation(fmt::format("cluster {} removed {} while its BundleDeployment exists",
                              kClusters[c], id));
      return;
    }
    // A prune is right only for objects the Bundle no longer holds.
    if (!bd.ok()) return;
    const Json labels = (*bd)["metadata"].value("labels", Json::object());
    auto bundle = inner->Get(BundleType(), labels.value(model::kBundleNamespaceLabel, ""),
                             labels.value(model::kBundleNameLabel, ""));
    if (!bundle.ok()) return;
    const std::string resources = (*bundle)["spec"].value("resources", Json::array()).dump();
    for (const std::string& key : objects) {
      std::string obj_name = key.substr(key.rfind('/') + 1);
      if (resources.find("name: " + obj_name + "\\n") != std::string::npos)
        Violation(fmt::format("cluster {} pruned {} of {} while its Bundle holds it", kClusters[c],
                              key, id));
    }
  }

  // ---- the in-memory part: controllers, queues, informers ----

  void Stop() {
    if (manager) manager->Stop();
    manager.reset();
    gitrepo_q = nullptr;
  }

  // A restart: every in-memory state is lost; the informers' first lists re-deliver everything.
  void Restart() {
    Stop();
    informers_caught_up_at = -1;
    gitops::GitRepoControllerOptions o;
    o.now = [this] { return epoch + (clock.Now() - queue::TimePoint{}); };
    o.random = [this] { return std::uniform_real_distribution<double>(0, 1)(rng); };
    o.events = false;
    gitrepos = std::make_unique<gitops::GitRepoController>(faulty, git, o);
    bundles = std::make_unique<target::BundleController>(faulty);
    for (int i = 0; i < 2; i++)
      agents[i] = std::make_unique<agent::Agent>(faulty, appliers[i],
                                                 agent::AgentOptions{kNs, kClusters[i]});
    controller::Manager::Options mo;
    mo.clock = &clock;
    mo.registry = &registry;
    mo.threads = false;
    mo.rate_limiter = [] {
      return std::make_unique<queue::ExponentialBackoffRateLimiter>(std::chrono::milliseconds(100),
                                                                    std::chrono::seconds(20));
    };
    manager = std::make_unique<controller::Manager>(faulty, mo);
    gitrepo_q = &gitrepos->Register(*manager, 1, std::chrono::seconds(0));
    bundles->Register(*manager, 1);
    for (int i = 0; i < 2; i++)
      agents[i]->Register(*manager, 1, std::string("bundledeployment-") + kClusters[i]);
    Status s = manager->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

  // Lets the informers deliver what was written. An informer that is caught up has nothing to
  // deliver until the next write (Polling costs a watcher wake-up each), so pumps skip when the
  // store has not moved since every informer was last caught up.
  void PumpInformers() {
    const int64_t rv = inner->CurrentResourceVersion();
    if (informers_caught_up_at == rv) return;
    // A failed poll: the next pump retries.
    informers_caught_up_at = manager->Poll().ok() ? rv : -1;
  }
  int64_t informers_caught_up_at = -1;

  // One ready key of each queue; false if none was ready.
  bool ProcessRound() {
    PumpInformers();
    return manager->ProcessNextReady();
  }

  void ProcessSome(int n) {
    for (int i = 0; i < n; i++)
      if (!ProcessRound()) break;
  }

  std::optional<queue::TimePoint> NextReadyAt() { return manager->NextReadyAt(); }

  // ---- what users, git providers and operators do ----

  // What the webhook receiver does for a verified push: record the commit, poke the poll.
  void Webhook(const std::string& key) {
    auto [ns, name] = store::SplitKey(key);
    auto obj = faulty.Get(GitRepoType(), ns, name);
    if (!obj.ok()) return;
    std::string head = git.remotes[(*obj)["spec"]["repo"]].head;
    auto r = store::Mutate(faulty, GitRepoType(), ns, name, true, [&](Json& o) {
      o["status"]["webhookCommit"] = head;
      o["status"].erase("lastPollingTriggered");
      return true;
    });
    if (r.ok()) {
      webhook_delivered[key] = head;
      gitrepo_q->Add(key);
    }
  }

  void EditSpec(const std::string& key, const std::function<void(Json&)>& edit) {
    auto [ns, name] = store::SplitKey(key);
    (void)store::Mutate(faulty, GitRepoType(), ns, name, false, [&](Json& o) {
      edit(o["spec"]);
      return true;
    });
  }

  Json GitRepo(int i) {
    Json spec = {
        {"repo", urls[i]}, {"branch", "main"}, {"paths", {"a"}}, {"pollingInterval", "15s"}};
    // Every way of targeting: the default group (no targets), a ClusterGroup, a selector.
    if (i % 3 == 1) spec["targets"] = Json::parse(R"([{"name": "dev", "clusterGroup": "dev"}])");
    if (i % 3 == 2)
      spec["targets"] =
          Json::parse(R"([{"name": "prod", "clusterSelector": {"matchLabels": {"env": "prod"}}}])");
    return {{"apiVersion", "fleet.cattle.io/v1alpha1"},
            {"kind", "GitRepo"},
            {"metadata", {{"name", store::SplitKey(keys[i]).second}, {"namespace", kNs}}},
            {"spec", spec}};
  }

  void DeleteOrRecreate(int i) {
    auto [ns, name] = store::SplitKey(keys[i]);
    if (inner->Get(GitRepoType(), ns, name).ok())
      (void)faulty.Delete(GitRepoType(), ns, name);
    else
      (void)faulty.Create(GitRepoType(), GitRepo(i));
  }

  void Relabel(int c) {
    (void)store::Mutate(faulty, ClusterType(), kNs, kClusters[c], false, [](Json& o) {
      Json& labels = o["metadata"]["labels"];
      labels["env"] = labels.value("env", "") == "dev" ? "prod" : "dev";
      return true;
    });
  }
};

// ---- the convergence check ----

// Every Cluster `bundle` (GitRepo `repo`'s, built from `path`) targets holds its objects at
// `version`, through a ready BundleDeployment; the others hold nothing of it.
std::string CheckDeployments(Sim& sim, int repo, const std::string& path, const Json& bundle,
                             int version) {
  const std::string bname = store::NameOf(bundle);
  for (int c = 0; c < 2; c++) {
    auto cluster = sim.inner->Get(ClusterType(), kNs, kClusters[c]);
    if (!cluster.ok()) return cluster.status().ToString();
    auto options = target::ClusterOptions(*sim.inner, bundle, *cluster);
    if (!options.ok()) return options.status().ToString();
    const std::string bd_ns = model::ClusterNamespace(kNs, kClusters[c]);
    const std::string id = bd_ns + "/" + bname;
    auto bd = sim.inner->Get(BundleDeploymentType(), bd_ns, bname);
    if (!*options) {
      if (bd.ok()) return fmt::format("{}: deployed to untargeted cluster {}", bname, kClusters[c]);
      if (sim.appliers[c].inventory.count(id))
        return fmt::format("cluster {} still holds {}", kClusters[c], id);
      continue;
    }
    if (!bd.ok()) return fmt::format("{}: no BundleDeployment for cluster {}", bname, kClusters[c]);
    const std::string want_id = model::DeploymentId(bundle, **options);
    const Json st = bd->value("status", Json::object());
    if ((*bd)["spec"].value("deploymentID", "") != want_id ||
        st.value("appliedDeploymentID", "") != want_id || !st.value("ready", false))
      return fmt::format("{}: not applied and ready (status {})", id, st.dump());
    bool found = false;
    for (const std::string& key : sim.appliers[c].inventory[id]) {
      const Json& o = sim.appliers[c].objects[key].object;
      if (o["metadata"].value("name", "") != SimConfigMapName(repo, path)) continue;
      found = o["data"].value("version", "") == std::to_string(version);
    }
    if (!found)
      return fmt::format("cluster {} does not hold version {} of {}", kClusters[c], version, id);
  }
  return "";
}

std::string Check(Sim& sim) {
  for (size_t i = 0; i < sim.keys.size(); i++) {
    const std::string& key = sim.keys[i];
    auto [ns, name] = store::SplitKey(key);
    auto obj = sim.inner->Get(GitRepoType(), ns, name);
    if (!obj.ok()) {
      store::ListOptions lo;
      lo.ns = ns;
      lo.labels = *model::LabelSelector::Parse(std::string(model::kRepoNameLabel) + "=" + name);
      auto left = sim.inner->List(BundleType(), lo);
      if (!left.ok() || !left->items.empty()) return key + ": deleted, but its Bundles remain";
      continue;
    }
    const Json& spec = (*obj)["spec"];
    if (spec.value("paused", false)) continue;
    const Json st = obj->value("status", Json::object());
    std::string head = sim.git.remotes[spec["repo"]].head;
    if (st.value("commit", "") != head)
      return fmt::format("{}: status.commit {} != remote head {}", key, st.value("commit", ""),
                         head);
    if (st.value("observedGeneration", int64_t{-1}) !=
        (*obj)["metadata"]["generation"].get<int64_t>())
      return fmt::format("{}: observedGeneration {} != generation {}", key,
                         st.value("observedGeneration", int64_t{-1}),
                         (*obj)["metadata"]["generation"].get<int64_t>());
    if (st.value("updateGeneration", int64_t{-1}) != spec.value("forceSyncGeneration", int64_t{0}))
      return key + ": forceSyncGeneration bump not synced";
    std::string path = spec["paths"][0];
    std::string bundle_name = name + "-" + path;
    auto bundle = sim.inner->Get(BundleType(), ns, bundle_name);
    if (!bundle.ok()) return key + ": bundle " + bundle_name + " missing";
    const int version = sim.versions[spec["repo"]];
    std::string want = fmt::format("version: \"{}\"", version);
    std::string content = (*bundle)["spec"]["resources"][0]["content"];
    if (content.find(want) == std::string::npos)
      return fmt::format("{}: bundle content is not the head's ({})", key, want);
    if ((*bundle)["metadata"]["labels"]["fleet.cattle.io/commit"] != head)
      return key + ": bundle commit label is not the head";
    if (std::string err = CheckDeployments(sim, static_cast<int>(i), path, *bundle, version);
        !err.empty())
      return key + ": " + err;
  }
  // No cluster holds objects of a deployment that is gone.
  for (int c = 0; c < 2; c++)
    for (const auto& [id, objects] : sim.appliers[c].inventory) {
      auto [ns, name] = store::SplitKey(id);
      if (!sim.inner->Get(BundleDeploymentType(), ns, name).ok())
        return fmt::format("cluster {} holds {} whose BundleDeployment is gone", kClusters[c], id);
    }
  // Every Content left is named by a deployment (released ones were collected).
  auto contents = sim.inner->List(model::ContentType(), {});
  if (!contents.ok()) return contents.status().ToString();
  for (const Json& c : contents->items) {
    bool used = false;
    for (const Json& bd : ContentReferences(*sim.inner, store::NameOf(c))) used |= !Deleting(bd);
    if (!used) return fmt::format("Content {} is named by no BundleDeployment", store::NameOf(c));
  }
  return "";
}

// ---- one run ----

Status Setup(Sim& sim, int repos) {
  for (int c = 0; c < 2; c++) {
    Json cluster = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
                    {"kind", "Cluster"},
                    {"metadata",
                     {{"name", kClusters[c]},
                      {"namespace", kNs},
                      {"labels", {{"env", c == 0 ? "dev" : "prod"}}}}}};
    RETURN_IF_ERROR(sim.inner->Create(ClusterType(), cluster).status());
  }
  Json group = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
                {"kind", "ClusterGroup"},
                {"metadata", {{"name", "dev"}, {"namespace", kNs}}},
                {"spec", {{"selector", {{"matchLabels", {{"env", "dev"}}}}}}}};
  RETURN_IF_ERROR(sim.inner->Create(ClusterGroupType(), group).status());
  for (int i = 0; i < repos; i++) {
    std::string url = fmt::format("https://git.example/repo{}.git", i);
    sim.urls.push_back(url);
    sim.keys.push_back(fmt::format("{}/gr{}", kNs, i));
    sim.versions[url] = 1;
    sim.git.Commit(url, i, 1);
    RETURN_IF_ERROR(sim.inner->Create(GitRepoType(), sim.GitRepo(i)).status());
  }
  return Status::Ok();
}

// Runs one seeded scenario; returns "" or a description of the violated invariant.
std::string RunSeed(uint64_t seed) {
  Sim sim(seed);
  const int repos = sim.Uniform(1, 4);
  if (Status s = Setup(sim, repos); !s.ok()) return "setup: " + s.ToString();
  sim.Restart();
  sim.git.during_poll = [&sim](const std::string& url) {
    if (sim.Uniform(0, 9) != 0) return;
    for (int i = 0; i < static_cast<int>(sim.urls.size()); i++)
      if (sim.urls[i] == url) sim.git.Commit(url, i, ++sim.versions[url]);
    for (const std::string& k : sim.keys) sim.Webhook(k);
  };
  int steps = sim.Uniform(20, 120);
  for (int s = 0; s < steps; s++) {
    const int r = sim.Uniform(0, repos - 1);
    const std::string& key = sim.keys[r];
    const int u = sim.Uniform(0, repos - 1);
    const std::string& url = sim.urls[u];
    switch (sim.Uniform(0, 14)) {
      case 0:
      case 1:
        sim.git.Commit(url, u, ++sim.versions[url]);
        // Webhooks for this repository arrive, or get lost.
        for (const std::string& k : sim.keys)
          if (sim.Uniform(0, 2) == 0) sim.Webhook(k);
        break;
      case 2:
        sim.EditSpec(key, [&](Json& spec) { spec["paths"] = {sim.Uniform(0, 1) ? "a" : "b"}; });
        break;
      case 3:
        sim.EditSpec(key, [](Json& spec) {
          spec["forceSyncGeneration"] = spec.value("forceSyncGeneration", 0) + 1;
        });
        break;
      case 4:
        if (sim.Uniform(0, 1))
          sim.EditSpec(key, [](Json& spec) { spec["paused"] = !spec.value("paused", false); });
        else
          sim.EditSpec(key, [](Json& spec) {
            spec["disablePolling"] = !spec.value("disablePolling", false);
          });
        break;
      case 5:
        sim.git.remotes[url].down = !sim.git.remotes[url].down;
        break;
      case 6:
        // A fault profile: none, everything, or only reads, lists and watches.
        switch (sim.Uniform(0, 2)) {
          case 0:
            sim.faulty.SetFailRate(0);
            break;
          case 1:
            sim.faulty.SetFailRate(0.3);
            break;
          default:
            sim.faulty.SetFailRate(0);
            for (Op op : {Op::kGet, Op::kList, Op::kWatch, Op::kWatchNext})
              sim.faulty.SetFailRate(op, 0.4);
        }
        sim.git.flaky = sim.Uniform(0, 1) ? 0.0 : 0.3;
        break;
      case 7:
        sim.Restart();
        break;
      case 12:
        sim.Webhook(key);
        break;
      case 13:
        if (sim.Uniform(0, 3) == 0) sim.DeleteOrRecreate(r);
        break;
      case 14:
        sim.Relabel(sim.Uniform(0, 1));
        break;
      case 8:
      case 9:
        sim.clock.Advance(std::chrono::milliseconds(sim.Uniform(0, 20'000)));
        break;
      default:
        sim.ProcessSome(sim.Uniform(1, 8));
    }
  }
  // Faults end (a paused GitRepo stays paused: the invariant excludes it); let time run.
  sim.faulty.SetFailRate(0);
  sim.git.flaky = 0;
  for (auto& [url, r] : sim.git.remotes) r.down = false;
  sim.git.during_poll = nullptr;
  // GitRepos whose webhook for the last push was lost get one now (those with disablePolling
  // rely on it); a webhook that was delivered must have been acted on.
  for (const std::string& k : sim.keys) {
    auto [ns, name] = store::SplitKey(k);
    auto obj = sim.inner->Get(GitRepoType(), ns, name);
    if (obj.ok() && sim.webhook_delivered[k] != sim.git.remotes[(*obj)["spec"]["repo"]].head)
      sim.Webhook(k);
  }
  // 90 s of simulated time: longer than the backoff cap (20 s) plus two poll intervals.
  const queue::TimePoint end = sim.clock.Now() + std::chrono::seconds(90);
  while (true) {
    sim.ProcessSome(1000);
    auto next = sim.NextReadyAt();
    if (!next || *next > end) break;
    sim.clock.AdvanceTo(*next);
  }
  if (!sim.violations.empty()) return sim.violations.front();
  return Check(sim);
}

TEST(SyncSimulationTest, NoChangeIsEverLostAndNothingIsRemovedOnAGuess) {
  log::Init(log::Format::kText,
            std::getenv("FLOTILLA_SIM_LOG") ? log::Level::kDebug : log::Level::kOff);
  uint64_t first = 1, count = 1000;
  if (const char* n = std::getenv("FLOTILLA_SIM_SEEDS")) count = std::strtoull(n, nullptr, 10);
  if (const char* s = std::getenv("FLOTILLA_SIM_SEED")) {
    first = std::strtoull(s, nullptr, 10);
    count = 1;
  }
  for (uint64_t seed = first; seed < first + count; seed++) {
    std::string err = RunSeed(seed);
    ASSERT_EQ(err, "") << "seed " << seed << " violated the contract; replay with "
                       << "FLOTILLA_SIM_SEED=" << seed;
  }
}

}  // namespace
}  // namespace flotilla::sim
