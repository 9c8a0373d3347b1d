#include "render/bundles/bundles.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "core/hash.h"
#include "core/yaml.h"
#include "model/deployment.h"
#include "model/keys.h"
#include "render/bundles/cache.h"
#include "render/bundles/discover.h"
#include "render/bundles/fleet_yaml.h"
#include "render/bundles/remote_charts.h"

namespace flotilla::render {
namespace {

// Only the fields of a GitTarget (Fleet's gitjob copies exactly these into the targets file).
Json GitTarget(const Json& t) {
  Json out = Json::object();
  for (const char* k :
       {"name", "clusterName", "clusterSelector", "clusterGroup", "clusterGroupSelector"})
    if (t.is_object() && t.contains(k) && !t[k].is_null()) out[k] = t[k];
  return out;
}

// Reads the fleet.yaml (else fleet.yml) of `dir`, as Fleet's setupIOReader; {} when absent.
// With `file` (GitRepo bundles[].options), that file relative to `dir`, which must exist.
StatusOr<Json> ReadFleetYaml(const Tree& tree, const std::string& dir, const std::string& file) {
  if (!file.empty()) {
    auto text = tree.ReadFile(TreeJoin(dir, file));
    if (!text.ok() && text.status().code() == StatusCode::kNotFound)
      return NotFound(fmt::format("{}: options file not found", TreeJoin(dir, file)));
    if (!text.ok()) return text.status();
    return ParseFleetYaml(*text, TreeJoin(dir, file));
  }
  for (const char* f : {"fleet.yaml", "fleet.yml"}) {
    auto text = tree.ReadFile(TreeJoin(dir, f));
    if (!text.ok()) {
      if (text.status().code() == StatusCode::kNotFound) continue;
      return text.status();
    }
    return ParseFleetYaml(*text, TreeJoin(dir, f));
  }
  return Json::object();
}

// The seam for the Helm and Kustomize engines: bundles that need them are refused for now, so
// a chart is never deployed as if its templates were plain manifests.
Status CheckSupportedStyle(const Json& fy, const Json& resources, const std::string& dir) {
  // Remote charts were embedded by EmbedRemoteCharts (helm.chart now names a directory of the
  // bundle); a helm.chart that names no such directory is an error.
  if (fy.contains("helm") && fy["helm"].is_object() && !fy["helm"].value("chart", "").empty()) {
    auto files = EmbeddedChartFiles(resources, fy["helm"]);
    if (!files.ok()) return files.status().WithContext(TreeJoin(dir, "fleet.yaml"));
  }
  // Kustomize bundles are validated below by ParseManifests, which runs kustomize as the agent.
  return Status::Ok();
}

struct Built {
  Json bundle;
  bool empty = false;
  bool cacheable = true;  // false when the output depends on more than the tree
};

StatusOr<Built> BuildOne(const Tree& tree, const BuildOptions& options, const std::string& dir,
                         const std::string& fleet_file, const std::string& derived_name) {
  ASSIGN_OR_RETURN(Json fy, ReadFleetYaml(tree, dir, fleet_file));
  // A chart from a repository is not in the tree: its build can change with the tree unchanged.
  const bool remote_chart = fy.contains("helm") && fy["helm"].is_object() &&
                            (!fy["helm"].value("repo", "").empty() ||
                             fy["helm"].value("chart", "").find(':') != std::string::npos);
  // helm.valuesFiles (top level and per target) are merged into helm.values and left out of
  // the resources, as Fleet's parseValuesFiles / ignoreApplyConfigs do.
  std::vector<std::string> skip;
  if (!fleet_file.empty()) skip.push_back(fleet_file);
  std::vector<Json*> helms;
  if (fy.contains("helm") && fy["helm"].is_object()) helms.push_back(&fy["helm"]);
  for (const char* f : {"targets", "targetCustomizations"})
    if (fy.contains(f) && fy[f].is_array())
      for (Json& t : fy[f])
        if (t.contains("helm") && t["helm"].is_object()) helms.push_back(&t["helm"]);
  for (Json* h : helms) {
    if (!h->contains("valuesFiles") || !(*h)["valuesFiles"].is_array()) continue;
    Json values = h->value("values", Json::object());
    if (!values.is_object()) values = Json::object();
    for (const Json& v : (*h)["valuesFiles"]) {
      if (!v.is_string()) continue;
      std::string file = v.get<std::string>();
      skip.push_back(file);
      ASSIGN_OR_RETURN(std::string text, tree.ReadFile(TreeJoin(dir, file)));
      ASSIGN_OR_RETURN(Json parsed, ParseYaml(text, TreeJoin(dir, file)));
      if (parsed.is_null()) continue;
      if (!parsed.is_object())
        return InvalidArgument(fmt::format("{}: helm values must be a map", TreeJoin(dir, file)));
      values = model::MergeOptions(values, parsed);
    }
    if (!values.empty()) (*h)["values"] = values;
  }
  ASSIGN_OR_RETURN(
      Json resources,
      ReadBundleResources(tree, dir, skip, {options.max_file_bytes, options.max_bundle_bytes}));
  RETURN_IF_ERROR(EmbedRemoteCharts(options, dir, &fy, &resources));
  if (resources.empty()) return Built{Json(), true, !remote_chart};
  RETURN_IF_ERROR(CheckSupportedStyle(fy, resources, dir));

  Json spec = Json::object();
  // Copied as Go's omitempty marshalling would: null, false and "" are left out.
  auto set = [](const Json& v) { return !v.is_null() && v != false && v != ""; };
  for (const std::string& f : model::DeploymentOptionFields())
    if (fy.contains(f) && set(fy[f])) spec[f] = fy[f];
  for (const char* f : {"paused", "rolloutStrategy", "dependsOn", "targetCustomizationMode"})
    if (fy.contains(f) && set(fy[f])) spec[f] = fy[f];

  // targets: fleet.yaml `targets` and `targetCustomizations` (unnamed ones become target%03d),
  // then the GitRepo's targets (or overrideTargets) which also become targetRestrictions
  // (internal/bundlereader/read.go; gitjob's targetsOrDefault).
  Json targets = Json::array();
  for (const char* f : {"targets", "targetCustomizations"})
    if (fy.contains(f) && fy[f].is_array())
      for (const Json& t : fy[f]) targets.push_back(t);
  for (size_t i = 0; i < targets.size(); i++)
    if (targets[i].value("name", "").empty()) targets[i]["name"] = fmt::format("target{:03d}", i);
  Json restrictions = Json::array();
  Json gitrepo_targets = options.targets.is_array() ? options.targets : Json::array();
  if (fy.contains("overrideTargets") && fy["overrideTargets"].is_array()) {
    gitrepo_targets = fy["overrideTargets"];
  } else if (gitrepo_targets.empty()) {
    gitrepo_targets = Json::array({{{"name", "default"}, {"clusterGroup", "default"}}});
  }
  for (const Json& t : gitrepo_targets) {
    targets.push_back(GitTarget(t));
    restrictions.push_back(GitTarget(t));
  }
  if (!options.target_namespace.empty()) {
    spec["namespace"] = options.target_namespace;
    for (Json& t : targets) t["namespace"] = options.target_namespace;
  }
  spec["targets"] = targets;
  spec["targetRestrictions"] = restrictions;
  if (options.paused) spec["paused"] = true;
  if (options.keep_resources) spec["keepResources"] = true;
  if (options.delete_namespace) spec["deleteNamespace"] = true;
  if (!options.service_account.empty()) spec["serviceAccount"] = options.service_account;
  if (options.sync_generation != 0) spec["forceSyncGeneration"] = options.sync_generation;
  spec["resources"] = resources;

  // Validate what every target would deploy now, so the GitRepo's status names the bad file.
  std::vector<Json> variants = {model::DeploymentOptions(spec)};
  for (const Json& t : targets)
    variants.push_back(model::MergeOptions(variants[0], model::DeploymentOptions(t)));
  std::set<std::string> seen;
  for (const Json& v : variants) {
    if (!seen.insert(v.dump()).second) continue;
    // helm.valuesFrom is read by the agent from its cluster: the chart can only be checked there.
    if (v.contains("helm") && v["helm"].is_object() && v["helm"].contains("valuesFrom")) continue;
    ManifestOptions mo = ManifestOptionsFrom(v);
    mo.path_prefix = dir;
    mo.release_name = fy.value("name", derived_name);
    auto parsed = ParseManifests(resources, mo);
    if (!parsed.ok()) return parsed.status();
  }

  Json labels = Json::object();
  if (options.labels.is_object())
    for (auto it = options.labels.begin(); it != options.labels.end(); ++it) labels[it.key()] = *it;
  if (fy.contains("labels") && fy["labels"].is_object())
    for (auto it = fy["labels"].begin(); it != fy["labels"].end(); ++it) labels[it.key()] = *it;
  labels[model::kRepoNameLabel] = options.gitrepo_name;
  if (!options.commit.empty()) labels[model::kCommitLabel] = options.commit;

  std::string name = fy.value("name", "");
  if (name.empty()) name = derived_name;
  Json bundle = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
                 {"kind", "Bundle"},
                 {"metadata", {{"name", name}, {"namespace", options.ns}, {"labels", labels}}},
                 {"spec", spec}};
  return Built{std::move(bundle), false, !remote_chart};
}

bool Under(const std::string& path, const std::string& dir) {
  return dir.empty() || path == dir || path.rfind(dir + "/", 0) == 0;
}

std::string Normal(std::string_view p) {
  std::string n = std::filesystem::path(std::string(p)).lexically_normal().generic_string();
  while (!n.empty() && n.back() == '/') n.pop_back();
  return n == "." ? "" : n;
}

// Records what a bundle's build reads outside its directory, so a cached build can be re-checked.
class TrackingTree : public Tree {
 public:
  TrackingTree(const Tree& base, std::string dir) : base_(base), dir_(std::move(dir)) {}
  StatusOr<std::vector<TreeEntry>> Walk(std::string_view d) const override {
    auto out = base_.Walk(d);
    if (!Under(Normal(d), dir_)) cacheable_ = false;
    if (out.ok())
      for (const TreeEntry& e : *out)
        if (e.is_symlink) cacheable_ = false;
    return out;
  }
  StatusOr<std::string> ReadFile(std::string_view path) const override {
    auto out = base_.ReadFile(path);
    std::string p = Normal(path);
    if (!Under(p, dir_)) {
      if (out.ok())
        deps_.emplace_back(std::string(path), Sha256Hex(*out));
      else
        cacheable_ = false;
    }
    return out;
  }
  StatusOr<std::string> ContentId(std::string_view d) const override { return base_.ContentId(d); }
  bool cacheable() const { return cacheable_; }
  BundleCache::Deps deps() const { return deps_; }

 private:
  const Tree& base_;
  const std::string dir_;
  mutable bool cacheable_ = true;
  mutable BundleCache::Deps deps_;
};

std::string CacheKey(const std::string& content_id, const BuildOptions& o, const std::string& dir,
                     const std::string& fleet_file, const std::string& derived) {
  Json k = {{"v", 1},
            {"tree", content_id},
            {"dir", dir},
            {"fleetFile", fleet_file},
            {"derived", derived},
            {"gitrepo", o.gitrepo_name},
            {"ns", o.ns},
            {"commitLabel", !o.commit.empty()},
            {"targetNamespace", o.target_namespace},
            {"targets", o.targets},
            {"labels", o.labels},
            {"serviceAccount", o.service_account},
            {"paused", o.paused},
            {"keepResources", o.keep_resources},
            {"deleteNamespace", o.delete_namespace},
            {"syncGeneration", o.sync_generation},
            {"maxFile", o.max_file_bytes},
            {"maxBundle", o.max_bundle_bytes}};
  return Sha256Hex(k.dump());
}

// BuildOne through options.cache: a hit costs one tree-id lookup (plus re-reading the files the
// build read outside its directory).
StatusOr<Built> BuildCached(const Tree& tree, const BuildOptions& options, const std::string& dir,
                            const std::string& fleet_file, const std::string& derived) {
  BundleCache* cache = options.cache;
  if (cache == nullptr) return BuildOne(tree, options, dir, fleet_file, derived);
  auto id = tree.ContentId(dir);
  if (!id.ok() || id->empty()) {
    cache->Uncacheable();
    return BuildOne(tree, options, dir, fleet_file, derived);
  }
  const std::string key = CacheKey(*id, options, dir, fleet_file, derived);
  BundleCache::Entry entry;
  if (cache->Get(key, &entry)) {
    bool same = true;
    for (const auto& [path, hash] : entry.deps) {
      auto text = tree.ReadFile(path);
      if (!text.ok() || Sha256Hex(*text) != hash) same = false;
    }
    if (same) {
      cache->Hit();
      if (entry.bundle.is_null()) return Built{Json(), true, true};
      if (!options.commit.empty())
        entry.bundle["metadata"]["labels"][model::kCommitLabel] = options.commit;
      return Built{std::move(entry.bundle), false, true};
    }
  }
  TrackingTree tracking(tree, dir);
  auto built = BuildOne(tracking, options, dir, fleet_file, derived);
  if (!built.ok() || !built->cacheable || !tracking.cacheable()) {
    cache->Uncacheable();
    return built;
  }
  cache->Miss();
  BundleCache::Entry fresh;
  if (!built->empty) {
    fresh.bundle = built->bundle;
    if (!options.commit.empty()) fresh.bundle["metadata"]["labels"].erase(model::kCommitLabel);
  }
  fresh.deps = tracking.deps();
  cache->Put(key, std::move(fresh));
  return built;
}

}  // namespace

ManifestOptions ManifestOptionsFrom(const Json& o) {
  ManifestOptions mo;
  if (!o.is_object()) return mo;
  std::string dns = o.value("defaultNamespace", "");
  if (!dns.empty()) mo.default_namespace = dns;
  mo.target_namespace = o.value("namespace", "");
  if (o.contains("yaml") && o["yaml"].is_object() && o["yaml"].contains("overlays") &&
      o["yaml"]["overlays"].is_array())
    for (const Json& v : o["yaml"]["overlays"])
      if (v.is_string()) mo.overlays.push_back(v.get<std::string>());
  mo.namespace_labels = o.value("namespaceLabels", Json());
  mo.namespace_annotations = o.value("namespaceAnnotations", Json());
  mo.helm = o.value("helm", Json());
  if (o.contains("kustomize") && o["kustomize"].is_object())
    mo.kustomize_dir = o["kustomize"].value("dir", "");
  return mo;
}

namespace {

// One directory to build: from discovery under `paths`, or a GitRepo `bundles:` entry.
struct Source {
  std::string dir;         // relative to the root, "" = root
  std::string fleet_file;  // bundles[].options; "" = the directory's fleet.yaml
  std::string derived;     // the Bundle name derived from gitrepo, dir and fleet_file
};

// Fleet's CreateBundlesDriven: every entry is one bundle at `base` (no recursion, no globs),
// named HelmReleaseName(gitrepo/base[/options without extension]), options relative to base.
StatusOr<Source> DrivenSource(const Tree& tree, const BuildOptions& options, const BundlePath& b) {
  std::string base = b.base;
  while (!base.empty() && base.front() == '/') base.erase(0, 1);
  std::string dir = Normal(base);
  if (dir == ".." || dir.rfind("../", 0) == 0)
    return InvalidArgument(fmt::format("base \"{}\" is outside the repository", b.base));
  auto walk = tree.Walk(dir);
  if (!walk.ok())
    return walk.status().code() == StatusCode::kNotFound
               ? NotFound(fmt::format("base \"{}\": directory not found", b.base))
               : walk.status();
  std::string id = dir;
  if (!b.options.empty()) {
    std::string stem = b.options;
    size_t slash = stem.rfind('/');
    size_t dot = stem.rfind('.');
    if (dot != std::string::npos && (slash == std::string::npos || dot > slash))
      stem = stem.substr(0, dot);
    id = Normal(TreeJoin(dir, stem));
  }
  return Source{dir, b.options, BundleName(options.gitrepo_name, id)};
}

}  // namespace

StatusOr<BuildResult> BuildBundleSet(const Tree& tree, const BuildOptions& options) {
  std::vector<std::string> paths = options.paths;
  if (paths.empty()) paths.push_back(".");
  BuildResult result;
  std::set<std::string> names;
  auto build = [&](const Source& src) {
    std::string shown = src.dir.empty() ? "." : src.dir;
    if (!src.fleet_file.empty()) shown += ", " + src.fleet_file;
    auto built = BuildCached(tree, options, src.dir, src.fleet_file, src.derived);
    if (!built.ok()) {
      result.failures.push_back(
          {src.derived, shown,
           built.status().WithContext(fmt::format("bundle \"{}\" ({})", src.derived, shown))});
      return;
    }
    if (built->empty) return;  // Fleet: "no resources found to deploy", a warning
    std::string name = built->bundle["metadata"]["name"];
    if (!names.insert(name).second) {
      result.failures.push_back(
          {name, shown,
           InvalidArgument(fmt::format(
               "bundle \"{}\" ({}): another directory already produced a bundle of this name", name,
               shown))});
      return;
    }
    result.bundles.push_back(std::move(built->bundle));
  };
  if (!options.bundles.empty()) {
    for (size_t i = 0; i < options.bundles.size(); i++) {
      auto src = DrivenSource(tree, options, options.bundles[i]);
      if (!src.ok()) {
        result.failures.push_back(
            {"", options.bundles[i].base, src.status().WithContext(fmt::format("bundles[{}]", i))});
        continue;
      }
      build(*src);
    }
    paths.clear();
    for (const BundlePath& b : options.bundles)
      paths.push_back(b.options.empty() ? b.base : b.base + ":" + b.options);
  } else {
    for (const std::string& path : paths) {
      auto dirs = DiscoverBundleDirs(tree, path);
      if (!dirs.ok()) return dirs.status().WithContext(fmt::format("path \"{}\"", path));
      for (const std::string& dir : *dirs) build({dir, "", BundleName(options.gitrepo_name, dir)});
    }
  }
  if (result.bundles.empty() && result.failures.empty()) {
    std::string list;
    for (size_t i = 0; i < paths.size(); i++) list += (i ? " " : "") + paths[i];
    return InvalidArgument(
        fmt::format("no resource found at the following paths to deploy: [{}]", list));
  }
  return result;
}

StatusOr<std::vector<Json>> BuildBundles(const Tree& tree, const BuildOptions& options) {
  ASSIGN_OR_RETURN(BuildResult result, BuildBundleSet(tree, options));
  if (!result.failures.empty()) return result.failures.front().status;
  return std::move(result.bundles);
}

}  // namespace flotilla::render
