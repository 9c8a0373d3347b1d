// `flotilla agent`: the agent of one cluster as its own process. It runs the same agent::Agent,
// informer and workqueue as the server's built-in `local` agent, over client::RemoteStore (the
// HTTP API with the cluster's own token) instead of the store itself:
//
//   flotilla agent --registration-file FILE --state-dir DIR [--cluster-labels k=v,...]
//                  [--client-id ID] --apply-dir DIR
//   flotilla agent --server URL --token-file F [--ca-file F] --cluster-name NAME
//                  [--cluster-namespace NS] --state-dir DIR --apply-dir DIR
//
// With --registration-file (the `values` of a ClusterRegistrationToken's Secret) the agent
// registers once, keeps its own credential in the state dir and from then on runs on it (a
// restart with that credential skips registration); when the server refuses the credential
// (401: revoked, or the cluster registered again elsewhere) it says so and registers again,
// re-reading the file. Without a registration file, a state dir holding a credential is used.
//
// It watches the BundleDeployments of its cluster namespace (resuming from the last
// resourceVersion, re-listing on 410, reconnecting with backoff), applies each with the
// directory applier (which writes only files that change, so a restart re-applies nothing
// unchanged), writes their status, and checks in (its Cluster's status.agent.lastSeen) every
// --checkin-interval (Fleet's agentCheckinInterval, default 15m).
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace flotilla::cli {

struct AgentFlags {
  // Registration (cli/agent_registration.h): the values YAML, labels, identity.
  std::string registration_file;
  std::string cluster_labels;  // "k=v,k2=v2"
  std::string client_id;
  std::string server;      // https://host:port of `flotilla server`
  std::string token_file;  // the cluster's bearer token
  std::string ca_file;     // CA of the server's certificate (empty: the system's)
  std::string state_dir;   // the agent's own state (0700)
  std::string apply_dir;   // where the directory applier writes
  std::string cluster_namespace = "fleet-default";
  std::string cluster_name;
  std::string checkin_interval = "15m";
  int workers = 4;
  std::string log_format = "text";
  std::string log_level = "info";
};

// Runs until SIGTERM/SIGINT. Returns the process exit code.
int RunAgent(const AgentFlags& flags);

// Declares the flags of `flotilla agent` on `cmd`, bound to `flags`.
void AddAgentFlags(CLI::App& cmd, AgentFlags& flags);

}  // namespace flotilla::cli
