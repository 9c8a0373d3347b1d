// kustomize's patch transformers (api/internal/builtins PatchTransformer,
// PatchStrategicMergeTransformer, PatchJson6902Transformer), on top of render/patch:
//
//   patches:                 # path or inline patch; strategic merge or JSON 6902, told apart as
//   - path: p.yaml           # kustomize does (a list of operations is JSON 6902, objects with
//     target: {kind: D}      # kind and metadata.name are strategic merge patches)
//     options: {allowNameChange: true, allowKindChange: true}
//   patchesStrategicMerge:   # files, or inline patches
//   - p.yaml
//   patchesJson6902:         # a target and path or patch (YAML or JSON operations)
//   - target: {group: apps, version: v1, kind: Deployment, name: web}
//     path: ops.yaml
//
// Targets select by group/version/kind/name/namespace (anchored regular expressions),
// labelSelector and annotationSelector; a target that selects nothing is not an error (as in
// kustomize). A strategic merge patch without a target must match exactly one resource by
// apiVersion, kind, name and namespace, else it is an error naming the kustomization and patch.
// Resources are matched by their current id and by the ids they had before renames, which the
// caller may record as kustomize does, in the annotations
// internal.config.kubernetes.io/previousKinds, previousNames and previousNamespaces
// (comma-separated, oldest first).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace flotilla::kustomize {

using ReadFileFn = std::function<StatusOr<std::string>(std::string_view path)>;

// Applies the kustomization's patchesStrategicMerge, then patches, then patchesJson6902 (the
// relative order of kustomize's built-in transformers; note kustomize runs patchesJson6902 after
// the namespace, prefix/suffix, label and annotation transformers: callers that need that order
// use the three functions below). `read_file` reads a path relative to the kustomization.
// Errors read "<kustomization_path>: patches[1]: ...".
Status ApplyKustomizePatches(const Json& kustomization, std::vector<Json>& resources,
                             const ReadFileFn& read_file, std::string_view kustomization_path);

Status ApplyPatchesStrategicMerge(const Json& kustomization, std::vector<Json>& resources,
                                  const ReadFileFn& read_file, std::string_view kustomization_path);
Status ApplyPatches(const Json& kustomization, std::vector<Json>& resources,
                    const ReadFileFn& read_file, std::string_view kustomization_path);
Status ApplyPatchesJson6902(const Json& kustomization, std::vector<Json>& resources,
                            const ReadFileFn& read_file, std::string_view kustomization_path);

// A Kubernetes label selector ("a=b,c!=d,e in (x,y),f notin (z),g,!h") against `labels`.
StatusOr<bool> MatchLabelSelector(std::string_view selector, const Json& labels);

}  // namespace flotilla::kustomize
