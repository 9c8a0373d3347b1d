// Errors as values (after absl::Status): a canonical code, a message a user can act on, and
// optional field causes (for validation errors surfaced as Kubernetes 422 Status causes).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace flotilla {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // malformed input; HTTP 400/422
  kNotFound,            // HTTP 404
  kAlreadyExists,       // HTTP 409 (reason AlreadyExists)
  kConflict,            // optimistic-concurrency failure; HTTP 409 (reason Conflict)
  kFailedPrecondition,  // HTTP 412/400
  kGone,                // resourceVersion too old for watch; HTTP 410
  kUnavailable,         // transient (network, server down); retry with backoff
  kDeadlineExceeded,    // timeout
  kPermissionDenied,    // HTTP 403
  kUnauthenticated,     // HTTP 401
  kResourceExhausted,   // a size/recursion limit was hit
  kInternal,            // a bug; HTTP 500
};

const char* StatusCodeName(StatusCode code);

// One invalid field, e.g. {"spec.pollingInterval", "invalid duration \"5x\"", "FieldValueInvalid"}.
struct FieldCause {
  std::string field;
  std::string message;
  std::string reason = "FieldValueInvalid";
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldCause>& causes() const { return causes_; }
  Status& AddCause(FieldCause cause) {
    causes_.push_back(std::move(cause));
    return *this;
  }
  // "NotFound: gitrepos \"x\" not found".
  std::string ToString() const;
  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::vector<FieldCause> causes_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status ResourceExhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status DeadlineExceeded(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status Gone(std::string m) { return {StatusCode::kGone, std::move(m)}; }

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) v_ = Status(StatusCode::kInternal, "StatusOr built from OK");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace flotilla

#define FLOTILLA_CONCAT_INNER(a, b) a##b
#define FLOTILLA_CONCAT(a, b) FLOTILLA_CONCAT_INNER(a, b)

// RETURN_IF_ERROR(expr): returns the Status of `expr` from the enclosing function if not OK.
#define RETURN_IF_ERROR(expr)        \
  do {                               \
    ::flotilla::Status _st = (expr); \
    if (!_st.ok()) return _st;       \
  } while (0)

// ASSIGN_OR_RETURN(lhs, expr): evaluates a StatusOr, returns its Status on error, else assigns.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(FLOTILLA_CONCAT(_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
