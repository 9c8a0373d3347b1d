#include "model/resource_type.h"

namespace flotilla::model {
namespace {

constexpr const char* kFleet = "fleet.cattle.io";
constexpr const char* kFleetVersion = "v1alpha1";

ResourceType MakeGitRepo() {
  return {kFleet,
          kFleetVersion,
          "GitRepo",
          "gitrepos",
          "gitrepo",
          {},
          true,
          true,
          {{"Repo", "string", "spec.repo", 0},
           {"Commit", "string", "status.commit", 0},
           {"BundleDeployments-Ready", "string", "status.display.readyBundleDeployments", 0},
           {"Status", "string", "status.conditions[Ready].message", 0},
           {"Ready", "string", "status.conditions[Ready].status", 1},
           {"Polled", "string", "status.pollingCommit", 1},
           {"Age", "date", "", 0}}};
}

ResourceType MakeBundle() {
  return {kFleet,
          kFleetVersion,
          "Bundle",
          "bundles",
          "bundle",
          {},
          true,
          true,
          {{"BundleDeployments-Ready", "string", "status.display.readyClusters", 0},
           {"Status", "string", "status.conditions[Ready].message", 0},
           {"Commit", "string", "metadata.labels.fleet\\.cattle\\.io/commit", 1},
           {"Age", "date", "", 0}}};
}

ResourceType MakeBundleDeployment() {
  return {kFleet,
          kFleetVersion,
          "BundleDeployment",
          "bundledeployments",
          "bundledeployment",
          {},
          true,
          true,
          {{"Deployed", "string", "status.display.deployed", 0},
           {"Monitored", "string", "status.display.monitored", 0},
           {"Status", "string", "status.display.state", 0},
           {"Applied", "string", "status.appliedDeploymentID", 1},
           {"Age", "date", "", 0}}};
}

ResourceType MakeCluster() {
  return {kFleet,
          kFleetVersion,
          "Cluster",
          "clusters",
          "cluster",
          {},
          true,
          true,
          {{"Bundles-Ready", "string", "status.display.readyBundles", 0},
           {"Last-Seen", "string", "status.agent.lastSeen", 0},
           {"Status", "string", "status.display.state", 0},
           {"Age", "date", "", 0}}};
}

ResourceType MakeClusterGroup() {
  return {kFleet,
          kFleetVersion,
          "ClusterGroup",
          "clustergroups",
          "clustergroup",
          {},
          true,
          true,
          {{"Clusters-Ready", "string", "status.display.readyClusters", 0},
           {"Bundles-Ready", "string", "status.display.readyBundles", 0},
           {"Status", "string", "status.display.state", 0},
           {"Age", "date", "", 0}}};
}

ResourceType MakeSecret() {
  return {"",        "v1",     "Secret",
          "secrets", "secret", {},
          true,      false,    {{"Type", "string", "type", 0}, {"Age", "date", "", 0}}};
}

ResourceType MakeConfigMap() {
  return {"",           "v1",        "ConfigMap",
          "configmaps", "configmap", {"cm"},
          true,         false,       {{"Age", "date", "", 0}}};
}

ResourceType MakeNamespace() {
  return {
      "",           "v1",        "Namespace",
      "namespaces", "namespace", {"ns"},
      false,        true,        {{"Status", "string", "status.phase", 0}, {"Age", "date", "", 0}}};
}

ResourceType MakeEvent() {
  return {"",
          "v1",
          "Event",
          "events",
          "event",
          {"ev"},
          true,
          false,
          {{"Last Seen", "string", "lastTimestamp", 0},
           {"Type", "string", "type", 0},
           {"Reason", "string", "reason", 0},
           {"Object", "string", "involvedObject.name", 0},
           {"Message", "string", "message", 0}}};
}

ResourceType MakeClusterRegistrationToken() {
  return {kFleet,
          kFleetVersion,
          "ClusterRegistrationToken",
          "clusterregistrationtokens",
          "clusterregistrationtoken",
          {},
          true,
          true,
          {{"Secret-Name", "string", "status.secretName", 0},
           {"Expires", "string", "status.expires", 0},
           {"Age", "date", "", 0}}};
}

ResourceType MakeClusterRegistration() {
  return {kFleet,
          kFleetVersion,
          "ClusterRegistration",
          "clusterregistrations",
          "clusterregistration",
          {},
          true,
          true,
          {{"Cluster-Name", "string", "status.clusterName", 0},
           {"Labels", "string", "spec.clusterLabels", 0},
           {"Granted", "string", "status.granted", 0},
           {"Age", "date", "", 0}}};
}

ResourceType MakeContent() {
  return {kFleet, kFleetVersion,           "Content", "contents", "content", {}, false,
          false,  {{"Age", "date", "", 0}}};
}

ResourceType MakeServiceAccount() {
  return {"",   "v1",  "ServiceAccount",        "serviceaccounts", "serviceaccount", {"sa"},
          true, false, {{"Age", "date", "", 0}}};
}

constexpr const char* kRbac = "rbac.authorization.k8s.io";

ResourceType MakeRole() {
  return {kRbac, "v1", "Role", "roles", "role", {}, true, false, {{"Age", "date", "", 0}}};
}

ResourceType MakeClusterRole() {
  return {kRbac, "v1",  "ClusterRole", "clusterroles",          "clusterrole",
          {},    false, false,         {{"Age", "date", "", 0}}};
}

ResourceType MakeRoleBinding() {
  return {kRbac,
          "v1",
          "RoleBinding",
          "rolebindings",
          "rolebinding",
          {},
          true,
          false,
          {{"Role", "string", "roleRef.name", 0}, {"Age", "date", "", 0}}};
}

ResourceType MakeClusterRoleBinding() {
  return {kRbac,
          "v1",
          "ClusterRoleBinding",
          "clusterrolebindings",
          "clusterrolebinding",
          {},
          false,
          false,
          {{"Role", "string", "roleRef.name", 0}, {"Age", "date", "", 0}}};
}

// coordination.k8s.io/v1 Lease: the leader election record of several server replicas
// (spec.holderIdentity, leaseDurationSeconds, acquireTime, renewTime, leaseTransitions).
ResourceType MakeLease() {
  return {"coordination.k8s.io",
          "v1",
          "Lease",
          "leases",
          "lease",
          {},
          true,
          false,
          {{"Holder", "string", "spec.holderIdentity", 0}, {"Age", "date", "", 0}}};
}

}  // namespace

#define FLOTILLA_TYPE(fn, maker)           \
  const ResourceType& fn() {               \
    static const ResourceType t = maker(); \
    return t;                              \
  }
FLOTILLA_TYPE(GitRepoType, MakeGitRepo)
FLOTILLA_TYPE(BundleType, MakeBundle)
FLOTILLA_TYPE(BundleDeploymentType, MakeBundleDeployment)
FLOTILLA_TYPE(ClusterType, MakeCluster)
FLOTILLA_TYPE(ClusterGroupType, MakeClusterGroup)
FLOTILLA_TYPE(SecretType, MakeSecret)
FLOTILLA_TYPE(ConfigMapType, MakeConfigMap)
FLOTILLA_TYPE(NamespaceType, MakeNamespace)
FLOTILLA_TYPE(EventType, MakeEvent)
FLOTILLA_TYPE(ClusterRegistrationTokenType, MakeClusterRegistrationToken)
FLOTILLA_TYPE(ClusterRegistrationType, MakeClusterRegistration)
FLOTILLA_TYPE(ContentType, MakeContent)
FLOTILLA_TYPE(ServiceAccountType, MakeServiceAccount)
FLOTILLA_TYPE(RoleType, MakeRole)
FLOTILLA_TYPE(ClusterRoleType, MakeClusterRole)
FLOTILLA_TYPE(RoleBindingType, MakeRoleBinding)
FLOTILLA_TYPE(ClusterRoleBindingType, MakeClusterRoleBinding)
FLOTILLA_TYPE(LeaseType, MakeLease)
#undef FLOTILLA_TYPE

const std::vector<const ResourceType*>& AllTypes() {
  static const std::vector<const ResourceType*> all = {&GitRepoType(),
                                                       &BundleType(),
                                                       &BundleDeploymentType(),
                                                       &ClusterType(),
                                                       &ClusterGroupType(),
                                                       &SecretType(),
                                                       &ConfigMapType(),
                                                       &NamespaceType(),
                                                       &EventType(),
                                                       &ClusterRegistrationTokenType(),
                                                       &ClusterRegistrationType(),
                                                       &ContentType(),
                                                       &ServiceAccountType(),
                                                       &RoleType(),
                                                       &ClusterRoleType(),
                                                       &RoleBindingType(),
                                                       &ClusterRoleBindingType(),
                                                       &LeaseType()};
  return all;
}

const ResourceType* FindByPlural(std::string_view group, std::string_view version,
                                 std::string_view plural) {
  for (const ResourceType* t : AllTypes())
    if (t->group == group && t->version == version && t->plural == plural) return t;
  return nullptr;
}

const ResourceType* FindByKind(std::string_view api_version, std::string_view kind) {
  for (const ResourceType* t : AllTypes())
    if (t->ApiVersion() == api_version && t->kind == kind) return t;
  return nullptr;
}

}  // namespace flotilla::model
