// Targeting: Bundle -> one BundleDeployment per matching Cluster. A Bundle's targets (from its
// GitRepo's spec.targets) select Clusters in the Bundle's namespace by clusterName,
// clusterSelector, clusterGroup or clusterGroupSelector; a Bundle without targets goes to every
// Cluster of its namespace (fleet-local holds the built-in `local` cluster). BundleDeployments
// live in the cluster's namespace (model::ClusterNamespace), which is what an agent may read.
// The labels, names and deployment IDs it writes are the object model's (src/model).
// Level-triggered: Reconcile computes the full wanted set and converges to it.
#pragma once

#include <functional>
#include <optional>
#include <string>

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
  explicit BundleController(store::Store& store) : store_(store) {}
  queue::Result Reconcile(const std::string& key);  // "namespace/name" of a Bundle

 private:
  queue::Result Cleanup(const std::string& ns, const std::string& name);
  store::Store& store_;
};

}  // namespace flotilla::target
