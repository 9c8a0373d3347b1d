// The Kubernetes REST verbs for flotilla's kinds, over a store::Store: get, list (JSON or Table),
// watch, create, update (and the status subresource), patch, delete. Transport-free: it maps an
// HttpRequest to an HttpResponse, so handlers are testable without sockets.
#pragma once

#include <chrono>
#include <vector>

#include "api/admission.h"
#include "api/http.h"
#include "api/limits.h"
#include "api/router.h"
#include "store/store.h"

namespace flotilla::api {

class ResourceApi {
 public:
  struct Options {
    // Upper bound (and default) for ?timeoutSeconds on watches.
    std::chrono::seconds max_watch_timeout{1800};
    // Objects larger than this (compact JSON) are refused with 422.
    size_t max_object_bytes = kMaxObjectBytes;
    // List pages end (with a continue token) once their objects pass this many bytes.
    size_t max_list_page_bytes = kMaxListPageBytes;
  };

  ResourceApi(store::Store& store, Options options);

  // REQUIRES: not called concurrently with Serve() (register hooks before serving).
  void AddAdmissionHook(AdmissionHook hook) { hooks_.push_back(std::move(hook)); }

  // Serves `request` addressed to `path` (from ParseResourcePath). Thread-safe.
  HttpResponse Serve(const HttpRequest& request, const ResourcePath& path);

 private:
  HttpResponse ServeVerb(const HttpRequest& req, const ResourcePath& path);
  HttpResponse Get(const HttpRequest& req, const ResourcePath& path);
  HttpResponse List(const HttpRequest& req, const ResourcePath& path);
  HttpResponse Watch(const HttpRequest& req, const ResourcePath& path);
  HttpResponse Create(const HttpRequest& req, const ResourcePath& path);
  HttpResponse Update(const HttpRequest& req, const ResourcePath& path);
  HttpResponse Patch(const HttpRequest& req, const ResourcePath& path);
  HttpResponse Delete(const HttpRequest& req, const ResourcePath& path);
  // Admits and creates `obj` (namespace already reconciled with the URL).
  HttpResponse CreateObject(const HttpRequest& req, const ResourcePath& path, Json obj);

  // Namespaces spring into existence when an object is first created in them (kubectl reports
  // objects in a missing namespace as "namespace not found"); they are never deleted implicitly.
  void EnsureNamespace(const std::string& ns);
  StatusOr<Json> MarkNamespaceActive(Json ns);

  store::Store& store_;
  Options options_;
  std::vector<AdmissionHook> hooks_;
};

}  // namespace flotilla::api
