// Fleet's naming conventions for the objects it derives from others.
#pragma once

#include <string>
#include <vector>

namespace flotilla::model {

// The namespace holding the BundleDeployments of cluster `cluster_ns/cluster_name`, exactly as
// Fleet names it: SafeConcatName("cluster", ns, name, KeyHash(ns + "::" + name)), e.g.
// "cluster-fleet-local-local-1a3d67d0a899" (so migrated clusters keep their namespaces); a DNS
// label however long the names are.
std::string ClusterNamespace(const std::string& cluster_ns, const std::string& cluster_name);

// Fleet's names.SafeConcatName: the parts joined with "-"; at 64 characters or more, cut to 57
// (56 when the 57th is not [a-z0-9]) and suffixed with "-" and hex of the SHA-256 of the full
// name, so the result is under 64 characters and stays unique.
std::string SafeConcatName(const std::vector<std::string>& parts);

// Fleet's names.KeyHash: 12 hex digits of the SHA-256 of the first 100 characters of `s`.
std::string KeyHash(const std::string& s);

// The Cluster an agent-initiated registration creates for `client_id`: "cluster-<KeyHash>".
std::string RegisteredClusterName(const std::string& client_id);

// The Secret (in the system registration namespace) that carries a granted registration's
// credential to its agent: "c-" + hex SHA-256(clientID + clientRandom), cut to 63 characters,
// as Fleet's registration.SecretName. Only who knows clientRandom can name it.
std::string RegistrationSecretName(const std::string& client_id, const std::string& client_random);

}  // namespace flotilla::model
