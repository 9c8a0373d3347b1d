#include "api/server.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "api/access_review.h"
#include "api/discovery.h"
#include "api/errors.h"
#include "api/openapi.h"
#include "api/router.h"
#include "api/token_request.h"
#include "core/log.h"

namespace flotilla::api {

namespace {

bool PrefixMatches(std::string_view path, std::string_view prefix) {
  if (path.substr(0, prefix.size()) != prefix) return false;
  return prefix.empty() || prefix.back() == '/' || path.size() == prefix.size() ||
         path[prefix.size()] == '/';
}

HttpResponse Text(int code, std::string body) {
  HttpResponse r;
  r.status = code;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

HttpResponse JsonBody(const Json& j) {
  HttpResponse r;
  r.body = j.dump();
  return r;
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

struct ApiServer::Impl {
  Impl(store::Store& s, Options o)
      : store(s),
        options(std::move(o)),
        resources(s, options.resources),
        authenticator(AllowAllAuthenticator()),
        authorizer(AllowAllAuthorizer()) {}

  store::Store& store;
  Options options;
  ResourceApi resources;
  std::vector<std::pair<std::string, HttpHandler>> handlers;  // longest prefix first
  std::unique_ptr<Authenticator> authenticator;
  std::unique_ptr<Authorizer> authorizer;
  AuditSink audit;
  std::vector<std::string> open_paths = {"/healthz", "/livez", "/readyz"};
  std::unique_ptr<http::Server> server;

  bool Open(const std::string& path) const {
    for (const std::string& p : open_paths)
      if (p == path || (!p.empty() && p.back() == '/' && path.rfind(p, 0) == 0)) return true;
    return false;
  }
  HttpResponse SafeDispatch(const HttpRequest& req);
  HttpResponse Dispatch(const HttpRequest& req);
  HttpResponse Route(const HttpRequest& req);
  HttpResponse Builtin(const HttpRequest& req);
};

ApiServer::ApiServer(store::Store& store, Options options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::Handle(std::string prefix, HttpHandler handler) {
  auto& hs = impl_->handlers;
  hs.emplace_back(std::move(prefix), std::move(handler));
  std::stable_sort(hs.begin(), hs.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

void ApiServer::AddAdmissionHook(AdmissionHook hook) {
  impl_->resources.AddAdmissionHook(std::move(hook));
}

void ApiServer::SetAuthenticator(std::unique_ptr<Authenticator> authenticator) {
  impl_->authenticator = std::move(authenticator);
}

void ApiServer::SetAuthorizer(std::unique_ptr<Authorizer> authorizer) {
  impl_->authorizer = std::move(authorizer);
}

void ApiServer::SetAuditSink(AuditSink sink) { impl_->audit = std::move(sink); }

void ApiServer::AllowUnauthenticated(std::string path) {
  impl_->open_paths.push_back(std::move(path));
}

int ApiServer::port() const { return impl_->server ? impl_->server->port() : 0; }

std::string ApiServer::url() const {
  const std::string& h = impl_->options.host;
  return fmt::format("{}://{}:{}", impl_->options.tls_cert_file.empty() ? "http" : "https",
                     h.find(':') != std::string::npos ? "[" + h + "]" : h, port());
}

http::Server::Stats ApiServer::stats() const {
  return impl_->server ? impl_->server->stats() : http::Server::Stats{};
}

HttpResponse ApiServer::Dispatch(const HttpRequest& request) {
  return impl_->SafeDispatch(request);
}

Status ApiServer::Start() {
  Impl& d = *impl_;
  if (d.server) return FailedPrecondition("the API server is already started");
  auto server = std::make_unique<http::Server>(
      d.options, [&d](const HttpRequest& req) { return d.SafeDispatch(req); },
      [](const HttpRequest& req) {
        std::string w = req.Query("watch");
        return req.method == "GET" && (w == "1" || w == "true");
      });
  RETURN_IF_ERROR(server->Start());
  d.server = std::move(server);
  return Status::Ok();
}

void ApiServer::Stop() {
  if (!impl_->server) return;
  impl_->server->Stop();
  impl_->server.reset();
}

HttpResponse ApiServer::Impl::SafeDispatch(const HttpRequest& req) {
  try {
    return Dispatch(req);
  } catch (const std::exception& e) {
    log::Error("API request failed with an exception", {{"path", req.path}, {"error", e.what()}});
    return ErrorResponse(500, "InternalError", "internal error");
  }
}

// authenticate -> authorize -> (admission, inside the resource handlers) -> handle.
HttpResponse ApiServer::Impl::Dispatch(const HttpRequest& in) {
  if (Open(in.path)) return Route(in);
  RequestAttributes attrs = AttributesFor(in);
  auto received = Clock::now();
  HttpRequest req = in;
  HttpResponse response;
  auto user = authenticator->Authenticate(in);
  if (!user.ok() && user.status().code() == StatusCode::kUnauthenticated) {
    response = ErrorResponse(401, "Unauthorized", "Unauthorized");
  } else if (!user.ok()) {
    // The credential could not be checked (store down): neither 401 nor let through.
    log::Warn("API authentication failed", {{"path", in.path}, {"error", user.status().message()}});
    response = user.status().code() == StatusCode::kUnavailable
                   ? ErrorResponse(503, "ServiceUnavailable", "authentication is unavailable")
                   : ErrorResponse(500, "InternalError", "authentication failed");
  } else {
    req.user = std::move(user).value();
    if (Status s = authorizer->Authorize(req.user, attrs); !s.ok()) {
      response = ForbiddenResponse(s, attrs);
    } else {
      response = Route(req);
    }
  }
  if (audit && auth::IsAuditedVerb(attrs.verb)) {
    auth::AuditEvent e{received, req.user, attrs, response.status};
    // A create names its object in the response only.
    if (e.attributes.resource_request && e.attributes.name.empty() && e.code == 201 &&
        response.body.size() < (1u << 20)) {
      Json created = Json::parse(response.body, nullptr, false);
      if (created.is_object() && created.contains("metadata") && created["metadata"].is_object())
        e.attributes.name = created["metadata"].value("name", "");
    }
    audit(e);
  }
  return response;
}

HttpResponse ApiServer::Impl::Route(const HttpRequest& req) {
  for (const auto& [prefix, handler] : handlers)
    if (PrefixMatches(req.path, prefix)) return handler(req);
  if (IsAccessReviewPath(req.path)) return ServeAccessReview(req, *authorizer);
  if (req.path == kTokensPath) return ServeUserToken(store, req);
  HttpResponse builtin = Builtin(req);
  if (builtin.status != 0) return builtin;
  auto path = ParseResourcePath(req.path);
  if (!path.ok()) return ErrorResponse(path.status());
  if (path->subresource == "token") return ServeTokenRequest(store, req, *path);
  return resources.Serve(req, *path);
}

// Health, version, discovery and OpenAPI; status 0 when `req` is not one of them.
HttpResponse ApiServer::Impl::Builtin(const HttpRequest& req) {
  const std::string& p = req.path;
  std::vector<std::string_view> seg = Segments(p);
  bool discovery = p == "/healthz" || p == "/livez" || p == "/readyz" || p == "/version" ||
                   p.rfind("/openapi/", 0) == 0 ||
                   (seg.size() <= 3 && !seg.empty() && (seg[0] == "api" || seg[0] == "apis"));
  if (seg.size() == 3 && seg[0] == "api") discovery = false;
  if (!discovery) return HttpResponse{0, "", {}, "", nullptr, nullptr};
  if (req.method != "GET" && req.method != "HEAD")
    return ErrorResponse(405, "MethodNotAllowed",
                         "the server does not allow this method on the requested resource");
  if (p == "/healthz" || p == "/livez" || p == "/readyz") return Text(200, "ok");
  if (p == "/version") return JsonBody(VersionJson());
  if (p == "/openapi/v3") return JsonBody(OpenApiV3Index());
  if (p.rfind("/openapi/v3/", 0) == 0) {
    const std::string* doc = OpenApiV3Document(std::string_view(p).substr(12));
    if (doc == nullptr) return ErrorResponse(NotFound("no OpenAPI document at " + p));
    HttpResponse r;
    r.body = *doc;
    return r;
  }
  if (p == "/openapi/v2") {
    // An empty OpenAPI document: kubectl's client-side validation and its strategic-merge
    // schema lookups find no schema for any kind and fall back to their built-in behaviour.
    HttpResponse r;
    if (req.Header("accept").find("protobuf") != std::string::npos) {
      r.content_type = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
    } else {
      r.body = Json{{"swagger", "2.0"},
                    {"info", {{"title", "flotilla"}, {"version", "v1alpha1"}}},
                    {"paths", Json::object()},
                    {"definitions", Json::object()}}
                   .dump();
    }
    return r;
  }
  if (seg.size() == 1 && seg[0] == "api")
    return JsonBody(ApiVersionsJson(
        fmt::format("{}:{}", options.host, server ? server->port() : options.port)));
  if (seg.size() == 1 && seg[0] == "apis") return JsonBody(ApiGroupListJson());
  std::optional<Json> doc;
  if (seg.size() == 2 && seg[0] == "api") doc = ApiResourceListJson("", seg[1]);
  if (seg.size() == 2 && seg[0] == "apis") {
    doc = ApiGroupJson(seg[1]);
    if (doc) {
      (*doc)["kind"] = "APIGroup";
      (*doc)["apiVersion"] = "v1";
    }
  }
  if (seg.size() == 3 && seg[0] == "apis") doc = ApiResourceListJson(seg[1], seg[2]);
  if (doc) return JsonBody(*doc);
  return ErrorResponse(404, "NotFound", "the server could not find the requested resource");
}

}  // namespace flotilla::api
