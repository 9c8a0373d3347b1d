#include "api/access_review.h"

#include <fmt/format.h>

#include "api/errors.h"
#include "api/protobuf.h"
#include "core/json_limits.h"

namespace flotilla::api {
namespace {

constexpr std::string_view kPrefix = "/apis/authorization.k8s.io/v1/";
constexpr std::string_view kSelf = "selfsubjectaccessreviews";
constexpr std::string_view kSubject = "subjectaccessreviews";

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

HttpResponse Invalid(const std::string& kind, const std::string& field, const std::string& msg) {
  Status s = InvalidArgument(
      fmt::format("{}.authorization.k8s.io \"\" is invalid: {}: {}", kind, field, msg));
  s.AddCause({field, msg, "FieldValueRequired"});
  return ErrorResponse(s);
}

}  // namespace

bool IsAccessReviewPath(std::string_view path) {
  if (path.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view rest = path.substr(kPrefix.size());
  return rest == kSelf || rest == kSubject;
}

HttpResponse ServeAccessReview(const HttpRequest& req, auth::Authorizer& authorizer) {
  const bool self = req.path.substr(kPrefix.size()) == kSelf;
  const std::string kind = self ? "SelfSubjectAccessReview" : "SubjectAccessReview";
  if (req.method != "POST")
    return ErrorResponse(405, "MethodNotAllowed",
                         "the server does not allow this method on the requested resource");
  StatusOr<Json> body = IsProtobufContentType(req.Header("content-type"))
                            ? DecodeAccessReviewProtobuf(req.body)
                            : ParseJson(req.body, "the request body");
  if (!body.ok()) return ErrorResponse(body.status());
  Json review = std::move(body).value();
  if (!review.is_object()) return ErrorResponse(InvalidArgument("the body must be an object"));
  if (Str(review, "kind") != kind)
    return ErrorResponse(
        InvalidArgument(fmt::format("the body is a {}, not a {}", Str(review, "kind"), kind)));
  Json spec = review.contains("spec") && review["spec"].is_object() ? review["spec"] : Json();
  const Json* res = spec.contains("resourceAttributes") && spec["resourceAttributes"].is_object()
                        ? &spec["resourceAttributes"]
                        : nullptr;
  const Json* url =
      spec.contains("nonResourceAttributes") && spec["nonResourceAttributes"].is_object()
          ? &spec["nonResourceAttributes"]
          : nullptr;
  if ((res == nullptr) == (url == nullptr))
    return Invalid(kind, "spec.resourceAttributes",
                   "exactly one of nonResourceAttributes or resourceAttributes must be specified");

  auth::RequestAttributes a;
  if (res) {
    a.resource_request = true;
    a.verb = Str(*res, "verb");
    a.api_group = Str(*res, "group");
    a.api_version = Str(*res, "version");
    a.resource = Str(*res, "resource");
    a.subresource = Str(*res, "subresource");
    a.ns = Str(*res, "namespace");
    a.name = Str(*res, "name");
  } else {
    a.verb = Str(*url, "verb");
    a.path = Str(*url, "path");
  }

  http::UserInfo who = req.user;
  if (!self) {
    who = http::UserInfo{Str(spec, "user"), Str(spec, "uid"), {}, false};
    if (spec.contains("groups") && spec["groups"].is_array())
      for (const Json& g : spec["groups"])
        if (g.is_string()) who.groups.push_back(g.get<std::string>());
    if (who.name.empty() && who.groups.empty())
      return Invalid(kind, "spec.user", "at least one of user or group must be specified");
  }

  Status decision = authorizer.Authorize(who, a);
  Json status = {{"allowed", decision.ok()}};
  if (!decision.ok()) {
    // The reason is the authorizer's ("RBAC: ..."), not the whole Forbidden message, as
    // Kubernetes reports it; a plain "no rule allows it" has none.
    size_t rbac = decision.message().find(": RBAC: ");
    if (rbac != std::string::npos) status["reason"] = decision.message().substr(rbac + 2);
  }
  review["apiVersion"] = "authorization.k8s.io/v1";
  if (!review.contains("metadata") || !review["metadata"].is_object())
    review["metadata"] = Json::object();
  review["metadata"]["creationTimestamp"] = nullptr;
  review["status"] = std::move(status);
  HttpResponse r;
  r.status = 201;
  r.body = review.dump();
  return r;
}

}  // namespace flotilla::api
