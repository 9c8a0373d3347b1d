#include "cli/agent.h"

#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "agent/agent.h"
#include "agent/directory/directory_applier.h"
#include "cli/agent_registration.h"
#include "client/remote_store.h"
#include "controller/manager.h"
#include "core/log.h"
#include "core/time.h"
#include "model/names.h"

namespace flotilla::cli {
namespace {

std::atomic<bool> g_agent_stop{false};
std::mutex g_agent_mu;
std::condition_variable g_agent_cv;

void OnAgentSignal(int) {
  g_agent_stop = true;
  g_agent_cv.notify_all();  // not async-signal-safe in theory; the waiter also polls
}

StatusOr<std::string> ReadSecretFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument(fmt::format("cannot read {} {}", what, path));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.empty()) return InvalidArgument(fmt::format("{} {} is empty", what, path));
  return s;
}

int Fail(const std::string& message) {
  log::Error("agent cannot start", {{"error", message}});
  return 1;
}

}  // namespace

namespace {

enum class RunEnd { kStopped, kRefused };

// Runs the agent with `id` until a stop signal (kStopped), or until the server refuses its
// credential (401) and `reregister` says a new one can be had (kRefused). Returns an error for
// what stops it from starting.
StatusOr<RunEnd> RunWithIdentity(const AgentFlags& flags, const AgentIdentity& id,
                                 const std::string& ca_file, std::chrono::milliseconds interval,
                                 bool reregister) {
  client::RemoteOptions ro;
  ro.server = id.server;
  ro.token = id.token;
  ro.ca_file = ca_file;
  ro.user_agent = "flotilla-agent/" + id.cluster_name;
  auto remote = client::OpenRemoteStore(ro);
  if (!remote.ok()) return remote.status();
  store::Store& store = **remote;

  agent::directory::DirectoryApplierOptions dao;
  dao.apply_dir = flags.apply_dir;
  auto applier = agent::directory::DirectoryApplier::Open(dao);
  if (!applier.ok()) return applier.status();

  agent::Agent agent(store, **applier, {id.cluster_namespace, id.cluster_name});
  controller::Manager controllers(store);
  agent.Register(controllers, std::max(1, flags.workers));

  log::Info("flotilla agent started", {{"server", id.server},
                                       {"cluster", id.cluster_namespace + "/" + id.cluster_name},
                                       {"namespace", agent.deployment_namespace()},
                                       {"apply_dir", flags.apply_dir},
                                       {"checkin_interval", flags.checkin_interval}});
  if (Status st = controllers.Start(); !st.ok()) return st;
  RunEnd end = RunEnd::kStopped;
  auto next_checkin = std::chrono::steady_clock::now();
  bool checkin_failing = false, refused = false;
  while (!g_agent_stop) {
    if (std::chrono::steady_clock::now() >= next_checkin) {
      Status hb = agent.Heartbeat();
      // 401: the credential itself is gone (revoked, or the registration was replaced).
      if (hb.code() == StatusCode::kUnauthenticated && !refused) {
        log::Error(
            "the server refused this agent's credential (401 Unauthorized): it was revoked or "
            "this cluster registered again elsewhere",
            {{"cluster", id.cluster_namespace + "/" + id.cluster_name},
             {"next", reregister ? "registering again with --registration-file"
                                 : "retrying; give the agent a new credential"}});
        refused = true;
        if (reregister) {
          end = RunEnd::kRefused;
          break;
        }
      } else if (!hb.ok() && !checkin_failing && hb.code() != StatusCode::kUnauthenticated) {
        log::Warn("check-in failed; retrying", {{"error", hb.ToString()}});
      }
      if (hb.ok() && (checkin_failing || refused)) log::Info("check-in succeeded again");
      if (hb.ok()) refused = false;
      checkin_failing = !hb.ok();
      // A failed check-in is retried sooner than the interval (the server may be restarting).
      next_checkin =
          std::chrono::steady_clock::now() +
          (hb.ok() ? interval
                   : std::min<std::chrono::milliseconds>(std::chrono::seconds(5), interval));
    }
    std::unique_lock<std::mutex> lock(g_agent_mu);
    g_agent_cv.wait_for(lock, std::chrono::milliseconds(200));
  }
  log::Info(end == RunEnd::kStopped ? "agent shutting down" : "agent stopping to register again");
  controllers.Stop();
  return end;
}

}  // namespace

int RunAgent(const AgentFlags& flags) {
  log::Init(flags.log_format == "json" ? log::Format::kJson : log::Format::kText,
            log::ParseLevel(flags.log_level));
  namespace fs = std::filesystem;
  const bool registering = !flags.registration_file.empty();
  if (registering && !flags.server.empty())
    return Fail(
        "--registration-file and --server exclude each other (the values file names the "
        "server)");
  if (registering && flags.state_dir.empty())
    return Fail("--registration-file needs --state-dir (the agent keeps its credential there)");
  const bool saved =
      !flags.state_dir.empty() && fs::exists(fs::path(flags.state_dir) / "kubeconfig");
  if (!registering && !saved) {
    if (flags.server.empty()) return Fail("--server (or --registration-file) is required");
    if (flags.token_file.empty()) return Fail("--token-file is required");
    if (flags.cluster_name.empty()) return Fail("--cluster-name is required");
  }
  if (flags.apply_dir.empty()) return Fail("--apply-dir is required");
  auto labels = ParseClusterLabels(flags.cluster_labels);
  if (!labels.ok()) return Fail(labels.status().message());
  auto interval = ParseGoDuration(flags.checkin_interval);
  if (!interval.ok() || interval->count() <= 0)
    return Fail(
        fmt::format("--checkin-interval \"{}\": not a positive duration", flags.checkin_interval));
  const auto interval_ms = std::chrono::duration_cast<std::chrono::milliseconds>(*interval);
  if (!flags.state_dir.empty()) {
    std::error_code ec;
    if (fs::create_directories(flags.state_dir, ec))
      fs::permissions(flags.state_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec)
      return Fail(fmt::format("cannot create state dir {}: {}", flags.state_dir, ec.message()));
  }
  struct sigaction sa {};
  sa.sa_handler = OnAgentSignal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  // --server/--token-file given explicitly: that credential, as before registration existed.
  if (!flags.server.empty()) {
    auto token = ReadSecretFile(flags.token_file, "token file");
    if (!token.ok()) return Fail(token.status().message());
    AgentIdentity id{flags.server, "", *token, flags.cluster_namespace, flags.cluster_name};
    auto end = RunWithIdentity(flags, id, flags.ca_file, interval_ms, false);
    if (!end.ok()) return Fail(end.status().message());
    log::Info("flotilla agent stopped");
    return 0;
  }
  // The state dir's credential, registering first when there is none (or it was refused).
  RegisterOptions reg{flags.registration_file, flags.state_dir, flags.client_id, *labels};
  while (!g_agent_stop) {
    auto id = LoadIdentity(flags.state_dir);
    if (!id.ok() && id.status().code() != StatusCode::kNotFound) return Fail(id.status().message());
    if (id.ok()) {
      log::Info("using the credential in the state dir (no registration)",
                {{"kubeconfig", (fs::path(flags.state_dir) / "kubeconfig").string()}});
    } else {
      if (!registering)
        return Fail(
            fmt::format("{}: no credential; give --registration-file", id.status().message()));
      id = Register(reg, [] { return g_agent_stop.load(); });
      if (!id.ok()) {
        if (g_agent_stop) break;
        // A refused or unreadable registration file may be replaced while we wait.
        if (id.status().code() == StatusCode::kUnauthenticated ||
            id.status().code() == StatusCode::kInvalidArgument ||
            id.status().code() == StatusCode::kPermissionDenied) {
          log::Error("registration failed; reading the registration file again in 5s",
                     {{"error", id.status().message()}});
          std::unique_lock<std::mutex> lock(g_agent_mu);
          g_agent_cv.wait_for(lock, std::chrono::seconds(5), [] { return g_agent_stop.load(); });
          continue;
        }
        return Fail(id.status().message());
      }
      if (Status s = SaveIdentity(flags.state_dir, *id); !s.ok()) return Fail(s.message());
      log::Info("agent credential saved; the registration token is not needed any more",
                {{"kubeconfig", (fs::path(flags.state_dir) / "kubeconfig").string()}});
    }
    std::string ca_file;
    if (!id->ca_pem.empty()) {
      ca_file = (fs::path(flags.state_dir) / "ca.pem").string();
      std::ofstream out(ca_file, std::ios::binary | std::ios::trunc);
      ::chmod(ca_file.c_str(), 0600);
      out << id->ca_pem;
    }
    auto end = RunWithIdentity(flags, *id, ca_file, interval_ms, registering);
    if (!end.ok()) return Fail(end.status().message());
    if (*end == RunEnd::kStopped) break;
    DiscardIdentity(flags.state_dir);
  }
  log::Info("flotilla agent stopped");
  return 0;
}

void AddAgentFlags(CLI::App& cmd, AgentFlags& f) {
  cmd.add_option("--registration-file", f.registration_file,
                 "The `values` of a ClusterRegistrationToken's Secret: register with it when the "
                 "state dir holds no credential");
  cmd.add_option("--cluster-labels", f.cluster_labels,
                 "Labels for this cluster at registration (k=v,k2=v2)");
  cmd.add_option("--client-id", f.client_id,
                 "This cluster's identity at registration (default: random, kept in the state "
                 "dir); the same id gets the same Cluster");
  cmd.add_option("--server", f.server, "URL of the flotilla server's API (https://host:port)");
  cmd.add_option("--token-file", f.token_file, "File holding this cluster's bearer token");
  cmd.add_option("--ca-file", f.ca_file, "CA certificate(s) of the server (PEM)");
  cmd.add_option("--state-dir", f.state_dir, "The agent's own state (created 0700)");
  cmd.add_option("--apply-dir", f.apply_dir, "Where the directory applier writes objects");
  cmd.add_option("--cluster-namespace", f.cluster_namespace, "Namespace of this agent's Cluster")
      ->capture_default_str();
  cmd.add_option("--cluster-name", f.cluster_name, "Name of this agent's Cluster");
  cmd.add_option("--checkin-interval", f.checkin_interval,
                 "How often the agent checks in (Fleet's agentCheckinInterval)")
      ->capture_default_str();
  cmd.add_option("--workers", f.workers, "BundleDeployment workers")->capture_default_str();
  cmd.add_option("--log-format", f.log_format, "text or json")->capture_default_str();
  cmd.add_option("--log-level", f.log_level, "debug, info, warn, error")->capture_default_str();
}

}  // namespace flotilla::cli
