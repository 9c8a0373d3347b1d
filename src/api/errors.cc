#include "api/errors.h"

namespace flotilla::api {

HttpError HttpErrorFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return {200, ""};
    case StatusCode::kInvalidArgument:
      return status.causes().empty() ? HttpError{400, "BadRequest"} : HttpError{422, "Invalid"};
    case StatusCode::kNotFound:
      return {404, "NotFound"};
    case StatusCode::kAlreadyExists:
      return {409, "AlreadyExists"};
    case StatusCode::kConflict:
      return {409, "Conflict"};
    case StatusCode::kFailedPrecondition:
      // Kubernetes reports failed delete preconditions (uid, resourceVersion) as 409 Conflict.
      return {409, "Conflict"};
    case StatusCode::kGone:
      return {410, "Expired"};
    case StatusCode::kUnavailable:
      return {503, "ServiceUnavailable"};
    case StatusCode::kDeadlineExceeded:
      return {504, "Timeout"};
    case StatusCode::kPermissionDenied:
      return {403, "Forbidden"};
    case StatusCode::kUnauthenticated:
      return {401, "Unauthorized"};
    case StatusCode::kResourceExhausted:
      return {413, "RequestEntityTooLarge"};
    case StatusCode::kInternal:
      return {500, "InternalError"};
  }
  return {500, "InternalError"};
}

std::string QualifiedResource(const model::ResourceType& type) {
  return type.group.empty() ? type.plural : type.plural + "." + type.group;
}

namespace {

Json Details(const ErrorSubject& subject, bool use_kind) {
  Json details = Json::object();
  if (!subject.name.empty()) details["name"] = subject.name;
  if (subject.type) {
    if (!subject.type->group.empty()) details["group"] = subject.type->group;
    details["kind"] = use_kind ? subject.type->kind : subject.type->plural;
  }
  return details;
}

}  // namespace

Json StatusJson(int code, std::string_view reason, std::string_view message,
                const ErrorSubject& subject) {
  Json out = {{"kind", "Status"},
              {"apiVersion", "v1"},
              {"metadata", Json::object()},
              {"status", "Failure"},
              {"message", std::string(message)},
              {"reason", std::string(reason)},
              {"code", code}};
  Json details = Details(subject, code == 422);
  if (!details.empty()) out["details"] = std::move(details);
  return out;
}

Json StatusJson(const Status& status, const ErrorSubject& subject) {
  HttpError e = HttpErrorFor(status);
  Json out = StatusJson(e.code, e.reason, status.message(), subject);
  if (!status.causes().empty()) {
    Json causes = Json::array();
    for (const FieldCause& c : status.causes())
      causes.push_back({{"field", c.field}, {"message", c.message}, {"reason", c.reason}});
    out["details"]["causes"] = std::move(causes);
  }
  return out;
}

Json SuccessStatusJson(const ErrorSubject& subject, const std::string& uid) {
  Json details = Details(subject, false);
  if (!uid.empty()) details["uid"] = uid;
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", Json::object()},
          {"status", "Success"},
          {"details", std::move(details)}};
}

HttpResponse ErrorResponse(const Status& status, const ErrorSubject& subject) {
  HttpResponse r;
  r.status = HttpErrorFor(status).code;
  r.body = StatusJson(status, subject).dump();
  return r;
}

HttpResponse ForbiddenResponse(const Status& status, const auth::RequestAttributes& a) {
  Json out = StatusJson(403, "Forbidden", status.message());
  Json details = Json::object();
  if (a.resource_request) {
    if (!a.name.empty()) details["name"] = a.name;
    if (!a.api_group.empty()) details["group"] = a.api_group;
    if (!a.resource.empty()) details["kind"] = a.resource;
  }
  if (!details.empty()) out["details"] = std::move(details);
  HttpResponse r;
  r.status = 403;
  r.body = out.dump();
  return r;
}

HttpResponse ErrorResponse(int code, std::string_view reason, std::string_view message,
                           const ErrorSubject& subject) {
  HttpResponse r;
  r.status = code;
  r.body = StatusJson(code, reason, message, subject).dump();
  return r;
}

}  // namespace flotilla::api
