// meta.k8s.io Table output, what `kubectl get` asks for with
// "Accept: application/json;as=Table;v=v1;g=meta.k8s.io": a Name column, then the kind's printer
// columns, one row per object with its cells and (by default) its PartialObjectMetadata.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/time.h"
#include "model/resource_type.h"

namespace flotilla::api {

// Kubernetes' duration.HumanDuration: "45s", "5m12s", "15m", "3h10m", "2d4h", "400d", "2y30d".
std::string HumanDuration(std::chrono::nanoseconds d);

// Evaluates a printer-column path against `object`: dotted keys ("status.commit"), "\." escapes a
// dot inside a key ("metadata.labels.fleet\.cattle\.io/commit"), "[N]" indexes a list and
// "[Ready]" picks the list element whose "type" is Ready ("status.conditions[Ready].message").
// Returns null when any step is missing.
Json EvaluateColumnPath(const Json& object, std::string_view path);

enum class IncludeObject { kNone, kMetadata, kObject };

struct TableOptions {
  std::string api_version = "meta.k8s.io/v1";  // or "meta.k8s.io/v1beta1"
  IncludeObject include_object = IncludeObject::kMetadata;
  bool no_headers = false;  // omit columnDefinitions
  Clock::time_point now = Clock::now();
};

// The Table API version the Accept header asks for, in the client's order of preference
// ("meta.k8s.io/v1" or "meta.k8s.io/v1beta1"); nullopt when it does not ask for a Table.
std::optional<std::string> TableVersionFromAccept(std::string_view accept);
// "None", "Metadata" (default), "Object"; nullopt when unknown.
std::optional<IncludeObject> ParseIncludeObject(std::string_view value);

Json TableColumnDefinitions(const model::ResourceType& type);
Json TableRow(const model::ResourceType& type, const Json& object, const TableOptions& options);
// A Table of `items`; metadata carries resourceVersion and continue (when non-empty).
Json BuildTable(const model::ResourceType& type, const std::vector<Json>& items,
                const TableOptions& options, const std::string& resource_version,
                const std::string& continue_token = "");

}  // namespace flotilla::api
