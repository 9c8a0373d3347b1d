#include <fmt/format.h>

#include "core/yaml.h"
#include "registration/registration.h"

namespace flotilla::registration {

std::string RenderValues(const Values& v) {
  // Fleet's keys; sigs.k8s.io/yaml writes them sorted, as ToYaml does.
  Json j = {{"token", v.token},
            {"apiServerURL", v.api_server_url},
            {"apiServerCA", v.api_server_ca},
            {"clusterNamespace", v.cluster_namespace},
            {"systemRegistrationNamespace", v.system_registration_namespace},
            {"tokenName", v.token_name}};
  return ToYaml(j);
}

StatusOr<Values> ParseValues(const std::string& yaml, const std::string& source) {
  auto j = ParseYaml(yaml, source);
  if (!j.ok())
    return InvalidArgument(
        fmt::format("{}: not a registration values YAML: {}", source, j.status().message()));
  if (!j->is_object())
    return InvalidArgument(
        fmt::format("{}: not a registration values YAML (want a mapping with "
                    "token, apiServerURL, apiServerCA)",
                    source));
  auto str = [&](const char* key) {
    auto it = j->find(key);
    return it != j->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  Values v;
  v.token = str("token");
  v.api_server_url = str("apiServerURL");
  v.api_server_ca = str("apiServerCA");
  v.cluster_namespace = str("clusterNamespace");
  v.token_name = str("tokenName");
  if (std::string s = str("systemRegistrationNamespace"); !s.empty())
    v.system_registration_namespace = s;
  if (v.cluster_namespace.empty()) v.cluster_namespace = "fleet-default";
  for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"token", &v.token},
                                   {"apiServerURL", &v.api_server_url}})
    if (value->empty()) return InvalidArgument(fmt::format("{}: {} is missing", source, key));
  return v;
}

bool IsReservedLabel(const std::string& key) {
  if (key == "fleet.cattle.io/created-by-agent-pod") return false;
  return key.starts_with("management.cattle.io/") || key.starts_with("fleet.cattle.io/");
}

}  // namespace flotilla::registration
