// The built-in ClusterRoles the server bootstraps at start (rbac.authorization.k8s.io/v1), and
// the identities Kubernetes treats specially. Bind them with RoleBindings / ClusterRoleBindings
// like any other ClusterRole: the agent and registration roles are meant to be bound with a
// RoleBinding in one namespace (the cluster's namespace, the registration namespace), which
// limits them to that namespace.
#pragma once

#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "store/store.h"

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
// A built-in role or binding annotated "false" here is never reconciled (Kubernetes' rule).
inline constexpr const char* kAutoupdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate";

// Every authenticated user may use discovery (/api, /apis, /version, /openapi; as Kubernetes'
// system:discovery) and ask what it may do (SelfSubjectAccessReview; system:basic-user): both
// ClusterRoles are bound to system:authenticated by ClusterRoleBindings of the same name.
inline constexpr const char* kDiscoveryRole = "system:discovery";
inline constexpr const char* kBasicUserRole = "system:basic-user";

// The built-in ClusterRoles and ClusterRoleBindings as stored objects.
std::vector<Json> DefaultClusterRoles();
std::vector<Json> DefaultClusterRoleBindings();

// Creates the built-in roles and bindings that are missing, and reconciles the existing ones as
// Kubernetes' RBAC bootstrap does: rules (and binding subjects) a built-in object lacks are
// added back; what a user added is kept; nothing is ever removed; an object annotated
// rbac.authorization.kubernetes.io/autoupdate: "false" is left alone. Called at server start.
Status BootstrapRoles(store::Store& store);

}  // namespace flotilla::auth
