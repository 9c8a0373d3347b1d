#include "api/openapi.h"

#include <map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/base64.h"
#include "core/gzip.h"
#include "core/hash.h"
#include "model/resource_type.h"

namespace flotilla::api {
namespace internal {
extern const char kFleetSchemasGzBase64[];
}  // namespace internal

namespace {

constexpr const char* kFleetGroup = "fleet.cattle.io";
constexpr const char* kFleetVersion = "v1alpha1";

// "fleet.cattle.io" -> "io.cattle.fleet", as kube-apiserver names a CRD's definitions.
std::string ReversedGroup(const std::string& group) {
  std::vector<std::string> parts;
  for (size_t at = 0;;) {
    size_t dot = group.find('.', at);
    parts.push_back(group.substr(at, dot - at));
    if (dot == std::string::npos) break;
    at = dot + 1;
  }
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) out += (out.empty() ? "" : ".") + *it;
  return out;
}

Json Gvk(const model::ResourceType& t, const std::string& kind) {
  return {{"group", t.group}, {"version", t.version}, {"kind", kind}};
}

Json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

Json QueryParam(const char* name, const char* description) {
  return {{"name", name},
          {"in", "query"},
          {"description", description},
          {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
}

Json PathParam(const char* name) {
  return {{"name", name},
          {"in", "path"},
          {"required", true},
          {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
}

// The write parameters kube-apiserver declares (kubectl looks for fieldValidation on PATCH).
Json WriteParams() {
  return Json::array(
      {QueryParam("dryRun", "When present, indicates that modifications should not be persisted."),
       QueryParam("fieldManager", "A name associated with the actor or entity making changes."),
       QueryParam("fieldValidation",
                  "How the server handles fields in the request that the schema does not "
                  "declare: Ignore, Warn or Strict (the default)."),
       QueryParam("pretty", "If 'true', then the output is pretty printed.")});
}

Json Operation(const model::ResourceType& t, const std::string& action, const std::string& id,
               const std::string& kind, Json params, const Json* request_types) {
  Json op = {{"operationId", id},
             {"tags", {ReversedGroup(t.group) + "_" + t.version}},
             {"parameters", std::move(params)},
             {"responses",
              {{"200",
                {{"description", "OK"},
                 {"content",
                  {{"application/json",
                    {{"schema", Ref(ReversedGroup(t.group) + "." + t.version + "." + kind)}}}}}}},
               {"401", {{"description", "Unauthorized"}}}}},
             {"x-kubernetes-action", action},
             {"x-kubernetes-group-version-kind", Gvk(t, kind)}};
  if (request_types != nullptr) {
    Json content = Json::object();
    for (const Json& type : *request_types)
      content[type.get<std::string>()] = {
          {"schema", Ref(ReversedGroup(t.group) + "." + t.version + "." + t.kind)}};
    op["requestBody"] = {{"content", std::move(content)}};
  }
  return op;
}

// The paths of one kind: the collection, the object, and its status when it has one.
void AddPaths(const model::ResourceType& t, Json& paths) {
  const std::string base = "/apis/" + t.group + "/" + t.version + "/" +
                           (t.namespaced ? "namespaces/{namespace}/" : "") + t.plural;
  const Json scope = t.namespaced ? Json::array({PathParam("namespace")}) : Json::array();
  const Json json_types = Json::array({"application/json", "application/yaml"});
  const Json patch_types =
      Json::array({"application/json-patch+json", "application/merge-patch+json",
                   "application/apply-patch+yaml"});
  auto with = [](Json a, const Json& b) {
    for (const Json& x : b) a.push_back(x);
    return a;
  };
  paths[base] = {
      {"parameters", scope},
      {"get", Operation(t, "list", "list" + t.kind, t.ListKind(),
                        Json::array({QueryParam("labelSelector", "Selects by label."),
                                     QueryParam("watch", "Watch for changes.")}),
                        nullptr)},
      {"post", Operation(t, "post", "create" + t.kind, t.kind, WriteParams(), &json_types)}};
  Json item = {
      {"parameters", with(Json::array({PathParam("name")}), scope)},
      {"get", Operation(t, "get", "read" + t.kind, t.kind, Json::array(), nullptr)},
      {"put", Operation(t, "put", "replace" + t.kind, t.kind, WriteParams(), &json_types)},
      {"patch", Operation(t, "patch", "patch" + t.kind, t.kind,
                          with(WriteParams(), Json::array({QueryParam("force", "Force apply.")})),
                          &patch_types)},
      {"delete", Operation(t, "delete", "delete" + t.kind, t.kind, Json::array(), nullptr)}};
  paths[base + "/{name}"] = std::move(item);
  if (t.has_status) {
    paths[base + "/{name}/status"] = {
        {"parameters", with(Json::array({PathParam("name")}), scope)},
        {"get", Operation(t, "get", "read" + t.kind + "Status", t.kind, Json::array(), nullptr)},
        {"put",
         Operation(t, "put", "replace" + t.kind + "Status", t.kind, WriteParams(), &json_types)},
        {"patch",
         Operation(t, "patch", "patch" + t.kind + "Status", t.kind, WriteParams(), &patch_types)}};
  }
}

struct Published {
  Json index = {{"paths", Json::object()}};
  std::map<std::string, std::string, std::less<>> documents;
};

Published Build() {
  Published out;
  auto raw = Base64Decode(internal::kFleetSchemasGzBase64);
  auto text = raw.ok() ? Gunzip(*raw, 16u << 20) : raw;
  Json schemas = text.ok() ? Json::parse(*text, nullptr, false) : Json();
  if (!schemas.is_object()) return out;  // a build that lost its data publishes nothing

  Json components = Json::object();
  Json paths = Json::object();
  const std::string prefix = ReversedGroup(kFleetGroup) + "." + kFleetVersion + ".";
  for (const model::ResourceType* t : model::AllTypes()) {
    if (t->group != kFleetGroup || t->version != kFleetVersion || !schemas.contains(t->kind))
      continue;
    Json schema = schemas[t->kind];
    schema["x-kubernetes-group-version-kind"] = Json::array({Gvk(*t, t->kind)});
    components[prefix + t->kind] = std::move(schema);
    components[prefix + t->ListKind()] = {
        {"description", t->ListKind() + " is a list of " + t->kind},
        {"type", "object"},
        {"required", {"items"}},
        {"properties",
         {{"apiVersion", {{"type", "string"}}},
          {"kind", {{"type", "string"}}},
          {"metadata", {{"type", "object"}}},
          {"items", {{"type", "array"}, {"items", Ref(prefix + t->kind)}}}}},
        {"x-kubernetes-group-version-kind", Json::array({Gvk(*t, t->ListKind())})}};
    AddPaths(*t, paths);
  }
  Json doc = {{"openapi", "3.0.0"},
              {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0-flotilla"}}},
              {"paths", std::move(paths)},
              {"components", {{"schemas", std::move(components)}}}};
  const std::string gv = fmt::format("apis/{}/{}", kFleetGroup, kFleetVersion);
  std::string body = doc.dump();
  out.index["paths"][gv] = {{"serverRelativeURL", fmt::format("/openapi/v3/{}?hash={}", gv,
                                                              Sha256Hex(body).substr(0, 32))}};
  out.documents.emplace(gv, std::move(body));
  return out;
}

const Published& Get() {
  static const Published published = Build();
  return published;
}

}  // namespace

const Json& OpenApiV3Index() { return Get().index; }

const std::string* OpenApiV3Document(std::string_view group_version_path) {
  const auto& docs = Get().documents;
  auto it = docs.find(group_version_path);
  return it == docs.end() ? nullptr : &it->second;
}

}  // namespace flotilla::api
