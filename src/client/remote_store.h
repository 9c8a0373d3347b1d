// The store over the HTTP API: a store::Store that is a client of flotilla's Kubernetes-style
// API (libcurl), so `flotilla agent` runs the same Agent, informers and queues as the server's
// built-in agent, against a server it reaches over the network with its own credential.
//
// What it promises beyond store.h:
// - HTTP statuses map to StatusCode exactly (StatusFromHttp): 404 NotFound, 409 AlreadyExists or
//   Conflict (by the Status reason), 410 Gone, 401 Unauthenticated, 403 PermissionDenied, 400/422
//   InvalidArgument; 429, 5xx and every transport error (refused, reset, timeout, TLS) are
//   kUnavailable, never NotFound — a caller that deletes on NotFound deletes only on the server's
//   word.
// - List with limit 0 follows `continue` until the last page; with a limit it returns one page.
// - Watch streams ?watch=1 (one JSON event per line) from a background thread; it returns once
//   the server has answered (an HTTP error is the Watch's error). A 410 ERROR event (the
//   resourceVersion expired) stops the watcher with status() kGone, so informers re-list; a
//   stream that ends (server restart, network cut, the server's watch timeout) stops it with
//   kUnavailable (or OK at a clean end), and the caller resumes from the last resourceVersion.
// - CurrentResourceVersion is the highest resourceVersion this client has seen (the API has no
//   such call); CheckHealth asks /healthz.
// - The bearer token is sent on every request and never logged.
// Thread-safe; connections are reused.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/status.h"
#include "store/store.h"

namespace flotilla::client {

struct RemoteOptions {
  std::string server;   // "https://host:port" (or "http://" on loopback)
  std::string token;    // bearer token; empty = none
  std::string ca_file;  // PEM bundle trusted for the server's certificate; empty = the system's
  std::chrono::seconds request_timeout{30};
  std::chrono::seconds connect_timeout{10};
  // The server ends each watch after this long (timeoutSeconds); the caller resumes it.
  std::chrono::seconds watch_timeout{300};
  std::string user_agent = "flotilla";
};

StatusOr<std::unique_ptr<store::Store>> OpenRemoteStore(RemoteOptions options);

// The StatusCode for an HTTP answer `code` whose body is `body` (a metav1.Status, or anything);
// the message is the Status's message when there is one. OK for 2xx.
Status StatusFromHttp(long code, const std::string& body);

}  // namespace flotilla::client
