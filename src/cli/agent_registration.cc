#include "cli/agent_registration.h"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "auth/kubeconfig.h"
#include "client/remote_store.h"
#include "core/json.h"
#include "core/log.h"
#include "model/names.h"
#include "model/resource_type.h"
#include "model/secret.h"
#include "registration/registration.h"

namespace flotilla::cli {
namespace {

namespace fs = std::filesystem;

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot read {}", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes `text` to `path` with mode 0600, atomically (a reader sees the old file or the new).
Status WritePrivate(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status(StatusCode::kUnavailable, "cannot write " + tmp);
    ::chmod(tmp.c_str(), 0600);
    out << text;
    if (!out.flush()) return Status(StatusCode::kUnavailable, "cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec)
    return Status(StatusCode::kUnavailable, fmt::format("cannot write {}: {}", path, ec.message()));
  return Status::Ok();
}

std::string Kubeconfig(const std::string& dir) { return (fs::path(dir) / "kubeconfig").string(); }
std::string ClusterFile(const std::string& dir) {
  return (fs::path(dir) / "cluster.json").string();
}

StatusOr<std::string> ClientId(const RegisterOptions& o) {
  if (!o.client_id.empty()) return o.client_id;
  const std::string path = (fs::path(o.state_dir) / "client-id").string();
  if (auto have = ReadText(path); have.ok()) {
    std::string id = *have;
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    if (!id.empty()) return id;
  }
  std::string id = RandomHex(16);
  RETURN_IF_ERROR(WritePrivate(path, id + "\n"));
  return id;
}

std::string RefusedMessage(const std::string& file) {
  return fmt::format(
      "the registration token in {} was refused (401 Unauthorized): it expired or was revoked. "
      "Create a new ClusterRegistrationToken and write its Secret's values to this file",
      file);
}

}  // namespace

StatusOr<std::map<std::string, std::string>> ParseClusterLabels(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string pair = text.substr(start, end - start);
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      return InvalidArgument(fmt::format("--cluster-labels: \"{}\" is not KEY=VALUE", pair));
    out[pair.substr(0, eq)] = pair.substr(eq + 1);
    start = end + 1;
    if (end == text.size()) break;
  }
  return out;
}

StatusOr<AgentIdentity> LoadIdentity(const std::string& state_dir) {
  const std::string kc = Kubeconfig(state_dir), cf = ClusterFile(state_dir);
  if (!fs::exists(kc)) return NotFound(fmt::format("{} does not exist", kc));
  auto config = auth::ReadKubeconfig(kc);
  if (!config.ok()) return config.status();
  auto cluster_text = ReadText(cf);
  if (!cluster_text.ok()) return InvalidArgument(fmt::format("{} exists but {} does not", kc, cf));
  Json cluster = Json::parse(*cluster_text, nullptr, false);
  if (!cluster.is_object() || !cluster.value("name", Json()).is_string() ||
      !cluster.value("namespace", Json()).is_string())
    return InvalidArgument(fmt::format("{}: want {{\"namespace\": ..., \"name\": ...}}", cf));
  AgentIdentity id;
  id.server = config->server;
  id.ca_pem = config->ca_pem;
  id.token = config->token;
  id.cluster_namespace = cluster["namespace"];
  id.cluster_name = cluster["name"];
  return id;
}

Status SaveIdentity(const std::string& state_dir, const AgentIdentity& id) {
  RETURN_IF_ERROR(WritePrivate(
      ClusterFile(state_dir),
      Json({{"namespace", id.cluster_namespace}, {"name", id.cluster_name}}).dump() + "\n"));
  return WritePrivate(Kubeconfig(state_dir),
                      auth::RenderKubeconfig({id.server, id.ca_pem, id.token}));
}

void DiscardIdentity(const std::string& state_dir) {
  std::error_code ec;
  fs::rename(Kubeconfig(state_dir), Kubeconfig(state_dir) + ".revoked", ec);
}

StatusOr<AgentIdentity> Register(const RegisterOptions& o, const std::function<bool()>& stopping) {
  auto text = ReadText(o.registration_file);
  if (!text.ok()) return InvalidArgument("--registration-file: " + text.status().message());
  auto values = registration::ParseValues(*text, o.registration_file);
  if (!values.ok()) return values.status();
  auto client_id = ClientId(o);
  if (!client_id.ok()) return client_id.status();

  client::RemoteOptions ro;
  ro.server = values->api_server_url;
  ro.token = values->token;
  if (!values->api_server_ca.empty()) {
    ro.ca_file = (fs::path(o.state_dir) / "registration-ca.pem").string();
    RETURN_IF_ERROR(WritePrivate(ro.ca_file, values->api_server_ca));
  }
  ro.user_agent = "flotilla-agent/registration";
  auto remote = client::OpenRemoteStore(ro);
  if (!remote.ok()) return remote.status();
  store::Store& api = **remote;

  const std::string ns = values->cluster_namespace;
  const std::string name = "request-" + RandomHex(5);
  const std::string random = RandomHex(32);
  Json labels = Json::object();
  for (const auto& [k, v] : o.cluster_labels) labels[k] = v;
  Json request = {
      {"apiVersion", model::ClusterRegistrationType().ApiVersion()},
      {"kind", "ClusterRegistration"},
      {"metadata", {{"name", name}, {"namespace", ns}, {"labels", Json::object()}}},
      {"spec", {{"clientID", *client_id}, {"clientRandom", random}, {"clusterLabels", labels}}}};
  if (!values->token_name.empty())
    request["metadata"]["labels"][registration::kRegistrationTokenLabel] = values->token_name;

  const std::string key = ns + "/" + name;
  auto wait = [&](std::chrono::milliseconds d) {
    for (auto until = std::chrono::steady_clock::now() + d;
         std::chrono::steady_clock::now() < until && !stopping();)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return !stopping();
  };
  // Create the request; transient failures (server down) are retried.
  for (int attempt = 0;; attempt++) {
    auto created = api.Create(model::ClusterRegistrationType(), request);
    if (created.ok()) break;
    const Status& s = created.status();
    if (s.code() == StatusCode::kUnauthenticated)
      return Status(StatusCode::kUnauthenticated, RefusedMessage(o.registration_file));
    if (s.code() == StatusCode::kPermissionDenied || s.code() == StatusCode::kInvalidArgument)
      return Status(s.code(),
                    fmt::format("cannot create clusterregistration {}: {}", key, s.message()));
    if (attempt % 10 == 0)
      log::Warn("registration: cannot reach the server yet; retrying",
                {{"server", ro.server}, {"error", s.ToString()}});
    if (!wait(std::chrono::seconds(2)))
      return Status(StatusCode::kDeadlineExceeded, "stopped while registering");
  }
  const std::string secret = model::RegistrationSecretName(*client_id, random);
  log::Info("registration: created clusterregistration; waiting for the server to grant it",
            {{"clusterregistration", key}, {"client_id", *client_id}, {"server", ro.server}});
  for (int polls = 1;; polls++) {
    if (!wait(std::chrono::seconds(1)))
      return Status(StatusCode::kDeadlineExceeded, "stopped while waiting for the grant");
    auto got = api.Get(model::SecretType(), values->system_registration_namespace, secret);
    if (got.ok()) {
      AgentIdentity id;
      id.server = values->api_server_url;
      id.ca_pem = values->api_server_ca;
      id.token = model::SecretValueOrEmpty(*got, "token");
      id.cluster_namespace = model::SecretValueOrEmpty(*got, "clusterNamespace");
      id.cluster_name = model::SecretValueOrEmpty(*got, "clusterName");
      if (id.token.empty() || id.cluster_name.empty() || id.cluster_namespace.empty())
        return Status(StatusCode::kInternal, "the credential Secret of " + key +
                                                 " lacks token, clusterName or "
                                                 "clusterNamespace");
      log::Info("registration granted",
                {{"clusterregistration", key},
                 {"cluster", id.cluster_namespace + "/" + id.cluster_name},
                 {"namespace", model::SecretValueOrEmpty(*got, "deploymentNamespace")}});
      return id;
    }
    if (got.status().code() == StatusCode::kUnauthenticated)
      return Status(StatusCode::kUnauthenticated, RefusedMessage(o.registration_file));
    // 404 (not granted yet) and 403 (its Role not in force yet) both mean: not yet.
    if (polls % 10 == 0)
      log::Info("registration: still waiting for the grant",
                {{"clusterregistration", key},
                 {"waited_seconds", std::to_string(polls)},
                 {"last", got.status().ToString()}});
  }
}

}  // namespace flotilla::cli
