#include "auth/kubeconfig.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "auth/certs.h"
#include "auth/tokens.h"
#include "core/base64.h"
#include "core/json.h"
#include "core/yaml.h"

namespace flotilla::auth {
namespace {

StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot read {}", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The entry named `name` of list `key` ("clusters", "users"), its `field` ("cluster", "user").
Json Named(const Json& doc, const char* key, const std::string& name, const char* field) {
  if (!doc.contains(key) || !doc[key].is_array()) return Json::object();
  for (const Json& e : doc[key])
    if (e.is_object() && e.value("name", "") == name && e.contains(field) && e[field].is_object())
      return e[field];
  return Json::object();
}

}  // namespace

std::string RenderKubeconfig(const Kubeconfig& c) {
  Json cluster = {{"server", c.server}};
  if (!c.ca_pem.empty()) cluster["certificate-authority-data"] = Base64Encode(c.ca_pem);
  Json user = Json::object();
  if (!c.token.empty()) user["token"] = c.token;
  Json doc = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters", Json::array({{{"name", "flotilla"}, {"cluster", cluster}}})},
      {"contexts", Json::array({{{"name", "flotilla"},
                                 {"context", {{"cluster", "flotilla"}, {"user", "flotilla"}}}}})},
      {"current-context", "flotilla"},
      {"preferences", Json::object()},
      {"users", Json::array({{{"name", "flotilla"}, {"user", user}}})}};
  return ToYaml(doc);
}

StatusOr<Kubeconfig> ParseKubeconfig(const std::string& text, const std::string& path) {
  auto doc = ParseYaml(text, path);
  if (!doc.ok()) return doc.status();
  if (!doc->is_object() || doc->value("kind", "") != "Config")
    return InvalidArgument(fmt::format("{}: not a kubeconfig (kind: Config)", path));
  std::string ctx_name = doc->value("current-context", "");
  Json ctx = Named(*doc, "contexts", ctx_name, "context");
  if (ctx_name.empty() || ctx.empty())
    return InvalidArgument(fmt::format("{}: no current-context", path));
  Json cluster = Named(*doc, "clusters", ctx.value("cluster", ""), "cluster");
  Json user = Named(*doc, "users", ctx.value("user", ""), "user");
  Kubeconfig out;
  out.server = cluster.value("server", "");
  if (out.server.empty())
    return InvalidArgument(fmt::format("{}: the current context's cluster has no server", path));
  if (std::string data = cluster.value("certificate-authority-data", ""); !data.empty()) {
    auto pem = Base64Decode(data);
    if (!pem.ok())
      return InvalidArgument(fmt::format("{}: certificate-authority-data is not base64", path));
    out.ca_pem = *pem;
  } else if (std::string file = cluster.value("certificate-authority", ""); !file.empty()) {
    auto pem = ReadText(file);
    if (!pem.ok()) return InvalidArgument(fmt::format("{}: {}", path, pem.status().message()));
    out.ca_pem = *pem;
  }
  out.token = user.value("token", "");
  if (out.token.empty())
    if (std::string file = user.value("tokenFile", ""); !file.empty()) {
      auto t = ReadText(file);
      if (!t.ok()) return InvalidArgument(fmt::format("{}: {}", path, t.status().message()));
      out.token = *t;
      while (!out.token.empty() && std::isspace(static_cast<unsigned char>(out.token.back())))
        out.token.pop_back();
    }
  return out;
}

StatusOr<Kubeconfig> ReadKubeconfig(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadText(path));
  return ParseKubeconfig(text, path);
}

StatusOr<AdminKubeconfigResult> EnsureAdminKubeconfig(store::Store& store, const std::string& path,
                                                      const std::string& server_url,
                                                      const std::string& ca_pem) {
  AdminKubeconfigResult result;
  Kubeconfig want{server_url, ca_pem, ""};
  std::optional<Kubeconfig> have;
  if (std::filesystem::exists(path)) {
    auto read = ReadKubeconfig(path);
    if (read.ok()) have = *read;  // an unreadable file is replaced
  }
  if (have && !have->token.empty()) {
    auto user = LookupToken(store, have->token);
    if (user.ok())
      want.token = have->token;
    else if (user.status().code() != StatusCode::kUnauthenticated &&
             user.status().code() != StatusCode::kInternal)
      return user.status();  // the store is unreachable: try again at the next start
  }
  if (want.token.empty()) {
    TokenSpec spec;
    spec.user = "admin";
    spec.groups = {"system:masters", "system:authenticated"};
    spec.purpose = "admin kubeconfig";
    ASSIGN_OR_RETURN(IssuedToken issued, IssueToken(store, spec));
    want.token = issued.token;
    result.issued_token = true;
  }
  if (have && have->server == want.server && have->ca_pem == want.ca_pem &&
      have->token == want.token)
    return result;
  RETURN_IF_ERROR(WriteFileAtomic(path, RenderKubeconfig(want), 0600));
  result.written = true;
  return result;
}

}  // namespace flotilla::auth
