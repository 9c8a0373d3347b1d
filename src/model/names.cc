#include "model/names.h"

#include "core/hash.h"

namespace flotilla::model {

std::string SafeConcatName(const std::vector<std::string>& parts) {
  std::string full;
  for (size_t i = 0; i < parts.size(); i++) full += (i ? "-" : "") + parts[i];
  if (full.size() < 64) return full;
  const std::string digest = Sha256Hex(full);
  const char c = full[56];
  if (('a' <= c && c <= 'z') || ('0' <= c && c <= '9'))
    return full.substr(0, 57) + "-" + digest.substr(0, 5);
  return full.substr(0, 56) + "-" + digest.substr(0, 6);
}

std::string KeyHash(const std::string& s) { return Sha256Hex(s.substr(0, 100)).substr(0, 12); }

// Fleet's clusterNamespace (agentmanagement/controllers/cluster): the built-in local cluster's is
// "cluster-fleet-local-local-1a3d67d0a899", as in every Fleet install.
std::string ClusterNamespace(const std::string& cluster_ns, const std::string& cluster_name) {
  return SafeConcatName(
      {"cluster", cluster_ns, cluster_name, KeyHash(cluster_ns + "::" + cluster_name)});
}

std::string RegisteredClusterName(const std::string& client_id) {
  return SafeConcatName({"cluster", KeyHash(client_id)});
}

std::string RegistrationSecretName(const std::string& client_id, const std::string& client_random) {
  return ("c-" + Sha256Hex(client_id + client_random)).substr(0, 63);
}

}  // namespace flotilla::model
