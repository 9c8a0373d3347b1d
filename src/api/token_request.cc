#include "api/token_request.h"

#include <algorithm>

#include <fmt/format.h>

#include "api/errors.h"
#include "api/protobuf.h"
#include "auth/tokens.h"
#include "core/json_limits.h"
#include "core/log.h"
#include "core/time.h"

namespace flotilla::api {
namespace {

constexpr int64_t kDefaultSeconds = 3600;
constexpr int64_t kMinSeconds = 600;               // kube-apiserver's minimum
constexpr int64_t kMaxSeconds = int64_t{1} << 32;  // kube-apiserver's validation bound

HttpResponse Invalid(const model::ResourceType* type, const std::string& name,
                     const std::string& field, const std::string& message) {
  Status s(StatusCode::kInvalidArgument, message);
  s.AddCause({field, message, "FieldValueInvalid"});
  return ErrorResponse(s, {type, name});
}

HttpResponse NotAllowed() {
  return ErrorResponse(405, "MethodNotAllowed",
                       "the server does not allow this method on the requested resource");
}

// expirationSeconds of `spec`, or an error response.
std::optional<int64_t> Seconds(const Json& spec, int64_t fallback, std::string* error) {
  if (!spec.contains("expirationSeconds") || spec["expirationSeconds"].is_null()) return fallback;
  const Json& v = spec["expirationSeconds"];
  if (!v.is_number_integer()) {
    *error = "must be an integer number of seconds";
    return std::nullopt;
  }
  int64_t n = v.get<int64_t>();
  if (n < kMinSeconds) {
    *error = "may not specify a duration less than 10 minutes";
    return std::nullopt;
  }
  if (n > kMaxSeconds) {
    *error = "may not specify a duration larger than 2^32 seconds";
    return std::nullopt;
  }
  return n;
}

}  // namespace

HttpResponse ServeTokenRequest(store::Store& store, const HttpRequest& req,
                               const ResourcePath& path) {
  const model::ResourceType* sa_type = &model::ServiceAccountType();
  if (req.method != "POST" || path.name.empty()) return NotAllowed();
  auto body =
      IsProtobufContentType(req.Header("content-type"))
          ? DecodeTokenRequestProtobuf(req.body)
          : ParseJson(req.body.empty() ? std::string_view("{}") : req.body, "the request body");
  if (!body.ok()) return ErrorResponse(body.status());
  if (!body->is_object()) return ErrorResponse(InvalidArgument("a TokenRequest must be an object"));
  if (body->value("kind", "TokenRequest") != "TokenRequest")
    return ErrorResponse(InvalidArgument("the request body must be a TokenRequest"));
  Json spec =
      body->contains("spec") && (*body)["spec"].is_object() ? (*body)["spec"] : Json::object();
  std::string error;
  auto seconds = Seconds(spec, kDefaultSeconds, &error);
  if (!seconds) return Invalid(sa_type, path.name, "spec.expirationSeconds", error);
  auto sa = store.Get(*sa_type, path.ns, path.name);
  if (!sa.ok()) return ErrorResponse(sa.status(), {sa_type, path.name});
  auth::TokenSpec ts = auth::ServiceAccountTokenSpec(
      path.ns, path.name, (*sa)["metadata"].value("uid", ""), std::chrono::seconds(*seconds));
  ts.purpose = "TokenRequest";
  auto issued = auth::IssueToken(store, ts);
  if (!issued.ok()) return ErrorResponse(issued.status());
  log::Info("token issued", {{"serviceaccount", path.ns + "/" + path.name},
                             {"id", issued->id},
                             {"by", req.user.name},
                             {"expires", FormatRfc3339(*issued->expires)}});
  spec["expirationSeconds"] = *seconds;
  if (!spec.contains("audiences") || !spec["audiences"].is_array())
    spec["audiences"] = Json::array({"https://kubernetes.default.svc.cluster.local"});
  if (!spec.contains("boundObjectRef")) spec["boundObjectRef"] = nullptr;
  HttpResponse r;
  r.status = 201;
  r.body =
      Json{{"kind", "TokenRequest"},
           {"apiVersion", "authentication.k8s.io/v1"},
           {"metadata",
            {{"name", path.name}, {"namespace", path.ns}, {"creationTimestamp", NowRfc3339()}}},
           {"spec", spec},
           {"status",
            {{"token", issued->token}, {"expirationTimestamp", FormatRfc3339(*issued->expires)}}}}
          .dump();
  return r;
}

HttpResponse ServeUserToken(store::Store& store, const HttpRequest& req) {
  if (req.method != "POST") return NotAllowed();
  auto body = ParseJson(req.body, "the request body");
  if (!body.ok()) return ErrorResponse(body.status());
  if (!body->is_object() || !(*body)["user"].is_string() ||
      (*body)["user"].get<std::string>().empty())
    return ErrorResponse(InvalidArgument("\"user\" (a non-empty string) is required"));
  auth::TokenSpec ts;
  ts.user = (*body)["user"].get<std::string>();
  if (ts.user.starts_with("system:serviceaccount:"))
    return ErrorResponse(InvalidArgument(
        "ServiceAccount tokens are requested with TokenRequest (kubectl create token)"));
  if (body->contains("groups")) {
    const Json& g = (*body)["groups"];
    if (!g.is_array()) return ErrorResponse(InvalidArgument("\"groups\" must be a list"));
    for (const Json& e : g) {
      if (!e.is_string() || e.get<std::string>().empty() ||
          e.get<std::string>().find(',') != std::string::npos)
        return ErrorResponse(InvalidArgument("each group must be a non-empty string without ','"));
      ts.groups.push_back(e.get<std::string>());
    }
  }
  if (std::find(ts.groups.begin(), ts.groups.end(), "system:authenticated") == ts.groups.end())
    ts.groups.push_back("system:authenticated");
  // Operators may issue short-lived tokens (down to one second) and tokens that never expire (0).
  int64_t seconds = 0;
  if (body->contains("expirationSeconds")) {
    const Json& v = (*body)["expirationSeconds"];
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > kMaxSeconds)
      return ErrorResponse(InvalidArgument("\"expirationSeconds\" must be 0 (never) .. 2^32"));
    seconds = v.get<int64_t>();
  }
  ts.ttl = std::chrono::seconds(seconds);
  ts.purpose = body->value("purpose", "flotilla token create");
  auto issued = auth::IssueToken(store, ts);
  if (!issued.ok()) return ErrorResponse(issued.status());
  log::Info("token issued", {{"user", ts.user}, {"id", issued->id}, {"by", req.user.name}});
  Json out = {
      {"id", issued->id}, {"user", ts.user}, {"groups", ts.groups}, {"token", issued->token}};
  if (issued->expires) out["expirationTimestamp"] = FormatRfc3339(*issued->expires);
  HttpResponse r;
  r.status = 201;
  r.body = out.dump();
  return r;
}

}  // namespace flotilla::api
