// Kubernetes metav1.Status error bodies, and the one place where flotilla::StatusCode maps to an
// HTTP status code and a Kubernetes reason.
#pragma once

#include <string>

#include "api/http.h"
#include "auth/authorizer.h"
#include "core/json.h"
#include "core/status.h"
#include "model/resource_type.h"

namespace flotilla::api {

struct HttpError {
  int code;            // 404
  const char* reason;  // "NotFound" (metav1.StatusReason)
};

// kInvalidArgument maps to 422 Invalid when the status carries field causes, else 400 BadRequest.
HttpError HttpErrorFor(const Status& status);

// What metav1.StatusDetails says about the object concerned; all optional.
struct ErrorSubject {
  const model::ResourceType* type = nullptr;
  std::string name;
};

// A metav1.Status failure object: {kind: Status, apiVersion: v1, status: Failure, message,
// reason, code, details: {name, group, kind, causes: [{field, message, reason}]}}.
// For 422 errors details.kind is the Kind ("GitRepo"); otherwise the resource ("gitrepos"),
// as the Kubernetes API server does.
Json StatusJson(const Status& status, const ErrorSubject& subject = {});
Json StatusJson(int code, std::string_view reason, std::string_view message,
                const ErrorSubject& subject = {});
// {kind: Status, status: Success, details: {name, group, kind, uid}} as returned by DELETE.
Json SuccessStatusJson(const ErrorSubject& subject, const std::string& uid);

HttpResponse ErrorResponse(const Status& status, const ErrorSubject& subject = {});
HttpResponse ErrorResponse(int code, std::string_view reason, std::string_view message,
                           const ErrorSubject& subject = {});

// 403 Forbidden for a request the authorizer denied with `status` (whose message is Kubernetes'
// Forbidden message, see auth/rbac.h): details {name, group, kind: the resource}, as the
// apiserver's NewForbidden fills them.
HttpResponse ForbiddenResponse(const Status& status, const auth::RequestAttributes& attributes);

// "gitrepos.fleet.cattle.io" or "secrets": how Kubernetes names a resource in messages.
std::string QualifiedResource(const model::ResourceType& type);

}  // namespace flotilla::api
