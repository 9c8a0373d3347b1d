#include "render/bundles/bundles.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/hash.h"
#include "core/yaml.h"

namespace flotilla::render {
namespace {

bool IsManifestFile(const std::string& path) {
  auto slash = path.rfind('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty() || base[0] == '.') return false;
  if (base == "fleet.yaml" || base == "fleet.yml") return false;
  auto ends = [&](const char* ext) {
    std::string e(ext);
    return base.size() > e.size() && base.compare(base.size() - e.size(), e.size(), e) == 0;
  };
  return ends(".yaml") || ends(".yml") || ends(".json");
}

bool IsHiddenPath(const std::string& rel) {
  size_t start = 0;
  while (start < rel.size()) {
    if (rel[start] == '.') return true;
    size_t slash = rel.find('/', start);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return false;
}

std::string Normalize(std::string p) {
  while (p.rfind("./", 0) == 0) p = p.substr(2);
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (p == ".") p.clear();
  return p;
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

}  // namespace

std::string BundleName(const std::string& gitrepo_name, const std::string& path) {
  std::string raw = gitrepo_name;
  std::string p = Normalize(path);
  if (!p.empty()) raw += "-" + p;
  std::string name;
  for (char c : raw) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    name.push_back((std::isalnum(static_cast<unsigned char>(l)) || l == '-' || l == '.') ? l : '-');
  }
  while (!name.empty() && (name.back() == '-' || name.back() == '.')) name.pop_back();
  if (name.size() > 53) name = name.substr(0, 47) + "-" + Sha256Hex(raw).substr(0, 5);
  return name;
}

std::string ResourcesHash(const Json& resources) { return Sha256Hex(resources.dump()); }

StatusOr<std::vector<Json>> ParseManifests(const Json& resources, const ManifestOptions& options) {
  std::vector<Json> out;
  if (!resources.is_array()) return out;
  for (const Json& r : resources) {
    std::string name = r.value("name", "");
    std::string content = r.value("content", "");
    ASSIGN_OR_RETURN(std::vector<Json> docs, ParseYamlStream(content, name));
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
        std::string where = docs.size() > 1 ? fmt::format("{} (document {})", name, i + 1) : name;
        if (!obj.is_object())
          return InvalidArgument(
              fmt::format("{}: a manifest must be a map, got {}", where, obj.type_name()));
        if (!obj.contains("apiVersion") || !obj["apiVersion"].is_string() ||
            obj["apiVersion"].get<std::string>().empty())
          return InvalidArgument(fmt::format("{}: object has no apiVersion", where));
        if (!obj.contains("kind") || !obj["kind"].is_string() ||
            obj["kind"].get<std::string>().empty())
          return InvalidArgument(fmt::format("{}: object has no kind", where));
        if (!obj.contains("metadata") || !obj["metadata"].is_object() ||
            !obj["metadata"].contains("name") || !obj["metadata"]["name"].is_string() ||
            obj["metadata"]["name"].get<std::string>().empty())
          return InvalidArgument(fmt::format("{}: {} object has no metadata.name", where,
                                             obj["kind"].get<std::string>()));
        if (!IsClusterScoped(obj["kind"].get<std::string>())) {
          Json& md = obj["metadata"];
          if (!options.target_namespace.empty()) {
            md["namespace"] = options.target_namespace;
          } else if (!md.contains("namespace") || !md["namespace"].is_string() ||
                     md["namespace"].get<std::string>().empty()) {
            md["namespace"] = options.default_namespace;
          }
        }
        out.push_back(std::move(obj));
      }
    }
  }
  return out;
}

StatusOr<std::vector<Json>> BuildBundles(const Tree& tree, const BuildOptions& options) {
  std::vector<std::string> paths = options.paths;
  if (paths.empty()) paths.push_back("");
  std::vector<Json> bundles;
  for (const std::string& raw_path : paths) {
    std::string path = Normalize(raw_path);
    std::string name = BundleName(options.gitrepo_name, path);
    auto where = [&](const Status& s) { return s.WithContext(fmt::format("bundle \"{}\"", name)); };
    auto entries = tree.Walk(path);
    if (!entries.ok()) return where(entries.status());
    Json resources = Json::array();
    uint64_t total = 0;
    for (const TreeEntry& e : *entries) {
      if (e.is_dir || !IsManifestFile(e.path)) continue;
      std::string rel = path.empty() ? e.path : e.path.substr(path.size() + 1);
      if (IsHiddenPath(rel)) continue;
      if (e.size > options.max_file_bytes)
        return where(
            ResourceExhausted(fmt::format("{}: file is {} bytes, more than the limit of {}", e.path,
                                          e.size, options.max_file_bytes)));
      total += e.size;
      if (total > options.max_bundle_bytes)
        return where(ResourceExhausted(
            fmt::format("bundle is larger than the limit of {} bytes", options.max_bundle_bytes)));
      auto content = tree.ReadFile(e.path);
      if (!content.ok()) return where(content.status());
      resources.push_back({{"name", rel}, {"content", *content}});
    }
    // Validate now so the GitRepo's status names the bad file; agents parse again to apply.
    ManifestOptions mo;
    mo.target_namespace = options.target_namespace;
    Json prefixed = resources;
    for (auto& r : prefixed)
      r["name"] =
          path.empty() ? r["name"].get<std::string>() : path + "/" + r["name"].get<std::string>();
    auto parsed = ParseManifests(prefixed, mo);
    if (!parsed.ok()) return where(parsed.status());

    Json labels = options.labels.is_object() ? options.labels : Json::object();
    labels["fleet.cattle.io/repo-name"] = options.gitrepo_name;
    labels["fleet.cattle.io/commit"] = options.commit;
    Json spec = {{"resources", resources}};
    if (!options.target_namespace.empty()) spec["targetNamespace"] = options.target_namespace;
    if (options.targets.is_array() && !options.targets.empty()) spec["targets"] = options.targets;
    Json bundle = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
                   {"kind", "Bundle"},
                   {"metadata",
                    {{"name", name},
                     {"namespace", options.ns},
                     {"labels", labels},
                     {"annotations",
                      {{"fleet.cattle.io/bundle-path", path.empty() ? "." : path},
                       {"fleet.cattle.io/resources-sha256", ResourcesHash(resources)}}}}},
                   {"spec", spec}};
    bundles.push_back(std::move(bundle));
  }
  return bundles;
}

}  // namespace flotilla::render
