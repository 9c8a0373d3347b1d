// The kinds flotilla serves: their API group/version, names, scope and the columns `kubectl get`
// shows. One registry, used by the API server (discovery, routing, Table output) and the store.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flotilla::model {

// A column of `kubectl get` output. `json_path` is a dotted path into the object, e.g.
// "status.display.readyBundleDeployments"; an empty path means the object's age.
struct PrinterColumn {
  std::string name;
  std::string type;  // "string", "integer", "date"
  std::string json_path;
  int priority = 0;  // 0 = shown by default, 1 = only with -o wide
};

struct ResourceType {
  std::string group;    // "fleet.cattle.io", or "" for the core group
  std::string version;  // "v1alpha1", "v1"
  std::string kind;     // "GitRepo"
  std::string plural;   // "gitrepos"
  std::string singular;
  std::vector<std::string> short_names;
  bool namespaced = true;
  bool has_status = true;
  std::vector<PrinterColumn> columns;

  // "fleet.cattle.io/v1alpha1", or "v1" for the core group.
  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  std::string ListKind() const { return kind + "List"; }
};

// Every served type, in a stable order.
const std::vector<const ResourceType*>& AllTypes();

// Well-known types.
const ResourceType& GitRepoType();
const ResourceType& BundleType();
const ResourceType& BundleDeploymentType();
const ResourceType& ClusterType();
const ResourceType& ClusterGroupType();
const ResourceType& SecretType();
const ResourceType& ConfigMapType();
const ResourceType& NamespaceType();
const ResourceType& EventType();
// Fleet's registration and content kinds.
const ResourceType& ClusterRegistrationTokenType();
const ResourceType& ClusterRegistrationType();
const ResourceType& ContentType();  // cluster-scoped: gzipped bundle resources by content ID
// Identity and authorization (core/v1 ServiceAccount, rbac.authorization.k8s.io/v1).
const ResourceType& ServiceAccountType();
const ResourceType& RoleType();
const ResourceType& ClusterRoleType();
const ResourceType& RoleBindingType();
const ResourceType& ClusterRoleBindingType();
// coordination.k8s.io/v1 Lease: leader election among server replicas.
const ResourceType& LeaseType();

// Look-ups; nullptr when unknown.
const ResourceType* FindByPlural(std::string_view group, std::string_view version,
                                 std::string_view plural);
const ResourceType* FindByKind(std::string_view api_version, std::string_view kind);

}  // namespace flotilla::model
