#include "render/chartsource/http.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "http/client.h"

namespace flotilla::chartsource {
namespace {

constexpr const char* kTlsMarker = "(TLS handshake failed)";

}  // namespace

StatusOr<HttpResponse> HttpGet(const HttpRequest& req) {
  static const HttpFetcherOptions kDefaults;
  const HttpFetcherOptions& lim = req.limits ? *req.limits : kDefaults;
  http::ClientRequest cr;
  cr.url = req.url;
  cr.headers = req.headers;
  cr.user_agent = "Helm/3 (flotilla)";
  cr.max_redirects = 5;
  cr.compressed = true;
  cr.timeouts.connect = lim.connect_timeout;
  cr.timeouts.total = lim.total_timeout;
  cr.timeouts.stall = std::max(std::chrono::seconds(1), lim.stall_timeout);
  cr.max_body_bytes = req.max_bytes ? req.max_bytes : lim.max_index_bytes;
  if (req.basic != nullptr && !req.basic->username.empty()) {
    // libcurl sends these only to the original host, never after a redirect elsewhere.
    cr.username = req.basic->username;
    cr.password = req.basic->password;
  }
  if (req.tls != nullptr) {
    cr.tls.insecure_skip_verify = req.tls->insecure_skip_tls_verify;
    cr.tls.extra_ca_pem = req.tls->ca_bundle;
  }
  http::TransportError te;
  auto got = http::Client::Shared().Do(cr, &te);
  std::string url = RedactUrl(req.url);
  if (!got.ok()) {
    using Kind = http::TransportError::Kind;
    const std::string why = te.Why();
    switch (te.kind) {
      case Kind::kTooLarge:
        return ResourceExhausted(fmt::format("{}: the answer is larger than the limit of {} bytes",
                                             url, cr.max_body_bytes));
      case Kind::kTimeout:
        return Unavailable(fmt::format("GET {}: timed out ({})", url, why));
      case Kind::kResolve:
        return Unavailable(fmt::format("GET {}: cannot resolve host ({})", url, why));
      case Kind::kConnect:
        return Unavailable(fmt::format("GET {}: cannot connect ({})", url, why));
      case Kind::kTlsHandshake:
        return Unavailable(fmt::format("GET {}: {} {}", url, kTlsMarker, why));
      case Kind::kTlsVerify:
      case Kind::kTlsSetup:
        return Unavailable(
            fmt::format("GET {}: the server certificate is not trusted ({}); set a CA bundle or "
                        "insecureSkipTLSVerify",
                        url, why));
      default:
        return Unavailable(fmt::format("GET {}: {}", url, why));
    }
  }
  HttpResponse r;
  r.status = got->status;
  r.content_type = got->content_type;
  r.effective_url = got->effective_url;
  r.www_authenticate = got->Header("www-authenticate");
  r.body = std::move(got->body);
  return r;
}

bool IsTlsFailure(const Status& s) {
  return s.code() == StatusCode::kUnavailable && s.message().find(kTlsMarker) != std::string::npos;
}

Status HttpStatusError(const HttpResponse& r, const std::string& what, const std::string& url,
                       bool had_credentials) {
  std::string u = RedactUrl(url);
  if (r.status == 401)
    return Status(StatusCode::kUnauthenticated,
                  had_credentials
                      ? fmt::format("{} at {}: the credentials were rejected (HTTP 401)", what, u)
                      : fmt::format("{} at {}: authentication required (HTTP 401) but no "
                                    "credentials are configured (helmSecretName, --username)",
                                    what, u));
  if (r.status == 403)
    return Status(StatusCode::kPermissionDenied,
                  fmt::format("{} at {}: access denied (HTTP 403)", what, u));
  if (r.status == 404) return NotFound(fmt::format("{} at {}: not found (HTTP 404)", what, u));
  return Unavailable(fmt::format("{} at {}: the server answered HTTP {}", what, u, r.status));
}

}  // namespace flotilla::chartsource
