// From a repository tree to Bundles (fleet.cattle.io/v1alpha1), as Fleet's `fleet apply` does
// for a GitRepo, and back from a Bundle to the objects an agent applies. The controller and the
// CLI (`flotilla apply`) both call BuildBundles; the agent calls ParseManifests.
//
// Scope: raw YAML/JSON bundles with fleet.yaml options and overlays, bundles that are a local
// Helm chart (a Chart.yaml at their root, rendered by render/helm with helm.values), and remote
// charts (helm.repo/chart, oci://, https://), fetched at build time through
// BuildOptions::chart_fetcher and embedded (remote_charts.h).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "render/bundles/names.h"
#include "render/chartsource/chartsource.h"
#include "render/tree/tree.h"

namespace flotilla::render {

class BundleCache;  // render/bundles/cache.h

// One entry of GitRepo spec.bundles (Fleet >= 0.12, "driven scan"): the directory `base` is one
// Bundle (not scanned for sub-bundles, no globs); `options` names its fleet.yaml, relative to
// `base` (default: base's own fleet.yaml, else none).
struct BundlePath {
  std::string base;
  std::string options;
};

struct BuildOptions {
  std::string gitrepo_name;         // bundle names derive from it
  std::string ns;                   // namespace of the Bundles
  std::string commit;               // the fleet.cattle.io/commit label (omitted when empty)
  std::vector<std::string> paths;   // empty = {"."}; globs allowed, as Fleet
  std::vector<BundlePath> bundles;  // GitRepo spec.bundles; when set, `paths` is not used
  std::string target_namespace;     // GitRepo spec.targetNamespace (Bundle spec.namespace)
  Json targets = Json::array();     // GitRepo spec.targets (empty = clusterGroup "default")
  Json labels = Json::object();     // extra labels for every Bundle (`apply --label`)
  std::string service_account;      // GitRepo spec.serviceAccount
  bool paused = false;              // `apply --paused`
  bool keep_resources = false;      // GitRepo spec.keepResources
  bool delete_namespace = false;    // GitRepo spec.deleteNamespace
  int64_t sync_generation = 0;      // GitRepo spec.forceSyncGeneration
  // Limits that keep hostile repositories from exhausting memory.
  uint64_t max_file_bytes = 16 << 20;
  uint64_t max_bundle_bytes = 64 << 20;
  // Remote charts (fleet.yaml helm.repo, or an oci:// / https:// helm.chart) are fetched with
  // this at build time and embedded in the Bundle (remote_charts.h); null = they are refused.
  chartsource::ChartFetcher* chart_fetcher = nullptr;
  chartsource::ChartAuth chart_auth;  // GitRepo spec.helmSecretName
  std::string helm_repo_url_regex;    // GitRepo spec.helmRepoURLRegex: where chart_auth may go
  std::map<std::string, chartsource::ChartAuth> chart_auth_for_paths;  // helmSecretNameForPaths
  // Unchanged bundles are served from here instead of being rendered again (optional).
  // REQUIRES: a new field above that shapes a bundle read from the tree is added to CacheKey
  // (bundles.cc); fields used only for remote charts need not be (those are never cached).
  BundleCache* cache = nullptr;
};

// Builds the Bundles of every path (see discover.h for which directories become Bundles and
// names.h for their names). Errors name the bundle, file and line, e.g.
// `bundle "demo-app" (app): app/fleet.yaml:3: defaultNamespce: unknown field`. On any error no
// Bundle is returned (what `flotilla apply` wants).
StatusOr<std::vector<Json>> BuildBundles(const Tree& tree, const BuildOptions& options);

// A bundle that failed to build; the other bundles of the commit are not affected.
struct BundleFailure {
  std::string name;  // the derived Bundle name
  std::string dir;   // "." for the root
  Status status;     // names the bundle, file and line
};
struct BuildResult {
  std::vector<Json> bundles;
  std::vector<BundleFailure> failures;
};

// As BuildBundles, but a failure confined to one bundle (its fleet.yaml, its files, its chart)
// is reported in `failures` while the other bundles are still built (what the controller wants).
// Errors that are not confined to a bundle (a bad `paths` entry, an unreadable tree, no bundle
// at all) are the returned Status.
StatusOr<BuildResult> BuildBundleSet(const Tree& tree, const BuildOptions& options);

// How the agent turns a deployment's resources into objects.
struct ManifestOptions {
  std::string default_namespace = "default";
  std::string target_namespace;       // options.namespace: forces every object's namespace
  std::vector<std::string> overlays;  // options.yaml.overlays
  Json namespace_labels;              // options.namespaceLabels
  Json namespace_annotations;         // options.namespaceAnnotations
  std::string path_prefix;            // prepended to file names in error messages
  Json helm;                          // options.helm (values, releaseName) for chart bundles
  std::string release_name;           // the Helm release name when helm.releaseName is unset
  std::string kustomize_dir;          // options.kustomize.dir: where kustomization.yaml is
};

// ManifestOptions from BundleDeploymentOptions JSON (a BundleDeployment's spec.options).
ManifestOptions ManifestOptionsFrom(const Json& deployment_options);

// The manifests of a Bundle's resources as Kubernetes objects, as Fleet's agent renders a
// raw-YAML bundle: overlays applied (`overlays/<name>/x.yaml` replaces x.yaml,
// `overlays/<name>/x_patch.yaml` merge-patches it, or JSON-patches it when the patch is a list),
// then every .yaml/.yml/.json file outside overlays/ and outside directories holding their own
// fleet.yaml or Chart.yaml is parsed (YAML streams split, `List` kinds expanded, documents
// without a kind skipped). `target_namespace` overrides every namespaced object's namespace
// (cluster-scoped objects are then an error, as in Fleet), else `default_namespace` fills in
// missing ones. With namespaceLabels/Annotations a Namespace object carrying them is added.
StatusOr<std::vector<Json>> ParseManifests(const Json& resources, const ManifestOptions& options);

}  // namespace flotilla::render
