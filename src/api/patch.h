// PATCH bodies, by Content-Type:
//   application/merge-patch+json            RFC 7386 JSON merge patch
//   application/json-patch+json             RFC 6902 JSON patch
//   application/strategic-merge-patch+json  Kubernetes strategic merge patch (render/patch):
//       lists merged by patchMergeKey for the built-in kinds (containers by name, ports, env,
//       volumes...), $patch, $retainKeys, $setElementOrder, $deleteFromPrimitiveList. Kinds
//       without a schema (flotilla's own) merge maps and replace lists.
//   application/apply-patch+yaml            server-side apply, simplified: the applied
//       configuration is merge-patched onto the live object (or creates it); no field
//       ownership, no conflict detection, no removal of fields the manager stopped applying.
#pragma once

#include <optional>
#include <string_view>

#include "core/json.h"
#include "core/status.h"

namespace flotilla::api {

enum class PatchType { kMerge, kJson, kStrategicMerge, kApply };

// nullopt for an unsupported media type (HTTP 415).
std::optional<PatchType> PatchTypeFromContentType(std::string_view content_type);

// All return kInvalidArgument for a malformed patch or a failed JSON-patch "test".
StatusOr<Json> ApplyMergePatch(const Json& target, const Json& patch);
StatusOr<Json> ApplyJsonPatch(const Json& target, const Json& patch);
StatusOr<Json> ApplyStrategicMergePatch(const Json& target, const Json& patch);

}  // namespace flotilla::api
