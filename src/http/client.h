// The one HTTP client (libcurl) every outgoing request goes through: git's smart HTTP, Helm
// chart sources, the Store over the API (client/) and the CLI's API calls.
//
//  - Connection reuse: a Client keeps idle handles and shares one connection cache, DNS cache
//    and TLS session cache between them (and its threads), so repeated requests to a host reuse
//    a keep-alive connection. Client::Shared() is the process-wide one.
//  - Timeouts: connect, total, and a stall limit (no byte moved for that long), per request.
//  - TLS: the system CAs, plus or instead of a caller's (PEM in memory or a file); a client
//    certificate and key (mutual TLS); verification off only when asked (insecure, for tests
//    and users who opt out explicitly, as insecureSkipTLSVerify).
//  - Proxies: by default libcurl's environment variables are honoured, as curl(1) and git do:
//    http_proxy, https_proxy (or HTTPS_PROXY), all_proxy, and no_proxy (NO_PROXY) for the hosts
//    to reach directly. ClientRequest::proxy overrides them: a URL to use that proxy, or "" for
//    none. Credentials in a proxy URL are never logged (errors name the request's URL only,
//    without userinfo).
//  - Bodies are bounded (max_body_bytes), and may be streamed to a callback instead (watches);
//    a streamed transfer can be cancelled from another thread.
//
// Errors: a transport failure is kUnavailable (or kResourceExhausted for a body over the limit,
// kInvalidArgument for a malformed URL), with a TransportError a caller may use to word its own
// message; HTTP error statuses are responses, for the caller to interpret. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace flotilla::http {

struct TlsOptions {
  // Trust these CAs (PEM) in addition to the system's (a GitRepo's or a Helm repo's caBundle).
  std::string extra_ca_pem = "";
  // Trust only these CAs (PEM in memory, or a PEM file), not the system's (a kubeconfig's CA, an
  // agent's --ca-file). At most one of the two.
  std::string ca_pem = "";
  std::string ca_file = "";
  // Mutual TLS: a client certificate and its key (PEM files).
  std::string client_cert_file = "";
  std::string client_key_file = "";
  // Skip certificate and host name verification. Only for tests and an explicit user opt-out.
  bool insecure_skip_verify = false;
};

struct Timeouts {
  std::chrono::milliseconds connect{std::chrono::seconds(10)};
  // The whole transfer; 0 = no limit (watches).
  std::chrono::milliseconds total{std::chrono::seconds(60)};
  // Abort when no byte moved for this long; 0 = never.
  std::chrono::seconds stall{0};
};

struct ClientRequest {
  std::string method = "GET";
  std::string url = "";
  std::vector<std::string> headers = {};  // "Name: value"
  std::optional<std::string> body = std::nullopt;
  // HTTP basic authentication; libcurl sends it to the URL's host only, never after a redirect
  // elsewhere.
  std::string username = "";
  std::string password = "";
  TlsOptions tls = {};
  Timeouts timeouts = {};
  std::string user_agent = "flotilla";
  // Redirects followed (http and https only); 0 = none.
  int max_redirects = 0;
  // Offer HTTP/2 over TLS (ALPN), as libcurl does by default; false: HTTP/1.1 only.
  bool http2 = true;
  // Accept gzip/deflate and decode them.
  bool compressed = false;
  // nullopt: the environment's proxy variables; "": no proxy; else the proxy's URL.
  std::optional<std::string> proxy = std::nullopt;
  // The body (without a stream callback) is refused over this.
  size_t max_body_bytes = size_t{64} << 20;
  // Streaming: each chunk of the final response's body goes here instead of ClientResponse::body.
  // Return false to end the transfer (the result is then an aborted transfer, kAborted).
  std::function<bool(std::string_view chunk)> on_data = nullptr;
  // Called once the final response's status line and headers are in (before any body).
  std::function<void(long status)> on_headers = nullptr;
};

struct ClientResponse {
  long status = 0;
  std::string body;
  std::string content_type;
  std::string effective_url;  // after redirects
  // The final response's headers, names lower-cased, in order.
  std::vector<std::pair<std::string, std::string>> headers;
  // New connections the transfer opened (0 when it reused one).
  long connects = 0;

  // The first value of header `name` (lower case), or "".
  std::string Header(std::string_view name) const;
};

struct TransportError {
  enum class Kind {
    kTimeout,
    kResolve,
    kConnect,
    kTlsHandshake,  // the TLS handshake failed (e.g. the server speaks plain HTTP)
    kTlsVerify,     // the peer's certificate is not trusted
    kTlsSetup,      // our own CA bundle or client certificate is unusable
    kBadUrl,
    kTooLarge,
    kAborted,  // on_data returned false, or Cancel()
    kOther,
  };
  Kind kind = Kind::kOther;
  // strerror of the OS error behind it, when there is one.
  std::string os_error;
  // libcurl's detail (its error buffer; may be empty).
  std::string detail;
  // libcurl's one-line wording of the error code.
  std::string curl_text;

  // The most specific of the three.
  std::string Why() const {
    return !os_error.empty() ? os_error : !detail.empty() ? detail : curl_text;
  }
};

// Cancels a transfer from another thread: the transfer ends promptly as kAborted.
class Cancellation {
 public:
  void Cancel();
  bool cancelled() const { return cancelled_.load(); }

 private:
  friend class Client;
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  void* multi_ = nullptr;  // GUARDED_BY(mu_); the running transfer's CURLM, to wake it
};

class Client {
 public:
  Client();
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The process-wide client (never destroyed).
  static Client& Shared();

  // Performs `request`. With `error`, a transport failure is also described there.
  StatusOr<ClientResponse> Do(const ClientRequest& request, TransportError* error = nullptr);
  // As Do, cancellable through `cancel` (which must outlive the call).
  StatusOr<ClientResponse> Do(const ClientRequest& request, Cancellation& cancel,
                              TransportError* error = nullptr);

  // Requests made and connections opened by this client since it was created.
  uint64_t requests() const { return requests_.load(); }
  uint64_t connections() const { return connections_.load(); }

 private:
  struct Impl;
  StatusOr<ClientResponse> Perform(const ClientRequest& request, Cancellation* cancel,
                                   TransportError* error);

  std::unique_ptr<Impl> impl_;
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> connections_{0};
};

// The URL without user:password@ (what errors and logs name).
std::string RedactUrl(const std::string& url);

}  // namespace flotilla::http
