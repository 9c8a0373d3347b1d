#include "target/bundle_controller.h"

#include <set>

#include <fmt/format.h>

#include "core/hash.h"
#include "core/log.h"
#include "model/labels.h"
#include "render/bundles/bundles.h"

namespace flotilla::target {
namespace {

using model::BundleDeploymentType;
using model::BundleType;
using model::ClusterGroupType;
using model::ClusterType;

std::pair<std::string, std::string> SplitKey(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

model::LabelSelector BundleSelector(const std::string& ns, const std::string& name) {
  return *model::LabelSelector::Parse(
      fmt::format("{}={},{}={}", kBundleNameLabel, name, kBundleNamespaceLabel, ns));
}

bool SelectorMatches(const Json& selector, const Json& labels) {
  auto sel = model::LabelSelector::FromJson(selector);
  return sel.ok() && sel->Matches(labels);
}

}  // namespace

std::string ClusterNamespace(const std::string& cluster_ns, const std::string& cluster_name) {
  std::string ns = "cluster-" + cluster_ns + "-" + cluster_name;
  if (ns.size() > 63) ns = ns.substr(0, 50) + "-" + Sha256Hex(ns).substr(0, 12);
  return ns;
}

std::string DeploymentId(const Json& bundle) {
  const Json& spec = bundle["spec"];
  Json options = {{"defaultNamespace", spec.value("defaultNamespace", "")},
                  {"targetNamespace", spec.value("targetNamespace", "")}};
  return "s-" + render::ResourcesHash(spec.value("resources", Json::array())) + ":" +
         Sha256Hex(options.dump());
}

bool Targets(store::Store& store, const Json& bundle, const Json& cluster) {
  const Json& spec = bundle["spec"];
  if (!spec.contains("targets") || !spec["targets"].is_array() || spec["targets"].empty())
    return true;
  const Json labels = cluster["metadata"].value("labels", Json::object());
  const std::string cname = store::NameOf(cluster);
  for (const Json& t : spec["targets"]) {
    if (!t.is_object()) continue;
    bool any = false, ok = true;
    if (t.contains("clusterName") && t["clusterName"].is_string()) {
      any = true;
      ok = ok && t["clusterName"] == cname;
    }
    if (t.contains("clusterSelector") && !t["clusterSelector"].is_null()) {
      any = true;
      ok = ok && SelectorMatches(t["clusterSelector"], labels);
    }
    bool group_rule = (t.contains("clusterGroup") && t["clusterGroup"].is_string()) ||
                      (t.contains("clusterGroupSelector") && !t["clusterGroupSelector"].is_null());
    if (group_rule) {
      any = true;
      bool in_group = false;
      store::ListOptions lo;
      lo.ns = store::NamespaceOf(bundle);
      auto groups = store.List(ClusterGroupType(), lo);
      if (groups.ok()) {
        for (const Json& g : groups->items) {
          if (t.contains("clusterGroup") && t["clusterGroup"].is_string() &&
              t["clusterGroup"] != store::NameOf(g))
            continue;
          if (t.contains("clusterGroupSelector") && !t["clusterGroupSelector"].is_null() &&
              !SelectorMatches(t["clusterGroupSelector"],
                               g["metadata"].value("labels", Json::object())))
            continue;
          const Json gsel = g.contains("spec") ? g["spec"].value("selector", Json()) : Json();
          if (SelectorMatches(gsel, labels)) in_group = true;
        }
      }
      ok = ok && in_group;
    }
    if (any && ok) return true;
  }
  return false;
}

queue::Result BundleController::Cleanup(const std::string& ns, const std::string& name) {
  store::ListOptions lo;
  lo.labels = BundleSelector(ns, name);
  auto bds = store_.List(BundleDeploymentType(), lo);
  if (!bds.ok()) return {false, {}, bds.status()};
  for (const Json& bd : bds->items) {
    auto d = store_.Delete(BundleDeploymentType(), store::NamespaceOf(bd), store::NameOf(bd));
    if (!d.ok() && d.status().code() != StatusCode::kNotFound) return {false, {}, d.status()};
  }
  return {};
}

queue::Result BundleController::Reconcile(const std::string& key) {
  auto [ns, name] = SplitKey(key);
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

  const std::string deployment_id = DeploymentId(bundle);
  const Json bundle_labels = bundle["metadata"].value("labels", Json::object());
  std::set<std::string> wanted;  // "bdns/bdname"
  for (const Json& cluster : clusters->items) {
    if (!Targets(store_, bundle, cluster)) continue;
    std::string cname = store::NameOf(cluster);
    std::string bd_ns = ClusterNamespace(ns, cname);
    wanted.insert(bd_ns + "/" + name);
    Json labels = bundle_labels;
    labels[kBundleNameLabel] = name;
    labels[kBundleNamespaceLabel] = ns;
    labels[kClusterLabel] = cname;
    labels[kClusterNamespaceLabel] = ns;
    Json spec = {{"deploymentID", deployment_id},
                 {"stagedDeploymentID", deployment_id},
                 {"options",
                  {{"defaultNamespace", bundle["spec"].value("defaultNamespace", "")},
                   {"targetNamespace", bundle["spec"].value("targetNamespace", "")}}},
                 {"paused", bundle["spec"].value("paused", false)}};
    auto existing = store_.Get(BundleDeploymentType(), bd_ns, name);
    if (!existing.ok()) {
      if (existing.status().code() != StatusCode::kNotFound) return {false, {}, existing.status()};
      Json bd = {{"apiVersion", BundleDeploymentType().ApiVersion()},
                 {"kind", "BundleDeployment"},
                 {"metadata", {{"name", name}, {"namespace", bd_ns}, {"labels", labels}}},
                 {"spec", spec}};
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
  }

  // Remove deployments to clusters no longer targeted; summarise the rest.
  store::ListOptions lo;
  lo.labels = BundleSelector(ns, name);
  auto bds = store_.List(BundleDeploymentType(), lo);
  if (!bds.ok()) return {false, {}, bds.status()};
  int ready = 0, total = 0;
  for (const Json& bd : bds->items) {
    if (!wanted.count(store::ObjectKey(bd))) {
      auto d = store_.Delete(BundleDeploymentType(), store::NamespaceOf(bd), store::NameOf(bd));
      if (!d.ok() && d.status().code() != StatusCode::kNotFound) return {false, {}, d.status()};
      continue;
    }
    total++;
    const Json st = bd.value("status", Json::object());
    if (st.value("ready", false) && st.value("appliedDeploymentID", "") == deployment_id) ready++;
  }
  auto r = store::Mutate(store_, BundleType(), ns, name, true, [&](Json& b) {
    Json before = b.value("status", Json::object());
    Json st = before;
    st["display"]["readyClusters"] = fmt::format("{}/{}", ready, total);
    st["summary"] = {{"desiredReady", total}, {"ready", ready}};
    st["observedGeneration"] = b["metadata"].value("generation", 0);
    bool all = ready == total;
    Json cond = {
        {"type", "Ready"},
        {"status", all ? "True" : "False"},
        {"message", all ? "" : fmt::format("{}/{} BundleDeployments ready", ready, total)}};
    st["conditions"] = Json::array({cond});
    if (st == before) return false;
    b["status"] = st;
    return true;
  });
  if (!r.ok() && r.status().code() != StatusCode::kNotFound) return {false, {}, r.status()};
  return {};
}

}  // namespace flotilla::target
