#include "target/bundle_controller.h"

#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/log.h"
#include "model/cluster_status.h"
#include "model/conditions.h"
#include "model/content.h"
#include "model/deployment.h"
#include "model/keys.h"
#include "model/labels.h"

namespace flotilla::target {
namespace {

using model::BundleDeploymentType;
using model::BundleType;
using model::ClusterGroupType;
using model::ClusterType;

// Creates Content `name` holding `resources` unless it exists.
Status EnsureContent(store::Store& store, const std::string& name, const Json& resources) {
  auto got = store.Get(model::ContentType(), "", name);
  if (got.ok()) return Status::Ok();
  if (got.status().code() != StatusCode::kNotFound)
    return got.status().WithContext("reading content " + name);
  ASSIGN_OR_RETURN(Json content, model::ContentFor(resources));
  auto c = store.Create(model::ContentType(), std::move(content));
  if (!c.ok() && c.status().code() != StatusCode::kAlreadyExists)
    return c.status().WithContext("creating content " + name);
  return Status::Ok();
}

model::LabelSelector BundleSelector(const std::string& ns, const std::string& name) {
  return *model::LabelSelector::Parse(
      fmt::format("{}={},{}={}", model::kBundleNameLabel, name, model::kBundleNamespaceLabel, ns));
}

bool SelectorMatches(const Json& selector, const Json& labels) {
  auto sel = model::LabelSelector::FromJson(selector);
  return sel.ok() && sel->Matches(labels);
}

// Whether `t` (a BundleTarget or a target restriction) selects `cluster`. A clusterGroup
// "default" that does not exist stands for every cluster of the namespace: Fleet's bootstrap
// creates that group, and gitjob targets it when a GitRepo has no targets. A failed list of the
// ClusterGroups is an error, never "not in the group": a caller that took it for "not targeted"
// would delete the cluster's BundleDeployment and uninstall its workloads.
StatusOr<bool> MatchTarget(store::Store& store, const std::string& ns, const Json& t,
                           const Json& cluster) {
  if (!t.is_object()) return false;
  const Json labels = cluster["metadata"].value("labels", Json::object());
  bool any = false, ok = true;
  if (t.contains("clusterName") && t["clusterName"].is_string()) {
    any = true;
    ok = ok && t["clusterName"] == store::NameOf(cluster);
  }
  if (t.contains("clusterSelector") && !t["clusterSelector"].is_null()) {
    any = true;
    ok = ok && SelectorMatches(t["clusterSelector"], labels);
  }
  bool has_group = t.contains("clusterGroup") && t["clusterGroup"].is_string();
  bool has_group_sel = t.contains("clusterGroupSelector") && !t["clusterGroupSelector"].is_null();
  if (has_group || has_group_sel) {
    any = true;
    bool in_group = false;
    store::ListOptions lo;
    lo.ns = ns;
    auto groups = store.List(ClusterGroupType(), lo);
    if (!groups.ok())
      return groups.status().WithContext(fmt::format("listing ClusterGroups in \"{}\"", ns));
    bool default_exists = false;
    for (const Json& g : groups->items) {
      if (store::NameOf(g) == "default") default_exists = true;
      if (has_group && t["clusterGroup"] != store::NameOf(g)) continue;
      if (has_group_sel && !SelectorMatches(t["clusterGroupSelector"],
                                            g["metadata"].value("labels", Json::object())))
        continue;
      const Json gsel = g.contains("spec") ? g["spec"].value("selector", Json()) : Json();
      if (SelectorMatches(gsel, labels)) in_group = true;
    }
    if (has_group && !has_group_sel && t["clusterGroup"] == "default" && !default_exists)
      in_group = true;
    ok = ok && in_group;
  }
  return any && ok;
}

}  // namespace

StatusOr<std::optional<Json>> ClusterOptions(store::Store& store, const Json& bundle,
                                             const Json& cluster) {
  const Json& spec = bundle["spec"];
  const std::string ns = store::NamespaceOf(bundle);
  Json options = model::DeploymentOptions(spec);
  if (!spec.contains("targets") || !spec["targets"].is_array() || spec["targets"].empty())
    return std::optional<Json>(std::move(options));  // made without targets: everywhere
  if (spec.contains("targetRestrictions") && spec["targetRestrictions"].is_array() &&
      !spec["targetRestrictions"].empty()) {
    bool allowed = false;
    for (const Json& r : spec["targetRestrictions"]) {
      ASSIGN_OR_RETURN(bool match, MatchTarget(store, ns, r, cluster));
      if (match) allowed = true;
    }
    if (!allowed) return std::optional<Json>();
  }
  bool all = spec.value("targetCustomizationMode", "") == "AllMatches";
  bool matched = false;
  for (const Json& t : spec["targets"]) {
    ASSIGN_OR_RETURN(bool match, MatchTarget(store, ns, t, cluster));
    if (!match) continue;
    if (!matched && t.value("doNotDeploy", false)) return std::optional<Json>();
    matched = true;
    options = model::MergeOptions(options, model::DeploymentOptions(t));
    if (!all) break;
  }
  if (!matched) return std::optional<Json>();
  return std::optional<Json>(std::move(options));
}

StatusOr<bool> MatchesTarget(store::Store& store, const std::string& ns, const Json& target,
                             const Json& cluster) {
  return MatchTarget(store, ns, target, cluster);
}

StatusOr<bool> Targets(store::Store& store, const Json& bundle, const Json& cluster) {
  ASSIGN_OR_RETURN(std::optional<Json> options, ClusterOptions(store, bundle, cluster));
  return options.has_value();
}

queue::Result RetargetNamespace(store::Store& store, const std::string& ns,
                                const std::function<void(const std::string&)>& add) {
  store::ListOptions lo;
  lo.ns = ns;
  auto bundles = store.List(BundleType(), lo);
  if (!bundles.ok()) return {false, {}, bundles.status()};
  for (const Json& b : bundles->items) add(store::ObjectKey(b));
  return {};
}

std::mutex& BundleController::ContentLock(const std::string& name) {
  return content_locks_[std::hash<std::string>()(name) % content_locks_.size()];
}

void BundleController::Released(const Json& bd, const std::string& still_used) {
  const std::string was =
      bd["metadata"].value("labels", Json::object()).value(model::kContentNameLabel, "");
  if (content_released_ && !was.empty() && was != still_used) content_released_(was);
}

queue::Result BundleController::CollectContent(const std::string& name) {
  std::lock_guard<std::mutex> lock(ContentLock(name));
  store::ListOptions lo;
  auto sel = model::LabelSelector::Parse(fmt::format("{}={}", model::kContentNameLabel, name));
  if (!sel.ok()) return {};  // not a label value: no BundleDeployment can name it
  lo.labels = std::move(*sel);
  auto bds = store_.List(BundleDeploymentType(), lo);
  if (!bds.ok()) return {false, {}, bds.status().WithContext("listing references of " + name)};
  for (const Json& bd : bds->items)
    if (!bd["metadata"].contains("deletionTimestamp")) return {};  // still referenced
  auto d = store_.Delete(model::ContentType(), "", name);
  if (!d.ok()) {
    if (d.status().code() == StatusCode::kNotFound) return {};
    return {false, {}, d.status().WithContext("deleting content " + name)};
  }
  log::Info("unreferenced content deleted", {{"content", name}});
  return {};
}

queue::Result BundleController::Cleanup(const std::string& ns, const std::string& name) {
  store::ListOptions lo;
  lo.labels = BundleSelector(ns, name);
  auto bds = store_.List(BundleDeploymentType(), lo);
  if (!bds.ok()) return {false, {}, bds.status()};
  for (const Json& bd : bds->items) {
    auto d = store_.Delete(BundleDeploymentType(), store::NamespaceOf(bd), store::NameOf(bd));
    if (!d.ok() && d.status().code() != StatusCode::kNotFound) return {false, {}, d.status()};
    Released(bd, "");
  }
  return {};
}

queue::Result BundleController::Reconcile(const std::string& key) {
  auto [ns, name] = store::SplitKey(key);
  auto got = store_.Get(BundleType(), ns, name);
  if (!got.ok()) {
    if (got.status().code() == StatusCode::kNotFound) return Cleanup(ns, name);
    return {false, {}, got.status()};
  }
  const Json& bundle = *got;
  if (bundle["metadata"].contains("deletionTimestamp")) return Cleanup(ns, name);

  store::ListOptions clo;
  clo.ns = ns;
  auto clusters = store_.List(ClusterType(), clo);
  if (!clusters.ok()) return {false, {}, clusters.status()};

  std::map<std::string, std::string> ids;      // by cluster, for the summary below
  std::map<std::string, std::string> offline;  // "bdns/bdname" -> why its cluster is offline
  std::set<std::string> wanted;                // "bdns/bdname"
  // The Content every deployment of this bundle names exists before any of them names it, and
  // its lock is held until they are written (see CollectContent).
  const Json resources = bundle["spec"].value("resources", Json::array());
  const std::string content = model::ContentId(resources);
  std::unique_lock<std::mutex> content_lock(ContentLock(content), std::defer_lock);
  std::vector<Json> moved;  // deployments that named another Content before
  for (const Json& cluster : clusters->items) {
    // Only a decision from the desired state (Bundle targets, Cluster labels, ClusterGroups) may
    // leave a cluster out: an error retries with backoff before anything below is deleted.
    auto options = ClusterOptions(store_, bundle, cluster);
    if (!options.ok()) return {false, {}, options.status()};
    if (!*options) continue;
    Json bd = model::BundleDeploymentFor(bundle, store::NameOf(cluster), **options);
    const Json& spec = bd["spec"];
    const Json& labels = bd["metadata"]["labels"];
    const std::string bd_ns = bd["metadata"]["namespace"];
    wanted.insert(bd_ns + "/" + name);
    ids[bd_ns + "/" + name] = spec["deploymentID"].get<std::string>();
    if (std::string why; model::ClusterOffline(cluster, &why))
      offline[bd_ns + "/" + name] =
          fmt::format("cluster {}/{} is offline: {}", ns, store::NameOf(cluster), why);
    if (!content_lock.owns_lock()) {
      content_lock.lock();
      if (Status s = EnsureContent(store_, content, resources); !s.ok()) return {false, {}, s};
    }
    auto existing = store_.Get(BundleDeploymentType(), bd_ns, name);
    if (!existing.ok()) {
      if (existing.status().code() != StatusCode::kNotFound) return {false, {}, existing.status()};
      auto c = store_.Create(BundleDeploymentType(), bd);
      if (!c.ok()) return {false, {}, c.status()};
      continue;
    }
    if ((*existing)["spec"] == spec && (*existing)["metadata"].value("labels", Json()) == labels)
      continue;
    Json updated = *existing;
    updated["spec"] = spec;
    updated["metadata"]["labels"] = labels;
    auto u = store_.Update(BundleDeploymentType(), updated);
    if (!u.ok()) return {false, {}, u.status()};
    moved.push_back(*existing);
  }
  if (content_lock.owns_lock()) content_lock.unlock();
  for (const Json& bd : moved) Released(bd, content);

  // Remove deployments to clusters no longer targeted; summarise the rest.
  store::ListOptions lo;
  lo.labels = BundleSelector(ns, name);
  auto bds = store_.List(BundleDeploymentType(), lo);
  if (!bds.ok()) return {false, {}, bds.status()};
  int ready = 0, total = 0;
  std::string problem;
  for (const Json& bd : bds->items) {
    if (!wanted.count(store::ObjectKey(bd))) {
      auto d = store_.Delete(BundleDeploymentType(), store::NamespaceOf(bd), store::NameOf(bd));
      if (!d.ok() && d.status().code() != StatusCode::kNotFound) return {false, {}, d.status()};
      Released(bd, "");
      continue;
    }
    total++;
    const Json st = bd.value("status", Json::object());
    if (auto it = offline.find(store::ObjectKey(bd)); it != offline.end()) {
      if (problem.empty()) problem = it->second;
      continue;
    }
    if (st.value("ready", false) &&
        st.value("appliedDeploymentID", "") == ids[store::ObjectKey(bd)])
      ready++;
  }
  auto r = store::Mutate(store_, BundleType(), ns, name, true, [&](Json& b) {
    Json before = b.value("status", Json::object());
    Json st = before;
    st["display"]["readyClusters"] = fmt::format("{}/{}", ready, total);
    st["summary"] = {{"desiredReady", total}, {"ready", ready}};
    st["observedGeneration"] = b["metadata"].value("generation", 0);
    bool all = ready == total;
    model::SetCondition(st, "Ready", all, "",
                        all ? ""
                            : fmt::format("{}/{} BundleDeployments ready{}", ready, total,
                                          problem.empty() ? "" : "; " + problem));
    if (st == before) return false;
    b["status"] = st;
    return true;
  });
  if (!r.ok() && r.status().code() != StatusCode::kNotFound) return {false, {}, r.status()};
  return {};
}

void BundleController::Register(controller::Manager& manager, int workers) {
  controller::Queue& bundles = manager.AddController(
      {.name = "bundle", .workers = workers, .reconcile = [this](const std::string& key) {
         return Reconcile(key);
       }});
  controller::Queue& contents =
      manager.AddController({.name = "content", .reconcile = [this](const std::string& name) {
                               return CollectContent(name);
                             }});
  content_released_ = [&contents](const std::string& name) { contents.Add(name); };
  // Listing a namespace's Bundles is a reconcile of its own, so a failed list is retried with
  // backoff instead of dropping the trigger.
  controller::Queue& retarget = manager.AddController(
      {.name = "retarget", .reconcile = [this, &bundles](const std::string& ns) {
         return RetargetNamespace(store_, ns, [&](const std::string& k) { bundles.Add(k); });
       }});

  manager.Watch(BundleType(), [&bundles](const store::WatchEvent& ev) {
    bundles.Add(store::ObjectKey(ev.object));
  });
  manager.Watch(BundleDeploymentType(), [&bundles, &contents](const store::WatchEvent& ev) {
    const Json labels = ev.object["metadata"].value("labels", Json::object());
    std::string bname = labels.value(model::kBundleNameLabel, "");
    if (!bname.empty()) bundles.Add(labels.value(model::kBundleNamespaceLabel, "") + "/" + bname);
    std::string content = labels.value(model::kContentNameLabel, "");
    if (!content.empty() && (ev.type == store::WatchEventType::kDeleted ||
                             ev.object["metadata"].contains("deletionTimestamp")))
      contents.Add(content);
  });
  manager.Watch(model::ContentType(),
                [&contents](const store::WatchEvent& ev) {
                  if (ev.type == store::WatchEventType::kAdded)
                    contents.Add(store::NameOf(ev.object));
                },
                {.resync = std::chrono::minutes(10)});
  manager.Watch(ClusterGroupType(), [&retarget](const store::WatchEvent& ev) {
    retarget.Add(store::NamespaceOf(ev.object));
  });
  manager.Watch(ClusterType(), [this, &retarget](const store::WatchEvent& ev) {
    const std::string key = store::ObjectKey(ev.object);
    const std::string print = ev.type == store::WatchEventType::kDeleted
                                  ? ""
                                  : ev.object["metadata"].value("labels", Json::object()).dump() +
                                        ev.object.value("spec", Json::object()).dump() +
                                        (model::ClusterOffline(ev.object) ? "1" : "0");
    {
      std::lock_guard<std::mutex> lock(cluster_seen_mu_);
      auto it = cluster_seen_.find(key);
      if (it != cluster_seen_.end() && it->second == print) return;
      if (print.empty())
        cluster_seen_.erase(key);
      else
        cluster_seen_[key] = print;
    }
    retarget.Add(store::NamespaceOf(ev.object));
  });
}

}  // namespace flotilla::target
