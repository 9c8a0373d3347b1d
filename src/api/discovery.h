// Kubernetes discovery documents for the served kinds (legacy, non-aggregated discovery, which
// every kubectl understands; newer clients fall back to it from the Content-Type).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/json.h"

namespace flotilla::api {

// /api: metav1.APIVersions.
Json ApiVersionsJson(const std::string& server_address);
// /apis: metav1.APIGroupList (every non-core group).
Json ApiGroupListJson();
// /apis/{group}: metav1.APIGroup; nullopt for an unknown group.
std::optional<Json> ApiGroupJson(std::string_view group);
// /api/v1 (group "") or /apis/{group}/{version}: metav1.APIResourceList with the /status
// subresources; nullopt for an unknown group/version.
std::optional<Json> ApiResourceListJson(std::string_view group, std::string_view version);
// /version: version.Info.
Json VersionJson();

}  // namespace flotilla::api
