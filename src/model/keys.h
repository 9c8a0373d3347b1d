// The label and finalizer keys of Fleet's object model (fleet.cattle.io), written once: the
// controllers set them, the agent and the CLI select by them, and a remote agent must agree.
#pragma once

namespace flotilla::model {

// On Bundles: the GitRepo they were rendered from, and the commit they were rendered at.
inline constexpr const char* kRepoNameLabel = "fleet.cattle.io/repo-name";
inline constexpr const char* kCommitLabel = "fleet.cattle.io/commit";

// On BundleDeployments: the Bundle they deploy and the Cluster they deploy it to.
inline constexpr const char* kBundleNameLabel = "fleet.cattle.io/bundle-name";
inline constexpr const char* kBundleNamespaceLabel = "fleet.cattle.io/bundle-namespace";
inline constexpr const char* kClusterLabel = "fleet.cattle.io/cluster";
inline constexpr const char* kClusterNamespaceLabel = "fleet.cattle.io/cluster-namespace";
// On BundleDeployments: the Content holding their resources (model/content.h).
inline constexpr const char* kContentNameLabel = "fleet.cattle.io/content-name";

// Finalizers: a GitRepo keeps its Bundles until they are deleted; a BundleDeployment keeps its
// workloads until its agent has removed them.
inline constexpr const char* kGitRepoFinalizer = "fleet.cattle.io/gitrepo-finalizer";
inline constexpr const char* kAgentFinalizer = "fleet.cattle.io/bundle-deployment-finalizer";

}  // namespace flotilla::model
