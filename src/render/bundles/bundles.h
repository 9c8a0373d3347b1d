// From a repository tree to Bundles (fleet.cattle.io/v1alpha1), as Fleet's `fleet apply` does
// for a GitRepo: every entry of `paths` (default: the root) becomes one Bundle whose
// spec.resources carry the raw files. The controller and the CLI both call BuildBundles.
//
// Current scope: raw YAML/JSON manifests. fleet.yaml, Helm and Kustomize plug in here.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "render/bundles/tree.h"

namespace flotilla::render {

struct BuildOptions {
  std::string gitrepo_name;        // bundle names derive from it
  std::string ns;                  // namespace of the Bundles
  std::string commit;              // recorded in labels/annotations
  std::vector<std::string> paths;  // empty = {""}
  std::string target_namespace;    // GitRepo spec.targetNamespace
  Json targets = Json::array();    // GitRepo spec.targets, copied into each Bundle
  Json labels = Json::object();    // extra labels for every Bundle
  // Limits that keep hostile repositories from exhausting memory.
  uint64_t max_file_bytes = 16 << 20;
  uint64_t max_bundle_bytes = 64 << 20;
};

// Builds the Bundles. Errors name the path and file (and line, for malformed YAML), e.g.
// `bundle "demo-app": app/deploy.yaml:3:7: invalid YAML: ...`. On any error no Bundle is
// returned: a commit is deployed whole or not at all.
StatusOr<std::vector<Json>> BuildBundles(const Tree& tree, const BuildOptions& options);

// Fleet's bundle name for `path` of GitRepo `gitrepo_name` (Helm release-name rules: lower
// case, at most 53 characters, a hash suffix when shortened).
std::string BundleName(const std::string& gitrepo_name, const std::string& path);

// The manifests of a Bundle's resources as Kubernetes objects (YAML streams split, `List`
// kinds expanded), with the bundle's namespace rules applied: `target_namespace` overrides every
// namespaced object's namespace, else `default_namespace` fills in missing ones.
struct ManifestOptions {
  std::string default_namespace = "default";
  std::string target_namespace;
};
StatusOr<std::vector<Json>> ParseManifests(const Json& resources, const ManifestOptions& options);

// sha256 over the canonical form of spec.resources: the manifest id of a deployment.
std::string ResourcesHash(const Json& resources);

}  // namespace flotilla::render
