// flotilla: the one program, with subcommands.
#include <cstdlib>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/agent.h"
#include "cli/apply.h"
#include "cli/match.h"
#include "cli/server.h"
#include "cli/target.h"
#include "cli/token.h"
#include "render/helm/chart.h"
#include "render/kustomize/kustomize.h"

namespace {

// Flags may also come from the environment (FLOTILLA_<FLAG>, e.g. FLOTILLA_GITREPO_WORKERS).
int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == 0) return fallback;
  return std::atoi(v);
}

}  // namespace

int main(int argc, char** argv) {
  // `flotilla helm template ...` mirrors `helm template` (its own flag parser, Helm's flags).
  if (argc >= 3 && std::string(argv[1]) == "helm" && std::string(argv[2]) == "template")
    return flotilla::helm::RunHelmTemplate(argc - 3, argv + 3);
  // `flotilla kustomize build DIR` mirrors `kustomize build` (native engine, same output).
  if (argc >= 3 && std::string(argv[1]) == "kustomize" && std::string(argv[2]) == "build")
    return flotilla::kustomize::RunKustomizeBuild(argc - 3, argv + 3);
  CLI::App app{"flotilla: GitOps continuous delivery, compatible with Rancher Fleet"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "flotilla 0.1.0");

  flotilla::cli::ServerFlags sf;
  sf.gitrepo_workers = EnvInt("FLOTILLA_GITREPO_WORKERS", sf.gitrepo_workers);
  sf.bundle_workers = EnvInt("FLOTILLA_BUNDLE_WORKERS", sf.bundle_workers);
  sf.bundledeployment_workers =
      EnvInt("FLOTILLA_BUNDLEDEPLOYMENT_WORKERS", sf.bundledeployment_workers);
  CLI::App* server = app.add_subcommand("server", "Run the API, controllers and the local agent");
  server->add_option("--data-dir", sf.data_dir, "Directory for the database and git cache")
      ->capture_default_str();
  server->add_option("--listen", sf.listen, "HOST:PORT of the API (port 0 = any free port)")
      ->capture_default_str();
  server->add_option("--apply-dir", sf.apply_dir,
                     "Where the local cluster's agent writes objects (default <data-dir>/apply)");
  server->add_option("--store", sf.store_url,
                     "Store URL (default sqlite://<data-dir>/flotilla.db)");
  server->add_option("--secrets-encryption-key-file", sf.secrets_encryption_key_file,
                     "EncryptionConfiguration (aesgcm keys) sealing Secrets' data at rest");
  server->add_option("--gitrepo-workers", sf.gitrepo_workers, "GitRepo reconcile workers")
      ->capture_default_str();
  server->add_option("--bundle-workers", sf.bundle_workers, "Bundle reconcile workers")
      ->capture_default_str();
  server
      ->add_option("--bundledeployment-workers", sf.bundledeployment_workers,
                   "BundleDeployment (agent) workers")
      ->capture_default_str();
  server
      ->add_option("--resync-seconds", sf.resync_seconds,
                   "Full re-check of every object (safety net; 0 = off)")
      ->capture_default_str();
  server->add_option("--log-format", sf.log_format, "text or json")->capture_default_str();
  server->add_option("--log-level", sf.log_level, "debug, info, warn, error")
      ->capture_default_str();
  server->add_option("--port-file", sf.port_file, "Write the bound API port to this file");
  server
      ->add_option("--agent-checkin-interval", sf.agent_checkin_interval,
                   "How often agents check in; a cluster silent for 3 intervals is offline")
      ->capture_default_str();
  server
      ->add_option("--max-requests-inflight", sf.max_requests_inflight,
                   "API requests served or queued at once (watches excluded); beyond: 429")
      ->capture_default_str();
  server->add_option("--tls-cert", sf.tls_cert,
                     "PEM certificate chain to serve (default: made in <data-dir>/tls/)");
  server->add_option("--tls-key", sf.tls_key, "PEM key of --tls-cert");
  server->add_option("--tls-san", sf.tls_sans,
                     "Extra DNS name or IP address for the made serving certificate (repeatable)");
  server->add_option("--api-server-url", sf.api_server_url,
                     "URL agents reach this server at, written into registration tokens' values "
                     "(default: the listen address)");
  server->add_flag("--insecure-http", sf.insecure_http,
                   "Serve plain HTTP instead of TLS (loopback listen addresses only)");
  server->add_flag("--anonymous-admin", sf.anonymous_admin,
                   "Turn authentication off: every request is an admin's (loopback only; tests)");
  server->add_option("--max-watches", sf.max_watches, "API watches open at once; beyond: 429")
      ->capture_default_str();
  server->add_option("--audit-log", sf.audit_log,
                     "Audit log of every write, JSON lines (default <data-dir>/audit.log)");
  server
      ->add_option("--audit-log-max-size", sf.audit_log_max_size,
                   "Rotate the audit log to FILE.1 at this size (bytes, or with Ki/Mi/Gi)")
      ->capture_default_str();

  bool leader_elect = false;
  CLI::Option* leader_elect_opt = server->add_flag(
      "--leader-elect", leader_elect,
      "Run the controllers only while holding the leader Lease (default: on with a postgres:// "
      "store, off with SQLite); --leader-elect=false turns it off");
  server
      ->add_option("--leader-elect-lease-duration", sf.leader_elect_lease_duration,
                   "How long other replicas wait, after last seeing the Lease change, to take it")
      ->capture_default_str();
  server
      ->add_option("--leader-elect-renew-deadline", sf.leader_elect_renew_deadline,
                   "A leader that cannot renew for this long stops and exits")
      ->capture_default_str();
  server
      ->add_option("--leader-elect-retry-period", sf.leader_elect_retry_period,
                   "How often candidates try to acquire, and the leader renews")
      ->capture_default_str();
  server
      ->add_option("--leader-elect-resource-namespace", sf.leader_elect_resource_namespace,
                   "Namespace of the leader Lease")
      ->capture_default_str();
  server
      ->add_option("--leader-elect-resource-name", sf.leader_elect_resource_name,
                   "Name of the leader Lease")
      ->capture_default_str();

  flotilla::cli::AgentFlags af;
  CLI::App* agent =
      app.add_subcommand("agent", "Run the agent of one cluster against a flotilla server's API");
  flotilla::cli::AddAgentFlags(*agent, af);
  auto run_apply = flotilla::cli::AddApplyCommand(app);
  auto run_test = flotilla::cli::AddTestCommand(app);
  auto run_target = flotilla::cli::AddTargetCommand(app);
  auto run_deploy = flotilla::cli::AddDeployCommand(app);
  auto run_token = flotilla::cli::AddTokenCommand(app);
  // Listed for --help; `helm template` itself is dispatched above, before CLI11 parses.
  app.add_subcommand("helm",
                     "helm template [NAME] CHART [-f values.yaml]... [--set k=v]... [-n NS]: "
                     "render a chart exactly as `helm template` prints it")
      ->allow_extras();
  app.add_subcommand("kustomize",
                     "kustomize build [DIR]: build a kustomization exactly as `kustomize build` "
                     "prints it")
      ->allow_extras();

  CLI11_PARSE(app, argc, argv);
  if (leader_elect_opt->count() > 0) sf.leader_elect = leader_elect;
  if (server->parsed()) return flotilla::cli::RunServer(sf);
  if (agent->parsed()) return flotilla::cli::RunAgent(af);
  if (app.got_subcommand("apply")) return run_apply();
  if (app.got_subcommand("test")) return run_test();
  if (app.got_subcommand("target")) return run_target();
  if (app.got_subcommand("deploy")) return run_deploy();
  if (app.got_subcommand("token")) return run_token();
  return 0;
}
