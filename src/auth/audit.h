// The audit log: one JSON line per write request (create, update, patch, delete,
// deletecollection, their subresources, and non-resource POST/PUT/PATCH/DELETE), in the shape of
// Kubernetes' audit.k8s.io/v1 Event at level Metadata, so existing tooling reads it:
//   {"apiVersion":"audit.k8s.io/v1","kind":"Event","level":"Metadata","stage":"ResponseComplete",
//    "requestReceivedTimestamp":"2026-01-02T03:04:05.123456Z","verb":"create",
//    "requestURI":"/apis/...","user":{"username":"u","groups":[...]},
//    "objectRef":{"apiGroup":"fleet.cattle.io","resource":"gitrepos","namespace":"ns",
//    "name":"x","subresource":"status"},"responseStatus":{"code":201}}
// Never a request or response body (no Secret data), never a query string. Each line is
// written with one write(2) as it happens (nothing buffered in the process); when the file would
// pass `max_bytes` it is renamed to FILE.1 (replacing an older one) and a new FILE begun, so the
// log takes at most about twice `max_bytes` on disk. Files are created 0600. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/authorizer.h"
#include "core/status.h"
#include "core/time.h"
#include "http/message.h"

namespace flotilla::auth {

struct AuditEvent {
  Clock::time_point time;
  http::UserInfo user;
  RequestAttributes attributes;
  int code = 0;
};

// Whether a request with this verb is audited.
bool IsAuditedVerb(const std::string& verb);

// The event's JSON line (without the newline).
std::string AuditLine(const AuditEvent& event);

class AuditLog {
 public:
  struct Options {
    std::string path;
    uint64_t max_bytes = 100ull << 20;
  };
  // Opens (appending to) or creates `options.path`. kUnavailable when it cannot.
  static StatusOr<std::unique_ptr<AuditLog>> Open(Options options);
  ~AuditLog();

  // Appends one line; rotates first when the line would pass max_bytes. Errors are logged (once
  // per failure streak) and the write dropped: the request it describes has already been served.
  void Write(const AuditEvent& event);

 private:
  explicit AuditLog(Options options) : options_(std::move(options)) {}
  Status OpenFileLocked();  // REQUIRES mu_
  Status RotateLocked();    // REQUIRES mu_

  const Options options_;
  std::mutex mu_;
  int fd_ = -1;           // GUARDED_BY(mu_)
  uint64_t size_ = 0;     // GUARDED_BY(mu_)
  bool failing_ = false;  // GUARDED_BY(mu_)
};

}  // namespace flotilla::auth
