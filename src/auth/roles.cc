#include "auth/roles.h"

#include <algorithm>

#include "auth/rbac.h"
#include "core/log.h"
#include "model/resource_type.h"

namespace flotilla::auth {
namespace {

constexpr const char* kFleet = "fleet.cattle.io";
constexpr const char* kRbacGroup = "rbac.authorization.k8s.io";

const std::vector<std::string> kRead = {"get", "list", "watch"};
const std::vector<std::string> kWrite = {"create", "delete", "deletecollection", "get",
                                         "list",   "patch",  "update",           "watch"};

PolicyRule Rule(std::vector<std::string> groups, std::vector<std::string> resources,
                std::vector<std::string> verbs) {
  PolicyRule r;
  r.api_groups = std::move(groups);
  r.resources = std::move(resources);
  r.verbs = std::move(verbs);
  return r;
}

PolicyRule UrlRule(std::vector<std::string> urls, std::vector<std::string> verbs) {
  PolicyRule r;
  r.non_resource_urls = std::move(urls);
  r.verbs = std::move(verbs);
  return r;
}

Json Metadata(const std::string& name) {
  return {{"name", name},
          {"labels", {{kBootstrapLabel, kBootstrapLabelValue}}},
          {"annotations", {{kAutoupdateAnnotation, "true"}}}};
}

Json ClusterRole(const std::string& name, const std::vector<PolicyRule>& rules) {
  Json r = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
            {"kind", "ClusterRole"},
            {"metadata", Metadata(name)},
            {"rules", Json::array()}};
  for (const PolicyRule& rule : rules) r["rules"].push_back(rule.ToJson());
  return r;
}

// edit: every Fleet kind and the core kinds a Fleet user touches, read and write; no RBAC kind.
std::vector<PolicyRule> EditRules() {
  return {Rule({kFleet}, {"*"}, kWrite),
          Rule({""}, {"configmaps", "secrets", "serviceaccounts", "events"}, kWrite),
          Rule({""}, {"serviceaccounts/token"}, {"create"}), Rule({""}, {"namespaces"}, kRead)};
}

bool AutoupdateOff(const Json& object) {
  const Json* a = object.contains("metadata") ? &object["metadata"] : nullptr;
  if (!a || !a->contains("annotations") || !(*a)["annotations"].is_object()) return false;
  auto it = (*a)["annotations"].find(kAutoupdateAnnotation);
  return it != (*a)["annotations"].end() && *it == "false";
}

// Rules a built-in role had in an earlier version and must no longer grant: removed at start
// (the one exception to "nothing is ever removed", for rules that were too broad).
std::vector<PolicyRule> RetiredRules(const std::string& role) {
  if (role == kRegistrationRole)
    return {Rule({kFleet}, {"clusterregistrations"}, {"create", "get"}),
            Rule({""}, {"secrets"}, {"get"})};
  return {};
}

Status EnsureRole(store::Store& store, const Json& want) {
  const model::ResourceType& type = model::ClusterRoleType();
  const std::string name = want["metadata"]["name"];
  auto got = store.Get(type, "", name);
  if (!got.ok() && got.status().code() == StatusCode::kNotFound) {
    auto created = store.Create(type, want);
    if (created.ok()) log::Info("RBAC: created built-in ClusterRole", {{"name", name}});
    if (created.ok() || created.status().code() == StatusCode::kAlreadyExists) return Status::Ok();
    return created.status();
  }
  if (!got.ok()) return got.status();
  if (AutoupdateOff(*got)) return Status::Ok();
  auto updated = store::Mutate(store, type, "", name, false, [&](Json& o) {
    if (!o.contains("rules") || !o["rules"].is_array()) o["rules"] = Json::array();
    std::vector<PolicyRule> have;
    const std::vector<PolicyRule> retired = RetiredRules(name);
    Json kept = Json::array();
    for (const Json& r : o["rules"]) {
      PolicyRule rule = PolicyRule::FromJson(r);
      if (std::find(retired.begin(), retired.end(), rule) != retired.end()) continue;
      have.push_back(rule);
      kept.push_back(r);
    }
    bool changed = kept.size() != o["rules"].size();
    if (changed) {
      log::Info("RBAC: removed retired rules of built-in ClusterRole", {{"name", name}});
      o["rules"] = kept;
    }
    for (const Json& r : want["rules"]) {
      PolicyRule rule = PolicyRule::FromJson(r);
      if (std::find(have.begin(), have.end(), rule) != have.end()) continue;
      o["rules"].push_back(r);
      changed = true;
    }
    if (changed)
      log::Info("RBAC: restored missing rules of built-in ClusterRole", {{"name", name}});
    return changed;
  });
  return updated.status();
}

Status EnsureBinding(store::Store& store, const Json& want) {
  const model::ResourceType& type = model::ClusterRoleBindingType();
  const std::string name = want["metadata"]["name"];
  auto got = store.Get(type, "", name);
  if (!got.ok() && got.status().code() == StatusCode::kNotFound) {
    auto created = store.Create(type, want);
    if (created.ok() || created.status().code() == StatusCode::kAlreadyExists) return Status::Ok();
    return created.status();
  }
  if (!got.ok()) return got.status();
  if (AutoupdateOff(*got)) return Status::Ok();
  auto updated = store::Mutate(store, type, "", name, false, [&](Json& o) {
    if (!o.contains("subjects") || !o["subjects"].is_array()) o["subjects"] = Json::array();
    bool changed = false;
    for (const Json& s : want["subjects"]) {
      bool found = false;
      for (const Json& h : o["subjects"])
        found = found || (h.value("kind", "") == s["kind"] && h.value("name", "") == s["name"]);
      if (!found) {
        o["subjects"].push_back(s);
        changed = true;
      }
    }
    return changed;
  });
  return updated.status();
}

}  // namespace

std::vector<Json> DefaultClusterRoles() {
  std::vector<PolicyRule> edit = EditRules();
  std::vector<PolicyRule> admin = edit;
  admin.push_back(Rule({kRbacGroup}, {"roles", "rolebindings"}, kRead));
  std::vector<PolicyRule> view = {
      Rule({kFleet}, {"*"}, kRead),
      Rule({""}, {"configmaps", "serviceaccounts", "events", "namespaces"}, kRead)};
  return {
      ClusterRole(kClusterAdminRole, {Rule({"*"}, {"*"}, {"*"}), UrlRule({"*"}, {"*"})}),
      ClusterRole(kAdminRole, admin),
      ClusterRole(kEditRole, edit),
      ClusterRole(kViewRole, view),
      ClusterRole(
          kBundleDeploymentAgentRole,
          // update/patch: the agent's finalizer on each BundleDeployment it applied.
          {Rule({kFleet}, {"bundledeployments"}, {"get", "list", "watch", "update", "patch"}),
           Rule({kFleet}, {"bundledeployments/status"}, {"get", "update", "patch"}),
           Rule({""}, {"secrets", "configmaps"}, {"get"})}),
      ClusterRole(kContentReaderRole, {Rule({kFleet}, {"contents"}, {"get"})}),
      // Only create: the credential Secret is granted by name, per registration.
      ClusterRole(kRegistrationRole, {Rule({kFleet}, {"clusterregistrations"}, {"create"})}),
      ClusterRole(kDiscoveryRole,
                  {UrlRule({"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz",
                            "/version", "/version/", "/openapi", "/openapi/*"},
                           {"get"})}),
      ClusterRole(kBasicUserRole,
                  {Rule({"authorization.k8s.io"}, {"selfsubjectaccessreviews"}, {"create"})}),
  };
}

std::vector<Json> DefaultClusterRoleBindings() {
  std::vector<Json> out;
  for (const char* role : {kDiscoveryRole, kBasicUserRole}) {
    out.push_back(
        {{"apiVersion", "rbac.authorization.k8s.io/v1"},
         {"kind", "ClusterRoleBinding"},
         {"metadata", Metadata(role)},
         {"roleRef", {{"apiGroup", kRbacGroup}, {"kind", "ClusterRole"}, {"name", role}}},
         {"subjects",
          {{{"apiGroup", kRbacGroup}, {"kind", "Group"}, {"name", kAuthenticatedGroup}}}}});
  }
  return out;
}

Status BootstrapRoles(store::Store& store) {
  for (const Json& role : DefaultClusterRoles())
    if (Status s = EnsureRole(store, role); !s.ok())
      return s.WithContext("bootstrapping ClusterRole " +
                           role["metadata"]["name"].get<std::string>());
  for (const Json& b : DefaultClusterRoleBindings())
    if (Status s = EnsureBinding(store, b); !s.ok())
      return s.WithContext("bootstrapping ClusterRoleBinding " +
                           b["metadata"]["name"].get<std::string>());
  return Status::Ok();
}

}  // namespace flotilla::auth
