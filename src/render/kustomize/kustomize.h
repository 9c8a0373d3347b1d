// A native `kustomize build` (kustomize v5 semantics, output byte-identical to
// `kubectl kustomize`): kustomization files, resources and bases, components, generators with
// kustomize's hash suffix, namespace, name prefix/suffix with name-reference fix-ups, labels,
// annotations, images, replicas, local helmCharts and (through render/kustomize/patches.h)
// patches. Remote bases (URLs) are refused.
//
//   ASSIGN_OR_RETURN(auto objects, kustomize::Build(*tree, "overlays/prod", {}));
//   std::string yaml = kustomize::ToYaml(objects);  // what `kustomize build` prints
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "render/tree/tree.h"

namespace flotilla::kustomize {

using render::Tree;

struct BuildLimits {
  size_t max_file_bytes = 8 << 20;    // any one file read (resources, kustomization, env files)
  size_t max_total_bytes = 64 << 20;  // all files read by one build
  size_t max_yaml_nodes = 1'000'000;  // per document, after alias expansion
  size_t max_depth = 32;              // nested kustomizations (resources/components)
  size_t max_resources = 100'000;     // objects in the result
};

// Runs `kustomize build <dir>` over `tree` (dir "" or "." = the root). Errors name the
// kustomization file and the field (e.g. "base/kustomization.yaml: resources[2]: ...").
StatusOr<std::vector<Json>> Build(const Tree& tree, std::string_view dir,
                                  const BuildLimits& limits);

// The objects as `kustomize build` prints them: YAML documents separated by "---\n".
std::string ToYaml(const std::vector<Json>& objects);

// True iff `dir` of `tree` holds a kustomization file (kustomization.yaml/.yml/Kustomization).
bool HasKustomization(const Tree& tree, std::string_view dir);

// `flotilla kustomize build DIR`: prints to stdout, errors to stderr; returns the exit code.
int RunKustomizeBuild(int argc, char** argv);

}  // namespace flotilla::kustomize
