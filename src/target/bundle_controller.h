// Targeting: Bundle -> one BundleDeployment per matching Cluster. A Bundle's targets (from its
// GitRepo's spec.targets) select Clusters in the Bundle's namespace by clusterName,
// clusterSelector, clusterGroup or clusterGroupSelector; a Bundle without targets goes to every
// Cluster of its namespace (fleet-local holds the built-in `local` cluster). BundleDeployments
// live in the cluster's namespace (model::ClusterNamespace), which is what an agent may read.
// The labels, names and deployment IDs it writes are the object model's (src/model).
// Level-triggered: Reconcile computes the full wanted set and converges to it.
//
// Content: before a BundleDeployment names a deploymentID, the Content it names exists (one per
// distinct set of resources, model/content.h), so agents read manifests by ID and never Bundles.
// A Content that no BundleDeployment references any more is deleted by CollectContent; never one
// still referenced (see there).
#pragma once

#include <array>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "controller/manager.h"
#include "core/json.h"
#include "queue/worker_pool.h"
#include "store/store.h"

namespace flotilla::target {

// The BundleDeploymentOptions `bundle` deploys to `cluster` with, or nullopt if the cluster is
// not targeted. As Fleet: the cluster must match a targetRestriction (when there are any) and a
// target; the options are the bundle's merged with the first matching target's (all matching
// targets', in order, with targetCustomizationMode AllMatches); a first match with doNotDeploy
// deploys nothing. A bundle without targets goes to every cluster of its namespace.
// Errors (the ClusterGroups could not be listed) are errors, never "not targeted": only the
// desired state may take a cluster out of a bundle's targets.
StatusOr<std::optional<Json>> ClusterOptions(store::Store& store, const Json& bundle,
                                             const Json& cluster);

// Whether `target` (one of a Bundle's spec.targets or targetRestrictions, in namespace `ns`)
// selects `cluster`; what ClusterOptions decides with (`flotilla test` names the match with it).
StatusOr<bool> MatchesTarget(store::Store& store, const std::string& ns, const Json& target,
                             const Json& cluster);

// Whether `cluster` is selected by `bundle`.
StatusOr<bool> Targets(store::Store& store, const Json& bundle, const Json& cluster);

// A Cluster or ClusterGroup of namespace `ns` changed: every Bundle of `ns` may target
// differently now, so each is handed to `add` (the Bundle queue). A failed list is returned as
// the error, so the caller's queue retries it with backoff and no trigger is lost.
queue::Result RetargetNamespace(store::Store& store, const std::string& ns,
                                const std::function<void(const std::string&)>& add);

class BundleController {
 public:
  // `content_released` (optional) is told the name of each Content a BundleDeployment stopped
  // referencing (it moved to other resources, or was deleted): the caller queues it for
  // CollectContent. Called without locks held, from Reconcile's thread.
  explicit BundleController(store::Store& store,
                            std::function<void(const std::string&)> content_released = {})
      : store_(store), content_released_(std::move(content_released)) {}
  queue::Result Reconcile(const std::string& key);  // "namespace/name" of a Bundle

  // Deletes Content `name` if no BundleDeployment (other than ones being deleted, which need no
  // manifests to be removed) names it. Never deletes one still referenced: Reconcile holds the
  // Content's lock from making sure it exists until its BundleDeployments are written, and this
  // holds it from listing the references until the delete, so a reference cannot appear in
  // between. (One process runs the controllers, as DESIGN.md's Lease ensures.) A failed list or
  // delete is returned for a retry with backoff. Thread-safe.
  queue::Result CollectContent(const std::string& name);

  // Registers with `manager` the controllers of targeting:
  //  - "bundle" (`workers` workers), key "namespace/name" of a Bundle: queued when the Bundle
  //    or one of its BundleDeployments changes, and by "retarget";
  //  - "retarget", key a namespace: queued when a ClusterGroup of the namespace changes, or what
  //    targeting and readiness read of a Cluster (labels, spec, offline or not; not a check-in);
  //    its reconcile queues every Bundle of the namespace (RetargetNamespace);
  //  - "content", key a Content's name: queued when a BundleDeployment naming it is deleted or
  //    stops naming it, and for every Content at each start and every 10 minutes (a release
  //    missed across a restart is collected then); its reconcile is CollectContent.
  // The content_released callback becomes the "content" queue. REQUIRES: before the manager
  // starts; this controller outlives it.
  void Register(controller::Manager& manager, int workers);

 private:
  queue::Result Cleanup(const std::string& ns, const std::string& name);
  void Released(const Json& bd, const std::string& still_used);
  std::mutex& ContentLock(const std::string& name);

  store::Store& store_;
  std::function<void(const std::string&)> content_released_;
  std::array<std::mutex, 64> content_locks_;  // striped by content name
  std::mutex cluster_seen_mu_;
  // Cluster key -> what targeting read of it last (Register's Cluster watch).
  std::map<std::string, std::string> cluster_seen_;  // GUARDED_BY(cluster_seen_mu_)
};

}  // namespace flotilla::target
