// Charts from elsewhere in a bundle, as Fleet's `fleet apply` handles them
// (internal/bundlereader/resources.go addRemoteCharts): a fleet.yaml `helm:` (top level or a
// target's) whose chart is remote — `repo` set, or `chart` an oci:// or http(s):// URL — is
// fetched at build time and embedded in the Bundle's resources under
// `.chart/<sha256(chart:repo:version)>/<chart dir>/...`; `helm.chart` is rewritten to that
// prefix and `helm.repo` dropped, so agents never reach the chart source.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/json.h"
#include "core/status.h"
#include "render/bundles/bundles.h"

namespace flotilla::render {

// True iff fleet.yaml's `helm` names a chart that must be fetched.
bool IsRemoteChart(const Json& helm);

// Fetches every remote chart of `fleet_yaml` (top-level helm and targets' helm) with
// options.chart_fetcher, appends its files to `resources` and rewrites the helm options in
// `fleet_yaml`. FailedPrecondition when a remote chart is used and no fetcher is configured.
// Errors name the fleet.yaml and the chart (repo, chart, version), never credentials.
Status EmbedRemoteCharts(const BuildOptions& options, const std::string& dir, Json* fleet_yaml,
                         Json* resources);

// The files of the chart that helm.chart (a directory of the bundle, e.g. ".chart/<hex>" or
// "./mychart") points at, relative to the chart root (the directory holding Chart.yaml, which
// may be the only subdirectory of helm.chart); nullopt when helm.chart is unset or remote.
// base64-encoded resources are decoded.
StatusOr<std::optional<std::map<std::string, std::string>>> EmbeddedChartFiles(
    const Json& resources, const Json& helm);

}  // namespace flotilla::render
