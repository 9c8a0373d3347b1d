#include "auth/audit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "core/json.h"
#include "core/log.h"

namespace flotilla::auth {
namespace {

// metav1.MicroTime: "2026-01-02T03:04:05.123456Z".
std::string MicroTime(Clock::time_point t) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:06d}Z", buf, static_cast<int>(us % 1000000));
}

Status Errno(const std::string& what, const std::string& path) {
  return Unavailable(fmt::format("{} {}: {}", what, path, std::strerror(errno)));
}

}  // namespace

bool IsAuditedVerb(const std::string& verb) {
  return verb == "create" || verb == "update" || verb == "patch" || verb == "delete" ||
         verb == "deletecollection" || verb == "post" || verb == "put";
}

std::string AuditLine(const AuditEvent& e) {
  const RequestAttributes& a = e.attributes;
  Json j = {{"apiVersion", "audit.k8s.io/v1"},
            {"kind", "Event"},
            {"level", "Metadata"},
            {"stage", "ResponseComplete"},
            {"requestReceivedTimestamp", MicroTime(e.time)},
            {"verb", a.verb},
            {"requestURI", a.path},
            {"user", {{"username", e.user.name}, {"groups", e.user.groups}}},
            {"responseStatus", {{"code", e.code}}}};
  if (a.resource_request) {
    Json ref = {{"resource", a.resource}, {"apiVersion", a.api_version}};
    if (!a.api_group.empty()) ref["apiGroup"] = a.api_group;
    if (!a.ns.empty()) ref["namespace"] = a.ns;
    if (!a.name.empty()) ref["name"] = a.name;
    if (!a.subresource.empty()) ref["subresource"] = a.subresource;
    j["objectRef"] = std::move(ref);
  }
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(Options options) {
  if (options.path.empty()) return InvalidArgument("the audit log needs a file name");
  std::unique_ptr<AuditLog> log(new AuditLog(std::move(options)));
  std::lock_guard lk(log->mu_);
  RETURN_IF_ERROR(log->OpenFileLocked());
  return log;
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

Status AuditLog::OpenFileLocked() {
  int fd = ::open(options_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("cannot open the audit log", options_.path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Errno("cannot stat the audit log", options_.path);
  }
  fd_ = fd;
  size_ = static_cast<uint64_t>(st.st_size);
  return Status::Ok();
}

Status AuditLog::RotateLocked() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  std::string old = options_.path + ".1";
  if (::rename(options_.path.c_str(), old.c_str()) != 0 && errno != ENOENT)
    return Errno("cannot rotate the audit log", options_.path);
  return OpenFileLocked();
}

void AuditLog::Write(const AuditEvent& event) {
  std::string line = AuditLine(event) + "\n";
  std::lock_guard lk(mu_);
  Status s;
  if (fd_ < 0) {
    s = OpenFileLocked();
  } else if (size_ > 0 && size_ + line.size() > options_.max_bytes) {
    s = RotateLocked();
  }
  if (s.ok()) {
    ssize_t n = ::write(fd_, line.data(), line.size());
    if (n == static_cast<ssize_t>(line.size())) {
      size_ += line.size();
    } else {
      s = Errno("cannot write the audit log", options_.path);
    }
  }
  if (!s.ok() && !failing_) log::Error("audit log write failed", {{"error", s.message()}});
  failing_ = !s.ok();
}

}  // namespace flotilla::auth
