#include "gitops/gitrepo_controller.h"

#include <map>
#include <random>
#include <tuple>

#include <fmt/format.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "gitops/chart_auth.h"
#include "model/cluster_status.h"
#include "model/conditions.h"
#include "model/gitrepo.h"
#include "model/json_get.h"
#include "model/keys.h"
#include "model/names.h"
#include "model/secret.h"
#include "render/bundles/bundles.h"

namespace flotilla::gitops {
namespace {

using model::BundleDeploymentType;
using model::BundleType;
using model::ConditionIs;
using model::GitRepoType;
using model::SetCondition;

struct Metrics {
  metrics::Family<metrics::Counter>& syncs;
  metrics::Family<metrics::Counter>& polls;
  metrics::Histogram& sync_seconds;
  static Metrics& Get() {
    static Metrics m{
        metrics::DefaultRegistry().AddCounter("flotilla_gitrepo_syncs_total",
                                              "GitRepo syncs (commit to Bundles) by result."),
        metrics::DefaultRegistry().AddCounter("flotilla_gitrepo_polls_total",
                                              "Remote lookups of a GitRepo's commit by result."),
        metrics::DefaultRegistry()
            .AddHistogram("flotilla_gitrepo_sync_duration_seconds",
                          "Time to turn a commit into stored Bundles.",
                          metrics::ExponentialBuckets(0.001, 2.5, 14))
            .WithLabels()};
    return m;
  }
};

// Status fields this controller owns, merged into the stored status by one write.
Status WriteStatus(store::Store& store, const std::string& ns, const std::string& name,
                   const std::function<void(Json&)>& edit) {
  auto r = store::Mutate(store, GitRepoType(), ns, name, /*status=*/true, [&](Json& obj) {
    Json before = obj.contains("status") ? obj["status"] : Json::object();
    if (!obj.contains("status") || !obj["status"].is_object()) obj["status"] = Json::object();
    edit(obj["status"]);
    return obj["status"] != before;
  });
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace

GitRepoController::GitRepoController(store::Store& store, GitSource& git,
                                     GitRepoControllerOptions options)
    : store_(store), git_(git), options_(std::move(options)), events_(store) {}

controller::Queue& GitRepoController::Register(controller::Manager& manager, int workers,
                                               std::chrono::seconds resync) {
  controller::Queue& q =
      manager.AddController({.name = "gitrepo",
                             .workers = workers,
                             .reconcile = [this](const std::string& key) { return Reconcile(key); },
                             .rate_limiter =
                                 [] {
                                   return std::make_unique<queue::ExponentialBackoffRateLimiter>(
                                       std::chrono::milliseconds(500), std::chrono::minutes(5));
                                 }});
  manager.Watch(GitRepoType(),
                [this, &q](const store::WatchEvent& ev) {
                  if (spec_changes_.ShouldEnqueue(ev)) q.Add(store::ObjectKey(ev.object));
                },
                {.resync = resync});
  manager.Watch(BundleDeploymentType(), [&q](const store::WatchEvent& ev) {
    const Json labels = ev.object["metadata"].value("labels", Json::object());
    std::string repo = labels.value(model::kRepoNameLabel, "");
    if (!repo.empty()) q.Add(labels.value(model::kBundleNamespaceLabel, "") + "/" + repo);
  });
  // A cluster going offline or coming back changes the readiness of the GitRepos deployed to it.
  manager.Watch(model::ClusterType(), [this, &q](const store::WatchEvent& ev) {
    const std::string key = store::ObjectKey(ev.object);
    bool flipped = false;
    {
      std::lock_guard<std::mutex> lock(offline_mu_);
      if (ev.type == store::WatchEventType::kDeleted) {
        cluster_offline_.erase(key);
        return;
      }
      const bool offline = model::ClusterOffline(ev.object);
      auto it = cluster_offline_.find(key);
      flipped = it != cluster_offline_.end() && it->second != offline;
      cluster_offline_[key] = offline;
    }
    if (!flipped) return;
    store::ListOptions lo;
    lo.ns = model::ClusterNamespace(store::NamespaceOf(ev.object), store::NameOf(ev.object));
    auto bds = store_.List(BundleDeploymentType(), lo);
    if (!bds.ok()) return;  // the Bundles' reconcile (queued by the same change) re-sums them
    for (const Json& bd : bds->items) {
      const Json labels = bd["metadata"].value("labels", Json::object());
      std::string repo = labels.value(model::kRepoNameLabel, "");
      if (!repo.empty()) q.Add(labels.value(model::kBundleNamespaceLabel, "") + "/" + repo);
    }
  });
  return q;
}

StatusOr<git::RemoteSpec> GitRepoController::RemoteFor(const Json& obj, const std::string& ns) {
  ASSIGN_OR_RETURN(model::GitRepoSpec spec, model::ParseGitRepoSpec(obj["spec"]));
  git::RemoteSpec remote;
  remote.url = spec.repo;
  remote.branch = spec.branch;
  remote.revision = spec.revision;
  remote.auth.ca_bundle = spec.ca_bundle;
  remote.auth.insecure_skip_tls_verify = spec.insecure_skip_tls_verify;
  if (!spec.client_secret_name.empty()) {
    auto secret = store_.Get(model::SecretType(), ns, spec.client_secret_name);
    if (!secret.ok() && secret.status().code() == StatusCode::kNotFound)
      return FailedPrecondition(fmt::format("clientSecretName: secret \"{}\" not found in \"{}\"",
                                            spec.client_secret_name, ns));
    if (!secret.ok())  // transient: retried, not reported as bad credentials
      return secret.status().WithContext("reading clientSecretName");
    auto field = [&](const char* key) { return model::SecretValueOrEmpty(*secret, key); };
    remote.auth.username = field("username");
    remote.auth.password = field("password");
    remote.auth.ssh_private_key = field("ssh-privatekey");
    remote.auth.known_hosts = field("known_hosts");
  }
  return remote;
}

queue::Result GitRepoController::Cleanup(const std::string& ns, const std::string& name,
                                         const Json* obj) {
  store::ListOptions lo;
  lo.ns = ns;
  lo.labels = *model::LabelSelector::Parse(std::string(model::kRepoNameLabel) + "=" + name);
  auto bundles = store_.List(BundleType(), lo);
  if (!bundles.ok()) return {false, {}, bundles.status()};
  for (const Json& b : bundles->items) {
    auto d = store_.Delete(BundleType(), ns, store::NameOf(b));
    if (!d.ok() && d.status().code() != StatusCode::kNotFound) return {false, {}, d.status()};
  }
  if (obj != nullptr) {
    auto r = store::RemoveFinalizer(store_, GitRepoType(), ns, name, model::kGitRepoFinalizer);
    if (!r.ok() && r.status().code() != StatusCode::kNotFound) return {false, {}, r.status()};
  }
  log::Info("gitrepo removed, bundles deleted",
            {{"gitrepo", ns + "/" + name}, {"bundles", std::to_string(bundles->items.size())}});
  return {};
}

Status GitRepoController::StoreBundles(const Json& gitrepo, std::vector<Json> bundles, bool prune) {
  std::string ns = store::NamespaceOf(gitrepo);
  std::string name = store::NameOf(gitrepo);
  Json owner = {{"apiVersion", GitRepoType().ApiVersion()},
                {"kind", "GitRepo"},
                {"name", name},
                {"uid", gitrepo["metadata"].value("uid", "")},
                {"controller", true},
                {"blockOwnerDeletion", true}};
  std::set<std::string> wanted;
  for (Json& b : bundles) {
    std::string bname = store::NameOf(b);
    wanted.insert(bname);
    b["metadata"]["ownerReferences"] = Json::array({owner});
    auto existing = store_.Get(BundleType(), ns, bname);
    if (!existing.ok()) {
      if (existing.status().code() != StatusCode::kNotFound) return existing.status();
      auto c = store_.Create(BundleType(), b);
      if (!c.ok()) return c.status();
      continue;
    }
    const Json& md = (*existing)["metadata"];
    bool same = (*existing)["spec"] == b["spec"] &&
                md.value("labels", Json()) == b["metadata"]["labels"] &&
                md.value("annotations", Json()) == b["metadata"]["annotations"] &&
                md.value("ownerReferences", Json()) == b["metadata"]["ownerReferences"];
    if (same) continue;
    Json updated = *existing;
    updated["spec"] = b["spec"];
    updated["metadata"]["labels"] = b["metadata"]["labels"];
    updated["metadata"]["annotations"] = b["metadata"]["annotations"];
    updated["metadata"]["ownerReferences"] = b["metadata"]["ownerReferences"];
    auto u = store_.Update(BundleType(), updated);
    if (!u.ok()) return u.status();
  }
  if (!prune) return Status::Ok();
  store::ListOptions lo;
  lo.ns = ns;
  lo.labels = *model::LabelSelector::Parse(std::string(model::kRepoNameLabel) + "=" + name);
  ASSIGN_OR_RETURN(store::ListResult existing, store_.List(BundleType(), lo));
  for (const Json& b : existing.items) {
    if (wanted.count(store::NameOf(b))) continue;
    auto d = store_.Delete(BundleType(), ns, store::NameOf(b));
    if (!d.ok() && d.status().code() != StatusCode::kNotFound) return d.status();
  }
  return Status::Ok();
}

StatusOr<Json> GitRepoController::Display(const std::string& ns, const std::string& name,
                                          bool* all_ready, int* total) {
  store::ListOptions lo;
  lo.labels = *model::LabelSelector::Parse(
      fmt::format("{}={},{}={}", model::kRepoNameLabel, name, model::kBundleNamespaceLabel, ns));
  // A failed list is an error, not "no deployments" (which would read as Ready).
  ASSIGN_OR_RETURN(store::ListResult bds, store_.List(BundleDeploymentType(), lo));
  int ready = 0, count = 0;
  std::string first_problem;
  std::map<std::string, std::string> offline;  // cluster key -> why offline ("" = online)
  for (const Json& bd : bds.items) {
    count++;
    // A BundleDeployment of an offline cluster is not ready, whatever it reported last.
    const Json labels = bd["metadata"].value("labels", Json::object());
    const std::string cluster = labels.value(model::kClusterNamespaceLabel, "") + "/" +
                                labels.value(model::kClusterLabel, "");
    if (!offline.count(cluster) && labels.value(model::kClusterLabel, "").empty()) {
      offline[cluster] = "";
    } else if (!offline.count(cluster)) {
      auto [cns, cname] = store::SplitKey(cluster);
      auto c = store_.Get(model::ClusterType(), cns, cname);
      if (!c.ok() && c.status().code() != StatusCode::kNotFound) return c.status();
      std::string why;
      offline[cluster] = c.ok() && model::ClusterOffline(*c, &why) ? "offline: " + why : "";
    }
    if (!offline[cluster].empty()) {
      if (first_problem.empty())
        first_problem = fmt::format("cluster {} is {}", cluster, offline[cluster]);
      continue;
    }
    const Json& st = bd.contains("status") ? bd["status"] : Json();
    bool ok = st.is_object() && st.value("ready", false) &&
              st.value("appliedDeploymentID", "") == bd["spec"].value("deploymentID", "");
    if (ok) {
      ready++;
    } else if (first_problem.empty()) {
      std::string msg = st.is_object() && st.contains("display") && st["display"].is_object()
                            ? st["display"].value("message", "")
                            : "";
      first_problem = fmt::format("BundleDeployment {}: {}", store::ObjectKey(bd),
                                  msg.empty() ? "not applied yet" : msg);
    }
  }
  *all_ready = ready == count;
  *total = count;
  Json display = {{"readyBundleDeployments", fmt::format("{}/{}", ready, count)}};
  display["state"] = ready == count ? "Ready" : "NotReady";
  display["message"] = first_problem;
  return display;
}

// What one Reconcile read and decided, shared by its phases.
struct GitRepoController::Pass {
  std::string key, ns, name;
  Json obj;
  int64_t generation = 0;
  Json status;  // as read at the start
  model::GitRepoSpec spec;
  git::RemoteSpec remote;
  Clock::time_point now;
  std::string now_text;
  bool pinned = false;            // spec.revision is a commit: nothing to poll
  std::string polled;             // the newest commit known for the branch
  Clock::time_point last_poll{};  // status.lastPollingTriggered
  bool have_last_poll = false;
  bool spec_changed = false;      // generation != observedGeneration
  bool last_poll_failed = false;  // GitPolling is False
  bool poll_due = false;
  std::string webhook_at_start;  // status.webhookCommit
  std::string desired;           // the commit to sync (after the poll)
};

queue::Result GitRepoController::Reconcile(const std::string& key) {
  Pass p;
  if (auto done = Prepare(key, p)) return *done;
  if (p.poll_due)
    if (auto failed = Poll(p)) return *failed;
  p.desired = p.pinned ? p.spec.revision : p.polled;
  bool need_sync = model::GetString(p.status, "commit") != p.desired || p.spec_changed ||
                   model::GetInt(p.status, "updateGeneration") != p.spec.force_sync_generation;
  if (p.spec.paused) need_sync = false;
  if (need_sync)
    if (auto failed = Sync(p)) return *failed;
  return Report(p);
}

std::optional<queue::Result> GitRepoController::Prepare(const std::string& key, Pass& p) {
  p.key = key;
  std::tie(p.ns, p.name) = store::SplitKey(key);
  const std::string& ns = p.ns;
  const std::string& name = p.name;
  auto got = store_.Get(GitRepoType(), ns, name);
  if (!got.ok()) {
    if (got.status().code() == StatusCode::kNotFound) return Cleanup(ns, name, nullptr);
    return queue::Result{false, {}, got.status()};
  }
  p.obj = std::move(*got);
  if (p.obj["metadata"].contains("deletionTimestamp")) return Cleanup(ns, name, &p.obj);
  if (!store::HasFinalizer(p.obj, model::kGitRepoFinalizer)) {
    auto r = store::AddFinalizer(store_, GitRepoType(), ns, name, model::kGitRepoFinalizer);
    if (!r.ok()) return queue::Result{false, {}, r.status()};
    p.obj = std::move(*r);
  }

  p.generation = model::GetInt(p.obj["metadata"], "generation");
  p.status =
      p.obj.contains("status") && p.obj["status"].is_object() ? p.obj["status"] : Json::object();
  auto spec = model::ParseGitRepoSpec(p.obj["spec"]);
  if (!spec.ok()) {
    Status w = WriteStatus(store_, ns, name, [&](Json& st) {
      SetCondition(st, "Accepted", false, "InvalidSpec", spec.status().message());
      SetCondition(st, "Stalled", true, "InvalidSpec", spec.status().message());
      SetCondition(st, "Ready", false, "InvalidSpec", spec.status().message());
    });
    return queue::Result{false, {}, w};  // a spec edit re-triggers; nothing to retry until then
  }
  p.spec = std::move(*spec);
  auto remote = RemoteFor(p.obj, ns);
  if (!remote.ok() && remote.status().code() != StatusCode::kFailedPrecondition)
    return queue::Result{false, {}, remote.status()};
  if (!remote.ok()) {
    Status w = WriteStatus(store_, ns, name, [&](Json& st) {
      SetCondition(st, "Accepted", false, "InvalidCredentials", remote.status().message());
      SetCondition(st, "Ready", false, "InvalidCredentials", remote.status().message());
    });
    return queue::Result{false, {}, remote.status()};
  }
  p.remote = std::move(*remote);

  p.now = options_.now();
  p.now_text = FormatRfc3339(p.now);
  p.pinned = git::IsCommitId(p.spec.revision);
  p.polled = model::GetString(p.status, "pollingCommit");
  p.have_last_poll = ParseRfc3339(model::GetString(p.status, "lastPollingTriggered"), &p.last_poll);
  p.spec_changed = model::GetInt(p.status, "observedGeneration") != p.generation;
  // A failed poll stays due: its retries follow the queue's per-key backoff.
  p.last_poll_failed = ConditionIs(p.status, "GitPolling", false);
  p.poll_due = p.polled.empty() || p.spec_changed || !p.have_last_poll || p.last_poll_failed ||
               p.now >= p.last_poll + p.spec.polling_interval;
  // A webhook pokes a GitRepo by erasing lastPollingTriggered (see webhook/), which makes the
  // poll due now, also with disablePolling.
  if (p.spec.disable_polling && !p.polled.empty() && !p.spec_changed && p.have_last_poll &&
      !p.last_poll_failed)
    p.poll_due = false;
  p.webhook_at_start = model::GetString(p.status, "webhookCommit");
  if (p.pinned) p.poll_due = false;
  return std::nullopt;
}

std::optional<queue::Result> GitRepoController::Poll(Pass& p) {
  // A scheduled poll may share a lookup made for another GitRepo on the same repository within
  // a quarter of its interval; first polls, spec changes, retries and webhook pokes look afresh.
  const bool scheduled =
      !p.polled.empty() && !p.spec_changed && p.have_last_poll && !p.last_poll_failed;
  auto staleness =
      scheduled ? std::chrono::duration_cast<std::chrono::milliseconds>(p.spec.polling_interval / 4)
                : std::chrono::milliseconds(0);
  auto commit = git_.ResolveCommit(p.remote, staleness);
  Metrics::Get().polls.WithLabels({{"result", commit.ok() ? "success" : "error"}}).Inc();
  Status w = WriteStatus(store_, p.ns, p.name, [&](Json& st) {
    // A webhook that arrived while this poll ran may announce a newer commit: leave the poll
    // due (the webhook re-queued the key) instead of recording this poll's time.
    if (model::GetString(st, "webhookCommit") == p.webhook_at_start)
      st["lastPollingTriggered"] = p.now_text;
    if (commit.ok()) {
      st["pollingCommit"] = *commit;
      SetCondition(st, "GitPolling", true, "Polled", "");
    } else {
      SetCondition(st, "GitPolling", false, StatusCodeName(commit.status().code()),
                   commit.status().message());
      SetCondition(st, "Ready", false, "GitPollingFailed", commit.status().message());
    }
  });
  if (!commit.ok()) {
    log::Warn("git poll failed", {{"gitrepo", p.key}, {"error", commit.status().message()}});
    return queue::Result{false, {}, commit.status()};
  }
  if (!w.ok()) return queue::Result{false, {}, w};
  if (*commit != p.polled)
    log::Info("new commit polled",
              {{"gitrepo", p.key}, {"commit", *commit}, {"previous", p.polled}});
  p.polled = *commit;
  return std::nullopt;
}

queue::Result GitRepoController::SyncFailed(const Pass& p, const Status& s, const char* reason) {
  Metrics::Get().syncs.WithLabels({{"result", "error"}}).Inc();
  log::Warn("sync failed", {{"gitrepo", p.key}, {"commit", p.desired}, {"error", s.message()}});
  if (options_.events)
    events_.Record(p.obj, "Warning", "SyncFailed",
                   fmt::format("commit {}: {}", p.desired, s.message()));
  Status w = WriteStatus(store_, p.ns, p.name, [&](Json& st) {
    SetCondition(st, "Accepted", true, "Accepted", "");
    SetCondition(st, "Reconciling", false, reason, s.message());
    SetCondition(st, "Stalled", true, reason, s.message());
    SetCondition(st, "Ready", false, reason, s.message());
    st["display"]["state"] = "Error";
    st["display"]["message"] = s.message();
    st["display"]["error"] = true;
  });
  // Retried with backoff, but no later than the next poll: a failure that only a new commit can
  // fix (a broken bundle) must not hide that commit behind minutes of backoff.
  std::chrono::nanoseconds next_poll{0};
  if (!p.pinned && !p.spec.disable_polling) {
    next_poll = std::chrono::duration_cast<std::chrono::nanoseconds>(
        (p.poll_due ? p.now : p.last_poll) + p.spec.polling_interval - p.now);
    next_poll = std::max<std::chrono::nanoseconds>(next_poll, std::chrono::milliseconds(100));
  }
  return {false, next_poll, s};
}

std::optional<queue::Result> GitRepoController::Sync(Pass& p) {
  const std::string& desired = p.desired;
  auto started = std::chrono::steady_clock::now();
  log::Info("sync started", {{"gitrepo", p.key}, {"commit", desired}});
  if (options_.events)
    events_.Record(p.obj, "Normal", "SyncStarted", fmt::format("syncing commit {}", desired));
  auto tree = git_.OpenTree(p.remote, desired);
  if (!tree.ok()) return SyncFailed(p, tree.status(), "FetchFailed");
  render::BuildOptions bo;
  bo.gitrepo_name = p.name;
  bo.ns = p.ns;
  bo.commit = desired;
  bo.paths = p.spec.paths;
  if (p.obj["spec"].contains("bundles") && p.obj["spec"]["bundles"].is_array())
    for (const Json& b : p.obj["spec"]["bundles"])
      if (b.is_object()) bo.bundles.push_back({b.value("base", ""), b.value("options", "")});
  bo.target_namespace = p.spec.target_namespace;
  bo.targets = p.obj["spec"].value("targets", Json::array());
  bo.keep_resources = p.spec.keep_resources;
  bo.delete_namespace = p.spec.delete_namespace;
  bo.service_account = p.spec.service_account;
  bo.sync_generation = p.spec.force_sync_generation;
  bo.chart_fetcher = options_.chart_fetcher;
  if (Status ha = HelmAuthFor(store_, p.obj, &bo); !ha.ok())
    return SyncFailed(p, ha, "HelmSecretFailed");
  bo.cache = &render_cache_;
  auto built = render::BuildBundleSet(**tree, bo);
  if (!built.ok()) return SyncFailed(p, built.status(), "RenderFailed");
  size_t count = built->bundles.size();
  // A failure confined to some bundles: the others are stored at this commit, the failed ones
  // keep their stored version and nothing is pruned; status.commit does not advance (it means
  // "every Bundle of this commit is stored"), so the GitRepo stays unsynced, visible and retried.
  const bool partial = !built->failures.empty();
  Status stored = StoreBundles(p.obj, std::move(built->bundles), /*prune=*/!partial);
  if (!stored.ok()) return SyncFailed(p, stored, "StoreFailed");
  if (partial) {
    std::string msg =
        fmt::format("{} of {} bundle(s) failed at commit {}, the others are stored",
                    built->failures.size(), built->failures.size() + count, desired.substr(0, 12));
    for (const render::BundleFailure& f : built->failures)
      msg += "; " + std::string(f.status.message());
    return SyncFailed(p, InvalidArgument(msg), "BundleFailed");
  }
  // Only now is the commit synced.
  Status w = WriteStatus(store_, p.ns, p.name, [&](Json& st) {
    st["commit"] = desired;
    st["observedGeneration"] = p.generation;
    st["updateGeneration"] = p.spec.force_sync_generation;
    SetCondition(st, "Accepted", true, "Accepted", "");
    SetCondition(st, "Stalled", false, "Synced", "");
    SetCondition(st, "Reconciling", false, "Synced", "");
    if (st.contains("display") && st["display"].is_object()) st["display"]["error"] = false;
  });
  if (!w.ok()) return SyncFailed(p, w, "StatusWriteFailed");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  Metrics::Get().syncs.WithLabels({{"result", "success"}}).Inc();
  Metrics::Get().sync_seconds.Observe(secs);
  if (options_.events)
    events_.Record(p.obj, "Normal", "Synced",
                   fmt::format("commit {}: {} bundle(s) stored", desired, count));
  log::Info("sync finished", {{"gitrepo", p.key},
                              {"commit", desired},
                              {"bundles", std::to_string(count)},
                              {"seconds", fmt::format("{:.3f}", secs)}});
  return std::nullopt;
}

queue::Result GitRepoController::Report(const Pass& p) {
  // Readiness from the BundleDeployments, written every time (cheap when unchanged).
  bool all_ready = false;
  int total = 0;
  auto shown = Display(p.ns, p.name, &all_ready, &total);
  if (!shown.ok()) return {false, {}, shown.status()};
  const Json& display = *shown;
  Status w = WriteStatus(store_, p.ns, p.name, [&](Json& st) {
    if (!st.contains("display") || !st["display"].is_object()) st["display"] = Json::object();
    bool error = st["display"].value("error", false);
    if (error) return;  // keep the sync error visible until a sync succeeds
    st["display"]["readyBundleDeployments"] = display["readyBundleDeployments"];
    st["display"]["state"] = display["state"];
    st["display"]["message"] = display["message"];
    if (p.spec.paused) {
      SetCondition(st, "Reconciling", false, "Paused", "paused: polling continues, no sync");
      SetCondition(st, "Ready", false, "Paused",
                   fmt::format("paused at commit {}; newest is {}", model::GetString(st, "commit"),
                               p.desired));
      return;
    }
    SetCondition(st, "Accepted", true, "Accepted", "");
    if (!all_ready) {
      SetCondition(st, "Ready", false, "NotReady", display["message"].get<std::string>());
    } else {
      SetCondition(st, "Ready", true, "Ready", "");
    }
  });
  if (!w.ok()) return {false, {}, w};

  // Next poll: the interval, jittered; the queue's AddAfter is the mechanism, the periodic resync
  // only a safety net.
  double r;
  if (options_.random) {
    r = options_.random();
  } else {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    r = std::uniform_real_distribution<double>(0, 1)(rng);
  }
  auto interval = std::chrono::duration_cast<std::chrono::nanoseconds>(p.spec.polling_interval *
                                                                       (1.0 + options_.jitter * r));
  auto last = p.poll_due ? p.now : p.last_poll;
  auto after = std::chrono::duration_cast<std::chrono::nanoseconds>(last + interval - p.now);
  after = std::max<std::chrono::nanoseconds>(after, std::chrono::milliseconds(100));
  if (p.pinned || p.spec.disable_polling) after = std::chrono::nanoseconds(0);
  return {false, after, Status::Ok()};
}

}  // namespace flotilla::gitops
