// Rule matching and messages, as Kubernetes' evaluation_helpers.go and the apiserver's
// responsewriters/errors.go define them.
#include <algorithm>

#include <fmt/format.h>

#include "auth/rbac.h"
#include "auth/roles.h"

namespace flotilla::auth {
namespace {

std::vector<std::string> Strings(const Json& rule, const char* key) {
  std::vector<std::string> out;
  auto it = rule.find(key);
  if (it == rule.end() || !it->is_array()) return out;
  for (const Json& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool VerbMatches(const PolicyRule& rule, const std::string& verb) {
  return Contains(rule.verbs, "*") || Contains(rule.verbs, verb);
}

bool ApiGroupMatches(const PolicyRule& rule, const std::string& group) {
  return Contains(rule.api_groups, "*") || Contains(rule.api_groups, group);
}

bool ResourceMatches(const PolicyRule& rule, const std::string& combined,
                     const std::string& subresource) {
  for (const std::string& r : rule.resources) {
    if (r == "*" || r == combined) return true;
    if (!subresource.empty() && r == "*/" + subresource) return true;
  }
  return false;
}

bool ResourceNameMatches(const PolicyRule& rule, const std::string& name) {
  return rule.resource_names.empty() || Contains(rule.resource_names, name);
}

bool NonResourceUrlMatches(const PolicyRule& rule, const std::string& path) {
  for (const std::string& u : rule.non_resource_urls) {
    if (u == "*" || u == path) return true;
    if (!u.empty() && u.back() == '*') {
      std::string_view prefix(u);
      while (!prefix.empty() && prefix.back() == '*') prefix.remove_suffix(1);
      if (std::string_view(path).substr(0, prefix.size()) == prefix) return true;
    }
  }
  return false;
}

// Go's %q for the plain strings found here (names, paths): quotes and backslashes escaped.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

PolicyRule PolicyRule::FromJson(const Json& rule) {
  PolicyRule r;
  if (!rule.is_object()) return r;
  r.verbs = Strings(rule, "verbs");
  r.api_groups = Strings(rule, "apiGroups");
  r.resources = Strings(rule, "resources");
  r.resource_names = Strings(rule, "resourceNames");
  r.non_resource_urls = Strings(rule, "nonResourceURLs");
  return r;
}

Json PolicyRule::ToJson() const {
  Json j = Json::object();
  if (!api_groups.empty()) j["apiGroups"] = api_groups;
  if (!resources.empty()) j["resources"] = resources;
  if (!resource_names.empty()) j["resourceNames"] = resource_names;
  if (!non_resource_urls.empty()) j["nonResourceURLs"] = non_resource_urls;
  j["verbs"] = verbs;
  return j;
}

bool RuleAllows(const RequestAttributes& a, const PolicyRule& rule) {
  if (a.resource_request) {
    std::string combined = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
    return VerbMatches(rule, a.verb) && ApiGroupMatches(rule, a.api_group) &&
           ResourceMatches(rule, combined, a.subresource) && ResourceNameMatches(rule, a.name);
  }
  return VerbMatches(rule, a.verb) && NonResourceUrlMatches(rule, a.path);
}

std::string ForbiddenMessage(const std::string& user, const RequestAttributes& a,
                             const std::string& reason) {
  std::string what;
  if (!a.resource_request) {
    what = fmt::format("User {} cannot {} path {}", Quote(user), a.verb, Quote(a.path));
  } else {
    std::string resource = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
    what = fmt::format("User {} cannot {} resource {} in API group {}", Quote(user), a.verb,
                       Quote(resource), Quote(a.api_group));
    what += a.ns.empty() ? " at the cluster scope" : " in the namespace " + Quote(a.ns);
  }
  if (!reason.empty()) what += ": " + reason;
  if (!a.resource_request || a.resource.empty()) return "forbidden: " + what;
  std::string qualified = a.api_group.empty() ? a.resource : a.resource + "." + a.api_group;
  if (a.name.empty()) return qualified + " is forbidden: " + what;
  return qualified + " " + Quote(a.name) + " is forbidden: " + what;
}

std::vector<std::string> EffectiveGroups(const http::UserInfo& user) {
  std::vector<std::string> groups = user.groups;
  if (user.authenticated && !Contains(groups, kAuthenticatedGroup))
    groups.push_back(kAuthenticatedGroup);
  return groups;
}

}  // namespace flotilla::auth
