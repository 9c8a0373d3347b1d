#include "cli/server.h"

#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "agent/agent.h"
#include "agent/directory/directory_applier.h"
#include "api/server.h"
#include "auth/audit.h"
#include "auth/certs.h"
#include "auth/kubeconfig.h"
#include "auth/rbac.h"
#include "auth/roles.h"
#include "auth/token_authenticator.h"
#include "controller/manager.h"
#include "coordination/leader_elector.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "gitops/events.h"
#include "gitops/git_source.h"
#include "gitops/gitrepo_controller.h"
#include "gitops/sync_health.h"
#include "model/cluster_status.h"
#include "model/keys.h"
#include "model/names.h"
#include "registration/registration.h"
#include "store/encryption/encrypting_store.h"
#include "store/store.h"
#include "target/bundle_controller.h"
#include "webhook/receiver.h"

namespace flotilla::cli {
namespace {

using model::BundleDeploymentType;
using model::BundleType;
using model::ClusterType;
using model::GitRepoType;

std::atomic<bool> g_stop{false};
std::mutex g_stop_mu;
std::condition_variable g_stop_cv;

void OnSignal(int) {
  g_stop = true;
  g_stop_cv.notify_all();  // not async-signal-safe in theory; the waiter also polls
}

// Creates `obj` unless an object with its name exists.
Status Ensure(store::Store& store, const model::ResourceType& type, Json obj) {
  auto got = store.Get(type, store::NamespaceOf(obj), store::NameOf(obj));
  if (got.ok()) return Status::Ok();
  if (got.status().code() != StatusCode::kNotFound) return got.status();
  auto c = store.Create(type, std::move(obj));
  if (!c.ok() && c.status().code() != StatusCode::kAlreadyExists) return c.status();
  return Status::Ok();
}

Status Bootstrap(store::Store& store, const std::string& agent_ns) {
  for (const char* ns : {"fleet-local", "fleet-default"})
    RETURN_IF_ERROR(
        Ensure(store, model::NamespaceType(),
               {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}}));
  RETURN_IF_ERROR(
      Ensure(store, model::NamespaceType(),
             {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", agent_ns}}}}));
  return Ensure(
      store, ClusterType(),
      {{"apiVersion", ClusterType().ApiVersion()},
       {"kind", "Cluster"},
       {"metadata",
        {{"name", "local"},
         {"namespace", "fleet-local"},
         {"labels", {{"name", "local"}, {"management.cattle.io/cluster-name", "local"}}}}},
       {"spec", {{"kubeConfigSecret", "local-kubeconfig"}}}});
}

// "1048576", "512Ki", "100Mi", "1Gi".
StatusOr<uint64_t> ParseByteSize(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) digits++;
  std::string suffix = text.substr(digits);
  uint64_t unit = suffix.empty()   ? 1
                  : suffix == "Ki" ? 1ull << 10
                  : suffix == "Mi" ? 1ull << 20
                  : suffix == "Gi" ? 1ull << 30
                                   : 0;
  if (digits == 0 || digits > 12 || unit == 0)
    return InvalidArgument(
        fmt::format("invalid size \"{}\" (want bytes, or a number with Ki, Mi "
                    "or Gi)",
                    text));
  uint64_t n = std::stoull(text.substr(0, digits)) * unit;
  if (n == 0) return InvalidArgument(fmt::format("invalid size \"{}\": must be positive", text));
  return n;
}

// Marks the Clusters whose agents stopped checking in as offline, and clears those that came
// back (model/cluster_status.h). Each change is logged once, with the cluster's key.
void MarkOfflineClusters(store::Store& store, std::chrono::milliseconds interval) {
  auto clusters = store.List(ClusterType(), {});
  if (!clusters.ok()) return;  // tried again next period
  const auto now = Clock::now();
  for (const Json& c : clusters->items) {
    Json probe = c;
    if (!model::UpdateOffline(probe, now, interval)) continue;
    auto r =
        store::Mutate(store, ClusterType(), store::NamespaceOf(c), store::NameOf(c), true,
                      [&](Json& cur) { return model::UpdateOffline(cur, Clock::now(), interval); });
    if (!r.ok()) continue;
    std::string why;
    if (model::ClusterOffline(*r, &why))
      log::Warn("cluster offline", {{"cluster", store::ObjectKey(c)}, {"why", why}});
    else
      log::Info("cluster back online", {{"cluster", store::ObjectKey(c)}});
  }
}

std::pair<std::string, int> SplitListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return {listen, 8080};
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);  // [::1]:8080
  return {host, std::atoi(listen.substr(colon + 1).c_str())};
}

bool Unspecified(const std::string& host) { return host == "0.0.0.0" || host == "::"; }

// How clients reach `host`: a wildcard listener is reached on loopback; IPv6 in brackets.
std::string UrlHost(const std::string& host) {
  std::string h = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host;
  return h.find(':') != std::string::npos ? "[" + h + "]" : h;
}

// The names the serving certificate carries: the listen address (or this host's name when it
// listens on every address), loopback, and each --tls-san.
std::vector<std::string> ServingNames(const std::string& host,
                                      const std::vector<std::string>& sans) {
  std::vector<std::string> names = {"127.0.0.1", "::1", "localhost"};
  if (!Unspecified(host)) {
    names.push_back(host);
  } else if (char buf[256] = {0}; gethostname(buf, sizeof buf - 1) == 0 && buf[0]) {
    names.push_back(buf);
  }
  names.insert(names.end(), sans.begin(), sans.end());
  return names;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The leader election of this replica (README "Replicas"); nullopt when it is off.
StatusOr<std::optional<coordination::LeaderElectionConfig>> LeaderElection(
    const ServerFlags& flags, const std::string& store_url) {
  if (!flags.leader_elect.value_or(store_url.rfind("postgres", 0) == 0))
    return std::optional<coordination::LeaderElectionConfig>();
  coordination::LeaderElectionConfig c;
  c.lease_namespace = flags.leader_elect_resource_namespace;
  c.lease_name = flags.leader_elect_resource_name;
  c.identity = coordination::DefaultIdentity();
  c.metrics = &metrics::DefaultRegistry();
  for (auto [flag, text, out] : {std::tuple{"--leader-elect-lease-duration",
                                            &flags.leader_elect_lease_duration, &c.lease_duration},
                                 std::tuple{"--leader-elect-renew-deadline",
                                            &flags.leader_elect_renew_deadline, &c.renew_deadline},
                                 std::tuple{"--leader-elect-retry-period",
                                            &flags.leader_elect_retry_period, &c.retry_period}}) {
    auto d = ParseGoDuration(*text);
    if (!d.ok()) return InvalidArgument(fmt::format("{}: {}", flag, d.status().message()));
    *out = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  }
  RETURN_IF_ERROR(coordination::ValidateConfig(c));
  return std::optional(std::move(c));
}

}  // namespace

int RunServer(const ServerFlags& flags) {
  // Up to 150 worker threads would otherwise get 8 malloc arenas per core, each keeping the
  // memory freed into it; a few arenas plus a periodic trim keep RSS close to what is live.
  mallopt(M_ARENA_MAX, 4);
  // Every agent holds a watch (a socket): allow as many open files as the system lets us.
  if (rlimit rl; getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  log::Init(flags.log_format == "json" ? log::Format::kJson : log::Format::kText,
            log::ParseLevel(flags.log_level));
  namespace fs = std::filesystem;
  std::error_code ec;
  // It holds the database (Secrets) and git credentials' caches: private when created here.
  if (fs::create_directories(flags.data_dir, ec))
    fs::permissions(flags.data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) {
    log::Error("cannot create data dir", {{"dir", flags.data_dir}, {"error", ec.message()}});
    return 1;
  }
  const std::string apply_dir =
      flags.apply_dir.empty() ? (fs::path(flags.data_dir) / "apply").string() : flags.apply_dir;
  const std::string store_url =
      flags.store_url.empty() ? "sqlite://" + (fs::path(flags.data_dir) / "flotilla.db").string()
                              : flags.store_url;
  auto [host, port] = SplitListen(flags.listen);
  const bool loopback = http::IsLoopbackAddress(host);
  if (flags.insecure_http && !loopback) {
    log::Error(
        "--insecure-http serves plain HTTP and is allowed only on a loopback address "
        "(e.g. --listen 127.0.0.1:PORT); drop it to serve TLS on this address",
        {{"listen", flags.listen}});
    return 2;
  }
  if (flags.anonymous_admin && !loopback) {
    log::Error(
        "--anonymous-admin turns authentication off and is allowed only on a loopback address",
        {{"listen", flags.listen}});
    return 2;
  }
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    log::Error("--tls-cert and --tls-key go together", {});
    return 2;
  }
  if (flags.insecure_http && !flags.tls_cert.empty()) {
    log::Error("--insecure-http and --tls-cert contradict each other", {});
    return 2;
  }
  // TLS material: the operator's, or a CA and serving certificate kept in <data-dir>/tls/.
  std::string tls_cert = flags.tls_cert, tls_key = flags.tls_key, ca_pem;
  if (!flags.insecure_http && tls_cert.empty()) {
    auto certs = auth::EnsureServingCertificate((fs::path(flags.data_dir) / "tls").string(),
                                                ServingNames(host, flags.tls_sans));
    if (!certs.ok()) {
      log::Error("cannot prepare the TLS certificate", {{"error", certs.status().ToString()}});
      return 1;
    }
    if (certs->made_ca) log::Info("TLS CA created", {{"file", certs->ca_file}});
    if (certs->made_cert)
      log::Info("TLS serving certificate created", {{"file", certs->cert_file}});
    tls_cert = certs->cert_file;
    tls_key = certs->key_file;
    ca_pem = certs->ca_pem;
  } else if (!tls_cert.empty()) {
    ca_pem = ReadAll(tls_cert);  // clients trust the chain the operator serves
  }
  auto checkin = ParseGoDuration(flags.agent_checkin_interval);
  if (!checkin.ok() || checkin->count() <= 0) {
    log::Error("invalid --agent-checkin-interval", {{"value", flags.agent_checkin_interval}});
    return 1;
  }
  const auto checkin_interval = std::chrono::duration_cast<std::chrono::milliseconds>(*checkin);

  auto election = LeaderElection(flags, store_url);
  if (!election.ok()) {
    log::Error("invalid leader election flags", {{"error", election.status().message()}});
    return 2;
  }
  auto audit_max = ParseByteSize(flags.audit_log_max_size);
  if (!audit_max.ok()) {
    log::Error("bad --audit-log-max-size", {{"error", audit_max.status().message()}});
    return 1;
  }
  auto opened = store::OpenStore(store_url);
  if (!opened.ok()) {
    log::Error("cannot open store", {{"store", store::RedactStoreUrl(store_url)},
                                     {"error", opened.status().ToString()}});
    return 1;
  }
  std::unique_ptr<store::Store> store = std::move(*opened);
  if (!flags.secrets_encryption_key_file.empty()) {
    auto config = store::LoadEncryptionConfig(flags.secrets_encryption_key_file);
    if (!config.ok()) {
      log::Error(
          "cannot load the secrets encryption configuration",
          {{"file", flags.secrets_encryption_key_file}, {"error", config.status().ToString()}});
      return 1;
    }
    log::Info("secrets are encrypted at rest",
              {{"write_key",
                config->identity_first ? std::string("identity") : config->keys.front().name}});
    store = store::EncryptSecrets(std::move(store), std::move(*config));
  }

  agent::AgentOptions ao;
  agent::directory::DirectoryApplierOptions dao;
  dao.apply_dir = apply_dir;
  auto applier = agent::directory::DirectoryApplier::Open(dao);
  if (!applier.ok()) {
    log::Error("cannot open apply dir",
               {{"dir", apply_dir}, {"error", applier.status().ToString()}});
    return 1;
  }
  agent::Agent local_agent(*store, **applier, ao);
  if (Status s = Bootstrap(*store, local_agent.deployment_namespace()); !s.ok()) {
    log::Error("bootstrap failed", {{"error", s.ToString()}});
    return 1;
  }

  // Authorization: Kubernetes RBAC over the store's Roles and bindings, with the built-in
  // roles (auth/roles.h) reconciled at every start.
  if (Status s = auth::BootstrapRoles(*store); !s.ok()) {
    log::Error("cannot bootstrap the built-in RBAC roles", {{"error", s.ToString()}});
    return 1;
  }
  auto rbac = auth::RbacAuthorizer::Create(*store);
  if (!rbac.ok()) {
    log::Error("cannot load RBAC roles and bindings", {{"error", rbac.status().ToString()}});
    return 1;
  }
  const std::string audit_path =
      flags.audit_log.empty() ? (fs::path(flags.data_dir) / "audit.log").string() : flags.audit_log;
  auto audit = auth::AuditLog::Open({audit_path, *audit_max});
  if (!audit.ok()) {
    log::Error("cannot open the audit log", {{"error", audit.status().ToString()}});
    return 1;
  }

  auto git = gitops::NewLibGit2Source((fs::path(flags.data_dir) / "git-cache").string());
  // Remote Helm charts, cached by digest under the data dir.
  auto charts = chartsource::NewHttpChartFetcher(
      {.cache_dir = (fs::path(flags.data_dir) / "chart-cache").string()});
  gitops::GitRepoControllerOptions gitrepo_options;
  gitrepo_options.chart_fetcher = charts.get();
  gitops::GitRepoController gitrepos(*store, *git, gitrepo_options);
  target::BundleController bundles(*store);
  gitops::EventRecorder event_gc(*store);

  // The controllers, each registering what it watches and how an event maps to its keys. One
  // Manager runs them all (and the housekeeping that goes with them); Start/Stop is the seam for
  // running them only where they should run.
  controller::Manager controllers(*store);
  controller::Queue& gitrepo_queue = gitrepos.Register(
      controllers, std::max(1, flags.gitrepo_workers), std::chrono::seconds(flags.resync_seconds));
  bundles.Register(controllers, std::max(1, flags.bundle_workers));
  local_agent.Register(controllers, std::max(1, flags.bundledeployment_workers));
  // Cluster registration (registration/registration.h): tokens and agent-initiated grants.
  registration::Controllers registrations(*store, {flags.api_server_url, ca_pem});
  registrations.Register(controllers);
  controllers.Every(
      "local-agent-checkin", checkin_interval,
      [&] {
        Status hb = local_agent.Heartbeat();
        if (!hb.ok()) log::Warn("agent heartbeat failed", {{"error", hb.ToString()}});
      },
      std::chrono::milliseconds(0));
  // Offline clusters are looked for every half interval (at most every 30 s), from one interval
  // after start (agents get that long to check in after a restart).
  controllers.Every(
      "mark-offline-clusters",
      std::clamp<std::chrono::milliseconds>(checkin_interval / 2, std::chrono::milliseconds(200),
                                            std::chrono::seconds(30)),
      [&] { MarkOfflineClusters(*store, checkin_interval); }, checkin_interval);
  controllers.Every(
      "expire-events", std::chrono::minutes(10),
      [&] {
        int n = event_gc.CollectGarbage();
        if (n > 0) log::Info("expired events deleted", {{"count", std::to_string(n)}});
      },
      std::chrono::minutes(1));

  // The "lost sync" alarms, recomputed from the store every few seconds by the main loop (not
  // at scrape time: at 10,000 GitRepos a full list costs seconds).
  auto& reg = metrics::DefaultRegistry();
  metrics::Gauge& oldest_unsynced =
      reg.AddGauge("flotilla_gitrepo_oldest_unsynced_seconds",
                   "Age of the oldest unpaused GitRepo whose polled commit or generation is not "
                   "synced yet (must return to 0).")
          .WithLabels();
  metrics::Gauge& overdue_poll =
      reg.AddGauge("flotilla_gitrepo_most_overdue_poll_seconds",
                   "How far the most overdue GitRepo poll is past lastPollingTriggered + "
                   "pollingInterval (+10% jitter); negative when none is overdue.")
          .WithLabels();
  metrics::Gauge& unsynced_count =
      reg.AddGauge("flotilla_gitrepos_unsynced",
                   "Unpaused GitRepos whose desired state is not synced.")
          .WithLabels();
  auto update_health = [&] {
    auto h = gitops::ComputeSyncHealth(*store);
    if (!h.ok()) return;
    oldest_unsynced.Set(h->oldest_unsynced_seconds);
    overdue_poll.Set(h->most_overdue_poll_seconds);
    unsynced_count.Set(h->unsynced);
  };

  api::ApiServer::Options api_options;
  api_options.host = host;
  api_options.port = port;
  api_options.max_requests_inflight = static_cast<size_t>(std::max(1, flags.max_requests_inflight));
  api_options.max_long_running = static_cast<size_t>(std::max(1, flags.max_watches));
  api_options.tls_cert_file = tls_cert;
  api_options.tls_key_file = tls_key;
  api::ApiServer api_server(*store, api_options);
  api_server.SetAuthorizer(std::move(*rbac));
  api_server.SetAuditSink([log = std::shared_ptr<auth::AuditLog>(std::move(*audit))](
                              const auth::AuditEvent& e) { log->Write(e); });
  if (flags.anonymous_admin) {
    log::Warn("authentication is OFF (--anonymous-admin): every request is served as an admin",
              {{"listen", flags.listen}});
  } else {
    api_server.SetAuthenticator(auth::TokenAuthenticator(*store));
  }
  api_server.Handle("/metrics", [](const api::HttpRequest&) {
    api::HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics::DefaultRegistry().Serialize();
    return r;
  });
  webhook::Receiver webhooks(*store, [&](const std::string& key) { gitrepo_queue.Add(key); });
  api_server.Handle("/webhooks", [&](const api::HttpRequest& r) { return webhooks.Handle(r); });
  // Each delivery authenticates by its provider's signature or token (webhook/receiver.h).
  api_server.AllowUnauthenticated("/webhooks");
  api_server.AllowUnauthenticated("/webhooks/");
  // Ready once every informer has delivered its initial list (the controllers see the whole
  // store) and the store answers. With leader election, once the store answers: every replica
  // serves the API from the store, leader or not, and a new leader's controllers catch up alone.
  const bool elected = election->has_value();
  api_server.Handle("/readyz", [&](const api::HttpRequest&) {
    api::HttpResponse r;
    r.content_type = "text/plain; charset=utf-8";
    bool synced = elected || controllers.Synced();
    auto probe = store->Get(ClusterType(), "fleet-local", "local");
    if (!synced || !probe.ok()) {
      r.status = 503;
      r.body = !synced ? "informers not synced\n" : "store: " + probe.status().message() + "\n";
    } else {
      r.body = "ok\n";
    }
    return r;
  });
  // The API's connections and budgets, read at scrape time.
  struct HttpGauge {
    const char* name;
    const char* help;
    uint64_t http::Server::Stats::*field;
  };
  static constexpr HttpGauge kHttpGauges[] = {
      {"flotilla_http_connections", "Open API connections.",
       &http::Server::Stats::connections_open},
      {"flotilla_http_requests_inflight",
       "API requests admitted and not yet answered (watches excluded).",
       &http::Server::Stats::requests_inflight},
      {"flotilla_http_watches", "Open API watches.", &http::Server::Stats::long_running},
      {"flotilla_http_rejected_requests",
       "API requests refused with 429 since start (a budget was exhausted).",
       &http::Server::Stats::rejected_429},
      {"flotilla_http_rejected_connections",
       "API connections refused with 503 since start (too many open).",
       &http::Server::Stats::rejected_connections},
      {"flotilla_http_deadline_closes",
       "API connections closed at a header, body, write or idle deadline since start.",
       &http::Server::Stats::timeouts},
  };
  if (Status s = api_server.Start(); !s.ok()) {
    log::Error("cannot start API server", {{"listen", flags.listen}, {"error", s.ToString()}});
    return 1;
  }
  for (const HttpGauge& g : kHttpGauges)
    reg.AddGauge(g.name, g.help).SetCallback({}, [&api_server, field = g.field] {
      return static_cast<double>(api_server.stats().*field);
    });
  const std::string api_url = fmt::format("{}://{}:{}", tls_cert.empty() ? "http" : "https",
                                          UrlHost(host), api_server.port());
  const std::string kubeconfig = (fs::path(flags.data_dir) / "admin.kubeconfig").string();
  if (auto k = auth::EnsureAdminKubeconfig(*store, kubeconfig, api_url, ca_pem); !k.ok()) {
    log::Error("cannot write the admin kubeconfig",
               {{"file", kubeconfig}, {"error", k.status().ToString()}});
    return 1;
  } else if (k->written) {
    log::Info(k->issued_token ? "admin kubeconfig written with a new admin token"
                              : "admin kubeconfig updated",
              {{"file", kubeconfig}, {"server", api_url}});
  }
  if (!flags.port_file.empty()) {
    std::string tmp = flags.port_file + ".tmp";
    std::ofstream(tmp) << api_server.port() << "\n";
    fs::rename(tmp, flags.port_file, ec);
  }
  log::Info("flotilla server started",
            {{"api", api_url},
             {"kubeconfig", kubeconfig},
             {"data_dir", flags.data_dir},
             {"store", store::RedactStoreUrl(store_url)},
             {"apply_dir", apply_dir},
             {"audit_log", audit_path},
             {"gitrepo_workers", std::to_string(flags.gitrepo_workers)},
             {"bundle_workers", std::to_string(flags.bundle_workers)},
             {"bundledeployment_workers", std::to_string(flags.bundledeployment_workers)}});

  if (flags.api_server_url.empty()) registrations.SetApiServerUrl(api_url);
  // The controllers run on one replica at a time: the holder of the leader Lease (README
  // "Replicas"), or this process alone without leader election.
  std::mutex leadership_mu;  // orders a late acquisition against shutdown
  auto start_controllers = [&] {
    std::lock_guard<std::mutex> lock(leadership_mu);
    if (g_stop) return;
    if (Status s = controllers.Start(); !s.ok()) {
      log::Error("cannot start the controllers", {{"error", s.ToString()}});
      std::_Exit(1);
    }
  };
  std::unique_ptr<coordination::LeaderElector> elector;
  if (*election) {
    if (Status s = Ensure(*store, model::NamespaceType(),
                          {{"apiVersion", "v1"},
                           {"kind", "Namespace"},
                           {"metadata", {{"name", (*election)->lease_namespace}}}});
        !s.ok()) {
      log::Error("cannot create the leader Lease's namespace", {{"error", s.ToString()}});
      return 1;
    }
    coordination::LeaderCallbacks callbacks;
    callbacks.on_started_leading = start_controllers;
    callbacks.on_stopped_leading = [] {
      // As kube-controller-manager: exit at once, so that no second leader runs alongside this
      // one while it would drain its work; the supervisor restarts it as a candidate.
      log::Error("leader lease lost: exiting so that a supervisor restarts this replica");
      std::_Exit(1);
    };
    auto made = coordination::LeaderElector::Create(*store, **election, std::move(callbacks));
    if (!made.ok()) {
      log::Error("cannot start leader election", {{"error", made.status().ToString()}});
      return 1;
    }
    elector = std::move(*made);
    elector->Start();
  } else {
    reg.AddGauge("flotilla_leader", "1 while this replica holds the controllers' leader Lease.")
        .WithLabels()
        .Set(1);  // the only replica
    start_controllers();
  }
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  auto next_health = std::chrono::steady_clock::now();
  auto next_trim = next_health;
  while (!g_stop) {
    if (std::chrono::steady_clock::now() >= next_health) {
      update_health();
      next_health = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    }
    if (std::chrono::steady_clock::now() >= next_trim) {
      malloc_trim(0);
      next_trim = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    }
    std::unique_lock<std::mutex> lock(g_stop_mu);
    g_stop_cv.wait_for(lock, std::chrono::milliseconds(200));
  }
  log::Info("shutting down");
  api_server.Stop();
  for (const HttpGauge& g : kHttpGauges) reg.AddGauge(g.name, g.help).Remove({});
  {
    std::lock_guard<std::mutex> lock(leadership_mu);
    controllers.Stop();
  }
  if (elector) elector->Stop();  // hands the Lease over once no controller of ours runs
  log::Info("flotilla server stopped");
  return 0;
}

}  // namespace flotilla::cli
