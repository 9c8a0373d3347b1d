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

}  // namespace

Status HelmAuthFor(store::Store& store, const Json& gitrepo, render::BuildOptions* o) {
  const Json& spec = gitrepo.value("spec", Json::object());
  std::string ns = gitrepo["metadata"].value("namespace", "");
  o->helm_repo_url_regex = spec.value("helmRepoURLRegex", "");
  o->chart_auth.insecure_skip_tls_verify = spec.value("insecureSkipTLSVerify", false);
  o->chart_auth.ca_bundle = spec.value("caBundle", "");
  std::string name = spec.value("helmSecretName", "");
  if (!name.empty()) {
    ASSIGN_OR_RETURN(Json data, SecretData(store, ns, name, "helmSecretName"));
    o->chart_auth.username = Field(data, "username");
    o->chart_auth.password = Field(data, "password");
    std::string ca = Field(data, "cacerts");
    if (!ca.empty()) o->chart_auth.ca_bundle += "\n" + ca;
  }
  std::string by_path = spec.value("helmSecretNameForPaths", "");
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
      a.username = it->value("username", "");
      a.password = it->value("password", "");
      a.ca_bundle = it->value("caBundle", "");
      if (!a.ca_bundle.empty() && a.ca_bundle.find("-----BEGIN") == std::string::npos) {
        auto pem = Base64Decode(a.ca_bundle);  // Go marshals []byte as base64
        if (pem.ok()) a.ca_bundle = *pem;
      }
      a.insecure_skip_tls_verify = it->value("insecureSkipVerify", false);
      std::string path = it.key();
      while (path.size() > 1 && path.back() == '/') path.pop_back();
      if (path.rfind("./", 0) == 0 && path.size() > 2) path = path.substr(2);
      o->chart_auth_for_paths[path] = a;
    }
  }
  return Status::Ok();
}

}  // namespace flotilla::gitops
