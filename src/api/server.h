// flotilla's Kubernetes-compatible HTTP API server: discovery, CRUD, list, watch, Table output
// and Status errors for every kind in model::AllTypes(), served from a store::Store, so that
// `kubectl --server=https://HOST:PORT` works against it. Other handlers (webhooks, /metrics, a
// dashboard) can be mounted on the same listener with Handle().
//
// Every request runs through one pipeline: authenticate -> authorize -> admit -> handle
// (auth.h; admission hooks run inside the resource handlers on writes). Connections, budgets,
// timeouts and streaming are http::Server's (see http/server.h): watches hold no thread.
//
// Security: request bodies and Secret contents are never logged; the access log carries method,
// path, status and duration only.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "api/admission.h"
#include "api/auth.h"
#include "api/http.h"
#include "api/resources.h"
#include "auth/audit.h"
#include "core/status.h"
#include "http/server.h"
#include "store/store.h"

namespace flotilla::api {

class ApiServer {
 public:
  // The listener's options (host, port, budgets, limits, timeouts) plus the resources'.
  struct Options : http::Server::Options {
    ResourceApi::Options resources;
  };

  ApiServer(store::Store& store, Options options);
  ~ApiServer();  // Stop()s
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Mounts `handler` on every path equal to `prefix` or below it ("/metrics" serves "/metrics"
  // and "/metrics/x"; "/webhooks/" serves everything under it). Mounted handlers take
  // precedence over the built-in routes (so "/readyz" can be replaced); the longest prefix wins.
  // REQUIRES: called before Start().
  void Handle(std::string prefix, HttpHandler handler);
  // REQUIRES: called before Start(). Hooks run in registration order.
  void AddAdmissionHook(AdmissionHook hook);
  // Replace the allow-all defaults. REQUIRES: called before Start().
  void SetAuthenticator(std::unique_ptr<Authenticator> authenticator);
  void SetAuthorizer(std::unique_ptr<Authorizer> authorizer);
  // Called after every audited request (auth::IsAuditedVerb: writes) that reached
  // authentication, with who, what and the response code (401 and 403 included).
  // REQUIRES: called before Start().
  using AuditSink = std::function<void(const auth::AuditEvent&)>;
  void SetAuditSink(AuditSink sink);
  // Paths served without authentication (exactly, or below when ending in '/'); by default the
  // health probes. REQUIRES: called before Start().
  void AllowUnauthenticated(std::string path);

  // Binds host:port and starts serving. kUnavailable when the address cannot be bound.
  Status Start();
  // The bound port (after Start()).
  int port() const;
  // "https://HOST:PORT" ("http://" without TLS).
  std::string url() const;
  // Idempotent.
  void Stop();

  http::Server::Stats stats() const;

  // Serves one request in-process, exactly as a connection would (without access logging).
  // Streaming responses (watches) are returned with `stream` set, for the caller to run.
  HttpResponse Dispatch(const HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flotilla::api
