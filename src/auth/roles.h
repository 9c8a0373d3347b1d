// The built-in ClusterRoles the server bootstraps at start (rbac.authorization.k8s.io/v1), and
// the identities Kubernetes treats specially. Bind them with RoleBindings / ClusterRoleBindings
// like any other ClusterRole: the agent and registration roles are meant to be bound with a
// RoleBinding in one namespace (the cluster's namespace, the registration namespace), which
// limits them to that namespace.
#pragma once

namespace flotilla::auth {

// Everything, everywhere (Kubernetes' cluster-admin).
inline constexpr const char* kClusterAdminRole = "cluster-admin";
// All Fleet kinds and core kinds, read and write, including Roles and RoleBindings in a
// namespace; not ClusterRoles or ClusterRoleBindings (no cluster-wide escalation).
inline constexpr const char* kAdminRole = "admin";
// As admin, without any RBAC kind.
inline constexpr const char* kEditRole = "edit";
// get/list/watch of everything except Secrets ("view (no Secret data)").
inline constexpr const char* kViewRole = "view";
// A cluster's agent, bound with a RoleBinding in its cluster namespace: get/list/watch
// bundledeployments, update/patch bundledeployments/status, get secrets and configmaps.
inline constexpr const char* kBundleDeploymentAgentRole = "fleet-bundledeployment-agent";
// get contents (no list/watch: content names are sha256 ids, known only to those who hold a
// BundleDeployment naming them). Bound with a ClusterRoleBinding (contents are cluster-scoped).
inline constexpr const char* kContentReaderRole = "fleet-content-reader";
// A registration token's holder, bound with a RoleBinding in the registration namespace:
// create and get clusterregistrations, get secrets.
inline constexpr const char* kRegistrationRole = "fleet-registration";

// Members of this group may do anything, whatever the bindings say (as in Kubernetes).
inline constexpr const char* kSystemMastersGroup = "system:masters";
inline constexpr const char* kAuthenticatedGroup = "system:authenticated";
inline constexpr const char* kServiceAccountsGroup = "system:serviceaccounts";
// "system:serviceaccount:NS:NAME" is a ServiceAccount's user name.
inline constexpr const char* kServiceAccountUserPrefix = "system:serviceaccount:";

// Label on the built-in roles (Kubernetes' bootstrapping label).
inline constexpr const char* kBootstrapLabel = "kubernetes.io/bootstrapping";
inline constexpr const char* kBootstrapLabelValue = "rbac-defaults";

}  // namespace flotilla::auth
