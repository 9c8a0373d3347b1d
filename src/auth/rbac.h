// Kubernetes RBAC (rbac.authorization.k8s.io/v1) evaluated on every request: Roles and
// ClusterRoles hold rules, RoleBindings (to a Role or a ClusterRole, effective only in their own
// namespace) and ClusterRoleBindings (everywhere, and at the cluster scope) grant them to
// subjects (User, Group, ServiceAccount = user "system:serviceaccount:NS:NAME"). Members of
// system:masters may do anything. Rule matching is Kubernetes' (plugin/pkg/auth/authorizer/rbac
// and pkg/apis/rbac/v1/evaluation_helpers.go): "*" for verbs, apiGroups and resources,
// "resource/subresource" and "*/subresource", resourceNames, nonResourceURLs with a trailing "*".
//
// The authorizer never lists the store per request. It keeps an index (bindings by subject,
// roles by name) fed by watches of the four RBAC kinds. Writes to those kinds signal it through
// the watch's wakeup, and the next request applies them before deciding, so a binding created
// or deleted before a request is seen by it (no restart, no polling delay). When the index
// cannot be built or kept (the store fails), every request is denied except system:masters';
// the authorizer retries the store at most once per `retry_interval`.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "auth/authorizer.h"
#include "core/json.h"
#include "core/status.h"
#include "store/store.h"

namespace flotilla::auth {

// One rbac/v1 PolicyRule.
struct PolicyRule {
  std::vector<std::string> verbs;
  std::vector<std::string> api_groups;
  std::vector<std::string> resources;
  std::vector<std::string> resource_names;
  std::vector<std::string> non_resource_urls;

  static PolicyRule FromJson(const Json& rule);
  Json ToJson() const;
  bool operator==(const PolicyRule&) const = default;
};

// Kubernetes' RuleAllows: whether `rule` covers `attributes`.
bool RuleAllows(const RequestAttributes& attributes, const PolicyRule& rule);

// Kubernetes' Forbidden message for a denied request, as the apiserver renders it, e.g.
//   gitrepos.fleet.cattle.io "x" is forbidden: User "u" cannot get resource "gitrepos" in API
//   group "fleet.cattle.io" in the namespace "ns"
//   forbidden: User "u" cannot get path "/metrics"
// `reason`, when not empty, is appended after ": ".
std::string ForbiddenMessage(const std::string& user, const RequestAttributes& attributes,
                             const std::string& reason = "");

// The user's groups plus system:authenticated for an authenticated user (as Kubernetes'
// authenticators add it).
std::vector<std::string> EffectiveGroups(const http::UserInfo& user);

class RbacAuthorizer : public Authorizer {
 public:
  struct Options {
    // How often a failed store is retried at most (requests meanwhile are denied).
    std::chrono::milliseconds retry_interval{1000};
  };

  // Lists Roles, ClusterRoles and their bindings and opens the watches. The store error when
  // the first listing fails. `store` must outlive the authorizer.
  static StatusOr<std::unique_ptr<RbacAuthorizer>> Create(store::Store& store, Options options);
  static StatusOr<std::unique_ptr<RbacAuthorizer>> Create(store::Store& store) {
    return Create(store, Options{});
  }
  ~RbacAuthorizer() override;

  // OK when a rule bound to `user` (or one of its groups) allows `attributes`; kPermissionDenied
  // with ForbiddenMessage otherwise (with "RBAC: ..." reasons for roles that could not be
  // resolved, or the store's error when the index is unavailable).
  Status Authorize(const http::UserInfo& user, const RequestAttributes& attributes) override;

  struct Stats {
    size_t roles = 0, cluster_roles = 0, role_bindings = 0, cluster_role_bindings = 0;
    size_t subjects = 0;  // distinct users and groups named by a binding
    bool healthy = false;
  };
  Stats stats();

 private:
  struct Index;
  struct State;
  explicit RbacAuthorizer(store::Store& store, Options options);
  std::unique_ptr<State> state_;
};

}  // namespace flotilla::auth
