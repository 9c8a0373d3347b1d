#include "api/discovery.h"

#include <algorithm>
#include <set>
#include <vector>

#include "model/resource_type.h"

namespace flotilla::api {
namespace {

// The Kubernetes minor version whose API behaviour flotilla follows; clients print it.
constexpr const char* kKubeMajor = "1";
constexpr const char* kKubeMinor = "32";
constexpr const char* kGitVersion = "v1.32.0-flotilla.0.1.0";

Json GroupVersion(std::string_view group, std::string_view version) {
  return {{"groupVersion", std::string(group) + "/" + std::string(version)},
          {"version", std::string(version)}};
}

Json ResourceEntry(const model::ResourceType& t) {
  Json r = {{"name", t.plural},
            {"singularName", t.singular},
            {"namespaced", t.namespaced},
            {"kind", t.kind},
            {"verbs", {"create", "delete", "get", "list", "patch", "update", "watch"}}};
  if (!t.short_names.empty()) r["shortNames"] = t.short_names;
  if (t.group == "fleet.cattle.io") r["categories"] = {"fleet"};
  return r;
}

Json StatusEntry(const model::ResourceType& t) {
  return {{"name", t.plural + "/status"},
          {"singularName", ""},
          {"namespaced", t.namespaced},
          {"kind", t.kind},
          {"verbs", {"get", "patch", "update"}}};
}

// authorization.k8s.io/v1: the access reviews (api/access_review.h), create-only and stored
// nowhere, so not store kinds.
constexpr const char* kAuthzGroup = "authorization.k8s.io";
constexpr const char* kAuthzVersion = "v1";

Json ReviewEntry(const char* plural, const char* singular, const char* kind) {
  return {{"name", plural},
          {"singularName", singular},
          {"namespaced", false},
          {"kind", kind},
          {"verbs", {"create"}}};
}

std::vector<std::string> Groups() {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const model::ResourceType* t : model::AllTypes())
    if (!t->group.empty() && seen.insert(t->group).second) out.push_back(t->group);
  out.push_back(kAuthzGroup);
  return out;
}

std::vector<std::string> VersionsOf(std::string_view group) {
  std::vector<std::string> out;
  if (group == kAuthzGroup) return {kAuthzVersion};
  for (const model::ResourceType* t : model::AllTypes())
    if (t->group == group && std::find(out.begin(), out.end(), t->version) == out.end())
      out.push_back(t->version);
  return out;
}

}  // namespace

Json ApiVersionsJson(const std::string& server_address) {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

std::optional<Json> ApiGroupJson(std::string_view group) {
  std::vector<std::string> versions = VersionsOf(group);
  if (group.empty() || versions.empty()) return std::nullopt;
  Json g = {{"name", std::string(group)}, {"versions", Json::array()}};
  for (const std::string& v : versions) g["versions"].push_back(GroupVersion(group, v));
  g["preferredVersion"] = g["versions"][0];
  return g;
}

Json ApiGroupListJson() {
  Json list = {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", Json::array()}};
  for (const std::string& g : Groups()) list["groups"].push_back(*ApiGroupJson(g));
  return list;
}

std::optional<Json> ApiResourceListJson(std::string_view group, std::string_view version) {
  Json resources = Json::array();
  if (group == kAuthzGroup && version == kAuthzVersion) {
    resources.push_back(ReviewEntry("selfsubjectaccessreviews", "selfsubjectaccessreview",
                                    "SelfSubjectAccessReview"));
    resources.push_back(
        ReviewEntry("subjectaccessreviews", "subjectaccessreview", "SubjectAccessReview"));
  }
  for (const model::ResourceType* t : model::AllTypes()) {
    if (t->group != group || t->version != version) continue;
    resources.push_back(ResourceEntry(*t));
    if (t->has_status) resources.push_back(StatusEntry(*t));
    // kubectl create token: POST serviceaccounts/NAME/token (api/token_request.h).
    if (t == &model::ServiceAccountType())
      resources.push_back({{"name", "serviceaccounts/token"},
                           {"singularName", ""},
                           {"namespaced", true},
                           {"group", "authentication.k8s.io"},
                           {"version", "v1"},
                           {"kind", "TokenRequest"},
                           {"verbs", {"create"}}});
  }
  if (resources.empty()) return std::nullopt;
  std::string gv =
      group.empty() ? std::string(version) : std::string(group) + "/" + std::string(version);
  return Json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", gv},
              {"resources", std::move(resources)}};
}

Json VersionJson() {
  return {{"major", kKubeMajor},         {"minor", kKubeMinor},
          {"gitVersion", kGitVersion},   {"gitCommit", ""},
          {"gitTreeState", "clean"},     {"buildDate", "1970-01-01T00:00:00Z"},
          {"goVersion", "none (C++20)"}, {"compiler", "flotilla"},
          {"platform", "linux/amd64"}};
}

}  // namespace flotilla::api
