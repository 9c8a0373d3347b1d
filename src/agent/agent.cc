#include "agent/agent.h"

#include <fmt/format.h>

#include "agent/values_from.h"
#include "core/log.h"
#include "core/time.h"
#include "model/cluster_status.h"
#include "model/conditions.h"
#include "model/content.h"
#include "model/keys.h"
#include "model/names.h"
#include "render/bundles/bundles.h"

namespace flotilla::agent {
namespace {

using model::BundleDeploymentType;

// Makes the conditions of BundleDeployment status `st` exactly `types` (in that order), each
// `ok` with `message`; a condition that does not change keeps its timestamps.
void SetConditions(Json& st, std::initializer_list<const char*> types, bool ok,
                   const std::string& message) {
  Json kept = Json::array();
  for (const char* t : types)
    if (const Json* c = model::FindCondition(st, t)) kept.push_back(*c);
  st["conditions"] = std::move(kept);
  for (const char* t : types) model::SetCondition(st, t, ok, "", message);
}

}  // namespace

Agent::Agent(store::Store& store, Applier& applier, AgentOptions options)
    : store_(store),
      applier_(applier),
      options_(std::move(options)),
      deployment_ns_(model::ClusterNamespace(options_.cluster_namespace, options_.cluster_name)) {}

queue::Result Agent::Remove(const std::string& ns, const std::string& name, bool has_finalizer) {
  std::string id = ns + "/" + name;
  Status s = applier_.Remove(id);
  if (!s.ok()) {
    log::Warn("remove failed", {{"bundledeployment", id}, {"error", s.message()}});
    return {false, {}, s};
  }
  if (has_finalizer) {
    auto r =
        store::RemoveFinalizer(store_, BundleDeploymentType(), ns, name, model::kAgentFinalizer);
    if (!r.ok() && r.status().code() != StatusCode::kNotFound) return {false, {}, r.status()};
  }
  log::Info("bundle deployment removed", {{"bundledeployment", id}});
  return {};
}

Status Agent::ReportError(const std::string& ns, const std::string& name, const Status& error) {
  auto r = store::Mutate(store_, BundleDeploymentType(), ns, name, true, [&](Json& bd) {
    Json before = bd.value("status", Json::object());
    Json st = before;
    st["ready"] = false;
    st["display"] = {{"deployed", "Error"},
                     {"monitored", "No"},
                     {"state", "ErrApplied"},
                     {"message", error.message()}};
    SetConditions(st, {"Deployed", "Ready"}, false, error.message());
    // Keep timestamps stable when nothing else changed, to avoid write loops.
    if (before.contains("display") && before["display"] == st["display"]) return false;
    bd["status"] = st;
    return true;
  });
  return r.ok() ? Status::Ok() : r.status();
}

queue::Result Agent::Fail(const std::string& ns, const std::string& name, const Status& error) {
  // The failure is the error retried with backoff; a failed report of it is logged and written
  // on that retry (the next attempt reports again).
  Status reported = ReportError(ns, name, error);
  if (!reported.ok())
    log::Warn("status report failed",
              {{"bundledeployment", ns + "/" + name}, {"error", reported.ToString()}});
  return {false, {}, error};
}

queue::Result Agent::Reconcile(const std::string& key) {
  auto [ns, name] = store::SplitKey(key);
  const std::string id = key;
  auto got = store_.Get(BundleDeploymentType(), ns, name);
  if (!got.ok()) {
    if (got.status().code() == StatusCode::kNotFound) return Remove(ns, name, false);
    return {false, {}, got.status()};
  }
  Json bd = std::move(*got);
  if (bd["metadata"].contains("deletionTimestamp"))
    return Remove(ns, name, store::HasFinalizer(bd, model::kAgentFinalizer));
  if (!store::HasFinalizer(bd, model::kAgentFinalizer)) {
    auto r = store::AddFinalizer(store_, BundleDeploymentType(), ns, name, model::kAgentFinalizer);
    if (!r.ok()) return {false, {}, r.status()};
    bd = std::move(*r);
  }
  const Json& spec = bd["spec"];
  const std::string deployment_id = spec.value("deploymentID", "");
  if (spec.value("paused", false)) return {};

  const Json labels = bd["metadata"].value("labels", Json::object());
  const std::string bundle_name = labels.value(model::kBundleNameLabel, "");
  const std::string content_name = model::ContentName(deployment_id);
  if (content_name.empty()) return Fail(ns, name, InvalidArgument("spec.deploymentID is empty"));
  auto content = store_.Get(model::ContentType(), "", content_name);
  if (!content.ok()) {
    // Only the deletion of this BundleDeployment removes what it deployed. A Content that is
    // gone was released because this deployment moved on (its new version wakes us) or is
    // about to be created; any other error is transient: retry with backoff, leave the
    // workloads alone.
    if (content.status().code() == StatusCode::kNotFound)
      return {false, std::chrono::seconds(1), Status::Ok()};
    return {false, {}, content.status().WithContext("reading content " + content_name)};
  }
  auto manifests = model::ContentResources(*content);
  if (!manifests.ok()) return Fail(ns, name, manifests.status());
  const Json options = spec.value("options", Json::object());

  auto resolved = ResolveValuesFrom(store_, options);  // helm.valuesFrom, from this cluster
  if (!resolved.ok()) return Fail(ns, name, resolved.status());
  render::ManifestOptions mo = render::ManifestOptionsFrom(*resolved);
  mo.release_name = bundle_name;
  auto objects = render::ParseManifests(*manifests, mo);
  if (!objects.ok()) return Fail(ns, name, objects.status());
  ApplyOptions ao;
  ao.keep_resources = options.value("keepResources", false);
  auto applied = applier_.Apply(id, *objects, ao);
  if (!applied.ok()) {
    log::Warn("apply failed", {{"bundledeployment", id},
                               {"commit", labels.value(model::kCommitLabel, "")},
                               {"error", applied.status().message()}});
    return Fail(ns, name, applied.status());
  }

  Json resources = Json::array();
  for (const Json& o : *objects)
    resources.push_back({{"apiVersion", o["apiVersion"]},
                         {"kind", o["kind"]},
                         {"name", o["metadata"]["name"]},
                         {"namespace", o["metadata"].value("namespace", "")}});
  auto r = store::Mutate(store_, BundleDeploymentType(), ns, name, true, [&](Json& cur) {
    Json before = cur.value("status", Json::object());
    if (before.value("appliedDeploymentID", "") == deployment_id && before.value("ready", false) &&
        before.value("resources", Json()) == resources)
      return false;
    Json st = before;
    st["appliedDeploymentID"] = deployment_id;
    st["ready"] = true;
    st["nonModified"] = true;
    st["resources"] = resources;
    st["display"] = {
        {"deployed", "Yes"}, {"monitored", "Yes"}, {"state", "Ready"}, {"message", ""}};
    SetConditions(st, {"Deployed", "Monitored", "Ready"}, true, "");
    cur["status"] = st;
    return true;
  });
  if (!r.ok()) {
    // Applied but not reported: the error retries the whole reconcile (Apply is idempotent),
    // so the report is written on a later attempt.
    log::Warn("status report failed", {{"bundledeployment", id}, {"error", r.status().ToString()}});
    return {false, {}, r.status().WithContext("reporting status")};
  }
  if (!applied->pruned.empty() || applied->objects > 0)
    log::Debug("applied", {{"bundledeployment", id},
                           {"commit", labels.value(model::kCommitLabel, "")},
                           {"objects", std::to_string(applied->objects)},
                           {"pruned", std::to_string(applied->pruned.size())}});
  return {};
}

controller::Queue& Agent::Register(controller::Manager& manager, int workers,
                                   const std::string& name) {
  controller::Queue& q = manager.AddController(
      {.name = name, .workers = workers, .reconcile = [this](const std::string& key) {
         return Reconcile(key);
       }});
  manager.Watch(BundleDeploymentType(),
                [this, &q](const store::WatchEvent& ev) {
                  if (spec_changes_.ShouldEnqueue(ev)) q.Add(store::ObjectKey(ev.object));
                },
                {.ns = deployment_ns_});
  return q;
}

Status Agent::Heartbeat() {
  auto r = store::Mutate(store_, model::ClusterType(), options_.cluster_namespace,
                         options_.cluster_name, true, [&](Json& c) {
                           model::CheckIn(c, Clock::now(), deployment_ns_);
                           return true;
                         });
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace flotilla::agent
