#include "cli/api_client.h"

#include <chrono>
#include <cstdlib>

#include <fmt/format.h>

#include "http/client.h"

namespace flotilla::cli {

std::string KubeconfigPath(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("KUBECONFIG");
  if (env != nullptr && *env != 0) return env;
  return "./flotilla-data/admin.kubeconfig";
}

StatusOr<ApiReply> CallApi(const auth::Kubeconfig& config, const std::string& method,
                           const std::string& path, const std::string& body) {
  std::string base = config.server;
  while (!base.empty() && base.back() == '/') base.pop_back();
  http::ClientRequest req;
  req.method = method;
  req.url = base + path;
  req.timeouts.total = std::chrono::seconds(30);
  req.max_body_bytes = size_t{256} << 20;
  req.tls.ca_pem = config.ca_pem;  // the kubeconfig's CA, when it has one; else the system's
  if (!config.token.empty()) req.headers.push_back("Authorization: Bearer " + config.token);
  req.headers.push_back("Accept: application/json");
  if (!body.empty() || method == "POST") {
    req.headers.push_back("Content-Type: application/json");
    req.body = body;
  }
  http::TransportError te;
  auto r = http::Client::Shared().Do(req, &te);
  if (!r.ok())
    return Unavailable(fmt::format("{} {}: {}", method, req.url,
                                   te.curl_text.empty() ? r.status().message() : te.curl_text));
  ApiReply reply;
  reply.code = r->status;
  reply.body = std::move(r->body);
  return reply;
}

}  // namespace flotilla::cli
