// `flotilla server`: the API, the controllers (GitRepo, Bundle) and the built-in `local`
// cluster's agent applying into a directory, in one process.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace flotilla::cli {

struct ServerFlags {
  std::string data_dir = "./flotilla-data";
  std::string listen = "127.0.0.1:8080";
  std::string apply_dir;  // default <data-dir>/apply
  std::string store_url;  // default sqlite:<data-dir>/flotilla.db
  // A Kubernetes EncryptionConfiguration: Secrets' data sealed at rest with AES-GCM.
  std::string secrets_encryption_key_file;
  int gitrepo_workers = 50;
  int bundle_workers = 50;
  int bundledeployment_workers = 50;
  int resync_seconds = 300;
  std::string log_format = "text";
  std::string log_level = "info";
  std::string port_file;  // when set, the bound port is written there (for tests, with :0)
  // API budgets (http/server.h): ordinary requests at once, and open watches; beyond, 429.
  int max_requests_inflight = 400;
  int max_watches = 20000;
  // The audit log (auth/audit.h): default <data-dir>/audit.log; rotated to FILE.1 at this size.
  std::string audit_log;
  std::string audit_log_max_size = "100Mi";
  // Security (README "Security"): TLS with a CA and serving certificate made in
  // <data-dir>/tls/ unless tls_cert/tls_key are given; extra SANs for it.
  std::string tls_cert, tls_key;
  std::vector<std::string> tls_sans;
  // Plain HTTP; refused unless the listen address is loopback.
  bool insecure_http = false;
  // No authentication: every request is served as an admin; refused unless loopback.
  bool anonymous_admin = false;
  // Fleet's agentCheckinInterval: how often agents (the local one too) check in; a Cluster not
  // seen for 3 intervals is shown offline (model/cluster_status.h).
  std::string agent_checkin_interval = "15m";
  // The URL registering agents are told to use (Fleet's apiServerURL); default: the API's own.
  std::string api_server_url;
  // Leader election among replicas on one database (README "Replicas"): the controllers run only
  // on the replica holding the Lease; every replica serves the API. Unset: on for a PostgreSQL
  // store, off for SQLite (one process). Durations as client-go's flags.
  std::optional<bool> leader_elect;
  std::string leader_elect_lease_duration = "15s";
  std::string leader_elect_renew_deadline = "10s";
  std::string leader_elect_retry_period = "2s";
  std::string leader_elect_resource_namespace = "cattle-fleet-system";
  std::string leader_elect_resource_name = "flotilla-controller";
};

// Runs until SIGTERM/SIGINT. Returns the process exit code.
int RunServer(const ServerFlags& flags);

}  // namespace flotilla::cli
