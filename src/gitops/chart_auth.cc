#include "gitops/chart_auth.h"

#include <fmt/format.h>

#include "core/base64.h"
#include "core/yaml.h"
#include "model/json_get.h"
#include "model/resource_type.h"
#include "model/secret.h"

namespace flotilla::gitops {
namespace {

// The Secret `ns/name` named by the GitRepo's `field`; its absence is a user error.
StatusOr<Json> ReadSecret(store::Store& store, const std::string& ns, const std::string& name,
                          const char* field) {
  auto secret = store.Get(model::SecretType(), ns, name);
  if (!secret.ok() && secret.status().code() != StatusCode::kNotFound)
    return secret.status().WithContext(field);  // transient: retried as it is
  if (!secret.ok())
    return FailedPrecondition(
        fmt::format("{}: secret \"{}\" not found in \"{}\"", field, name, ns));
  return *secret;
}

using model::GetBool;
using model::GetString;
using model::SecretValueOrEmpty;

}  // namespace

Status HelmAuthFor(store::Store& store, const Json& gitrepo, render::BuildOptions* o) {
  const Json spec = gitrepo.is_object() ? gitrepo.value("spec", Json::object()) : Json::object();
  const Json meta =
      gitrepo.is_object() ? gitrepo.value("metadata", Json::object()) : Json::object();
  std::string ns = GetString(meta, "namespace");
  o->helm_repo_url_regex = GetString(spec, "helmRepoURLRegex");
  o->chart_auth.insecure_skip_tls_verify = GetBool(spec, "insecureSkipTLSVerify");
  o->chart_auth.ca_bundle = GetString(spec, "caBundle");
  std::string name = GetString(spec, "helmSecretName");
  if (!name.empty()) {
    ASSIGN_OR_RETURN(Json secret, ReadSecret(store, ns, name, "helmSecretName"));
    o->chart_auth.username = SecretValueOrEmpty(secret, "username");
    o->chart_auth.password = SecretValueOrEmpty(secret, "password");
    std::string ca = SecretValueOrEmpty(secret, "cacerts");
    if (!ca.empty()) o->chart_auth.ca_bundle += "\n" + ca;
  }
  std::string by_path = GetString(spec, "helmSecretNameForPaths");
  if (!by_path.empty()) {
    ASSIGN_OR_RETURN(Json secret, ReadSecret(store, ns, by_path, "helmSecretNameForPaths"));
    std::string text = SecretValueOrEmpty(secret, "secrets.yaml");
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
      a.username = GetString(*it, "username");
      a.password = GetString(*it, "password");
      a.ca_bundle = GetString(*it, "caBundle");
      if (!a.ca_bundle.empty() && a.ca_bundle.find("-----BEGIN") == std::string::npos) {
        auto pem = Base64Decode(a.ca_bundle);  // Go marshals []byte as base64
        if (pem.ok()) a.ca_bundle = *pem;
      }
      a.insecure_skip_tls_verify = GetBool(*it, "insecureSkipVerify");
      std::string path = it.key();
      while (path.size() > 1 && path.back() == '/') path.pop_back();
      if (path.rfind("./", 0) == 0 && path.size() > 2) path = path.substr(2);
      o->chart_auth_for_paths[path] = a;
    }
  }
  return Status::Ok();
}

}  // namespace flotilla::gitops
