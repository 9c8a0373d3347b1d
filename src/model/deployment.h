// BundleDeploymentOptions and deployment IDs: what a Bundle deploys to a Cluster, and the name
// under which the controller and the agent agree on it. Both sides compute the ID from the
// Bundle, so the agent can tell whether the BundleDeployment it holds is current.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"

namespace flotilla::model {

// Names of the BundleDeploymentOptions fields (of a fleet.yaml, a targetCustomization, a Bundle
// spec or a target).
const std::vector<std::string>& DeploymentOptionFields();

// The BundleDeploymentOptions fields of a Bundle spec (or a target), as an object; null fields
// are left out.
Json DeploymentOptions(const Json& spec_or_target);

// Fleet's merge of a target customization's options over the bundle's: maps merge recursively,
// everything else (strings, lists) is replaced.
Json MergeOptions(Json base, const Json& over);

// sha256 over the canonical form of spec.resources: the manifest id of a deployment.
std::string ResourcesHash(const Json& resources);

// "<content ID>:<sha256 of options>", as Fleet's deploymentID: the ID of the Content holding the
// resources (model/content.h: "s-<sha256 of resources>" cut to 63 characters), then the hash of
// the deployment's BundleDeploymentOptions.
std::string DeploymentId(const Json& bundle, const Json& options);

// The BundleDeployment that deploys `bundle` to its namespace's cluster `cluster_name` with
// `options`: named as the Bundle, in ClusterNamespace(bundle namespace, cluster_name), labelled
// with the Bundle's labels plus the bundle, cluster and content keys (model/keys.h), its spec carrying
// the deployment ID (also as stagedDeploymentID), the options, paused and dependsOn.
Json BundleDeploymentFor(const Json& bundle, const std::string& cluster_name, const Json& options);

}  // namespace flotilla::model
