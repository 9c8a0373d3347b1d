// flotilla's Kubernetes-compatible HTTP API server: discovery, CRUD, list, watch, Table output
// and Status errors for every kind in model::AllTypes(), served from a store::Store, so that
// `kubectl --server=http://HOST:PORT` works against it. Other handlers (webhooks, /metrics, a
// dashboard) can be mounted on the same listener with Handle().
//
// Threading: one thread accepts; each connection is served synchronously on its own thread
// (a watch occupies its connection's thread, never others). Stop() closes the listener and every
// connection, ends the watches and joins all threads.
//
// Security: request bodies and Secret contents are never logged; the access log carries method,
// path, status and duration only.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "api/admission.h"
#include "api/http.h"
#include "api/resources.h"
#include "core/status.h"
#include "store/store.h"

namespace flotilla::api {

class ApiServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 0;                  // 0 = an ephemeral port; see port()
    size_t max_connections = 512;  // beyond this, new connections get 503 and are closed
    size_t max_body_bytes = 16 << 20;
    bool access_log = true;
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

  // Binds host:port and starts serving. kUnavailable when the address cannot be bound.
  Status Start();
  // The bound port (after Start()).
  int port() const;
  // "http://HOST:PORT".
  std::string url() const;
  // Idempotent.
  void Stop();

  // Serves one request in-process, exactly as a connection would (without access logging).
  // Streaming responses (watches) are returned with `stream` set, for the caller to run.
  HttpResponse Dispatch(const HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flotilla::api
