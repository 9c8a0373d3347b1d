// The seam between the agent and a cluster: an Applier makes a cluster hold exactly the objects of
// one BundleDeployment. Implementations: directory/ (the embedded default: one YAML file per
// object under --apply-dir) and, later, kubernetes/ (server-side apply). Chosen in one place at
// start-up.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace flotilla::agent {

struct ApplyOptions {
  // Fleet's keepResources: objects are never deleted on this deployment's behalf. Objects that
  // leave the set are released (no longer owned) but left in place, and a later Remove() of the
  // deployment leaves its objects too (the value of the last successful Apply counts).
  bool keep_resources = false;
};

struct ApplyResult {
  // sha256 (hex) over the canonical serialisation of the applied objects; equal sets of objects
  // give equal hashes, whatever their order.
  std::string applied_hash;
  int objects = 0;
  // The objects removed by this Apply, e.g. "ConfigMap default/app-config".
  std::vector<std::string> pruned;
};

// Applies BundleDeployments' objects into a cluster. Thread-safe: calls for different deployments
// may run concurrently; calls for one deployment are serialised.
class Applier {
 public:
  virtual ~Applier() = default;

  // Makes the cluster hold exactly `objects` (each with apiVersion, kind, metadata.name and, for
  // namespaced kinds, metadata.namespace already resolved) for `deployment_id` (e.g.
  // "ns/bd-name"): creates/updates them, and prunes the objects this deployment applied before
  // that are no longer in the set (unless keep_resources). Idempotent; crash-safe: after a kill -9
  // at any point, calling Apply again (with these or other objects) or Remove converges.
  // Errors: InvalidArgument for a malformed or unsafe object (nothing is changed), AlreadyExists
  // when another deployment owns one of the objects (naming both deployments).
  virtual StatusOr<ApplyResult> Apply(const std::string& deployment_id,
                                      const std::vector<Json>& objects,
                                      const ApplyOptions& options) = 0;

  // Removes everything `deployment_id` applied (its BundleDeployment was deleted). OK if it has
  // nothing applied.
  virtual Status Remove(const std::string& deployment_id) = 0;
};

}  // namespace flotilla::agent
