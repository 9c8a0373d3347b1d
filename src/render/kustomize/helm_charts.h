// `helmCharts` (kustomize's HelmChartInflationGenerator) for local charts, rendered with the
// native Helm engine (render/helm). Charts are read from <helmGlobals.chartHome>/<name>
// (default "charts/<name>") under the kustomization; `repo` (remote charts) is refused.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "render/kustomize/internal.h"
#include "render/tree/tree.h"

namespace flotilla::kustomize {

StatusOr<std::vector<Json>> InflateHelmCharts(const Json& kustomization, const std::string& dir,
                                              const std::string& where, const Tree& tree,
                                              const ReadFn& read, size_t max_nodes);

}  // namespace flotilla::kustomize
