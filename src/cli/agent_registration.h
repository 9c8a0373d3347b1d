// The agent's side of cluster registration (registration/registration.h): from the `values`
// YAML of a ClusterRegistrationToken's Secret to the agent's own credential, kept in its state
// dir so the registration token is never needed again:
//
//   <state-dir>/kubeconfig    (0600) server URL, CA, the agent's own bearer token
//   <state-dir>/cluster.json  (0600) the Cluster it was granted: {"namespace", "name"}
//   <state-dir>/client-id     the clientID used when --client-id is not given (random, kept)
#pragma once

#include <functional>
#include <map>
#include <string>

#include "core/status.h"

namespace flotilla::cli {

struct AgentIdentity {
  std::string server;
  std::string ca_pem;  // empty: the system's trust store
  std::string token;
  std::string cluster_namespace;
  std::string cluster_name;
};

struct RegisterOptions {
  std::string registration_file;  // the values YAML
  std::string state_dir;
  std::string client_id;  // empty: <state-dir>/client-id, made once
  std::map<std::string, std::string> cluster_labels;
};

// "k=v,k2=v2" -> labels; kInvalidArgument naming the bad pair.
StatusOr<std::map<std::string, std::string>> ParseClusterLabels(const std::string& text);

// The identity saved in `state_dir`; kNotFound when it holds none.
StatusOr<AgentIdentity> LoadIdentity(const std::string& state_dir);
// Writes it (files 0600, replaced atomically).
Status SaveIdentity(const std::string& state_dir, const AgentIdentity& identity);
// Moves a refused identity aside (kubeconfig -> kubeconfig.revoked) so the next start registers.
void DiscardIdentity(const std::string& state_dir);

// Creates a ClusterRegistration with the registration token and waits, logging progress, until
// the server grants it (its credential Secret becomes readable) or `stopping()` is true
// (kDeadlineExceeded). kUnauthenticated when the registration token is refused (expired or
// revoked), kInvalidArgument for a bad file; transient errors are retried.
StatusOr<AgentIdentity> Register(const RegisterOptions& options,
                                 const std::function<bool()>& stopping);

}  // namespace flotilla::cli
