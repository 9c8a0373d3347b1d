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

int RunAgent(const AgentFlags& flags) {
  log::Init(flags.log_format == "json" ? log::Format::kJson : log::Format::kText,
            log::ParseLevel(flags.log_level));
  namespace fs = std::filesystem;
  if (flags.server.empty()) return Fail("--server is required");
  if (flags.token_file.empty()) return Fail("--token-file is required");
  if (flags.cluster_name.empty()) return Fail("--cluster-name is required");
  if (flags.apply_dir.empty()) return Fail("--apply-dir is required");
  auto interval = ParseGoDuration(flags.checkin_interval);
  if (!interval.ok() || interval->count() <= 0)
    return Fail(
        fmt::format("--checkin-interval \"{}\": not a positive duration", flags.checkin_interval));
  if (!flags.state_dir.empty()) {
    std::error_code ec;
    if (fs::create_directories(flags.state_dir, ec))
      fs::permissions(flags.state_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec)
      return Fail(fmt::format("cannot create state dir {}: {}", flags.state_dir, ec.message()));
  }
  auto token = ReadSecretFile(flags.token_file, "token file");
  if (!token.ok()) return Fail(token.status().message());

  client::RemoteOptions ro;
  ro.server = flags.server;
  ro.token = *token;
  ro.ca_file = flags.ca_file;
  ro.user_agent = "flotilla-agent/" + flags.cluster_name;
  auto remote = client::OpenRemoteStore(ro);
  if (!remote.ok()) return Fail(remote.status().message());
  store::Store& store = **remote;

  agent::directory::DirectoryApplierOptions dao;
  dao.apply_dir = flags.apply_dir;
  auto applier = agent::directory::DirectoryApplier::Open(dao);
  if (!applier.ok()) return Fail(applier.status().message());

  agent::Agent agent(store, **applier, {flags.cluster_namespace, flags.cluster_name});
  controller::Manager controllers(store);
  agent.Register(controllers, std::max(1, flags.workers));

  struct sigaction sa {};
  sa.sa_handler = OnAgentSignal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  log::Info("flotilla agent started",
            {{"server", flags.server},
             {"cluster", flags.cluster_namespace + "/" + flags.cluster_name},
             {"namespace", agent.deployment_namespace()},
             {"apply_dir", flags.apply_dir},
             {"checkin_interval", flags.checkin_interval}});
  if (Status st = controllers.Start(); !st.ok()) return Fail(st.message());
  auto next_checkin = std::chrono::steady_clock::now();
  bool checkin_failing = false;
  while (!g_agent_stop) {
    if (std::chrono::steady_clock::now() >= next_checkin) {
      Status hb = agent.Heartbeat();
      if (!hb.ok() && !checkin_failing)
        log::Warn("check-in failed; retrying", {{"error", hb.ToString()}});
      if (hb.ok() && checkin_failing) log::Info("check-in succeeded again");
      checkin_failing = !hb.ok();
      // A failed check-in is retried sooner than the interval (the server may be restarting).
      next_checkin =
          std::chrono::steady_clock::now() +
          (hb.ok() ? std::chrono::duration_cast<std::chrono::milliseconds>(*interval)
                   : std::min<std::chrono::milliseconds>(
                         std::chrono::seconds(5),
                         std::chrono::duration_cast<std::chrono::milliseconds>(*interval)));
    }
    std::unique_lock<std::mutex> lock(g_agent_mu);
    g_agent_cv.wait_for(lock, std::chrono::milliseconds(200));
  }
  log::Info("agent shutting down");
  controllers.Stop();
  log::Info("flotilla agent stopped");
  return 0;
}

void AddAgentFlags(CLI::App& cmd, AgentFlags& f) {
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
