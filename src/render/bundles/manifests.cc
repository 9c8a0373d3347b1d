// The agent's half: from a Bundle's spec.resources to Kubernetes objects, as Fleet's agent does
// for raw-YAML bundles (rancher/fleet internal/helmdeployer/render/helm.go `manifests`,
// render/patch/patch.go `Process`, rawyaml/resources.go `ToObjects`).
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/yaml.h"
#include "render/bundles/bundles.h"
#include "render/bundles/remote_charts.h"
#include "render/helm/chart.h"

namespace flotilla::render {
namespace {

constexpr std::string_view kOverlayPrefix = "overlays/";

bool HasSuffix(const std::string& s, std::string_view suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}
std::string Base(const std::string& p) {
  auto s = p.rfind('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}
std::string Dir(const std::string& p) {
  auto s = p.rfind('/');
  return s == std::string::npos ? "" : p.substr(0, s);
}

// Kinds whose objects are cluster-scoped (no namespace is filled in for them).
bool IsClusterScoped(const std::string& kind) {
  static const char* kKinds[] = {"Namespace",
                                 "ClusterRole",
                                 "ClusterRoleBinding",
                                 "CustomResourceDefinition",
                                 "PersistentVolume",
                                 "StorageClass",
                                 "PriorityClass",
                                 "ValidatingWebhookConfiguration",
                                 "MutatingWebhookConfiguration",
                                 "APIService",
                                 "IngressClass",
                                 "RuntimeClass",
                                 "CSIDriver",
                                 "Node"};
  return std::find(std::begin(kKinds), std::end(kKinds), kind) != std::end(kKinds);
}

// RFC 7386 JSON merge patch.
Json MergePatch(Json target, const Json& patch) {
  if (!patch.is_object()) return patch;
  if (!target.is_object()) target = Json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it->is_null())
      target.erase(it.key());
    else
      target[it.key()] = MergePatch(target.contains(it.key()) ? target[it.key()] : Json(), *it);
  }
  return target;
}

// RFC 6902 JSON patch (add, remove, replace, copy, move, test).
StatusOr<Json> JsonPatch(Json doc, const Json& ops) {
  for (const Json& op : ops) {
    if (!op.is_object() || !op.contains("op") || !op.contains("path"))
      return InvalidArgument("a JSON patch operation needs \"op\" and \"path\"");
    std::string kind = op["op"].get<std::string>();
    try {
      Json::json_pointer path(op["path"].get<std::string>());
      if (kind == "add") {
        if (path.back() == "-") {
          doc[path.parent_pointer()].push_back(op.at("value"));
        } else if (doc.contains(path.parent_pointer()) && doc[path.parent_pointer()].is_array()) {
          Json& arr = doc[path.parent_pointer()];
          size_t idx = std::stoul(path.back());
          if (idx > arr.size()) return InvalidArgument("JSON patch: index out of range");
          arr.insert(arr.begin() + static_cast<long>(idx), op.at("value"));
        } else {
          doc[path] = op.at("value");
        }
      } else if (kind == "remove") {
        Json& parent = doc.at(path.parent_pointer());
        if (parent.is_array()) {
          parent.erase(std::stoul(path.back()));
        } else if (parent.erase(path.back()) == 0) {
          return InvalidArgument(
              fmt::format("JSON patch remove {}: no such member", path.to_string()));
        }
      } else if (kind == "replace") {
        doc.at(path) = op.at("value");
      } else if (kind == "copy" || kind == "move") {
        Json::json_pointer from(op.at("from").get<std::string>());
        Json v = doc.at(from);
        if (kind == "move") {
          Json& parent = doc.at(from.parent_pointer());
          if (parent.is_array())
            parent.erase(std::stoul(from.back()));
          else
            parent.erase(from.back());
        }
        doc[path] = v;
      } else if (kind == "test") {
        if (doc.at(path) != op.at("value")) return InvalidArgument("JSON patch: test failed");
      } else {
        return InvalidArgument(fmt::format("JSON patch: unknown op \"{}\"", kind));
      }
    } catch (const std::exception& e) {
      return InvalidArgument(
          fmt::format("JSON patch {} {}: {}", kind, op.value("path", ""), e.what()));
    }
  }
  return doc;
}

// Fleet's convertToJSON: the (first) document of a YAML file as JSON.
StatusOr<Json> ToJson(const std::string& text, const std::string& name) {
  ASSIGN_OR_RETURN(std::vector<Json> docs, ParseYamlStream(text, name));
  if (docs.size() > 1)
    return InvalidArgument(fmt::format("{}: a patched or patch file must hold one document", name));
  return docs.empty() ? Json::object() : docs[0];
}

// patch.Process: overlays in order replace (`overlays/<o>/x.yaml`) or patch
// (`overlays/<o>/x_patch.yaml`; JSON patch if it is a list, else a merge patch) files; then every
// `overlays/` file is dropped.
StatusOr<std::map<std::string, std::string>> ApplyOverlays(
    const Json& resources, const std::vector<std::string>& overlays) {
  std::map<std::string, std::string> content;
  for (const Json& r : resources) {
    if (r.value("encoding", "") != "") continue;  // compressed files are never manifests here
    content[r.value("name", "")] = r.value("content", "");
  }
  for (const std::string& overlay : overlays) {
    std::string prefix = std::string(kOverlayPrefix) + overlay + "/";
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& [name, data] : content)
      if (name.rfind(prefix, 0) == 0) files.emplace_back(name.substr(prefix.size()), data);
    for (const auto& [name, data] : files) {
      std::string base = Base(name);
      auto p = base.find("_patch.");
      if (p == std::string::npos) {
        content[name] = data;
        continue;
      }
      std::string target_base = base.substr(0, p) + "." + base.substr(p + 7);
      std::string target = Dir(name).empty() ? target_base : Dir(name) + "/" + target_base;
      auto it = content.find(target);
      if (it == content.end())
        return InvalidArgument(
            fmt::format("{}{}: failed to find base file {} to patch", prefix, name, target));
      ASSIGN_OR_RETURN(Json base_doc, ToJson(it->second, target));
      ASSIGN_OR_RETURN(Json patch, ToJson(data, prefix + name));
      Json patched;
      if (patch.is_array()) {
        auto r = JsonPatch(base_doc, patch);
        if (!r.ok())
          return r.status().WithContext(
              fmt::format("{}{}: failed to patch {}", prefix, name, target));
        patched = std::move(*r);
      } else {
        patched = MergePatch(base_doc, patch);
      }
      content[target] = patched.dump();
    }
  }
  for (auto it = content.begin(); it != content.end();)
    it = it->first.rfind(kOverlayPrefix, 0) == 0 ? content.erase(it) : std::next(it);
  return content;
}

// A bundle that is a Helm chart: rendered with render/helm, as Fleet's agent installs it
// (hooks are left out: the appliers have no hook phases).
StatusOr<std::vector<std::pair<std::string, std::string>>> RenderChartBundle(
    const std::map<std::string, std::string>& content, const ManifestOptions& options) {
  std::map<std::string, std::string> files;
  for (const auto& [name, data] : content)
    if (name != "fleet.yaml" && name != "fleet.yml") files[name] = data;
  std::string where =
      options.path_prefix.empty() ? "Chart.yaml" : options.path_prefix + "/Chart.yaml";
  auto chart = helm::LoadChartFiles(files);
  if (!chart.ok()) return chart.status().WithContext(where);
  helm::Value values;
  if (options.helm.is_object() && options.helm.contains("values") &&
      options.helm["values"].is_object()) {
    auto v = helm::ParseValuesFile(ToYaml(options.helm["values"]), "helm.values");
    if (!v.ok()) return v.status();
    values = std::move(*v);
  }
  helm::ReleaseOptions ro;
  ro.name = options.helm.is_object() ? options.helm.value("releaseName", "") : "";
  if (ro.name.empty())
    ro.name = options.release_name.empty() ? "release-name" : options.release_name;
  ro.namespace_ =
      options.target_namespace.empty() ? options.default_namespace : options.target_namespace;
  ro.include_crds = true;
  auto rendered = helm::RenderChart(*chart, values, ro);
  if (!rendered.ok()) return rendered.status().WithContext(where);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : *rendered)
    if (!m.hook) out.emplace_back(m.source, m.content);
  return out;
}

}  // namespace

StatusOr<std::vector<Json>> ParseManifests(const Json& resources, const ManifestOptions& options) {
  std::vector<Json> out;
  if (!resources.is_array()) return out;
  ASSIGN_OR_RETURN(auto content, ApplyOverlays(resources, options.overlays));

  // The documents to parse: a chart's rendered templates (a Chart.yaml at the root), else the
  // .yaml/.yml/.json files outside directories of nested bundles (a fleet.yaml) and of charts.
  std::vector<std::pair<std::string, std::string>> documents;
  ASSIGN_OR_RETURN(auto chart_files, EmbeddedChartFiles(resources, options.helm));
  if (chart_files) {  // helm.chart names a directory of the bundle (e.g. an embedded chart)
    ASSIGN_OR_RETURN(documents, RenderChartBundle(*chart_files, options));
  } else if (content.count("Chart.yaml")) {
    ASSIGN_OR_RETURN(documents, RenderChartBundle(content, options));
  } else {
    std::vector<std::string> ignore_prefix;
    for (const auto& [name, _] : content)
      if (HasSuffix(name, "/fleet.yaml") || HasSuffix(name, "/fleet.yml") ||
          HasSuffix(name, "/Chart.yaml"))
        ignore_prefix.push_back(Dir(name) + "/");
    for (const auto& [name, text] : content) {
      if (name == "fleet.yaml" || name == "fleet.yml") continue;
      if (!HasSuffix(name, ".yaml") && !HasSuffix(name, ".yml") && !HasSuffix(name, ".json"))
        continue;
      bool skip = false;
      for (const std::string& p : ignore_prefix)
        if (name.rfind(p, 0) == 0) skip = true;
      if (skip) continue;
      if (name.rfind("templates/", 0) == 0)
        return InvalidArgument(
            fmt::format("{}: Helm templates in a raw-YAML bundle (templates/) need a Chart.yaml",
                        options.path_prefix.empty() ? name : options.path_prefix + "/" + name));
      documents.emplace_back(name, text);
    }
  }

  for (const auto& [name, text] : documents) {
    std::string shown = options.path_prefix.empty() ? name : options.path_prefix + "/" + name;
    ASSIGN_OR_RETURN(std::vector<Json> docs, ParseYamlStream(text, shown));
    for (size_t i = 0; i < docs.size(); i++) {
      std::vector<Json> objs;
      Json& doc = docs[i];
      if (doc.is_object() && doc.value("kind", "") == "List" && doc.contains("items") &&
          doc["items"].is_array()) {
        for (auto& item : doc["items"]) objs.push_back(item);
      } else {
        objs.push_back(std::move(doc));
      }
      for (Json& obj : objs) {
        std::string where = docs.size() > 1 ? fmt::format("{} (document {})", shown, i + 1) : shown;
        if (!obj.is_object())
          return InvalidArgument(
              fmt::format("{}: a manifest must be a map, got {}", where, obj.type_name()));
        // Like Fleet's rawyaml.ToObjects, documents without a kind are not objects to deploy
        // (values files, kustomize configs, ...).
        if (!obj.contains("kind") || !obj["kind"].is_string() ||
            obj["kind"].get<std::string>().empty())
          continue;
        const std::string kind = obj["kind"];
        if (!obj.contains("apiVersion") || !obj["apiVersion"].is_string() ||
            obj["apiVersion"].get<std::string>().empty())
          return InvalidArgument(fmt::format("{}: {} object has no apiVersion", where, kind));
        if (!obj.contains("metadata") || !obj["metadata"].is_object() ||
            !obj["metadata"].contains("name") || !obj["metadata"]["name"].is_string() ||
            obj["metadata"]["name"].get<std::string>().empty())
          return InvalidArgument(fmt::format("{}: {} object has no metadata.name", where, kind));
        Json& md = obj["metadata"];
        if (IsClusterScoped(kind)) {
          // Fleet's agent refuses these when `namespace` (targetNamespace) is set.
          if (!options.target_namespace.empty())
            return InvalidArgument(
                fmt::format("{}: invalid cluster scoped object [{} {}] found, consider using "
                            "\"defaultNamespace\", not \"namespace\" in fleet.yaml",
                            where, kind, md["name"].get<std::string>()));
        } else if (!options.target_namespace.empty()) {
          md["namespace"] = options.target_namespace;
        } else if (!md.contains("namespace") || !md["namespace"].is_string() ||
                   md["namespace"].get<std::string>().empty()) {
          md["namespace"] = options.default_namespace;
        }
        out.push_back(std::move(obj));
      }
    }
  }

  // namespaceLabels/namespaceAnnotations: Fleet creates the release namespace with them.
  bool ns_meta =
      (options.namespace_labels.is_object() && !options.namespace_labels.empty()) ||
      (options.namespace_annotations.is_object() && !options.namespace_annotations.empty());
  if (ns_meta) {
    std::string ns =
        options.target_namespace.empty() ? options.default_namespace : options.target_namespace;
    Json* existing = nullptr;
    for (Json& o : out)
      if (o["kind"] == "Namespace" && o["metadata"]["name"] == ns) existing = &o;
    if (existing == nullptr) {
      out.push_back({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
      existing = &out.back();
    }
    Json& md = (*existing)["metadata"];
    for (const char* key : {"labels", "annotations"}) {
      const Json& add =
          std::string(key) == "labels" ? options.namespace_labels : options.namespace_annotations;
      if (!add.is_object()) continue;
      for (auto it = add.begin(); it != add.end(); ++it) md[key][it.key()] = *it;
    }
  }
  return out;
}

}  // namespace flotilla::render
