#include "gitops/chart_auth.h"

#include <fmt/format.h>

#include "core/base64.h"
#include "core/yaml.h"
#include "model/resource_type.h"

namespace flotilla::gitops {
namespace {

StatusOr<Json> SecretData(store::Store& store, const std::string& ns, const std::string& name,
                          const char* field) {
  auto secret = store.Get(model::SecretType(), ns, name);
  if (!secret.ok() && secret.status().code() != StatusCode::kNotFound)
    return secret.status().WithContext(field);  // transient: retried as it is
  if (!secret.ok())
    return FailedPrecondition(
        fmt::format("{}: secret \"{}\" not found in \"{}\"", field, name, ns));
  Json data = secret->value("data", Json::object());
  return data.is_object() ? data : Json::object();
}

std::string Field(const Json& data, const char* key) {
  if (!data.contains(key) || !data[key].is_string()) return "";
  auto v = Base64Decode(data[key].get<std::string>());
  return v.ok() ? *v : "";
}

// Typed reads that never throw on hostile objects: a wrong type reads as absent.
std::string Str(const Json& o, const char* key) {
  return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : "";
}
bool Bool(const Json& o, const char* key) {
  return o.is_object() && o.contains(key) && o[key].is_boolean() && o[key].get<bool>();
}

}  // namespace

Status HelmAuthFor(store::Store& store, const Json& gitrepo, render::BuildOptions* o) {
  const Json spec = gitrepo.is_object() ? gitrepo.value("spec", Json::object()) : Json::object();
  const Json meta =
      gitrepo.is_object() ? gitrepo.value("metadata", Json::object()) : Json::object();
  std::string ns = Str(meta, "namespace");
  o->helm_repo_url_regex = Str(spec, "helmRepoURLRegex");
  o->chart_auth.insecure_skip_tls_verify = Bool(spec, "insecureSkipTLSVerify");
  o->chart_auth.ca_bundle = Str(spec, "caBundle");
  std::string name = Str(spec, "helmSecretName");
  if (!name.empty()) {
    ASSIGN_OR_RETURN(Json data, SecretData(store, ns, name, "helmSecretName"));
    o->chart_auth.username = Field(data, "username");
    o->chart_auth.password = Field(data, "password");
    std::string ca = Field(data, "cacerts");
    if (!ca.empty()) o->chart_auth.ca_bundle += "\n" + ca;
  }
  std::string by_path = Str(spec, "helmSecretNameForPaths");
  if (!by_path.empty()) {
    ASSIGN_OR_RETURN(Json data, SecretData(store, ns, by_path, "helmSecretNameForPaths"));
    std::string text = Field(data, "secrets.yaml");
    std::string where =
        fmt::format("helmSecretNameForPaths: secret \"{}\" key secrets.yaml", by_path);
    auto parsed = ParseYaml(text, where);
    if (!parsed.ok()) return FailedPrecondition(parsed.status().message());
    if (!parsed->is_object())
      return FailedPrecondition(where + ": expected a map of bundle path to credentials");
    for (auto it = parsed->begin(); it != parsed->end(); ++it) {
      if (!it->is_object())
        return FailedPrecondition(fmt::format("{}: {}: expected a map", where, it.key()));
      chartsource::ChartAuth a;
      a.username = Str(*it, "username");
      a.password = Str(*it, "password");
      a.ca_bundle = Str(*it, "caBundle");
      if (!a.ca_bundle.empty() && a.ca_bundle.find("-----BEGIN") == std::string::npos) {
        auto pem = Base64Decode(a.ca_bundle);  // Go marshals []byte as base64
        if (pem.ok()) a.ca_bundle = *pem;
      }
      a.insecure_skip_tls_verify = Bool(*it, "insecureSkipVerify");
      std::string path = it.key();
      while (path.size() > 1 && path.back() == '/') path.pop_back();
      if (path.rfind("./", 0) == 0 && path.size() > 2) path = path.substr(2);
      o->chart_auth_for_paths[path] = a;
    }
  }
  return Status::Ok();
}

}  // namespace flotilla::gitops
