#include "api/resources.h"

#include <fmt/format.h>

#include "api/errors.h"
#include "api/patch.h"
#include "api/protobuf.h"
#include "api/table.h"
#include "api/watch.h"
#include "core/json_limits.h"
#include "core/yaml.h"

namespace flotilla::api {
namespace {

constexpr int kPatchAttempts = 5;

bool IsTrue(const std::string& v) { return v == "1" || v == "true" || v == "True"; }

bool IsYaml(const HttpRequest& req) {
  return req.Header("content-type").find("yaml") != std::string::npos;
}

StatusOr<Json> ParseBody(const HttpRequest& req, const model::ResourceType& type) {
  if (req.body.empty()) return InvalidArgument("the request body is empty");
  if (IsProtobufContentType(req.Header("content-type")))
    return DecodeKubernetesProtobuf(type, req.body);
  if (IsYaml(req)) {
    auto parsed = ParseYaml(req.body, "the request body");
    if (!parsed.ok()) return InvalidArgument(parsed.status().message());
    return std::move(parsed).value();
  }
  // Bounded nesting (core/json_limits.h); errors give the position only, never the body.
  return ParseJson(req.body, "the request body");
}

bool DryRun(const HttpRequest& req) { return req.Query("dryRun") == "All"; }

Json& Metadata(Json& obj) {
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = Json::object();
  return obj["metadata"];
}

// Rewrites the store's errors in the words Kubernetes uses, which kubectl prints verbatim.
Status Kubeify(const Status& s, const model::ResourceType& type, const std::string& name) {
  std::string what = fmt::format("{} \"{}\"", QualifiedResource(type), name);
  Status out = s;
  switch (s.code()) {
    case StatusCode::kNotFound:
      out = NotFound(what + " not found");
      break;
    case StatusCode::kAlreadyExists:
      out = AlreadyExists(what + " already exists");
      break;
    case StatusCode::kConflict:
      out =
          Conflict(fmt::format("Operation cannot be fulfilled on {}: the object has been "
                               "modified; please apply your changes to the latest version and "
                               "try again",
                               what));
      break;
    case StatusCode::kFailedPrecondition:
      out = FailedPrecondition(
          fmt::format("Operation cannot be fulfilled on {}: {}", what, s.message()));
      break;
    default:
      return s;
  }
  for (const FieldCause& c : s.causes()) out.AddCause(c);
  return out;
}

HttpResponse JsonResponse(int code, const Json& body) {
  HttpResponse r;
  r.status = code;
  r.body = body.dump();
  return r;
}

HttpResponse ObjectResponse(int code, const model::ResourceType& type, Json obj) {
  SetTypeMeta(type, obj);
  return JsonResponse(code, obj);
}

// Reconciles the namespace in the body with the URL's; returns BadRequest on a mismatch.
Status ReconcileNamespace(const model::ResourceType& type, const ResourcePath& path, Json& obj) {
  Json& md = Metadata(obj);
  if (!type.namespaced) {
    md.erase("namespace");
    return Status::Ok();
  }
  std::string ns = md.value("namespace", "");
  if (!ns.empty() && ns != path.ns)
    return InvalidArgument(
        "the namespace of the provided object does not match the namespace sent on the request");
  md["namespace"] = path.ns;
  return Status::Ok();
}

Status ReconcileName(const ResourcePath& path, Json& obj) {
  Json& md = Metadata(obj);
  std::string name = md.value("name", "");
  if (!name.empty() && name != path.name)
    return InvalidArgument(fmt::format(
        "the name of the object ({}) does not match the name on the URL ({})", name, path.name));
  md["name"] = path.name;
  return Status::Ok();
}

std::optional<TableOptions> TableOptionsFor(const HttpRequest& req, Status* error) {
  std::optional<std::string> version = TableVersionFromAccept(req.Header("accept"));
  if (!version) return std::nullopt;
  TableOptions opts;
  opts.api_version = *version;
  auto include = ParseIncludeObject(req.Query("includeObject"));
  if (!include) {
    *error = InvalidArgument(
        fmt::format("includeObject: unsupported value \"{}\"", req.Query("includeObject")));
    return std::nullopt;
  }
  opts.include_object = *include;
  return opts;
}

}  // namespace

StatusOr<Json> ResourceApi::MarkNamespaceActive(Json ns) {
  ns["status"] = {{"phase", "Active"}};
  return store_.UpdateStatus(model::NamespaceType(), std::move(ns));
}

void ResourceApi::EnsureNamespace(const std::string& ns) {
  const model::ResourceType& type = model::NamespaceType();
  if (store_.Get(type, "", ns).ok()) return;
  Json obj = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}};
  auto created = store_.Create(type, std::move(obj));
  if (created.ok()) (void)MarkNamespaceActive(std::move(created).value());
}

ResourceApi::ResourceApi(store::Store& store, Options options) : store_(store), options_(options) {}

HttpResponse ResourceApi::Serve(const HttpRequest& req, const ResourcePath& path) {
  try {
    return ServeVerb(req, path);
  } catch (const nlohmann::json::type_error& e) {
    // A field of the wrong JSON type somewhere in the client's object.
    return ErrorResponse(InvalidArgument(fmt::format("invalid object: {}", e.what())),
                         {path.type, path.name});
  }
}

HttpResponse ResourceApi::ServeVerb(const HttpRequest& req, const ResourcePath& path) {
  const std::string& m = req.method;
  ErrorSubject subject{path.type, path.name};
  // JSON and YAML bodies; protobuf only for the core kinds kubectl's typed clients send it for.
  if (!req.body.empty() && IsProtobufContentType(req.Header("content-type")) &&
      !ProtobufSupported(*path.type))
    return ErrorResponse(415, "UnsupportedMediaType",
                         "the body of the request was in an unknown format - accepted media "
                         "types include: application/json, application/yaml",
                         subject);
  if (m == "GET" || m == "HEAD") {
    if (IsTrue(req.Query("watch"))) return Watch(req, path);
    return path.collection() ? List(req, path) : Get(req, path);
  }
  if (m == "POST") {
    if (!path.collection() || !path.subresource.empty())
      return ErrorResponse(405, "MethodNotAllowed",
                           "the server does not allow this method on the requested resource",
                           subject);
    return Create(req, path);
  }
  if (path.collection())
    return ErrorResponse(405, "MethodNotAllowed",
                         "the server does not allow this method on the requested resource",
                         subject);
  if (m == "PUT") return Update(req, path);
  if (m == "PATCH") return Patch(req, path);
  if (m == "DELETE" && path.subresource.empty()) return Delete(req, path);
  return ErrorResponse(405, "MethodNotAllowed",
                       "the server does not allow this method on the requested resource", subject);
}

HttpResponse ResourceApi::Get(const HttpRequest& req, const ResourcePath& path) {
  const model::ResourceType& type = *path.type;
  Status table_error;
  std::optional<TableOptions> table = TableOptionsFor(req, &table_error);
  if (!table_error.ok()) return ErrorResponse(table_error);
  auto obj = store_.Get(type, path.ns, path.name);
  if (!obj.ok()) return ErrorResponse(Kubeify(obj.status(), type, path.name), {&type, path.name});
  Json o = std::move(obj).value();
  SetTypeMeta(type, o);
  if (table) {
    std::string rv = o["metadata"].value("resourceVersion", "");
    return JsonResponse(200, BuildTable(type, {o}, *table, rv));
  }
  return JsonResponse(200, o);
}

HttpResponse ResourceApi::List(const HttpRequest& req, const ResourcePath& path) {
  const model::ResourceType& type = *path.type;
  Status table_error;
  std::optional<TableOptions> table = TableOptionsFor(req, &table_error);
  if (!table_error.ok()) return ErrorResponse(table_error);
  store::ListOptions lo;
  lo.ns = path.ns;
  auto labels = model::LabelSelector::Parse(req.Query("labelSelector"));
  if (!labels.ok()) return ErrorResponse(labels.status());
  lo.labels = std::move(labels).value();
  auto fields = store::FieldSelector::Parse(req.Query("fieldSelector"));
  if (!fields.ok()) return ErrorResponse(fields.status());
  lo.fields = std::move(fields).value();
  if (std::string limit = req.Query("limit"); !limit.empty()) {
    try {
      lo.limit = std::stoll(limit);
    } catch (...) {
      return ErrorResponse(InvalidArgument(fmt::format("invalid limit \"{}\"", limit)));
    }
  }
  lo.continue_token = req.Query("continue");
  lo.max_bytes = options_.max_list_page_bytes;
  auto result = store_.List(type, lo);
  if (!result.ok()) return ErrorResponse(result.status(), {&type, ""});
  for (Json& item : result->items) SetTypeMeta(type, item);
  std::string rv = std::to_string(result->resource_version);
  if (table)
    return JsonResponse(200, BuildTable(type, result->items, *table, rv, result->continue_token));
  Json md = {{"resourceVersion", rv}};
  if (!result->continue_token.empty()) md["continue"] = result->continue_token;
  // Written item by item, each released once written, so the page is not held twice.
  HttpResponse r;
  r.body = fmt::format(R"({{"apiVersion":{},"kind":{},"metadata":{},"items":[)",
                       Json(type.ApiVersion()).dump(), Json(type.ListKind()).dump(), md.dump());
  for (size_t i = 0; i < result->items.size(); ++i) {
    if (i > 0) r.body += ',';
    r.body += result->items[i].dump();
    result->items[i] = Json();
  }
  r.body += "]}";
  return r;
}

HttpResponse ResourceApi::Watch(const HttpRequest& req, const ResourcePath& path) {
  const model::ResourceType& type = *path.type;
  Status table_error;
  WatchRequest w;
  w.table = TableOptionsFor(req, &table_error);
  if (!table_error.ok()) return ErrorResponse(table_error);
  w.options.ns = path.ns;
  auto labels = model::LabelSelector::Parse(req.Query("labelSelector"));
  if (!labels.ok()) return ErrorResponse(labels.status());
  w.options.labels = std::move(labels).value();
  auto fields = store::FieldSelector::Parse(req.Query("fieldSelector"));
  if (!fields.ok()) return ErrorResponse(fields.status());
  w.options.fields = std::move(fields).value();
  if (!path.name.empty()) w.options.fields.terms.push_back({"metadata.name", path.name, false});
  std::string rv = req.Query("resourceVersion");
  if (rv.empty() || rv == "0") {
    w.options.resource_version = 0;
    w.options.send_initial_events = true;
  } else {
    try {
      w.options.resource_version = std::stoll(rv);
    } catch (...) {
      return ErrorResponse(InvalidArgument(fmt::format("invalid resourceVersion \"{}\"", rv)));
    }
    w.options.send_initial_events = false;
  }
  w.timeout = options_.max_watch_timeout;
  if (std::string t = req.Query("timeoutSeconds"); !t.empty()) {
    try {
      auto secs = std::chrono::seconds(std::stoll(t));
      if (secs.count() > 0 && secs < options_.max_watch_timeout) w.timeout = secs;
    } catch (...) {
      return ErrorResponse(InvalidArgument(fmt::format("invalid timeoutSeconds \"{}\"", t)));
    }
  }
  w.allow_bookmarks = IsTrue(req.Query("allowWatchBookmarks"));
  return ServeWatch(store_, type, w);
}

HttpResponse ResourceApi::Create(const HttpRequest& req, const ResourcePath& path) {
  const model::ResourceType& type = *path.type;
  if (type.namespaced && path.ns.empty())
    return ErrorResponse(405, "MethodNotAllowed",
                         "the server does not allow this method on the requested resource",
                         {&type, ""});
  auto body = ParseBody(req, type);
  if (!body.ok()) return ErrorResponse(body.status());
  Json obj = std::move(body).value();
  if (Status s = CheckTypeMeta(type, obj); !s.ok()) return ErrorResponse(s);
  if (Status s = ReconcileNamespace(type, path, obj); !s.ok()) return ErrorResponse(s);
  return CreateObject(req, path, std::move(obj));
}

HttpResponse ResourceApi::CreateObject(const HttpRequest& req, const ResourcePath& path, Json obj) {
  const model::ResourceType& type = *path.type;
  auto validation = FieldValidationOf(req);
  if (!validation.ok()) return ErrorResponse(validation.status());
  std::vector<std::string> warnings;
  if (Status s = CheckUnknownFields(type, *validation, nullptr, obj, warnings); !s.ok())
    return ErrorResponse(s, {&type, Metadata(obj).value("name", "")});
  Json& md = Metadata(obj);
  for (const char* k : {"resourceVersion", "uid", "creationTimestamp", "deletionTimestamp",
                        "generation", "managedFields"})
    md.erase(k);
  // Status is written through the status subresource only, as for Kubernetes CRDs.
  if (type.has_status) obj.erase("status");
  std::string name = md.value("name", "");
  // generateName: a placeholder name keeps validation meaningful; the store picks the real one.
  bool generated = name.empty() && !md.value("generateName", "").empty();
  if (generated) md["name"] = md.value("generateName", "") + "xxxxx";
  AdmissionRequest ar{Operation::kCreate, &type, "", DryRun(req)};
  Status admitted = Admit(ar, hooks_, Json(), obj);
  if (generated) Metadata(obj).erase("name");
  if (!admitted.ok()) return ErrorResponse(admitted, {&type, name});
  if (Status s = CheckObjectSize(type, obj, options_.max_object_bytes); !s.ok())
    return ErrorResponse(s, {&type, name});
  HttpResponse response;
  if (ar.dry_run) {
    response = ObjectResponse(201, type, std::move(obj));
  } else {
    auto created = store_.Create(type, std::move(obj));
    if (!created.ok()) return ErrorResponse(Kubeify(created.status(), type, name), {&type, name});
    if (&type == &model::NamespaceType()) {
      if (auto active = MarkNamespaceActive(*created); active.ok()) created = std::move(active);
    } else if (type.namespaced) {
      EnsureNamespace(path.ns);
    }
    response = ObjectResponse(201, type, std::move(created).value());
  }
  AddWarnings(response, warnings);
  return response;
}

HttpResponse ResourceApi::Update(const HttpRequest& req, const ResourcePath& path) {
  const model::ResourceType& type = *path.type;
  ErrorSubject subject{&type, path.name};
  auto body = ParseBody(req, type);
  if (!body.ok()) return ErrorResponse(body.status());
  Json obj = std::move(body).value();
  if (Status s = CheckTypeMeta(type, obj); !s.ok()) return ErrorResponse(s);
  if (Status s = ReconcileNamespace(type, path, obj); !s.ok()) return ErrorResponse(s);
  if (Status s = ReconcileName(path, obj); !s.ok()) return ErrorResponse(s);
  auto validation = FieldValidationOf(req);
  if (!validation.ok()) return ErrorResponse(validation.status());
  auto old = store_.Get(type, path.ns, path.name);
  if (!old.ok()) return ErrorResponse(Kubeify(old.status(), type, path.name), subject);
  std::vector<std::string> warnings;
  if (path.subresource.empty())
    if (Status s = CheckUnknownFields(type, *validation, &*old, obj, warnings); !s.ok())
      return ErrorResponse(s, subject);
  AdmissionRequest ar{Operation::kUpdate, &type, path.subresource, DryRun(req)};
  if (Status s = Admit(ar, hooks_, *old, obj); !s.ok()) return ErrorResponse(s, subject);
  if (Status s = CheckObjectSize(type, obj, options_.max_object_bytes); !s.ok())
    return ErrorResponse(s, subject);
  HttpResponse response;
  if (ar.dry_run) {
    response = ObjectResponse(200, type, std::move(obj));
  } else {
    auto updated = path.subresource == "status" ? store_.UpdateStatus(type, std::move(obj))
                                                : store_.Update(type, std::move(obj));
    if (!updated.ok()) return ErrorResponse(Kubeify(updated.status(), type, path.name), subject);
    response = ObjectResponse(200, type, std::move(updated).value());
  }
  AddWarnings(response, warnings);
  return response;
}

HttpResponse ResourceApi::Patch(const HttpRequest& req, const ResourcePath& path) {
  const model::ResourceType& type = *path.type;
  ErrorSubject subject{&type, path.name};
  std::optional<PatchType> ptype = PatchTypeFromContentType(req.Header("content-type"));
  if (!ptype)
    return ErrorResponse(415, "UnsupportedMediaType",
                         fmt::format("the body of the request was in an unknown format - accepted "
                                     "media types include: application/json-patch+json, "
                                     "application/merge-patch+json, "
                                     "application/strategic-merge-patch+json, "
                                     "application/apply-patch+yaml"),
                         subject);
  auto validation = FieldValidationOf(req);
  if (!validation.ok()) return ErrorResponse(validation.status());
  auto body = ParseBody(req, type);
  if (!body.ok()) return ErrorResponse(body.status());
  Json patch = std::move(body).value();
  bool has_rv = patch.is_object() && patch.contains("metadata") && patch["metadata"].is_object() &&
                patch["metadata"].contains("resourceVersion");
  if (*ptype == PatchType::kApply) {
    if (Status s = CheckTypeMeta(type, patch); !s.ok()) return ErrorResponse(s);
    if (Status s = ReconcileNamespace(type, path, patch); !s.ok()) return ErrorResponse(s);
    if (Status s = ReconcileName(path, patch); !s.ok()) return ErrorResponse(s);
    Metadata(patch).erase("managedFields");
  }
  for (int attempt = 0;; attempt++) {
    auto cur = store_.Get(type, path.ns, path.name);
    if (!cur.ok()) {
      if (cur.status().code() == StatusCode::kNotFound && *ptype == PatchType::kApply &&
          path.subresource.empty())
        return CreateObject(req, path, patch);
      return ErrorResponse(Kubeify(cur.status(), type, path.name), subject);
    }
    StatusOr<Json> patched = Status(StatusCode::kInternal, "unreachable");
    switch (*ptype) {
      case PatchType::kMerge:
      case PatchType::kApply:
        patched = ApplyMergePatch(*cur, patch);
        break;
      case PatchType::kJson:
        patched = ApplyJsonPatch(*cur, patch);
        break;
      case PatchType::kStrategicMerge:
        patched = ApplyStrategicMergePatch(*cur, patch);
        break;
    }
    if (!patched.ok()) return ErrorResponse(422, "Invalid", patched.status().message(), subject);
    Json obj = std::move(patched).value();
    if (!obj.is_object()) return ErrorResponse(422, "Invalid", "the patch must yield an object");
    if (Status s = CheckTypeMeta(type, obj); !s.ok()) return ErrorResponse(s, subject);
    Json& md = Metadata(obj);
    if (md.value("name", "") != path.name ||
        (type.namespaced && md.value("namespace", "") != path.ns)) {
      Status s = InvalidArgument("metadata.name: field is immutable");
      s.AddCause({"metadata.name", "field is immutable", "FieldValueInvalid"});
      return ErrorResponse(s, subject);
    }
    std::vector<std::string> warnings;
    if (path.subresource.empty())
      if (Status s = CheckUnknownFields(type, *validation, &*cur, obj, warnings); !s.ok())
        return ErrorResponse(s, subject);
    AdmissionRequest ar{Operation::kUpdate, &type, path.subresource, DryRun(req)};
    if (Status s = Admit(ar, hooks_, *cur, obj); !s.ok()) return ErrorResponse(s, subject);
    if (Status s = CheckObjectSize(type, obj, options_.max_object_bytes); !s.ok())
      return ErrorResponse(s, subject);
    HttpResponse response;
    if (ar.dry_run) {
      response = ObjectResponse(200, type, std::move(obj));
      AddWarnings(response, warnings);
      return response;
    }
    auto updated = path.subresource == "status" ? store_.UpdateStatus(type, std::move(obj))
                                                : store_.Update(type, std::move(obj));
    if (updated.ok()) {
      response = ObjectResponse(200, type, std::move(updated).value());
      AddWarnings(response, warnings);
      return response;
    }
    // A patch without a resourceVersion precondition applies to whatever is current: retry.
    if (updated.status().code() == StatusCode::kConflict && !has_rv && attempt + 1 < kPatchAttempts)
      continue;
    return ErrorResponse(Kubeify(updated.status(), type, path.name), subject);
  }
}

HttpResponse ResourceApi::Delete(const HttpRequest& req, const ResourcePath& path) {
  const model::ResourceType& type = *path.type;
  ErrorSubject subject{&type, path.name};
  store::DeleteOptions opts;
  if (!req.body.empty()) {
    auto body = ParseBody(req, type);
    if (!body.ok()) return ErrorResponse(body.status());
    const Json& d = *body;
    if (d.is_object() && d.contains("preconditions") && d["preconditions"].is_object()) {
      const Json& p = d["preconditions"];
      if (p.contains("uid") && p["uid"].is_string()) opts.precondition_uid = p["uid"];
      if (p.contains("resourceVersion") && p["resourceVersion"].is_string())
        opts.precondition_resource_version = p["resourceVersion"];
    }
  }
  auto cur = store_.Get(type, path.ns, path.name);
  if (!cur.ok()) return ErrorResponse(Kubeify(cur.status(), type, path.name), subject);
  AdmissionRequest ar{Operation::kDelete, &type, "", DryRun(req)};
  Json none;
  for (const AdmissionHook& hook : hooks_)
    if (Status s = hook(ar, *cur, none); !s.ok()) return ErrorResponse(s, subject);
  if (ar.dry_run) return ObjectResponse(200, type, std::move(cur).value());
  auto deleted = store_.Delete(type, path.ns, path.name, opts);
  if (!deleted.ok()) return ErrorResponse(Kubeify(deleted.status(), type, path.name), subject);
  const Json& md = (*deleted)["metadata"];
  bool pending = md.is_object() && md.contains("deletionTimestamp") && md.contains("finalizers") &&
                 md["finalizers"].is_array() && !md["finalizers"].empty();
  // Still there, waiting for finalizers: Kubernetes answers with the object.
  if (pending) return ObjectResponse(200, type, std::move(deleted).value());
  std::string uid = md.is_object() ? md.value("uid", "") : "";
  return JsonResponse(200, SuccessStatusJson(subject, uid));
}

}  // namespace flotilla::api
