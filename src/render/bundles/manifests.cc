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
#include "render/kustomize/kustomize.h"
#include "render/patch/patch.h"
#include "render/tree/memory_tree.h"

namespace flotilla::render {
namespace {

constexpr std::string_view kOverlayPrefix = "overlays/";

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

// wrangler's patch.Apply, which Fleet's overlays use: a JSON patch if the patch is a list; else
// a strategic merge patch for a kind client-go's scheme knows (by the patched file's
// apiVersion/kind), and a JSON merge patch for any other (CRDs, files without a kind).
StatusOr<Json> ApplyOverlayPatch(const Json& base, const Json& patch) {
  if (patch.is_array()) return patch::ApplyJsonPatch(base, patch);
  auto str = [&](const char* key) {
    auto it = base.is_object() ? base.find(key) : base.end();
    return base.is_object() && it != base.end() && it->is_string() ? it->get<std::string>()
                                                                   : std::string();
  };
  std::string api_version = str("apiVersion"), kind = str("kind");
  if (patch.is_object() && patch::PatchSchema::IsBuiltinKind(api_version, kind))
    return patch::StrategicMergePatch(base, patch, patch::PatchSchema::ForKind(api_version, kind));
  return patch::MergePatch(base, patch);
}

// Fleet's convertToJSON: the (first) document of a YAML file as JSON.
StatusOr<Json> ToJson(const std::string& text, const std::string& name) {
  ASSIGN_OR_RETURN(std::vector<Json> docs, ParseYamlStream(text, name));
  if (docs.size() > 1)
    return InvalidArgument(fmt::format("{}: a patched or patch file must hold one document", name));
  return docs.empty() ? Json::object() : docs[0];
}

// patch.Process: overlays in order replace (`overlays/<o>/x.yaml`) or patch
// (`overlays/<o>/x_patch.yaml`, see ApplyOverlayPatch) files; then every
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
      std::string base = TreeBase(name);
      auto p = base.find("_patch.");
      if (p == std::string::npos) {
        content[name] = data;
        continue;
      }
      std::string target_base = base.substr(0, p) + "." + base.substr(p + 7);
      std::string target = TreeDir(name).empty() ? target_base : TreeDir(name) + "/" + target_base;
      auto it = content.find(target);
      if (it == content.end())
        return InvalidArgument(
            fmt::format("{}{}: failed to find base file {} to patch", prefix, name, target));
      ASSIGN_OR_RETURN(Json base_doc, ToJson(it->second, target));
      ASSIGN_OR_RETURN(Json patch, ToJson(data, prefix + name));
      auto patched = ApplyOverlayPatch(base_doc, patch);
      if (!patched.ok())
        return patched.status().WithContext(
            fmt::format("{}{}: failed to patch {}", prefix, name, target));
      content[target] = patched->dump();
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
  // fleet.yaml helm.skipSchemaValidation, as Helm's --skip-schema-validation.
  if (options.helm.is_object() && options.helm.contains("skipSchemaValidation") &&
      options.helm["skipSchemaValidation"].is_boolean())
    ro.skip_schema_validation = options.helm["skipSchemaValidation"].get<bool>();
  auto rendered = helm::RenderChart(*chart, values, ro);
  if (!rendered.ok()) return rendered.status().WithContext(where);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : *rendered)
    if (!m.hook) out.emplace_back(m.source, m.content);
  return out;
}

// Kustomize bundles, as Fleet's agent runs them (internal/helmdeployer/kustomize.Process): when
// <kustomize.dir>/kustomization.yaml is among the bundle's files (kustomize.dir from the
// deployment options, i.e. fleet.yaml or a target customization; default "."), the objects are the
// kustomize build of that directory over the bundle's files; a chart's rendered output is added
// first as <dir>/fleet-manifests.yaml.
// `*used` is false when the bundle has no kustomization.
StatusOr<std::vector<std::pair<std::string, std::string>>> KustomizeBundle(
    std::map<std::string, std::string> content,
    const std::vector<std::pair<std::string, std::string>>& chart_output, std::string dir,
    bool* used) {
  *used = false;
  while (!dir.empty() && dir.back() == '/') dir.pop_back();
  if (dir == ".") dir.clear();
  std::string kfile = dir.empty() ? "kustomization.yaml" : dir + "/kustomization.yaml";
  if (!content.count(kfile)) return std::vector<std::pair<std::string, std::string>>{};
  *used = true;
  if (!chart_output.empty()) {
    std::string manifests;
    for (const auto& [source, text] : chart_output) manifests += "---\n" + text + "\n";
    content[dir.empty() ? "fleet-manifests.yaml" : dir + "/fleet-manifests.yaml"] = manifests;
    ASSIGN_OR_RETURN(Json k, ParseYaml(content[kfile], kfile));
    if (!k.is_object()) k = Json::object();
    Json res = Json::array({"fleet-manifests.yaml"});
    if (k.contains("resources") && k["resources"].is_array())
      for (const Json& r : k["resources"])
        if (r != "fleet-manifests.yaml") res.push_back(r);
    k["resources"] = res;
    content[kfile] = ToYaml(k);
  }
  auto tree = OpenMemoryTree(std::move(content));
  auto objects = kustomize::Build(*tree, dir, kustomize::BuildLimits{});
  if (!objects.ok()) return objects.status();
  return std::vector<std::pair<std::string, std::string>>{
      {kfile + " (kustomize build)", kustomize::ToYaml(*objects)}};
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
  }
  // Kustomize sees every file, also those under overlays/ (Fleet's examples keep their
  // kustomize overlays there: kustomize.dir: overlays/prod).
  std::map<std::string, std::string> kustomize_content = content;
  for (const Json& r : resources)
    if (r.value("encoding", "") == "" && r.value("name", "").rfind(kOverlayPrefix, 0) == 0)
      kustomize_content.emplace(r.value("name", ""), r.value("content", ""));
  bool kustomized = false;
  auto kustomize_output =
      KustomizeBundle(std::move(kustomize_content), documents, options.kustomize_dir, &kustomized);
  if (!kustomize_output.ok()) {  // its messages start with a path relative to the bundle
    const Status& e = kustomize_output.status();
    if (options.path_prefix.empty() || options.path_prefix == ".") return e;
    return Status(e.code(), options.path_prefix + "/" + std::string(e.message()));
  }
  if (kustomized) {
    documents = std::move(*kustomize_output);
  } else if (!chart_files && !content.count("Chart.yaml")) {
    std::vector<std::string> ignore_prefix;
    for (const auto& [name, _] : content)
      if (name.ends_with("/fleet.yaml") || name.ends_with("/fleet.yml") ||
          name.ends_with("/Chart.yaml"))
        ignore_prefix.push_back(TreeDir(name) + "/");
    for (const auto& [name, text] : content) {
      if (name == "fleet.yaml" || name == "fleet.yml") continue;
      if (!name.ends_with(".yaml") && !name.ends_with(".yml") && !name.ends_with(".json")) continue;
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
